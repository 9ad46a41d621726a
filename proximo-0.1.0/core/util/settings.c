/**
 * @file settings.c
 * @brief PROXIMO_* settings and the env file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/settings.h"
#include "util/error.h"
#include "util/log.h"

char *
pxm_config_home_path(const char *rel)
{
	struct pxm_buf b = PXM_BUF_INIT;
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	if (pxm_buf_printf(&b, "%s/%s", home, rel) != PXM_OK) {
		pxm_buf_free(&b);
		return NULL;
	}
	return pxm_buf_steal(&b);
}

const char *
pxm_config_get(const char *key)
{
	const char *v = getenv(key);

	return (v && *v) ? v : NULL;
}

int
pxm_config_bool(int *out, struct pxm_error *err, const char *key, int def)
{
	const char *v = pxm_config_get(key);
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;

	*out = def;
	if (v == NULL)
		return PXM_OK;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return PXM_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return PXM_OK;
		}
	}
	return pxm_error_set(err, PXM_E_CONFIG, "config",
	    "%s='%s' is not a boolean; accepted: 1/true/yes/on or 0/false/no/off",
	    key, v);
}

int
pxm_config_uint(uint64_t *out, struct pxm_error *err, const char *key,
    uint64_t def, uint64_t min, uint64_t max)
{
	const char *v = pxm_config_get(key);
	char *end;
	unsigned long long n;

	*out = def;
	if (v == NULL)
		return PXM_OK;
	errno = 0;
	if (!isdigit((unsigned char)*v))
		goto bad;
	n = strtoull(v, &end, 10);
	if (errno || *end != '\0' || n < min || n > max)
		goto bad;
	*out = n;
	return PXM_OK;
bad:
	return pxm_error_set(err, PXM_E_CONFIG, "config",
	    "%s='%s' is not a whole number from %" PRIu64 " to %" PRIu64,
	    key, v, min, max);
}

/* Strip matching surrounding quotes and whitespace in place. */
static char *
trim_value(char *v)
{
	size_t n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		v[--n] = '\0';
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	}
	return v;
}

int
pxm_config_load_env_file(struct pxm_error *err)
{
	const char *explicit_path = pxm_config_get("PROXIMO_ENV_FILE");
	struct pxm_buf loaded = PXM_BUF_INIT, shadowed = PXM_BUF_INIT;
	char *path = NULL, *line = NULL, *key, *val, *eq;
	size_t cap = 0;
	int nloaded = 0, r = PXM_E_INTERNAL, lineno = 0;
	FILE *f = NULL;

	path = explicit_path ? strdup(explicit_path)
	    : pxm_config_home_path(".config/proximo/proximo.env");
	if (path == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && explicit_path == NULL) {
			r = PXM_OK;
			goto out;
		}
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_ENV_FILE: cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		key = line;
		while (*key == ' ' || *key == '\t')
			key++;
		if (*key == '#' || *key == '\n' || *key == '\0')
			continue;
		if (strncmp(key, "export ", 7) == 0)
			key += 7;
		key[strcspn(key, "\n")] = '\0';
		if ((eq = strchr(key, '=')) == NULL) {
			pxm_warn("%s:%d: ignoring a line without '='", path, lineno);
			continue;
		}
		*eq = '\0';
		val = trim_value(eq + 1);
		trim_value(key);
		if (strncmp(key, "PROXIMO_", 8) != 0)
			continue;
		if (getenv(key) != NULL) {
			if (strcmp(getenv(key), val) != 0)
				pxm_buf_printf(&shadowed, "%s%s", shadowed.len ? ", " : "", key);
			continue;
		}
		if (setenv(key, val, 0) != 0) {
			r = pxm_error_set(err, PXM_E_CONFIG, "config",
			    "%s:%d: cannot set %s", path, lineno, key);
			goto out;
		}
		pxm_buf_printf(&loaded, "%s%s", loaded.len ? ", " : "", key);
		nloaded++;
	}
	if (nloaded)
		pxm_info("loaded %d setting(s) from %s: %s", nloaded, path, loaded.data);
	if (shadowed.len)
		pxm_warn("%s: the process environment overrides differing value(s) of %s",
		    path, shadowed.data);
	r = PXM_OK;
out:
	if (f)
		fclose(f);
	free(line);
	free(path);
	pxm_buf_free(&loaded);
	pxm_buf_free(&shadowed);
	return r;
}
