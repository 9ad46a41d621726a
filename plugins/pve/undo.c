/**
 * @file undo.c
 * @brief The UNDO provider for guests: a snapshot, waited on.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pve.h"

static int
make_point(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *target,
    const char *point, void *payload)
{
	const char *node = json_string_value(json_object_get(target, "node"));
	const char *kind = json_string_value(json_object_get(target, "kind"));
	json_t *vars, *params, *data = NULL;
	char path[1024], revert[256];
	int r;

	(void)payload;
	*out = NULL;
	vars = json_pack("{s:s, s:s, s:O}", "node", node ? node : "", "kind", kind ? kind : "lxc",
	    "vmid", json_object_get(target, "vmid"));
	r = pve_path(path, sizeof path, err, "/nodes/{node}/{kind}/{vmid}/snapshot", vars);
	json_decref(vars);
	if (r != PXM_OK)
		return r;
	params = json_pack("{s:s}", "snapname", point);
	r = pve_send(&data, err, call, "POST", path, params);
	json_decref(params);
	if (r != PXM_OK)
		return r;
	/* Waited on: an undo point that is not there yet is no undo point. */
	r = pve_task_wait_ok(err, call, node, json_string_value(data), 120);
	if (r == PXM_OK) {
		snprintf(revert, sizeof revert, "pve_rollback node=%s kind=%s vmid=%lld snapname=%s",
		    node, kind, (long long)json_integer_value(json_object_get(target, "vmid")), point);
		*out = json_pack("{s:s, s:O, s:s}", "point", point, "task", data, "revert", revert);
	}
	json_decref(data);
	return r;
}

int
pve_undo_provider_register(void)
{
	struct pxm_undo_provider p;

	memset(&p, 0, sizeof p);
	p.size = sizeof p;
	p.name = "pve-snapshot";
	p.make_point = make_point;
	return pve_host->register_undo_provider(pve_self, &p);
}
