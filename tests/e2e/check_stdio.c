/**
 * @file check_stdio.c
 * @brief The real proximo binary over stdio with real plugins loaded:
 *        lifecycle, listing, calls, errors, hostile framing, the CLI verbs.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pxmcheck.h"
#include "pxmtest.h"

static char dir[512], plugdir[700], envfile[700], ledger[700];
static char env_plugdir[800], env_envfile[800], env_ledger[800];
static struct pxmtest_proc proc;

static void
setup(void)
{
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(plugdir, sizeof plugdir, "%s/plugins", dir);
	ck_assert_int_eq(mkdir(plugdir, 0755), 0);
	pxmtest_install_fixture(plugdir, "good");
	pxmtest_install_fixture(plugdir, "bad_magic");
	snprintf(envfile, sizeof envfile, "%s/proximo.env", dir);
	pxmtest_write_file(envfile, "PROXIMO_FIXTURE_SETTING=from-env-file\n", 0600);
	snprintf(ledger, sizeof ledger, "%s/audit.log", dir);
	snprintf(env_plugdir, sizeof env_plugdir, "PROXIMO_PLUGIN_DIR=%s", plugdir);
	snprintf(env_envfile, sizeof env_envfile, "PROXIMO_ENV_FILE=%s", envfile);
	snprintf(env_ledger, sizeof env_ledger, "PROXIMO_AUDIT_LOG=%s", ledger);
}

static void
teardown(void)
{
	pxmtest_rmrf(dir);
}

static void
start(const char *extra_env)
{
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	const char *env[] = { env_plugdir, env_envfile, env_ledger, "PROXIMO_PLUGINS=",
	    extra_env, NULL };

	ck_assert_ptr_nonnull(argv[0]);
	pxmtest_spawn(&proc, argv, env);
}

static int
error_code(json_t *msg)
{
	return (int)json_integer_value(json_object_get(json_object_get(msg, "error"), "code"));
}

static const char *
error_message(json_t *msg)
{
	return json_string_value(json_object_get(json_object_get(msg, "error"), "message"));
}

START_TEST(test_lifecycle_and_listing)
{
	json_t *init, *list, *tools, *t;
	size_t i;
	int saw_status = 0, saw_echo = 0;

	start(NULL);
	/* Before initialize: ping works, anything else is refused clearly. */
	list = pxmtest_request(&proc, "ping", NULL, NULL);
	ck_assert(json_is_object(json_object_get(list, "result")));
	json_decref(list);
	list = pxmtest_request(&proc, "tools/list", NULL, NULL);
	ck_assert_int_eq(error_code(list), -32600);
	ck_assert_str_eq(error_message(list),
	    "Invalid Request: the session is not initialized; send initialize first");
	json_decref(list);

	init = pxmtest_initialize(&proc, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(init, "result"),
	    "protocolVersion")), "2025-11-25");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(init,
	    "result"), "serverInfo"), "version")), PACKAGE_VERSION);
	json_decref(init);

	list = pxmtest_request(&proc, "tools/list", NULL, NULL);
	tools = json_object_get(json_object_get(list, "result"), "tools");
	json_array_foreach(tools, i, t) {
		const char *n = json_string_value(json_object_get(t, "name"));
		saw_status |= strcmp(n, "proximo_status") == 0;
		saw_echo |= strcmp(n, "good_echo") == 0;
	}
	ck_assert(saw_status && saw_echo);
	json_decref(list);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

START_TEST(test_version_negotiation)
{
	static const char *const asked[] = { "2025-06-18", "2025-03-26", "2024-11-05", "1999-01-01" };
	static const char *const answered[] = { "2025-06-18", "2025-03-26", "2024-11-05", "2025-11-25" };
	json_t *r;
	size_t i;

	for (i = 0; i < 4; i++) {
		start(NULL);
		r = pxmtest_request(&proc, "initialize", json_pack("{s:s, s:{}, s:{s:s, s:s}}",
		    "protocolVersion", asked[i], "capabilities", "clientInfo", "name", "t",
		    "version", "1"), NULL);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "result"),
		    "protocolVersion")), answered[i]);
		json_decref(r);
		ck_assert_int_eq(pxmtest_finish(&proc), 0);
	}
}
END_TEST

START_TEST(test_calls_and_errors)
{
	json_t *r, *sc;

	start(NULL);
	json_decref(pxmtest_initialize(&proc, NULL));
	r = pxmtest_call(&proc, "good_echo", json_pack("{s:s}", "text", "hello"));
	ck_assert_ptr_null(json_object_get(r, "isError"));
	sc = json_object_get(r, "structuredContent");
	ck_assert_str_eq(json_string_value(json_object_get(sc, "text")), "hello");
	/* registration outside init() is refused with PXM_E_STATE */
	ck_assert_int_eq(json_integer_value(json_object_get(sc, "late_registration")), -5);
	/* plugins read PROXIMO_* settings, from the env file too */
	ck_assert_str_eq(json_string_value(json_object_get(sc, "setting")), "from-env-file");
	/* the text block repeats the structured content */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "content"), 0), "text")), "\"text\":\"hello\""));
	json_decref(r);
	/* Quotes, backslashes, control characters and UTF-8 survive both
	 * forms: the text block parses back to the structured content. */
	{
		const char *tricky = "q\" b\\ n\n t\t c\x01 d\x7f \xc3\xa9 \xe2\x82\xac }{";
		json_t *back;

		r = pxmtest_call(&proc, "good_echo", json_pack("{s:s}", "text", tricky));
		sc = json_object_get(r, "structuredContent");
		ck_assert_str_eq(json_string_value(json_object_get(sc, "text")), tricky);
		back = json_loads(json_string_value(json_object_get(json_array_get(
		    json_object_get(r, "content"), 0), "text")), 0, NULL);
		ck_assert_ptr_nonnull(back);
		ck_assert(json_equal(back, sc));
		json_decref(back);
		json_decref(r);
	}

	r = pxmtest_call(&proc, "good_echo", json_pack("{s:s, s:i}", "text", "x", "times", 9));
	ck_assert(json_is_true(json_object_get(r, "isError")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r,
	    "content"), 0), "text")),
	    "invalid arguments for good_echo: argument 'times' must be from 1 to 3 (got 9)");
	json_decref(r);

	r = pxmtest_call(&proc, "good_echo", json_pack("{s:s, s:b}", "text", "x", "force", 1));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r,
	    "content"), 0), "text")),
	    "invalid arguments for good_echo: unknown argument 'force'; accepted: text, times");
	json_decref(r);

	r = pxmtest_call(&proc, "good_ecco", json_object());
	ck_assert_int_eq(json_integer_value(json_object_get(r, "code")), -32602);
	ck_assert_str_eq(json_string_value(json_object_get(r, "message")),
	    "Unknown tool: 'good_ecco'; did you mean: good_echo?");
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

START_TEST(test_pagination)
{
	json_t *r, *names = json_array(), *params;
	const char *cursor = NULL;
	char *owned = NULL;
	int pages = 0;

	start("PROXIMO_TOOLS_PAGE_SIZE=1");
	json_decref(pxmtest_initialize(&proc, NULL));
	do {
		params = owned ? json_pack("{s:s}", "cursor", owned) : NULL;
		r = pxmtest_request(&proc, "tools/list", params, NULL);
		ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(r, "result"), "tools")), 1);
		json_array_append(names, json_object_get(json_array_get(json_object_get(json_object_get(r,
		    "result"), "tools"), 0), "name"));
		cursor = json_string_value(json_object_get(json_object_get(r, "result"), "nextCursor"));
		free(owned);
		owned = cursor ? strdup(cursor) : NULL;
		json_decref(r);
		pages++;
	} while (owned && pages < 20);
	/* proximo_status, audit_verify, audit_entries and the fixture's good_echo */
	ck_assert_int_eq(pages, 4);
	ck_assert_uint_eq(json_array_size(names), 4);
	r = pxmtest_request(&proc, "tools/list", json_pack("{s:s}", "cursor", "page:999"), NULL);
	ck_assert_int_eq(error_code(r), -32602);
	json_decref(r);
	json_decref(names);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

START_TEST(test_hostile_framing)
{
	json_t *r;
	char *big;
	size_t n = 10u * 1024 * 1024;
	pid_t writer;

	start("PROXIMO_MAX_MESSAGE_BYTES=1048576");
	json_decref(pxmtest_initialize(&proc, NULL));
	/* duplicate keys, invalid UTF-8, deep nesting: parse errors, server stays up */
	pxmtest_send(&proc, "{\"jsonrpc\":\"2.0\",\"id\":7,\"id\":8,\"method\":\"ping\"}");
	r = pxmtest_recv(&proc, 10000);
	ck_assert_int_eq(error_code(r), -32700);
	ck_assert(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	pxmtest_send(&proc, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":{\"x\":\"\xff\xfe\"}}");
	r = pxmtest_recv(&proc, 10000);
	ck_assert_int_eq(error_code(r), -32700);
	json_decref(r);
	big = malloc(100000);
	memset(big, '[', 50000);
	memset(big + 50000, ']', 50000);
	pxmtest_send_raw(&proc, big, 100000);
	pxmtest_send(&proc, "");
	r = pxmtest_recv(&proc, 10000);
	ck_assert_int_eq(error_code(r), -32700);
	json_decref(r);
	free(big);
	/* a 10 MB line over the 1 MiB limit: one clear error, then service */
	big = malloc(n);
	memset(big, 'a', n);
	big[0] = '"';
	writer = fork();
	if (writer == 0) {
		pxmtest_send_raw(&proc, big, n);
		pxmtest_send_raw(&proc, "\n", 1);
		_exit(0);
	}
	r = pxmtest_recv(&proc, 30000);
	ck_assert_int_eq(error_code(r), -32600);
	ck_assert_ptr_nonnull(strstr(error_message(r), "exceeds the limit of 1048576 bytes"));
	json_decref(r);
	waitpid(writer, NULL, 0);
	free(big);
	r = pxmtest_request(&proc, "ping", NULL, NULL);
	ck_assert(json_is_object(json_object_get(r, "result")));
	json_decref(r);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

START_TEST(test_thousands_pipelined)
{
	const int count = 3000;
	char *buf, line[96];
	size_t len = 0;
	pid_t writer;
	json_t *r;
	int i;

	start(NULL);
	json_decref(pxmtest_initialize(&proc, NULL));
	buf = malloc((size_t)count * sizeof line);
	for (i = 0; i < count; i++)
		len += (size_t)snprintf(buf + len, sizeof line,
		    "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}\n", 1000 + i);
	writer = fork();
	if (writer == 0) {
		pxmtest_send_raw(&proc, buf, len);
		_exit(0);
	}
	for (i = 0; i < count; i++) {
		r = pxmtest_recv(&proc, 30000);
		ck_assert_ptr_nonnull(r);
		/* answered in order */
		ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1000 + i);
		json_decref(r);
	}
	waitpid(writer, NULL, 0);
	free(buf);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

START_TEST(test_cli_verbs)
{
	char *argv_plugins[] = { getenv("PXM_PROXIMO"), "plugins", "--json", NULL };
	char *argv_tools[] = { getenv("PXM_PROXIMO"), "tools", NULL };
	char *argv_bad[] = { getenv("PXM_PROXIMO"), "frobnicate", NULL };
	char *argv_ver[] = { getenv("PXM_PROXIMO"), "--version", NULL };
	const char *env[] = { env_plugdir, env_envfile, env_ledger, "PROXIMO_PLUGINS=", NULL };
	char *out = NULL, *err = NULL;
	json_t *j;

	ck_assert_int_eq(pxmtest_run(argv_plugins, env, &out, NULL), 0);
	j = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "plugins")), 2);
	ck_assert_ptr_nonnull(strstr(out, "\"status\": \"refused\""));
	ck_assert_ptr_nonnull(strstr(out, "bad magic 0x12345678"));
	json_decref(j);
	free(out);
	ck_assert_int_eq(pxmtest_run(argv_tools, env, &out, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "good_echo"));
	ck_assert_ptr_nonnull(strstr(out, "proximo_status"));
	free(out);
	ck_assert_int_eq(pxmtest_run(argv_bad, env, &out, &err), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown command 'frobnicate'"));
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	ck_assert_int_eq(pxmtest_run(argv_ver, env, &out, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, PACKAGE_VERSION));
	free(out);
}
END_TEST

static Suite *
stdio_suite(void)
{
	Suite *s = suite_create("stdio");
	TCase *tc = tcase_create("e2e");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lifecycle_and_listing);
	tcase_add_test(tc, test_version_negotiation);
	tcase_add_test(tc, test_calls_and_errors);
	tcase_add_test(tc, test_pagination);
	tcase_add_test(tc, test_hostile_framing);
	tcase_add_test(tc, test_thousands_pipelined);
	tcase_add_test(tc, test_cli_verbs);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(stdio_suite)
