/**
 * @file fuzz_dispatch.c
 * @brief Fuzz target: a real MCP server (core/mcp/server.c) over the real
 *        governed call path (core/pipeline), with the core's tools and the
 *        fixture plugins loaded, fed arbitrary messages after initialize.
 *
 * The runtime (registry, plugins, ledger, plan store) is shared by a few
 * hundred inputs (see fuzz_shared_runtime()); every input gets a fresh MCP session and
 * a fresh fixture state.  The session's input is
 * initialize + notifications/initialized followed by the fuzz input, read
 * from a memfd until EOF; the output goes to another memfd and is checked:
 *  - every byte of stdout is one JSON-RPC 2.0 message per line (reliability
 *    goal G14: nothing else ever reaches stdout);
 *  - the first message answers initialize.
 * The fixtures' tools that would leave the process (pipe_crash exits) or
 * wait for seconds (pipe_async task waits) are closed by the product's own
 * gate, PROXIMO_FORBID: their refusal path is fuzzed instead.  Ledger syncs
 * go through the ledger's I/O seam as no-ops (the durability of a fuzzing
 * ledger is not under test; everything else about it is).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/runtime.h"
#include "fuzz.h"
#include "fuzzenv.h"
#include "ledger/io.h"
#include "mcp/server.h"
#include "pipeline/pipeline.h"
#include "util/error.h"

static char ledger_path[700], state_path[700];

static const char prologue[] =
    "{\"jsonrpc\":\"2.0\",\"id\":\"fuzz-init\",\"method\":\"initialize\",\"params\":"
    "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"elicitation\":{}},"
    "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}\n"
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";

static int
no_sync(int fd)
{
	(void)fd;
	return 0;
}

static struct pxm_ledger_io fast_io;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir;
	char p[700];

	(void)argc;
	(void)argv;
	dir = fuzz_env_setup();
	snprintf(ledger_path, sizeof ledger_path, "%s/audit.log", dir);
	setenv("PROXIMO_AUDIT_LOG", ledger_path, 1);
	setenv("PROXIMO_AUDIT_ANCHOR_SINK", "none", 1);
	setenv("PROXIMO_AUDIT_CHECKPOINTS", "off", 1);
	setenv("PROXIMO_FORBID", "pipe_crash,pipe_async", 1);
	setenv("PROXIMO_TASK_POLL_MS", "50", 1);
	unsetenv("PROXIMO_CONSENT_DIR");
	snprintf(p, sizeof p, "%s/contain-trip", dir);
	setenv("PROXIMO_CONTAIN_TRIP_PATH", p, 1);
	unsetenv("PROXIMO_APPROVAL");
	/* The fixture's "live state": empty at the start of every input. */
	snprintf(state_path, sizeof state_path, "%s/pipetest-state.json", dir);
	setenv("PROXIMO_PIPETEST_STATE", state_path, 1);
	unsetenv("PROXIMO_PIPETEST_LOG");
	fast_io = pxm_ledger_io_real;
	fast_io.fdatasync = no_sync;
	fast_io.fsync = no_sync;
	pxm_ledger_io_set(&fast_io);
	return 0;
}

static int
memfd_with(const void *a, size_t na, const void *b, size_t nb)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(na == 0 || write(fd, a, na) == (ssize_t)na, "memfd write");
	FUZZ_CHECK(nb == 0 || write(fd, b, nb) == (ssize_t)nb, "memfd write");
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	return fd;
}

/* G14: stdout holds JSON-RPC messages, one per line, and nothing else. */
static void
check_output(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf, *p, *nl, *end;
	json_error_t jerr;
	json_t *msg, *id;
	size_t count = 0;

	FUZZ_CHECK(size > 0, "no output at all (initialize was not answered)");
	buf = malloc((size_t)size);
	FUZZ_CHECK(buf != NULL && pread(fd, buf, (size_t)size, 0) == size, "read output");
	/* FUZZ_DUMP=1 fuzz/replay_dispatch FILE shows what the server said. */
	if (getenv("FUZZ_DUMP"))
		fwrite(buf, 1, (size_t)size, stderr);
	FUZZ_CHECK(buf[size - 1] == '\n', "output does not end with a newline");
	end = buf + size;
	for (p = buf; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		msg = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
		FUZZ_CHECK(msg != NULL, "stdout line %zu is not JSON (%s): %.*s", count + 1,
		    jerr.text, (int)((nl - p) > 300 ? 300 : (nl - p)), p);
		FUZZ_CHECK(json_is_object(msg), "stdout line %zu is not an object", count + 1);
		FUZZ_CHECK(json_is_string(json_object_get(msg, "jsonrpc")) &&
		    strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0") == 0,
		    "stdout line %zu lacks jsonrpc 2.0", count + 1);
		id = json_object_get(msg, "id");
		if (json_object_get(msg, "method") == NULL) {
			/* A response: exactly one of result and error. */
			FUZZ_CHECK(id != NULL, "a response without id");
			FUZZ_CHECK((json_object_get(msg, "result") != NULL) !=
			    (json_object_get(msg, "error") != NULL),
			    "a response needs exactly one of result and error");
			if (json_object_get(msg, "error"))
				FUZZ_CHECK(json_is_integer(json_object_get(json_object_get(msg,
				    "error"), "code")) && json_is_string(json_object_get(
				    json_object_get(msg, "error"), "message")),
				    "an error without code and message");
		}
		if (count == 0)
			FUZZ_CHECK(json_is_string(id) && strcmp(json_string_value(id), "fuzz-init") == 0 &&
			    json_object_get(msg, "result") != NULL,
			    "the first message is not the answer to initialize");
		json_decref(msg);
		count++;
	}
	free(buf);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pxm_runtime *rt;
	struct pxm_mcp_server *srv = NULL;
	struct pxm_mcp_options opt;
	struct pxm_error err;
	int in, out;

	unlink(state_path);
	rt = fuzz_shared_runtime(ledger_path);
	in = memfd_with(prologue, sizeof prologue - 1, data, size);
	out = memfd_with(NULL, 0, NULL, 0);
	memset(&opt, 0, sizeof opt);
	opt.in_fd = in;
	opt.out_fd = out;
	opt.max_message = 1u << 20;
	opt.page_size = 3;	/* several tools/list pages */
	opt.instructions = "fuzz";
	opt.tool_call = pxm_pipeline_tool_call;
	opt.tool_call_payload = rt;
	FUZZ_CHECK(pxm_mcp_server_new(&srv, &err, rt->reg, &opt) == PXM_OK, "server: %s", err.text);
	pxm_mcp_server_run(srv);
	pxm_mcp_server_free(srv);
	check_output(out);
	unlink(state_path);
	close(in);
	close(out);
	return 0;
}
