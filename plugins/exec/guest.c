/**
 * @file guest.c
 * @brief Where a container lives, from the PVE API: its node (which the
 *        undo snapshot needs), its state and its name.
 *
 * The ssh target may not be the node a CT runs on (PROXIMO_NODE names one
 * node of a cluster); the cluster's own index does.  Only GETs: these run
 * inside plans and read tools.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

static struct pxm_endpoint *
pve(void)
{
	return exec_host->endpoint(exec_self, "pve");
}

const char *
exec_default_node(void)
{
	return exec_host->endpoint_node(pve());
}

int
exec_guest_lookup(json_t **out, struct pxm_error *err, struct pxm_call *call, const char *ctid)
{
	struct pxm_http_request req;
	struct pxm_http_response resp;
	json_t *params, *row;
	long long want = strtoll(ctid, NULL, 10);
	size_t i;
	int r;

	*out = NULL;
	params = json_pack("{s:s}", "type", "vm");
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "GET";
	req.path = "/cluster/resources";
	req.params = params;
	memset(&resp, 0, sizeof resp);
	r = exec_host->http_request(&resp, err, call, pve(), &req);
	json_decref(params);
	if (r != PXM_OK) {
		exec_host->http_response_clear(&resp);
		return r;
	}
	json_array_foreach(resp.data, i, row) {
		const json_t *id = json_object_get(row, "vmid");

		if (!(json_is_integer(id) && json_integer_value(id) == want) &&
		    !(json_is_string(id) && strcmp(json_string_value(id), ctid) == 0))
			continue;
		*out = json_object();
		json_object_set(*out, "node", json_object_get(row, "node"));
		json_object_set(*out, "type", json_object_get(row, "type"));
		json_object_set(*out, "status", json_object_get(row, "status"));
		if (json_object_get(row, "name"))
			json_object_set(*out, "name", json_object_get(row, "name"));
		if (json_object_get(row, "lock"))
			json_object_set(*out, "lock", json_object_get(row, "lock"));
		break;
	}
	exec_host->http_response_clear(&resp);
	return PXM_OK;
}
