/**
 * @file fuzz_framer.c
 * @brief Fuzz target: bytes -> the stdio framer -> JSON parse -> JSON-RPC
 *        envelope classification, as core/mcp/server.c does it.
 *
 * Input: byte 0 picks the line limit, byte 1 the chunking, the rest is the
 * stream.  Properties checked (beyond "no crash, no leak, no UB"):
 *  - the framer's events do not depend on how the bytes were split into
 *    reads (the stream is framed once whole and once in chunks);
 *  - every line is at most the limit, holds no '\n', and is NUL-terminated;
 *  - every classification is coherent: a request has a method and a
 *    string/integer id, an invalid message carries -32600/-32602 and a
 *    message saying what is accepted, -32602 only for a message with an id.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "mcp/framing.h"
#include "mcp/jsonrpc.h"
#include "util/buf.h"

/* Every event, serialised: 'L' <len:8> <bytes> or 'O'. */
static void
frame_all(struct pxm_buf *log, const uint8_t *d, size_t n, size_t limit,
    const uint8_t *cuts, size_t ncuts)
{
	struct pxm_framer f;
	size_t pos = 0, k, ci = 0, len;
	char *line;
	int ev;

	pxm_framer_init(&f, limit);
	for (;;) {
		if (pos < n) {
			k = ncuts ? 1 + (size_t)cuts[ci++ % ncuts] * 3 : n - pos;
			if (k > n - pos)
				k = n - pos;
			FUZZ_CHECK(pxm_framer_feed(&f, d + pos, k) == PXM_OK, "feed failed");
			pos += k;
		} else {
			pxm_framer_set_eof(&f);
		}
		while ((ev = pxm_framer_next(&f, &line, &len)) != PXM_FRAME_NONE) {
			if (ev == PXM_FRAME_OVERSIZED) {
				FUZZ_CHECK(len > limit, "oversized event for %zu <= %zu bytes",
				    len, limit);
				pxm_buf_putc(log, 'O');
				continue;
			}
			FUZZ_CHECK(ev == PXM_FRAME_LINE, "unknown event %d", ev);
			FUZZ_CHECK(len <= limit, "line of %zu bytes over the limit %zu", len, limit);
			FUZZ_CHECK(line[len] == '\0', "line not NUL-terminated");
			FUZZ_CHECK(memchr(line, '\n', len) == NULL, "line holds a newline");
			pxm_buf_putc(log, 'L');
			pxm_buf_append(log, &len, sizeof len);
			pxm_buf_append(log, line, len);
		}
		if (pos >= n && f.eof)
			break;
	}
	FUZZ_CHECK(pxm_framer_pending(&f) == 0, "bytes left after EOF");
	pxm_framer_free(&f);
}

static void
classify_line(const char *line, size_t len)
{
	struct pxm_rpc_envelope env;
	json_error_t jerr;
	json_t *msg;

	if (len == 0)
		return;	/* the server skips blank lines */
	if ((msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return;	/* -32700, answered by the server with jerr.text */
	pxm_rpc_classify(&env, msg);
	switch (env.kind) {
	case PXM_RPC_REQUEST:
		FUZZ_CHECK(env.method != NULL, "request without method");
		FUZZ_CHECK(pxm_rpc_valid_id(env.id), "request with a bad id");
		FUZZ_CHECK(env.params == NULL || json_is_object(env.params), "params not an object");
		FUZZ_CHECK(json_object_get(msg, "id") == env.id, "id not the message's");
		break;
	case PXM_RPC_NOTIFICATION:
		FUZZ_CHECK(env.method != NULL && env.id == NULL, "bad notification");
		FUZZ_CHECK(json_object_get(msg, "id") == NULL, "notification with an id");
		break;
	case PXM_RPC_RESPONSE:
		FUZZ_CHECK(env.method == NULL, "response with a method");
		FUZZ_CHECK(json_object_get(msg, "result") || json_object_get(msg, "error"),
		    "response without result/error");
		break;
	case PXM_RPC_DROP:
		FUZZ_CHECK(env.id == NULL, "dropped a message that has an id");
		break;
	case PXM_RPC_INVALID:
		FUZZ_CHECK(env.code == PXM_RPC_INVALID_REQUEST ||
		    env.code == PXM_RPC_INVALID_PARAMS, "code %d", env.code);
		FUZZ_CHECK(env.message && strncmp(env.message, "Invalid ", 8) == 0,
		    "message does not say what is wrong");
		FUZZ_CHECK(env.id == NULL || pxm_rpc_valid_id(env.id), "would echo a bad id");
		FUZZ_CHECK(env.code != PXM_RPC_INVALID_PARAMS || env.id != NULL,
		    "answers a notification");
		break;
	default:
		FUZZ_CHECK(0, "unknown kind %d", env.kind);
	}
	json_decref(msg);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pxm_buf whole = PXM_BUF_INIT, chunked = PXM_BUF_INIT;
	size_t limit, p, len;
	const uint8_t *cuts;
	size_t ncuts;

	if (size < 2)
		return 0;
	/* Small limits exercise the oversized path; the rest frame real
	 * messages whole. */
	limit = (data[0] & 0x80) ? 1 + (size_t)(data[0] & 0x7f) * 4 : 1u << 20;
	/* Read sizes cycle through up to 8 bytes starting at byte 1 (they
	 * overlap the stream; that costs nothing). */
	cuts = data + 1;
	ncuts = 1 + (cuts[0] & 7);
	if (ncuts > size - 1)
		ncuts = size - 1;
	data += 2;
	size -= 2;
	frame_all(&whole, data, size, limit, NULL, 0);
	frame_all(&chunked, data, size, limit, cuts, ncuts);
	FUZZ_CHECK(whole.len == chunked.len &&
	    (whole.len == 0 || memcmp(whole.data, chunked.data, whole.len) == 0),
	    "framing depends on how the input was split into reads");
	for (p = 0; p < whole.len; ) {
		if (whole.data[p++] == 'O')
			continue;
		memcpy(&len, whole.data + p, sizeof len);
		p += sizeof len;
		/* The framer hands the server a NUL-terminated line. */
		{
			char *line = malloc(len + 1);

			FUZZ_CHECK(line != NULL, "oom");
			memcpy(line, whole.data + p, len);
			line[len] = '\0';
			classify_line(line, len);
			free(line);
		}
		p += len;
	}
	pxm_buf_free(&whole);
	pxm_buf_free(&chunked);
	return 0;
}
