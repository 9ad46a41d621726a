/**
 * @file approval.h
 * @brief Human approval through the protocol: with PROXIMO_APPROVAL=elicit,
 *        a plan at or above PROXIMO_APPROVAL_MIN_RISK (default high) is shown
 *        to the human with elicitation/create and runs only on an explicit
 *        accept.
 */
#ifndef PXM_PIPELINE_APPROVAL_H
#define PXM_PIPELINE_APPROVAL_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_mcp_server;
struct pxm_plan;

/** PXM_OK when no approval is needed or the human accepted ("approved" is
 *  then set to 1); PXM_E_DENIED with reason blocked:approval_* otherwise. */
int	pxm_approval_check(struct pxm_error *err, int *approved, json_t *detail,
	    struct pxm_mcp_server *srv, const struct pxm_plan *plan);

#endif
