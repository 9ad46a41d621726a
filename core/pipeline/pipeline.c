/**
 * @file pipeline.c
 * @brief The governed call path.
 *
 * Reads run at once.  A mutation is planned on every call (dry run or
 * not), and the plan is recorded before anything else; a confirmation must
 * carry the plan_id of a recent dry run and match a fresh re-plan; then the
 * gates, the undo point, the intent entry, the execution, the task wait and
 * the outcome entry follow.  Every refusal is recorded before it returns.
 * If the ledger cannot be written, nothing runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/runtime.h"
#include "ledger/ledger.h"
#include "mcp/server.h"
#include "pipeline/api_exec.h"
#include "pipeline/approval.h"
#include "pipeline/call.h"
#include "pipeline/gates.h"
#include "pipeline/pipeline.h"
#include "pipeline/plan.h"
#include "pipeline/plan_store.h"
#include "pipeline/tasks.h"
#include "pipeline/undo.h"
#include "registry/registry.h"
#include "registry/schema.h"
#include "transport/path.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/settings.h"

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

/* Append one entry; detail is borrowed. */
static int
record(struct pxm_runtime *rt, struct pxm_error *err, const char *action, const char *target,
    int mutation, const char *outcome, const json_t *detail)
{
	struct pxm_ledger_entry e;

	if (rt->ledger == NULL)
		return pxm_error_set(err, PXM_E_STATE, "ledger",
		    "no audit ledger is open; refusing (nothing runs without its record)");
	memset(&e, 0, sizeof e);
	e.action = action;
	e.target = target;
	e.mutation = mutation;
	e.outcome = outcome;
	e.detail = detail;
	return pxm_ledger_append(rt->ledger, err, &e, NULL);
}

/* A refusal: recorded, then returned as a tool error with its outcome. */
static json_t *
refusal(struct pxm_runtime *rt, const struct pxm_plan *plan, const struct pxm_error *why,
    json_t *detail, json_t *extra)
{
	struct pxm_error lerr;
	const char *outcome = why->reason[0] ? why->reason : "blocked:error";
	json_t *res;

	if (detail == NULL)
		detail = json_object();
	json_object_set_new(detail, "plan_id", json_string(plan->plan_id));
	json_object_set_new(detail, "message", json_string(why->text));
	pxm_error_clear(&lerr);
	if (record(rt, &lerr, plan->action, plan->target, 1, outcome, detail) != PXM_OK) {
		json_decref(detail);
		json_decref(extra);
		return pxm_mcp_tool_error_text("%s: refused (%s), and the refusal could not be "
		    "recorded: %s", plan->action, why->text, lerr.text);
	}
	json_decref(detail);
	res = json_pack("{s:s, s:s, s:s}", "status", outcome, "message", why->text,
	    "plan_id", plan->plan_id);
	if (extra)
		json_object_update(res, extra);
	json_decref(extra);
	return pxm_mcp_tool_result_new(res, 1);
}

static int
run_read(json_t **result, struct pxm_runtime *rt, struct pxm_mcp_server *srv,
    const struct pxm_tool_def *def, const json_t *args)
{
	struct pxm_call call;
	struct pxm_error err, lerr;
	json_t *out = NULL, *detail;
	int r;

	pxm_call_init(&call, srv, def, PXM_PHASE_READ);
	pxm_error_clear(&err);
	if (def->read)
		r = def->read(&out, &err, &call, args, def->payload);
	else
		r = pxm_api_read(&out, &err, &call, def, args);
	pxm_call_cleanup(&call);
	/* Reads are recorded only when asked (PROXIMO_AUDIT_READS). */
	if (rt && rt->audit_reads && rt->ledger) {
		detail = r == PXM_OK ? json_object() :
		    json_pack("{s:s}", "error", err.reason[0] ? err.reason : pxm_strerror(r));
		pxm_error_clear(&lerr);
		if (record(rt, &lerr, def->name, def->name, 0, r == PXM_OK ? "ok" : "error",
		    detail) != PXM_OK)
			pxm_warn("could not record the read %s: %s", def->name, lerr.text);
		json_decref(detail);
	}
	if (r != PXM_OK) {
		json_decref(out);
		*result = error_result(def, &err);
	} else {
		*result = pxm_mcp_tool_result_new(as_structured(out), 0);
	}
	return *result ? PXM_OK : PXM_E_NOMEM;
}

/* The plan: the tool's own reads, then every classifier attached to the
 * operations it declared.  Returns a finalised plan or NULL with err set. */
static struct pxm_plan *
build_plan(struct pxm_error *err, struct pxm_runtime *rt, struct pxm_call *call,
    const struct pxm_tool_def *def, const json_t *tool_args)
{
	struct pxm_plan *plan;
	struct pxm_effect eff;
	struct pxm_error cerr;
	json_t *vars;
	size_t i, k;
	int r;

	if ((plan = pxm_plan_new(def->name)) == NULL) {
		pxm_error_set(err, PXM_E_NOMEM, "plan", "out of memory");
		return NULL;
	}
	call->plan = plan;
	call->phase = PXM_PHASE_PLAN;
	pxm_error_clear(err);
	if (def->method)
		r = pxm_api_plan(err, call, def, tool_args, plan);
	else
		r = def->plan(err, call, tool_args, plan, def->payload);
	if (r != PXM_OK) {
		if (err->code == PXM_OK)
			pxm_error_set(err, r, "planning", "%s", pxm_strerror(r));
		pxm_plan_free(plan);
		call->plan = NULL;
		return NULL;
	}
	for (i = 0; i < plan->neffects; i++) {
		for (k = 0; k < pxm_registry_classifier_count(rt->reg); k++) {
			const struct pxm_classifier_def *c = pxm_registry_classifier_at(rt->reg, k);

			if (strcmp(c->method, "*") != 0 && strcmp(c->method, plan->effects[i].method) != 0)
				continue;
			if (pxm_path_match(&vars, c->path, plan->effects[i].path) != PXM_OK)
				continue;
			memset(&eff, 0, sizeof eff);
			eff.size = sizeof eff;
			eff.method = plan->effects[i].method;
			eff.path = plan->effects[i].path;
			eff.params = plan->effects[i].params;
			eff.vars = vars;
			eff.endpoint = plan->effects[i].endpoint;
			pxm_error_clear(&cerr);
			r = c->classify(&cerr, call, &eff, plan, c->payload);
			/* A classifier that could not read never yields "no impact". */
			if (r != PXM_OK && r != PXM_E_DECLINED)
				pxm_plan_set_incomplete(plan, "classifier %s could not complete: %s",
				    c->name, cerr.text[0] ? cerr.text : pxm_strerror(r));
			json_decref(vars);
		}
	}
	pxm_plan_finalize(plan, tool_args);
	return plan;
}

static json_t *
plan_result(const struct pxm_tool_def *def, const struct pxm_plan *plan, int consent_on)
{
	json_t *p = pxm_plan_to_json(plan);
	char cid[17];

	json_object_set_new(p, "status", json_string("plan"));
	/* Token-aware surface: say what is missing before anything is tried. */
	if (def->token_missing)
		json_object_set_new(p, "token", json_pack("{s:b, s:O, s:s}", "usable", 0, "missing",
		    def->token_missing, "note", "the configured API token holds none of these "
		    "privileges on any path: Proxmox will refuse this call (HTTP 403). `proximo "
		    "doctor` shows the exact grant."));
	if (consent_on) {
		pxm_gate_consent_id(cid, plan);
		json_object_set_new(p, "consent_id", json_string(cid));
	}
	return p;
}

/* Plan binding: confirm=true must answer a recent dry run of this same
 * plan.  PXM_OK, or a refusal reason in err and the drift in *diff. */
static int
check_binding(struct pxm_error *err, json_t **diff, struct pxm_runtime *rt,
    const struct pxm_plan *plan, const json_t *fresh, const char *given)
{
	const json_t *old;
	long age = 0;

	*diff = NULL;
	if (rt->confirm_oneshot)
		return PXM_OK;
	if (given == NULL)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:plan_required",
		    "confirm=true needs the plan_id of a dry run: call %s without confirm, show the "
		    "plan to the human, then call again with confirm=true and its plan_id. Nothing "
		    "was changed.", plan->action);
	old = pxm_plan_store_get(rt->plans, given, &age);
	if (strcmp(given, plan->plan_id) == 0) {
		if (old == NULL)
			return pxm_error_set(err, PXM_E_DENIED, "blocked:plan_unknown",
			    "plan_id %.12s… was not issued by this server (or it restarted since); "
			    "make a fresh dry run. Nothing was changed.", given);
		if (age > rt->plan_ttl)
			return pxm_error_set(err, PXM_E_DENIED, "blocked:plan_expired",
			    "the plan is %ld s old; plans are valid for %ld s (PROXIMO_PLAN_TTL). Make "
			    "a fresh dry run. Nothing was changed.", age, rt->plan_ttl);
		return PXM_OK;
	}
	if (old == NULL)
		return pxm_error_set(err, PXM_E_DENIED, "blocked:plan_unknown",
		    "plan_id %.12s… was not issued by this server for this call (or it restarted "
		    "since); make a fresh dry run. Nothing was changed.", given);
	*diff = pxm_plan_diff(old, fresh);
	return pxm_error_set(err, PXM_E_DENIED, "blocked:plan_drift",
	    "PLAN DRIFT: the live state changed since the dry run (see 'changed'), so the "
	    "confirmed plan no longer describes what would happen. Nothing was changed. Review "
	    "the new plan (new_plan_id) and confirm that one if it is still wanted.");
}

static int
run_mutation(json_t **result, struct pxm_runtime *rt, struct pxm_mcp_server *srv,
    const struct pxm_tool_def *def, const json_t *args)
{
	struct pxm_call call;
	struct pxm_plan *plan = NULL;
	struct pxm_error err, lerr;
	json_t *tool_args, *fresh = NULL, *detail = NULL, *diff = NULL, *undo = NULL;
	json_t *out = NULL, *res, *waited = NULL;
	const char *given = json_string_value(json_object_get(args, PXM_ARG_PLAN_ID));
	int confirm = json_is_true(json_object_get(args, PXM_ARG_CONFIRM));
	int consent_on = pxm_config_get("PROXIMO_CONSENT_DIR") != NULL;
	int approved = 0, r;
	char intent[13];
	const char *outcome;

	*result = NULL;
	tool_args = pxm_tool_plugin_args(def, args);
	pxm_call_init(&call, srv, def, PXM_PHASE_PLAN);
	pxm_error_clear(&err);

	/* 1. PLAN, always, recorded before anything else. */
	if ((plan = build_plan(&err, rt, &call, def, tool_args)) == NULL) {
		detail = json_pack("{s:s, s:s, s:s}", "phase", "planning", "error",
		    err.reason[0] ? err.reason : pxm_strerror(err.code), "message", err.text);
		pxm_error_clear(&lerr);
		if (record(rt, &lerr, def->name, def->name, 1, "error", detail) != PXM_OK)
			*result = pxm_mcp_tool_error_text("%s: planning failed (%s) and could not be "
			    "recorded: %s", def->name, err.text, lerr.text);
		else
			*result = pxm_mcp_tool_error_text("%s: planning failed, nothing was changed: %s",
			    def->name, err.text);
		goto out;
	}
	fresh = plan_result(def, plan, consent_on);
	detail = pxm_plan_ledger_detail(plan);
	if (confirm)
		json_object_set_new(detail, "confirm", json_true());
	pxm_error_clear(&lerr);
	if (record(rt, &lerr, plan->action, plan->target, 1, "planned", detail) != PXM_OK) {
		*result = pxm_mcp_tool_error_text("%s: the plan could not be recorded, so nothing "
		    "runs: %s", def->name, lerr.text);
		goto out;
	}
	json_decref(detail);
	detail = NULL;
	if (!confirm) {
		pxm_plan_store_put(rt->plans, plan->plan_id, fresh);
		*result = pxm_mcp_tool_result_new(json_incref(fresh), 0);
		goto out;
	}

	/* 2. The confirmation must answer this very plan. */
	if (check_binding(&err, &diff, rt, plan, fresh, given) != PXM_OK) {
		json_t *extra = json_object();

		if (diff) {
			json_object_set_new(extra, "changed", diff);
			json_object_set_new(extra, "new_plan_id", json_string(plan->plan_id));
			json_object_set_new(extra, "new_plan", json_incref(fresh));
			pxm_plan_store_put(rt->plans, plan->plan_id, fresh);
			diff = NULL;
		}
		*result = refusal(rt, plan, &err, json_pack("{s:s}", "confirmed_plan_id",
		    given ? given : ""), extra);
		goto out;
	}

	/* 3. Gates, in order.  Each refusal is recorded before it returns. */
	detail = json_object();
	if (pxm_gate_contain(&err, detail) != PXM_OK ||
	    pxm_gate_forbid(&err, detail, plan->action, plan->target) != PXM_OK ||
	    pxm_gate_consent(&err, detail, plan) != PXM_OK ||
	    pxm_gate_rate(&err, detail, rt->state_dir ? rt->state_dir : ".") != PXM_OK) {
		*result = refusal(rt, plan, &err, detail, NULL);
		detail = NULL;
		goto out;
	}
	if (def->gate) {
		pxm_error_clear(&err);
		call.phase = PXM_PHASE_PLAN;
		if ((r = def->gate(&err, &call, tool_args, def->payload)) != PXM_OK) {
			char reason[sizeof err.reason];

			/* The plugin says why ("allowlist"); the ledger says
			 * "blocked:allowlist". */
			snprintf(reason, sizeof reason, "%s", err.reason[0] ? err.reason : "gate");
			reason[sizeof err.reason - 9] = '\0';	/* room for "blocked:" */
			snprintf(err.reason, sizeof err.reason, "blocked:%.39s", reason);
			*result = refusal(rt, plan, &err, detail, NULL);
			detail = NULL;
			goto out;
		}
	}
	if (pxm_approval_check(&err, &approved, detail, srv, plan) != PXM_OK) {
		*result = refusal(rt, plan, &err, detail, NULL);
		detail = NULL;
		goto out;
	}
	if (approved && record(rt, &lerr, plan->action, plan->target, 1, "approved",
	    detail) != PXM_OK) {
		*result = pxm_mcp_tool_error_text("%s: approval could not be recorded: %s",
		    def->name, lerr.text);
		goto out;
	}

	/* 4. UNDO point, waited on, fail-closed. */
	if (((def->flags & PXM_TOOL_UNDO) && json_is_true(json_object_get(args, PXM_ARG_SNAPSHOT))) ||
	    pxm_undo_required(def->name)) {
		pxm_error_clear(&err);
		if (pxm_undo_make(&undo, &err, &call, rt->reg, def, plan) != PXM_OK) {
			*result = refusal(rt, plan, &err, detail, NULL);
			detail = NULL;
			goto out;
		}
		pxm_error_clear(&lerr);
		if (record(rt, &lerr, plan->action, plan->target, 1, "undo_point", undo) != PXM_OK) {
			*result = pxm_mcp_tool_error_text("%s: the undo point was made (%s) but could "
			    "not be recorded, so nothing runs: %s", def->name,
			    json_string_value(json_object_get(undo, "point")), lerr.text);
			goto out;
		}
	}

	/* 5. Intent before action. */
	pxm_ledger_intent_id(intent, plan->action, plan->target);
	json_object_set_new(detail, "intent", json_string(intent));
	json_object_set_new(detail, "plan_id", json_string(plan->plan_id));
	json_object_set_new(detail, "confirmed", json_true());
	pxm_error_clear(&lerr);
	if (record(rt, &lerr, plan->action, plan->target, 1, "executing", detail) != PXM_OK) {
		*result = pxm_mcp_tool_error_text("%s: the intent could not be recorded, so nothing "
		    "runs: %s", def->name, lerr.text);
		goto out;
	}

	/* 6. Execute: only now may the transport send the declared effects. */
	call.phase = PXM_PHASE_EXECUTE;
	pxm_error_clear(&err);
	if (def->method)
		r = pxm_api_execute(&out, &err, &call, def, tool_args);
	else
		r = def->execute(&out, &err, &call, tool_args, plan, def->payload);
	if (r != PXM_OK) {
		json_t *d = json_pack("{s:s, s:s, s:s}", "intent", intent, "error",
		    err.reason[0] ? err.reason : pxm_strerror(r), "message", err.text);
		/* A deadline passed mid-change: it may have happened (the
		 * reference's "ran, outcome unknown"). */
		const char *failed = r == PXM_E_TIMEOUT ? "error:timeout" : "error";

		json_decref(out);
		out = NULL;
		pxm_error_clear(&lerr);
		if (record(rt, &lerr, plan->action, plan->target, 1, failed, d) != PXM_OK)
			pxm_error("the outcome of %s could not be recorded: %s", plan->action, lerr.text);
		json_decref(d);
		res = json_pack("{s:s, s:s, s:s}", "status", failed, "message", err.text,
		    "plan_id", plan->plan_id);
		*result = pxm_mcp_tool_result_new(res, 1);
		goto out;
	}

	/* 7. Outcome: ok for synchronous changes, submitted for tasks. */
	outcome = call.task_id ? "submitted" : "ok";
	json_decref(detail);
	detail = json_pack("{s:s, s:s}", "intent", intent, "plan_id", plan->plan_id);
	if (call.task_id)
		json_object_set_new(detail, "task", json_string(call.task_id));
	pxm_error_clear(&lerr);
	if (record(rt, &lerr, plan->action, plan->target, 1, outcome, detail) != PXM_OK)
		pxm_error("the outcome of %s could not be recorded: %s", plan->action, lerr.text);

	if (call.task_id && (def->flags & PXM_TOOL_ASYNC) &&
	    json_is_true(json_object_get(args, PXM_ARG_WAIT))) {
		json_t *to = json_object_get(args, PXM_ARG_WAIT_TIMEOUT);
		int timeout = to ? (int)json_integer_value(to) : 600;
		const char *final;

		pxm_error_clear(&err);
		pxm_task_wait(&waited, &err, &call, rt->reg, def, call.task_id, timeout);
		if (waited && json_is_true(json_object_get(waited, "finished")))
			final = json_is_true(json_object_get(waited, "succeeded")) ? "ok" : "error:task_failed";
		else
			final = "running";
		json_decref(detail);
		detail = json_pack("{s:s, s:s, s:O}", "intent", intent, "task", call.task_id,
		    "wait", waited ? waited : json_null());
		pxm_error_clear(&lerr);
		if (record(rt, &lerr, plan->action, plan->target, 1, final, detail) != PXM_OK)
			pxm_error("the task outcome of %s could not be recorded: %s", plan->action,
			    lerr.text);
		outcome = final;
	}
	res = json_pack("{s:s, s:O, s:s}", "status", outcome, "result", out ? out : json_null(),
	    "plan_id", plan->plan_id);
	if (call.task_id)
		json_object_set_new(res, "task", json_string(call.task_id));
	if (waited)
		json_object_set(res, "wait", waited);
	if (undo) {
		json_object_set(res, "undo_point", undo);
	}
	*result = pxm_mcp_tool_result_new(res, strcmp(outcome, "error:task_failed") == 0);
out:
	json_decref(out);
	json_decref(waited);
	json_decref(undo);
	json_decref(diff);
	json_decref(detail);
	json_decref(fresh);
	json_decref(tool_args);
	pxm_plan_free(plan);
	call.plan = NULL;
	pxm_call_cleanup(&call);
	return *result ? PXM_OK : PXM_E_NOMEM;
}

int
pxm_pipeline_arguments(json_t **out, struct pxm_error *err, const struct pxm_tool_def *def,
    const json_t *args)
{
	int r;

	*out = NULL;
	if ((r = pxm_schema_validate(err, def->served_schema, args)) != PXM_OK)
		return r;
	/* 100.0 passed as an integer; the tool must see 100, not a real its
	 * json_integer_value() reads as 0. */
	if ((*out = pxm_schema_integral(args)) == NULL)
		return pxm_error_set(err, PXM_E_NOMEM, "internal", "out of memory");
	return PXM_OK;
}

int
pxm_pipeline_tool_call(json_t **result, struct pxm_error *err,
    struct pxm_mcp_server *srv, const struct pxm_tool_def *def,
    const json_t *args, void *payload)
{
	struct pxm_runtime *rt = payload;
	struct pxm_error verr;
	json_t *whole;
	int r;

	(void)err;
	*result = NULL;
	/* Arguments are checked in the core before any handler runs; an input
	 * error is a tool error the agent can act on (MCP 2025-11-25). */
	pxm_error_clear(&verr);
	if ((r = pxm_pipeline_arguments(&whole, &verr, def, args)) == PXM_E_NOMEM)
		return r;
	if (r != PXM_OK) {
		*result = pxm_mcp_tool_error_text("invalid arguments for %s: %s", def->name, verr.text);
		return *result ? PXM_OK : PXM_E_NOMEM;
	}
	if (def->kind == PXM_KIND_READ)
		r = run_read(result, rt, srv, def, whole);
	else
		r = run_mutation(result, rt, srv, def, whole);
	json_decref(whole);
	return r;
}
