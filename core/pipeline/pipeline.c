/**
 * @file pipeline.c
 * @brief The governed call path.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/runtime.h"
#include "mcp/server.h"
#include "pipeline/api_exec.h"
#include "pipeline/call.h"
#include "pipeline/pipeline.h"
#include "registry/registry.h"
#include "registry/schema.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"

/* Results are objects (structuredContent must be one): wrap the rest. */
static json_t *
as_structured(json_t *data)
{
	if (json_is_object(data))
		return data;
	return json_pack("{s:o}", "data", data ? data : json_null());
}

static json_t *
error_result(const struct pxm_tool_def *def, const struct pxm_error *err)
{
	return pxm_mcp_tool_error_text("%s: %s", def->name,
	    err->text[0] ? err->text : pxm_strerror(err->code));
}

static int
run_read(json_t **result, struct pxm_mcp_server *srv, const struct pxm_tool_def *def,
    const json_t *args)
{
	struct pxm_call call;
	struct pxm_error err;
	json_t *out = NULL;
	int r;

	pxm_call_init(&call, srv, def, PXM_PHASE_READ);
	pxm_error_clear(&err);
	if (def->read)
		r = def->read(&out, &err, &call, args, def->payload);
	else
		r = pxm_api_read(&out, &err, &call, def, args);
	pxm_call_cleanup(&call);
	if (r != PXM_OK) {
		json_decref(out);
		*result = error_result(def, &err);
	} else {
		*result = pxm_mcp_tool_result_new(as_structured(out), 0);
	}
	return *result ? PXM_OK : PXM_E_NOMEM;
}

int
pxm_pipeline_tool_call(json_t **result, struct pxm_error *err,
    struct pxm_mcp_server *srv, const struct pxm_tool_def *def,
    const json_t *args, void *payload)
{
	struct pxm_error verr;

	(void)payload;
	*result = NULL;
	/* Arguments are checked in the core before any handler runs; an input
	 * error is a tool error the agent can act on (MCP 2025-11-25). */
	pxm_error_clear(&verr);
	if (pxm_schema_validate(&verr, def->served_schema, args) != PXM_OK) {
		*result = pxm_mcp_tool_error_text("invalid arguments for %s: %s", def->name, verr.text);
		return *result ? PXM_OK : PXM_E_NOMEM;
	}
	if (def->kind == PXM_KIND_READ)
		return run_read(result, srv, def, args);
	*result = pxm_mcp_tool_error_text("%s: mutations are refused: this build has no "
	    "governed pipeline for them yet", def->name);
	(void)err;
	return *result ? PXM_OK : PXM_E_NOMEM;
}
