/**
 * @file server.h
 * @brief The MCP server over stdio: JSON-RPC framing, lifecycle, and the
 *        dispatch of initialize, ping, tools/list, tools/call,
 *        logging/setLevel and notifications.
 *
 * One thread.  While a tool call runs, the call path may pump the input
 * (pxm_mcp_pump) so cancellations and the client's answers to our own
 * requests (elicitation) are seen; other requests read meanwhile are queued
 * and served afterwards, in order.
 */
#ifndef PXM_MCP_SERVER_H
#define PXM_MCP_SERVER_H

#include <stddef.h>

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_registry;
struct pxm_tool_def;
struct pxm_mcp_server;

/** What tools/call runs once the tool is found.  *result is a new
 *  CallToolResult object (content, structuredContent, isError).  A non-OK
 *  return is an internal error (-32603). */
typedef int pxm_mcp_tool_call_fn(json_t **result, struct pxm_error *err,
    struct pxm_mcp_server *srv, const struct pxm_tool_def *def, const json_t *args,
    void *payload);

struct pxm_mcp_options {
	int			in_fd;
	int			out_fd;
	size_t			max_message;	/* bytes; 0: 16 MiB */
	size_t			page_size;	/* tools per tools/list page; 0: 100 */
	const char		*instructions;	/* initialize's instructions, or NULL */
	pxm_mcp_tool_call_fn	*tool_call;
	void			*tool_call_payload;
};

int	pxm_mcp_server_new(struct pxm_mcp_server **out, struct pxm_error *err,
	    struct pxm_registry *reg, const struct pxm_mcp_options *opt);
void	pxm_mcp_server_free(struct pxm_mcp_server *srv);
/** Serve until EOF on input.  Returns PXM_OK on a clean end. */
int	pxm_mcp_server_run(struct pxm_mcp_server *srv);

/* ---- for the call path, while a tools/call is being served */

/** Read whatever input is available within timeout_ms (0: do not wait),
 *  acting on cancellations and responses at once, queueing requests. */
int	pxm_mcp_pump(struct pxm_mcp_server *srv, int timeout_ms);
/** 1 once the client cancelled the request being served. */
int	pxm_mcp_cancelled(const struct pxm_mcp_server *srv);
/** 1 when the client sent a progressToken with the current request. */
int	pxm_mcp_has_progress(const struct pxm_mcp_server *srv);
/** notifications/progress for the current request (if it asked); progress
 *  values are forced to increase. */
void	pxm_mcp_progress(struct pxm_mcp_server *srv, double progress, double total,
	    const char *message);
/** Send a notification (steals params). */
int	pxm_mcp_notify_new(struct pxm_mcp_server *srv, const char *method, json_t *params);
/**
 * Send a request to the client and wait for its answer (elicitation).
 * *result receives the "result" member (new) or NULL with err set when the
 * client answered an error, the request was cancelled, input ended or
 * timeout_ms passed.  Steals params.
 */
int	pxm_mcp_client_request_new(json_t **result, struct pxm_error *err,
	    struct pxm_mcp_server *srv, const char *method, json_t *params, int timeout_ms);
/** The client's declared capabilities (borrowed; NULL before initialize). */
const json_t *pxm_mcp_client_capabilities(const struct pxm_mcp_server *srv);
/** The negotiated protocol version ("" before initialize). */
const char *pxm_mcp_protocol_version(const struct pxm_mcp_server *srv);

/** Helpers for building CallToolResult objects (new references). */
json_t	*pxm_mcp_tool_result_new(json_t *structured, int is_error);
json_t	*pxm_mcp_tool_error_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
