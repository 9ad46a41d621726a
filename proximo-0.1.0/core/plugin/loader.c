/**
 * @file loader.c
 * @brief Finding, checking and loading plugins.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/dl.h"
#include "plugin/host.h"
#include "plugin/loader.h"
#include "registry/registry.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/settings.h"

#ifndef PXM_PLUGINDIR
#define PXM_PLUGINDIR "/usr/local/lib/proximo/plugins"
#endif

const char *
pxm_loader_default_dir(void)
{
	const char *d = pxm_config_get("PROXIMO_PLUGIN_DIR");

	return d ? d : PXM_PLUGINDIR;
}

static int
valid_plugin_name(const char *n, size_t len)
{
	size_t i;

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!(islower((unsigned char)n[i]) || isdigit((unsigned char)n[i]) || n[i] == '_'))
			return 0;
	return 1;
}

static struct pxm_plugin *
record_new(struct pxm_plugin_set *set, const char *name)
{
	struct pxm_plugin *p, **n;
	struct pxm_buf path = PXM_BUF_INIT;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	if ((n = realloc(set->plugins, (set->n + 1) * sizeof *n)) == NULL) {
		free(p);
		return NULL;
	}
	set->plugins = n;
	p->magic = PXM_PLUGIN_REC_MAGIC;
	p->name = strdup(name);
	pxm_buf_printf(&path, "%s/%s.so", set->dir, name);
	p->path = pxm_buf_steal(&path);
	p->reg = set->reg;
	p->set = set;
	set->plugins[set->n++] = p;
	return p;
}

static void
refuse(struct pxm_plugin *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
refuse(struct pxm_plugin *p, const char *fmt, ...)
{
	struct pxm_buf b = PXM_BUF_INIT;
	va_list ap;

	pxm_buf_printf(&b, "plugin '%s' (%s): ", p->name, p->path);
	va_start(ap, fmt);
	pxm_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(p->refusal);
	p->refusal = pxm_buf_steal(&b);
	pxm_warn("%s", p->refusal);
}

/* Checks on the file itself, before any of its code can run (dlopen runs
 * ELF constructors). */
static int
check_file(struct pxm_plugin *p)
{
	unsigned char hdr[4];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(p->path, &st) != 0) {
		refuse(p, "cannot read the plugin file: %s", strerror(errno));
		return PXM_E_NOTFOUND;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse(p, "not a regular file");
		return PXM_E_INVAL;
	}
	if (st.st_mode & 022) {
		refuse(p, "refusing a plugin file that is group/world-writable (mode %03o): "
		    "anyone who can write it can run code as proximo; fix: chmod go-w %s",
		    (unsigned)(st.st_mode & 0777), p->path);
		return PXM_E_DENIED;
	}
	if ((fd = open(p->path, O_RDONLY | O_CLOEXEC)) < 0) {
		refuse(p, "cannot open the plugin file: %s", strerror(errno));
		return PXM_E_NOTFOUND;
	}
	n = read(fd, hdr, sizeof hdr);
	close(fd);
	if (n != (ssize_t)sizeof hdr || memcmp(hdr, "\177ELF", 4) != 0) {
		refuse(p, "not an ELF shared object");
		return PXM_E_INVAL;
	}
	return PXM_OK;
}

static int
check_descriptor(struct pxm_plugin *p, const struct pxm_plugin_descriptor *d)
{
	const size_t min_size = offsetof(struct pxm_plugin_descriptor, fini) + sizeof d->fini;
	size_t i;

	if (d->magic != PXM_PLUGIN_MAGIC) {
		refuse(p, "bad magic 0x%08x (expected 0x%08x): not a Proximo plugin descriptor",
		    (unsigned)d->magic, (unsigned)PXM_PLUGIN_MAGIC);
		return PXM_E_ABI;
	}
	p->sdk_major = d->sdk_major;
	p->sdk_minor = d->sdk_minor;
	if (d->sdk_major != PXM_SDK_VERSION_MAJOR) {
		refuse(p, "built for SDK %u.%u, this proximo provides SDK %u.%u (major versions "
		    "differ); rebuild the plugin against this proximo's SDK",
		    d->sdk_major, d->sdk_minor, PXM_SDK_VERSION_MAJOR, PXM_SDK_VERSION_MINOR);
		return PXM_E_ABI;
	}
	if (d->sdk_minor > PXM_SDK_VERSION_MINOR) {
		refuse(p, "built for SDK %u.%u, this proximo provides SDK %u.%u (the plugin is "
		    "newer); upgrade proximo or rebuild the plugin",
		    d->sdk_major, d->sdk_minor, PXM_SDK_VERSION_MAJOR, PXM_SDK_VERSION_MINOR);
		return PXM_E_ABI;
	}
	if (d->size < min_size) {
		refuse(p, "descriptor size %u is smaller than SDK %u.0's %zu bytes",
		    (unsigned)d->size, PXM_SDK_VERSION_MAJOR, min_size);
		return PXM_E_ABI;
	}
	if (d->flags != 0) {
		refuse(p, "descriptor flags 0x%x are not defined in SDK %u.x",
		    (unsigned)d->flags, PXM_SDK_VERSION_MAJOR);
		return PXM_E_ABI;
	}
	if (d->name == NULL || strcmp(d->name, p->name) != 0) {
		refuse(p, "descriptor names the plugin '%s' but the file is %s.so; "
		    "the two must match", d->name ? d->name : "(null)", p->name);
		return PXM_E_ABI;
	}
	if (d->init == NULL) {
		refuse(p, "descriptor has no init function");
		return PXM_E_ABI;
	}
	for (i = 0; i < p->set->n; i++) {
		struct pxm_plugin *o = p->set->plugins[i];
		if (o != p && o->loaded && strcmp(o->name, p->name) == 0) {
			refuse(p, "a plugin named '%s' is already loaded from %s", p->name, o->path);
			return PXM_E_EXISTS;
		}
	}
	return PXM_OK;
}

static void
load_one(struct pxm_plugin *p)
{
	const struct pxm_plugin_descriptor *d;
	char dlerr[512];
	int rc;

	if (check_file(p) != PXM_OK)
		return;
	if (pxm_dl_open(&p->dl, p->path, dlerr, sizeof dlerr) != PXM_OK) {
		refuse(p, "cannot load: %s", dlerr);
		return;
	}
	if ((d = pxm_dl_sym(p->dl, "pxm_plugin_descriptor")) == NULL) {
		refuse(p, "no pxm_plugin_descriptor symbol: not a Proximo plugin "
		    "(define one with PXM_PLUGIN_DEFINE)");
		goto unload;
	}
	if (check_descriptor(p, d) != PXM_OK)
		goto unload;
	p->desc = d;
	p->version = strdup(d->version ? d->version : "");
	p->description = strdup(d->description ? d->description : "");

	pxm_error_clear(&p->reg_error);
	p->in_init = 1;
	rc = d->init(pxm_host_table(), p);
	p->in_init = 0;
	if (rc != PXM_OK || p->reg_error.code != PXM_OK) {
		pxm_registry_remove_owner(p->reg, p);
		if (p->reg_error.code != PXM_OK)
			refuse(p, "registration failed: %s", p->reg_error.text);
		else
			refuse(p, "init failed (%d: %s)", rc, pxm_strerror(rc));
		if (rc == PXM_OK && d->fini)
			d->fini(p);
		goto unload;
	}
	p->loaded = 1;
	pxm_debug("loaded plugin %s %s (SDK %u.%u) from %s", p->name, p->version,
	    p->sdk_major, p->sdk_minor, p->path);
	return;
unload:
	p->desc = NULL;
	pxm_dl_close(p->dl);
	p->dl = NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
pxm_loader_load(struct pxm_plugin_set **out, struct pxm_error *err,
    struct pxm_registry *reg, const char *dir, const char *list)
{
	struct pxm_plugin_set *set = NULL;
	struct pxm_plugin *p;
	char **names = NULL, *copy = NULL, *tok, *save = NULL, *dot;
	size_t nnames = 0, i, len;
	struct dirent *de;
	DIR *dh = NULL;
	int r = PXM_E_INTERNAL;

	*out = NULL;
	if ((set = calloc(1, sizeof *set)) == NULL || (set->dir = strdup(dir)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	set->reg = reg;
	if (list) {
		if ((copy = strdup(list)) == NULL) {
			r = PXM_E_NOMEM;
			goto out;
		}
		for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			if (!valid_plugin_name(tok, strlen(tok))) {
				r = pxm_error_set(err, PXM_E_CONFIG, "config",
				    "PROXIMO_PLUGINS: '%s' is not a plugin name (lowercase letters, "
				    "digits, '_')", tok);
				goto out;
			}
			if ((names = realloc(names, (nnames + 1) * sizeof *names)) == NULL ||
			    (names[nnames++] = strdup(tok)) == NULL) {
				r = PXM_E_NOMEM;
				goto out;
			}
		}
	} else if ((dh = opendir(dir)) == NULL) {
		if (errno != ENOENT) {
			r = pxm_error_set(err, PXM_E_CONFIG, "config",
			    "cannot read the plugin directory %s: %s", dir, strerror(errno));
			goto out;
		}
		pxm_debug("plugin directory %s does not exist: no plugins", dir);
	} else {
		while ((de = readdir(dh)) != NULL) {
			len = strlen(de->d_name);
			if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
				continue;
			if (!valid_plugin_name(de->d_name, len - 3))
				continue;
			if ((names = realloc(names, (nnames + 1) * sizeof *names)) == NULL ||
			    (names[nnames] = strdup(de->d_name)) == NULL) {
				r = PXM_E_NOMEM;
				goto out;
			}
			if ((dot = strrchr(names[nnames], '.')) != NULL)
				*dot = '\0';
			nnames++;
		}
		qsort(names, nnames, sizeof *names, cmp_str);
	}
	for (i = 0; i < nnames; i++) {
		if ((p = record_new(set, names[i])) == NULL) {
			r = PXM_E_NOMEM;
			goto out;
		}
		load_one(p);
	}
	*out = set;
	set = NULL;
	r = PXM_OK;
out:
	if (dh)
		closedir(dh);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(copy);
	pxm_loader_unload_all(set);
	return r;
}

int
pxm_loader_load_all(struct pxm_plugin_set **out, struct pxm_error *err,
    struct pxm_registry *reg)
{
	return pxm_loader_load(out, err, reg, pxm_loader_default_dir(),
	    pxm_config_get("PROXIMO_PLUGINS"));
}

void
pxm_loader_unload_all(struct pxm_plugin_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = set->n; i-- > 0;) {
		struct pxm_plugin *p = set->plugins[i];
		if (p->loaded && p->desc && p->desc->fini)
			p->desc->fini(p);
		if (p->dl)
			pxm_dl_close(p->dl);
		free(p->name);
		free(p->path);
		free(p->version);
		free(p->description);
		free(p->refusal);
		free(p);
	}
	pxm_host_endpoints_free(set);
	free(set->plugins);
	free(set->dir);
	free(set);
	pxm_dl_exit();
}

json_t *
pxm_loader_describe(const struct pxm_plugin_set *set)
{
	json_t *a = json_array(), *o;
	char sdk[32];
	size_t i;

	for (i = 0; set && i < set->n; i++) {
		const struct pxm_plugin *p = set->plugins[i];
		o = json_pack("{s:s, s:s, s:s}", "name", p->name, "path", p->path,
		    "status", p->loaded ? "loaded" : "refused");
		if (p->version)
			json_object_set_new(o, "version", json_string(p->version));
		if (p->description && *p->description)
			json_object_set_new(o, "description", json_string(p->description));
		if (p->sdk_major || p->sdk_minor) {
			snprintf(sdk, sizeof sdk, "%u.%u", p->sdk_major, p->sdk_minor);
			json_object_set_new(o, "sdk", json_string(sdk));
		}
		if (p->refusal)
			json_object_set_new(o, "reason", json_string(p->refusal));
		json_array_append_new(a, o);
	}
	return a;
}
