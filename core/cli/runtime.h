/**
 * @file runtime.h
 * @brief What a running proximo holds: settings, the registry with the
 *        core's own tools, the loaded plugins, the ledger, the plans it
 *        issued.
 */
#ifndef PXM_CLI_RUNTIME_H
#define PXM_CLI_RUNTIME_H

#include <time.h>

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_registry;
struct pxm_plugin_set;
struct pxm_ledger;
struct pxm_plan_store;

#define PXM_RT_PLUGINS	(1u << 0)	/* load plugins */
#define PXM_RT_LEDGER	(1u << 1)	/* open the ledger (serving needs it) */

struct pxm_runtime {
	struct pxm_registry	*reg;
	struct pxm_plugin_set	*plugins;
	struct pxm_ledger	*ledger;	/* NULL unless PXM_RT_LEDGER */
	struct pxm_plan_store	*plans;
	char			*state_dir;	/* the ledger's directory */
	struct timespec		started;
	json_t			*status_cache;	/* what proximo_status never sees change */
	/* Settings read once at start. */
	int			confirm_oneshot;	/* PROXIMO_CONFIRM=oneshot */
	long			plan_ttl;		/* PROXIMO_PLAN_TTL seconds */
	int			audit_reads;		/* PROXIMO_AUDIT_READS */
};

/** Load settings, register the core tools, load plugins and open the
 *  ledger as asked.  A ledger that cannot be opened refuses the start. */
int	pxm_runtime_open(struct pxm_runtime **out, struct pxm_error *err, unsigned flags);
void	pxm_runtime_close(struct pxm_runtime *rt);

#endif
