/**
 * @file jsonrpc.h
 * @brief JSON-RPC 2.0 envelope classification: what a parsed stdio message
 *        is, and the error it earns when it is not a usable message.
 *
 * Pure (no I/O, no state), so that the server's dispatcher and the fuzz
 * targets share one decision.
 */
#ifndef PXM_MCP_JSONRPC_H
#define PXM_MCP_JSONRPC_H

#include <jansson.h>

#define PXM_RPC_PARSE_ERROR	(-32700)
#define PXM_RPC_INVALID_REQUEST	(-32600)
#define PXM_RPC_NO_METHOD	(-32601)
#define PXM_RPC_INVALID_PARAMS	(-32602)
#define PXM_RPC_INTERNAL	(-32603)

#define PXM_RPC_REQUEST		1	/* method and id: answer it */
#define PXM_RPC_NOTIFICATION	2	/* method, no id: never answered */
#define PXM_RPC_RESPONSE	3	/* result or error, no method: an answer to us */
#define PXM_RPC_INVALID		4	/* answer `code`/`message` to `id` (may be NULL) */
#define PXM_RPC_DROP		5	/* a malformed notification: nobody to tell */

struct pxm_rpc_envelope {
	int		kind;		/* PXM_RPC_* */
	const json_t	*id;		/* borrowed; NULL when absent or unusable */
	const char	*method;	/* borrowed; NULL unless REQUEST/NOTIFICATION */
	const json_t	*params;	/* borrowed object, or NULL */
	int		code;		/* INVALID: the JSON-RPC error code */
	const char	*message;	/* INVALID: static text saying what is accepted */
};

/** Classify a parsed message (borrowed).  Always fills *out. */
void	pxm_rpc_classify(struct pxm_rpc_envelope *out, const json_t *msg);
/** 1 when id is usable as a JSON-RPC id here (a string or an integer). */
int	pxm_rpc_valid_id(const json_t *id);

#endif
