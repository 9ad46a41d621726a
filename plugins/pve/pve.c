/**
 * @file pve.c
 * @brief The Proxmox VE plugin: registration of the curated tools (from the
 *        generated table), the hand-written ones, the generic door, and the
 *        task and undo providers; shared helpers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "diagnose.h"
#include "pve.h"

const struct pxm_host *pve_host;
struct pxm_plugin *pve_self;
struct pxm_endpoint *pve_ep;

/* Parsed kind schemas of {kind} tools, by table index. */
static json_t **kind_schemas;

const char *
pve_node(struct pxm_error *err, const json_t *args)
{
	const char *n = json_string_value(json_object_get(args, "node"));

	if (n == NULL)
		n = pve_host->endpoint_node(pve_ep);
	if (n == NULL)
		pve_fail(err, PXM_E_CONFIG, "config", "no node given and no default node: pass "
		    "node or set PROXIMO_NODE");
	return n;
}

const char *
pve_kind(const json_t *args)
{
	const char *k = json_string_value(json_object_get(args, "kind"));

	return k ? k : "lxc";
}

/* Where a guest lives and what it is, from the cluster's own index, so
 * callers need only its id (PROXIMO_NODE may not be the guest's node). */
int
pve_guest_complete(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args)
{
	const json_t *vmid = json_object_get(args, "vmid");
	json_t *rows = NULL, *q, *row, *hit = NULL;
	size_t i;
	int r;

	*out = json_deep_copy(args);
	if (!json_is_integer(vmid) || (json_object_get(args, "kind") && json_object_get(args, "node")))
		return PXM_OK;
	q = json_pack("{s:s}", "type", "vm");
	r = pve_get(&rows, err, call, "/cluster/resources", NULL, q);
	json_decref(q);
	if (r != PXM_OK) {
		json_decref(*out);
		*out = NULL;
		return r;
	}
	json_array_foreach(rows, i, row)
		if (json_integer_value(json_object_get(row, "vmid")) == json_integer_value(vmid))
			hit = row;
	if (hit == NULL) {
		json_decref(rows);
		json_decref(*out);
		*out = NULL;
		return pve_fail(err, PXM_E_NOTFOUND, "not_found", "guest %lld does not exist in this "
		    "cluster (it is not in /cluster/resources)", (long long)json_integer_value(vmid));
	}
	if (json_object_get(args, "kind") == NULL)
		json_object_set(*out, "kind", json_object_get(hit, "type"));
	if (json_object_get(args, "node") == NULL)
		json_object_set(*out, "node", json_object_get(hit, "node"));
	json_decref(rows);
	return PXM_OK;
}

/* API tools on a guest: complete node (and kind, for {kind} paths) from
 * the guest's id.  A path that names one kind keeps no "kind" argument
 * (it would be sent as an unknown parameter), and a guest of the other
 * kind is refused before anything is sent. */
static int
guest_prepare(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	const struct pve_gen_tool *g = payload;
	const char *fixed = NULL, *kind;
	int r;

	if ((r = pve_guest_complete(out, err, call, args)) != PXM_OK)
		return r;
	if (strstr(g->path, "{kind}"))
		return PXM_OK;
	if (strstr(g->path, "/qemu/{vmid}"))
		fixed = "qemu";
	else if (strstr(g->path, "/lxc/{vmid}"))
		fixed = "lxc";
	kind = json_string_value(json_object_get(*out, "kind"));
	if (fixed && kind && strcmp(kind, fixed) != 0) {
		r = pve_fail(err, PXM_E_INVAL, "invalid_argument", "guest %lld is %s, and %s works "
		    "on %s only", (long long)json_integer_value(json_object_get(args, "vmid")),
		    strcmp(kind, "lxc") == 0 ? "a container (lxc)" : "a virtual machine (qemu)",
		    g->name, strcmp(fixed, "lxc") == 0 ? "containers (lxc)" : "virtual machines (qemu)");
		json_decref(*out);
		*out = NULL;
		return r;
	}
	json_object_del(*out, "kind");
	return PXM_OK;
}

/* Tools on a volume: a volume id names its storage ("local:iso/x.iso"),
 * so {storage} comes from it when left out, and a storage that
 * contradicts it is refused before anything is sent. */
static int
volume_prepare(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	const char *vol = json_string_value(json_object_get(args, "volume"));
	const char *storage = json_string_value(json_object_get(args, "storage"));
	const char *colon = vol ? strchr(vol, ':') : NULL;
	char prefix[256];

	(void)call;
	(void)payload;
	*out = NULL;
	if (colon == NULL) {
		if (storage == NULL)
			return pve_fail(err, PXM_E_INVAL, "invalid_argument", "volume '%s' names no "
			    "storage: pass a full volume id (storage:path) or storage",
			    vol ? vol : "");
		*out = json_deep_copy(args);
		return PXM_OK;
	}
	snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - vol), vol);
	if (storage && strcmp(storage, prefix) != 0)
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "volume '%s' is on storage "
		    "'%s', not '%s'", vol, prefix, storage);
	*out = json_deep_copy(args);
	json_object_set_new(*out, "storage", json_string(prefix));
	return PXM_OK;
}

int
pve_path(char *buf, size_t size, struct pxm_error *err, const char *pattern, const json_t *vars)
{
	return pve_host->path_expand(buf, size, err, pattern, vars);
}

static int
request(json_t **out, struct pxm_error *err, struct pxm_call *call, const char *method,
    const char *path, const json_t *params)
{
	struct pxm_http_request req;
	struct pxm_http_response resp;
	int r;

	*out = NULL;
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = method;
	req.path = path;
	req.params = params;
	if (strcmp(method, "GET") != 0)
		req.flags = PXM_HTTP_NO_RETRY;
	r = pve_host->http_request(&resp, err, call, pve_ep, &req);
	if (r == PXM_OK) {
		*out = resp.data ? resp.data : json_null();
		resp.data = NULL;
	}
	pve_host->http_response_clear(&resp);
	return r;
}

int
pve_get(json_t **out, struct pxm_error *err, struct pxm_call *call, const char *pattern,
    const json_t *vars, const json_t *params)
{
	char path[2048];
	int r;

	*out = NULL;
	if ((r = pve_path(path, sizeof path, err, pattern, vars)) != PXM_OK)
		return r;
	return request(out, err, call, "GET", path, params);
}

int
pve_send(json_t **out, struct pxm_error *err, struct pxm_call *call, const char *method,
    const char *path, const json_t *params)
{
	return request(out, err, call, method, path, params);
}

const struct pve_gen_tool *
pve_gen_find(const char *name)
{
	size_t i;

	for (i = 0; i < pve_gen_ntools; i++)
		if (strcmp(pve_gen_tools[i].name, name) == 0)
			return &pve_gen_tools[i];
	return NULL;
}

/* Hand-written mutations stash the requests their plan declared; this
 * sends them in order (the transport checks each against the plan). */
int
pve_send_effects_execute(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, const struct pxm_plan *plan, void *payload)
{
	const json_t *reqs = json_object_get(pve_host->plan_stash(plan), "requests"), *rq;
	json_t *data = NULL;
	size_t i;
	int r = PXM_OK;

	(void)args;
	(void)payload;
	*out = NULL;
	json_array_foreach(reqs, i, rq) {
		json_decref(data);
		data = NULL;
		r = pve_send(&data, err, call, json_string_value(json_object_get(rq, "method")),
		    json_string_value(json_object_get(rq, "path")), json_object_get(rq, "params"));
		if (r != PXM_OK)
			break;
		if (json_is_string(data) && strncmp(json_string_value(data), "UPID:", 5) == 0)
			pve_host->call_set_task(call, json_string_value(data));
	}
	if (r == PXM_OK)
		*out = data ? data : json_null();
	else
		json_decref(data);
	return r;
}

int
pve_kind_check_plan(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const struct pve_gen_tool *g = payload;
	size_t idx = (size_t)(g - pve_gen_tools);
	json_t *schema, *a;
	const char *kind = pve_kind(args);
	int r;

	(void)call;
	(void)plan;
	if (kind_schemas[idx] == NULL &&
	    (kind_schemas[idx] = json_loads(g->kind_schemas, 0, NULL)) == NULL)
		return pve_fail(err, PXM_E_INTERNAL, "internal", "bad kind schemas of %s", g->name);
	schema = json_object_get(kind_schemas[idx], kind);
	a = json_deep_copy(args);
	json_object_del(a, "kind");
	r = pve_host->schema_validate(err, schema, a);
	json_decref(a);
	if (r != PXM_OK) {
		char msg[sizeof err->text];

		snprintf(msg, sizeof msg, "%s", err->text);
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "for kind %s: %s", kind, msg);
	}
	return PXM_OK;
}

struct hand_tool {
	const char	*name;
	pxm_read_fn	*read;
	pxm_plan_fn	*plan;
	pxm_execute_fn	*execute;
};

static const struct hand_tool hand_tools[] = {
	{ "pve_list_guests", pve_list_guests_read, NULL, NULL },
	{ "pve_cluster_resources", pve_cluster_resources_read, NULL, NULL },
	{ "pve_tasks_list", pve_tasks_list_read, NULL, NULL },
	{ "pve_task_wait", pve_task_wait_read, NULL, NULL },
	{ "pve_storage_content", pve_storage_content_read, NULL, NULL },
	{ "pve_backup_list", pve_backup_list_read, NULL, NULL },
	{ "pve_guest_config_set", NULL, pve_config_set_plan, pve_config_set_execute },
	{ "pve_guest_config_revert", NULL, pve_config_revert_plan, pve_config_revert_execute },
	{ "pve_guest_power", NULL, pve_power_plan, pve_send_effects_execute },
	{ "pve_rollback", NULL, pve_rollback_plan, pve_send_effects_execute },
};

static int
register_one(const struct pve_gen_tool *g)
{
	struct pxm_api_tool a;
	struct pxm_tool t;
	size_t i;

	if (g->handler == PVE_HANDLER_API) {
		memset(&a, 0, sizeof a);
		a.size = sizeof a;
		a.kind = g->kind;
		a.flags = g->flags;
		a.risk = g->risk;
		a.name = g->name;
		a.title = g->title;
		a.description = g->description;
		a.method = g->method;
		a.path = g->path;
		a.input_schema = g->input_schema;
		a.target = g->target;
		a.change = g->change;
		a.privileges = g->privileges;
		if (g->kind_schemas && g->kind != PXM_KIND_READ)
			a.plan = pve_kind_check_plan;
		if (strstr(g->path, "{vmid}"))
			a.prepare = guest_prepare;
		else if (strstr(g->path, "{storage}") && strstr(g->path, "{volume}"))
			a.prepare = volume_prepare;
		a.payload = (void *)g;
		return pve_host->register_api_tool(pve_self, pve_ep, &a);
	}
	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = g->kind;
	t.flags = g->flags;
	t.name = g->name;
	t.title = g->title;
	t.description = g->description;
	t.input_schema = g->input_schema;
	t.privileges = g->privileges;
	t.payload = (void *)g;
	if (g->handler == PVE_HANDLER_SCOPED) {
		if (g->kind == PXM_KIND_READ) {
			t.read = pve_scoped_read;
		} else {
			t.plan = pve_scoped_plan;
			t.execute = pve_send_effects_execute;
		}
		return pve_host->register_tool(pve_self, &t);
	}
	for (i = 0; i < sizeof hand_tools / sizeof hand_tools[0]; i++) {
		if (strcmp(hand_tools[i].name, g->name) != 0)
			continue;
		t.read = hand_tools[i].read;
		t.plan = hand_tools[i].plan;
		t.execute = hand_tools[i].execute;
		return pve_host->register_tool(pve_self, &t);
	}
	pve_host->log(pve_self, PXM_LOG_ERROR, "curated tool %s has no hand-written handler", g->name);
	return PXM_E_INTERNAL;
}

static int
pve_init(const struct pxm_host *host, struct pxm_plugin *self)
{
	size_t i;
	int r;

	if (host->sdk_major != PXM_SDK_VERSION_MAJOR || !PXM_HOST_HAS(host, path_match))
		return PXM_E_ABI;
	pve_host = host;
	pve_self = self;
	if ((pve_ep = host->endpoint(self, "pve")) == NULL)
		return PXM_E_UNSUPPORTED;
	if ((kind_schemas = calloc(pve_gen_ntools, sizeof *kind_schemas)) == NULL)
		return PXM_E_NOMEM;
	for (i = 0; i < pve_gen_ntools; i++)
		if ((r = register_one(&pve_gen_tools[i])) != PXM_OK)
			return r;
	if ((r = pve_door_register()) != PXM_OK)
		return r;
	if ((r = pve_task_provider_register()) != PXM_OK)
		return r;
	if ((r = pve_blast_register()) != PXM_OK)
		return r;
	if ((r = pve_diagnose_register()) != PXM_OK)
		return r;
	return pve_undo_provider_register();
}

static void
pve_fini(struct pxm_plugin *self)
{
	size_t i;

	(void)self;
	pve_door_fini();
	for (i = 0; kind_schemas && i < pve_gen_ntools; i++)
		json_decref(kind_schemas[i]);
	free(kind_schemas);
	kind_schemas = NULL;
}

PXM_PLUGIN_DEFINE(pve, PACKAGE_VERSION, "Apache-2.0",
    "Proxmox VE: guests, cluster, storage, network, firewall, SDN, access, nodes",
    pve_init, pve_fini);
