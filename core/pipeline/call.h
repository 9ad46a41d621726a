/**
 * @file call.h
 * @brief One tool call in flight: its phase, its plan, and the policy that
 *        decides which transport requests the phase allows.
 *
 * The policy is what makes "no mutation without a plan" structural: a
 * state-changing request (anything but GET) is refused unless the call is
 * executing a confirmed plan that declared that exact operation, or the
 * core is making an undo point.
 */
#ifndef PXM_PIPELINE_CALL_H
#define PXM_PIPELINE_CALL_H

#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_mcp_server;
struct pxm_tool_def;
struct pxm_plan;

#define PXM_CALL_MAGIC	0x63616c6cu

enum pxm_call_phase {
	PXM_PHASE_READ = 1,	/* a read tool, or the core's own reads */
	PXM_PHASE_PLAN,		/* plan and classifiers: GET only */
	PXM_PHASE_UNDO,		/* the core making a restore point */
	PXM_PHASE_EXECUTE,	/* a confirmed plan: its declared effects */
	PXM_PHASE_TASK,		/* polling a task: GET only */
};

struct pxm_call {
	uint32_t			magic;
	struct pxm_mcp_server		*srv;	/* NULL outside the MCP server (CLI) */
	const struct pxm_tool_def	*def;
	int				phase;
	struct pxm_plan			*plan;
	char				*task_id;	/* set by execute */
	uint32_t			http_requests;	/* sent, for tests and the ledger */
	uint32_t			http_refused;
	uint32_t			nested;	/* run by call_read_tool */
};

void	pxm_call_init(struct pxm_call *call, struct pxm_mcp_server *srv,
	    const struct pxm_tool_def *def, int phase);
void	pxm_call_cleanup(struct pxm_call *call);

/** The phase policy: PXM_OK or PXM_E_DENIED with a message. */
int	pxm_call_may_send(struct pxm_error *err, const struct pxm_call *call,
	    const char *method, const char *path);

/* Host functions (sdk.h) implemented here. */
void	pxm_call_set_task(struct pxm_call *call, const char *task_id);
int	pxm_call_cancelled(struct pxm_call *call);
void	pxm_call_progress(struct pxm_call *call, double progress, double total,
	    const char *message);
int	pxm_call_http_request(struct pxm_http_response *out, struct pxm_error *err,
	    struct pxm_call *call, struct pxm_endpoint *ep, const struct pxm_http_request *req);
int	pxm_call_http_request_many(struct pxm_http_response *out, struct pxm_error *errs,
	    struct pxm_call *call, struct pxm_endpoint *ep,
	    const struct pxm_http_request *reqs, size_t n);

#endif
