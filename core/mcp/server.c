/**
 * @file server.c
 * @brief The MCP server over stdio.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger/canon.h"
#include "mcp/framing.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"
#include "registry/registry.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"

#define JSONRPC_PARSE_ERROR	PXM_RPC_PARSE_ERROR
#define JSONRPC_INVALID_REQUEST	PXM_RPC_INVALID_REQUEST
#define JSONRPC_NO_METHOD	PXM_RPC_NO_METHOD
#define JSONRPC_INVALID_PARAMS	PXM_RPC_INVALID_PARAMS
#define JSONRPC_INTERNAL	PXM_RPC_INTERNAL

static const char *const protocol_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
};

/* RFC 5424 levels as MCP names them, mapped onto ours. */
static const struct {
	const char	*name;
	int		level;
} mcp_levels[] = {
	{ "debug", PXM_LOG_DEBUG }, { "info", PXM_LOG_INFO },
	{ "notice", PXM_LOG_NOTICE }, { "warning", PXM_LOG_WARNING },
	{ "error", PXM_LOG_ERROR }, { "critical", PXM_LOG_ERROR },
	{ "alert", PXM_LOG_ERROR }, { "emergency", PXM_LOG_ERROR },
};

struct pxm_mcp_server {
	struct pxm_registry	*reg;
	struct pxm_mcp_options	opt;
	struct pxm_framer	framer;
	int			eof;
	int			write_failed;

	int			initialized;	/* initialize answered */
	char			protocol[16];
	json_t			*client_caps;
	int			client_log_level;	/* -1: not set */
	int			in_log_forward;

	json_t			*queue;		/* requests read while busy */

	/* The request being served (tools/call). */
	json_t			*current_id;
	json_t			*progress_token;
	double			last_progress;
	int			cancelled;

	/* Our own requests to the client. */
	long long		next_out_id;
	json_t			*answers;	/* "id" -> response object */
};

/* --------------------------------------------------------------- output */

static int
write_all(struct pxm_mcp_server *srv, const char *p, size_t n)
{
	ssize_t w;

	if (srv->write_failed)
		return PXM_E_TRANSPORT;
	while (n > 0) {
		w = write(srv->opt.out_fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			srv->write_failed = 1;
			return PXM_E_TRANSPORT;
		}
		p += w;
		n -= (size_t)w;
	}
	return PXM_OK;
}

/* One message, one line, one write. */
static int
send_json(struct pxm_mcp_server *srv, const json_t *msg)
{
	struct pxm_buf b = PXM_BUF_INIT;
	char *s;
	int r;

	if ((s = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		return PXM_E_NOMEM;
	r = pxm_buf_puts(&b, s);
	free(s);
	if (r == PXM_OK)
		r = pxm_buf_putc(&b, '\n');
	if (r == PXM_OK)
		r = write_all(srv, b.data, b.len);
	pxm_buf_free(&b);
	return r;
}

static int
send_result_new(struct pxm_mcp_server *srv, const json_t *id, json_t *result)
{
	json_t *msg;
	int r;

	msg = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result",
	    result ? result : json_object());
	if (msg == NULL)
		return PXM_E_NOMEM;
	r = send_json(srv, msg);
	json_decref(msg);
	return r;
}

/* A tool result as pxm_mcp_tool_result_new() built it: its text is the
 * compact serialisation of its structuredContent, so that text is written
 * twice (escaped, then raw) instead of serialising the object again.  Any
 * other shape goes the general way. */
static int
send_tool_result_new(struct pxm_mcp_server *srv, const json_t *id, json_t *result)
{
	struct pxm_buf b = PXM_BUF_INIT;
	json_t *content = json_object_get(result, "content"), *text;
	json_t *sc = json_object_get(result, "structuredContent");
	char *ids;
	int r;

	text = json_object_get(json_array_get(content, 0), "text");
	if (!json_is_object(sc) || json_array_size(content) != 1 || !json_is_string(text) ||
	    json_object_size(result) != (json_object_get(result, "isError") ? 3u : 2u) ||
	    json_string_length(text) < 2 || json_string_value(text)[0] != '{')
		return send_result_new(srv, id, result);
	if ((ids = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL) {
		json_decref(result);
		return PXM_E_NOMEM;
	}
	/* Any failed append leaves a short buffer: nothing is written then. */
	r = pxm_buf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":", ids);
	free(ids);
	if (r == PXM_OK)
		r = pxm_canon_dump_string(&b, json_string_value(text), json_string_length(text));
	if (r == PXM_OK)
		r = pxm_buf_puts(&b, "}],\"structuredContent\":");
	if (r == PXM_OK)
		r = pxm_buf_append(&b, json_string_value(text), json_string_length(text));
	if (r == PXM_OK && json_is_true(json_object_get(result, "isError")))
		r = pxm_buf_puts(&b, ",\"isError\":true");
	if (r == PXM_OK)
		r = pxm_buf_puts(&b, "}}\n");
	if (r == PXM_OK)
		r = write_all(srv, b.data, b.len);
	pxm_buf_free(&b);
	json_decref(result);
	return r;
}

static int
send_error(struct pxm_mcp_server *srv, const json_t *id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
send_error(struct pxm_mcp_server *srv, const json_t *id, int code, const char *fmt, ...)
{
	char msg[1024];
	json_t *m;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pxm_secret_scrub_buf(msg, sizeof msg);
	m = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	    id ? id : json_null(), "error", "code", code, "message", msg);
	if (m == NULL)
		return PXM_E_NOMEM;
	r = send_json(srv, m);
	json_decref(m);
	return r;
}

int
pxm_mcp_notify_new(struct pxm_mcp_server *srv, const char *method, json_t *params)
{
	json_t *m;
	int r;

	m = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
	if (m == NULL) {
		json_decref(params);
		return PXM_E_NOMEM;
	}
	if (params)
		json_object_set_new(m, "params", params);
	r = send_json(srv, m);
	json_decref(m);
	return r;
}

/* Log lines go to the client too once it asked for them (logging/setLevel). */
static void
forward_log(int level, const char *logger, const char *line, void *payload)
{
	struct pxm_mcp_server *srv = payload;
	const char *name = "error";
	size_t i;

	if (srv->client_log_level < 0 || level < srv->client_log_level ||
	    srv->in_log_forward || !srv->initialized)
		return;
	for (i = 0; i < sizeof mcp_levels / sizeof mcp_levels[0]; i++)
		if (mcp_levels[i].level == level) {
			name = mcp_levels[i].name;
			break;
		}
	srv->in_log_forward = 1;
	(void)pxm_mcp_notify_new(srv, "notifications/message",
	    json_pack("{s:s, s:s, s:s}", "level", name, "logger", logger ? logger : "proximo",
	    "data", line));
	srv->in_log_forward = 0;
}

/* --------------------------------------------------------------- input */

static int
read_some(struct pxm_mcp_server *srv)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(srv->opt.in_fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n <= 0) {
		srv->eof = 1;
		pxm_framer_set_eof(&srv->framer);
		return PXM_OK;
	}
	return pxm_framer_feed(&srv->framer, chunk, (size_t)n);
}

/*
 * Next framed message as parsed JSON, or NULL when nothing complete is
 * buffered.  Parse errors and oversized lines are answered here (they
 * carry no usable id) and yield a JSON null placeholder so callers can
 * tell "handled" from "nothing".
 */
static json_t *
next_buffered(struct pxm_mcp_server *srv)
{
	json_error_t jerr;
	size_t len;
	char *line;
	json_t *msg;
	int ev;

	for (;;) {
		ev = pxm_framer_next(&srv->framer, &line, &len);
		if (ev == PXM_FRAME_NONE)
			return NULL;
		if (ev == PXM_FRAME_OVERSIZED) {
			send_error(srv, NULL, JSONRPC_INVALID_REQUEST,
			    "Invalid Request: message of %zu bytes exceeds the limit of %zu bytes",
			    len, srv->framer.limit);
			return json_null();
		}
		if (len == 0)
			continue;	/* blank lines between messages are harmless */
		msg = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
		if (msg == NULL) {
			send_error(srv, NULL, JSONRPC_PARSE_ERROR,
			    "Parse error: %s (column %d)", jerr.text, jerr.column);
			return json_null();
		}
		return msg;
	}
}

/* Answers to our own requests, and cancellations, are acted on as soon as
 * they are read; everything else waits its turn in the queue. */
static int
absorb(struct pxm_mcp_server *srv, json_t *msg)
{
	const char *method;
	json_t *id, *params, *rid;
	char key[64];

	if (!json_is_object(msg))
		return 0;
	method = json_string_value(json_object_get(msg, "method"));
	id = json_object_get(msg, "id");
	if (method == NULL && pxm_rpc_valid_id(id) &&
	    (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
		if (json_is_integer(id)) {
			snprintf(key, sizeof key, "%lld", (long long)json_integer_value(id));
			json_object_set(srv->answers, key, msg);
		}
		return 1;	/* answers to unknown ids are dropped */
	}
	if (method && id == NULL && strcmp(method, "notifications/cancelled") == 0) {
		params = json_object_get(msg, "params");
		rid = json_object_get(params, "requestId");
		if (srv->current_id && rid && json_equal(rid, srv->current_id))
			srv->cancelled = 1;
		return 1;
	}
	return 0;
}

int
pxm_mcp_pump(struct pxm_mcp_server *srv, int timeout_ms)
{
	struct pollfd pfd;
	json_t *msg;
	int rc;

	if (!srv->eof) {
		pfd.fd = srv->opt.in_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc > 0)
			read_some(srv);
	} else if (timeout_ms > 0) {
		/* Nothing more will arrive; honour the caller's pacing. */
		struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	while ((msg = next_buffered(srv)) != NULL) {
		if (json_is_null(msg))
			continue;
		if (absorb(srv, msg)) {
			json_decref(msg);
			continue;
		}
		json_array_append_new(srv->queue, msg);
	}
	return PXM_OK;
}

/* ------------------------------------------------------------ helpers */

int
pxm_mcp_cancelled(const struct pxm_mcp_server *srv)
{
	return srv->cancelled;
}

int
pxm_mcp_has_progress(const struct pxm_mcp_server *srv)
{
	return srv->progress_token != NULL;
}

void
pxm_mcp_progress(struct pxm_mcp_server *srv, double progress, double total,
    const char *message)
{
	json_t *p;

	if (srv->progress_token == NULL || srv->cancelled)
		return;
	if (!(progress > srv->last_progress))
		progress = srv->last_progress + 1e-3;
	srv->last_progress = progress;
	p = json_pack("{s:O, s:f}", "progressToken", srv->progress_token, "progress", progress);
	if (p == NULL)
		return;
	if (total > 0)
		json_object_set_new(p, "total", json_real(total));
	if (message)
		json_object_set_new(p, "message", json_string(message));
	(void)pxm_mcp_notify_new(srv, "notifications/progress", p);
}

const json_t *
pxm_mcp_client_capabilities(const struct pxm_mcp_server *srv)
{
	return srv->client_caps;
}

const char *
pxm_mcp_protocol_version(const struct pxm_mcp_server *srv)
{
	return srv->protocol;
}

int
pxm_mcp_client_request_new(json_t **result, struct pxm_error *err,
    struct pxm_mcp_server *srv, const char *method, json_t *params, int timeout_ms)
{
	char key[64];
	json_t *m, *ans, *e;
	struct timespec start, now;
	long long id = ++srv->next_out_id;
	long elapsed;
	int r = PXM_E_INTERNAL;

	*result = NULL;
	snprintf(key, sizeof key, "%lld", id);
	m = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id,
	    "method", method, "params", params ? params : json_object());
	if (m == NULL)
		return PXM_E_NOMEM;
	r = send_json(srv, m);
	json_decref(m);
	if (r != PXM_OK)
		return pxm_error_set(err, PXM_E_TRANSPORT, "client", "cannot write to the client");
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if ((ans = json_object_get(srv->answers, key)) != NULL)
			break;
		if (srv->cancelled)
			return pxm_error_set(err, PXM_E_CANCELLED, "cancelled",
			    "the client cancelled the request while %s was pending", method);
		if (srv->eof && pxm_framer_pending(&srv->framer) == 0)
			return pxm_error_set(err, PXM_E_TRANSPORT, "client",
			    "the client closed its input while %s was pending", method);
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L;
		if (timeout_ms > 0 && elapsed >= timeout_ms)
			return pxm_error_set(err, PXM_E_TIMEOUT, "client",
			    "no answer to %s within %d s", method, timeout_ms / 1000);
		pxm_mcp_pump(srv, 200);
	}
	json_incref(ans);
	json_object_del(srv->answers, key);
	if ((e = json_object_get(ans, "error")) != NULL) {
		r = pxm_error_set(err, PXM_E_REMOTE, "client", "the client answered %s with error %lld: %s",
		    method, (long long)json_integer_value(json_object_get(e, "code")),
		    json_string_value(json_object_get(e, "message")) ?
		    json_string_value(json_object_get(e, "message")) : "");
	} else {
		*result = json_incref(json_object_get(ans, "result"));
		r = PXM_OK;
	}
	json_decref(ans);
	return r;
}

json_t *
pxm_mcp_tool_result_new(json_t *structured, int is_error)
{
	json_t *res;
	char *text;

	text = json_dumps(structured, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	res = json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text", text ? text : "null");
	free(text);
	if (res == NULL) {
		json_decref(structured);
		return NULL;
	}
	if (json_is_object(structured))
		json_object_set_new(res, "structuredContent", structured);
	else
		json_decref(structured);
	if (is_error)
		json_object_set_new(res, "isError", json_true());
	return res;
}

json_t *
pxm_mcp_tool_error_text(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pxm_secret_scrub_buf(msg, sizeof msg);
	return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", msg,
	    "isError", 1);
}

/* ------------------------------------------------------------ methods */

static int
handle_initialize(struct pxm_mcp_server *srv, const json_t *id, const json_t *params)
{
	const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
	const char *chosen = protocol_versions[0];
	json_t *res, *caps;
	size_t i;

	if (srv->initialized)
		return send_error(srv, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: the session is already initialized");
	if (!json_is_object(params) || asked == NULL)
		return send_error(srv, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: initialize needs params.protocolVersion (a string)");
	for (i = 0; i < sizeof protocol_versions / sizeof protocol_versions[0]; i++)
		if (strcmp(asked, protocol_versions[i]) == 0)
			chosen = protocol_versions[i];
	snprintf(srv->protocol, sizeof srv->protocol, "%s", chosen);
	caps = json_object_get(params, "capabilities");
	json_decref(srv->client_caps);
	srv->client_caps = json_is_object(caps) ? json_incref(caps) : json_object();
	res = json_pack("{s:s, s:{s:{s:b}, s:{}}, s:{s:s, s:s, s:s}}",
	    "protocolVersion", chosen,
	    "capabilities", "tools", "listChanged", 1, "logging",
	    "serverInfo", "name", "proximo", "title", "Proximo", "version", PACKAGE_VERSION);
	if (res == NULL)
		return PXM_E_NOMEM;
	if (srv->opt.instructions)
		json_object_set_new(res, "instructions", json_string(srv->opt.instructions));
	srv->initialized = 1;
	return send_result_new(srv, id, res);
}

/* tools/list: pages are concatenations of each tool's cached JSON. */
static int
handle_tools_list(struct pxm_mcp_server *srv, const json_t *id, const json_t *params)
{
	const json_t *cursor = json_object_get(params, "cursor");
	size_t start = 0, end, i, n = pxm_registry_count(srv->reg);
	struct pxm_buf b = PXM_BUF_INIT;
	char *ids, *endp;
	unsigned long v;
	int r;

	if (cursor && !json_is_null(cursor)) {
		const char *c = json_string_value(cursor);

		if (c == NULL || strncmp(c, "page:", 5) != 0)
			goto bad_cursor;
		errno = 0;
		v = strtoul(c + 5, &endp, 10);
		if (errno || *endp || endp == c + 5 || v == 0 || v >= n)
			goto bad_cursor;
		start = v;
	}
	end = start + srv->opt.page_size;
	if (end > n)
		end = n;
	if ((ids = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		return PXM_E_NOMEM;
	pxm_buf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"tools\":[", ids);
	free(ids);
	for (i = start; i < end; i++) {
		const char *entry;
		size_t len;

		if ((entry = pxm_registry_listing(pxm_registry_at(srv->reg, i), &len)) == NULL) {
			pxm_buf_free(&b);
			return PXM_E_NOMEM;
		}
		if (i > start)
			pxm_buf_putc(&b, ',');
		pxm_buf_append(&b, entry, len);
	}
	pxm_buf_putc(&b, ']');
	if (end < n)
		pxm_buf_printf(&b, ",\"nextCursor\":\"page:%zu\"", end);
	pxm_buf_puts(&b, "}}\n");
	r = b.data ? write_all(srv, b.data, b.len) : PXM_E_NOMEM;
	pxm_buf_free(&b);
	return r;
bad_cursor:
	return send_error(srv, id, JSONRPC_INVALID_PARAMS,
	    "Invalid params: unknown cursor; pass the nextCursor of a previous tools/list, or none");
}

static int
handle_tools_call(struct pxm_mcp_server *srv, const json_t *id, const json_t *params)
{
	const char *name;
	const json_t *args, *meta, *tok;
	const struct pxm_tool_def *def;
	struct pxm_error err;
	json_t *result = NULL, *empty = NULL;
	char near[256];
	int r;

	if (!json_is_object(params))
		return send_error(srv, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: tools/call needs params {name, arguments}");
	if ((name = json_string_value(json_object_get(params, "name"))) == NULL)
		return send_error(srv, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: tools/call needs params.name (the tool's name, a string)");
	if ((def = pxm_registry_find(srv->reg, name)) == NULL) {
		pxm_registry_suggest(srv->reg, name, near, sizeof near);
		return send_error(srv, id, JSONRPC_INVALID_PARAMS,
		    "Unknown tool: '%.100s'%s%s%s", name, near[0] ? "; did you mean: " : "",
		    near, near[0] ? "?" : " (tools/list shows what this server serves)");
	}
	args = json_object_get(params, "arguments");
	if (args == NULL || json_is_null(args))
		args = empty = json_object();
	else if (!json_is_object(args))
		return send_error(srv, id, JSONRPC_INVALID_PARAMS,
		    "Invalid params: params.arguments must be an object");
	meta = json_object_get(params, "_meta");
	tok = json_object_get(meta, "progressToken");
	srv->current_id = json_incref((json_t *)id);
	srv->progress_token = (json_is_string(tok) || json_is_integer(tok)) ?
	    json_incref((json_t *)tok) : NULL;
	srv->last_progress = 0;
	srv->cancelled = 0;

	pxm_error_clear(&err);
	r = srv->opt.tool_call(&result, &err, srv, def, args, srv->opt.tool_call_payload);
	if (srv->cancelled) {
		/* The spec: a cancelled request gets no response. */
		r = PXM_OK;
	} else if (r != PXM_OK || result == NULL) {
		pxm_secret_scrub_buf(err.text, sizeof err.text);
		r = send_error(srv, id, JSONRPC_INTERNAL, "Internal error: %s",
		    err.text[0] ? err.text : pxm_strerror(r));
	} else {
		r = send_tool_result_new(srv, id, result);
		result = NULL;
	}
	json_decref(result);
	json_decref(empty);
	json_decref(srv->current_id);
	json_decref(srv->progress_token);
	srv->current_id = srv->progress_token = NULL;
	srv->cancelled = 0;
	return r;
}

static int
handle_set_level(struct pxm_mcp_server *srv, const json_t *id, const json_t *params)
{
	const char *lvl = json_string_value(json_object_get(params, "level"));
	size_t i;

	for (i = 0; lvl && i < sizeof mcp_levels / sizeof mcp_levels[0]; i++)
		if (strcmp(lvl, mcp_levels[i].name) == 0) {
			srv->client_log_level = mcp_levels[i].level;
			return send_result_new(srv, id, json_object());
		}
	return send_error(srv, id, JSONRPC_INVALID_PARAMS,
	    "Invalid params: level must be one of debug, info, notice, warning, error, "
	    "critical, alert, emergency");
}

static int
dispatch(struct pxm_mcp_server *srv, json_t *msg)
{
	struct pxm_rpc_envelope env;
	const json_t *id, *params;
	const char *method;

	pxm_rpc_classify(&env, msg);
	switch (env.kind) {
	case PXM_RPC_INVALID:
		return send_error(srv, env.id, env.code, "%s", env.message);
	case PXM_RPC_RESPONSE:	/* a late answer to one of our requests */
	case PXM_RPC_DROP:	/* a malformed notification: nobody to tell */
		return PXM_OK;
	case PXM_RPC_NOTIFICATION:
		/* Never answered (notifications/initialized needs no action). */
		return PXM_OK;
	default:
		break;
	}
	id = env.id;
	method = env.method;
	params = env.params;
	if (strcmp(method, "ping") == 0)
		return send_result_new(srv, id, json_object());
	if (strcmp(method, "initialize") == 0)
		return handle_initialize(srv, id, params);
	if (!srv->initialized)
		return send_error(srv, id, JSONRPC_INVALID_REQUEST,
		    "Invalid Request: the session is not initialized; send initialize first");
	if (strcmp(method, "tools/list") == 0)
		return handle_tools_list(srv, id, params);
	if (strcmp(method, "tools/call") == 0)
		return handle_tools_call(srv, id, params);
	if (strcmp(method, "logging/setLevel") == 0)
		return handle_set_level(srv, id, params);
	return send_error(srv, id, JSONRPC_NO_METHOD, "Method not found: %.100s", method);
}

/* ------------------------------------------------------------ lifecycle */

int
pxm_mcp_server_new(struct pxm_mcp_server **out, struct pxm_error *err,
    struct pxm_registry *reg, const struct pxm_mcp_options *opt)
{
	struct pxm_mcp_server *srv;

	*out = NULL;
	if (opt->tool_call == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "mcp", "no tool-call handler");
	if ((srv = calloc(1, sizeof *srv)) == NULL)
		return PXM_E_NOMEM;
	srv->reg = reg;
	srv->opt = *opt;
	if (srv->opt.max_message == 0)
		srv->opt.max_message = 16u * 1024 * 1024;
	if (srv->opt.page_size == 0)
		srv->opt.page_size = 100;
	srv->client_log_level = -1;
	srv->queue = json_array();
	srv->answers = json_object();
	pxm_framer_init(&srv->framer, srv->opt.max_message);
	if (srv->queue == NULL || srv->answers == NULL) {
		pxm_mcp_server_free(srv);
		return PXM_E_NOMEM;
	}
	pxm_log_set_forwarder(forward_log, srv);
	*out = srv;
	return PXM_OK;
}

void
pxm_mcp_server_free(struct pxm_mcp_server *srv)
{
	if (srv == NULL)
		return;
	pxm_log_set_forwarder(NULL, NULL);
	pxm_framer_free(&srv->framer);
	json_decref(srv->queue);
	json_decref(srv->answers);
	json_decref(srv->client_caps);
	free(srv);
}

int
pxm_mcp_server_run(struct pxm_mcp_server *srv)
{
	json_t *msg;

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if (srv->write_failed)
			return PXM_E_TRANSPORT;
		if (json_array_size(srv->queue)) {
			msg = json_incref(json_array_get(srv->queue, 0));
			json_array_remove(srv->queue, 0);
		} else if ((msg = next_buffered(srv)) == NULL) {
			if (srv->eof)
				return PXM_OK;
			read_some(srv);
			continue;
		}
		if (!json_is_null(msg) && !absorb(srv, msg))
			dispatch(srv, msg);
		json_decref(msg);
	}
}
