/**
 * @file diagnose.c
 * @brief DIAGNOSE from the API: pve_node_diagnose (node health: status,
 *        storage fill, failed tasks in a window, HA state, replication
 *        errors, subscription and APT updates, SMART where readable) and
 *        pve_diagnose (one guest: state, locks, memory and disk, its
 *        storages, its failed tasks, HA, replication, backup coverage, and
 *        the in-guest battery's slot).
 *
 * Every flag cites the numbers that raised it.  Every probe that could not
 * run is named and flagged, and the report says healthy only when every
 * probe ran and nothing was flagged.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "blast.h"
#include "diagnose.h"
#include "privileges.h"
#include "pve.h"
#include "pve.h"

static const char note[] = "DIAGNOSE gathers read-only evidence; flags are advisory signals "
	"(some heuristic), NOT a root-cause diagnosis. Verify before acting.";

#define PCT(a, b)	((b) > 0 ? 100.0 * (double)(a) / (double)(b) : 0.0)

static void
flagf(json_t *flags, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
flagf(json_t *flags, const char *fmt, ...)
{
	char text[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json_array_append_new(flags, json_string(text));
}

static json_int_t
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (json_int_t)json_real_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return -1;
}

/* A probe that did not run: named in "probes", flagged, report incomplete. */
static int
probe(json_t *report, const struct bl_req *r, const char *section)
{
	json_t *probes = json_object_get(report, "probes_run");

	if (r->data != NULL) {
		json_object_set_new(probes, section, json_string("ok"));
		return 1;
	}
	json_object_set_new(probes, section, json_sprintf("failed: %s", r->error));
	flagf(json_object_get(report, "flags"), "%s read failed — diagnosis incomplete (%s)",
	    section, r->error);
	json_object_set_new(report, "complete", json_false());
	return 0;
}

/* running | ok | warnings | failed | unknown, as the reference classifies. */
static const char *
task_outcome(const json_t *t)
{
	const char *st = json_string_value(json_object_get(t, "status"));
	const json_t *end = json_object_get(t, "endtime");

	if (end == NULL || json_is_null(end))
		return st && strcmp(st, "running") != 0 && strcmp(st, "stopped") != 0 ? "unknown" :
		    "running";
	if (st == NULL)
		return "unknown";
	if (strcmp(st, "OK") == 0)
		return "ok";
	if (strncmp(st, "WARNINGS", 8) == 0)
		return "warnings";
	return "failed";
}

/* Failed tasks in the window: rows, and one flag citing the count and types. */
static void
failed_tasks(json_t *report, const json_t *tasks, long window_h, long limit, const char *who)
{
	json_t *rows = json_array(), *by = json_object(), *t, *c;
	time_t since = time(NULL) - window_h * 3600;
	size_t i, n = 0, off = 0;
	const char *k;
	char types[600] = "";

	json_array_foreach(tasks, i, t) {
		const char *type = json_string_value(json_object_get(t, "type"));

		if (num(t, "starttime") >= 0 && num(t, "starttime") < since)
			continue;
		if (strcmp(task_outcome(t), "failed") != 0)
			continue;
		n++;
		json_array_append_new(rows, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "upid",
		    json_object_get(t, "upid"), "type", json_object_get(t, "type"), "id",
		    json_object_get(t, "id"), "status", json_object_get(t, "status"), "starttime",
		    json_object_get(t, "starttime")));
		c = json_object_get(by, type ? type : "?");
		json_object_set_new(by, type ? type : "?", json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	json_object_foreach(by, k, c)
		off += (size_t)snprintf(types + off, off < sizeof types ? sizeof types - off : 0,
		    "%s%s ×%lld", off ? ", " : "", k, (long long)json_integer_value(c));
	if (n)
		flagf(json_object_get(report, "flags"), "%zu failed task(s)%s in the last %ld h (%s)",
		    n, who, window_h, types);
	if ((long)json_array_size(tasks) >= limit)
		json_object_set_new(report, "tasks_note", json_sprintf("the task list is windowed "
		    "(newest %ld read): older failures are not seen; absence is not proof", limit));
	json_object_set_new(report, "failed_tasks", rows);
	json_decref(by);
}

static void
storage_flags(json_t *flags, const json_t *list, const json_t *only)
{
	json_t *st;
	size_t i;
	char b1[32], b2[32];

	json_array_foreach(list, i, st) {
		const char *id = json_string_value(json_object_get(st, "storage"));
		json_int_t used = num(st, "used"), total = num(st, "total");
		double frac = json_is_number(json_object_get(st, "used_fraction")) ?
		    json_number_value(json_object_get(st, "used_fraction")) : -1;

		if (id == NULL || (only && json_object_get(only, id) == NULL))
			continue;
		if (json_object_get(st, "enabled") && !bl_truthy(json_object_get(st, "enabled")))
			continue;
		if (json_object_get(st, "active") && !bl_truthy(json_object_get(st, "active"))) {
			flagf(flags, "storage %s is inactive (offline) — usage not evaluated", id);
			continue;
		}
		if (frac < 0 && total > 0)
			frac = (double)used / (double)total;
		if (frac > 0.9)
			flagf(flags, "storage %s at %.0f%% (%s of %s used)%s", id, frac * 100.0,
			    bl_bytes(b1, sizeof b1, used), bl_bytes(b2, sizeof b2, total),
			    only ? json_string_value(json_object_get(only, id)) : "");
	}
}

/* ------------------------------------------------------------ node */

static const char node_schema[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
	"\"node\":{\"type\":\"string\",\"maxLength\":64,"
	"\"pattern\":\"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$\","
	"\"description\":\"cluster node; defaults to PROXIMO_NODE\"},"
	"\"window_hours\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":720,\"default\":24,"
	"\"description\":\"how far back failed tasks count\"}}}";

#define TASK_LIMIT 500

static int
node_read(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	enum { P_STATUS, P_STORAGE, P_TASKS, P_HA, P_REPL, P_SUB, P_APT, P_DISKS, P_N };
	const char *node = pve_node(err, args);
	long window = json_is_integer(json_object_get(args, "window_hours")) ?
	    (long)json_integer_value(json_object_get(args, "window_hours")) : 24;
	struct bl_req r[P_N];
	json_t *rep, *flags, *v;
	size_t i;
	char b1[32], b2[32];

	(void)payload;
	*out = NULL;
	if (node == NULL)
		return err->code;
	memset(r, 0, sizeof r);
	bl_req_pathf(&r[P_STATUS], "/nodes/{node}/status", "{s:s}", "node", node);
	bl_req_pathf(&r[P_STORAGE], "/nodes/{node}/storage", "{s:s}", "node", node);
	bl_req_pathf(&r[P_TASKS], "/nodes/{node}/tasks", "{s:s}", "node", node);
	r[P_TASKS].params = json_pack("{s:i}", "limit", TASK_LIMIT);
	bl_req_path(&r[P_HA], "/cluster/ha/status/current", NULL);
	bl_req_pathf(&r[P_REPL], "/nodes/{node}/replication", "{s:s}", "node", node);
	bl_req_pathf(&r[P_SUB], "/nodes/{node}/subscription", "{s:s}", "node", node);
	bl_req_pathf(&r[P_APT], "/nodes/{node}/apt/update", "{s:s}", "node", node);
	bl_req_pathf(&r[P_DISKS], "/nodes/{node}/disks/list", "{s:s}", "node", node);
	bl_fetch(call, r, P_N);
	flags = json_array();
	rep = json_pack("{s:s, s:s, s:o, s:o, s:b}", "node", node, "note", note, "flags", flags,
	    "probes_run", json_object(), "complete", 1);

	/* status: memory, root fs, swap, load */
	if (probe(rep, &r[P_STATUS], "node status")) {
		const json_t *st = r[P_STATUS].data, *mem = json_object_get(st, "memory");
		const json_t *root = json_object_get(st, "rootfs"), *swap = json_object_get(st, "swap");
		const json_t *load = json_object_get(st, "loadavg");
		json_int_t cpus = num(json_object_get(st, "cpuinfo"), "cpus");
		double l1 = json_is_array(load) ? strtod(json_string_value(json_array_get(load, 0)) ?
		    json_string_value(json_array_get(load, 0)) : "0", NULL) : 0;

		json_object_set_new(rep, "status", json_pack("{s:O?, s:O?, s:O?, s:O?}", "memory", mem,
		    "rootfs", root, "loadavg", load, "cpus", json_object_get(json_object_get(st,
		    "cpuinfo"), "cpus")));
		if (PCT(num(mem, "used"), num(mem, "total")) > 90)
			flagf(flags, "node memory at %.0f%% (%s of %s used)", PCT(num(mem, "used"),
			    num(mem, "total")), bl_bytes(b1, sizeof b1, num(mem, "used")),
			    bl_bytes(b2, sizeof b2, num(mem, "total")));
		if (PCT(num(root, "used"), num(root, "total")) > 90)
			flagf(flags, "root filesystem at %.0f%% (%s of %s used)", PCT(num(root, "used"),
			    num(root, "total")), bl_bytes(b1, sizeof b1, num(root, "used")),
			    bl_bytes(b2, sizeof b2, num(root, "total")));
		if (PCT(num(swap, "used"), num(swap, "total")) > 50)
			flagf(flags, "swap at %.0f%% (%s of %s used)", PCT(num(swap, "used"),
			    num(swap, "total")), bl_bytes(b1, sizeof b1, num(swap, "used")),
			    bl_bytes(b2, sizeof b2, num(swap, "total")));
		if (cpus > 0 && l1 > (double)cpus)
			flagf(flags, "load average %.2f exceeds the node's %lld CPU(s)", l1,
			    (long long)cpus);
	}
	if (probe(rep, &r[P_STORAGE], "node storage")) {
		json_object_set(rep, "storage", r[P_STORAGE].data);
		storage_flags(flags, r[P_STORAGE].data, NULL);
	}
	if (probe(rep, &r[P_TASKS], "node tasks"))
		failed_tasks(rep, r[P_TASKS].data, window, TASK_LIMIT, "");
	if (probe(rep, &r[P_HA], "HA status")) {
		json_t *ha = json_array();

		json_array_foreach(r[P_HA].data, i, v) {
			const char *type = json_string_value(json_object_get(v, "type"));
			const char *vn = json_string_value(json_object_get(v, "node"));
			const char *state = json_string_value(json_object_get(v, "state"));
			const char *status = json_string_value(json_object_get(v, "status"));

			if (type == NULL)
				continue;
			if (strcmp(type, "quorum") == 0 && json_object_get(v, "quorate") &&
			    !bl_truthy(json_object_get(v, "quorate")))
				flagf(flags, "the cluster is NOT quorate (HA status quorum: %s): HA cannot "
				    "act and configuration is read-only", status ? status : "?");
			if (vn == NULL || strcmp(vn, node) != 0)
				continue;
			json_array_append(ha, v);
			if (strcmp(type, "lrm") == 0 && status && strcmp(status, "active") != 0 &&
			    strncmp(status, "idle", 4) != 0 && strcmp(status, "wait_for_agent_lock") != 0)
				flagf(flags, "HA LRM on %s: %s", node, status);
			if (strcmp(type, "service") == 0 && state && (strcmp(state, "error") == 0 ||
			    strcmp(state, "fence") == 0 || strcmp(state, "recovery") == 0 ||
			    strcmp(state, "freeze") == 0))
				flagf(flags, "HA service %s on %s is in state %s",
				    json_string_value(json_object_get(v, "sid")) ?
				    json_string_value(json_object_get(v, "sid")) : "?", node, state);
		}
		json_object_set_new(rep, "ha", ha);
	}
	if (probe(rep, &r[P_REPL], "replication")) {
		json_object_set(rep, "replication", r[P_REPL].data);
		json_array_foreach(r[P_REPL].data, i, v)
			if (num(v, "fail_count") > 0 || json_string_value(json_object_get(v, "error")))
				flagf(flags, "replication job %s → %s failing (fail_count %lld)%s%s",
				    json_string_value(json_object_get(v, "id")) ?
				    json_string_value(json_object_get(v, "id")) : "?",
				    json_string_value(json_object_get(v, "target")) ?
				    json_string_value(json_object_get(v, "target")) : "?",
				    (long long)(num(v, "fail_count") > 0 ? num(v, "fail_count") : 0),
				    json_string_value(json_object_get(v, "error")) ? ": " : "",
				    json_string_value(json_object_get(v, "error")) ?
				    json_string_value(json_object_get(v, "error")) : "");
	}
	if (probe(rep, &r[P_SUB], "subscription")) {
		const char *st = json_string_value(json_object_get(r[P_SUB].data, "status"));

		json_object_set_new(rep, "subscription", json_pack("{s:s?, s:O?, s:O?}", "status", st,
		    "level", json_object_get(r[P_SUB].data, "level"), "nextduedate",
		    json_object_get(r[P_SUB].data, "nextduedate")));
		if (st == NULL || strcasecmp(st, "active") != 0)
			flagf(flags, "no active subscription (status %s): the enterprise repository is "
			    "not available to this node", st ? st : "unknown");
	}
	if (probe(rep, &r[P_APT], "APT updates")) {
		json_t *names = json_array();
		char *list;

		json_array_foreach(r[P_APT].data, i, v) {
			char pkg[300];

			snprintf(pkg, sizeof pkg, "%s %s → %s",
			    json_string_value(json_object_get(v, "Package")) ?
			    json_string_value(json_object_get(v, "Package")) : "?",
			    json_string_value(json_object_get(v, "OldVersion")) ?
			    json_string_value(json_object_get(v, "OldVersion")) : "?",
			    json_string_value(json_object_get(v, "Version")) ?
			    json_string_value(json_object_get(v, "Version")) : "?");
			json_array_append_new(names, json_string(pkg));
		}
		json_object_set_new(rep, "updates", json_pack("{s:I, s:O}", "count",
		    (json_int_t)json_array_size(names), "packages", names));
		list = bl_join_max(names, ", ", 5);
		if (json_array_size(names))
			flagf(flags, "%zu package update(s) pending (%s)", json_array_size(names),
			    list ? list : "");
		free(list);
		json_decref(names);
	}
	if (probe(rep, &r[P_DISKS], "SMART (disks)")) {
		json_t *disks = json_array();
		size_t unknown = 0;

		json_array_foreach(r[P_DISKS].data, i, v) {
			const char *dev = json_string_value(json_object_get(v, "devpath"));
			const char *h = json_string_value(json_object_get(v, "health"));
			json_int_t w = num(v, "wearout");

			json_array_append_new(disks, json_pack("{s:s?, s:s?, s:O?, s:O?}", "devpath", dev,
			    "health", h, "wearout", json_object_get(v, "wearout"), "model",
			    json_object_get(v, "model")));
			if (h && strcasecmp(h, "PASSED") != 0 && strcasecmp(h, "OK") != 0 &&
			    strcasecmp(h, "UNKNOWN") != 0)
				flagf(flags, "disk %s SMART health %s", dev ? dev : "?", h);
			if (h == NULL || strcasecmp(h, "UNKNOWN") == 0)
				unknown++;
			if (w >= 0 && w <= 10 && json_is_integer(json_object_get(v, "wearout")))
				flagf(flags, "disk %s wearout: %lld%% of its rated life left", dev ? dev :
				    "?", (long long)w);
		}
		json_object_set_new(rep, "disks", disks);
		if (unknown)
			json_object_set_new(rep, "smart_note", json_sprintf("SMART health unknown for "
			    "%zu disk(s) (not readable through the API)", unknown));
	}
	json_object_set_new(rep, "healthy", json_boolean(json_is_true(json_object_get(rep,
	    "complete")) && json_array_size(flags) == 0));
	bl_req_free(r, P_N);
	*out = rep;
	return PXM_OK;
}

/* ------------------------------------------------------------ guest */

static const char guest_schema[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"vmid\"],\"properties\":{"
	"\"vmid\":{\"type\":\"integer\",\"minimum\":100,\"maximum\":999999999,"
	"\"description\":\"guest id\"},"
	"\"node\":{\"type\":\"string\",\"maxLength\":64,"
	"\"pattern\":\"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$\","
	"\"description\":\"looked up from vmid when omitted\"},"
	"\"kind\":{\"type\":\"string\",\"enum\":[\"qemu\",\"lxc\"],"
	"\"description\":\"looked up from vmid when omitted\"},"
	"\"window_hours\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":720,\"default\":24}}}";

/* The in-guest evidence: for a running container, the exec plugin's
 * battery (ct_diagnose, with its own enablement and allowlist gates) run
 * through the host and merged; otherwise the reason it is missing. */
static void
guest_battery(json_t *rep, struct pxm_call *call, const char *kind, json_int_t vmid,
    const char *node, const char *status)
{
	struct pxm_error err;
	json_t *args, *bat = NULL;
	char why[1200], ctid[24];
	int r;

	if (strcmp(kind, "lxc") != 0) {
		pve_diagnose_skip_probes(rep, "in-guest evidence for a VM needs the QEMU guest "
		    "agent surface (qga), which is not installed");
		return;
	}
	if (status == NULL || strcmp(status, "running") != 0) {
		snprintf(why, sizeof why, "the container is %s, so nothing can run inside it",
		    status ? status : "in an unknown state");
		pve_diagnose_skip_probes(rep, why);
		return;
	}
	if (!PXM_HOST_HAS(pve_host, call_read_tool)) {
		pve_diagnose_skip_probes(rep, "this proximo cannot merge another surface's "
		    "evidence (SDK older than 1.1)");
		return;
	}
	snprintf(ctid, sizeof ctid, "%lld", (long long)vmid);
	args = json_pack("{s:s, s:s}", "ctid", ctid, "node", node);
	memset(&err, 0, sizeof err);
	r = pve_host->call_read_tool(&bat, &err, call, "ct_diagnose", args);
	json_decref(args);
	if (r == PXM_E_NOTFOUND) {
		pve_diagnose_skip_probes(rep, "the container evidence battery needs the exec "
		    "plugin, which is not installed");
	} else if (r != PXM_OK || !json_is_object(json_object_get(bat, "probes"))) {
		snprintf(why, sizeof why, "the exec plugin did not run the battery: %s",
		    err.text[0] ? err.text : "no probes in its answer");
		pve_diagnose_skip_probes(rep, why);
	} else {
		if (json_is_object(json_object_get(rep, "probes_run")))
			json_object_set_new(json_object_get(rep, "probes_run"), "container battery",
			    json_string("ok"));
		pve_diagnose_merge_probes(rep, json_object_get(bat, "probes"));
		json_object_set(rep, "untrusted", json_object_get(bat, "untrusted"));
		json_object_set(rep, "untrusted_note", json_object_get(bat, "untrusted_note"));
	}
	json_decref(bat);
}

static int
guest_read(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	enum { G_STATUS, G_CONFIG, G_TASKS, G_HA, G_REPL, G_STORAGE, G_NOBACKUP, G_N };
	json_t *full = NULL, *rep, *flags, *v, *disks_on = json_object();
	const char *node, *kind, *k, *val;
	json_int_t vmid;
	long window;
	struct bl_req r[G_N];
	char sid[32], store[128], b1[32], b2[32];
	size_t i;
	int rc;

	(void)payload;
	*out = NULL;
	if ((rc = pve_guest_complete(&full, err, call, args)) != PXM_OK) {
		json_decref(disks_on);
		return rc;
	}
	node = json_string_value(json_object_get(full, "node"));
	kind = json_string_value(json_object_get(full, "kind"));
	vmid = json_integer_value(json_object_get(full, "vmid"));
	window = json_is_integer(json_object_get(full, "window_hours")) ?
	    (long)json_integer_value(json_object_get(full, "window_hours")) : 24;
	if (node == NULL || kind == NULL) {
		json_decref(full);
		json_decref(disks_on);
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "guest %lld: its node and kind "
		    "could not be found", (long long)vmid);
	}
	snprintf(sid, sizeof sid, "%s:%lld", strcmp(kind, "lxc") == 0 ? "ct" : "vm", (long long)vmid);
	memset(r, 0, sizeof r);
	bl_req_pathf(&r[G_STATUS], "/nodes/{node}/{kind}/{vmid}/status/current", "{s:s, s:s, s:I}",
	    "node", node, "kind", kind, "vmid", vmid);
	bl_req_pathf(&r[G_CONFIG], "/nodes/{node}/{kind}/{vmid}/config", "{s:s, s:s, s:I}", "node",
	    node, "kind", kind, "vmid", vmid);
	bl_req_pathf(&r[G_TASKS], "/nodes/{node}/tasks", "{s:s}", "node", node);
	r[G_TASKS].params = json_pack("{s:I, s:i}", "vmid", vmid, "limit", 100);
	bl_req_path(&r[G_HA], "/cluster/ha/status/current", NULL);
	bl_req_pathf(&r[G_REPL], "/nodes/{node}/replication", "{s:s}", "node", node);
	r[G_REPL].params = json_pack("{s:I}", "guest", vmid);
	bl_req_pathf(&r[G_STORAGE], "/nodes/{node}/storage", "{s:s}", "node", node);
	bl_req_path(&r[G_NOBACKUP], "/cluster/backup-info/not-backed-up", NULL);
	bl_fetch(call, r, G_N);
	flags = json_array();
	rep = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:b}", "vmid", vmid, "kind", kind, "node",
	    node, "note", note, "flags", flags, "probes_run", json_object(), "complete", 1);
	if (probe(rep, &r[G_STATUS], "guest status")) {
		const json_t *st = r[G_STATUS].data;
		const char *status = json_string_value(json_object_get(st, "status"));

		json_object_set_new(rep, "guest", json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, "
		    "s:O?, s:O?}", "status", json_object_get(st, "status"), "name",
		    json_object_get(st, "name"), "cpu", json_object_get(st, "cpu"), "mem",
		    json_object_get(st, "mem"), "maxmem", json_object_get(st, "maxmem"), "disk",
		    json_object_get(st, "disk"), "maxdisk", json_object_get(st, "maxdisk"), "uptime",
		    json_object_get(st, "uptime")));
		if (status && strcmp(status, "running") != 0)
			flagf(flags, "guest is %s (not running)", status);
		if (status && strcmp(status, "running") == 0 &&
		    PCT(num(st, "mem"), num(st, "maxmem")) > 90)
			flagf(flags, "guest memory at %.0f%% (%s of %s)", PCT(num(st, "mem"),
			    num(st, "maxmem")), bl_bytes(b1, sizeof b1, num(st, "mem")),
			    bl_bytes(b2, sizeof b2, num(st, "maxmem")));
		if (strcmp(kind, "lxc") == 0 && PCT(num(st, "disk"), num(st, "maxdisk")) > 90)
			flagf(flags, "root disk at %.0f%% (API: %s of %s)", PCT(num(st, "disk"),
			    num(st, "maxdisk")), bl_bytes(b1, sizeof b1, num(st, "disk")),
			    bl_bytes(b2, sizeof b2, num(st, "maxdisk")));
	}
	if (probe(rep, &r[G_CONFIG], "guest config")) {
		const char *lock = json_string_value(json_object_get(r[G_CONFIG].data, "lock"));

		if (lock)
			flagf(flags, "guest is locked (lock=%s): other operations wait or fail until "
			    "it clears", lock);
		json_object_foreach(r[G_CONFIG].data, k, v) {
			char where[160], *cur;

			if (!bl_disk_key(k) || (val = json_string_value(v)) == NULL || bl_is_cdrom(val) ||
			    !bl_disk_storage(store, sizeof store, val))
				continue;
			cur = (char *)json_string_value(json_object_get(disks_on, store));
			snprintf(where, sizeof where, "%s%s%s", cur ? cur : " (holding ", cur ? ", " : "",
			    k);
			json_object_set_new(disks_on, store, json_string(where));
		}
		json_object_foreach(disks_on, k, v) {
			char closed[200];

			snprintf(closed, sizeof closed, "%s)", json_string_value(v));
			json_object_set_new(disks_on, k, json_string(closed));
		}
	}
	if (probe(rep, &r[G_STORAGE], "node storage"))
		storage_flags(flags, r[G_STORAGE].data, disks_on);
	if (probe(rep, &r[G_TASKS], "guest tasks")) {
		char who[64];

		snprintf(who, sizeof who, " for %s/%lld", kind, (long long)vmid);
		failed_tasks(rep, r[G_TASKS].data, window, 100, who);
	}
	if (probe(rep, &r[G_HA], "HA status")) {
		json_array_foreach(r[G_HA].data, i, v) {
			const char *s2 = json_string_value(json_object_get(v, "sid"));
			const char *state = json_string_value(json_object_get(v, "state"));

			if (s2 == NULL || strcmp(s2, sid) != 0)
				continue;
			json_object_set(rep, "ha", v);
			if (state && (strcmp(state, "error") == 0 || strcmp(state, "fence") == 0 ||
			    strcmp(state, "recovery") == 0))
				flagf(flags, "HA resource %s is in state %s", sid, state);
		}
	}
	if (probe(rep, &r[G_REPL], "replication")) {
		json_array_foreach(r[G_REPL].data, i, v) {
			json_int_t g = num(v, "guest");

			if (g >= 0 && g != vmid)
				continue;
			if (num(v, "fail_count") > 0 || json_string_value(json_object_get(v, "error")))
				flagf(flags, "replication job %s failing (fail_count %lld)%s%s",
				    json_string_value(json_object_get(v, "id")) ?
				    json_string_value(json_object_get(v, "id")) : "?",
				    (long long)(num(v, "fail_count") > 0 ? num(v, "fail_count") : 0),
				    json_string_value(json_object_get(v, "error")) ? ": " : "",
				    json_string_value(json_object_get(v, "error")) ?
				    json_string_value(json_object_get(v, "error")) : "");
		}
	}
	if (probe(rep, &r[G_NOBACKUP], "backup coverage")) {
		json_array_foreach(r[G_NOBACKUP].data, i, v)
			if (num(v, "vmid") == vmid)
				flagf(flags, "the guest is not covered by any backup job");
	}
	guest_battery(rep, call, kind, vmid, node, json_string_value(json_object_get(
	    r[G_STATUS].data, "status")));
	json_object_set_new(rep, "healthy", json_boolean(json_is_true(json_object_get(rep,
	    "complete")) && json_array_size(flags) == 0));
	bl_req_free(r, G_N);
	json_decref(full);
	json_decref(disks_on);
	*out = rep;
	return PXM_OK;
}

int
pve_diagnose_register(void)
{
	struct pxm_tool t;
	int r;

	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_READ;
	t.name = "pve_node_diagnose";
	t.title = "Node health";
	t.description = "READ-ONLY: a node's health from the API — memory, root fs, swap, load, "
	    "storage fill, failed tasks in a window, HA state, replication errors, subscription, "
	    "pending APT updates, SMART. Every flag cites its numbers; a probe that could not run "
	    "is itself a flag, and healthy is true only when every probe ran and nothing was "
	    "flagged.";
	t.input_schema = node_schema;
	t.privileges = "Sys.Audit";
	t.read = node_read;
	if ((r = pve_host->register_tool(pve_self, &t)) != PXM_OK)
		return r;
	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_READ;
	t.name = "pve_diagnose";
	t.title = "Guest diagnosis";
	t.description = "READ-ONLY: one guest's evidence — state, lock, memory and disk, fill of "
	    "the storages holding its disks, its failed tasks, HA and replication state, backup "
	    "coverage, and the in-guest battery's slot. Every flag cites its numbers; probes that "
	    "did not run are flagged and make the report incomplete.";
	t.input_schema = guest_schema;
	t.privileges = "VM.Audit";
	t.read = guest_read;
	if ((r = pve_host->register_tool(pve_self, &t)) != PXM_OK)
		return r;
	return pve_privileges_register();
}
