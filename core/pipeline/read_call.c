/**
 * @file read_call.c
 * @brief Composite reads (host->call_read_tool): one read tool running
 *        another, so that a report can merge evidence from two surfaces
 *        (pve_diagnose and the exec plugin's container battery) without
 *        either plugin knowing the other's internals.
 *
 * The called tool is treated as if an agent had called it: its arguments
 * are checked against its own schema and it keeps its own gates (exec's
 * enablement and allowlist).  Only reads may call, only reads may be
 * called, and only one level deep: no cycle can form.
 */
#include "config.h"

#include <string.h>

#include "pipeline/api_exec.h"
#include "pipeline/call.h"
#include "pipeline/pipeline.h"
#include "pipeline/read_call.h"
#include "plugin/loader.h"
#include "registry/registry.h"
#include "util/error.h"

int
pxm_call_read_tool(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const char *name, const json_t *args)
{
	const struct pxm_tool_def *def;
	struct pxm_call sub;
	struct pxm_error verr;
	json_t *whole = NULL;
	int r;

	if (out == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "invalid", "call_read_tool: out is NULL");
	*out = NULL;
	if (call == NULL || call->magic != PXM_CALL_MAGIC || call->def == NULL)
		return pxm_error_set(err, PXM_E_STATE, "phase", "call_read_tool outside a tool call");
	if (call->phase != PXM_PHASE_READ || call->def->kind != PXM_KIND_READ)
		return pxm_error_set(err, PXM_E_DENIED, "phase", "only a read tool may run "
		    "another tool (%s is not one)", call->def->name);
	if (call->nested)
		return pxm_error_set(err, PXM_E_DENIED, "phase", "%s was itself run by another "
		    "tool; composite reads are one level deep", call->def->name);
	if (name == NULL || call->def->owner == NULL || call->def->owner->reg == NULL ||
	    (def = pxm_registry_find(call->def->owner->reg, name)) == NULL)
		return pxm_error_set(err, PXM_E_NOTFOUND, "no_such_tool", "no tool %s is "
		    "registered (its plugin is not installed)", name ? name : "(null)");
	if (def->kind != PXM_KIND_READ)
		return pxm_error_set(err, PXM_E_DENIED, "not_read_only", "%s is not a read-only "
		    "tool; a read tool may only run reads", name);
	pxm_error_clear(&verr);
	if ((r = pxm_pipeline_arguments(&whole, &verr, def, args)) == PXM_E_NOMEM)
		return r;
	if (r != PXM_OK)
		return pxm_error_set(err, PXM_E_INVAL, "invalid_arguments",
		    "invalid arguments for %s: %s", name, verr.text);
	pxm_call_init(&sub, call->srv, def, PXM_PHASE_READ);
	sub.nested = 1;
	if (def->read)
		r = def->read(out, err, &sub, whole, def->payload);
	else
		r = pxm_api_read(out, err, &sub, def, whole);
	call->http_requests += sub.http_requests;
	call->http_refused += sub.http_refused;
	pxm_call_cleanup(&sub);
	json_decref(whole);
	if (r != PXM_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}
