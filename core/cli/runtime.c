/**
 * @file runtime.c
 * @brief Setting up and tearing down what a running proximo holds.
 */
#include "config.h"

#include <stdlib.h>

#include "cli/runtime.h"
#include "meta/meta.h"
#include "plugin/loader.h"
#include "registry/registry.h"
#include "registry/schema.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/settings.h"

int
pxm_runtime_open(struct pxm_runtime **out, struct pxm_error *err, unsigned flags)
{
	struct pxm_runtime *rt;
	const char *lvl;
	int r = PXM_E_INTERNAL;

	*out = NULL;
	if ((lvl = pxm_config_get("PROXIMO_LOG_LEVEL")) != NULL) {
		if (pxm_log_level_parse(lvl) < 0)
			return pxm_error_set(err, PXM_E_CONFIG, "config",
			    "PROXIMO_LOG_LEVEL='%s' is not a level; accepted: debug, info, "
			    "notice, warning, error", lvl);
		pxm_log_set_level(pxm_log_level_parse(lvl));
	}
	if ((rt = calloc(1, sizeof *rt)) == NULL)
		return PXM_E_NOMEM;
	clock_gettime(CLOCK_MONOTONIC, &rt->started);
	if ((r = pxm_registry_new(&rt->reg)) != PXM_OK)
		goto out;
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
	free(rt);
	pxm_regex_cache_free();
	pxm_secret_forget_all();
}
