/**
 * @file check_pve_tools.c
 * @brief Every curated PVE tool, called through the real proximo binary
 *        (stdio) against proximo-sim over HTTPS with a pinned certificate.
 *
 * The cases are data (tests/pve/tool_cases.json), walked in order, one
 * forked test each, against one simulator:
 *
 *  - a read is called once: it must succeed, touch the operations the case
 *    names, send nothing but GETs, and its structuredContent must contain
 *    the case's "result";
 *  - a mutation is called as a dry run (a plan, with a plan_id, its
 *    effects exactly the case's "send", nothing but GETs reaching the
 *    simulator), then confirmed with that plan_id (wait:true for
 *    asynchronous tools): the requests the simulator received must be
 *    exactly "send" (method, path, key parameters, each answered 2xx), the
 *    outcome the case's (default "ok"), the ledger must hold the intent and
 *    the outcome, and the simulator's state must show the effect ("state").
 *
 * Coverage is checked against the binary's own tools/list: every curated
 * tool has a case, and every mutation a confirmed one.  Finally, every
 * request the cases made is checked to have been accepted by the
 * simulator, which validates each against the official schema.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvetest.h"

static json_t *cases;		/* the table (loaded in main, before forking) */
static long long first_mark;	/* the log position before the first case */
static char vars_file[700];	/* values saved by one case for later ones */

/* ---------------------------------------------------------------- vars */

static json_t *
vars_load(void)
{
	json_t *v = json_load_file(vars_file, 0, NULL);

	return v ? v : json_object();
}

static void
vars_save(json_t *v)
{
	ck_assert_int_eq(json_dump_file(v, vars_file, JSON_COMPACT), 0);
}

/* Percent-encode as the transport does (RFC 3986 unreserved kept). */
static void
urlenc(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* "${name}" (raw) and "${name|url}" (encoded) replaced in every string. */
static json_t *
subst(const json_t *j, const json_t *vars)
{
	json_t *out, *v;
	const char *k;
	size_t i;

	if (json_is_object(j)) {
		out = json_object();
		json_object_foreach((json_t *)j, k, v)
			json_object_set_new(out, k, subst(v, vars));
		return out;
	}
	if (json_is_array(j)) {
		out = json_array();
		json_array_foreach((json_t *)j, i, v)
			json_array_append_new(out, subst(v, vars));
		return out;
	}
	if (json_is_string(j) && strstr(json_string_value(j), "${")) {
		const char *s = json_string_value(j), *a, *b;
		char buf[4096] = "", name[128], enc[1024];
		size_t n;

		/* A lone "${x}" keeps the saved value's type. */
		if (s[0] == '$' && s[1] == '{' && (b = strchr(s, '}')) && b[1] == '\0' &&
		    (size_t)(b - s - 2) < sizeof name && !memchr(s, '|', (size_t)(b - s))) {
			memcpy(name, s + 2, (size_t)(b - s - 2));
			name[b - s - 2] = '\0';
			ck_assert_msg(json_object_get(vars, name), "no saved value '%s'", name);
			return json_incref(json_object_get(vars, name));
		}
		while ((a = strstr(s, "${")) && (b = strchr(a, '}'))) {
			int url = 0;
			const json_t *val;

			strncat(buf, s, (size_t)(a - s) < sizeof buf - strlen(buf) - 1 ?
			    (size_t)(a - s) : sizeof buf - strlen(buf) - 1);
			n = (size_t)(b - a - 2);
			ck_assert_uint_lt(n, sizeof name);
			memcpy(name, a + 2, n);
			name[n] = '\0';
			if (strstr(name, "|url")) {
				*strstr(name, "|url") = '\0';
				url = 1;
			}
			val = json_object_get(vars, name);
			ck_assert_msg(json_is_string(val) || json_is_integer(val),
			    "no saved value '%s'", name);
			if (json_is_integer(val))
				snprintf(enc, sizeof enc, "%lld", (long long)json_integer_value(val));
			else if (url)
				urlenc(enc, sizeof enc, json_string_value(val));
			else
				snprintf(enc, sizeof enc, "%s", json_string_value(val));
			strncat(buf, enc, sizeof buf - strlen(buf) - 1);
			s = b + 1;
		}
		strncat(buf, s, sizeof buf - strlen(buf) - 1);
		return json_string(buf);
	}
	return json_deep_copy(j);
}

/* ------------------------------------------------------------ helpers */

/* The served tool list, by name (new). */
static json_t *
served_tools(struct pxmtest_proc *p)
{
	json_t *byname = json_object(), *res, *t;
	const char *cursor = NULL;
	char *cur = NULL;
	size_t i;

	for (;;) {
		json_t *params = cur ? json_pack("{s:s}", "cursor", cur) : json_object();

		res = pxmtest_request(p, "tools/list", params, NULL);
		json_array_foreach(json_object_get(json_object_get(res, "result"), "tools"), i, t)
			json_object_set(byname, json_string_value(json_object_get(t, "name")), t);
		cursor = json_string_value(json_object_get(json_object_get(res, "result"),
		    "nextCursor"));
		free(cur);
		cur = cursor ? strdup(cursor) : NULL;
		json_decref(res);
		if (cur == NULL)
			break;
	}
	return byname;
}

static int
is_async(const json_t *tool)
{
	return json_object_get(json_object_get(json_object_get(tool, "inputSchema"),
	    "properties"), "wait") != NULL;
}

static int
is_mutation(const json_t *tool)
{
	return strncmp(json_string_value(json_object_get(tool, "description")), "MUTATION", 8) == 0;
}

static const char *
strip_base(const char *path)
{
	return strncmp(path, "/api2/json", 10) == 0 ? path + 10 : path;
}

static void
run_setup(const json_t *steps)
{
	json_t *st;
	size_t i;

	json_array_foreach(steps, i, st) {
		if (json_is_true(json_object_get(st, "reset"))) {
			pvt_reset();
		} else if (json_object_get(st, "put")) {
			pvt_state_put(json_string_value(json_object_get(st, "put")),
			    json_object_get(st, "value"));
		} else if (json_object_get(st, "delete")) {
			char path[600];

			snprintf(path, sizeof path, "/state%s",
			    json_string_value(json_object_get(st, "delete")));
			ck_assert_int_eq(pxm_sim_control(NULL, pvt_sim, "DELETE", path, NULL), 200);
		} else if (json_object_get(st, "faults")) {
			ck_assert_int_eq(pxm_sim_faults(pvt_sim, json_object_get(st, "faults")), 0);
		} else {
			ck_abort_msg("unknown setup step %s", pvt_dump(st));
		}
	}
}

/* Every pointer of `want` in the simulator's state holds a subset of it
 * (operators as pvt_subset). */
static void
check_state(const char *tool, const json_t *want)
{
	json_t *state, *v;
	const char *ptr;
	char why[1200];

	if (want == NULL)
		return;
	state = pvt_state();
	json_object_foreach((json_t *)want, ptr, v) {
		json_t *got = pvt_ptr(state, ptr);

		ck_assert_msg(pvt_subset(v, got, why, sizeof why), "%s: state %s %s", tool, ptr, why);
	}
	json_decref(state);
}

/* Every request in `log` was answered 2xx and, if authenticated, as our
 * token. */
static void
check_answered(const char *tool, const json_t *log)
{
	json_t *e;
	size_t i;

	json_array_foreach((json_t *)log, i, e) {
		long st = (long)json_integer_value(json_object_get(e, "status"));

		ck_assert_msg(st >= 200 && st < 300, "%s: %s %s answered %ld (%s)", tool,
		    json_string_value(json_object_get(e, "method")),
		    json_string_value(json_object_get(e, "path")), st,
		    pvt_dump(json_object_get(e, "error")));
		/* (world-readable calls such as GET /access/domains carry none) */
		ck_assert_msg(json_is_null(json_object_get(e, "identity")) ||
		    (json_is_string(json_object_get(e, "identity")) && strcmp(json_string_value(
		    json_object_get(e, "identity")), "root@pam!proximo") == 0),
		    "%s: %s %s was made as %s", tool, json_string_value(json_object_get(e, "method")),
		    json_string_value(json_object_get(e, "path")),
		    pvt_dump(json_object_get(e, "identity")));
	}
}

static void
check_reads(const char *tool, const json_t *log, const json_t *reads)
{
	json_t *want, *e;
	size_t i, j;

	json_array_foreach((json_t *)reads, i, want) {
		int seen = 0;

		json_array_foreach((json_t *)log, j, e)
			if (strcmp(json_string_value(json_object_get(e, "method")), "GET") == 0 &&
			    json_string_value(json_object_get(e, "operation")) &&
			    strcmp(json_string_value(json_object_get(e, "operation")),
			    json_string_value(want)) == 0)
				seen = 1;
		ck_assert_msg(seen, "%s: no GET of %s reached the simulator (log: %s)", tool,
		    json_string_value(want), pvt_dump(log));
	}
}

/* The requests sent are exactly `send`, in order. */
static void
check_sent(const char *tool, const json_t *sent, const json_t *send)
{
	json_t *want, *got, *path;
	char why[1200];
	size_t i;

	ck_assert_msg(json_array_size(sent) == json_array_size(send), "%s: expected %zu "
	    "change(s), the simulator received %s", tool, json_array_size(send), pvt_dump(sent));
	json_array_foreach((json_t *)send, i, want) {
		got = json_array_get(sent, i);
		ck_assert_str_eq(json_string_value(json_object_get(got, "method")),
		    json_string_value(json_object_get(want, "method")));
		path = json_string(strip_base(json_string_value(json_object_get(got, "path"))));
		ck_assert_msg(pvt_subset(json_object_get(want, "path"), path, why, sizeof why),
		    "%s: path %s", tool, why);
		json_decref(path);
		if (json_object_get(want, "params"))
			ck_assert_msg(pvt_subset(json_object_get(want, "params"),
			    json_object_get(got, "params"), why, sizeof why), "%s: params %s", tool, why);
	}
	check_answered(tool, sent);
}

/* The plan declares exactly the requests the case expects. */
static void
check_effects(const char *tool, const json_t *plan, const json_t *send)
{
	const json_t *effects = json_object_get(plan, "effects");
	json_t *want, *got;
	char why[1200];
	size_t i;

	ck_assert_msg(json_array_size(effects) == json_array_size(send), "%s: the plan declares "
	    "%s", tool, pvt_dump(effects));
	json_array_foreach((json_t *)send, i, want) {
		got = json_array_get(effects, i);
		ck_assert_str_eq(json_string_value(json_object_get(got, "method")),
		    json_string_value(json_object_get(want, "method")));
		ck_assert_msg(pvt_subset(json_object_get(want, "path"), json_object_get(got, "path"),
		    why, sizeof why), "%s: declared effect %s", tool, why);
	}
}

static void
save_vars(const json_t *save, const json_t *result)
{
	json_t *vars, *v;
	const char *k;

	if (save == NULL)
		return;
	vars = vars_load();
	json_object_foreach((json_t *)save, k, v) {
		json_t *got = pvt_ptr(result, json_string_value(v));

		ck_assert_msg(got != NULL, "cannot save '%s': %s not in %s", k, json_string_value(v),
		    pvt_dump(result));
		json_object_set(vars, k, got);
	}
	vars_save(vars);
	json_decref(vars);
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_case)
{
	const json_t *raw = json_array_get(json_object_get(cases, "cases"), (size_t)_i);
	const char *tool = json_string_value(json_object_get(raw, "tool"));
	struct pxmtest_proc p;
	json_t *vars, *c, *args, *tools, *def, *res, *sc, *log, *plan;
	char why[1200];
	long long mark;

	ck_assert_ptr_nonnull(tool);
	vars = vars_load();
	c = subst(raw, vars);
	json_decref(vars);
	args = json_object_get(c, "args");
	if (args == NULL)
		json_object_set_new(c, "args", (args = json_object()));
	run_setup(json_object_get(c, "setup"));
	pvt_spawn(&p, NULL);
	tools = served_tools(&p);
	def = json_object_get(tools, tool);
	ck_assert_msg(def != NULL, "%s is not served", tool);

	if (json_object_get(c, "send") == NULL) {
		/* a read */
		ck_assert_msg(!is_mutation(def), "%s is a mutation: its case needs 'send'", tool);
		mark = pvt_mark();
		res = pvt_call(&p, tool, json_deep_copy(args));
		sc = pvt_ok(res, tool);
		log = pvt_since(mark);
		check_answered(tool, log);
		check_reads(tool, log, json_object_get(c, "reads"));
		json_decref(log);
		log = pvt_sent_since(mark);
		ck_assert_msg(json_array_size(log) == 0, "%s (a read) sent %s", tool, pvt_dump(log));
		json_decref(log);
		if (json_object_get(c, "result"))
			ck_assert_msg(pvt_subset(json_object_get(c, "result"), sc, why, sizeof why),
			    "%s: result %s", tool, why);
		save_vars(json_object_get(c, "save"), sc);
	} else {
		const json_t *send = json_object_get(c, "send");
		const char *want_outcome = json_string_value(json_object_get(c, "outcome"));
		int wait = is_async(def) && !json_is_false(json_object_get(c, "wait"));
		size_t lfrom;
		char *outs, expect[256];

		ck_assert_msg(is_mutation(def), "%s is a read: its case must not have 'send'", tool);
		plan = pvt_plan(&p, tool, args);
		if (json_object_get(c, "plan"))
			ck_assert_msg(pvt_subset(json_object_get(c, "plan"), plan, why, sizeof why),
			    "%s: plan %s", tool, why);
		check_effects(tool, plan, send);
		lfrom = pvt_ledger_size();
		mark = pvt_mark();
		res = pvt_confirm(&p, tool, args, json_string_value(json_object_get(plan, "plan_id")),
		    wait);
		sc = pvt_sc(res);
		if (want_outcome == NULL)
			want_outcome = "ok";
		ck_assert_msg(sc && json_is_string(json_object_get(sc, "status")) &&
		    strcmp(json_string_value(json_object_get(sc, "status")), want_outcome) == 0,
		    "%s: confirmed call answered %s, want status %s", tool, pvt_text(res), want_outcome);
		log = pvt_sent_since(mark);
		check_sent(tool, log, send);
		json_decref(log);
		if (json_object_get(c, "result"))
			ck_assert_msg(pvt_subset(json_object_get(c, "result"), sc, why, sizeof why),
			    "%s: result %s", tool, why);
		/* The confirmation is recorded: plan, intent, outcome (and the
		 * task's final outcome after a wait). */
		outs = pvt_outcomes(lfrom, tool);
		if (wait && json_object_get(sc, "task"))
			snprintf(expect, sizeof expect, "planned,executing,submitted,%s", want_outcome);
		else
			snprintf(expect, sizeof expect, "planned,executing,%s", want_outcome);
		ck_assert_msg(strcmp(outs, expect) == 0, "%s: ledger outcomes %s, want %s", tool,
		    outs, expect);
		free(outs);
		save_vars(json_object_get(c, "save"), sc);
		json_decref(plan);
	}
	check_state(tool, json_object_get(c, "state"));
	json_decref(res);
	json_decref(tools);
	json_decref(c);
	pvt_finish(&p);
}
END_TEST

/* Every curated tool has a case; every mutation a confirmed one. */
START_TEST(test_coverage)
{
	struct pxmtest_proc p;
	json_t *tools, *t, *c, *seen = json_object();
	const char *name;
	char missing[8192] = "";
	size_t i, n = 0;

	pvt_spawn(&p, NULL);
	tools = served_tools(&p);
	pvt_finish(&p);
	/* a mutation counts when a case confirms it and checks its effect */
	json_array_foreach(json_object_get(cases, "cases"), i, c) {
		name = json_string_value(json_object_get(c, "tool"));
		json_object_set_new(seen, name, json_boolean((json_object_get(c, "send") != NULL &&
		    json_object_get(c, "state") != NULL) || json_is_true(json_object_get(seen, name))));
	}
	json_object_foreach(tools, name, t) {
		if (strncmp(name, "pve_", 4) != 0 || strcmp(name, "pve_api_get") == 0 ||
		    strcmp(name, "pve_api_call") == 0)
			continue;	/* the door has its own suite */
		n++;
		if (json_object_get(seen, name) == NULL ||
		    (is_mutation(t) && !json_is_true(json_object_get(seen, name)))) {
			strncat(missing, " ", sizeof missing - strlen(missing) - 1);
			strncat(missing, name, sizeof missing - strlen(missing) - 1);
		}
	}
	ck_assert_msg(missing[0] == '\0', "curated tools without a case (a mutation: without "
	    "a confirmed one checking the state):%s", missing);
	ck_assert_uint_ge(n, 140);
	json_object_foreach(seen, name, t)
		ck_assert_msg(json_object_get(tools, name) != NULL, "case for unknown tool %s", name);
	json_decref(seen);
	json_decref(tools);
}
END_TEST

/* The simulator validates every request against the official schema:
 * nothing any case sent was refused for its shape or path. */
START_TEST(test_every_request_was_valid)
{
	json_t *log = pvt_since(first_mark), *e;
	size_t i, n = 0;

	json_array_foreach(log, i, e) {
		long st = (long)json_integer_value(json_object_get(e, "status"));

		n++;
		ck_assert_msg(st != 400 && st != 501 && st != 403 && st != 401,
		    "%s %s answered %ld: %s", json_string_value(json_object_get(e, "method")),
		    json_string_value(json_object_get(e, "path")), st,
		    pvt_dump(json_object_get(e, "error")));
	}
	ck_assert_uint_gt(n, 200);
	json_decref(log);
}
END_TEST

/* The ledger every case wrote verifies. */
START_TEST(test_ledger_verifies)
{
	char *argv[] = { getenv("PXM_PROXIMO"), "audit", "verify", NULL };
	char e_ledger[700];
	const char *env[] = { e_ledger, "PROXIMO_ENV_FILE=/dev/null", "PROXIMO_PLUGINS=", NULL };
	char *out = NULL, *err = NULL;
	int rc;

	snprintf(e_ledger, sizeof e_ledger, "PROXIMO_AUDIT_LOG=%s", pvt_ledger_path);
	rc = pxmtest_run(argv, env, &out, &err);
	ck_assert_msg(rc == 0, "audit verify: %d %s %s", rc, out, err);
	free(out);
	free(err);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pve_tools");
	TCase *tc = tcase_create("every curated tool");
	int n = (int)json_array_size(json_object_get(cases, "cases"));

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_coverage);
	tcase_add_loop_test(tc, test_case, 0, n);
	tcase_add_test(tc, test_every_request_was_valid);
	tcase_add_test(tc, test_ledger_verifies);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *
suite_loaded(void)
{
	char path[700];
	json_error_t je;

	pxmtest_src_path(path, sizeof path, "tests/pve/tool_cases.json");
	cases = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (cases == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
		exit(99);
	}
	snprintf(vars_file, sizeof vars_file, "%s/vars.json", pvt_dir);
	{
		/* what the cases may refer to before any of them ran */
		json_t *v = json_pack("{s:s}", "sim_fingerprint", pvt_sim->fingerprint);

		if (json_dump_file(v, vars_file, JSON_COMPACT) != 0)
			exit(99);
		json_decref(v);
	}
	/* Outside a test: no ck_assert here (it reports to the runner). */
	{
		json_t *out = NULL;

		if (pxm_sim_control(&out, pvt_sim, "GET", "/requests?since=999999999999", NULL) != 200)
			exit(99);
		first_mark = (long long)json_integer_value(json_object_get(out, "total"));
		json_decref(out);
	}
	return suite();
}

PVT_MAIN(suite_loaded, "--task-ms", "20")
