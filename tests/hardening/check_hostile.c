/**
 * @file check_hostile.c
 * @brief Hostile input over MCP, table-driven: every row is one bad
 *        message to the real proximo; each must earn a clear error that
 *        names what was wrong (the argument, the field), and the server
 *        must still serve the next request.
 *
 * Rows cover wrong types, unknown arguments, out-of-range and non-integer
 * numbers, huge strings and arrays, deep nesting, duplicate keys, invalid
 * UTF-8, NUL/CR/LF in strings and names, unknown tools, malformed
 * envelopes, calls before initialize, a 10 MB line inside the limit, and
 * thousands of pipelined calls mixing good and bad.  (Framing-level cases
 * already in e2e/check_stdio.c, such as a 10 MB line over the limit and
 * top-level duplicate keys, are not repeated.)  With the simulator built,
 * hostile path parameters go to the PVE tools, and the simulator's request
 * log shows what reached "Proxmox": never a dot segment, an unencoded
 * '/', '?', '#', CR or LF.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "pxmcheck.h"
#include "pxmtest.h"
#ifdef PXM_HOSTILE_WITH_SIM
#include "sim_harness.h"
#endif

static char dir[512], plugdir[700], env_plugdir[800], env_ledger[800], env_state[800];
static struct pxmtest_proc proc;

/* What a row expects back. */
#define TOOL_ERROR	0	/* a CallToolResult with isError */
#define TOOL_OK		1	/* a CallToolResult without isError */

struct row {
	const char	*name;
	const char	*line;		/* the message, "%d" is its id */
	char		*(*build)(int id);	/* or a builder for big ones */
	int		code;		/* JSON-RPC error code, or TOOL_ERROR/TOOL_OK */
	const char	*expect;	/* in the error message / the tool's text */
};

/* ------------------------------------------------------------ builders */

/* tmpl with its one "%d" replaced by id (the table's lines are data, not
 * format strings). */
static void
fill_id(char *out, size_t size, const char *tmpl, int id)
{
	const char *at = strstr(tmpl, "%d");

	ck_assert_ptr_nonnull(at);
	snprintf(out, size, "%.*s%d%s", (int)(at - tmpl), tmpl, id, at + 2);
}

static char *
call_with_text(int id, size_t n)
{
	char *b = malloc(n + 256);
	size_t o;

	ck_assert_ptr_nonnull(b);
	o = (size_t)snprintf(b, 256, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"good_echo\",\"arguments\":{\"text\":\"", id);
	memset(b + o, 'a', n);
	o += n;
	memcpy(b + o, "\"}}}", 5);
	return b;
}

static char *
huge_string(int id)
{
	return call_with_text(id, 1000000);
}

/* 10 MB inside the default 16 MiB message limit: refused by the schema,
 * not by the framer. */
static char *
ten_mb_string(int id)
{
	return call_with_text(id, 10u * 1024 * 1024);
}

static char *
huge_array(int id)
{
	size_t n = 100000, o, i;
	char *b = malloc(n * 2 + 256);

	ck_assert_ptr_nonnull(b);
	o = (size_t)snprintf(b, 256, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"audit_entries\",\"arguments\":{\"target\":[", id);
	for (i = 0; i < n; i++) {
		b[o++] = '0';
		b[o++] = ',';
	}
	b[o - 1] = ']';
	memcpy(b + o, "}}}", 4);
	return b;
}

static char *
nested(int id, size_t depth)
{
	char *b = malloc(depth * 2 + 256);
	size_t o;

	ck_assert_ptr_nonnull(b);
	o = (size_t)snprintf(b, 256, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"good_echo\",\"arguments\":{\"text\":", id);
	memset(b + o, '[', depth);
	o += depth;
	memset(b + o, ']', depth);
	o += depth;
	memcpy(b + o, "}}}", 4);
	return b;
}

static char *
deep_1000(int id)
{
	return nested(id, 1000);
}

static char *
deep_5000(int id)
{
	return nested(id, 5000);
}

static char *
long_tool_name(int id)
{
	size_t n = 10000, o;
	char *b = malloc(n + 256);

	ck_assert_ptr_nonnull(b);
	o = (size_t)snprintf(b, 256, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"", id);
	memset(b + o, 'z', n);
	o += n;
	memcpy(b + o, "\",\"arguments\":{}}}", 19);
	return b;
}

/* ------------------------------------------------------------ the table */

#define CALL(tool, args) "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\"," \
	"\"params\":{\"name\":\"" tool "\",\"arguments\":" args "}}"

static const struct row rows[] = {
	/* wrong types */
	{ "string given a number", CALL("good_echo", "{\"text\":5}"), NULL, TOOL_ERROR,
	    "argument 'text' must be a string, got an integer" },
	{ "boolean given a string", CALL("audit_entries", "{\"mutations_only\":\"yes\"}"), NULL,
	    TOOL_ERROR, "argument 'mutations_only' must be a boolean, got a string" },
	{ "string given null", CALL("audit_entries", "{\"target\":null}"), NULL, TOOL_ERROR,
	    "argument 'target' must be a string, got null" },
	{ "string given an object", CALL("pipe_set", "{\"key\":{\"a\":1},\"value\":\"v\"}"), NULL,
	    TOOL_ERROR, "argument 'key' must be a string, got an object" },
	{ "integer given a string", CALL("audit_entries", "{\"limit\":\"10\"}"), NULL, TOOL_ERROR,
	    "argument 'limit' must be an integer, got a string" },
	{ "integer given a boolean", CALL("pipe_async", "{\"polls\":true}"), NULL, TOOL_ERROR,
	    "argument 'polls' must be an integer, got a boolean" },
	/* unknown and missing arguments (good_echo's 'force' is in check_stdio) */
	{ "unknown argument on a core tool", CALL("audit_verify", "{\"expected_head\":null,"
	    "\"extra\":1}"), NULL, TOOL_ERROR, "unknown argument 'extra'; accepted: expected_head" },
	{ "unknown argument with a newline", CALL("audit_verify", "{\"x\\ny\":1}"), NULL,
	    TOOL_ERROR, "unknown argument 'x\ny'" },
	{ "missing required argument", CALL("pipe_set", "{\"key\":\"a\"}"), NULL, TOOL_ERROR,
	    "missing required argument 'value'" },
	/* numbers */
	{ "below the minimum", CALL("audit_entries", "{\"limit\":0}"), NULL, TOOL_ERROR,
	    "argument 'limit' must be from 1 to 1000 (got 0)" },
	{ "negative", CALL("audit_entries", "{\"limit\":-1}"), NULL, TOOL_ERROR,
	    "argument 'limit' must be from 1 to 1000 (got -1)" },
	{ "above the maximum", CALL("pipe_async", "{\"polls\":1001}"), NULL, TOOL_ERROR,
	    "argument 'polls' must be from 1 to 1000 (got 1001)" },
	{ "int64 max", CALL("audit_entries", "{\"limit\":9223372036854775807}"), NULL, TOOL_ERROR,
	    "argument 'limit' must be from 1 to 1000 (got 9223372036854775807)" },
	{ "int64 min", CALL("audit_entries", "{\"limit\":-9223372036854775808}"), NULL, TOOL_ERROR,
	    "argument 'limit' must be from 1 to 1000 (got -9223372036854775808)" },
	{ "a fraction for an integer", CALL("audit_entries", "{\"limit\":1.5}"), NULL, TOOL_ERROR,
	    "argument 'limit' must be an integer, got a number" },
	{ "an integral real is an integer", CALL("audit_entries", "{\"limit\":2.0}"), NULL, TOOL_OK,
	    "\"entries\"" },
	{ "2^53 + 1 as a real", CALL("audit_entries", "{\"limit\":9007199254740993.0}"), NULL,
	    TOOL_ERROR, "argument 'limit' must be an integer, got a number" },
	{ "beyond 64 bits", CALL("audit_entries", "{\"limit\":123456789012345678901234567890}"),
	    NULL, -32700, "Parse error: too big integer" },
	{ "real overflow", CALL("audit_entries", "{\"limit\":1e999}"), NULL, -32700,
	    "Parse error: real number overflow" },
	/* sizes */
	{ "a 1 MB string", NULL, huge_string, TOOL_ERROR,
	    "argument 'text' is 1000000 characters long; at most 64 accepted" },
	{ "a 10 MB line inside the message limit", NULL, ten_mb_string, TOOL_ERROR,
	    "argument 'text' is 10485760 characters long; at most 64 accepted" },
	{ "a 100,000-item array", NULL, huge_array, TOOL_ERROR,
	    "argument 'target' must be a string, got an array" },
	{ "arguments nested 1000 deep", NULL, deep_1000, TOOL_ERROR,
	    "argument 'text' must be a string, got an array" },
	{ "arguments nested 5000 deep", NULL, deep_5000, -32700, "Parse error: " },
	/* duplicate keys, UTF-8, NUL, CR, LF */
	{ "duplicate keys inside arguments", CALL("good_echo", "{\"text\":\"a\",\"text\":\"b\"}"),
	    NULL, -32700, "Parse error: duplicate object key" },
	{ "invalid UTF-8 in an argument", CALL("good_echo", "{\"text\":\"\xc0\xaf\"}"), NULL,
	    -32700, "Parse error: " },
	{ "a UTF-8 surrogate in an argument", CALL("good_echo", "{\"text\":\"\xed\xa0\x80\"}"),
	    NULL, -32700, "Parse error: " },
	{ "a lone surrogate escape", CALL("good_echo", "{\"text\":\"\\ud800\"}"), NULL, -32700,
	    "Parse error: " },
	{ "an escaped NUL", CALL("good_echo", "{\"text\":\"a\\u0000b\"}"), NULL, -32700,
	    "Parse error: " },
	{ "CR, LF and tab in a string are data", CALL("good_echo", "{\"text\":\"a\\r\\nb\\tc\"}"),
	    NULL, TOOL_OK, "a\\r\\nb\\tc" },
	{ "LF in a value with a pattern", CALL("pipe_set", "{\"key\":\"ab\\n\",\"value\":\"v\"}"),
	    NULL, TOOL_ERROR, "argument 'key' does not match the pattern ^[a-z]{1,16}$" },
	{ "a raw control byte in a string", CALL("good_echo", "{\"text\":\"a\x01b\"}"), NULL,
	    -32700, "Parse error: " },
	/* tools and envelopes */
	{ "an unknown tool, 10,000 characters", NULL, long_tool_name, -32602,
	    "Unknown tool: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	    "zzzzzzzzzzzzzzzzzzzzzzzz'" },
	{ "an empty tool name", CALL("", "{}"), NULL, -32602, "Unknown tool: ''" },
	{ "a tool name with a newline", CALL("good_echo\\n", "{}"), NULL, -32602,
	    "Unknown tool: 'good_echo\n'" },
	{ "a tool name that is a number", "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
	    "\"params\":{\"name\":5}}", NULL, -32602,
	    "Invalid params: tools/call needs params.name (the tool's name, a string)" },
	{ "arguments that are an array", CALL("good_echo", "[1]"), NULL, -32602,
	    "Invalid params: params.arguments must be an object" },
	{ "params that are a string", "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
	    "\"params\":\"x\"}", NULL, -32602, "Invalid params: params must be an object" },
	{ "jsonrpc 1.0", "{\"jsonrpc\":\"1.0\",\"id\":%d,\"method\":\"ping\"}", NULL, -32600,
	    "Invalid Request: jsonrpc must be \"2.0\"" },
	{ "a method that is a number", "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":7}", NULL, -32600,
	    "Invalid Request: a request needs a method (a string)" },
	{ "an unknown method", "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"resources/list\"}",
	    NULL, -32601, "Method not found: resources/list" },
	{ "a bad logging level", "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"logging/setLevel\","
	    "\"params\":{\"level\":\"loud\"}}", NULL, -32602,
	    "Invalid params: level must be one of debug" },
	{ "a bad cursor", "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\","
	    "\"params\":{\"cursor\":\"page:-1\"}}", NULL, -32602, "Invalid params: unknown cursor" },
	{ "initialize twice", "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"2025-11-25\"}}", NULL, -32600,
	    "Invalid Request: the session is already initialized" },
};

/* ------------------------------------------------------------ running */

static void
setup(void)
{
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(plugdir, sizeof plugdir, "%s/plugins", dir);
	ck_assert_int_eq(mkdir(plugdir, 0755), 0);
	pxmtest_install_fixture(plugdir, "good");
	pxmtest_install_fixture(plugdir, "pipetest");
	snprintf(env_plugdir, sizeof env_plugdir, "PROXIMO_PLUGIN_DIR=%s", plugdir);
	snprintf(env_ledger, sizeof env_ledger, "PROXIMO_AUDIT_LOG=%s/audit.log", dir);
	snprintf(env_state, sizeof env_state, "PROXIMO_PIPETEST_STATE=%s/state.json", dir);
}

static void
teardown(void)
{
	pxmtest_rmrf(dir);
}

static void
start(const char *const *extra)
{
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	const char *env[16] = { env_plugdir, env_ledger, env_state, "PROXIMO_PLUGINS=",
	    "PROXIMO_ENV_FILE=/dev/null", NULL };
	size_t n = 5;

	while (extra && *extra && n < 15)
		env[n++] = *extra++;
	env[n] = NULL;
	ck_assert_ptr_nonnull(argv[0]);
	pxmtest_spawn(&proc, argv, env);
}

/* The answer to id (notifications skipped). */
static json_t *
answer(int id)
{
	json_t *m;

	for (;;) {
		m = pxmtest_recv(&proc, 120000);
		ck_assert_msg(m != NULL, "no answer to request %d", id);
		if (json_object_get(m, "method") == NULL &&
		    json_integer_value(json_object_get(m, "id")) == id)
			return m;
		json_decref(m);
	}
}

/* One row: send, check the answer, then prove the server still serves. */
static void
run_row(const struct row *r, int id)
{
	char small[4096], *line;
	const char *msg;
	json_t *m, *res, *ping;

	if (r->build)
		line = r->build(id);
	else {
		fill_id(small, sizeof small, r->line, id);
		line = small;
	}
	pxmtest_send(&proc, line);
	if (line != small)
		free(line);
	/* A parse error cannot echo an id: it answers id null. */
	if (r->code == -32700) {
		m = pxmtest_recv(&proc, 120000);
		ck_assert_msg(m != NULL, "%s: no answer", r->name);
		ck_assert_msg(json_is_null(json_object_get(m, "id")), "%s: parse error with an id",
		    r->name);
	} else {
		m = answer(id);
	}
	if (r->code == TOOL_ERROR || r->code == TOOL_OK) {
		res = json_object_get(m, "result");
		ck_assert_msg(res != NULL, "%s: expected a tool result, got %s", r->name,
		    json_dumps(m, JSON_COMPACT));
		ck_assert_msg(json_is_true(json_object_get(res, "isError")) == (r->code == TOOL_ERROR),
		    "%s: isError is not %d", r->name, r->code == TOOL_ERROR);
		msg = json_string_value(json_object_get(json_array_get(json_object_get(res,
		    "content"), 0), "text"));
	} else {
		ck_assert_msg(json_integer_value(json_object_get(json_object_get(m, "error"),
		    "code")) == r->code, "%s: expected error %d in %.300s", r->name, r->code,
		    json_dumps(m, JSON_COMPACT));
		msg = json_string_value(json_object_get(json_object_get(m, "error"), "message"));
	}
	ck_assert_msg(msg != NULL && strstr(msg, r->expect) != NULL,
	    "%s: expected '%s' in '%.400s'", r->name, r->expect, msg ? msg : "(none)");
	ck_assert_msg(strlen(msg) < 4096, "%s: a %zu-byte message", r->name, strlen(msg));
	json_decref(m);
	ping = pxmtest_request(&proc, "ping", NULL, NULL);
	ck_assert_msg(json_is_object(json_object_get(ping, "result")),
	    "%s: the server stopped serving", r->name);
	json_decref(ping);
}

START_TEST(test_table)
{
	size_t i;

	start(NULL);
	json_decref(pxmtest_initialize(&proc, NULL));
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		run_row(&rows[i], 10000 + (int)i);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

/* Before initialize, only ping (and initialize) are served; the rest is
 * refused with a text that says what to do. */
START_TEST(test_before_initialize)
{
	static const char *const lines[] = {
		CALL("good_echo", "{\"text\":\"x\"}"),
		"{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"logging/setLevel\",\"params\":"
		"{\"level\":\"debug\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"resources/list\"}",
	};
	char line[512];
	json_t *m;
	size_t i;

	start(NULL);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		fill_id(line, sizeof line, lines[i], 500 + (int)i);
		pxmtest_send(&proc, line);
		m = answer(500 + (int)i);
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(m, "error"),
		    "code")), -32600);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "error"),
		    "message")), "Invalid Request: the session is not initialized; send "
		    "initialize first");
		json_decref(m);
	}
	json_decref(pxmtest_initialize(&proc, NULL));
	m = pxmtest_call(&proc, "good_echo", json_pack("{s:s}", "text", "now"));
	ck_assert_ptr_null(json_object_get(m, "isError"));
	json_decref(m);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

/* Thousands of pipelined calls, good and bad mixed: every one answered,
 * in order, each bad one naming its argument. */
START_TEST(test_pipelined_calls)
{
	const int count = 2000;
	char *buf, line[256];
	size_t len = 0;
	pid_t writer;
	json_t *m, *res;
	const char *text;
	int i;

	start(NULL);
	json_decref(pxmtest_initialize(&proc, NULL));
	buf = malloc((size_t)count * sizeof line);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < count; i++) {
		if (i % 2)
			len += (size_t)snprintf(buf + len, sizeof line, CALL("good_echo",
			    "{\"text\":\"n%d\"}") "\n", 20000 + i, i);
		else
			len += (size_t)snprintf(buf + len, sizeof line, CALL("good_echo",
			    "{\"text\":\"x\",\"times\":%d}") "\n", 20000 + i, 100 + i);
	}
	writer = fork();
	ck_assert_int_ge(writer, 0);
	if (writer == 0) {
		pxmtest_send_raw(&proc, buf, len);
		_exit(0);
	}
	for (i = 0; i < count; i++) {
		m = pxmtest_recv(&proc, 120000);
		ck_assert_ptr_nonnull(m);
		ck_assert_int_eq(json_integer_value(json_object_get(m, "id")), 20000 + i);
		res = json_object_get(m, "result");
		text = json_string_value(json_object_get(json_array_get(json_object_get(res,
		    "content"), 0), "text"));
		ck_assert_ptr_nonnull(text);
		if (i % 2) {
			ck_assert_ptr_null(json_object_get(res, "isError"));
			snprintf(line, sizeof line, "\"n%d\"", i);
			ck_assert_ptr_nonnull(strstr(text, line));
		} else {
			ck_assert(json_is_true(json_object_get(res, "isError")));
			ck_assert_ptr_nonnull(strstr(text, "argument 'times' must be from 1 to 3"));
		}
		json_decref(m);
	}
	waitpid(writer, NULL, 0);
	free(buf);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
}
END_TEST

#ifdef PXM_HOSTILE_WITH_SIM
/*
 * Hostile path parameters for the PVE tools, against the simulator: each
 * call is refused with the argument named, or reaches the simulator with
 * the value inside one path segment, percent-encoded.  The request log is
 * the judge: no dot segment, no raw CR/LF/'?'/'#', no encoded '/', and no
 * value that leaves its segment.
 */
struct path_row {
	const char	*tool;
	const char	*args;		/* JSON */
};

static const struct path_row path_rows[] = {
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"..\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\".\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"../../etc\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"pve1/../pve2\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"pve1%2F..\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"%2e%2e\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"pve1?x=1\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"pve1#frag\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"pve1\\r\\nX-Evil: 1\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"pve1\\\\..\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"\"}" },
	{ "pve_guest_status", "{\"vmid\":100,\"node\":\"pve1 x\"}" },
	{ "pve_guest_status", "{\"vmid\":\"100/../101\"}" },
	{ "pve_guest_status", "{\"vmid\":-1}" },
	{ "pve_guest_config_get", "{\"vmid\":100,\"node\":\"\\u00e9\\u2603\"}" },
	{ "pve_snapshot_list", "{\"vmid\":100,\"node\":\"..\"}" },
	{ "pve_task_status", "{\"upid\":\"../../x\"}" },
	{ "pve_task_status", "{\"upid\":\"UPID:pve1:0:0:0:x:../../:root@pam:\"}" },
	{ "pve_task_log", "{\"upid\":\"UPID:pve1:..\\n\"}" },
	/* unusual but legal: these reach the simulator, encoded */
	{ "pve_task_status", "{\"upid\":\"UPID:pve1:00001234:00005678:65000000:qmstart:100:"
	    "root@pam:\"}" },
	{ "pve_task_log", "{\"upid\":\"UPID:pve1:0000ABCD:00005678:65000000:vzdump::a+b=c@pve:\"}" },
};

/* Copy a built plugin into the test's plugin directory; 0 when absent. */
static int
copy_plugin(const char *rel, const char *name)
{
	char src[1024], dst[1024], buf[65536];
	FILE *in, *out;
	size_t n;

	pxmtest_build_path(src, sizeof src, rel);
	if ((in = fopen(src, "rb")) == NULL)
		return 0;
	snprintf(dst, sizeof dst, "%s/%s.so", plugdir, name);
	out = fopen(dst, "wb");
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	ck_assert_int_eq(chmod(dst, 0644), 0);
	return 1;
}

static int
hexdig(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* What is wrong with a path as it reached the simulator (NULL: nothing),
 * checked segment by segment. */
static const char *
path_fault(const char *path)
{
	const char *p, *seg;
	char decoded[1024];
	size_t n, i, o;

	if (path == NULL || path[0] != '/')
		return "not absolute";
	if (strpbrk(path, "?#\r\n \\") != NULL)
		return "a raw ?, #, CR, LF, space or backslash";
	for (p = path + 1; ; p = seg + n + 1) {
		seg = p;
		n = strcspn(seg, "/");
		if (n == 0)
			return "an empty segment";
		for (i = 0, o = 0; i < n && o + 1 < sizeof decoded; i++) {
			if (seg[i] == '%') {
				if (i + 2 >= n + 1 || !hexdig(seg[i + 1]) || !hexdig(seg[i + 2]))
					return "a malformed escape";
				if (strncasecmp(seg + i, "%2f", 3) == 0 ||
				    strncasecmp(seg + i, "%5c", 3) == 0 ||
				    strncasecmp(seg + i, "%00", 3) == 0)
					return "an encoded '/', '\\' or NUL";
				if (strncasecmp(seg + i, "%2e", 3) == 0) {
					decoded[o++] = '.';
					i += 2;
					continue;
				}
				decoded[o++] = '%';
				i += 2;
			} else {
				decoded[o++] = seg[i];
			}
		}
		decoded[o] = '\0';
		if (strcmp(decoded, ".") == 0 || strcmp(decoded, "..") == 0)
			return "a dot segment";
		if (seg[n] == '\0')
			return NULL;
	}
}

START_TEST(test_path_parameters)
{
	struct pxm_sim *sim;
	char e_base[600], e_fp[300], e_tok[600];
	const char *extra[] = { e_base, e_fp, e_tok, "PROXIMO_NODE=pve1", NULL };
	json_t *log, *reqs, *rq, *m;
	size_t i, k, before = 0, refused = 0, sent = 0;
	const char *text;

	/* The judge can convict: each of these must be found wanting. */
	ck_assert_ptr_nonnull(path_fault("/api2/json/nodes/../qemu"));
	ck_assert_ptr_nonnull(path_fault("/api2/json/nodes/%2e%2E/qemu"));
	ck_assert_ptr_nonnull(path_fault("/api2/json/nodes/pve1%2Fx/qemu"));
	ck_assert_ptr_nonnull(path_fault("/api2/json/nodes/pve1\r\nX: 1/qemu"));
	ck_assert_ptr_nonnull(path_fault("/api2/json/nodes//qemu"));
	ck_assert_ptr_nonnull(path_fault("/api2/json/nodes/a?b"));
	ck_assert_ptr_nonnull(path_fault("/api2/json/nodes/a%zz"));
	ck_assert_ptr_null(path_fault("/api2/json/nodes/pve1/tasks/UPID%3Apve1%3A0/status"));
	ck_assert_int_eq(pxm_sim_start(&sim, NULL), 0);
	snprintf(e_base, sizeof e_base, "PROXIMO_API_BASE_URL=%s", sim->pve_url);
	snprintf(e_fp, sizeof e_fp, "PROXIMO_FINGERPRINT=%s", sim->fingerprint);
	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s", sim->token_file);
	if (!copy_plugin("plugins/pve/.libs/pve.so", "pve")) {
		pxm_sim_stop(sim);
		printf("# the pve plugin is not built: path parameters not checked\n");
		return;
	}
	start(extra);
	json_decref(pxmtest_initialize(&proc, NULL));
	/* a good call first: the baseline reaches the simulator */
	m = pxmtest_call(&proc, "pve_guest_status", json_pack("{s:i}", "vmid", 100));
	ck_assert_ptr_null(json_object_get(m, "isError"));
	json_decref(m);
	ck_assert_int_eq(pxm_sim_requests_clear(sim), 0);
	for (i = 0; i < sizeof path_rows / sizeof path_rows[0]; i++) {
		json_t *args = json_loads(path_rows[i].args, 0, NULL);

		ck_assert_msg(args != NULL, "bad row %zu", i);
		ck_assert_int_eq(pxm_sim_requests(&log, sim), 0);
		before = json_array_size(json_object_get(log, "requests"));
		json_decref(log);
		m = pxmtest_call(&proc, path_rows[i].tool, args);
		text = json_string_value(json_object_get(json_array_get(json_object_get(m,
		    "content"), 0), "text"));
		if (text == NULL)
			text = json_string_value(json_object_get(m, "message"));
		ck_assert_int_eq(pxm_sim_requests(&log, sim), 0);
		reqs = json_object_get(log, "requests");
		if (json_array_size(reqs) == before) {
			/* refused before the network: it must say which argument */
			ck_assert_msg(text && (strstr(text, "node") || strstr(text, "vmid") ||
			    strstr(text, "upid")), "row %zu (%s): refused without naming the "
			    "argument: %s", i, path_rows[i].args, text ? text : "(none)");
			refused++;
		} else {
			for (k = before; k < json_array_size(reqs); k++) {
				rq = json_array_get(reqs, k);
				const char *path = json_string_value(json_object_get(rq, "path"));
				const char *why = path_fault(path);

				ck_assert_msg(why == NULL, "row %zu (%s) reached the simulator as "
				    "'%s': %s", i, path_rows[i].args, path ? path : "(none)", why);
			}
			sent++;
		}
		json_decref(log);
		json_decref(m);
		json_decref(pxmtest_request(&proc, "ping", NULL, NULL));
	}
	printf("# %zu hostile path values refused before the network, %zu sent encoded\n",
	    refused, sent);
	ck_assert_uint_gt(refused, 0);
	ck_assert_uint_gt(sent, 0);
	ck_assert_int_eq(pxmtest_finish(&proc), 0);
	ck_assert_int_eq(pxm_sim_stop(sim), 0);
}
END_TEST
#endif

static Suite *
hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("mcp");

	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_before_initialize);
	tcase_add_test(tc, test_pipelined_calls);
#ifdef PXM_HOSTILE_WITH_SIM
	tcase_add_test(tc, test_path_parameters);
#endif
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(hostile_suite)
