/**
 * @file check_pipeline.c
 * @brief The governed pipeline, end to end through the real binary with a
 *        fixture plugin: plans recorded first, plan-bound confirmation, drift,
 *        every gate, fail-closed undo, task waits with progress and
 *        cancellation, elicitation, transport phase policy, crash forensics.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pxmcheck.h"
#include "pxmtest.h"
#include "proximo/sdk.h"

static char dir[512], plugdir[700], ledger[700], state[700], xlog[700];
static char e_plug[800], e_ledger[800], e_state[800], e_log[800];
static struct pxmtest_proc proc;

static void
setup(void)
{
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(plugdir, sizeof plugdir, "%s/plugins", dir);
	ck_assert_int_eq(mkdir(plugdir, 0755), 0);
	pxmtest_install_fixture(plugdir, "pipetest");
	snprintf(ledger, sizeof ledger, "%s/state/audit.log", dir);
	snprintf(state, sizeof state, "%s/kv.json", dir);
	snprintf(xlog, sizeof xlog, "%s/executions.log", dir);
	pxmtest_write_file(state, "{\"color\":\"blue\"}", 0600);
	snprintf(e_plug, sizeof e_plug, "PROXIMO_PLUGIN_DIR=%s", plugdir);
	snprintf(e_ledger, sizeof e_ledger, "PROXIMO_AUDIT_LOG=%s", ledger);
	snprintf(e_state, sizeof e_state, "PROXIMO_PIPETEST_STATE=%s", state);
	snprintf(e_log, sizeof e_log, "PROXIMO_PIPETEST_LOG=%s", xlog);
	{
		char sd[720];
		snprintf(sd, sizeof sd, "%s/state", dir);
		ck_assert_int_eq(mkdir(sd, 0700), 0);
	}
}

static void
teardown(void)
{
	pxmtest_rmrf(dir);
}

/* Start proximo with up to 4 extra environment settings. */
static void
start4(const char *a, const char *b, const char *c, const char *d, const char *caps)
{
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	const char *env[] = { e_plug, e_ledger, e_state, e_log, "PROXIMO_PLUGINS=",
	    "PROXIMO_ENV_FILE=/dev/null", "PROXIMO_TASK_POLL_MS=50", a, b, c, d, NULL };

	pxmtest_spawn(&proc, argv, env);
	json_decref(pxmtest_initialize(&proc, caps));
}

#define start0()	start4(NULL, NULL, NULL, NULL, NULL)
#define start1(a)	start4(a, NULL, NULL, NULL, NULL)

/* Ledger entries as a JSON array (parsed from the file). */
static json_t *
entries(void)
{
	char *text = pxmtest_read_file(ledger), *line, *save = NULL;
	json_t *a = json_array();

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		json_t *e = json_loads(line, 0, NULL);
		ck_assert_msg(e != NULL, "unparseable ledger line: %s", line);
		json_array_append_new(a, e);
	}
	free(text);
	return a;
}

/* "planned,executing,ok" of the entries from index `from` for `action`. */
static char *
outcomes(size_t from, const char *action)
{
	json_t *a = entries(), *e;
	size_t i;
	char buf[4096] = "";

	json_array_foreach(a, i, e) {
		const char *act = json_string_value(json_object_get(e, "action"));

		/* Signed checkpoints (written at clean shutdown) are the
		 * ledger's own business, not the call's. */
		if (i < from || strcmp(act, "audit_checkpoint") == 0 ||
		    (action && strcmp(act, action) != 0))
			continue;
		if (buf[0])
			strncat(buf, ",", sizeof buf - strlen(buf) - 1);
		strncat(buf, json_string_value(json_object_get(e, "outcome")), sizeof buf - strlen(buf) - 1);
	}
	json_decref(a);
	return strdup(buf);
}

static size_t
nentries(void)
{
	json_t *a = entries(), *e;
	size_t n = 0, i;

	json_array_foreach(a, i, e)
		n += strcmp(json_string_value(json_object_get(e, "action")), "audit_checkpoint") != 0;

	json_decref(a);
	return n;
}

static char *
executions(void)
{
	char *s = pxmtest_read_file(xlog);

	return s ? s : strdup("");
}

static void
expect_outcomes(size_t from, const char *action, const char *want)
{
	char *got = outcomes(from, action);

	ck_assert_str_eq(got, want);
	free(got);
}

static void
expect_executions(const char *want)
{
	char *got = executions();

	ck_assert_str_eq(got, want);
	free(got);
}

static json_t *
sc(json_t *r)
{
	return json_object_get(r, "structuredContent");
}

static const char *
status_of(json_t *r)
{
	return json_string_value(json_object_get(sc(r), "status"));
}

/* Dry run; returns the plan_id (new string). */
static char *
dry_run(const char *tool, const char *key, const char *value)
{
	json_t *r = pxmtest_call(&proc, tool, json_pack("{s:s, s:s}", "key", key, "value", value));
	const char *id;
	char *out;

	ck_assert_str_eq(status_of(r), "plan");
	id = json_string_value(json_object_get(sc(r), "plan_id"));
	ck_assert_ptr_nonnull(id);
	ck_assert_uint_eq(strlen(id), 64);
	out = strdup(id);
	json_decref(r);
	return out;
}

static json_t *
confirm(const char *tool, const char *key, const char *value, const char *plan_id)
{
	json_t *args = json_pack("{s:s, s:s, s:b}", "key", key, "value", value, "confirm", 1);

	if (plan_id)
		json_object_set_new(args, "plan_id", json_string(plan_id));
	return pxmtest_call(&proc, tool, args);
}

START_TEST(test_dry_run_records_exactly_one_plan)
{
	json_t *r, *e;

	start0();
	r = pxmtest_call(&proc, "pipe_set", json_pack("{s:s, s:s}", "key", "color", "value", "red"));
	ck_assert_str_eq(status_of(r), "plan");
	ck_assert_str_eq(json_string_value(json_object_get(sc(r), "change")), "set color: blue -> red");
	ck_assert_str_eq(json_string_value(json_object_get(sc(r), "risk")), "low");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sc(r), "current"), "color")), "blue");
	ck_assert(json_is_true(json_object_get(sc(r), "complete")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc(r), "note")),
	    "LOW means 'does not change state', NOT 'safe'"));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned");
	e = entries();
	ck_assert(json_is_true(json_object_get(json_array_get(e, 0), "mutation")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 0), "target")), "kv/color");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(e, 0),
	    "detail"), "risk")), "low");
	json_decref(e);
	expect_executions("");
}
END_TEST

START_TEST(test_confirm_needs_plan_id)
{
	json_t *r;

	start0();
	r = confirm("pipe_set", "color", "red", NULL);
	ck_assert(json_is_true(json_object_get(r, "isError")));
	ck_assert_str_eq(status_of(r), "blocked:plan_required");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,blocked:plan_required");
	expect_executions("");
}
END_TEST

START_TEST(test_bound_confirmation_runs_and_records_all)
{
	json_t *r, *e;
	char *id;

	start0();
	id = dry_run("pipe_set", "color", "red");
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_ptr_null(json_object_get(r, "isError"));
	ck_assert_str_eq(status_of(r), "ok");
	ck_assert_str_eq(json_string_value(json_object_get(sc(r), "plan_id")), id);
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,executing,ok");
	expect_executions("set color=red\n");
	/* intent pairing: executing and its outcome share detail.intent */
	e = entries();
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(e, 2),
	    "detail"), "intent")), json_string_value(json_object_get(json_object_get(
	    json_array_get(e, 3), "detail"), "intent")));
	json_decref(e);
	free(id);
}
END_TEST

START_TEST(test_drift_is_refused_and_nothing_runs)
{
	json_t *r, *changed;
	char *id, *new_id;

	start0();
	id = dry_run("pipe_set", "color", "red");
	/* someone else changes the live state */
	pxmtest_write_file(state, "{\"color\":\"green\"}", 0600);
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "blocked:plan_drift");
	changed = json_object_get(json_object_get(sc(r), "changed"), "current");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(changed, "color"), "planned")), "blue");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(changed, "color"), "now")), "green");
	new_id = strdup(json_string_value(json_object_get(sc(r), "new_plan_id")));
	ck_assert_str_ne(new_id, id);
	json_decref(r);
	expect_executions("");
	/* the new plan can be confirmed */
	r = confirm("pipe_set", "color", "red", new_id);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,blocked:plan_drift,planned,executing,ok");
	expect_executions("set color=red\n");
	free(id);
	free(new_id);
}
END_TEST

START_TEST(test_unknown_and_expired_plans)
{
	json_t *r;
	char *id;

	start1("PROXIMO_PLAN_TTL=1");
	r = confirm("pipe_set", "color", "red",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(status_of(r), "blocked:plan_unknown");
	json_decref(r);
	id = dry_run("pipe_set", "color", "red");
	sleep(2);
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "blocked:plan_expired");
	json_decref(r);
	/* a plan_id of another call is not a licence either */
	r = pxmtest_call(&proc, "pipe_set", json_pack("{s:s, s:s, s:b, s:s}", "key", "color",
	    "value", "black", "confirm", 1, "plan_id", id));
	ck_assert_str_eq(status_of(r), "blocked:plan_drift");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_executions("");
	free(id);
}
END_TEST

START_TEST(test_oneshot_mode)
{
	json_t *r;

	start1("PROXIMO_CONFIRM=oneshot");
	r = confirm("pipe_set", "color", "red", NULL);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,executing,ok");
	expect_executions("set color=red\n");
}
END_TEST

START_TEST(test_every_other_way_to_call_a_mutation)
{
	static const char *const bad[] = {
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":\"true\"}",
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":1}",
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":true,\"plan_id\":\"zz\"}",
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":true,\"plan_id\":null}",
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":true,\"force\":true}",
		"{\"key\":\"Color\",\"value\":\"x\",\"confirm\":true}",
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":true}",
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":false}",
		"{\"key\":\"color\",\"value\":\"x\"}",
		"{\"key\":\"color\",\"value\":\"x\",\"confirm\":true,\"plan_id\":"
		    "\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"}",
	};
	size_t i;
	json_t *r;

	start0();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = pxmtest_call(&proc, "pipe_set", json_loads(bad[i], 0, NULL));
		ck_assert_msg(!json_is_string(json_object_get(sc(r), "status")) ||
		    strcmp(status_of(r), "ok") != 0, "%s ran", bad[i]);
		json_decref(r);
	}
	/* the tool's name with a twist, and the read tool, never execute it */
	r = pxmtest_call(&proc, "pipe_set ", json_pack("{s:s, s:s, s:b}", "key", "color", "value", "x", "confirm", 1));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "code")), -32602);
	json_decref(r);
	r = pxmtest_call(&proc, "pipe_get", json_pack("{s:b}", "confirm", 1));
	ck_assert(json_is_true(json_object_get(r, "isError")));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_executions("");
}
END_TEST

/* host->call_read_tool: a read may run a read, validated, one level deep;
 * never a mutation. */
START_TEST(test_composite_reads)
{
	json_t *r, *o;

	start1(NULL);
	r = pxmtest_call(&proc, "pipe_compose", json_pack("{s:s, s:{}}", "name", "pipe_get", "args"));
	o = sc(r);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "r")), 0);
	ck_assert(json_is_object(json_object_get(o, "out")));
	json_decref(r);
	/* a mutation is never reached this way, confirmed or not */
	r = pxmtest_call(&proc, "pipe_compose", json_pack("{s:s, s:{s:s, s:s, s:b}}", "name",
	    "pipe_set", "args", "key", "color", "value", "red", "confirm", 1));
	o = sc(r);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "r")), PXM_E_DENIED);
	ck_assert_str_eq(json_string_value(json_object_get(o, "reason")), "not_read_only");
	json_decref(r);
	/* unknown tool, unknown argument */
	r = pxmtest_call(&proc, "pipe_compose", json_pack("{s:s, s:{}}", "name", "pve_nope", "args"));
	ck_assert_int_eq(json_integer_value(json_object_get(sc(r), "r")), PXM_E_NOTFOUND);
	json_decref(r);
	r = pxmtest_call(&proc, "pipe_compose", json_pack("{s:s, s:{s:i}}", "name", "pipe_get",
	    "args", "bogus", 1));
	o = sc(r);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "r")), PXM_E_INVAL);
	ck_assert_msg(strstr(json_string_value(json_object_get(o, "text")), "bogus") != NULL, "%s",
	    json_string_value(json_object_get(o, "text")));
	json_decref(r);
	/* one level deep: the inner compose is refused */
	r = pxmtest_call(&proc, "pipe_compose", json_pack("{s:s, s:{s:s, s:{}}}", "name",
	    "pipe_compose", "args", "name", "pipe_get", "args"));
	o = json_object_get(sc(r), "out");
	ck_assert_int_eq(json_integer_value(json_object_get(sc(r), "r")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "r")), PXM_E_DENIED);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o, "text")), "one level"));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_executions("");
}
END_TEST

START_TEST(test_gate_contain)
{
	char trip[800], env[900];
	json_t *r;
	char *id;

	snprintf(trip, sizeof trip, "%s/STOP", dir);
	snprintf(env, sizeof env, "PROXIMO_CONTAIN_TRIP_PATH=%s", trip);
	start1(env);
	id = dry_run("pipe_set", "color", "red");
	pxmtest_write_file(trip, "incident 42\n", 0600);
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "contained");
	json_decref(r);
	unlink(trip);
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,contained,planned,executing,ok");
	expect_executions("set color=red\n");
	free(id);
}
END_TEST

START_TEST(test_gate_forbid)
{
	json_t *r, *e;
	char *id;

	start1("PROXIMO_FORBID=delete, set");
	id = dry_run("pipe_set", "color", "red");
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "blocked:forbidden");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	e = entries();
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(
	    json_array_get(e, 2), "detail"), "forbid"), 0)), "set");
	json_decref(e);
	expect_executions("");
	free(id);
}
END_TEST

START_TEST(test_gate_consent)
{
	char cdir[800], env[900], grant[900];
	const char *cid;
	json_t *r;
	char *id;
	struct stat st;

	snprintf(cdir, sizeof cdir, "%s/consent", dir);
	ck_assert_int_eq(mkdir(cdir, 0700), 0);
	snprintf(env, sizeof env, "PROXIMO_CONSENT_DIR=%s", cdir);
	start1(env);
	r = pxmtest_call(&proc, "pipe_set", json_pack("{s:s, s:s}", "key", "color", "value", "red"));
	cid = json_string_value(json_object_get(sc(r), "consent_id"));
	ck_assert_ptr_nonnull(cid);
	snprintf(grant, sizeof grant, "%s/%s", cdir, cid);
	id = strdup(json_string_value(json_object_get(sc(r), "plan_id")));
	json_decref(r);
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "blocked:consent_required");
	json_decref(r);
	pxmtest_write_file(grant, "ok\n", 0600);
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	/* the grant was consumed: a replay is refused */
	ck_assert_int_ne(stat(grant, &st), 0);
	free(id);
	id = dry_run("pipe_set", "color", "red");
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "blocked:consent_required");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_executions("set color=red\n");
	free(id);
}
END_TEST

START_TEST(test_gate_rate)
{
	json_t *r;
	char *id;

	start4("PROXIMO_RATE_MAX=1", "PROXIMO_RATE_WINDOW=3600", NULL, NULL, NULL);
	id = dry_run("pipe_set", "color", "red");
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	free(id);
	id = dry_run("pipe_set", "color", "teal");
	r = confirm("pipe_set", "color", "teal", id);
	ck_assert_str_eq(status_of(r), "blocked:rate_budget");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_executions("set color=red\n");
	free(id);
}
END_TEST

START_TEST(test_plugin_gate)
{
	json_t *r;
	char *id;

	start1("PROXIMO_PIPETEST_ALLOW=shape");
	id = dry_run("pipe_gated", "color", "red");
	r = confirm("pipe_gated", "color", "red", id);
	ck_assert_str_eq(status_of(r), "blocked:allowlist");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "not in PROXIMO_PIPETEST_ALLOW"));
	json_decref(r);
	free(id);
	id = dry_run("pipe_gated", "shape", "round");
	r = confirm("pipe_gated", "shape", "round", id);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_executions("set shape=round\n");
	free(id);
}
END_TEST

START_TEST(test_undo_point_first)
{
	json_t *r, *args;
	char *id, *ex;

	start0();
	id = dry_run("pipe_undoable", "color", "red");
	args = json_pack("{s:s, s:s, s:b, s:s, s:b}", "key", "color", "value", "red", "confirm", 1,
	    "plan_id", id, "snapshot", 1);
	r = pxmtest_call(&proc, "pipe_undoable", args);
	ck_assert_str_eq(status_of(r), "ok");
	ck_assert_int_eq(strncmp(json_string_value(json_object_get(json_object_get(sc(r), "undo_point"),
	    "point")), "proximo_undo_", 13), 0);
	/* proximo_undo_YYYYmmddTHHMMSSffffffZ: 35 characters, within PVE's 40 */
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(json_object_get(sc(r), "undo_point"),
	    "point"))), 35);
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,undo_point,executing,ok");
	ex = executions();
	ck_assert_int_eq(strncmp(ex, "snapshot proximo_undo_", 22), 0);
	ck_assert_ptr_nonnull(strstr(ex, " color\nset color=red\n"));
	free(ex);
	free(id);
}
END_TEST

START_TEST(test_undo_failure_refuses)
{
	json_t *r, *args;
	char *id;

	start1("PROXIMO_PIPETEST_UNDO=fail");
	id = dry_run("pipe_undoable", "color", "red");
	args = json_pack("{s:s, s:s, s:b, s:s, s:b}", "key", "color", "value", "red", "confirm", 1,
	    "plan_id", id, "snapshot", 1);
	r = pxmtest_call(&proc, "pipe_undoable", args);
	ck_assert_str_eq(status_of(r), "blocked:undo_unavailable");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "cannot snapshot"));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,blocked:undo_unavailable");
	expect_executions("");
	free(id);
}
END_TEST

START_TEST(test_undo_required_by_policy)
{
	json_t *r;
	char *id;

	start1("PROXIMO_UNDO_REQUIRED=pipe_undoable");
	id = dry_run("pipe_undoable", "color", "red");
	r = confirm("pipe_undoable", "color", "red", id);
	ck_assert_str_eq(status_of(r), "ok");
	ck_assert_ptr_nonnull(json_object_get(sc(r), "undo_point"));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,undo_point,executing,ok");
	free(id);
}
END_TEST

START_TEST(test_task_wait_with_progress)
{
	json_t *r, *args, *notes = json_array(), *n, *res;
	const char *id;
	double last = -1;
	size_t i, progress = 0;

	start0();
	r = pxmtest_call(&proc, "pipe_async", json_pack("{s:i}", "polls", 5));
	id = json_string_value(json_object_get(sc(r), "plan_id"));
	args = json_pack("{s:i, s:b, s:s, s:b}", "polls", 5, "confirm", 1, "plan_id", id, "wait", 1);
	json_decref(r);
	res = pxmtest_request(&proc, "tools/call", json_pack("{s:s, s:o, s:{s:s}}", "name", "pipe_async",
	    "arguments", args, "_meta", "progressToken", "tok-1"), notes);
	r = json_object_get(res, "result");
	ck_assert_str_eq(status_of(r), "ok");
	ck_assert(json_is_true(json_object_get(json_object_get(sc(r), "wait"), "succeeded")));
	json_array_foreach(notes, i, n) {
		const json_t *p = json_object_get(n, "params");
		if (strcmp(json_string_value(json_object_get(n, "method")), "notifications/progress") != 0)
			continue;
		ck_assert_str_eq(json_string_value(json_object_get(p, "progressToken")), "tok-1");
		ck_assert(json_number_value(json_object_get(p, "progress")) > last);
		last = json_number_value(json_object_get(p, "progress"));
		progress++;
	}
	ck_assert_uint_ge(progress, 3);
	json_decref(res);
	json_decref(notes);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,executing,submitted,ok");
}
END_TEST

START_TEST(test_task_failure_and_no_wait)
{
	json_t *r;
	const char *id;

	start0();
	r = pxmtest_call(&proc, "pipe_async", json_pack("{s:i, s:b}", "polls", 2, "fail", 1));
	id = json_string_value(json_object_get(sc(r), "plan_id"));
	{
		json_t *r2 = pxmtest_call(&proc, "pipe_async", json_pack("{s:i, s:b, s:b, s:s, s:b}",
		    "polls", 2, "fail", 1, "confirm", 1, "plan_id", id, "wait", 1));
		ck_assert_str_eq(status_of(r2), "error:task_failed");
		ck_assert(json_is_true(json_object_get(r2, "isError")));
		json_decref(r2);
	}
	json_decref(r);
	r = pxmtest_call(&proc, "pipe_async", json_pack("{s:i}", "polls", 2));
	id = json_string_value(json_object_get(sc(r), "plan_id"));
	{
		json_t *r2 = pxmtest_call(&proc, "pipe_async", json_pack("{s:i, s:b, s:s}",
		    "polls", 2, "confirm", 1, "plan_id", id));
		ck_assert_str_eq(status_of(r2), "submitted");
		ck_assert_str_eq(json_string_value(json_object_get(sc(r2), "task")), "TASK:2:ok");
		json_decref(r2);
	}
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_outcomes(0, NULL, "planned,planned,executing,submitted,error:task_failed,"
	    "planned,planned,executing,submitted");
}
END_TEST

START_TEST(test_cancel_stops_the_wait_not_the_task)
{
	json_t *r, *msg, *args;
	char *id, line[512];

	start0();
	r = pxmtest_call(&proc, "pipe_async", json_pack("{s:i}", "polls", 1000));
	id = strdup(json_string_value(json_object_get(sc(r), "plan_id")));
	json_decref(r);
	args = json_pack("{s:s, s:i, s:{s:i, s:b, s:s, s:b}, s:{s:i}}", "jsonrpc", "2.0", "id", 77,
	    "params", "polls", 1000, "confirm", 1, "plan_id", id, "wait", 1, "x", "y", 1);
	json_decref(args);
	snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"pipe_async\",\"arguments\":{\"polls\":1000,\"confirm\":true,\"plan_id\":\"%s\","
	    "\"wait\":true},\"_meta\":{\"progressToken\":5}}}", id);
	pxmtest_send(&proc, line);
	/* wait for the first progress notification: the wait has begun */
	msg = pxmtest_recv(&proc, 10000);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "method")), "notifications/progress");
	json_decref(msg);
	pxmtest_send(&proc, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
	    "{\"requestId\":77,\"reason\":\"user\"}}");
	/* no response to 77; the server keeps serving */
	r = pxmtest_request(&proc, "ping", NULL, NULL);
	ck_assert_ptr_nonnull(json_object_get(r, "result"));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	/* the wait ended; the task is recorded as still running, never as done */
	expect_outcomes(0, NULL, "planned,planned,executing,submitted,running");
	free(id);
}
END_TEST

START_TEST(test_transport_phase_policy)
{
	json_t *r, *res;
	const char *id;

	start0();
	r = pxmtest_call(&proc, "pipe_sneaky", json_object());
	/* a POST during planning is refused by phase */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sc(r), "current"), "plan_post")), -6);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sc(r), "current"),
	    "plan_reason")), "phase");
	id = json_string_value(json_object_get(sc(r), "plan_id"));
	res = pxmtest_call(&proc, "pipe_sneaky", json_pack("{s:b, s:s}", "confirm", 1, "plan_id", id));
	/* an operation the plan did not declare is refused even while executing */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sc(res), "result"),
	    "execute_undeclared")), -6);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sc(res), "result"),
	    "reason")), "undeclared_effect");
	json_decref(res);
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

START_TEST(test_crash_leaves_an_in_flight_intent)
{
	json_t *r, *inflight;
	const char *id;
	int status;

	start0();
	r = pxmtest_call(&proc, "pipe_crash", json_pack("{s:s}", "key", "x"));
	id = json_string_value(json_object_get(sc(r), "plan_id"));
	{
		char line[512];
		snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"tools/call\","
		    "\"params\":{\"name\":\"pipe_crash\",\"arguments\":{\"key\":\"x\",\"confirm\":true,"
		    "\"plan_id\":\"%s\"}}}", id);
		pxmtest_send(&proc, line);
	}
	json_decref(r);
	status = pxmtest_finish(&proc);
	ck_assert_int_eq(status, 9);
	expect_outcomes(0, "pipe_crash", "planned,planned,executing");
	/* a fresh process reports the orphaned intent */
	start0();
	r = pxmtest_call(&proc, "audit_entries", json_pack("{s:i}", "limit", 10));
	inflight = json_object_get(sc(r), "in_flight");
	ck_assert_uint_eq(json_array_size(inflight), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(inflight, 0), "action")),
	    "pipe_crash");
	json_decref(r);
	r = pxmtest_call(&proc, "audit_verify", json_object());
	ck_assert(json_is_true(json_object_get(sc(r), "ok")));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

/* Send a call and answer elicitation/create with `action`. */
static json_t *
call_with_elicitation(const char *action, int approve, int *asked)
{
	json_t *r, *msg;
	char *id, line[512];

	r = pxmtest_call(&proc, "pipe_set", json_pack("{s:s, s:s}", "key", "color", "value", "danger"));
	id = strdup(json_string_value(json_object_get(sc(r), "plan_id")));
	json_decref(r);
	snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":500,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"pipe_set\",\"arguments\":{\"key\":\"color\",\"value\":\"danger\",\"confirm\":true,"
	    "\"plan_id\":\"%s\"}}}", id);
	free(id);
	pxmtest_send(&proc, line);
	*asked = 0;
	for (;;) {
		msg = pxmtest_recv(&proc, 10000);
		ck_assert_ptr_nonnull(msg);
		if (json_object_get(msg, "method") &&
		    strcmp(json_string_value(json_object_get(msg, "method")), "elicitation/create") == 0) {
			json_t *ans = json_pack("{s:s, s:O, s:{s:s}}", "jsonrpc", "2.0", "id",
			    json_object_get(msg, "id"), "result", "action", action);
			char *s;

			ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(msg,
			    "params"), "message")), "high-risk"));
			if (approve >= 0)
				json_object_set_new(json_object_get(ans, "result"), "content",
				    json_pack("{s:b}", "approve", approve));
			s = json_dumps(ans, JSON_COMPACT);
			pxmtest_send(&proc, s);
			free(s);
			json_decref(ans);
			*asked = 1;
		} else if (json_integer_value(json_object_get(msg, "id")) == 500) {
			r = json_incref(json_object_get(msg, "result"));
			json_decref(msg);
			return r;
		}
		json_decref(msg);
	}
}

START_TEST(test_elicitation)
{
	json_t *r;
	int asked;

	start4("PROXIMO_APPROVAL=elicit", NULL, NULL, NULL, "{\"elicitation\":{}}");
	r = call_with_elicitation("decline", -1, &asked);
	ck_assert(asked);
	ck_assert_str_eq(status_of(r), "blocked:approval_declined");
	json_decref(r);
	r = call_with_elicitation("cancel", -1, &asked);
	ck_assert_str_eq(status_of(r), "blocked:approval_cancelled");
	json_decref(r);
	r = call_with_elicitation("accept", 0, &asked);
	ck_assert_str_eq(status_of(r), "blocked:approval_declined");
	json_decref(r);
	expect_executions("");
	r = call_with_elicitation("accept", 1, &asked);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	expect_executions("set color=danger\n");
	expect_outcomes(0, NULL, "planned,planned,blocked:approval_declined,planned,planned,"
	    "blocked:approval_cancelled,planned,planned,blocked:approval_declined,planned,planned,"
	    "approved,executing,ok");
}
END_TEST

START_TEST(test_elicitation_without_capability)
{
	json_t *r;
	char *id;

	start1("PROXIMO_APPROVAL=elicit");
	id = dry_run("pipe_set", "color", "danger");
	r = confirm("pipe_set", "color", "danger", id);
	ck_assert_str_eq(status_of(r), "blocked:approval_unavailable");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "did not declare the elicitation capability"));
	json_decref(r);
	/* low risk does not need approval */
	free(id);
	id = dry_run("pipe_set", "color", "red");
	r = confirm("pipe_set", "color", "red", id);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	free(id);
}
END_TEST

START_TEST(test_incomplete_plan_is_high_and_says_so)
{
	json_t *r;

	pxmtest_write_file(state, "{\"color\":\"blue\",\"unreadable\":true}", 0600);
	start0();
	r = pxmtest_call(&proc, "pipe_set", json_pack("{s:s, s:s}", "key", "color", "value", "red"));
	ck_assert_str_eq(json_string_value(json_object_get(sc(r), "risk")), "high");
	ck_assert(json_is_false(json_object_get(sc(r), "complete")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(sc(r),
	    "affected"), 0), "effect")), "enumeration incomplete — one or more reads could not be made");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	ck_assert_uint_eq(nentries(), 1);
}
END_TEST

static Suite *
pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("e2e");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dry_run_records_exactly_one_plan);
	tcase_add_test(tc, test_confirm_needs_plan_id);
	tcase_add_test(tc, test_bound_confirmation_runs_and_records_all);
	tcase_add_test(tc, test_drift_is_refused_and_nothing_runs);
	tcase_add_test(tc, test_unknown_and_expired_plans);
	tcase_add_test(tc, test_oneshot_mode);
	tcase_add_test(tc, test_every_other_way_to_call_a_mutation);
	tcase_add_test(tc, test_composite_reads);
	tcase_add_test(tc, test_gate_contain);
	tcase_add_test(tc, test_gate_forbid);
	tcase_add_test(tc, test_gate_consent);
	tcase_add_test(tc, test_gate_rate);
	tcase_add_test(tc, test_plugin_gate);
	tcase_add_test(tc, test_undo_point_first);
	tcase_add_test(tc, test_undo_failure_refuses);
	tcase_add_test(tc, test_undo_required_by_policy);
	tcase_add_test(tc, test_task_wait_with_progress);
	tcase_add_test(tc, test_task_failure_and_no_wait);
	tcase_add_test(tc, test_cancel_stops_the_wait_not_the_task);
	tcase_add_test(tc, test_transport_phase_policy);
	tcase_add_test(tc, test_crash_leaves_an_in_flight_intent);
	tcase_add_test(tc, test_elicitation);
	tcase_add_test(tc, test_elicitation_without_capability);
	tcase_add_test(tc, test_incomplete_plan_is_high_and_says_so);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(pipeline_suite)
