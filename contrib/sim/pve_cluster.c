/**
 * @file pve_cluster.c
 * @brief proximo-sim: PVE cluster, nodes, storage, pools, network, HA status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "pve.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define GiB	(1024LL * 1024 * 1024)

static json_t *
pve(struct sim_req *rq)
{
	return st_surf(rq->sim, SIM_PVE);
}

static int
is_root(const struct sim_req *rq)
{
	return strcmp(rq->id.authid, "root@pam") == 0;
}

static int
allowed(struct sim_req *rq, const char *path, const char *priv1, const char *priv2)
{
	json_t *p;
	int ok;

	if (is_root(rq))
		return 1;
	p = sim_pve_permissions(rq->sim, SIM_PVE, rq->id.authid, path);
	ok = json_object_get(p, priv1) || (priv2 && json_object_get(p, priv2));
	json_decref(p);
	return ok;
}

static int
node_online(json_t *n)
{
	const char *st = json_string_value(json_object_get(n, "status"));

	return st == NULL || strcmp(st, "online") == 0;
}

static void
h_version(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *v = json_deep_copy(json_object_get(pve(rq), "version"));

	if (json_object_get(v, "console") == NULL)
		json_object_set_new(v, "console", json_string("xtermjs"));
	sim_ok(rs, v);
}

static json_t *
node_entry(struct sim *s, const char *name, json_t *n, int64_t now)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "node", name, "id", "", "type", "node",
	    "status", node_online(n) ? "online" : "offline");
	char id[300];

	(void)s;
	snprintf(id, sizeof id, "node/%s", name);
	json_object_set_new(e, "id", json_string(id));
	if (node_online(n)) {
		json_object_set(e, "cpu", json_object_get(n, "cpu"));
		json_object_set(e, "maxcpu", json_object_get(n, "maxcpu"));
		json_object_set(e, "mem", json_object_get(n, "mem"));
		json_object_set(e, "maxmem", json_object_get(n, "maxmem"));
		json_object_set(e, "disk", json_object_get(n, "disk"));
		json_object_set(e, "maxdisk", json_object_get(n, "maxdisk"));
		json_object_set_new(e, "uptime", json_integer(st_uptime(n, now)));
		json_object_set(e, "level", json_object_get(n, "level"));
	}
	return e;
}

static void
h_nodes(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *n, *e;
	const char *name;

	json_object_foreach(json_object_get(pve(rq), "nodes"), name, n) {
		e = node_entry(rq->sim, name, n, rq->now_ms);
		if (node_online(n))
			json_object_set_new(e, "ssl_fingerprint", json_string(rq->sim->fingerprint));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void
h_node_index(struct sim_req *rq, struct sim_resp *rs)
{
	static const char *const list[] = { "ceph", "disks", "apt", "version", "syslog",
		"journal", "vncshell", "termproxy", "spiceshell", "time", "dns", "services",
		"scan", "storage", "qemu", "lxc", "vzdump", "network", "aplinfo", "startall",
		"stopall", "migrateall", "netstat", "tasks", "rrd", "rrddata", "replication",
		"subscription", "report", "capabilities", "sdn", "config", "hosts", "certificates",
		"firewall", "hardware", "status", NULL };
	json_t *out = json_array();
	int i;

	for (i = 0; list[i]; i++)
		json_array_append_new(out, json_pack("{s:s}", "name", list[i]));
	sim_ok(rs, out);
}

static void
h_node_status(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = st_pve_node(rq->sim, sim_param_str(rq, "node")), *v;
	long long maxmem, mem, maxdisk, disk;

	maxmem = sim_json_int(json_object_get(n, "maxmem"), 64 * GiB);
	mem = sim_json_int(json_object_get(n, "mem"), 8 * GiB);
	maxdisk = sim_json_int(json_object_get(n, "maxdisk"), 100 * GiB);
	disk = sim_json_int(json_object_get(n, "disk"), 10 * GiB);
	v = json_pack("{s:O, s:{s:i, s:s, s:i, s:i, s:s, s:s, s:s}, s:{s:I, s:I, s:I, s:I},"
	    " s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:I, s:[s,s,s], s:s, s:s,"
	    " s:{s:s, s:s, s:s}, s:{s:s, s:i}, s:f, s:f, s:{s:i}}",
	    "cpu", json_object_get(n, "cpu"),
	    "cpuinfo", "cpus", (int)sim_json_int(json_object_get(n, "maxcpu"), 16),
	    "model", "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz",
	    "sockets", 1, "cores", (int)sim_json_int(json_object_get(n, "maxcpu"), 16) / 2,
	    "mhz", "2400.000", "hvm", "1", "flags", "fpu vme de pse tsc msr pae mce cx8 apic",
	    "memory", "total", (json_int_t)maxmem, "used", (json_int_t)mem, "free",
	    (json_int_t)(maxmem - mem), "available", (json_int_t)(maxmem - mem),
	    "swap", "total", (json_int_t)(8 * GiB), "used", (json_int_t)0, "free", (json_int_t)(8 * GiB),
	    "rootfs", "total", (json_int_t)maxdisk, "used", (json_int_t)disk, "avail",
	    (json_int_t)(maxdisk - disk), "free", (json_int_t)(maxdisk - disk),
	    "uptime", (json_int_t)st_uptime(n, rq->now_ms),
	    "loadavg", "0.21", "0.27", "0.25",
	    "kversion", "Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 x86_64",
	    "pveversion", "pve-manager/9.0.3/025864202ebb6109",
	    "current-kernel", "sysname", "Linux", "release", "6.14.8-2-pve", "machine", "x86_64",
	    "boot-info", "mode", "efi", "secureboot", 0,
	    "idle", 0.0, "wait", 0.0012, "ksm", "shared", 0);
	sim_ok(rs, v);
}

static int
storage_on_node(json_t *st, const char *node)
{
	json_t *nodes = json_object_get(st, "nodes"), *list, *v;
	size_t i;
	int on = 0;

	if (nodes == NULL || json_is_null(nodes) ||
	    (json_is_string(nodes) && *json_string_value(nodes) == '\0'))
		return 1;
	list = json_is_array(nodes) ? json_incref(nodes) : sim_split_list(json_string_value(nodes));
	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), node) == 0)
			on = 1;
	json_decref(list);
	return on;
}

/* Built directly (not through pve_guest_summary): /cluster/resources
 * renders every guest, so this is the hot path of large estates. */
static json_t *
guest_resource(struct sim *s, const char *vmid, json_t *g, int64_t now)
{
	json_t *cfg = json_object_get(g, "config"), *r = json_object(), *v;
	const char *type = json_string_value(json_object_get(g, "type")), *ha;
	const char *status = json_string_value(json_object_get(g, "status"));
	int running = strcmp(status, "stopped") != 0, lxc = strcmp(type, "lxc") == 0;
	long long id = atoll(vmid), mem = pve_guest_memory_mb(cfg) * 1024 * 1024, up, cores;
	long long maxdisk = pve_guest_maxdisk(g);
	char rid[64];

	snprintf(rid, sizeof rid, "%s/%s", type, vmid);
	cores = sim_json_int(json_object_get(cfg, "cores"), 1);
	if (!lxc)
		cores *= sim_json_int(json_object_get(cfg, "sockets"), 1);
	up = running ? st_uptime(g, now) : 0;
	json_object_set_new(r, "id", json_string(rid));
	json_object_set_new(r, "type", json_string(type));
	json_object_set_new(r, "vmid", json_integer(id));
	v = json_object_get(cfg, lxc ? "hostname" : "name");
	json_object_set_new(r, "name", v ? json_incref(v) : json_string(vmid));
	json_object_set(r, "node", json_object_get(g, "node"));
	json_object_set_new(r, "status", json_string(running ? "running" : "stopped"));
	json_object_set_new(r, "template",
	    json_integer(sim_json_truthy(json_object_get(cfg, "template"))));
	json_object_set_new(r, "maxcpu", json_integer(cores));
	json_object_set_new(r, "maxmem", json_integer(mem));
	json_object_set_new(r, "mem", json_integer(running ? mem * 2 / 5 + (id % 97) * 1048576 : 0));
	json_object_set_new(r, "maxdisk", json_integer(maxdisk));
	json_object_set_new(r, "disk", json_integer(lxc && running ? maxdisk / 4 : 0));
	json_object_set_new(r, "cpu", json_real(running ? 0.01 + (double)(id % 13) / 100.0 : 0));
	json_object_set_new(r, "uptime", json_integer(up));
	json_object_set_new(r, "netin", json_integer(running ? up * 1733 : 0));
	json_object_set_new(r, "netout", json_integer(running ? up * 811 : 0));
	json_object_set_new(r, "diskread", json_integer(running ? up * 4096 : 0));
	json_object_set_new(r, "diskwrite", json_integer(running ? up * 2048 : 0));
	if ((v = json_object_get(cfg, "tags")))
		json_object_set(r, "tags", v);
	if ((v = json_object_get(cfg, "lock")))
		json_object_set(r, "lock", v);
	if (json_is_string(v = json_object_get(g, "pool")))
		json_object_set(r, "pool", v);
	if ((ha = pve_ha_state(s, vmid, type)) != NULL)
		json_object_set_new(r, "hastate", json_string(ha));
	return r;
}

static json_t *
storage_resource(const char *storeid, json_t *st, const char *node, int online)
{
	char id[300];
	json_t *r;

	snprintf(id, sizeof id, "storage/%s/%s", node, storeid);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:i}", "id", id, "type", "storage",
	    "storage", storeid, "node", node, "status",
	    online && sim_json_truthy(json_object_get(st, "active")) ? "available" : "unknown",
	    "plugintype", json_object_get(st, "type"), "content", json_object_get(st, "content"),
	    "shared", sim_json_truthy(json_object_get(st, "shared")));
	if (online) {
		json_object_set(r, "disk", json_object_get(st, "used"));
		json_object_set(r, "maxdisk", json_object_get(st, "total"));
	}
	return r;
}

static void
h_cluster_resources(struct sim_req *rq, struct sim_resp *rs)
{
	const char *type = sim_param_str(rq, "type");
	json_t *out = json_array(), *nodes = json_object_get(pve(rq), "nodes"), *n, *g, *st, *e;
	const char *name, *k;
	char path[300];
	int root = is_root(rq) || (rq->id.is_token &&
	    strcmp(rq->id.user, "root@pam") == 0 &&
	    !sim_json_truthy(json_object_get(json_object_get(json_object_get(sim_user_get(rq->sim,
	    SIM_PVE, "root@pam"), "tokens"), rq->id.tokenid), "privsep")));

	if (type == NULL || strcmp(type, "vm") == 0) {
		json_object_foreach(json_object_get(pve(rq), "guests"), k, g) {
			snprintf(path, sizeof path, "/vms/%s", k);
			if (!root && !allowed(rq, path, "VM.Audit", NULL))
				continue;
			json_array_append_new(out, guest_resource(rq->sim, k, g, rq->now_ms));
		}
	}
	if (type == NULL || strcmp(type, "node") == 0) {
		json_object_foreach(nodes, name, n) {
			snprintf(path, sizeof path, "/nodes/%s", name);
			if (!root && !allowed(rq, path, "Sys.Audit", NULL))
				continue;
			e = node_entry(rq->sim, name, n, rq->now_ms);
			json_object_set_new(e, "cgroup-mode", json_integer(2));
			json_array_append_new(out, e);
		}
	}
	if (type == NULL || strcmp(type, "storage") == 0) {
		json_object_foreach(json_object_get(pve(rq), "storage"), k, st) {
			snprintf(path, sizeof path, "/storage/%s", k);
			if (sim_json_truthy(json_object_get(st, "disable")))
				continue;
			if (!root && !allowed(rq, path, "Datastore.Audit", "Datastore.AllocateSpace"))
				continue;
			json_object_foreach(nodes, name, n)
				if (storage_on_node(st, name))
					json_array_append_new(out, storage_resource(k, st, name,
					    node_online(n)));
		}
	}
	if (type == NULL) {
		json_object_foreach(json_object_get(pve(rq), "pools"), k, g) {
			snprintf(path, sizeof path, "pool/%s", k);
			json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "id", path, "type",
			    "pool", "pool", k));
		}
	}
	if (type == NULL || strcmp(type, "sdn") == 0) {
		json_t *zones = json_object_get(json_object_get(pve(rq), "config"), "/cluster/sdn/zones");
		json_object_foreach(zones, k, g) {
			json_object_foreach(nodes, name, n) {
				snprintf(path, sizeof path, "sdn/%s/%s", name, k);
				json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id",
				    path, "type", "sdn", "sdn", k, "node", name, "status",
				    node_online(n) ? "ok" : "unknown"));
			}
		}
	}
	sim_ok(rs, out);
}

static void
h_cluster_status(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *nodes = json_object_get(pve(rq), "nodes"), *n;
	const char *name;
	size_t total = json_object_size(nodes), online = 0;
	int first = 1;
	char id[300];

	json_object_foreach(nodes, name, n)
		if (node_online(n))
			online++;
	json_array_append_new(out, json_pack("{s:s, s:s, s:O, s:i, s:i, s:i}", "type", "cluster",
	    "id", "cluster", "name", json_object_get(json_object_get(pve(rq), "cluster"), "name"),
	    "nodes", (int)total, "quorate", online * 2 > total, "version", 4 + (int)total));
	json_object_foreach(nodes, name, n) {
		snprintf(id, sizeof id, "node/%s", name);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:O, s:O, s:i, s:i, s:s}",
		    "type", "node", "id", id, "name", name, "nodeid", json_object_get(n, "nodeid"),
		    "ip", json_object_get(n, "ip"), "online", node_online(n), "local", first,
		    "level", ""));
		first = 0;
	}
	sim_ok(rs, out);
}

long
pve_next_vmid(struct sim *s)
{
	json_t *guests = json_object_get(st_surf(s, SIM_PVE), "guests");
	char buf[32];
	long id;

	for (id = 100; id < 1000000000L; id++) {
		snprintf(buf, sizeof buf, "%ld", id);
		if (json_object_get(guests, buf) == NULL)
			return id;
	}
	return -1;
}

static void
h_nextid(struct sim_req *rq, struct sim_resp *rs)
{
	const char *want = sim_param_str(rq, "vmid");

	if (want) {
		if (st_pve_guest(rq->sim, want)) {
			sim_err(rs, 400, "Parameter verification failed.\n");
			rs->errors = json_object();
			json_object_set_new(rs->errors, "vmid", json_sprintf("VM %s already exists", want));
			return;
		}
		sim_ok(rs, json_integer(atol(want)));
		return;
	}
	sim_ok(rs, json_integer(pve_next_vmid(rq->sim)));
}

/* ---------------------------------------------------------------- storage */

static const char *const storage_internal[] = { "volumes", "total", "used", "active",
	"enabled", "snapshots", NULL };

static json_t *
storage_config(const char *id, json_t *st)
{
	json_t *out = json_deep_copy(st);
	int i;

	for (i = 0; storage_internal[i]; i++)
		json_object_del(out, storage_internal[i]);
	json_object_set_new(out, "storage", json_string(id));
	if (!sim_json_truthy(json_object_get(out, "shared")))
		json_object_del(out, "shared");
	else
		json_object_set_new(out, "shared", json_integer(1));
	return out;
}

static void
h_storage_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *st;
	const char *k, *type = sim_param_str(rq, "type");
	char path[300];

	json_object_foreach(json_object_get(pve(rq), "storage"), k, st) {
		if (type && strcmp(type, json_string_value(json_object_get(st, "type"))) != 0)
			continue;
		snprintf(path, sizeof path, "/storage/%s", k);
		if (!allowed(rq, path, "Datastore.Audit", "Datastore.AllocateSpace"))
			continue;
		json_array_append_new(out, storage_config(k, st));
	}
	sim_ok(rs, out);
}

static void
h_storage_get(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "storage");
	json_t *st = st_pve_storage(rq->sim, id), *out;
	char d[65];

	if (st == NULL) {
		sim_err(rs, 500, "storage '%s' does not exist\n", id);
		return;
	}
	out = storage_config(id, st);
	st_json_digest(d, json_object_get(pve(rq), "storage"));
	d[40] = '\0';
	json_object_set_new(out, "digest", json_string(d));
	sim_ok(rs, out);
}

static void
h_storage_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "storage"), *type = sim_param_str(rq, "type"), *k;
	json_t *storage = sim_obj(pve(rq), "storage"), *st, *v;

	if (json_object_get(storage, id)) {
		sim_err(rs, 500, "create storage failed: storage ID '%s' already defined\n", id);
		return;
	}
	st = json_object();
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "storage") != 0)
			json_object_set(st, k, v);
	if (json_object_get(st, "content") == NULL)
		json_object_set_new(st, "content", json_string(strcmp(type, "dir") == 0 ?
		    "iso,vztmpl,backup" : "images,rootdir"));
	json_object_set_new(st, "total", json_integer(500 * GiB));
	json_object_set_new(st, "used", json_integer(0));
	json_object_set_new(st, "volumes", json_array());
	json_object_set_new(st, "active", json_integer(1));
	json_object_set_new(st, "enabled", json_integer(1));
	json_object_set_new(storage, id, st);
	sim_ok(rs, json_pack("{s:s, s:s}", "storage", id, "type", type));
}

static void
h_storage_update(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "storage"), *k, *want;
	json_t *st = st_pve_storage(rq->sim, id), *v, *del;
	char d[65];
	size_t i;

	if (st == NULL) {
		sim_err(rs, 500, "storage '%s' does not exist\n", id);
		return;
	}
	if ((want = sim_param_str(rq, "digest")) != NULL) {
		st_json_digest(d, json_object_get(pve(rq), "storage"));
		d[40] = '\0';
		if (strcmp(want, d) != 0) {
			sim_err(rs, 500, "detected modified configuration - file changed by other user? "
			    "Try again.\n");
			return;
		}
	}
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "storage") && strcmp(k, "digest") && strcmp(k, "delete"))
			json_object_set(st, k, v);
	if ((del = json_object_get(rq->params, "delete")) != NULL) {
		json_t *list = sim_split_list(json_string_value(del));
		json_array_foreach(list, i, v)
			json_object_del(st, json_string_value(v));
		json_decref(list);
	}
	sim_ok(rs, json_pack("{s:s, s:O}", "storage", id, "type", json_object_get(st, "type")));
}

static void
h_storage_delete(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "storage");

	if (st_pve_storage(rq->sim, id) == NULL) {
		sim_err(rs, 500, "storage '%s' does not exist\n", id);
		return;
	}
	json_object_del(json_object_get(pve(rq), "storage"), id);
	sim_ok(rs, json_null());
}

static int
content_has(json_t *st, const char *c)
{
	json_t *list = sim_split_list(json_string_value(json_object_get(st, "content"))), *v;
	size_t i;
	int has = 0;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), c) == 0)
			has = 1;
	json_decref(list);
	return has;
}

static json_t *
node_storage_entry(const char *id, json_t *st, int online)
{
	long long total = sim_json_int(json_object_get(st, "total"), 0);
	long long used = sim_json_int(json_object_get(st, "used"), 0);
	int active = online && sim_json_truthy(json_object_get(st, "active"));
	json_t *e = json_pack("{s:s, s:O, s:O, s:i, s:i, s:i}", "storage", id,
	    "type", json_object_get(st, "type"), "content", json_object_get(st, "content"),
	    "active", active, "enabled", !sim_json_truthy(json_object_get(st, "disable")),
	    "shared", sim_json_truthy(json_object_get(st, "shared")));

	if (active) {
		json_object_set_new(e, "total", json_integer(total));
		json_object_set_new(e, "used", json_integer(used));
		json_object_set_new(e, "avail", json_integer(total - used));
		json_object_set_new(e, "used_fraction", json_real(total ? (double)used /
		    (double)total : 0));
	}
	return e;
}

static void
h_node_storage(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node"), *k;
	const char *content = sim_param_str(rq, "content"), *only = sim_param_str(rq, "storage");
	json_t *out = json_array(), *st, *n = st_pve_node(rq->sim, node);
	char path[300];

	json_object_foreach(json_object_get(pve(rq), "storage"), k, st) {
		if (!storage_on_node(st, node))
			continue;
		if (only && strcmp(only, k) != 0)
			continue;
		if (sim_param_bool(rq, "enabled", 0) && sim_json_truthy(json_object_get(st, "disable")))
			continue;
		if (content) {
			json_t *want = sim_split_list(content), *c;
			size_t i;
			int ok = 1;
			json_array_foreach(want, i, c)
				if (!content_has(st, json_string_value(c)))
					ok = 0;
			json_decref(want);
			if (!ok)
				continue;
		}
		snprintf(path, sizeof path, "/storage/%s", k);
		if (!allowed(rq, path, "Datastore.Audit", "Datastore.AllocateSpace"))
			continue;
		json_array_append_new(out, node_storage_entry(k, st, node_online(n)));
	}
	sim_ok(rs, out);
}

static json_t *
storage_for(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "storage"), *node = sim_param_str(rq, "node");
	json_t *st = st_pve_storage(rq->sim, id);

	if (st == NULL) {
		sim_err(rs, 500, "storage '%s' does not exist\n", id);
		return NULL;
	}
	if (!storage_on_node(st, node)) {
		sim_err(rs, 500, "storage '%s' is not available on node '%s'\n", id, node);
		return NULL;
	}
	return st;
}

static void
h_node_storage_index(struct sim_req *rq, struct sim_resp *rs)
{
	if (storage_for(rq, rs) == NULL)
		return;
	sim_ok(rs, json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s},{s:s}]", "subdir", "content",
	    "subdir", "download-url", "subdir", "file-restore", "subdir", "prunebackups",
	    "subdir", "rrd", "subdir", "status"));
}

static void
h_node_storage_status(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *st = storage_for(rq, rs), *e;

	if (st == NULL)
		return;
	e = node_storage_entry(sim_param_str(rq, "storage"), st, 1);
	json_object_del(e, "storage");
	sim_ok(rs, e);
}

/* Every volume on a storage: its listed volumes plus guest disks on it. */
static json_t *
volumes_of(struct sim_req *rq, const char *storeid, json_t *st, const char *node)
{
	json_t *out = json_array(), *v, *g;
	const char *vmid, *k;
	size_t i;
	int shared = sim_json_truthy(json_object_get(st, "shared"));
	char pfx[200];

	json_array_foreach(json_object_get(st, "volumes"), i, v) {
		const char *vn = json_string_value(json_object_get(v, "node"));
		json_t *e;
		if (vn && !shared && strcmp(vn, node) != 0)
			continue;
		e = json_deep_copy(v);
		json_object_del(e, "config");	/* the backup's guest config: internal */
		json_object_del(e, "node");
		json_array_append_new(out, e);
	}
	snprintf(pfx, sizeof pfx, "%s:", storeid);
	json_object_foreach(json_object_get(pve(rq), "guests"), vmid, g) {
		const char *kind = json_string_value(json_object_get(g, "type"));
		if (!shared && strcmp(json_string_value(json_object_get(g, "node")), node) != 0)
			continue;
		json_object_foreach(json_object_get(g, "config"), k, v) {
			const char *val = json_string_value(v);
			char *volid;
			if (val == NULL || !pve_is_disk_key(kind, k) || strncmp(val, pfx, strlen(pfx)) != 0)
				continue;
			volid = strndup(val, strcspn(val, ","));
			json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}",
			    "volid", volid ? volid : "", "content", strcmp(kind, "lxc") == 0 ?
			    "rootdir" : "images", "format", strstr(val, ".qcow2") ? "qcow2" :
			    strcmp(kind, "lxc") == 0 ? "subvol" : "raw", "size",
			    (json_int_t)pve_disk_size(val), "vmid", (json_int_t)atoll(vmid),
			    "ctime", (json_int_t)(rq->now_ms / 1000 - 86400 * 30)));
			free(volid);
		}
	}
	return out;
}

static void
h_storage_content(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *st = storage_for(rq, rs), *all, *out, *v;
	const char *content = sim_param_str(rq, "content"), *id = sim_param_str(rq, "storage");
	long long vmid = 0;
	int want_vmid;
	size_t i;

	if (st == NULL)
		return;
	if (!sim_json_truthy(json_object_get(st, "active")) ||
	    sim_json_truthy(json_object_get(st, "disable"))) {
		sim_err(rs, 500, "storage '%s' is not online\n", id);
		return;
	}
	want_vmid = sim_param_int(rq, "vmid", &vmid);
	all = volumes_of(rq, id, st, sim_param_str(rq, "node"));
	out = json_array();
	json_array_foreach(all, i, v) {
		if (content && strcmp(content, json_string_value(json_object_get(v, "content"))) != 0)
			continue;
		if (want_vmid && sim_json_int(json_object_get(v, "vmid"), -1) != vmid)
			continue;
		json_array_append(out, v);
	}
	json_decref(all);
	sim_ok(rs, out);
}

static json_t *
find_volume(struct sim_req *rq, json_t *st, const char *volid, int *in_list, size_t *idx)
{
	json_t *all = volumes_of(rq, sim_param_str(rq, "storage"), st, sim_param_str(rq, "node"));
	json_t *v, *found = NULL;
	size_t i;

	/* A volume can be listed and referenced by a guest: the first wins. */
	json_array_foreach(all, i, v)
		if (found == NULL && strcmp(json_string_value(json_object_get(v, "volid")), volid) == 0)
			found = json_incref(v);
	json_decref(all);
	*in_list = 0;
	json_array_foreach(json_object_get(st, "volumes"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "volid")), volid) == 0) {
			*in_list = 1;
			*idx = i;
		}
	}
	return found;
}

static char *
full_volid(struct sim_req *rq)
{
	const char *vol = sim_param_str(rq, "volume"), *id = sim_param_str(rq, "storage");
	char *out = NULL;

	if (strchr(vol, ':'))
		return strdup(vol);
	if (asprintf(&out, "%s:%s", id, vol) < 0)
		return NULL;
	return out;
}

static void
h_volume_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *st = storage_for(rq, rs), *v;
	char *volid;
	int in_list;
	size_t idx;

	if (st == NULL || (volid = full_volid(rq)) == NULL)
		return;
	v = find_volume(rq, st, volid, &in_list, &idx);
	if (v == NULL) {
		sim_err(rs, 500, "volume '%s' does not exist\n", volid);
	} else {
		json_t *out = json_pack("{s:O, s:O, s:O, s:s}", "size", json_object_get(v, "size"),
		    "used", json_object_get(v, "size"), "format", json_object_get(v, "format"),
		    "path", volid);
		if (json_object_get(v, "notes"))
			json_object_set(out, "notes", json_object_get(v, "notes"));
		if (json_object_get(v, "protected"))
			json_object_set(out, "protected", json_object_get(v, "protected"));
		sim_ok(rs, out);
	}
	json_decref(v);
	free(volid);
}

static void
h_volume_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *st = storage_for(rq, rs), *v;
	char *volid;
	int in_list;
	size_t idx;

	if (st == NULL || (volid = full_volid(rq)) == NULL)
		return;
	v = find_volume(rq, st, volid, &in_list, &idx);
	if (v == NULL || !in_list) {
		sim_err(rs, 500, "volume '%s' does not exist\n", volid);
	} else {
		json_t *rec = json_array_get(json_object_get(st, "volumes"), idx);
		if (sim_param_str(rq, "notes"))
			json_object_set(rec, "notes", json_object_get(rq->params, "notes"));
		if (json_object_get(rq->params, "protected"))
			json_object_set_new(rec, "protected",
			    json_boolean(sim_param_bool(rq, "protected", 0)));
		sim_ok(rs, json_null());
	}
	json_decref(v);
	free(volid);
}

static void
h_volume_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *st = storage_for(rq, rs), *v, *task;
	char *volid;
	int in_list;
	size_t idx;

	if (st == NULL || (volid = full_volid(rq)) == NULL)
		return;
	v = find_volume(rq, st, volid, &in_list, &idx);
	if (v == NULL) {
		sim_err(rs, 500, "volume '%s' does not exist\n", volid);
	} else if (!in_list) {
		sim_err(rs, 500, "volume '%s' is in use by a guest configuration\n", volid);
	} else if (sim_json_truthy(json_object_get(json_array_get(json_object_get(st, "volumes"),
	    idx), "protected"))) {
		sim_err(rs, 500, "volume '%s' is protected\n", volid);
	} else {
		json_array_remove(json_object_get(st, "volumes"), idx);
		task = sim_task_start(rq, sim_param_str(rq, "node"), "imgdel", volid);
		sim_ok(rs, json_string(sim_task_upid(task)));
	}
	json_decref(v);
	free(volid);
}

/* ------------------------------------------------------------------ pools */

static json_t *
pool_members(struct sim_req *rq, const char *poolid)
{
	json_t *out = json_array(), *g, *pool, *sl, *v, *nodes, *n, *st;
	const char *vmid, *name;
	size_t i;

	json_object_foreach(json_object_get(pve(rq), "guests"), vmid, g) {
		const char *p = json_string_value(json_object_get(g, "pool"));
		if (p && strcmp(p, poolid) == 0)
			json_array_append_new(out, guest_resource(rq->sim, vmid, g, rq->now_ms));
	}
	pool = json_object_get(json_object_get(pve(rq), "pools"), poolid);
	sl = json_object_get(pool, "storage");
	nodes = json_object_get(pve(rq), "nodes");
	json_array_foreach(sl, i, v) {
		st = st_pve_storage(rq->sim, json_string_value(v));
		if (st == NULL)
			continue;
		json_object_foreach(nodes, name, n)
			if (storage_on_node(st, name))
				json_array_append_new(out, storage_resource(json_string_value(v), st,
				    name, node_online(n)));
	}
	return out;
}

static void
h_pools_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *p;
	const char *k, *only = sim_param_str(rq, "poolid");

	json_object_foreach(json_object_get(pve(rq), "pools"), k, p) {
		json_t *e;
		if (only && strcmp(only, k) != 0)
			continue;
		e = json_pack("{s:s}", "poolid", k);
		if (json_object_get(p, "comment"))
			json_object_set(e, "comment", json_object_get(p, "comment"));
		if (only)
			json_object_set_new(e, "members", pool_members(rq, k));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void
h_pool_get(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "poolid");
	json_t *p = json_object_get(json_object_get(pve(rq), "pools"), id), *out;

	if (p == NULL) {
		sim_err(rs, 500, "pool '%s' does not exist\n", id);
		return;
	}
	out = json_pack("{s:o}", "members", pool_members(rq, id));
	if (json_object_get(p, "comment"))
		json_object_set(out, "comment", json_object_get(p, "comment"));
	sim_ok(rs, out);
}

static void
h_pool_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "poolid");
	json_t *pools = sim_obj(pve(rq), "pools");

	if (json_object_get(pools, id)) {
		sim_err(rs, 500, "pool '%s' already exists\n", id);
		return;
	}
	json_object_set_new(pools, id, json_pack("{s:s}", "comment",
	    sim_param_str(rq, "comment") ? sim_param_str(rq, "comment") : ""));
	sim_ok(rs, json_null());
}

static void
h_pool_update(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "poolid");
	json_t *p = json_object_get(json_object_get(pve(rq), "pools"), id), *list, *v, *g;
	int del = sim_param_bool(rq, "delete", 0);
	size_t i;

	if (p == NULL) {
		sim_err(rs, 500, "pool '%s' does not exist\n", id);
		return;
	}
	if (sim_param_str(rq, "comment"))
		json_object_set(p, "comment", json_object_get(rq->params, "comment"));
	if (sim_param_str(rq, "vms")) {
		list = sim_split_list(sim_param_str(rq, "vms"));
		json_array_foreach(list, i, v) {
			const char *vmid = json_string_value(v);
			const char *cur;
			if ((g = st_pve_guest(rq->sim, vmid)) == NULL) {
				sim_err(rs, 500, "VM %s does not exist\n", vmid);
				json_decref(list);
				return;
			}
			cur = json_string_value(json_object_get(g, "pool"));
			if (del) {
				if (cur && strcmp(cur, id) == 0)
					json_object_del(g, "pool");
			} else {
				if (cur && strcmp(cur, id) != 0 && !sim_param_bool(rq, "allow-move", 0)) {
					sim_err(rs, 500, "VM %s belongs already to pool '%s'\n", vmid, cur);
					json_decref(list);
					return;
				}
				json_object_set_new(g, "pool", json_string(id));
			}
		}
		json_decref(list);
	}
	if (sim_param_str(rq, "storage")) {
		json_t *sl = sim_arr(p, "storage");
		list = sim_split_list(sim_param_str(rq, "storage"));
		json_array_foreach(list, i, v) {
			size_t j;
			json_t *x;
			int found = -1;
			json_array_foreach(sl, j, x)
				if (strcmp(json_string_value(x), json_string_value(v)) == 0)
					found = (int)j;
			if (del && found >= 0)
				json_array_remove(sl, (size_t)found);
			else if (!del && found < 0)
				json_array_append(sl, v);
		}
		json_decref(list);
	}
	sim_ok(rs, json_null());
}

static void
h_pool_delete(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "poolid");
	json_t *p = json_object_get(json_object_get(pve(rq), "pools"), id), *m;

	if (p == NULL) {
		sim_err(rs, 500, "pool '%s' does not exist\n", id);
		return;
	}
	m = pool_members(rq, id);
	if (json_array_size(m)) {
		json_decref(m);
		sim_err(rs, 500, "pool '%s' is not empty\n", id);
		return;
	}
	json_decref(m);
	json_object_del(json_object_get(pve(rq), "pools"), id);
	sim_ok(rs, json_null());
}

/* ---------------------------------------------------------------- network */

/* Interfaces as the API shows them: the pending set when there is one. */
static json_t *
net_view(json_t *n)
{
	json_t *pend = json_object_get(n, "network_pending");

	return json_is_object(pend) ? pend : json_object_get(n, "network");
}

static json_t *
net_pending(json_t *n)
{
	json_t *pend = json_object_get(n, "network_pending");

	if (!json_is_object(pend)) {
		pend = json_deep_copy(json_object_get(n, "network"));
		json_object_set_new(n, "network_pending", pend);
	}
	return pend;
}

/* One interface as /etc/network/interfaces holds it (a PVE-like stanza). */
static void
net_stanza(FILE *f, const char *name, json_t *i)
{
	static const char *const keys[][2] = {
		{ "cidr", "address" }, { "gateway", "gateway" }, { "cidr6", "address" },
		{ "gateway6", "gateway" }, { "bridge_ports", "bridge-ports" },
		{ "bridge_stp", "bridge-stp" }, { "bridge_fd", "bridge-fd" },
		{ "bridge_vlan_aware", "bridge-vlan-aware" }, { "slaves", "bond-slaves" },
		{ "bond_mode", "bond-mode" }, { "vlan-raw-device", "vlan-raw-device" },
		{ "vlan-id", "vlan-id" }, { "mtu", "mtu" },
	};
	const char *method = json_string_value(json_object_get(i, "method"));
	json_t *v;
	size_t k;

	if (sim_json_truthy(json_object_get(i, "autostart")))
		fprintf(f, "auto %s\n", name);
	fprintf(f, "iface %s inet %s\n", name, method ? method : "manual");
	for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		if ((v = json_object_get(i, keys[k][0])) == NULL || json_is_null(v))
			continue;
		if (json_is_string(v))
			fprintf(f, "\t%s %s\n", keys[k][1], json_string_value(v));
		else if (json_is_integer(v))
			fprintf(f, "\t%s %lld\n", keys[k][1], (long long)json_integer_value(v));
	}
	/* an address without a cidr */
	if (json_object_get(i, "cidr") == NULL && json_string_value(json_object_get(i, "address")))
		fprintf(f, "\taddress %s\n", json_string_value(json_object_get(i, "address")));
	fprintf(f, "\n");
}

static char *
net_text(json_t *ifaces, const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *i = json_object_get(ifaces, name);

	if (f == NULL)
		return NULL;
	if (i)
		net_stanza(f, name, i);
	fclose(f);
	return buf;
}

/* Prefix every line of text with c. */
static void
net_lines(FILE *out, char c, const char *text)
{
	const char *p = text, *e;

	while (p && *p) {
		e = strchr(p, '\n');
		fprintf(out, "%c%.*s\n", c, e ? (int)(e - p) : (int)strlen(p), p);
		p = e ? e + 1 : NULL;
	}
}

/* The pending changes as PVE reports them: a unified diff of
 * /etc/network/interfaces against interfaces.new, one hunk per changed
 * stanza with its unchanged neighbours as context. */
static char *
net_diff(json_t *n)
{
	json_t *pend = json_object_get(n, "network_pending"), *cur = json_object_get(n, "network");
	json_t *names;
	char *out = NULL, *a, *b;
	size_t len = 0, i;
	const char *k;
	json_t *v;
	FILE *f;

	if (!json_is_object(pend) || json_equal(pend, cur))
		return NULL;
	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	names = json_object();
	json_object_foreach(cur, k, v)
		json_object_set_new(names, k, json_true());
	json_object_foreach(pend, k, v)
		json_object_set_new(names, k, json_true());
	fprintf(f, "--- /etc/network/interfaces\n+++ /etc/network/interfaces.new\n");
	i = 0;
	json_object_foreach(names, k, v) {
		a = net_text(cur, k);
		b = net_text(pend, k);
		if (a && b && strcmp(a, b) == 0) {
			net_lines(f, ' ', a);
		} else {
			fprintf(f, "@@ -%zu +%zu @@\n", i + 1, i + 1);
			net_lines(f, '-', a ? a : "");
			net_lines(f, '+', b ? b : "");
		}
		free(a);
		free(b);
		i++;
	}
	json_decref(names);
	fclose(f);
	return out;
}

static void
h_network_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = st_pve_node(rq->sim, sim_param_str(rq, "node")), *out = json_array(), *i;
	const char *k, *type = sim_param_str(rq, "type");
	char *diff;

	json_object_foreach(net_view(n), k, i) {
		const char *t = json_string_value(json_object_get(i, "type"));
		json_t *e;
		if (type && strcmp(type, "any_bridge") == 0) {
			if (t == NULL || (strcmp(t, "bridge") != 0 && strcmp(t, "OVSBridge") != 0))
				continue;
		} else if (type && (t == NULL || strcmp(type, t) != 0)) {
			continue;
		}
		e = json_deep_copy(i);
		json_object_set_new(e, "iface", json_string(k));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
	if ((diff = net_diff(n)) != NULL) {
		rs->attrs = json_pack("{s:s}", "changes", diff);
		free(diff);
	}
}

static const char *const net_skip[] = { "node", "iface", "digest", "delete", NULL };

static void
net_apply(struct sim_req *rq, json_t *iface)
{
	const char *k;
	json_t *v, *del;
	size_t i;
	int j, skip;

	json_object_foreach(rq->params, k, v) {
		for (skip = 0, j = 0; net_skip[j]; j++)
			if (strcmp(net_skip[j], k) == 0)
				skip = 1;
		if (!skip)
			json_object_set_new(iface, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	}
	if ((del = json_object_get(rq->params, "delete")) != NULL) {
		json_t *list = sim_split_list(json_string_value(del));
		json_array_foreach(list, i, v)
			json_object_del(iface, json_string_value(v));
		json_decref(list);
	}
	if (json_object_get(iface, "active") == NULL)
		json_object_set_new(iface, "active", json_integer(0));
	json_object_set_new(iface, "pending", json_integer(1));
}

static void
h_network_create(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = st_pve_node(rq->sim, sim_param_str(rq, "node")), *pend, *iface;
	const char *name = sim_param_str(rq, "iface");

	pend = net_pending(n);
	if (json_object_get(pend, name)) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "iface", "interface already exists");
		return;
	}
	iface = json_object();
	net_apply(rq, iface);
	json_object_set_new(iface, "exists", json_integer(0));
	json_object_set_new(pend, name, iface);
	sim_ok(rs, json_null());
}

static void
h_network_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = st_pve_node(rq->sim, sim_param_str(rq, "node")), *i, *out;
	const char *name = sim_param_str(rq, "iface");

	if ((i = json_object_get(net_view(n), name)) == NULL) {
		sim_err(rs, 500, "interface does not exist\n");
		return;
	}
	out = json_deep_copy(i);
	json_object_set_new(out, "iface", json_string(name));
	sim_ok(rs, out);
}

static void
h_network_update(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = st_pve_node(rq->sim, sim_param_str(rq, "node")), *i;
	const char *name = sim_param_str(rq, "iface");

	if ((i = json_object_get(net_pending(n), name)) == NULL) {
		sim_err(rs, 500, "interface does not exist\n");
		return;
	}
	net_apply(rq, i);
	sim_ok(rs, json_null());
}

static void
h_network_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = st_pve_node(rq->sim, sim_param_str(rq, "node")), *pend;
	const char *name = sim_param_str(rq, "iface");

	pend = net_pending(n);
	if (json_object_get(pend, name) == NULL) {
		sim_err(rs, 500, "interface does not exist\n");
		return;
	}
	json_object_del(pend, name);
	sim_ok(rs, json_null());
}

static void
fx_net_apply(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *n = st_pve_node(s, json_string_value(json_object_get(args, "node"))), *pend, *i;
	const char *k;

	(void)task;
	if (!ok || n == NULL || !json_is_object(pend = json_object_get(n, "network_pending")))
		return;
	json_object_foreach(pend, k, i) {
		json_object_del(i, "pending");
		json_object_set_new(i, "active", json_integer(1));
		json_object_set_new(i, "exists", json_integer(1));
	}
	json_object_set(n, "network", pend);
	json_object_set_new(n, "network_pending", json_null());
}

static void
h_network_reload(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = sim_param_str(rq, "node");
	json_t *task = sim_task_start(rq, node, "srvreload", "networking");

	sim_task_set_fx(task, "pve_net_apply", json_pack("{s:s}", "node", node));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_network_revert(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *n = st_pve_node(rq->sim, sim_param_str(rq, "node"));

	json_object_set_new(n, "network_pending", json_null());
	sim_ok(rs, json_null());
}

/* ---------------------------------------------------------------- HA status */

static void
h_ha_status_current(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *res, *r, *nodes = json_object_get(pve(rq), "nodes"), *n;
	const char *sid, *name, *master = NULL;
	char id[300];

	json_object_foreach(nodes, name, n) {
		if (master == NULL && node_online(n))
			master = name;
	}
	json_array_append_new(out, json_pack("{s:s, s:s, s:i, s:s}", "id", "quorum", "type",
	    "quorum", "quorate", 1, "status", "OK"));
	if (master) {
		snprintf(id, sizeof id, "master/%s", master);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", id, "type",
		    "master", "node", master, "status", "active", "timestamp",
		    (json_int_t)(rq->now_ms / 1000)));
	}
	json_object_foreach(nodes, name, n) {
		snprintf(id, sizeof id, "lrm/%s", name);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", id, "type",
		    "lrm", "node", name, "status", node_online(n) ? "active" : "old timestamp - dead?",
		    "timestamp", (json_int_t)(rq->now_ms / 1000)));
	}
	res = json_object_get(json_object_get(pve(rq), "config"), "/cluster/ha/resources");
	json_object_foreach(res, sid, r) {
		const char *vm = strchr(sid, ':') ? strchr(sid, ':') + 1 : sid;
		json_t *g = st_pve_guest(rq->sim, vm);
		const char *state = json_string_value(json_object_get(r, "state"));
		snprintf(id, sizeof id, "service:%s", sid);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id,
		    "type", "service", "sid", sid, "node", g ? json_string_value(json_object_get(g,
		    "node")) : "", "state", state ? state : "started", "status",
		    state ? state : "started"));
	}
	sim_ok(rs, out);
}

static void
h_ha_resource_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *sid = sim_param_str(rq, "sid");
	json_t *store = st_store(rq->sim, SIM_PVE, "/cluster/ha/resources"), *item, *v;
	char norm[64];
	const char *k, *vm;

	/* "100" means "vm:100" (or ct: when the guest is a container). */
	if (strchr(sid, ':') == NULL) {
		json_t *g = st_pve_guest(rq->sim, sid);
		snprintf(norm, sizeof norm, "%s:%s", g && strcmp(json_string_value(json_object_get(g,
		    "type")), "lxc") == 0 ? "ct" : "vm", sid);
	} else {
		snprintf(norm, sizeof norm, "%s", sid);
	}
	vm = strchr(norm, ':') + 1;
	if (st_pve_guest(rq->sim, vm) == NULL) {
		sim_err(rs, 500, "unable to find VM or CT '%s'\n", vm);
		return;
	}
	if (json_object_get(store, norm)) {
		sim_err(rs, 500, "resource ID '%s' already defined\n", norm);
		return;
	}
	item = json_object();
	json_object_foreach(rq->params, k, v)
		json_object_set(item, k, v);
	json_object_set_new(item, "sid", json_string(norm));
	json_object_set_new(item, "type", json_string(strncmp(norm, "ct:", 3) == 0 ? "ct" : "vm"));
	if (json_object_get(item, "state") == NULL)
		json_object_set_new(item, "state", json_string("started"));
	json_object_set_new(store, norm, item);
	sim_ok(rs, json_null());
}

void
pve_cluster_register_fx(void)
{
	sim_task_register_fx("pve_net_apply", fx_net_apply);
}

void
pve_cluster_register(struct sim_schema *sc)
{
	sim_bind(sc, "GET", "/version", h_version);
	sim_bind(sc, "GET", "/nodes", h_nodes);
	sim_bind(sc, "GET", "/nodes/{node}", h_node_index);
	sim_bind(sc, "GET", "/nodes/{node}/status", h_node_status);
	sim_bind(sc, "GET", "/cluster/resources", h_cluster_resources);
	sim_bind(sc, "GET", "/cluster/status", h_cluster_status);
	sim_bind(sc, "GET", "/cluster/nextid", h_nextid);
	sim_bind(sc, "GET", "/cluster/tasks", sim_h_cluster_tasks);
	sim_bind(sc, "GET", "/nodes/{node}/tasks", sim_h_tasks_list);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}", sim_h_task_index);
	sim_bind(sc, "DELETE", "/nodes/{node}/tasks/{upid}", sim_h_task_stop);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/status", sim_h_task_status);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/log", sim_h_task_log);
	sim_bind(sc, "GET", "/storage", h_storage_list);
	sim_bind(sc, "POST", "/storage", h_storage_create);
	sim_bind(sc, "GET", "/storage/{storage}", h_storage_get);
	sim_bind(sc, "PUT", "/storage/{storage}", h_storage_update);
	sim_bind(sc, "DELETE", "/storage/{storage}", h_storage_delete);
	sim_bind(sc, "GET", "/nodes/{node}/storage", h_node_storage);
	sim_bind(sc, "GET", "/nodes/{node}/storage/{storage}", h_node_storage_index);
	sim_bind(sc, "GET", "/nodes/{node}/storage/{storage}/status", h_node_storage_status);
	sim_bind(sc, "GET", "/nodes/{node}/storage/{storage}/content", h_storage_content);
	sim_bind(sc, "GET", "/nodes/{node}/storage/{storage}/content/{volume}", h_volume_get);
	sim_bind(sc, "PUT", "/nodes/{node}/storage/{storage}/content/{volume}", h_volume_put);
	sim_bind(sc, "DELETE", "/nodes/{node}/storage/{storage}/content/{volume}", h_volume_delete);
	sim_bind(sc, "GET", "/pools", h_pools_list);
	sim_bind(sc, "POST", "/pools", h_pool_create);
	sim_bind(sc, "PUT", "/pools", h_pool_update);
	sim_bind(sc, "DELETE", "/pools", h_pool_delete);
	sim_bind(sc, "GET", "/pools/{poolid}", h_pool_get);
	sim_bind(sc, "PUT", "/pools/{poolid}", h_pool_update);
	sim_bind(sc, "DELETE", "/pools/{poolid}", h_pool_delete);
	sim_bind(sc, "GET", "/nodes/{node}/network", h_network_list);
	sim_bind(sc, "POST", "/nodes/{node}/network", h_network_create);
	sim_bind(sc, "PUT", "/nodes/{node}/network", h_network_reload);
	sim_bind(sc, "DELETE", "/nodes/{node}/network", h_network_revert);
	sim_bind(sc, "GET", "/nodes/{node}/network/{iface}", h_network_get);
	sim_bind(sc, "PUT", "/nodes/{node}/network/{iface}", h_network_update);
	sim_bind(sc, "DELETE", "/nodes/{node}/network/{iface}", h_network_delete);
	sim_bind(sc, "GET", "/cluster/ha/status/current", h_ha_status_current);
	sim_bind(sc, "POST", "/cluster/ha/resources", h_ha_resource_create);
}
