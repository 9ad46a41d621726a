/**
 * @file approval.c
 * @brief Human approval through elicitation/create.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcp/server.h"
#include "pipeline/approval.h"
#include "pipeline/plan.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/settings.h"

int
pxm_approval_check(struct pxm_error *err, int *approved, json_t *detail,
    struct pxm_mcp_server *srv, const struct pxm_plan *plan)
{
	const char *mode = pxm_config_get("PROXIMO_APPROVAL");
	const char *min_s = pxm_config_get("PROXIMO_APPROVAL_MIN_RISK");
	struct pxm_buf msg = PXM_BUF_INIT;
	struct pxm_error cerr;
	json_t *res = NULL, *b;
	const char *action;
	int min = PXM_RISK_HIGH, r;
	size_t i;

	*approved = 0;
	if (mode == NULL || strcasecmp(mode, "off") == 0 || strcasecmp(mode, "none") == 0)
		return PXM_OK;
	if (strcasecmp(mode, "elicit") != 0)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:approval_misconfigured",
		    "PROXIMO_APPROVAL='%s' is not understood (accepted: elicit, off); refusing", mode);
	if (min_s && (min = pxm_risk_parse(min_s)) < 0)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:approval_misconfigured",
		    "PROXIMO_APPROVAL_MIN_RISK='%s' is not a risk level (none, low, medium, high); "
		    "refusing", min_s);
	if ((int)plan->risk < min)
		return PXM_OK;
	if (srv == NULL || json_object_get(pxm_mcp_client_capabilities(srv), "elicitation") == NULL)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:approval_unavailable",
		    "APPROVAL: this %s-risk change needs a human's approval (PROXIMO_APPROVAL=elicit), "
		    "but the connected client did not declare the elicitation capability, so nobody "
		    "can be asked. Nothing was changed.", pxm_risk_name(plan->risk));
	pxm_buf_printf(&msg, "Proximo asks for approval of a %s-risk change.\n\nAction: %s\n"
	    "Target: %s\nChange: %s\n", pxm_risk_name(plan->risk), plan->action,
	    plan->target ? plan->target : "", plan->change ? plan->change : "");
	json_array_foreach(plan->blast, i, b)
		pxm_buf_printf(&msg, "- %s\n", json_string_value(b));
	pxm_buf_printf(&msg, "plan_id: %s", plan->plan_id);
	pxm_error_clear(&cerr);
	r = pxm_mcp_client_request_new(&res, &cerr, srv, "elicitation/create",
	    json_pack("{s:s, s:{s:s, s:{s:{s:s, s:s, s:s}}, s:[s]}}", "message", msg.data,
	    "requestedSchema", "type", "object", "properties", "approve", "type", "boolean",
	    "title", "Approve this change", "description", "true runs it; false refuses it",
	    "required", "approve"), 600000);
	pxm_buf_free(&msg);
	if (r != PXM_OK) {
		r = pxm_error_set(err, PXM_E_DENIED, "blocked:approval_error",
		    "APPROVAL: asking the human failed (%s); refusing", cerr.text);
		goto out;
	}
	action = json_string_value(json_object_get(res, "action"));
	json_object_set_new(detail, "approval", json_string(action ? action : "?"));
	if (action && strcmp(action, "accept") == 0 &&
	    json_is_true(json_object_get(json_object_get(res, "content"), "approve"))) {
		*approved = 1;
		r = PXM_OK;
	} else if (action && strcmp(action, "cancel") == 0) {
		r = pxm_error_set(err, PXM_E_DENIED, "blocked:approval_cancelled",
		    "APPROVAL: the human cancelled; nothing was changed");
	} else {
		r = pxm_error_set(err, PXM_E_DENIED, "blocked:approval_declined",
		    "APPROVAL: the human declined; nothing was changed");
	}
out:
	json_decref(res);
	return r;
}
