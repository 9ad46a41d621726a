/**
 * @file read_call.h
 * @brief Composite reads: a read tool running another surface's read tool
 *        (host->call_read_tool, SDK 1.1).
 */
#ifndef PXM_PIPELINE_READ_CALL_H
#define PXM_PIPELINE_READ_CALL_H

#include <jansson.h>

#include "proximo/sdk.h"

/** The host function: see sdk.h.  *out new. */
int	pxm_call_read_tool(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const char *name, const json_t *args);

#endif
