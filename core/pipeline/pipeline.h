/**
 * @file pipeline.h
 * @brief The governed call path every tools/call goes through.
 *
 *   read tool:  validate -> execute -> result
 *   mutation:   validate -> plan -> classifiers -> risk -> ledger "planned"
 *               -> (no confirm: return the plan) -> plan binding / drift
 *               -> gates -> undo point -> ledger "executing" -> execute
 *               -> task wait -> ledger outcome -> result
 */
#ifndef PXM_PIPELINE_PIPELINE_H
#define PXM_PIPELINE_PIPELINE_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_mcp_server;
struct pxm_tool_def;
struct pxm_runtime;

/** The MCP server's tool-call handler (pxm_mcp_tool_call_fn); payload is
 *  the struct pxm_runtime. */
int	pxm_pipeline_tool_call(json_t **result, struct pxm_error *err,
	    struct pxm_mcp_server *srv, const struct pxm_tool_def *def,
	    const json_t *args, void *payload);

/** The arguments a tool sees: args checked against its served schema (an
 *  error in err->text names what was wrong), then with integral reals made
 *  integers (100.0 passed as an integer).  *out new. */
int	pxm_pipeline_arguments(json_t **out, struct pxm_error *err,
	    const struct pxm_tool_def *def, const json_t *args);

#endif
