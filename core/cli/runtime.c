/**
 * @file runtime.c
 * @brief Setting up and tearing down what a running proximo holds.
 */
#include "config.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/runtime.h"
#include "ledger/ledger.h"
#include "meta/meta.h"
#include "pipeline/ct_exec.h"
#include "pipeline/plan_store.h"
#include "plugin/loader.h"
#include "registry/registry.h"
#include "registry/schema.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/settings.h"

static int
read_settings(struct pxm_runtime *rt, struct pxm_error *err)
{
	const char *lvl = pxm_config_get("PROXIMO_LOG_LEVEL");
	const char *confirm = pxm_config_get("PROXIMO_CONFIRM");
	uint64_t ttl;
	int r;

	if (lvl) {
		if (pxm_log_level_parse(lvl) < 0)
			return pxm_error_set(err, PXM_E_CONFIG, "config",
			    "PROXIMO_LOG_LEVEL='%s' is not a level; accepted: debug, info, "
			    "notice, warning, error", lvl);
		pxm_log_set_level(pxm_log_level_parse(lvl));
	}
	if (confirm && strcasecmp(confirm, "oneshot") != 0 && strcasecmp(confirm, "bound") != 0)
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "PROXIMO_CONFIRM='%s' is not understood; accepted: bound (default: confirm=true "
		    "must carry the plan_id of a recent dry run) or oneshot (the reference's "
		    "single-call behaviour)", confirm);
	rt->confirm_oneshot = confirm && strcasecmp(confirm, "oneshot") == 0;
	if ((r = pxm_config_uint(&ttl, err, "PROXIMO_PLAN_TTL", 900, 1, 86400)) != PXM_OK)
		return r;
	rt->plan_ttl = (long)ttl;
	return pxm_config_bool(&rt->audit_reads, err, "PROXIMO_AUDIT_READS", 0);
}

int
pxm_runtime_open(struct pxm_runtime **out, struct pxm_error *err, unsigned flags)
{
	struct pxm_runtime *rt;
	char *copy;
	int r = PXM_E_INTERNAL;

	*out = NULL;
	if ((rt = calloc(1, sizeof *rt)) == NULL)
		return PXM_E_NOMEM;
	clock_gettime(CLOCK_MONOTONIC, &rt->started);
	if ((r = read_settings(rt, err)) != PXM_OK)
		goto out;
	if ((rt->plans = pxm_plan_store_new()) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if ((r = pxm_registry_new(&rt->reg)) != PXM_OK)
		goto out;
	if (flags & PXM_RT_LEDGER) {
		if ((r = pxm_ledger_open_from_env(&rt->ledger, err)) != PXM_OK) {
			pxm_error_prefix(err, "cannot open the audit ledger (nothing can run without "
			    "its record)");
			goto out;
		}
		if ((copy = strdup(pxm_ledger_path(rt->ledger))) == NULL) {
			r = PXM_E_NOMEM;
			goto out;
		}
		rt->state_dir = strdup(dirname(copy));
		free(copy);
	}
	if ((r = pxm_meta_register(rt, err)) != PXM_OK)
		goto out;
	if ((flags & PXM_RT_PLUGINS) &&
	    (r = pxm_loader_load_all(&rt->plugins, err, rt->reg)) != PXM_OK)
		goto out;
	*out = rt;
	rt = NULL;
	r = PXM_OK;
out:
	pxm_runtime_close(rt);
	return r;
}

void
pxm_runtime_close(struct pxm_runtime *rt)
{
	if (rt == NULL)
		return;
	/* Plugins go first: their fini may still use what they registered. */
	pxm_loader_unload_all(rt->plugins);
	pxm_registry_free(rt->reg);
	pxm_ledger_close(rt->ledger);
	pxm_plan_store_free(rt->plans);
	json_decref(rt->status_cache);
	pxm_ct_exec_shutdown();
	free(rt->state_dir);
	free(rt);
	pxm_regex_cache_free();
	pxm_secret_forget_all();
}
