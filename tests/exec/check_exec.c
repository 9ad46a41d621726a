/**
 * @file check_exec.c
 * @brief The exec plugin end to end: the real proximo with pve.so and
 *        exec.so, proximo-sim (tests/exec/exec-profile.json) for the PVE API
 *        and undo snapshots, and a real OpenSSH server on 127.0.0.1 whose
 *        `pct` is the stand-in of tests/ssh/, which logs every invocation:
 *        each test asserts exactly what ran inside a container, and that
 *        nothing did on a refusal.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pxmtest.h"
#include "sim_harness.h"
#include "ledger/ledger.h"
#include "../ssh/sshtest.h"

static struct sshtest_fixture fx;
static struct pxm_sim *sim;
static char dir[512], ledger[760], statedir[700];
static struct pxmtest_proc proc;
static int running;

/* ------------------------------------------------------------- helpers */

static void pct_reset(void);

static void
setup(void)
{
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(statedir, sizeof statedir, "%s/state", dir);
	ck_assert_int_eq(mkdir(statedir, 0700), 0);
	snprintf(ledger, sizeof ledger, "%s/audit.log", statedir);
	/* Every test starts with an empty record of what ran. */
	pct_reset();
	running = 0;
}

/* Forget what ran so far (the stand-in appends). */
static void
pct_reset(void)
{
	char inv[600];

	snprintf(inv, sizeof inv, "%s/invocations.log", sshtest_get(&fx, "CT_ROOT"));
	pxmtest_write_file(inv, "", 0644);
}

static void
teardown(void)
{
	if (running)
		pxmtest_finish(&proc);
	pxmtest_rmrf(dir);
}

static char *
kv(const char *k, const char *v)
{
	size_t n = strlen(k) + strlen(v) + 2;
	char *s = malloc(n);

	ck_assert_ptr_nonnull(s);
	snprintf(s, n, "%s=%s", k, v);
	return s;
}

/* Start proximo with the exec defaults; `over` (NULL-terminated "K=V",
 * "K=" unsets) comes last and wins. */
static void
start(const char *const *over)
{
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	char plugdir[600], slow_connect[64], slow_handshake[64];
	const char *env[64];
	char *own[32];
	size_t n = 0, m = 0, i;

	snprintf(plugdir, sizeof plugdir, "%s/plugins/staged", getenv("PXM_TOP_BUILDDIR"));
	env[n++] = own[m++] = kv("PROXIMO_PLUGIN_DIR", plugdir);
	env[n++] = "PROXIMO_PLUGINS=pve,exec";
	env[n++] = own[m++] = kv("PROXIMO_DATA_DIR", getenv("PXM_DATADIR"));
	env[n++] = own[m++] = kv("PROXIMO_API_BASE_URL", sim->pve_url);
	env[n++] = own[m++] = kv("PROXIMO_FINGERPRINT", sim->fingerprint);
	env[n++] = own[m++] = kv("PROXIMO_TOKEN_PATH", sim->token_file);
	env[n++] = "PROXIMO_NODE=pve1";
	env[n++] = own[m++] = kv("PROXIMO_AUDIT_LOG", ledger);
	env[n++] = "PROXIMO_ENV_FILE=/dev/null";
	env[n++] = "PROXIMO_TASK_POLL_MS=50";
	env[n++] = own[m++] = kv("PROXIMO_SSH_TARGET", sshtest_get(&fx, "TARGET"));
	env[n++] = own[m++] = kv("PROXIMO_SSH_KEY_PATH", sshtest_get(&fx, "USER_KEY"));
	env[n++] = own[m++] = kv("PROXIMO_SSH_KNOWN_HOSTS", sshtest_get(&fx, "KNOWN_HOSTS"));
	env[n++] = own[m++] = kv("PROXIMO_PCT_COMMAND", sshtest_get(&fx, "PCT"));
	env[n++] = "PROXIMO_ENABLE_EXEC=1";
	env[n++] = "PROXIMO_CT_ALLOWLIST=101,102";
	env[n++] = "PROXIMO_LEDGER_REDACT=";
	env[n++] = "PROXIMO_CONFIRM=";
	env[n++] = "PROXIMO_SSH_MAX_OUTPUT=";
	env[n++] = "PROXIMO_CT_LOG_DIRS=";
	env[n++] = "PROXIMO_SSH_KEY_PASSPHRASE_PATH=";
	env[n++] = "PROXIMO_SSH_USE_AGENT=";
	env[n++] = "PROXIMO_SSH_HOST_KEY_SHA256=";
	env[n++] = "PROXIMO_UNDO_REQUIRED=";
	env[n++] = "PROXIMO_CONSENT_DIR=";
	env[n++] = "PROXIMO_FORBID=";
	env[n++] = "PROXIMO_RATE_MAX=";
	env[n++] = "PROXIMO_APPROVAL=";
	/* The ssh deadlines are set for native speed; under valgrind (which
	 * check-valgrind announces with CK_TIMEOUT_MULTIPLIER) the key
	 * exchange runs 20-50x slower, on a machine running other tests. */
	if (getenv("CK_TIMEOUT_MULTIPLIER") && atoi(getenv("CK_TIMEOUT_MULTIPLIER")) > 1) {
		snprintf(slow_connect, sizeof slow_connect, "PROXIMO_SSH_CONNECT_TIMEOUT=%d",
		    10 * atoi(getenv("CK_TIMEOUT_MULTIPLIER")));
		snprintf(slow_handshake, sizeof slow_handshake, "PROXIMO_SSH_HANDSHAKE_TIMEOUT=%d",
		    10 * atoi(getenv("CK_TIMEOUT_MULTIPLIER")));
		env[n++] = slow_connect;
		env[n++] = slow_handshake;
	}
	for (i = 0; over && over[i] && n < 63; i++)
		env[n++] = over[i];
	env[n] = NULL;
	pxmtest_spawn(&proc, argv, env);
	running = 1;
	json_decref(pxmtest_initialize(&proc, NULL));
	for (i = 0; i < m; i++)
		free(own[i]);
}

static void
stop(void)
{
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	running = 0;
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

static const char *
text_of(json_t *r)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0),
	    "text"));
}

static int
is_error(json_t *r)
{
	return json_is_true(json_object_get(r, "isError"));
}

/* A dry run, then its confirmation with the plan_id.  *plan (if asked)
 * gets the dry run's plan. */
static json_t *
confirmed(const char *tool, json_t *args, json_t **plan)
{
	json_t *dry = pxmtest_call(&proc, tool, json_deep_copy(args)), *r;

	ck_assert_msg(status_of(dry) && strcmp(status_of(dry), "plan") == 0, "%s dry run: %s",
	    tool, text_of(dry));
	json_object_set_new(args, "confirm", json_true());
	json_object_set(args, "plan_id", json_object_get(sc(dry), "plan_id"));
	r = pxmtest_call(&proc, tool, args);
	if (plan)
		*plan = json_incref(sc(dry));
	json_decref(dry);
	return r;
}

/* The ledger, parsed; signed checkpoints (the ledger's own business at
 * shutdown) left out. */
static json_t *
entries(void)
{
	char *text = pxmtest_read_file(ledger), *line, *save = NULL;
	json_t *a = json_array(), *e;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	    line = strtok_r(NULL, "\n", &save)) {
		e = json_loads(line, 0, NULL);
		ck_assert_msg(e != NULL, "unparseable ledger line: %s", line);
		if (strcmp(json_string_value(json_object_get(e, "action")), "audit_checkpoint") == 0)
			json_decref(e);
		else
			json_array_append_new(a, e);
	}
	free(text);
	return a;
}

/* "planned,executing,ok" for one action. */
static void
expect_outcomes(const char *action, const char *want)
{
	json_t *a = entries(), *e;
	char buf[2048] = "";
	size_t i;

	json_array_foreach(a, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "action")), action) != 0)
			continue;
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? "," : "",
		    json_string_value(json_object_get(e, "outcome")));
	}
	json_decref(a);
	ck_assert_str_eq(buf, want);
}

/* The last ledger entry of an action with an outcome (borrowed from a
 * new array, returned in *all to free). */
static json_t *
entry(json_t **all, const char *action, const char *outcome)
{
	json_t *e, *hit = NULL;
	size_t i;

	*all = entries();
	json_array_foreach(*all, i, e)
		if (strcmp(json_string_value(json_object_get(e, "action")), action) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "outcome")), outcome) == 0)
			hit = e;
	ck_assert_msg(hit != NULL, "no %s entry with outcome %s", action, outcome);
	return hit;
}

/* What the pct stand-in ran since setup(): an array of argv arrays. */
static json_t *
pct_log(void)
{
	struct sshtest_records r;
	json_t *a = json_array(), *v;
	const char *p;
	size_t i, k;

	ck_assert_int_eq(sshtest_pct_load(&r, &fx), 0);
	for (i = 0; i < r.n; i++) {
		v = json_array();
		for (p = r.rec[i], k = 0; k < r.argc[i]; k++) {
			json_t *s = json_stringn(p, strlen(p));

			ck_assert_msg(s != NULL, "record %zu arg %zu is not UTF-8", i, k);
			json_array_append_new(v, s);
			p += strlen(p) + 1;
		}
		json_array_append_new(a, v);
	}
	sshtest_pct_free(&r);
	return a;
}

static void
expect_nothing_ran(void)
{
	json_t *log = pct_log();

	ck_assert_msg(json_array_size(log) == 0, "something ran: %s",
	    json_dumps(log, JSON_COMPACT));
	json_decref(log);
}

/* The one record since setup() equals ["exec", ctid, "--", argv...]. */
static void
expect_ran(const char *ctid, json_t *argv_new)
{
	json_t *log = pct_log(), *want = json_pack("[s, s, s]", "exec", ctid, "--");

	json_array_extend(want, argv_new);
	json_decref(argv_new);
	ck_assert_msg(json_array_size(log) == 1, "%zu commands ran: %s", json_array_size(log),
	    json_dumps(log, JSON_COMPACT));
	ck_assert_msg(json_equal(json_array_get(log, 0), want), "ran %s, expected %s",
	    json_dumps(json_array_get(log, 0), JSON_COMPACT), json_dumps(want, JSON_COMPACT));
	json_decref(want);
	json_decref(log);
}

static size_t
sshd_count(const char *needle)
{
	return sshtest_count_in_file(sshtest_get(&fx, "SSHD_LOG"), needle);
}

static int
contains_file(const char *path, const char *needle)
{
	char *t = pxmtest_read_file(path);
	int hit = t && strstr(t, needle) != NULL;

	free(t);
	return hit;
}

/* ---------------------------------------------------------------- tests */

START_TEST(tools_listed_with_banner)
{
	json_t *r, *tools, *t, *props;
	const char *names[] = { "ct_exec", "ct_psql", "ct_logs", "ct_diagnose" };
	size_t i, k, found = 0;
	char *err;

	start(NULL);
	r = pxmtest_request(&proc, "tools/list", json_pack("{}"), NULL);
	for (;;) {
		tools = json_object_get(json_object_get(r, "result"), "tools");
		json_array_foreach(tools, i, t) {
			const char *n = json_string_value(json_object_get(t, "name"));
			const char *d = json_string_value(json_object_get(t, "description"));

			for (k = 0; k < 4; k++) {
				if (strcmp(n, names[k]) != 0)
					continue;
				found++;
				ck_assert_msg(strncmp(d, k < 2 ? "MUTATION" : "READ-ONLY",
				    k < 2 ? 8 : 9) == 0, "%s: %s", n, d);
				props = json_object_get(json_object_get(t, "inputSchema"), "properties");
				ck_assert_ptr_nonnull(json_object_get(props, "ctid"));
				/* The core adds confirmation and the undo flag. */
				if (k < 2) {
					ck_assert_ptr_nonnull(json_object_get(props, "confirm"));
					ck_assert_ptr_nonnull(json_object_get(props, "snapshot"));
				}
			}
		}
		if (!json_is_string(json_object_get(json_object_get(r, "result"), "nextCursor")))
			break;
		t = json_pack("{s:O}", "cursor", json_object_get(json_object_get(r, "result"),
		    "nextCursor"));
		json_decref(r);
		r = pxmtest_request(&proc, "tools/list", t, NULL);
	}
	json_decref(r);
	ck_assert_uint_eq(found, 4);
	stop();
	err = pxmtest_stderr(&proc);
	ck_assert_msg(strstr(err, "grants near-root on the node") != NULL, "no banner: %s", err);
	ck_assert_ptr_nonnull(strstr(err, "Containers allowed: 101,102"));
	ck_assert_ptr_null(strstr(err, "allows EVERY container"));
	free(err);

	/* A wildcard is said out loud. */
	{
		const char *over[] = { "PROXIMO_CT_ALLOWLIST=*", NULL };

		start(over);
		stop();
		err = pxmtest_stderr(&proc);
		ck_assert_msg(strstr(err, "PROXIMO_CT_ALLOWLIST=* allows EVERY container") != NULL,
		    "%s", err);
		free(err);
	}
}
END_TEST

START_TEST(exec_disabled_refuses_everything)
{
	const char *over[] = { "PROXIMO_ENABLE_EXEC=", NULL };
	size_t conns = sshd_count("Connection from");
	json_t *r, *plan = NULL;
	const char *note;
	char *err;

	start(over);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s]}", "ctid", "101", "command", "id"), &plan);
	/* The dry run says what confirming will meet. */
	note = json_string_value(json_object_get(plan, "note"));
	ck_assert_msg(strstr(note, "Confirming will be refused (blocked:exec_disabled)") != NULL,
	    "%s", note);
	ck_assert_str_eq(status_of(r), "blocked:exec_disabled");
	ck_assert(is_error(r));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "PROXIMO_ENABLE_EXEC=1"));
	json_decref(r);
	json_decref(plan);
	r = confirmed("ct_psql", json_pack("{s:i, s:s}", "ctid", 101, "sql", "select 1"), NULL);
	ck_assert_str_eq(status_of(r), "blocked:exec_disabled");
	json_decref(r);

	/* The read tools refuse visibly too, naming the setting. */
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s}", "ctid", "101"));
	ck_assert(is_error(r));
	ck_assert_msg(strstr(text_of(r), "PROXIMO_ENABLE_EXEC") != NULL, "%s", text_of(r));
	json_decref(r);
	r = pxmtest_call(&proc, "ct_diagnose", json_pack("{s:s}", "ctid", "101"));
	ck_assert(is_error(r));
	ck_assert_msg(strstr(text_of(r), "PROXIMO_ENABLE_EXEC") != NULL, "%s", text_of(r));
	json_decref(r);
	stop();
	expect_outcomes("ct_exec", "planned,planned,blocked:exec_disabled");
	expect_outcomes("ct_psql", "planned,planned,blocked:exec_disabled");
	expect_nothing_ran();
	/* Not even a connection was made. */
	ck_assert_uint_eq(sshd_count("Connection from"), conns);
	err = pxmtest_stderr(&proc);
	ck_assert_ptr_nonnull(strstr(err, "in-container exec is disabled"));
	free(err);

	/* Something that is not a boolean is no "yes". */
	{
		const char *bad[] = { "PROXIMO_ENABLE_EXEC=maybe", NULL };

		start(bad);
		r = confirmed("ct_exec", json_pack("{s:s, s:[s]}", "ctid", "101", "command", "id"),
		    NULL);
		ck_assert_str_eq(status_of(r), "blocked:exec_disabled");
		ck_assert_msg(strstr(json_string_value(json_object_get(sc(r), "message")),
		    "PROXIMO_ENABLE_EXEC='maybe' is not a boolean") != NULL, "%s", text_of(r));
		json_decref(r);
		stop();
		err = pxmtest_stderr(&proc);
		ck_assert_ptr_nonnull(strstr(err, "in-container exec stays DISABLED"));
		free(err);
	}
	expect_nothing_ran();
}
END_TEST

START_TEST(allowlist_deny_allow_and_wildcard)
{
	const char *only101[] = { "PROXIMO_CT_ALLOWLIST=101", NULL };
	const char *empty[] = { "PROXIMO_CT_ALLOWLIST=", NULL };
	const char *all[] = { "PROXIMO_CT_ALLOWLIST=*", NULL };
	json_t *r;

	start(only101);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s]}", "ctid", "102", "command", "id"), NULL);
	ck_assert_str_eq(status_of(r), "blocked:allowlist");
	ck_assert_msg(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "CTID 102 is not permitted by PROXIMO_CT_ALLOWLIST (fail-closed; it lists 101)") != NULL,
	    "%s", text_of(r));
	json_decref(r);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s}", "ctid", "102"));
	ck_assert(is_error(r));
	ck_assert_msg(strstr(text_of(r), "PROXIMO_CT_ALLOWLIST") != NULL, "%s", text_of(r));
	json_decref(r);
	expect_nothing_ran();
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "101", "command", "echo",
	    "allowed"), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sc(r), "result"),
	    "stdout")), "allowed\n");
	json_decref(r);
	expect_ran("101", json_pack("[s, s]", "echo", "allowed"));
	stop();
	expect_outcomes("ct_exec", "planned,planned,blocked:allowlist,planned,planned,executing,ok");

	/* An empty list denies every container. */
	pct_reset();
	start(empty);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s]}", "ctid", "101", "command", "id"), NULL);
	ck_assert_str_eq(status_of(r), "blocked:allowlist");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "it lists nothing"));
	json_decref(r);
	stop();
	expect_nothing_ran();

	/* "*" allows any. */
	pct_reset();
	start(all);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "102", "command", "echo",
	    "any"), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	stop();
	expect_ran("102", json_pack("[s, s]", "echo", "any"));
}
END_TEST

START_TEST(allowlist_is_checked_before_the_snapshot)
{
	const char *only101[] = { "PROXIMO_CT_ALLOWLIST=101", NULL };
	json_t *r, *log, *req, *state;
	size_t i, reads = 0;

	ck_assert_int_eq(pxm_sim_requests_clear(sim), 0);
	start(only101);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s], s:b}", "ctid", "102", "command", "id",
	    "snapshot", 1), NULL);
	ck_assert_str_eq(status_of(r), "blocked:allowlist");
	json_decref(r);
	stop();
	expect_outcomes("ct_exec", "planned,planned,blocked:allowlist");
	expect_nothing_ran();
	/* No orphan snapshot: the simulator saw no snapshot request at all. */
	ck_assert_int_eq(pxm_sim_requests(&log, sim), 0);
	json_array_foreach(json_object_get(log, "requests"), i, req) {
		ck_assert_msg(strstr(json_string_value(json_object_get(req, "path")), "snapshot") ==
		    NULL, "a snapshot was requested: %s", json_dumps(req, JSON_COMPACT));
		reads += strstr(json_string_value(json_object_get(req, "path")),
		    "/cluster/resources") != NULL;
	}
	/* The log does record this call's traffic: the plan's read. */
	ck_assert_uint_ge(reads, 1);
	json_decref(log);
	ck_assert_int_eq(pxm_sim_state(&state, sim), 0);
	ck_assert_uint_eq(json_object_size(json_object_get(json_object_get(json_object_get(
	    json_object_get(state, "pve"), "guests"), "102"), "snapshots")), 0);
	json_decref(state);
}
END_TEST

START_TEST(malformed_ctid_is_refused_before_any_entry)
{
	const char *bad_str[] = { "10", "abc", "0101", "1000000000", "101 ", "-101", "１０１" };
	json_t *r, *e;
	size_t i;

	start(NULL);
	for (i = 0; i < sizeof bad_str / sizeof bad_str[0]; i++) {
		r = pxmtest_call(&proc, "ct_exec", json_pack("{s:s, s:[s], s:b}", "ctid", bad_str[i],
		    "command", "id", "confirm", 1));
		ck_assert(is_error(r));
		ck_assert_msg(strstr(text_of(r), "invalid arguments for ct_exec") != NULL, "%s",
		    text_of(r));
		json_decref(r);
	}
	r = pxmtest_call(&proc, "ct_exec", json_pack("{s:i, s:[s]}", "ctid", 99, "command", "id"));
	ck_assert(is_error(r));
	json_decref(r);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s}", "ctid", "1x1"));
	ck_assert(is_error(r));
	json_decref(r);
	stop();
	e = entries();
	ck_assert_uint_eq(json_array_size(e), 0);
	json_decref(e);
	expect_nothing_ran();
}
END_TEST

/* libssh2 is opened by the first command, not at start: a server that
 * never runs one never maps it.  (PVE is left unconfigured: Debian's
 * libcurl, which a configured PVE opens, depends on libssh2.) */
START_TEST(libssh2_opened_by_the_first_command)
{
	const char *over[] = { "PROXIMO_API_BASE_URL=", NULL };
	json_t *r;

	start(over);
	r = pxmtest_call(&proc, "proximo_status", json_object());
	ck_assert(!is_error(r));
	json_decref(r);
	ck_assert_msg(!pxmtest_maps_hold(proc.pid, "libssh2.so"), "libssh2 is mapped before any command");
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s}", "ctid", "101"));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	json_decref(r);
	ck_assert_msg(pxmtest_maps_hold(proc.pid, "libssh2.so"), "libssh2 is not mapped after a command");
	stop();
}
END_TEST

/* A libssh2 that cannot be opened is named, with the package to install;
 * nothing connects, nothing runs, the server stays up.  (PVE is left
 * unconfigured here: Debian's libcurl needs libssh2.so.1 too.) */
START_TEST(unloadable_libssh2_named)
{
	char libdir[700], lib[760], *e_ld;
	const char *over[] = { NULL, "PROXIMO_API_BASE_URL=", NULL };
	size_t conns = sshd_count("Connection from");
	json_t *r;

	snprintf(libdir, sizeof libdir, "%s/badlib", dir);
	ck_assert_int_eq(mkdir(libdir, 0700), 0);
	snprintf(lib, sizeof lib, "%s/libssh2.so.1", libdir);
	pxmtest_write_file(lib, "not a shared object\n", 0600);
	over[0] = e_ld = kv("LD_LIBRARY_PATH", libdir);
	start(over);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s}", "ctid", "101"));
	ck_assert(is_error(r));
	ck_assert_msg(strstr(text_of(r), "libssh2.so.1 could not be loaded") != NULL, "%s",
	    text_of(r));
	ck_assert_msg(strstr(text_of(r), "apt-get install libssh2-1") != NULL, "%s", text_of(r));
	json_decref(r);
	r = pxmtest_call(&proc, "proximo_status", json_object());
	ck_assert(!is_error(r));
	json_decref(r);
	stop();
	free(e_ld);
	expect_nothing_ran();
	ck_assert_uint_eq(sshd_count("Connection from"), conns);
}
END_TEST

START_TEST(exact_argv_and_result_shape)
{
	json_t *r, *res, *plan = NULL;
	json_t *argv = json_pack("[s, s, s, s, s]", "printf", "[%s]\\n", "it's a \"test\"",
	    "$(id) `id` ; | & > /tmp/x", "-- --leading\nnew line é€🐍");

	start(NULL);
	r = confirmed("ct_exec", json_pack("{s:s, s:O}", "ctid", "101", "command", argv), &plan);
	ck_assert_msg(strcmp(status_of(r), "ok") == 0, "%s", text_of(r));
	/* The operator sees the command as shell words... */
	ck_assert_str_eq(json_string_value(json_object_get(plan, "operator_cleartext")),
	    "printf '[%s]\\n' 'it'\"'\"'s a \"test\"' '$(id) `id` ; | & > /tmp/x' "
	    "'-- --leading\nnew line é€🐍'");
	ck_assert_str_eq(json_string_value(json_object_get(plan, "target")), "101");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(plan,
	    "effects"), 0), "path")), "/lxc/101/exec");
	/* ...and exactly those words reached the program. */
	res = json_object_get(sc(r), "result");
	ck_assert_str_eq(json_string_value(json_object_get(res, "stdout")),
	    "[it's a \"test\"]\n[$(id) `id` ; | & > /tmp/x]\n[-- --leading\nnew line é€🐍]\n");
	ck_assert_int_eq(json_integer_value(json_object_get(res, "returncode")), 0);
	ck_assert(json_is_null(json_object_get(res, "exit_signal")));
	ck_assert(json_is_false(json_object_get(res, "timed_out")));
	ck_assert(json_is_false(json_object_get(res, "stdout_truncated")));
	ck_assert_str_eq(json_string_value(json_object_get(res, "ctid")), "101");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(res, "note")),
	    "untrusted"));
	json_decref(r);
	json_decref(plan);
	expect_ran("101", argv);

	/* A failing command is still "ok" for the ledger (it ran), with
	 * its status and stderr apart. */
	pct_reset();
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s, s]}", "ctid", "101", "command", "sh",
	    "-c", "echo out; echo err >&2; exit 3"), NULL);
	res = json_object_get(sc(r), "result");
	ck_assert_str_eq(status_of(r), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(res, "returncode")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(res, "stdout")), "out\n");
	ck_assert_str_eq(json_string_value(json_object_get(res, "stderr")), "err\n");
	json_decref(r);

	/* Invalid UTF-8 from the guest comes back escaped. */
	pct_reset();
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "101", "command", "printf",
	    "a\\377b\\0c"), NULL);
	res = json_object_get(sc(r), "result");
	ck_assert_str_eq(json_string_value(json_object_get(res, "stdout")), "a\\xffb\\x00c");
	json_decref(r);
	stop();
}
END_TEST

/* A random argv word for the property test. */
static uint64_t rng;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static json_t *
random_argv(void)
{
	static const char *const atoms[] = {
		"a", "Z", "9", "_", "-", "--", "-n", "-e", "'", "''", "\"", "\\", "\\'", "$", "$HOME",
		"${x}", "`", "$(id)", " ", "  ", "\n", "\r\n", "\t", ";", "&", "&&", "|", "||", "*",
		"?", "[a]", "~", "!", "#", "(", ")", "{", "}", "<", ">", ">>", "2>&1", "=", "%",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x90\x8d", "\xe2\x80\xae", "\x7f", "\x01", "\x1b[0m",
	};
	json_t *a = json_array();
	size_t n = 1 + rnd() % 8, i, k, len;
	char w[4096];

	json_array_append_new(a, json_string("true"));
	for (i = 0; i < n; i++) {
		if (rnd() % 50 == 0) {
			/* A long element. */
			len = 1000 + rnd() % 2500;
			for (k = 0; k < len; k++)
				w[k] = "ab' \"$\n-"[rnd() % 8];
			w[len] = '\0';
		} else {
			size_t parts = rnd() % 6;

			w[0] = '\0';
			for (k = 0; k < parts; k++) {
				const char *x = atoms[rnd() % (sizeof atoms / sizeof atoms[0])];

				if (strlen(w) + strlen(x) < sizeof w)
					strcat(w, x);
			}
		}
		json_array_append_new(a, json_string(w));
	}
	return a;
}

START_TEST(argv_fidelity_through_proximo)
{
	const char *over[] = { "PROXIMO_CONFIRM=oneshot", NULL };
	const char *seed = getenv("PXM_SEED");
	json_t *r, *log, *argv, *want;
	/* 100 through the whole stack (JSON-RPC, schema, plan, ledger, ssh);
	 * the transport's own test sends 200 more, the encoder's 100,000. */
	size_t i, n = 100;

	rng = seed ? strtoull(seed, NULL, 10) | 1 : 0x2545f4914f6cdd1dull;
	fprintf(stderr, "# argv fidelity: %zu vectors, seed %llu\n", n, (unsigned long long)rng);
	start(over);
	for (i = 0; i < n; i++) {
		argv = random_argv();
		if (i % 25 == 0)
			fprintf(stderr, "# vector %zu\n", i);
		r = pxmtest_call(&proc, "ct_exec", json_pack("{s:s, s:O, s:b}", "ctid", "101",
		    "command", argv, "confirm", 1));
		ck_assert_msg(status_of(r) && strcmp(status_of(r), "ok") == 0, "vector %zu: %s", i,
		    text_of(r));
		json_decref(r);
		log = pct_log();
		want = json_pack("[s, s, s]", "exec", "101", "--");
		json_array_extend(want, argv);
		ck_assert_msg(json_equal(json_array_get(log, (size_t)json_array_size(log) - 1), want),
		    "vector %zu arrived as %s, sent %s", i,
		    json_dumps(json_array_get(log, json_array_size(log) - 1), JSON_COMPACT),
		    json_dumps(want, JSON_COMPACT));
		ck_assert_uint_eq(json_array_size(log), i + 1);
		json_decref(want);
		json_decref(log);
		json_decref(argv);
	}
	stop();
}
END_TEST

/* A refused connection: an error naming the reason, nothing ran, and the
 * sshd saw no authentication attempt. */
static void
expect_refused_before_auth(const char *known_hosts_key, const char *reason, const char *fp,
    const char *hint)
{
	char *kh = kv("PROXIMO_SSH_KNOWN_HOSTS", sshtest_get(&fx, known_hosts_key));
	const char *over[] = { kh, NULL };
	size_t conns = sshd_count("Connection from"), auths = sshd_count("userauth-request");
	json_t *r, *all, *e;
	const char *msg;

	start(over);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s]}", "ctid", "101", "command", "id"), NULL);
	ck_assert_str_eq(status_of(r), "error");
	msg = json_string_value(json_object_get(sc(r), "message"));
	ck_assert_msg(strstr(msg, fp) != NULL, "no fingerprint in: %s", msg);
	ck_assert_msg(strstr(msg, hint) != NULL, "no '%s' in: %s", hint, msg);
	json_decref(r);
	/* The read tools meet the same refusal. */
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s}", "ctid", "101"));
	ck_assert(is_error(r));
	ck_assert_msg(strstr(text_of(r), fp) != NULL, "%s", text_of(r));
	json_decref(r);
	stop();
	e = entry(&all, "ct_exec", "error");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "detail"), "error")),
	    reason);
	json_decref(all);
	expect_nothing_ran();
	ck_assert_uint_ge(sshtest_wait_count(sshtest_get(&fx, "SSHD_LOG"), "Connection from",
	    conns + 1, 5000), conns + 1);
	ck_assert_uint_eq(sshd_count("userauth-request"), auths);
	free(kh);
}

START_TEST(unknown_host_key_refused_before_auth)
{
	expect_refused_before_auth("KNOWN_HOSTS_UNKNOWN", "ssh_hostkey_unknown",
	    sshtest_get(&fx, "HOST_FP"), "ssh-keyscan");
}
END_TEST

START_TEST(changed_host_key_refused_before_auth)
{
	expect_refused_before_auth("KNOWN_HOSTS_CHANGED", "ssh_hostkey_changed",
	    sshtest_get(&fx, "HOST_FP"), "ssh-keygen -R");
}
END_TEST

START_TEST(wrong_user_key_refused)
{
	char *key = kv("PROXIMO_SSH_KEY_PATH", sshtest_get(&fx, "WRONG_KEY"));
	const char *over[] = { key, NULL };
	json_t *r, *all, *e;

	start(over);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s]}", "ctid", "101", "command", "id"), NULL);
	ck_assert_str_eq(status_of(r), "error");
	json_decref(r);
	stop();
	e = entry(&all, "ct_exec", "error");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "detail"), "error")),
	    "ssh_auth");
	json_decref(all);
	expect_nothing_ran();
	free(key);
}
END_TEST

static pid_t
read_pid(const char *file)
{
	char path[700], *t;
	pid_t pid;

	snprintf(path, sizeof path, "%s/101/%s", sshtest_get(&fx, "CT_ROOT"), file);
	if ((t = pxmtest_read_file(path)) == NULL)
		return -1;
	pid = (pid_t)strtol(t, NULL, 10);
	free(t);
	return pid;
}

static int
gone(pid_t pid)
{
	uint64_t end = sshtest_now_ms() + 10000;

	while (sshtest_pid_alive(pid) && sshtest_now_ms() < end)
		usleep(20000);
	return !sshtest_pid_alive(pid);
}

START_TEST(never_ending_command_is_killed)
{
	json_t *r, *all, *e, *plan = NULL;
	pid_t main_pid, child_pid;

	start(NULL);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s, s], s:i}", "ctid", "101", "command",
	    "sh", "-c", "echo $$ > main.pid; sleep 1000 & echo $! > child.pid; wait", "timeout", 2),
	    &plan);
	/* The human confirming was told the deadline. */
	ck_assert_msg(strstr(json_string_value(json_object_get(plan, "note")), "If still running "
	    "after 2 s, it is killed on the node") != NULL, "%s",
	    json_string_value(json_object_get(plan, "note")));
	json_decref(plan);
	ck_assert_str_eq(status_of(r), "error:timeout");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "its effects are unknown"));
	json_decref(r);
	/* The command and what it started are gone. */
	main_pid = read_pid("main.pid");
	child_pid = read_pid("child.pid");
	ck_assert_int_gt(main_pid, 0);
	ck_assert_int_gt(child_pid, 0);
	ck_assert_msg(gone(main_pid), "the command (pid %d) survived its deadline", (int)main_pid);
	ck_assert_msg(gone(child_pid), "its child (pid %d) survived", (int)child_pid);
	/* The connection is still good for the next command. */
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "101", "command", "echo",
	    "after"), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	stop();
	expect_outcomes("ct_exec", "planned,planned,executing,error:timeout,planned,planned,"
	    "executing,ok");
	e = entry(&all, "ct_exec", "error:timeout");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "detail"), "error")),
	    "timeout_command");
	json_decref(all);
}
END_TEST

START_TEST(output_is_capped_and_marked)
{
	const char *over[] = { "PROXIMO_SSH_MAX_OUTPUT=4096", NULL };
	json_t *r, *res;

	start(over);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s, s]}", "ctid", "101", "command", "sh",
	    "-c", "head -c 100000 /dev/zero | tr '\\000' a; echo small >&2"), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	res = json_object_get(sc(r), "result");
	ck_assert_uint_eq(json_string_length(json_object_get(res, "stdout")), 4096);
	ck_assert(json_is_true(json_object_get(res, "stdout_truncated")));
	ck_assert_str_eq(json_string_value(json_object_get(res, "stderr")), "small\n");
	ck_assert(json_is_false(json_object_get(res, "stderr_truncated")));
	ck_assert_int_eq(json_integer_value(json_object_get(res, "returncode")), 0);
	json_decref(r);
	stop();
}
END_TEST

static void
expect_sql_risk(const char *sql, const char *risk, const char *reason)
{
	json_t *r = pxmtest_call(&proc, "ct_psql", json_pack("{s:s, s:s}", "ctid", "101", "sql",
	    sql)), *v;
	size_t i;
	int hit = 0;

	ck_assert_str_eq(status_of(r), "plan");
	ck_assert_msg(strcmp(json_string_value(json_object_get(sc(r), "risk")), risk) == 0,
	    "%s: risk %s, want %s", sql, json_string_value(json_object_get(sc(r), "risk")), risk);
	json_array_foreach(json_object_get(sc(r), "risk_reasons"), i, v)
		hit |= strcmp(json_string_value(v), reason) == 0;
	ck_assert_msg(hit, "%s: no reason '%s'", sql, reason);
	json_decref(r);
}

START_TEST(psql_plans_classify_and_run)
{
	json_t *r, *plan = NULL;
	const char *sql = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'";

	start(NULL);
	expect_sql_risk("SELECT 1", "low", "read (SELECT)");
	expect_sql_risk("update accounts set balance = 0", "medium", "write/DML (UPDATE)");
	expect_sql_risk("DROP TABLE accounts", "high", "schema/DDL (DROP)");
	expect_sql_risk("select 1; truncate t", "high", "multiple statements");
	expect_sql_risk("SELECT pg_terminate_backend(42)", "high", "dangerous system function");
	expect_sql_risk("COPY t TO PROGRAM 'id'", "high", "COPY ... PROGRAM (command execution)");
	expect_sql_risk("WITH d AS (DELETE FROM t RETURNING 1) SELECT 1", "medium",
	    "contains DML keyword (DELETE)");
	expect_sql_risk("/* DROP */ SELECT 1", "low", "read (SELECT)");
	/* The db is a plain name, never a connection string. */
	r = pxmtest_call(&proc, "ct_psql", json_pack("{s:s, s:s, s:s}", "ctid", "101", "sql",
	    "select 1", "db", "host=evil.example dbname=x"));
	ck_assert(is_error(r));
	json_decref(r);

	r = confirmed("ct_psql", json_pack("{s:s, s:s, s:s}", "ctid", "101", "sql", sql, "db",
	    "app"), &plan);
	ck_assert_msg(strcmp(status_of(r), "ok") == 0, "%s", text_of(r));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sc(r), "result"), "db")),
	    "app");
	ck_assert(json_is_integer(json_object_get(json_object_get(sc(r), "result"), "returncode")));
	ck_assert_str_eq(json_string_value(json_object_get(plan, "operator_cleartext")), sql);
	ck_assert_str_eq(json_string_value(json_object_get(plan, "risk")), "low");
	json_decref(r);
	json_decref(plan);
	stop();
	/* One argv word for the SQL: no shell, no quoting to break. */
	expect_ran("101", json_pack("[s, s, s, s, s, s, s, s, s, s, s, s]", "runuser", "-u",
	    "postgres", "--", "psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", "app", "-c", sql));
}
END_TEST

START_TEST(command_plans_carry_the_classifier_risk)
{
	static const char *const cases[][4] = {
		{ "ls", "-l", "low", "looks read-only" },
		{ "systemctl", "restart", "medium", "may modify state (systemctl action)" },
		{ "rm", "-rf", "high", "matches destructive pattern: rm -rf" },
		{ "systemctl", "mask", "high", "systemctl mask (disables or kills a service)" },
	};
	json_t *r;
	size_t i;

	start(NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = pxmtest_call(&proc, "ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "101",
		    "command", cases[i][0], cases[i][1]));
		ck_assert_str_eq(json_string_value(json_object_get(sc(r), "risk")), cases[i][2]);
		ck_assert_str_eq(json_string_value(json_array_get(json_object_get(sc(r),
		    "risk_reasons"), 0)), cases[i][3]);
		json_decref(r);
	}
	stop();
	expect_nothing_ran();
}
END_TEST

START_TEST(snapshot_first_then_run)
{
	json_t *r, *undo, *state, *snaps, *all, *e;
	const char *point;

	start(NULL);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s], s:b}", "ctid", "101", "command",
	    "touch", "after-snapshot", "snapshot", 1), NULL);
	ck_assert_msg(strcmp(status_of(r), "ok") == 0, "%s", text_of(r));
	undo = json_object_get(sc(r), "undo_point");
	point = json_string_value(json_object_get(undo, "point"));
	ck_assert_ptr_nonnull(point);
	ck_assert_int_eq(strncmp(point, "proximo_undo_", 13), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(undo, "revert")),
	    "vmid=101"));
	/* The restore point exists in "Proxmox"... */
	ck_assert_int_eq(pxm_sim_state(&state, sim), 0);
	snaps = json_object_get(json_object_get(json_object_get(json_object_get(state, "pve"),
	    "guests"), "101"), "snapshots");
	ck_assert_msg(json_object_get(snaps, point) != NULL, "no snapshot %s in %s", point,
	    json_dumps(snaps, JSON_COMPACT));
	json_decref(state);
	json_decref(r);
	stop();
	/* ...was recorded before the intent, and only then did the command run. */
	expect_outcomes("ct_exec", "planned,planned,undo_point,executing,ok");
	e = entry(&all, "ct_exec", "undo_point");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(e, "detail"), "point"));
	json_decref(all);
	expect_ran("101", json_pack("[s, s]", "touch", "after-snapshot"));
}
END_TEST

START_TEST(snapshot_failure_refuses_to_run)
{
	json_t *r;

	/* CT 102's disk is a raw image on directory storage: no snapshots. */
	start(NULL);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s], s:b}", "ctid", "102", "command",
	    "touch", "never", "snapshot", 1), NULL);
	ck_assert_str_eq(status_of(r), "blocked:undo_unavailable");
	ck_assert_msg(strstr(json_string_value(json_object_get(sc(r), "message")),
	    "NOT run (fail-closed)") != NULL, "%s", text_of(r));
	json_decref(r);
	r = confirmed("ct_psql", json_pack("{s:s, s:s, s:b}", "ctid", "102", "sql",
	    "delete from t", "snapshot", 1), NULL);
	ck_assert_str_eq(status_of(r), "blocked:undo_unavailable");
	json_decref(r);
	stop();
	expect_outcomes("ct_exec", "planned,planned,blocked:undo_unavailable");
	expect_outcomes("ct_psql", "planned,planned,blocked:undo_unavailable");
	expect_nothing_ran();
}
END_TEST

START_TEST(ledger_redaction_on)
{
	const char *argv[] = { "mysql", "--password=pxm-argv-canary-7f3a9c", "-e", "select 1" };
	json_t *r, *fp, *all, *e, *d, *a;
	char want_change[200], *err;
	size_t i;

	start(NULL);
	a = json_array();
	for (i = 0; i < 4; i++)
		json_array_append_new(a, json_string(argv[i]));
	r = confirmed("ct_exec", json_pack("{s:s, s:o}", "ctid", "101", "command", a), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	r = confirmed("ct_psql", json_pack("{s:s, s:s}", "ctid", "101", "sql",
	    "ALTER ROLE app PASSWORD 'pxm-sql-canary-51bd'"), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	stop();

	/* The fingerprint is the ledger's format, as the core computes it. */
	fp = pxm_ledger_fingerprint_command(argv, 4);
	snprintf(want_change, sizeof want_change, "run in 101: [redacted mysql, %lld chars, "
	    "sha256:%.12s]", (long long)json_integer_value(json_object_get(fp, "cmd_len")),
	    json_string_value(json_object_get(fp, "cmd_sha256")));
	e = entry(&all, "ct_exec", "planned");
	d = json_object_get(e, "detail");
	ck_assert_str_eq(json_string_value(json_object_get(d, "change")), want_change);
	ck_assert_msg(json_equal(json_object_get(json_object_get(d, "current"), "command"), fp),
	    "current.command is %s", json_dumps(json_object_get(d, "current"), JSON_COMPACT));
	json_decref(fp);
	json_decref(all);
	e = entry(&all, "ct_psql", "planned");
	d = json_object_get(json_object_get(json_object_get(e, "detail"), "current"), "sql");
	ck_assert_str_eq(json_string_value(json_object_get(d, "sql_kind")), "ALTER");
	ck_assert_str_eq(json_string_value(json_object_get(d, "db")), "postgres");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "sql_len")), 45);
	json_decref(all);
	/* Nothing of the arguments anywhere in the ledger or the logs. */
	ck_assert(!contains_file(ledger, "pxm-argv-canary"));
	ck_assert(!contains_file(ledger, "pxm-sql-canary"));
	err = pxmtest_stderr(&proc);
	ck_assert_ptr_null(strstr(err, "canary"));
	free(err);
}
END_TEST

START_TEST(ledger_redaction_off)
{
	const char *over[] = { "PROXIMO_LEDGER_REDACT=off", NULL };
	json_t *r, *all, *e, *d;
	char *err;

	start(over);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "101", "command", "echo",
	    "in the clear"), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	json_decref(r);
	r = confirmed("ct_psql", json_pack("{s:s, s:s}", "ctid", "101", "sql", "select 42"), NULL);
	json_decref(r);
	stop();
	e = entry(&all, "ct_exec", "planned");
	d = json_object_get(e, "detail");
	ck_assert_str_eq(json_string_value(json_object_get(d, "change")),
	    "run in 101: echo 'in the clear'");
	r = json_pack("[s, s]", "echo", "in the clear");
	ck_assert(json_equal(json_object_get(json_object_get(d, "current"), "command"), r));
	json_decref(r);
	json_decref(all);
	e = entry(&all, "ct_psql", "planned");
	d = json_object_get(json_object_get(json_object_get(e, "detail"), "current"), "sql");
	ck_assert_str_eq(json_string_value(json_object_get(d, "sql")), "select 42");
	json_decref(all);
	err = pxmtest_stderr(&proc);
	ck_assert_ptr_nonnull(strstr(err, "PROXIMO_LEDGER_REDACT is off"));
	free(err);
}
END_TEST

/* 1 when text holds the secret, its hex or base64 form, or any 8 bytes
 * of it in a row (G10). */
static int
leaks(const char *text, const char *secret)
{
	char hex[512], b64[512], win[9];
	size_t n = strlen(secret), i;

	if (text == NULL)
		return 0;
	for (i = 0; i < n && 2 * i + 2 < sizeof hex; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)secret[i]);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)secret, (int)n);
	if (strstr(text, hex) || strstr(text, b64))
		return 1;
	for (i = 0; i + 8 <= n; i++) {
		memcpy(win, secret + i, 8);
		win[8] = '\0';
		if (strstr(text, win))
			return 1;
	}
	return 0;
}

START_TEST(secrets_canary)
{
	char *key = kv("PROXIMO_SSH_KEY_PATH", sshtest_get(&fx, "USER_KEY_ENC"));
	char *pass = kv("PROXIMO_SSH_KEY_PASSPHRASE_PATH", sshtest_get(&fx, "PASSPHRASE_FILE"));
	const char *over[] = { key, pass, "PROXIMO_LOG_LEVEL=debug", NULL };
	const char *secret = sshtest_get(&fx, "PASSPHRASE");
	const char *argcanary = "pxm-argv-canary-2d8e41f07b";
	json_t *r;
	char *text, *err, *led;

	start(over);
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "101", "command", "echo",
	    argcanary), NULL);
	ck_assert_str_eq(status_of(r), "ok");
	text = json_dumps(r, JSON_COMPACT);
	ck_assert(!leaks(text, secret));
	free(text);
	json_decref(r);
	/* Error paths too: a refused CT, a planning error, a read. */
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s]}", "ctid", "103", "command", "echo",
	    argcanary), NULL);
	text = json_dumps(r, JSON_COMPACT);
	ck_assert(!leaks(text, secret));
	free(text);
	json_decref(r);
	r = pxmtest_call(&proc, "ct_diagnose", json_pack("{s:s, s:[s]}", "ctid", "101", "probes",
	    "memory"));
	text = json_dumps(r, JSON_COMPACT);
	ck_assert(!leaks(text, secret));
	free(text);
	json_decref(r);
	stop();
	err = pxmtest_stderr(&proc);
	ck_assert(!leaks(err, secret));
	/* The command's arguments stay out of the logs and the ledger. */
	ck_assert(!leaks(err, argcanary + 4));
	free(err);
	led = pxmtest_read_file(ledger);
	ck_assert_ptr_nonnull(led);
	ck_assert(!leaks(led, secret));
	ck_assert(!leaks(led, argcanary + 4));
	free(led);
	free(key);
	free(pass);
}
END_TEST

START_TEST(logs_journal_and_file)
{
	char logdir[700], logfile[800], *dirs;
	const char *over[3];
	json_t *r, *res;

	snprintf(logdir, sizeof logdir, "%s/logs", dir);
	ck_assert_int_eq(mkdir(logdir, 0755), 0);
	snprintf(logfile, sizeof logfile, "%s/app.log", logdir);
	pxmtest_write_file(logfile, "one\ntwo\nthree\nfour\n", 0644);
	dirs = kv("PROXIMO_CT_LOG_DIRS", logdir);
	over[0] = dirs;
	over[1] = NULL;
	start(over);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:s, s:i}", "ctid", "101", "unit",
	    "nginx.service", "lines", 20));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	ck_assert_str_eq(json_string_value(json_object_get(sc(r), "source")), "unit");
	json_decref(r);
	expect_ran("101", json_pack("[s, s, s, s, s, s]", "journalctl", "-u", "nginx.service",
	    "-n", "20", "--no-pager"));

	pct_reset();
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:s, s:i}", "ctid", "101", "file",
	    logfile, "lines", 2));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	res = sc(r);
	ck_assert_str_eq(json_string_value(json_object_get(res, "stdout")), "three\nfour\n");
	ck_assert_int_eq(json_integer_value(json_object_get(res, "returncode")), 0);
	json_decref(r);
	expect_ran("101", json_pack("[s, s, s, s, s]", "tail", "-n", "2", "--", logfile));

	/* Refused without running anything: a file elsewhere, a path with
	 * "..", a unit that looks like an option, both, too many lines. */
	pct_reset();
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:s}", "ctid", "101", "file",
	    "/etc/shadow"));
	ck_assert(is_error(r));
	ck_assert_msg(strstr(text_of(r), "PROXIMO_CT_LOG_DIRS") != NULL, "%s", text_of(r));
	json_decref(r);
	snprintf(logfile, sizeof logfile, "%s/../../etc/shadow", logdir);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:s}", "ctid", "101", "file", logfile));
	ck_assert(is_error(r));
	json_decref(r);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:s}", "ctid", "101", "unit",
	    "--since=x"));
	ck_assert(is_error(r));
	json_decref(r);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:s, s:s}", "ctid", "101", "unit", "a",
	    "file", "/var/log/x"));
	ck_assert(is_error(r));
	json_decref(r);
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:i}", "ctid", "101", "lines", 10001));
	ck_assert(is_error(r));
	json_decref(r);
	stop();
	expect_nothing_ran();
	free(dirs);
}
END_TEST

START_TEST(diagnose_runs_probes_by_key)
{
	json_t *r, *rep, *probes, *log;

	start(NULL);
	r = pxmtest_call(&proc, "ct_diagnose", json_pack("{s:s, s:[s, s]}", "ctid", "101",
	    "probes", "disk", "memory"));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	rep = sc(r);
	ck_assert_str_eq(json_string_value(json_object_get(rep, "ctid")), "101");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "guest"),
	    "status")), "running");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "guest"),
	    "name")), "db1");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "guest"),
	    "node")), "pve1");
	probes = json_object_get(rep, "probes");
	ck_assert_uint_eq(json_object_size(probes), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(probes, "disk"),
	    "returncode")), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(probes,
	    "disk"), "output")), "Filesystem"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(probes,
	    "memory"), "output")), "Mem:"));
	ck_assert(json_is_array(json_object_get(rep, "flags")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep, "note")),
	    "NOT a root-cause diagnosis"));
	json_decref(r);
	log = pct_log();
	ck_assert_uint_eq(json_array_size(log), 2);
	r = json_pack("[[s, s, s, s, s], [s, s, s, s, s]]", "exec", "101", "--", "df", "-h",
	    "exec", "101", "--", "free", "-m");
	ck_assert_msg(json_equal(log, r), "ran %s", json_dumps(log, JSON_COMPACT));
	json_decref(r);
	json_decref(log);

	/* Probes are keys, never commands. */
	r = pxmtest_call(&proc, "ct_diagnose", json_pack("{s:s, s:[s]}", "ctid", "101", "probes",
	    "rm -rf /"));
	ck_assert(is_error(r));
	ck_assert_ptr_nonnull(strstr(text_of(r), "must be one of"));
	json_decref(r);
	stop();
}
END_TEST

START_TEST(agent_diagnoses_a_container_end_to_end)
{
	size_t conns = sshd_count("Connection from");
	json_t *r, *log, *rep;

	start(NULL);
	/* 1. What is wrong?  The whole battery. */
	r = pxmtest_call(&proc, "ct_diagnose", json_pack("{s:s}", "ctid", "101"));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	rep = sc(r);
	ck_assert_uint_eq(json_object_size(json_object_get(rep, "probes")), 5);
	json_decref(r);
	/* 2. The recent errors of one unit. */
	r = pxmtest_call(&proc, "ct_logs", json_pack("{s:s, s:s, s:i}", "ctid", "101", "unit",
	    "postgresql.service", "lines", 30));
	ck_assert(!is_error(r));
	json_decref(r);
	/* 3. A fix, planned, confirmed, behind a restore point. */
	r = confirmed("ct_exec", json_pack("{s:s, s:[s, s, s], s:b}", "ctid", "101", "command",
	    "sh", "-c", "echo restarted > service.state", "snapshot", 1), NULL);
	ck_assert_msg(strcmp(status_of(r), "ok") == 0, "%s", text_of(r));
	ck_assert_ptr_nonnull(json_object_get(sc(r), "undo_point"));
	json_decref(r);
	/* 4. The ledger verifies. */
	r = pxmtest_call(&proc, "audit_verify", json_object());
	ck_assert_msg(json_is_true(json_object_get(sc(r), "ok")), "%s", text_of(r));
	json_decref(r);
	stop();
	log = pct_log();
	/* Five probes, one journal read, one command: in that order. */
	ck_assert_uint_eq(json_array_size(log), 7);
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(log, 0), 3)), "systemctl");
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(log, 5), 3)),
	    "journalctl");
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(log, 6), 5)),
	    "echo restarted > service.state");
	json_decref(log);
	/* All seven over one connection. */
	ck_assert_uint_eq(sshd_count("Connection from"), conns + 1);
	expect_outcomes("ct_exec", "planned,planned,undo_point,executing,ok");
	{
		char path[700], *t;

		snprintf(path, sizeof path, "%s/101/service.state", sshtest_get(&fx, "CT_ROOT"));
		t = pxmtest_read_file(path);
		ck_assert_ptr_nonnull(t);
		ck_assert_str_eq(t, "restarted\n");
		free(t);
	}
}
END_TEST

/* pve_diagnose (the pve plugin) merges the exec plugin's battery for a
 * running container, through the host; exec's own gates still decide. */
START_TEST(pve_diagnose_merges_the_battery)
{
	const char *over[] = { "PROXIMO_CT_ALLOWLIST=102", NULL };
	const char *off[] = { "PROXIMO_ENABLE_EXEC=", NULL };
	json_t *r, *rep, *log;
	const char *why;

	start(NULL);
	r = pxmtest_call(&proc, "pve_diagnose", json_pack("{s:i}", "vmid", 101));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	rep = sc(r);
	ck_assert_str_eq(json_string_value(json_object_get(rep, "kind")), "lxc");
	ck_assert_uint_eq(json_object_size(json_object_get(rep, "probes")), 5);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(
	    json_object_get(rep, "probes"), "memory"), "output")), "Mem:"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "probes_run"),
	    "container battery")), "ok");
	ck_assert_ptr_null(json_object_get(rep, "probes_skipped"));
	ck_assert(json_is_array(json_object_get(rep, "untrusted")));
	json_decref(r);
	/* A VM has no battery here: said, and the report is incomplete. */
	r = pxmtest_call(&proc, "pve_diagnose", json_pack("{s:i}", "vmid", 100));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	why = json_string_value(json_object_get(sc(r), "probes_skipped"));
	ck_assert_msg(why && strstr(why, "qga"), "%s", text_of(r));
	ck_assert(json_is_false(json_object_get(sc(r), "complete")));
	json_decref(r);
	stop();
	log = pct_log();
	ck_assert_uint_eq(json_array_size(log), 5);
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(log, 0), 1)), "101");
	json_decref(log);

	/* Not allowlisted: exec's refusal is the reason, nothing ran. */
	pct_reset();
	start(over);
	r = pxmtest_call(&proc, "pve_diagnose", json_pack("{s:i}", "vmid", 101));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	rep = sc(r);
	why = json_string_value(json_object_get(rep, "probes_skipped"));
	ck_assert_msg(why && strstr(why, "not permitted") && strstr(why, "101"), "%s", text_of(r));
	ck_assert(json_is_false(json_object_get(rep, "complete")));
	ck_assert(json_is_false(json_object_get(rep, "healthy")));
	ck_assert_ptr_null(json_object_get(rep, "probes"));
	json_decref(r);
	stop();
	/* Exec installed but not enabled: that is the reason given. */
	start(off);
	r = pxmtest_call(&proc, "pve_diagnose", json_pack("{s:i}", "vmid", 101));
	ck_assert_msg(!is_error(r), "%s", text_of(r));
	why = json_string_value(json_object_get(sc(r), "probes_skipped"));
	ck_assert_msg(why && strstr(why, "PROXIMO_ENABLE_EXEC"), "%s", text_of(r));
	json_decref(r);
	stop();
	expect_nothing_ran();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("e2e");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, tools_listed_with_banner);
	tcase_add_test(tc, exec_disabled_refuses_everything);
	tcase_add_test(tc, allowlist_deny_allow_and_wildcard);
	tcase_add_test(tc, allowlist_is_checked_before_the_snapshot);
	tcase_add_test(tc, malformed_ctid_is_refused_before_any_entry);
	tcase_add_test(tc, exact_argv_and_result_shape);
	tcase_add_test(tc, libssh2_opened_by_the_first_command);
	tcase_add_test(tc, unloadable_libssh2_named);
	tcase_add_test(tc, argv_fidelity_through_proximo);
	tcase_add_test(tc, unknown_host_key_refused_before_auth);
	tcase_add_test(tc, changed_host_key_refused_before_auth);
	tcase_add_test(tc, wrong_user_key_refused);
	tcase_add_test(tc, never_ending_command_is_killed);
	tcase_add_test(tc, output_is_capped_and_marked);
	tcase_add_test(tc, psql_plans_classify_and_run);
	tcase_add_test(tc, command_plans_carry_the_classifier_risk);
	tcase_add_test(tc, snapshot_first_then_run);
	tcase_add_test(tc, snapshot_failure_refuses_to_run);
	tcase_add_test(tc, ledger_redaction_on);
	tcase_add_test(tc, ledger_redaction_off);
	tcase_add_test(tc, secrets_canary);
	tcase_add_test(tc, logs_journal_and_file);
	tcase_add_test(tc, diagnose_runs_probes_by_key);
	tcase_add_test(tc, agent_diagnoses_a_container_end_to_end);
	tcase_add_test(tc, pve_diagnose_merges_the_battery);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char profile[1024];
	const char *args[] = { "--profile", profile, NULL };
	int st, rc;

	st = sshtest_fixture_start(&fx);
	if (st == 77)
		return sshtest_skip_all("sshd (openssh-server) is not installed");
	if (st != 0) {
		printf("Bail out! the sshd fixture did not start\n");
		return 1;
	}
	snprintf(profile, sizeof profile, "%s/tests/exec/exec-profile.json",
	    getenv("PXM_TOP_SRCDIR") ? getenv("PXM_TOP_SRCDIR") : ".");
	if (pxm_sim_start(&sim, args) != 0) {
		printf("Bail out! proximo-sim did not start\n");
		sshtest_fixture_stop(&fx);
		return 1;
	}
	rc = sshtest_run(suite());
	pxm_sim_stop(sim);
	sshtest_fixture_stop(&fx);
	return rc;
}
