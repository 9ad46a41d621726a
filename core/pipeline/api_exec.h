/**
 * @file api_exec.h
 * @brief The generic executor of table-driven API tools (struct pxm_api_tool).
 *
 * Arguments named like a path variable fill the path; a missing one is
 * completed by the tool's prepare hook, its schema default, or (for
 * {node}) the endpoint's default node; the rest become the query (GET,
 * DELETE) or the form body (POST, PUT).
 */
#ifndef PXM_PIPELINE_API_EXEC_H
#define PXM_PIPELINE_API_EXEC_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_call;
struct pxm_tool_def;
struct pxm_plan;

/**
 * Split args into the expanded path and the remaining parameters.
 * *params is new.  path is written into pathbuf.
 */
int	pxm_api_build_request(char *pathbuf, size_t pathsize, json_t **params,
	    struct pxm_error *err, struct pxm_call *call, const struct pxm_tool_def *def,
	    const json_t *args);
/** Run the tool's prepare hook (or copy args): *out is new. */
int	pxm_api_prepare(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const struct pxm_tool_def *def, const json_t *args);
/** Read tools: one GET, *out = the response's data (new). */
int	pxm_api_read(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const struct pxm_tool_def *def, const json_t *args);
/** Mutations: the default plan (target, change, risk floor, one effect),
 *  then the tool's plan hook if any. */
int	pxm_api_plan(struct pxm_error *err, struct pxm_call *call,
	    const struct pxm_tool_def *def, const json_t *args, struct pxm_plan *plan);
/** Mutations: send the declared effect; a UPID answer becomes the task. */
int	pxm_api_execute(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const struct pxm_tool_def *def, const json_t *args);
/** Expand "{vmid}"-style templates from args for labels; never fails
 *  (missing values render as "?"). New string. */
char	*pxm_api_render_template(const char *tmpl, const json_t *args, const char *node);

#endif
