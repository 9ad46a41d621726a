/**
 * @file ct_exec.c
 * @brief Commands inside containers: the phase policy, and the one ssh
 *        transport of the process (opened on first use, reused after).
 *
 * A command runs only while executing a confirmed plan that declared it
 * ("EXEC /lxc/<ctid>/exec"), or from a read tool (the exec plugin's fixed
 * probes, gated by its own allowlist).  Never during planning.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/call.h"
#include "pipeline/ct_exec.h"
#include "pipeline/plan.h"
#include "registry/registry.h"
#include "util/error.h"
#ifdef PXM_HAVE_SSH2
#include "transport/ssh.h"

static struct pxm_ssh *ssh;
#endif

void
pxm_exec_result_clear(struct pxm_exec_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
}

void
pxm_ct_exec_shutdown(void)
{
#ifdef PXM_HAVE_SSH2
	pxm_ssh_free(ssh);
	ssh = NULL;
#endif
}

int
pxm_ssh_describe_host(json_t **out)
{
#ifdef PXM_HAVE_SSH2
	struct pxm_error err;

	*out = NULL;
	if (ssh == NULL && pxm_ssh_new_from_env(&ssh, &err) != PXM_OK) {
		*out = json_pack("{s:s}", "error", err.text);
		return PXM_OK;
	}
	return pxm_ssh_describe(out, ssh);
#else
	*out = json_pack("{s:s}", "error", "this proximo was built without the ssh transport");
	return PXM_OK;
#endif
}

int
pxm_call_ct_exec(struct pxm_exec_result *out, struct pxm_error *err, struct pxm_call *call,
    const struct pxm_exec_request *req)
{
	char effect[64];

	if (out)
		memset(out, 0, sizeof *out);
	if (req == NULL || req->size < sizeof *req)
		return pxm_error_set(err, PXM_E_ABI, "abi", "struct pxm_exec_request is too small");
	if (call == NULL || call->magic != PXM_CALL_MAGIC)
		return pxm_error_set(err, PXM_E_STATE, "phase", "ct_exec outside a tool call");
	snprintf(effect, sizeof effect, "/lxc/%s/exec", req->ctid ? req->ctid : "");
	if (!(call->phase == PXM_PHASE_EXECUTE && pxm_plan_declares(call->plan, "EXEC", effect)) &&
	    !(call->phase == PXM_PHASE_READ && call->def && call->def->kind == PXM_KIND_READ)) {
		call->http_refused++;
		return pxm_error_set(err, PXM_E_DENIED, call->phase == PXM_PHASE_EXECUTE ?
		    "undeclared_effect" : "phase", "refused a command in container %s: only a "
		    "confirmed plan that declared it (or a read-only probe) may run one",
		    req->ctid ? req->ctid : "?");
	}
#ifdef PXM_HAVE_SSH2
	{
		struct pxm_ssh_result r;
		int rc;

		if (ssh == NULL && (rc = pxm_ssh_new_from_env(&ssh, err)) != PXM_OK)
			return rc;
		memset(&r, 0, sizeof r);
		rc = pxm_ssh_pct_exec(&r, err, ssh, req->ctid, req->argv, req->lens, req->argc,
		    req->timeout_ms, NULL);
		out->size = sizeof *out;
		out->exit_status = r.exit_status;
		out->timed_out = r.timed_out;
		out->started = r.started;
		out->out_truncated = r.out_truncated;
		out->err_truncated = r.err_truncated;
		out->out = r.out;
		out->out_len = r.out_len;
		out->err = r.err;
		out->err_len = r.err_len;
		out->duration_ms = r.duration_ms;
		snprintf(out->exit_signal, sizeof out->exit_signal, "%s", r.exit_signal);
		r.out = r.err = NULL;
		pxm_ssh_result_clear(&r);
		return rc;
	}
#else
	return pxm_error_set(err, PXM_E_UNSUPPORTED, "transport",
	    "this proximo was built without the ssh transport");
#endif
}
