/**
 * @file undo.h
 * @brief UNDO: making a restore point before a mutation, fail-closed.
 */
#ifndef PXM_PIPELINE_UNDO_H
#define PXM_PIPELINE_UNDO_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_call;
struct pxm_registry;
struct pxm_tool_def;
struct pxm_plan;

/** "proximo_undo_<YYYYmmddTHHMMSSffffff>Z": 35 characters, within Proxmox's
 *  40-character snapshot names, starting with a letter.  out has 48 bytes. */
void	pxm_undo_point_name(char *out, size_t size);
/** Does policy (PROXIMO_UNDO_REQUIRED) require an undo point for action? */
int	pxm_undo_required(const char *action);
/**
 * Make a restore point for the plan's undo target through the tool owner's
 * undo provider and wait for it.  On success *out = {point, revert, ...}
 * (new).  Any failure is PXM_E_DENIED with reason "blocked:undo_unavailable".
 */
int	pxm_undo_make(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const struct pxm_registry *reg, const struct pxm_tool_def *def,
	    const struct pxm_plan *plan);

#endif
