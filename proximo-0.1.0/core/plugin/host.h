/**
 * @file host.h
 * @brief The host function table handed to every plugin's init().
 */
#ifndef PXM_PLUGIN_HOST_H
#define PXM_PLUGIN_HOST_H

#include "proximo/sdk.h"

struct pxm_plugin_set;

/** The table (static storage, valid for the life of the process). */
const struct pxm_host *pxm_host_table(void);
/** Free the endpoints plugins asked for. */
void	pxm_host_endpoints_free(struct pxm_plugin_set *set);

#endif
