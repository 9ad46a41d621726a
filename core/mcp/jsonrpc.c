/**
 * @file jsonrpc.c
 * @brief JSON-RPC 2.0 envelope classification.
 */
#include "config.h"

#include <string.h>

#include "mcp/jsonrpc.h"

int
pxm_rpc_valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

/* The first rule a message breaks, as (id to answer, code, text); NULL
 * text when it breaks none. */
static const char *
first_fault(const json_t *msg, const json_t **id, int *code)
{
	const json_t *ver, *params;

	*id = NULL;
	*code = PXM_RPC_INVALID_REQUEST;
	if (json_is_array(msg))
		return "Invalid Request: JSON-RPC batches are not supported (removed in MCP "
		    "2025-06-18); send one message per line";
	if (!json_is_object(msg))
		return "Invalid Request: a message must be a JSON object";
	/* A bad id cannot be echoed back: its error goes to id null. */
	if (json_object_get(msg, "id") && !pxm_rpc_valid_id(json_object_get(msg, "id")))
		return "Invalid Request: id must be a string or an integer (never null)";
	*id = json_object_get(msg, "id");
	ver = json_object_get(msg, "jsonrpc");
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
		return "Invalid Request: jsonrpc must be \"2.0\"";
	if (json_string_value(json_object_get(msg, "method")) == NULL) {
		if (json_object_get(msg, "result") || json_object_get(msg, "error"))
			return NULL;	/* a response */
		return "Invalid Request: a request needs a method (a string)";
	}
	params = json_object_get(msg, "params");
	if (params && !json_is_object(params)) {
		*code = PXM_RPC_INVALID_PARAMS;
		return "Invalid params: params must be an object";
	}
	return NULL;
}

void
pxm_rpc_classify(struct pxm_rpc_envelope *out, const json_t *msg)
{
	const json_t *id;
	const char *fault;
	int code;

	memset(out, 0, sizeof *out);
	fault = first_fault(msg, &id, &code);
	out->id = id;
	if (fault != NULL) {
		/* A notification is never answered, even with an error. */
		if (code == PXM_RPC_INVALID_PARAMS && id == NULL) {
			out->kind = PXM_RPC_DROP;
			return;
		}
		out->kind = PXM_RPC_INVALID;
		out->code = code;
		out->message = fault;
		return;
	}
	out->method = json_string_value(json_object_get(msg, "method"));
	if (out->method == NULL) {
		out->kind = PXM_RPC_RESPONSE;
		return;
	}
	out->params = json_object_get(msg, "params");
	out->kind = id ? PXM_RPC_REQUEST : PXM_RPC_NOTIFICATION;
}
