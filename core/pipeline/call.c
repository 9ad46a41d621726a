/**
 * @file call.c
 * @brief One tool call in flight and the transport phase policy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mcp/server.h"
#include "pipeline/call.h"
#include "pipeline/plan.h"
#include "registry/registry.h"
#include "util/error.h"
#ifdef PXM_HAVE_CURL
#include "transport/http.h"
#endif

void
pxm_call_init(struct pxm_call *call, struct pxm_mcp_server *srv,
    const struct pxm_tool_def *def, int phase)
{
	memset(call, 0, sizeof *call);
	call->magic = PXM_CALL_MAGIC;
	call->srv = srv;
	call->def = def;
	call->phase = phase;
}

void
pxm_call_cleanup(struct pxm_call *call)
{
	free(call->task_id);
	call->task_id = NULL;
	call->magic = 0;
}

static const char *
phase_name(int phase)
{
	switch (phase) {
	case PXM_PHASE_READ:	return "a read";
	case PXM_PHASE_PLAN:	return "planning";
	case PXM_PHASE_UNDO:	return "the undo point";
	case PXM_PHASE_EXECUTE:	return "execution";
	case PXM_PHASE_TASK:	return "a task wait";
	}
	return "an unknown phase";
}

int
pxm_call_may_send(struct pxm_error *err, const struct pxm_call *call,
    const char *method, const char *path)
{
	if (call == NULL || call->magic != PXM_CALL_MAGIC)
		return pxm_error_set(err, PXM_E_STATE, "phase",
		    "transport used outside a tool call");
	if (method == NULL || path == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "phase", "request without method or path");
	if (strcmp(method, "GET") == 0)
		return PXM_OK;
	if (call->phase == PXM_PHASE_UNDO)
		return PXM_OK;
	if (call->phase == PXM_PHASE_EXECUTE && pxm_plan_declares(call->plan, method, path))
		return PXM_OK;
	if (call->phase == PXM_PHASE_EXECUTE)
		return pxm_error_set(err, PXM_E_DENIED, "undeclared_effect",
		    "refused %s %s: the confirmed plan did not declare this operation, so its "
		    "blast radius was never assessed", method, path);
	return pxm_error_set(err, PXM_E_DENIED, "phase",
	    "refused %s %s during %s: only reads are allowed until a plan is confirmed",
	    method, path, phase_name(call->phase));
}

void
pxm_call_set_task(struct pxm_call *call, const char *task_id)
{
	if (call == NULL || call->magic != PXM_CALL_MAGIC || task_id == NULL)
		return;
	free(call->task_id);
	call->task_id = strdup(task_id);
}

int
pxm_call_cancelled(struct pxm_call *call)
{
	if (call == NULL || call->srv == NULL)
		return 0;
	pxm_mcp_pump(call->srv, 0);
	return pxm_mcp_cancelled(call->srv);
}

void
pxm_call_progress(struct pxm_call *call, double progress, double total, const char *message)
{
	if (call && call->srv)
		pxm_mcp_progress(call->srv, progress, total, message);
}

#ifdef PXM_HAVE_CURL
/* The transport polls this while a request runs: a cancelled MCP request
 * aborts its HTTP request promptly. */
static int
call_cancel_hook(void *arg)
{
	return pxm_call_cancelled(arg);
}
#endif

int
pxm_call_http_request(struct pxm_http_response *out, struct pxm_error *err,
    struct pxm_call *call, struct pxm_endpoint *ep, const struct pxm_http_request *req)
{
	int r;

	if (out)
		memset(out, 0, sizeof *out);
	if (req == NULL || req->size < sizeof *req)
		return pxm_error_set(err, PXM_E_ABI, "abi", "struct pxm_http_request is too small");
	if ((r = pxm_call_may_send(err, call, req->method, req->path)) != PXM_OK) {
		if (call && call->magic == PXM_CALL_MAGIC)
			call->http_refused++;
		return r;
	}
#ifdef PXM_HAVE_CURL
	{
		struct pxm_http_hooks hooks = { call_cancel_hook, call };

		call->http_requests++;
		return pxm_http_request_ex(out, err, ep, req, &hooks);
	}
#else
	(void)ep;
	return pxm_error_set(err, PXM_E_UNSUPPORTED, "transport",
	    "this proximo was built without the HTTPS transport");
#endif
}

int
pxm_call_http_request_many(struct pxm_http_response *out, struct pxm_error *errs,
    struct pxm_call *call, struct pxm_endpoint *ep, const struct pxm_http_request *reqs,
    size_t n)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		pxm_error_clear(&errs[i]);
	}
	for (i = 0; i < n; i++) {
		if (reqs[i].size < sizeof reqs[i])
			return pxm_error_set(&errs[i], PXM_E_ABI, "abi",
			    "struct pxm_http_request is too small");
		if ((r = pxm_call_may_send(&errs[i], call, reqs[i].method, reqs[i].path)) != PXM_OK) {
			if (call && call->magic == PXM_CALL_MAGIC)
				call->http_refused++;
			return r;
		}
	}
#ifdef PXM_HAVE_CURL
	{
		struct pxm_http_hooks hooks = { call_cancel_hook, call };

		call->http_requests += (uint32_t)n;
		return pxm_http_request_many_ex(out, errs, ep, reqs, n, &hooks);
	}
#else
	(void)ep;
	return pxm_error_set(&errs[0], PXM_E_UNSUPPORTED, "transport",
	    "this proximo was built without the HTTPS transport");
#endif
}
