/**
 * @file runtime.h
 * @brief What a running proximo holds: settings, the registry with the
 *        core's own tools, the loaded plugins, the ledger.
 */
#ifndef PXM_CLI_RUNTIME_H
#define PXM_CLI_RUNTIME_H

#include <time.h>

#include "proximo/sdk.h"

struct pxm_registry;
struct pxm_plugin_set;

#define PXM_RT_PLUGINS	(1u << 0)	/* load plugins */

struct pxm_runtime {
	struct pxm_registry	*reg;
	struct pxm_plugin_set	*plugins;
	struct timespec		started;
};

/** Load the env file, register the core tools, load plugins (if asked). */
int	pxm_runtime_open(struct pxm_runtime **out, struct pxm_error *err, unsigned flags);
void	pxm_runtime_close(struct pxm_runtime *rt);

#endif
