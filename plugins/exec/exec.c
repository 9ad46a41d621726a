/**
 * @file exec.c
 * @brief The exec plugin: its descriptor, its settings (enable flag, CTID
 *        allowlist, redaction), the startup banner and the gate shared by
 *        every tool.
 *
 * Commands inside containers are the sharpest edge Proximo offers: `pct
 * exec` runs as root on the node.  So the plugin is inert unless
 * PROXIMO_ENABLE_EXEC is a true boolean, only containers listed in
 * PROXIMO_CT_ALLOWLIST are reachable, and anything it cannot parse counts
 * as "no".
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"

const struct pxm_host *exec_host;
struct pxm_plugin *exec_self;
struct exec_settings exec_cfg;

int
exec_fail(struct pxm_error *err, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->reason, sizeof err->reason, "%s", reason ? reason : "");
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	return code;
}

int
exec_vmid_valid(const char *s)
{
	size_t n;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	for (n = 0; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= 3 && n <= 9;
}

int
exec_ctid(char *buf, size_t size, struct pxm_error *err, const json_t *args)
{
	const json_t *v = json_object_get(args, "ctid");

	if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v) && json_string_length(v) < size)
		snprintf(buf, size, "%s", json_string_value(v));
	else
		buf[0] = '\0';
	/* The schema already holds the pattern; this is the last word. */
	if (!exec_vmid_valid(buf))
		return exec_fail(err, PXM_E_INVAL, "vmid", "ctid must be a Proxmox container id "
		    "(100 to 999999999, digits only)");
	return PXM_OK;
}

/* ------------------------------------------------------------- the gate */

static int
allowlisted(const char *ctid)
{
	size_t i;

	if (exec_cfg.allow_all)
		return 1;
	for (i = 0; i < exec_cfg.nallow; i++)
		if (strcmp(exec_cfg.allow[i], ctid) == 0)
			return 1;
	return 0;
}

int
exec_permitted(struct pxm_error *err, const char *ctid)
{
	if (exec_cfg.enable_invalid)
		return exec_fail(err, PXM_E_DENIED, "exec_disabled", "In-container exec is disabled: "
		    "PROXIMO_ENABLE_EXEC='%s' is not a boolean (accepted: 1/true/yes/on to enable, "
		    "0/false/no/off). Nothing was run.", exec_cfg.enable_raw);
	if (!exec_cfg.enabled)
		return exec_fail(err, PXM_E_DENIED, "exec_disabled", "In-container exec is disabled "
		    "(safe default: API-only). It grants near-root on the PVE host; enable it "
		    "deliberately with PROXIMO_ENABLE_EXEC=1 and list the containers in "
		    "PROXIMO_CT_ALLOWLIST. Nothing was run.");
	if (!allowlisted(ctid))
		return exec_fail(err, PXM_E_DENIED, "allowlist", "CTID %s is not permitted by "
		    "PROXIMO_CT_ALLOWLIST (fail-closed; it lists %s). The list is read at startup "
		    "from the environment or the env file: change it there and restart proximo. "
		    "Nothing was run.", ctid, exec_cfg.nallow ? exec_cfg.allow_text : "nothing");
	return PXM_OK;
}

/* ------------------------------------------------------------ settings */

static void
free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int
list_add(char ***list, size_t *n, const char *s, size_t len)
{
	char **nl;

	if ((nl = realloc(*list, (*n + 1) * sizeof *nl)) == NULL)
		return PXM_E_NOMEM;
	*list = nl;
	if ((nl[*n] = strndup(s, len)) == NULL)
		return PXM_E_NOMEM;
	(*n)++;
	return PXM_OK;
}

/* Split a comma list into trimmed items; calls fn for each non-empty one. */
static int
each_item(const char *list, int (*fn)(const char *item, size_t len))
{
	const char *p = list, *end, *a, *b;
	int r;

	while (p && *p) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (a = p; a < end && isspace((unsigned char)*a); a++)
			;
		for (b = end; b > a && isspace((unsigned char)b[-1]); b--)
			;
		if (b > a && (r = fn(a, (size_t)(b - a))) != PXM_OK)
			return r;
		p = *end ? end + 1 : end;
	}
	return PXM_OK;
}

static int
allow_item(const char *item, size_t len)
{
	char id[16];
	size_t used = strlen(exec_cfg.allow_text);

	if (len == 1 && item[0] == '*') {
		exec_cfg.allow_all = 1;
	} else {
		id[0] = '\0';
		if (len < sizeof id) {
			memcpy(id, item, len);
			id[len] = '\0';
		}
		if (!exec_vmid_valid(id)) {
			/* It could never match a valid CTID; say so, so a typo is seen. */
			exec_host->log(exec_self, PXM_LOG_WARNING, "PROXIMO_CT_ALLOWLIST: '%.*s' is "
			    "not a container id (100 to 999999999) or '*'; ignored",
			    (int)(len > 64 ? 64 : len), item);
			return PXM_OK;
		}
		if (list_add(&exec_cfg.allow, &exec_cfg.nallow, item, len) != PXM_OK)
			return PXM_E_NOMEM;
	}
	snprintf(exec_cfg.allow_text + used, sizeof exec_cfg.allow_text - used, "%s%.*s",
	    used ? "," : "", (int)len, item);
	return PXM_OK;
}

static int
log_dir_item(const char *item, size_t len)
{
	if (item[0] != '/' || len < 2 || memmem(item, len, "..", 2) != NULL) {
		exec_host->log(exec_self, PXM_LOG_WARNING, "PROXIMO_CT_LOG_DIRS: '%.*s' is not an "
		    "absolute directory without '..'; ignored", (int)(len > 128 ? 128 : len), item);
		return PXM_OK;
	}
	/* Stored with one trailing '/', so "/var/log" never admits "/var/logx". */
	while (len > 1 && item[len - 1] == '/')
		len--;
	if (list_add(&exec_cfg.log_dirs, &exec_cfg.nlog_dirs, item, len) != PXM_OK)
		return PXM_E_NOMEM;
	return PXM_OK;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
load_settings(void)
{
	const char *v;
	int r;

	memset(&exec_cfg, 0, sizeof exec_cfg);
	if ((v = exec_host->config_get(exec_self, "PROXIMO_ENABLE_EXEC")) != NULL &&
	    parse_bool(v, &exec_cfg.enabled) != 0) {
		exec_cfg.enabled = 0;
		exec_cfg.enable_invalid = 1;
		snprintf(exec_cfg.enable_raw, sizeof exec_cfg.enable_raw, "%.24s%s", v,
		    strlen(v) > 24 ? "..." : "");
	}
	if ((v = exec_host->config_get(exec_self, "PROXIMO_CT_ALLOWLIST")) != NULL &&
	    (r = each_item(v, allow_item)) != PXM_OK)
		return r;
	/* The reference's rule: only an explicit "no" turns redaction off. */
	v = exec_host->config_get(exec_self, "PROXIMO_LEDGER_REDACT");
	exec_cfg.redact = !(v && (strcasecmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0));
	v = exec_host->config_get(exec_self, "PROXIMO_CT_LOG_DIRS");
	if ((r = each_item(v ? v : "/var/log", log_dir_item)) != PXM_OK)
		return r;
	return PXM_OK;
}

static void
free_settings(void)
{
	free_list(exec_cfg.allow, exec_cfg.nallow);
	free_list(exec_cfg.log_dirs, exec_cfg.nlog_dirs);
	memset(&exec_cfg, 0, sizeof exec_cfg);
}

/* Say plainly what turning this on means, once, at startup. */
static void
banner(void)
{
	json_t *d = NULL;
	const char *target = NULL, *problem = NULL;

	if (exec_cfg.enable_invalid) {
		exec_host->log(exec_self, PXM_LOG_ERROR, "PROXIMO_ENABLE_EXEC='%s' is not a boolean "
		    "(accepted: 1/true/yes/on, 0/false/no/off); in-container exec stays DISABLED",
		    exec_cfg.enable_raw);
		return;
	}
	if (!exec_cfg.enabled) {
		exec_host->log(exec_self, PXM_LOG_INFO, "in-container exec is disabled (set "
		    "PROXIMO_ENABLE_EXEC=1 and PROXIMO_CT_ALLOWLIST to enable); ct_* tools refuse");
		return;
	}
	if (PXM_HOST_HAS(exec_host, ssh_describe) && exec_host->ssh_describe(&d) == PXM_OK) {
		target = json_string_value(json_object_get(d, "target"));
		problem = json_string_value(json_object_get(d, "error"));
	}
	exec_host->log(exec_self, PXM_LOG_WARNING, "in-container exec is ENABLED: ct_exec and "
	    "ct_psql run commands as root inside containers through `pct exec` on %s. This "
	    "grants near-root on the node. Containers allowed: %s",
	    target ? target : "the node in PROXIMO_SSH_TARGET",
	    exec_cfg.allow_all ? "ALL (PROXIMO_CT_ALLOWLIST=*)" :
	    exec_cfg.nallow ? exec_cfg.allow_text : "none (PROXIMO_CT_ALLOWLIST is empty)");
	if (exec_cfg.allow_all)
		exec_host->log(exec_self, PXM_LOG_WARNING, "PROXIMO_CT_ALLOWLIST=* allows EVERY "
		    "container on the node, including ones created later; list CTIDs instead");
	if (problem)
		exec_host->log(exec_self, PXM_LOG_WARNING, "the ssh transport is not usable yet: %s",
		    problem);
	if (!exec_cfg.redact)
		exec_host->log(exec_self, PXM_LOG_WARNING, "PROXIMO_LEDGER_REDACT is off: commands "
		    "and SQL are written to the ledger in clear text");
	json_decref(d);
}

static int
exec_init(const struct pxm_host *host, struct pxm_plugin *self)
{
	int r;

	exec_host = host;
	exec_self = self;
	if (!PXM_HOST_HAS(host, ct_exec) || !PXM_HOST_HAS(host, exec_result_clear) ||
	    !PXM_HOST_HAS(host, plan_set_preview_new)) {
		host->log(self, PXM_LOG_ERROR, "this proximo has no ct_exec host function "
		    "(SDK %u.%u); the exec plugin needs a newer core", (unsigned)host->sdk_major,
		    (unsigned)host->sdk_minor);
		return PXM_E_ABI;
	}
	if ((r = load_settings()) != PXM_OK ||
	    (r = exec_classify_init()) != PXM_OK ||
	    (r = exec_register_mutations()) != PXM_OK ||
	    (r = exec_register_reads()) != PXM_OK) {
		exec_classify_fini();
		free_settings();
		return r;
	}
	banner();
	return PXM_OK;
}

static void
exec_fini(struct pxm_plugin *self)
{
	(void)self;
	exec_classify_fini();
	free_settings();
}

PXM_PLUGIN_DEFINE(exec, PACKAGE_VERSION, "Apache-2.0",
    "commands inside LXC containers (pct exec over ssh), planned, allowlisted and audited",
    exec_init, exec_fini);
