/**
 * @file pve_guest.c
 * @brief proximo-sim: PVE guests (QEMU and LXC): lists, status, config with
 *        digests, power operations and snapshots.
 *
 * Behaviour follows qemu-server and pve-container where clients notice it:
 * a missing guest is HTTP 500 "Configuration file 'nodes/<node>/qemu-server/
 * <vmid>.conf' does not exist"; config changes check the digest and the
 * lock; power operations and snapshot operations are tasks whose failures
 * (already running, locked, snapshot not available on the storage) end the
 * task with PVE's error text; snapshot operations hold the guest's lock
 * while they run.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "pve.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define MiB	(1024LL * 1024)
#define GiB	(1024LL * 1024 * 1024)

static const char *const config_skip[] = { "node", "vmid", "digest", "delete", "revert",
	"skiplock", "background_delay", "force", NULL };

const char *
pve_kind(const struct sim_req *rq)
{
	return strstr(rq->op->path, "/lxc") ? "lxc" : "qemu";
}

static int
is_lxc(const struct sim_req *rq)
{
	return strcmp(pve_kind(rq), "lxc") == 0;
}

json_t *
pve_guest_for(struct sim_req *rq, struct sim_resp *rs)
{
	const char *vmid = sim_param_str(rq, "vmid"), *node = sim_param_str(rq, "node");
	json_t *g = vmid ? st_pve_guest(rq->sim, vmid) : NULL;
	const char *kind = pve_kind(rq);

	if (g == NULL || strcmp(json_string_value(json_object_get(g, "type")), kind) != 0 ||
	    node == NULL || strcmp(json_string_value(json_object_get(g, "node")), node) != 0) {
		sim_err(rs, 500, "Configuration file 'nodes/%s/%s/%s.conf' does not exist\n",
		    node ? node : "", strcmp(kind, "lxc") == 0 ? "lxc" : "qemu-server",
		    vmid ? vmid : "");
		return NULL;
	}
	return g;
}

long long
pve_disk_size(const char *v)
{
	const char *p = strstr(v ? v : "", "size=");
	char *end;
	double n;

	if (p == NULL)
		return 0;
	n = strtod(p + 5, &end);
	switch (*end) {
	case 'T': return (long long)(n * 1024.0 * GiB);
	case 'G': return (long long)(n * GiB);
	case 'M': return (long long)(n * MiB);
	case 'K': return (long long)(n * 1024);
	default: return (long long)n;
	}
}

int
pve_is_disk_key(const char *kind, const char *key)
{
	static const char *const qemu[] = { "scsi", "virtio", "sata", "ide", "efidisk",
		"tpmstate", "unused", NULL };
	static const char *const lxc[] = { "rootfs", "mp", "unused", NULL };
	const char *const *list = strcmp(kind, "lxc") == 0 ? lxc : qemu;
	size_t n;
	int i;

	for (i = 0; list[i]; i++) {
		n = strlen(list[i]);
		if (strncmp(key, list[i], n) == 0) {
			const char *d = key + n;
			if (strcmp(list[i], "rootfs") == 0)
				return *d == '\0';
			if (!*d)
				return 0;
			while (isdigit((unsigned char)*d))
				d++;
			if (*d == '\0')
				return 1;
		}
	}
	return 0;
}

char *
pve_disk_storage(const char *v)
{
	const char *c, *comma;

	if (v == NULL || (c = strchr(v, ':')) == NULL)
		return NULL;
	if ((comma = strchr(v, ',')) != NULL && comma < c)
		return NULL;
	return strndup(v, (size_t)(c - v));
}

long long
pve_guest_memory_mb(const json_t *cfg)
{
	json_t *m = json_object_get(cfg, "memory");
	const char *s, *cur;

	if (json_is_integer(m))
		return json_integer_value(m);
	if (!json_is_string(m))
		return 512;
	s = json_string_value(m);
	if ((cur = strstr(s, "current=")) != NULL)
		return atoll(cur + 8);
	return atoll(s) ? atoll(s) : 512;
}

static int
is_cdrom(const char *v)
{
	return strstr(v, "media=cdrom") != NULL || strncmp(v, "none", 4) == 0 ||
	    strncmp(v, "cdrom", 5) == 0;
}

static long long
guest_maxdisk(const json_t *g)
{
	const char *kind = json_string_value(json_object_get(g, "type")), *k;
	json_t *cfg = json_object_get(g, "config"), *v;
	long long best = 0;

	/* PVE reports the boot disk's size; the largest disk is close enough. */
	json_object_foreach(cfg, k, v) {
		long long sz;
		if (!pve_is_disk_key(kind, k) || strncmp(k, "unused", 6) == 0 || !json_is_string(v) ||
		    is_cdrom(json_string_value(v)))
			continue;
		sz = pve_disk_size(json_string_value(v));
		if (sz > best)
			best = sz;
	}
	return best;
}

const char *
pve_ha_state(struct sim *s, const char *vmid, const char *type)
{
	json_t *res = json_object_get(json_object_get(st_surf(s, SIM_PVE), "config"),
	    "/cluster/ha/resources");
	char sid[64];
	json_t *r;

	snprintf(sid, sizeof sid, "%s:%s", strcmp(type, "lxc") == 0 ? "ct" : "vm", vmid);
	r = json_object_get(res, sid);
	if (r == NULL) {
		snprintf(sid, sizeof sid, "%s", vmid);
		r = json_object_get(res, sid);
	}
	if (r == NULL)
		return NULL;
	return json_string_value(json_object_get(r, "state")) ?
	    json_string_value(json_object_get(r, "state")) : "started";
}

json_t *
pve_guest_summary(struct sim *s, const char *vmid, json_t *g, int64_t now, int full)
{
	json_t *cfg = json_object_get(g, "config"), *out = json_object(), *v;
	const char *type = json_string_value(json_object_get(g, "type"));
	const char *status = json_string_value(json_object_get(g, "status"));
	int running = strcmp(status, "stopped") != 0, lxc = strcmp(type, "lxc") == 0;
	long long mem = pve_guest_memory_mb(cfg) * MiB, cores, sockets, up;
	long long id = atoll(vmid);

	cores = sim_json_int(json_object_get(cfg, "cores"), 1);
	sockets = sim_json_int(json_object_get(cfg, "sockets"), 1);
	if (json_object_get(cfg, "vcpus"))
		cores = sim_json_int(json_object_get(cfg, "vcpus"), cores), sockets = 1;
	up = running ? st_uptime(g, now) : 0;
	json_object_set_new(out, "vmid", json_integer(id));
	v = json_object_get(cfg, lxc ? "hostname" : "name");
	json_object_set(out, "name", v ? v : json_string(vmid));
	json_object_set_new(out, "status", json_string(running ? "running" : "stopped"));
	json_object_set_new(out, "uptime", json_integer(up));
	json_object_set_new(out, "cpus", json_integer(lxc ? cores : cores * sockets));
	json_object_set_new(out, "maxmem", json_integer(mem));
	json_object_set_new(out, "mem", json_integer(running ? mem * 2 / 5 + (id % 97) * MiB : 0));
	json_object_set_new(out, "maxdisk", json_integer(guest_maxdisk(g)));
	json_object_set_new(out, "disk", json_integer(lxc && running ? guest_maxdisk(g) / 4 : 0));
	json_object_set_new(out, "cpu", json_real(running ? 0.01 + (double)(id % 13) / 100.0 : 0));
	json_object_set_new(out, "netin", json_integer(running ? up * 1733 : 0));
	json_object_set_new(out, "netout", json_integer(running ? up * 811 : 0));
	json_object_set_new(out, "diskread", json_integer(running ? up * 4096 : 0));
	json_object_set_new(out, "diskwrite", json_integer(running ? up * 2048 : 0));
	if (lxc) {
		json_object_set_new(out, "type", json_string("lxc"));
		json_object_set_new(out, "maxswap", json_integer(sim_json_int(json_object_get(cfg,
		    "swap"), 512) * MiB));
	}
	if (running && !lxc)
		json_object_set_new(out, "pid", json_integer(10000 + id % 50000));
	if (!lxc)
		json_object_set_new(out, "qmpstatus", json_string(running ?
		    (json_is_string(json_object_get(g, "qmpstatus")) ?
		    json_string_value(json_object_get(g, "qmpstatus")) : "running") : "stopped"));
	if (sim_json_truthy(json_object_get(cfg, "template")))
		json_object_set_new(out, "template", json_integer(1));
	if ((v = json_object_get(cfg, "tags")))
		json_object_set(out, "tags", v);
	if ((v = json_object_get(cfg, "lock")))
		json_object_set(out, "lock", v);
	if (full) {
		const char *ha = pve_ha_state(s, vmid, type);
		if (ha)
			json_object_set_new(out, "ha", json_pack("{s:i, s:s}", "managed", 1, "state", ha));
		else
			json_object_set_new(out, "ha", json_pack("{s:i}", "managed", 0));
		if (!lxc && running) {
			json_object_set_new(out, "running-machine", json_string("pc-i440fx-9.2+pve1"));
			json_object_set_new(out, "running-qemu", json_string("9.2.0"));
			if (sim_json_truthy(json_object_get(cfg, "agent")) ||
			    (json_is_string(json_object_get(cfg, "agent")) &&
			    strstr(json_string_value(json_object_get(cfg, "agent")), "enabled=1")))
				json_object_set_new(out, "agent", json_integer(1));
		}
	}
	return out;
}

static int
can_audit(struct sim_req *rq, const char *vmid)
{
	char path[64];

	if (strcmp(rq->id.authid, "root@pam") == 0)
		return 1;
	snprintf(path, sizeof path, "/vms/%s", vmid);
	return sim_has_priv(rq->sim, SIM_PVE, rq->id.authid, path, "VM.Audit");
}

/* GET /nodes/{node}/qemu and /lxc */
static void
h_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *guests = json_object_get(st_surf(rq->sim, SIM_PVE), "guests"), *g, *out = json_array();
	const char *node = sim_param_str(rq, "node"), *vmid, *kind = pve_kind(rq);

	json_object_foreach(guests, vmid, g) {
		if (strcmp(json_string_value(json_object_get(g, "node")), node) != 0 ||
		    strcmp(json_string_value(json_object_get(g, "type")), kind) != 0 ||
		    !can_audit(rq, vmid))
			continue;
		json_array_append_new(out, pve_guest_summary(rq->sim, vmid, g, rq->now_ms, 0));
	}
	sim_ok(rs, out);
}

static void
h_guest_index(struct sim_req *rq, struct sim_resp *rs)
{
	static const char *const qemu[] = { "config", "pending", "status", "unlink", "vncproxy",
		"termproxy", "migrate", "resize", "move", "rrd", "rrddata", "monitor", "agent",
		"snapshot", "spiceproxy", "sendkey", "firewall", "mtunnel", "remote_migrate", NULL };
	static const char *const lxc[] = { "config", "status", "vncproxy", "termproxy",
		"vncwebsocket", "spiceproxy", "migrate", "clone", "rrd", "rrddata", "firewall",
		"snapshot", "resize", "interfaces", "pending", NULL };
	const char *const *list = is_lxc(rq) ? lxc : qemu;
	json_t *out;
	int i;

	if (pve_guest_for(rq, rs) == NULL)
		return;
	out = json_array();
	for (i = 0; list[i]; i++)
		json_array_append_new(out, json_pack("{s:s}", "subdir", list[i]));
	sim_ok(rs, out);
}

static void
h_status_index(struct sim_req *rq, struct sim_resp *rs)
{
	static const char *const list[] = { "current", "start", "stop", "reset", "shutdown",
		"suspend", "reboot", "resume", NULL };
	json_t *out;
	int i;

	if (pve_guest_for(rq, rs) == NULL)
		return;
	out = json_array();
	for (i = 0; list[i]; i++)
		if (!(is_lxc(rq) && strcmp(list[i], "reset") == 0))
			json_array_append_new(out, json_pack("{s:s}", "subdir", list[i]));
	sim_ok(rs, out);
}

static void
h_status_current(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs);

	if (g)
		sim_ok(rs, pve_guest_summary(rq->sim, sim_param_str(rq, "vmid"), g, rq->now_ms, 1));
}

/* ---------------------------------------------------------------- config */

static json_t *
config_with_digest(json_t *g)
{
	json_t *cfg = json_deep_copy(json_object_get(g, "config"));
	char d[41];

	st_config_digest(d, json_object_get(g, "config"));
	json_object_set_new(cfg, "digest", json_string(d));
	return cfg;
}

static void
h_config_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *out;
	const char *snap = sim_param_str(rq, "snapshot");

	if (g == NULL)
		return;
	if (snap) {
		json_t *sn = json_object_get(json_object_get(g, "snapshots"), snap);
		if (sn == NULL) {
			sim_err(rs, 500, "snapshot '%s' does not exist\n", snap);
			return;
		}
		out = json_deep_copy(json_object_get(sn, "config"));
		json_object_set(out, "snaptime", json_object_get(sn, "snaptime"));
		{
			char d[41];
			st_config_digest(d, json_object_get(sn, "config"));
			json_object_set_new(out, "digest", json_string(d));
		}
		sim_ok(rs, out);
		return;
	}
	out = config_with_digest(g);
	if (sim_param_bool(rq, "current", 0)) {
		json_t *pending = json_object_get(g, "pending");
		json_object_update(out, pending);
	}
	sim_ok(rs, out);
}

static void
h_pending_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *out, *v, *pending;
	const char *k;

	if (g == NULL)
		return;
	out = json_array();
	pending = json_object_get(g, "pending");
	json_object_foreach(json_object_get(g, "config"), k, v) {
		json_t *e = json_pack("{s:s, s:O}", "key", k, "value", v);
		if (json_object_get(pending, k))
			json_object_set(e, "pending", json_object_get(pending, k));
		json_array_append_new(out, e);
	}
	json_object_foreach(pending, k, v)
		if (json_object_get(json_object_get(g, "config"), k) == NULL)
			json_array_append_new(out, json_pack("{s:s, s:O}", "key", k, "pending", v));
	sim_ok(rs, out);
}

static int
locked(struct sim_req *rq, struct sim_resp *rs, json_t *g)
{
	const char *lock = json_string_value(json_object_get(json_object_get(g, "config"), "lock"));

	if (lock == NULL || sim_param_bool(rq, "skiplock", 0))
		return 0;
	sim_err(rs, 500, "%s is locked (%s)\n", is_lxc(rq) ? "CT" : "VM", lock);
	return 1;
}

/* Next free "vm-<vmid>-disk-<n>" index across the guest's volumes. */
static int
next_disk_index(json_t *cfg, const char *vmid)
{
	const char *k;
	json_t *v;
	char pat[64];
	int best = -1, n;

	snprintf(pat, sizeof pat, "-%s-disk-", vmid);
	json_object_foreach(cfg, k, v) {
		const char *s = json_string_value(v), *p;
		if (s && (p = strstr(s, pat)) != NULL) {
			n = atoi(p + strlen(pat));
			if (n > best)
				best = n;
		}
	}
	return best + 1;
}

/* "local-lvm:10,ssd=1" allocates a new 10 GiB volume, as PVE does. */
static int
allocate_disk(struct sim_req *rq, struct sim_resp *rs, json_t *cfg, const char *vmid,
    const char *key, const char *value, char **out)
{
	const char *colon = strchr(value, ':'), *p;
	char storeid[128], *res = NULL;
	json_t *st;
	long long gb;
	const char *rest;
	int lxc = is_lxc(rq), idx;

	*out = NULL;
	if (colon == NULL || (size_t)(colon - value) >= sizeof storeid)
		return 0;
	for (p = colon + 1; isdigit((unsigned char)*p) || *p == '.'; p++)
		;
	if (p == colon + 1 || (*p != '\0' && *p != ','))
		return 0;
	memcpy(storeid, value, (size_t)(colon - value));
	storeid[colon - value] = '\0';
	if ((st = st_pve_storage(rq->sim, storeid)) == NULL) {
		sim_err(rs, 500, "storage '%s' does not exist\n", storeid);
		return -1;
	}
	gb = atoll(colon + 1);
	rest = *p ? p : "";
	idx = next_disk_index(cfg, vmid);
	(void)key;
	if (asprintf(&res, "%s:%s-%s-disk-%d%s,size=%lldG", storeid, lxc ? "subvol" : "vm", vmid,
	    idx, rest, gb ? gb : 1) < 0)
		return -1;
	*out = res;
	return 1;
}

static int
next_unused(json_t *cfg)
{
	char k[32];
	int i;

	for (i = 0; i < 256; i++) {
		snprintf(k, sizeof k, "unused%d", i);
		if (json_object_get(cfg, k) == NULL)
			return i;
	}
	return 255;
}

/* Apply a config change; 0 ok, -1 with rs set. */
static int
apply_config(struct sim_req *rq, struct sim_resp *rs, json_t *g)
{
	json_t *cfg = json_object_get(g, "config"), *v, *del;
	const char *k, *vmid = sim_param_str(rq, "vmid"), *want;
	char d[41];
	size_t i;
	int j, skip;

	if (locked(rq, rs, g))
		return -1;
	if ((want = sim_param_str(rq, "digest")) != NULL && *want) {
		st_config_digest(d, cfg);
		if (strcmp(want, d) != 0) {
			sim_err(rs, 500, "detected modified configuration - file changed by other "
			    "user? Try again.\n");
			return -1;
		}
	}
	/* Deleting a disk turns it into an unused volume, like PVE. */
	del = json_object_get(rq->params, "delete");
	if (del) {
		json_t *list = json_is_array(del) ? json_incref(del) : sim_split_list(json_string_value(del));
		json_array_foreach(list, i, v) {
			const char *dk = json_string_value(v);
			json_t *old = json_object_get(cfg, dk);
			if (old == NULL)
				continue;
			if (pve_is_disk_key(pve_kind(rq), dk) && strncmp(dk, "unused", 6) != 0 &&
			    json_is_string(old) && !is_cdrom(json_string_value(old)) &&
			    !sim_param_bool(rq, "force", 0)) {
				char uk[32], *vol = strndup(json_string_value(old),
				    strcspn(json_string_value(old), ","));
				snprintf(uk, sizeof uk, "unused%d", next_unused(cfg));
				json_object_set_new(cfg, uk, json_string(vol ? vol : ""));
				free(vol);
			}
			json_object_del(cfg, dk);
		}
		json_decref(list);
	}
	json_object_foreach(rq->params, k, v) {
		char *alloc = NULL;
		for (skip = 0, j = 0; config_skip[j]; j++)
			if (strcmp(config_skip[j], k) == 0)
				skip = 1;
		if (skip)
			continue;
		if (pve_is_disk_key(pve_kind(rq), k) && json_is_string(v)) {
			int r = allocate_disk(rq, rs, cfg, vmid, k, json_string_value(v), &alloc);
			if (r < 0)
				return -1;
			if (r > 0) {
				json_object_set_new(cfg, k, json_string(alloc));
				free(alloc);
				continue;
			}
		}
		json_object_set_new(cfg, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	}
	return 0;
}

static void
h_config_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs);

	if (g == NULL || apply_config(rq, rs, g) != 0)
		return;
	sim_ok(rs, json_null());
}

static void
h_config_post(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *task;
	struct sim_resp tmp;

	if (g == NULL)
		return;
	task = sim_task_start(rq, json_string_value(json_object_get(g, "node")), "qmconfig",
	    sim_param_str(rq, "vmid"));
	memset(&tmp, 0, sizeof tmp);
	/* update_vm_async checks lock and digest inside the worker. */
	if (apply_config(rq, &tmp, g) != 0) {
		char *m = tmp.msg ? strndup(tmp.msg, strcspn(tmp.msg, "\n")) : NULL;
		sim_task_fail(task, "%s", m ? m : "update failed");
		free(m);
	}
	sim_resp_clear(&tmp);
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* ---------------------------------------------------------------- power */

static void
fx_power(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *g = st_pve_guest(s, json_string_value(json_object_get(args, "vmid")));
	const char *action = json_string_value(json_object_get(args, "action"));
	long long end = sim_json_int(json_object_get(task, "start_ms"), 0) +
	    sim_json_int(json_object_get(task, "duration_ms"), 0);

	if (!ok || g == NULL || action == NULL)
		return;
	if (strcmp(action, "start") == 0 || strcmp(action, "resume") == 0 ||
	    strcmp(action, "reboot") == 0 || strcmp(action, "reset") == 0) {
		if (strcmp(action, "resume") != 0 ||
		    strcmp(json_string_value(json_object_get(g, "status")), "stopped") == 0)
			json_object_set_new(g, "started", json_integer(end));
		json_object_set_new(g, "status", json_string("running"));
		json_object_set_new(g, "qmpstatus", json_string("running"));
	} else if (strcmp(action, "suspend") == 0) {
		json_object_set_new(g, "qmpstatus", json_string("paused"));
	} else {
		json_object_set_new(g, "status", json_string("stopped"));
		json_object_del(g, "started");
		json_object_del(g, "qmpstatus");
	}
	{
		/* HA-managed guests: the resource's requested state follows. */
		json_t *res = json_object_get(json_object_get(json_object_get(s->state, "pve"),
		    "config"), "/cluster/ha/resources");
		char sid[64];
		json_t *r;
		snprintf(sid, sizeof sid, "%s:%s", strcmp(json_string_value(json_object_get(g,
		    "type")), "lxc") == 0 ? "ct" : "vm", json_string_value(json_object_get(args, "vmid")));
		if ((r = json_object_get(res, sid)) != NULL)
			json_object_set_new(r, "state", json_string(strcmp(json_string_value(
			    json_object_get(g, "status")), "running") == 0 ? "started" : "stopped"));
	}
}

static void
power(struct sim_req *rq, struct sim_resp *rs, const char *action)
{
	json_t *g = pve_guest_for(rq, rs), *task, *cfg;
	const char *vmid = sim_param_str(rq, "vmid");
	const char *status, *lock, *ha;
	int lxc = is_lxc(rq), running;
	char type[32];

	if (g == NULL)
		return;
	cfg = json_object_get(g, "config");
	status = json_string_value(json_object_get(g, "status"));
	running = strcmp(status, "stopped") != 0;
	lock = json_string_value(json_object_get(cfg, "lock"));
	if (strcmp(action, "start") == 0 && sim_json_truthy(json_object_get(cfg, "template"))) {
		sim_err(rs, 500, "you can't start a vm if it's a template\n");
		return;
	}
	if (!running && (strcmp(action, "reboot") == 0 || strcmp(action, "reset") == 0 ||
	    strcmp(action, "suspend") == 0 || strcmp(action, "resume") == 0)) {
		sim_err(rs, 500, "%s %s not running\n", lxc ? "CT" : "VM", vmid);
		return;
	}
	if (strcmp(action, "shutdown") == 0 && running && !lxc &&
	    json_is_string(json_object_get(g, "qmpstatus")) &&
	    strcmp(json_string_value(json_object_get(g, "qmpstatus")), "paused") == 0 &&
	    !sim_param_bool(rq, "forceStop", 0)) {
		sim_err(rs, 500, "VM is paused - cannot shutdown\n");
		return;
	}
	ha = pve_ha_state(rq->sim, vmid, pve_kind(rq));
	if (ha && (strcmp(action, "start") == 0 || strcmp(action, "stop") == 0 ||
	    strcmp(action, "shutdown") == 0))
		snprintf(type, sizeof type, "ha%s", strcmp(action, "start") == 0 ? "start" : "stop");
	else
		snprintf(type, sizeof type, "%s%s", lxc ? "vz" : "qm", action);
	task = sim_task_start(rq, json_string_value(json_object_get(g, "node")), type, vmid);
	if (lock && !sim_param_bool(rq, "skiplock", 0) && strcmp(action, "stop") != 0)
		sim_task_fail(task, "%s is locked (%s)", lxc ? "CT" : "VM", lock);
	else if (strcmp(action, "start") == 0 && running)
		sim_task_fail(task, "%s %s already running", lxc ? "CT" : "VM", vmid);
	if (strcmp(action, "start") == 0)
		sim_task_log(task, "starting %s %s", lxc ? "CT" : "VM", vmid);
	else if (!running && (strcmp(action, "stop") == 0 || strcmp(action, "shutdown") == 0))
		sim_task_log(task, "%s %s not running", lxc ? "CT" : "VM", vmid);
	sim_task_set_fx(task, "pve_power", json_pack("{s:s, s:s}", "vmid", vmid, "action", action));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void h_start(struct sim_req *rq, struct sim_resp *rs) { power(rq, rs, "start"); }
static void h_stop(struct sim_req *rq, struct sim_resp *rs) { power(rq, rs, "stop"); }
static void h_shutdown(struct sim_req *rq, struct sim_resp *rs) { power(rq, rs, "shutdown"); }
static void h_reboot(struct sim_req *rq, struct sim_resp *rs) { power(rq, rs, "reboot"); }
static void h_reset(struct sim_req *rq, struct sim_resp *rs) { power(rq, rs, "reset"); }
static void h_suspend(struct sim_req *rq, struct sim_resp *rs) { power(rq, rs, "suspend"); }
static void h_resume(struct sim_req *rq, struct sim_resp *rs) { power(rq, rs, "resume"); }

/* ------------------------------------------------------------ snapshots */

int
pve_storage_can_snapshot(struct sim *s, const char *disk)
{
	char *storeid = pve_disk_storage(disk);
	json_t *st = storeid ? st_pve_storage(s, storeid) : NULL;
	const char *type, *vol;
	size_t n;
	int ok;

	free(storeid);
	if (st == NULL)
		return 0;
	if (json_object_get(st, "snapshots") && !json_is_null(json_object_get(st, "snapshots")))
		return sim_json_truthy(json_object_get(st, "snapshots"));
	type = json_string_value(json_object_get(st, "type"));
	if (type == NULL)
		return 0;
	if (!strcmp(type, "zfspool") || !strcmp(type, "lvmthin") || !strcmp(type, "rbd") ||
	    !strcmp(type, "btrfs") || !strcmp(type, "zfs"))
		return 1;
	if (!strcmp(type, "dir") || !strcmp(type, "nfs") || !strcmp(type, "cifs") ||
	    !strcmp(type, "glusterfs") || !strcmp(type, "cephfs")) {
		/* file storages snapshot qcow2 images only */
		vol = strchr(disk, ':');
		n = vol ? strcspn(vol, ",") : 0;
		ok = vol && n > 6 && strncmp(vol + n - 6, ".qcow2", 6) == 0;
		return ok;
	}
	return 0;
}

static int
snapshot_feature(struct sim *s, json_t *g)
{
	const char *kind = json_string_value(json_object_get(g, "type")), *k;
	json_t *v;

	json_object_foreach(json_object_get(g, "config"), k, v) {
		if (!pve_is_disk_key(kind, k) || strncmp(k, "unused", 6) == 0 || !json_is_string(v) ||
		    is_cdrom(json_string_value(v)))
			continue;
		if (!pve_storage_can_snapshot(s, json_string_value(v)))
			return 0;
	}
	return 1;
}

static void
h_snapshot_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *out, *sn, *e, *cfg;
	const char *name;
	char d[41];
	int lxc;

	if (g == NULL)
		return;
	lxc = is_lxc(rq);
	cfg = json_object_get(g, "config");
	out = json_array();
	json_object_foreach(json_object_get(g, "snapshots"), name, sn) {
		e = json_pack("{s:s, s:O, s:O}", "name", name, "snaptime",
		    json_object_get(sn, "snaptime") ? json_object_get(sn, "snaptime") : json_integer(0),
		    "description", json_object_get(sn, "description") ?
		    json_object_get(sn, "description") : json_string(""));
		if (!lxc)
			json_object_set_new(e, "vmstate",
			    json_integer(sim_json_truthy(json_object_get(sn, "vmstate"))));
		if (json_is_string(json_object_get(sn, "parent")))
			json_object_set(e, "parent", json_object_get(sn, "parent"));
		if (json_is_string(json_object_get(sn, "snapstate")))
			json_object_set(e, "snapstate", json_object_get(sn, "snapstate"));
		json_array_append_new(out, e);
	}
	st_config_digest(d, cfg);
	e = json_pack("{s:s, s:s, s:i, s:s}", "name", "current", "digest", d, "running",
	    strcmp(json_string_value(json_object_get(g, "status")), "stopped") != 0,
	    "description", "You are here!");
	if (json_is_string(json_object_get(cfg, "parent")))
		json_object_set(e, "parent", json_object_get(cfg, "parent"));
	json_array_append_new(out, e);
	sim_ok(rs, out);
}

static json_t *
snapshot_config(json_t *cfg)
{
	json_t *c = json_deep_copy(cfg);

	json_object_del(c, "parent");
	json_object_del(c, "lock");
	return c;
}

static void
fx_snapshot(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *g = st_pve_guest(s, json_string_value(json_object_get(args, "vmid")));
	const char *op = json_string_value(json_object_get(args, "op"));
	const char *name = json_string_value(json_object_get(args, "name"));
	json_t *cfg, *snaps, *sn, *other;
	const char *k;

	(void)task;
	if (g == NULL || op == NULL || name == NULL)
		return;
	cfg = json_object_get(g, "config");
	snaps = sim_obj(g, "snapshots");
	sn = json_object_get(snaps, name);
	if (!sim_json_truthy(json_object_get(args, "keep_lock")))
		json_object_del(cfg, "lock");
	if (strcmp(op, "create") == 0) {
		if (sn == NULL)
			return;
		if (ok) {
			json_object_del(sn, "snapstate");
		} else if (sim_json_truthy(json_object_get(args, "created"))) {
			/* restore the previous head */
			if (json_is_string(json_object_get(sn, "parent")))
				json_object_set(cfg, "parent", json_object_get(sn, "parent"));
			else
				json_object_del(cfg, "parent");
			json_object_del(snaps, name);
		}
	} else if (strcmp(op, "delete") == 0) {
		if (sn == NULL)
			return;
		if (!ok) {
			json_object_del(sn, "snapstate");
			return;
		}
		json_object_foreach(snaps, k, other) {
			if (json_is_string(json_object_get(other, "parent")) &&
			    strcmp(json_string_value(json_object_get(other, "parent")), name) == 0) {
				if (json_is_string(json_object_get(sn, "parent")))
					json_object_set(other, "parent", json_object_get(sn, "parent"));
				else
					json_object_del(other, "parent");
			}
		}
		if (json_is_string(json_object_get(cfg, "parent")) &&
		    strcmp(json_string_value(json_object_get(cfg, "parent")), name) == 0) {
			if (json_is_string(json_object_get(sn, "parent")))
				json_object_set(cfg, "parent", json_object_get(sn, "parent"));
			else
				json_object_del(cfg, "parent");
		}
		json_object_del(snaps, name);
	} else if (strcmp(op, "rollback") == 0) {
		json_t *nc;
		int vmstate;
		if (!ok || sn == NULL)
			return;
		nc = json_deep_copy(json_object_get(sn, "config"));
		json_object_set_new(nc, "parent", json_string(name));
		json_object_set_new(g, "config", nc);
		vmstate = sim_json_truthy(json_object_get(sn, "vmstate"));
		if (vmstate || sim_json_truthy(json_object_get(args, "start"))) {
			json_object_set_new(g, "status", json_string("running"));
			json_object_set_new(g, "started", json_integer(
			    sim_json_int(json_object_get(task, "start_ms"), 0) +
			    sim_json_int(json_object_get(task, "duration_ms"), 0)));
		} else {
			json_object_set_new(g, "status", json_string("stopped"));
			json_object_del(g, "started");
		}
	}
}

static void
fx_unlock(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *g = st_pve_guest(s, json_string_value(json_object_get(args, "vmid")));

	(void)task;
	(void)ok;
	if (g)
		json_object_del(json_object_get(g, "config"), "lock");
}

static void
h_snapshot_create(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *task, *cfg, *snaps, *sn;
	const char *name = sim_param_str(rq, "snapname"), *vmid = sim_param_str(rq, "vmid");
	const char *lock;
	int lxc, created = 0;

	if (g == NULL)
		return;
	lxc = is_lxc(rq);
	if (strcmp(name, "current") == 0 || strcmp(name, "pending") == 0) {
		sim_err(rs, 500, "unable to use snapshot name '%s' (reserved name)\n", name);
		return;
	}
	cfg = json_object_get(g, "config");
	snaps = sim_obj(g, "snapshots");
	task = sim_task_start(rq, json_string_value(json_object_get(g, "node")),
	    lxc ? "vzsnapshot" : "qmsnapshot", vmid);
	lock = json_string_value(json_object_get(cfg, "lock"));
	if (lock) {
		sim_task_fail(task, "%s is locked (%s)", lxc ? "CT" : "VM", lock);
		sim_task_set_fx(task, "pve_snapshot", json_pack("{s:s, s:s, s:s, s:b}", "vmid", vmid,
		    "op", "create", "name", name, "keep_lock", 1));
	} else if (json_object_get(snaps, name)) {
		sim_task_fail(task, "snapshot name '%s' already used", name);
		sim_task_set_fx(task, "pve_snapshot", json_pack("{s:s, s:s, s:s}", "vmid", vmid,
		    "op", "create", "name", name));
	} else {
		int running = strcmp(json_string_value(json_object_get(g, "status")), "stopped") != 0;

		json_object_set_new(cfg, "lock", json_string("snapshot"));
		sn = json_pack("{s:I, s:s, s:i, s:s, s:o}", "snaptime", (json_int_t)(rq->now_ms / 1000),
		    "description", sim_param_str(rq, "description") ? sim_param_str(rq,
		    "description") : "", "vmstate", !lxc && running && sim_param_bool(rq, "vmstate", 0),
		    "snapstate", "prepare", "config", snapshot_config(cfg));
		if (json_is_string(json_object_get(cfg, "parent")))
			json_object_set(sn, "parent", json_object_get(cfg, "parent"));
		json_object_set_new(snaps, name, sn);
		json_object_set_new(cfg, "parent", json_string(name));
		created = 1;
		if (!snapshot_feature(rq->sim, g))
			sim_task_fail(task, "snapshot feature is not available");
		else if (!lxc && running)
			sim_task_log(task, "saving VM state and RAM using storage 'local-lvm'");
		sim_task_set_fx(task, "pve_snapshot", json_pack("{s:s, s:s, s:s, s:b}", "vmid", vmid,
		    "op", "create", "name", name, "created", created));
	}
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_snapshot_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *task, *cfg, *sn;
	const char *name = sim_param_str(rq, "snapname"), *vmid = sim_param_str(rq, "vmid");
	const char *lock;
	int lxc;

	if (g == NULL)
		return;
	lxc = is_lxc(rq);
	cfg = json_object_get(g, "config");
	sn = json_object_get(json_object_get(g, "snapshots"), name);
	task = sim_task_start(rq, json_string_value(json_object_get(g, "node")),
	    lxc ? "vzdelsnapshot" : "qmdelsnapshot", vmid);
	lock = json_string_value(json_object_get(cfg, "lock"));
	if (sn == NULL) {
		sim_task_fail(task, "snapshot '%s' does not exist", name);
	} else if (lock && !sim_param_bool(rq, "force", 0)) {
		sim_task_fail(task, "%s is locked (%s)", lxc ? "CT" : "VM", lock);
	} else {
		json_object_set_new(cfg, "lock", json_string("snapshot-delete"));
		json_object_set_new(sn, "snapstate", json_string("delete"));
		sim_task_set_fx(task, "pve_snapshot", json_pack("{s:s, s:s, s:s}", "vmid", vmid,
		    "op", "delete", "name", name));
	}
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_snapshot_rollback(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *task, *cfg, *sn;
	const char *name = sim_param_str(rq, "snapname"), *vmid = sim_param_str(rq, "vmid");
	const char *lock;
	int lxc;

	if (g == NULL)
		return;
	lxc = is_lxc(rq);
	cfg = json_object_get(g, "config");
	sn = json_object_get(json_object_get(g, "snapshots"), name);
	task = sim_task_start(rq, json_string_value(json_object_get(g, "node")),
	    lxc ? "vzrollback" : "qmrollback", vmid);
	lock = json_string_value(json_object_get(cfg, "lock"));
	if (sn == NULL) {
		sim_task_fail(task, "snapshot '%s' does not exist", name);
	} else if (lock) {
		sim_task_fail(task, "%s is locked (%s)", lxc ? "CT" : "VM", lock);
	} else {
		json_object_set_new(cfg, "lock", json_string("rollback"));
		if (strcmp(json_string_value(json_object_get(g, "status")), "stopped") != 0)
			sim_task_log(task, "stopping %s %s before rollback", lxc ? "CT" : "VM", vmid);
		sim_task_set_fx(task, "pve_snapshot", json_pack("{s:s, s:s, s:s, s:b}", "vmid", vmid,
		    "op", "rollback", "name", name, "start", sim_param_bool(rq, "start", 0)));
	}
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_snapshot_index(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs);
	const char *name = sim_param_str(rq, "snapname");

	if (g == NULL)
		return;
	if (json_object_get(json_object_get(g, "snapshots"), name) == NULL) {
		sim_err(rs, 500, "snapshot '%s' does not exist\n", name);
		return;
	}
	sim_ok(rs, json_pack("[{s:s},{s:s}]", "subdir", "rollback", "subdir", "config"));
}

static void
h_snapshot_config_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *sn, *out;
	const char *name = sim_param_str(rq, "snapname");

	if (g == NULL)
		return;
	if ((sn = json_object_get(json_object_get(g, "snapshots"), name)) == NULL) {
		sim_err(rs, 500, "snapshot '%s' does not exist\n", name);
		return;
	}
	out = json_deep_copy(json_object_get(sn, "config"));
	json_object_set(out, "snaptime", json_object_get(sn, "snaptime"));
	json_object_set(out, "description", json_object_get(sn, "description"));
	if (json_is_string(json_object_get(sn, "parent")))
		json_object_set(out, "parent", json_object_get(sn, "parent"));
	if (!is_lxc(rq))
		json_object_set_new(out, "vmstate",
		    json_integer(sim_json_truthy(json_object_get(sn, "vmstate"))));
	sim_ok(rs, out);
}

static void
h_snapshot_config_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *g = pve_guest_for(rq, rs), *sn;
	const char *name = sim_param_str(rq, "snapname"), *desc = sim_param_str(rq, "description");

	if (g == NULL)
		return;
	if ((sn = json_object_get(json_object_get(g, "snapshots"), name)) == NULL) {
		sim_err(rs, 500, "snapshot '%s' does not exist\n", name);
		return;
	}
	if (desc)
		json_object_set_new(sn, "description", json_string(desc));
	sim_ok(rs, json_null());
}

void
pve_guest_register_fx(void)
{
	sim_task_register_fx("pve_power", fx_power);
	sim_task_register_fx("pve_snapshot", fx_snapshot);
	sim_task_register_fx("pve_unlock", fx_unlock);
}

void
pve_guest_register(struct sim_schema *sc)
{
	static const char *const kinds[] = { "qemu", "lxc" };
	char p[256];
	int i;

	for (i = 0; i < 2; i++) {
		const char *k = kinds[i];
#define B(m, suffix, fn) do { snprintf(p, sizeof p, "/nodes/{node}/%s%s", k, suffix); \
		sim_bind(sc, m, p, fn); } while (0)
		B("GET", "", h_list);
		B("GET", "/{vmid}", h_guest_index);
		B("GET", "/{vmid}/status", h_status_index);
		B("GET", "/{vmid}/status/current", h_status_current);
		B("GET", "/{vmid}/config", h_config_get);
		B("PUT", "/{vmid}/config", h_config_put);
		B("GET", "/{vmid}/pending", h_pending_get);
		B("POST", "/{vmid}/status/start", h_start);
		B("POST", "/{vmid}/status/stop", h_stop);
		B("POST", "/{vmid}/status/shutdown", h_shutdown);
		B("POST", "/{vmid}/status/reboot", h_reboot);
		B("POST", "/{vmid}/status/suspend", h_suspend);
		B("POST", "/{vmid}/status/resume", h_resume);
		B("GET", "/{vmid}/snapshot", h_snapshot_list);
		B("POST", "/{vmid}/snapshot", h_snapshot_create);
		B("GET", "/{vmid}/snapshot/{snapname}", h_snapshot_index);
		B("DELETE", "/{vmid}/snapshot/{snapname}", h_snapshot_delete);
		B("POST", "/{vmid}/snapshot/{snapname}/rollback", h_snapshot_rollback);
		B("GET", "/{vmid}/snapshot/{snapname}/config", h_snapshot_config_get);
		B("PUT", "/{vmid}/snapshot/{snapname}/config", h_snapshot_config_put);
#undef B
	}
	sim_bind(sc, "POST", "/nodes/{node}/qemu/{vmid}/config", h_config_post);
	sim_bind(sc, "POST", "/nodes/{node}/qemu/{vmid}/status/reset", h_reset);
}
