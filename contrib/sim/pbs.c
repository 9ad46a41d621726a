/**
 * @file pbs.c
 * @brief proximo-sim: the Proxmox Backup Server surface.
 *
 * Datastores with namespaces, backup groups and snapshots (protected flag,
 * notes, owner, verification state), prune with PBS's selection rules
 * (keep-last, then hourly/daily/weekly/monthly/yearly buckets over the
 * newest-first list; protected snapshots are always kept and never count),
 * dry runs that change nothing, garbage collection, verification, sync,
 * verify and prune jobs, remotes, users, API tokens and ACLs.  Errors are
 * PBS's: a bare message body with the HTTP status.  Times in bucket keys
 * are UTC (PBS uses the server's local time zone).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "handlers.h"
#include "profile.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define GiB	(1024LL * 1024 * 1024)

static json_t *
pbs(struct sim_req *rq)
{
	return st_surf(rq->sim, SIM_PBS);
}

static json_t *
datastores(struct sim_req *rq)
{
	return sim_obj(pbs(rq), "datastores");
}

static void
fail(struct sim_resp *rs, int status, const char *msg)
{
	sim_err(rs, status, "%s", msg);
	free(rs->text);
	rs->text = strdup(msg);
}

static json_t *
store_for(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "store");
	json_t *d = id ? json_object_get(datastores(rq), id) : NULL;
	char msg[300];

	if (d == NULL) {
		snprintf(msg, sizeof msg, "no such datastore '%s'", id ? id : "");
		fail(rs, 400, msg);
	}
	return d;
}

static const char *
ns_of(const json_t *snap)
{
	const char *ns = json_string_value(json_object_get(snap, "ns"));

	return ns ? ns : "";
}

static int
ns_exists(json_t *d, const char *ns)
{
	json_t *list = json_object_get(d, "namespaces"), *v;
	size_t i;

	if (ns == NULL || *ns == '\0')
		return 1;
	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), ns) == 0)
			return 1;
	return 0;
}

static int
check_ns(struct sim_req *rq, struct sim_resp *rs, json_t *d)
{
	const char *ns = sim_param_str(rq, "ns");
	char msg[400];

	if (ns_exists(d, ns))
		return 1;
	snprintf(msg, sizeof msg, "namespace '%s' does not exist", ns);
	fail(rs, 400, msg);
	return 0;
}

static int
same_group(const json_t *s, const char *type, const char *id, const char *ns)
{
	const char *st = json_string_value(json_object_get(s, "backup-type"));
	const char *si = json_string_value(json_object_get(s, "backup-id"));

	/* A parameter sent twice reads as NULL (an array): it matches nothing. */
	if (st == NULL || si == NULL || type == NULL || id == NULL)
		return 0;
	return strcmp(st, type) == 0 && strcmp(si, id) == 0 &&
	    strcmp(ns_of(s), ns ? ns : "") == 0;
}

static char *
rfc3339(long long t)
{
	char buf[40];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

/* ---------------------------------------------------------------- general */

static void
h_version(struct sim_req *rq, struct sim_resp *rs)
{
	sim_ok(rs, json_deep_copy(json_object_get(pbs(rq), "version")));
}

static void
h_node_status(struct sim_req *rq, struct sim_resp *rs)
{
	(void)rq;
	sim_ok(rs, json_pack("{s:f, s:f, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I},"
	    " s:I, s:[f,f,f], s:s, s:{s:i, s:s, s:i}, s:{s:s}, s:{s:s, s:s}, s:{s:s}}",
	    "cpu", 0.021, "wait", 0.001,
	    "memory", "total", (json_int_t)(64 * GiB), "used", (json_int_t)(9 * GiB),
	    "free", (json_int_t)(55 * GiB),
	    "swap", "total", (json_int_t)(8 * GiB), "used", (json_int_t)0, "free", (json_int_t)(8 * GiB),
	    "root", "total", (json_int_t)(100 * GiB), "used", (json_int_t)(7 * GiB),
	    "avail", (json_int_t)(93 * GiB),
	    "uptime", (json_int_t)2419200, "loadavg", 0.12, 0.09, 0.05,
	    "kversion", "Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 x86_64",
	    "cpuinfo", "cpus", 16, "model", "AMD EPYC 7313P 16-Core Processor", "sockets", 1,
	    "info", "fingerprint", rq->sim->fingerprint,
	    "current-kernel", "sysname", "Linux", "release", "6.14.8-2-pve",
	    "boot-info", "mode", "efi"));
}

/* -------------------------------------------------------------- datastore */

static int
may(struct sim_req *rq, const char *store, const char *p1, const char *p2)
{
	char path[300];
	json_t *perm;
	int ok;

	snprintf(path, sizeof path, "/datastore/%s", store);
	perm = sim_pve_permissions(rq->sim, SIM_PBS, rq->id.authid, path);
	ok = json_object_get(perm, p1) || (p2 && json_object_get(perm, p2));
	json_decref(perm);
	return ok;
}

static void
h_datastore_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *d;
	const char *k;

	json_object_foreach(datastores(rq), k, d) {
		json_t *e;
		if (!may(rq, k, "Datastore.Audit", "Datastore.Backup") &&
		    !may(rq, k, "Datastore.Read", "Datastore.Prune"))
			continue;
		e = json_pack("{s:s, s:s}", "store", k, "backend-type", "filesystem");
		if (json_object_get(d, "comment"))
			json_object_set(e, "comment", json_object_get(d, "comment"));
		if (json_object_get(d, "maintenance-mode"))
			json_object_set(e, "maintenance", json_object_get(d, "maintenance-mode"));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static json_t *
gc_status(json_t *d)
{
	json_t *g = json_object_get(d, "gc-status");

	if (json_is_object(g))
		return json_deep_copy(g);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "index-file-count",
	    (json_int_t)0, "index-data-bytes", (json_int_t)0, "disk-bytes", (json_int_t)0,
	    "disk-chunks", (json_int_t)0, "removed-bytes", (json_int_t)0, "removed-chunks",
	    (json_int_t)0, "pending-bytes", (json_int_t)0, "pending-chunks", (json_int_t)0,
	    "removed-bad", (json_int_t)0);
}

static void
h_datastore_status(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *counts, *s, *groups;
	size_t i;
	long long total, used;

	if (d == NULL)
		return;
	total = sim_json_int(json_object_get(d, "total"), 2000 * GiB);
	used = sim_json_int(json_object_get(d, "used"), 0);
	counts = json_object();
	groups = json_object();
	json_array_foreach(json_object_get(d, "snapshots"), i, s) {
		const char *t = json_string_value(json_object_get(s, "backup-type"));
		char gk[600];
		json_t *c = json_object_get(counts, t);
		if (c == NULL) {
			c = json_pack("{s:i, s:i}", "groups", 0, "snapshots", 0);
			json_object_set_new(counts, t, c);
		}
		json_object_set_new(c, "snapshots", json_integer(json_integer_value(
		    json_object_get(c, "snapshots")) + 1));
		snprintf(gk, sizeof gk, "%s/%s/%s", ns_of(s), t,
		    json_string_value(json_object_get(s, "backup-id")));
		if (json_object_get(groups, gk) == NULL) {
			json_object_set_new(groups, gk, json_true());
			json_object_set_new(c, "groups", json_integer(json_integer_value(
			    json_object_get(c, "groups")) + 1));
		}
	}
	json_decref(groups);
	sim_ok(rs, json_pack("{s:I, s:I, s:I, s:o, s:o, s:s}", "total", (json_int_t)total,
	    "used", (json_int_t)used, "avail", (json_int_t)(total - used), "counts", counts,
	    "gc-status", gc_status(d), "backend-type", "filesystem"));
}

static int
owner_ok(struct sim_req *rq, const json_t *snap, const char *store)
{
	const char *owner = json_string_value(json_object_get(snap, "owner"));

	/* Datastore.Audit/Read see every group; backup users only their own. */
	if (may(rq, store, "Datastore.Audit", "Datastore.Read"))
		return 1;
	return owner && (strcmp(owner, rq->id.authid) == 0 || strcmp(owner, rq->id.user) == 0);
}

static json_t *
snapshot_entry(const json_t *s)
{
	json_t *e = json_pack("{s:O, s:O, s:O, s:O?, s:O?, s:b, s:O?}", "backup-type",
	    json_object_get(s, "backup-type"), "backup-id", json_object_get(s, "backup-id"),
	    "backup-time", json_object_get(s, "backup-time"), "owner", json_object_get(s, "owner"),
	    "size", json_object_get(s, "size"), "protected",
	    sim_json_truthy(json_object_get(s, "protected")), "files", json_object_get(s, "files"));

	if (json_is_string(json_object_get(s, "comment")) &&
	    *json_string_value(json_object_get(s, "comment")))
		json_object_set(e, "comment", json_object_get(s, "comment"));
	if (json_object_get(s, "verification"))
		json_object_set(e, "verification", json_object_get(s, "verification"));
	if (json_object_get(s, "fingerprint"))
		json_object_set(e, "fingerprint", json_object_get(s, "fingerprint"));
	return e;
}

static void
h_snapshots(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *out, *s;
	const char *ns = sim_param_str(rq, "ns"), *type = sim_param_str(rq, "backup-type");
	const char *id = sim_param_str(rq, "backup-id");
	size_t i;

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	out = json_array();
	json_array_foreach(json_object_get(d, "snapshots"), i, s) {
		if (strcmp(ns_of(s), ns ? ns : "") != 0)
			continue;
		if (type && strcmp(type, json_string_value(json_object_get(s, "backup-type"))) != 0)
			continue;
		if (id && strcmp(id, json_string_value(json_object_get(s, "backup-id"))) != 0)
			continue;
		if (!owner_ok(rq, s, sim_param_str(rq, "store")))
			continue;
		json_array_append_new(out, snapshot_entry(s));
	}
	sim_ok(rs, out);
}

static void
h_groups(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *groups, *out, *s, *g;
	const char *ns = sim_param_str(rq, "ns"), *k;
	size_t i;

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	groups = json_object();
	json_array_foreach(json_object_get(d, "snapshots"), i, s) {
		char gk[600];
		long long t = sim_json_int(json_object_get(s, "backup-time"), 0);
		if (strcmp(ns_of(s), ns ? ns : "") != 0 || !owner_ok(rq, s, sim_param_str(rq, "store")))
			continue;
		snprintf(gk, sizeof gk, "%s/%s", json_string_value(json_object_get(s, "backup-type")),
		    json_string_value(json_object_get(s, "backup-id")));
		if ((g = json_object_get(groups, gk)) == NULL) {
			g = json_pack("{s:O, s:O, s:I, s:i, s:O?, s:O?}", "backup-type",
			    json_object_get(s, "backup-type"), "backup-id", json_object_get(s, "backup-id"),
			    "last-backup", (json_int_t)t, "backup-count", 0, "owner",
			    json_object_get(s, "owner"), "files", json_object_get(s, "files"));
			json_object_set_new(groups, gk, g);
		}
		json_object_set_new(g, "backup-count",
		    json_integer(json_integer_value(json_object_get(g, "backup-count")) + 1));
		if (t >= json_integer_value(json_object_get(g, "last-backup"))) {
			json_object_set_new(g, "last-backup", json_integer(t));
			if (json_is_string(json_object_get(s, "comment")) &&
			    *json_string_value(json_object_get(s, "comment")))
				json_object_set(g, "comment", json_object_get(s, "comment"));
		}
	}
	out = json_array();
	json_object_foreach(groups, k, g)
		json_array_append(out, g);
	json_decref(groups);
	sim_ok(rs, out);
}

static json_t *
find_snapshot(struct sim_req *rq, struct sim_resp *rs, json_t *d, size_t *idx)
{
	const char *type = sim_param_str(rq, "backup-type"), *id = sim_param_str(rq, "backup-id");
	const char *ns = sim_param_str(rq, "ns");
	long long t = 0;
	json_t *s;
	size_t i;
	char msg[600], *when;

	sim_param_int(rq, "backup-time", &t);
	json_array_foreach(json_object_get(d, "snapshots"), i, s) {
		if (same_group(s, type, id, ns) &&
		    sim_json_int(json_object_get(s, "backup-time"), -1) == t) {
			if (idx)
				*idx = i;
			return s;
		}
	}
	when = rfc3339(t);
	snprintf(msg, sizeof msg, "snapshot '%s/%s/%s' does not exist", type ? type : "",
	    id ? id : "", when);
	free(when);
	fail(rs, 400, msg);
	return NULL;
}

static int
may_modify_snapshot(struct sim_req *rq, struct sim_resp *rs, const json_t *s)
{
	const char *store = sim_param_str(rq, "store");

	if (may(rq, store, "Datastore.Modify", NULL) || owner_ok(rq, s, store))
		return 1;
	fail(rs, 403, "permission check failed");
	return 0;
}

static void
h_snapshot_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *s;
	size_t idx;

	if (d == NULL || !check_ns(rq, rs, d) || (s = find_snapshot(rq, rs, d, &idx)) == NULL ||
	    !may_modify_snapshot(rq, rs, s))
		return;
	if (sim_json_truthy(json_object_get(s, "protected"))) {
		fail(rs, 400, "cannot remove protected snapshot");
		return;
	}
	json_array_remove(json_object_get(d, "snapshots"), idx);
	sim_ok(rs, json_null());
}

static void
h_group_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *snaps, *s;
	const char *type = sim_param_str(rq, "backup-type"), *id = sim_param_str(rq, "backup-id");
	const char *ns = sim_param_str(rq, "ns");
	int err_on_prot = sim_param_bool(rq, "error-on-protected", 1), found = 0;
	long long removed = 0, prot = 0;
	size_t i;
	char msg[600];

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	snaps = json_object_get(d, "snapshots");
	json_array_foreach(snaps, i, s)
		if (same_group(s, type, id, ns)) {
			found = 1;
			if (sim_json_truthy(json_object_get(s, "protected")))
				prot++;
		}
	if (!found) {
		snprintf(msg, sizeof msg, "group '%s/%s' does not exist", type, id);
		fail(rs, 400, msg);
		return;
	}
	if (prot && err_on_prot) {
		snprintf(msg, sizeof msg, "could not remove backup group '%s/%s', because it contains "
		    "protected snapshots", type, id);
		fail(rs, 400, msg);
		return;
	}
	for (i = json_array_size(snaps); i-- > 0;) {
		s = json_array_get(snaps, i);
		if (same_group(s, type, id, ns) && !sim_json_truthy(json_object_get(s, "protected"))) {
			json_array_remove(snaps, i);
			removed++;
		}
	}
	sim_ok(rs, json_pack("{s:I, s:I, s:I}", "removed-snapshots", (json_int_t)removed,
	    "protected-snapshots", (json_int_t)prot, "removed-groups", (json_int_t)(prot ? 0 : 1)));
}

static void
h_notes_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *s;

	if (d == NULL || !check_ns(rq, rs, d) || (s = find_snapshot(rq, rs, d, NULL)) == NULL)
		return;
	sim_ok(rs, json_string(json_string_value(json_object_get(s, "notes")) ?
	    json_string_value(json_object_get(s, "notes")) : ""));
}

static void
h_notes_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *s;

	if (d == NULL || !check_ns(rq, rs, d) || (s = find_snapshot(rq, rs, d, NULL)) == NULL ||
	    !may_modify_snapshot(rq, rs, s))
		return;
	json_object_set(s, "notes", json_object_get(rq->params, "notes"));
	/* the first line of the notes is the snapshot's comment */
	{
		const char *n = sim_param_str(rq, "notes");
		json_object_set_new(s, "comment", json_stringn(n ? n : "", n ? strcspn(n, "\n") : 0));
	}
	sim_ok(rs, json_null());
}

static void
h_protected_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *s;

	if (d == NULL || !check_ns(rq, rs, d) || (s = find_snapshot(rq, rs, d, NULL)) == NULL)
		return;
	sim_ok(rs, json_boolean(sim_json_truthy(json_object_get(s, "protected"))));
}

static void
h_protected_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *s;

	if (d == NULL || !check_ns(rq, rs, d) || (s = find_snapshot(rq, rs, d, NULL)) == NULL ||
	    !may_modify_snapshot(rq, rs, s))
		return;
	json_object_set_new(s, "protected", json_boolean(sim_param_bool(rq, "protected", 0)));
	sim_ok(rs, json_null());
}

static void
h_files(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *s;

	if (d == NULL || !check_ns(rq, rs, d) || (s = find_snapshot(rq, rs, d, NULL)) == NULL)
		return;
	sim_ok(rs, json_deep_copy(json_object_get(s, "files") ? json_object_get(s, "files") :
	    json_array()));
}

static void
h_group_notes_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *gn;
	char key[600];

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	snprintf(key, sizeof key, "%s/%s/%s", sim_param_str(rq, "ns") ? sim_param_str(rq, "ns") :
	    "", sim_param_str(rq, "backup-type"), sim_param_str(rq, "backup-id"));
	gn = json_object_get(json_object_get(d, "group-notes"), key);
	sim_ok(rs, json_string(json_string_value(gn) ? json_string_value(gn) : ""));
}

static void
h_group_notes_put(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs);
	char key[600];

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	snprintf(key, sizeof key, "%s/%s/%s", sim_param_str(rq, "ns") ? sim_param_str(rq, "ns") :
	    "", sim_param_str(rq, "backup-type"), sim_param_str(rq, "backup-id"));
	json_object_set(sim_obj(d, "group-notes"), key, json_object_get(rq->params, "notes"));
	sim_ok(rs, json_null());
}

static void
h_change_owner(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *s;
	const char *type = sim_param_str(rq, "backup-type"), *id = sim_param_str(rq, "backup-id");
	const char *ns = sim_param_str(rq, "ns");
	size_t i;
	int found = 0;

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	json_array_foreach(json_object_get(d, "snapshots"), i, s)
		if (same_group(s, type, id, ns)) {
			json_object_set(s, "owner", json_object_get(rq->params, "new-owner"));
			found = 1;
		}
	if (!found) {
		fail(rs, 400, "no such backup group");
		return;
	}
	sim_ok(rs, json_null());
}

/* ----------------------------------------------------------------- prune */

struct pinfo {
	json_t	*snap;
	long long t;
	int	 mark;	/* 0 unset, 1 keep, 2 remove, 3 protected */
};

static int
by_time_desc(const void *a, const void *b)
{
	const struct pinfo *x = a, *y = b;

	return x->t < y->t ? 1 : x->t > y->t ? -1 : 0;
}

/* The bucket formats are the fixed table below, never input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
bucket(char *out, size_t n, long long t, const char *fmt)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (fmt == NULL)
		snprintf(out, n, "%lld", t);
	else
		strftime(out, n, fmt, &tm);
}
#pragma GCC diagnostic pop

/* PBS's mark_selections over the newest-first list. */
static void
mark_selections(struct pinfo *list, size_t n, long long keep, const char *fmt)
{
	json_t *include = json_object(), *already = json_object();
	size_t i;
	char id[64];

	for (i = 0; i < n; i++)
		if (list[i].mark == 1) {
			bucket(id, sizeof id, list[i].t, fmt);
			json_object_set_new(already, id, json_true());
		}
	for (i = 0; i < n; i++) {
		if (list[i].mark)
			continue;
		bucket(id, sizeof id, list[i].t, fmt);
		if (json_object_get(already, id))
			continue;
		if (json_object_get(include, id) == NULL) {
			if ((long long)json_object_size(include) >= keep)
				break;
			json_object_set_new(include, id, json_true());
			list[i].mark = 1;
		} else {
			list[i].mark = 2;
		}
	}
	json_decref(include);
	json_decref(already);
}

static const char *const keep_opts[] = { "keep-last", "keep-hourly", "keep-daily",
	"keep-weekly", "keep-monthly", "keep-yearly" };
static const char *const keep_fmt[] = { NULL, "%Y/%m/%d/%H", "%Y/%m/%d", "%G/%V", "%Y/%m",
	"%Y" };

/* Compute marks for one group; returns the number of snapshots in it. */
static size_t
compute_prune(struct sim_req *rq, json_t *d, const char *type, const char *id, const char *ns,
    struct pinfo **out)
{
	json_t *s;
	size_t i, n = 0, k;
	struct pinfo *list;
	int keeps_something = 0;
	long long keep;

	list = calloc(json_array_size(json_object_get(d, "snapshots")) + 1, sizeof *list);
	json_array_foreach(json_object_get(d, "snapshots"), i, s) {
		if (!same_group(s, type, id, ns))
			continue;
		list[n].snap = s;
		list[n].t = sim_json_int(json_object_get(s, "backup-time"), 0);
		list[n].mark = sim_json_truthy(json_object_get(s, "protected")) ? 3 : 0;
		n++;
	}
	qsort(list, n, sizeof *list, by_time_desc);
	for (k = 0; k < sizeof keep_opts / sizeof keep_opts[0]; k++) {
		if (!sim_param_int(rq, keep_opts[k], &keep) || keep <= 0)
			continue;
		keeps_something = 1;
		mark_selections(list, n, keep, keep_fmt[k]);
	}
	for (i = 0; i < n; i++)
		if (list[i].mark == 0)
			list[i].mark = keeps_something ? 2 : 1;
	*out = list;
	return n;
}

static void
remove_marked(json_t *d, struct pinfo *list, size_t n)
{
	json_t *snaps = json_object_get(d, "snapshots");
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (list[i].mark != 2)
			continue;
		for (j = 0; j < json_array_size(snaps); j++)
			if (json_array_get(snaps, j) == list[i].snap) {
				json_array_remove(snaps, j);
				break;
			}
	}
}

static void
h_prune(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *out;
	const char *type = sim_param_str(rq, "backup-type"), *id = sim_param_str(rq, "backup-id");
	const char *ns = sim_param_str(rq, "ns");
	struct pinfo *list = NULL;
	size_t n, i;
	int dry = sim_param_bool(rq, "dry-run", 0);

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	if (!may(rq, sim_param_str(rq, "store"), "Datastore.Modify", "Datastore.Prune")) {
		fail(rs, 403, "permission check failed");
		return;
	}
	n = compute_prune(rq, d, type, id, ns, &list);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_pack("{s:O, s:O, s:I, s:b, s:b}", "backup-type",
		    json_object_get(list[i].snap, "backup-type"), "backup-id",
		    json_object_get(list[i].snap, "backup-id"), "backup-time", (json_int_t)list[i].t,
		    "keep", list[i].mark != 2, "protected", list[i].mark == 3));
	if (!dry)
		remove_marked(d, list, n);
	free(list);
	if (sim_param_bool(rq, "use-task", 0)) {
		json_t *task = sim_task_start(rq, json_string_value(json_object_get(pbs(rq), "node")),
		    "prune", sim_param_str(rq, "store"));
		json_decref(out);
		sim_ok(rs, json_string(sim_task_upid(task)));
		return;
	}
	sim_ok(rs, out);
}

static void
h_prune_datastore(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *groups, *s, *task;
	const char *ns = sim_param_str(rq, "ns"), *k;
	size_t i;
	int dry = sim_param_bool(rq, "dry-run", 0);

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	task = sim_task_start(rq, json_string_value(json_object_get(pbs(rq), "node")), "prune",
	    sim_param_str(rq, "store"));
	groups = json_object();
	json_array_foreach(json_object_get(d, "snapshots"), i, s)
		if (strcmp(ns_of(s), ns ? ns : "") == 0) {
			char gk[600];
			snprintf(gk, sizeof gk, "%s/%s", json_string_value(json_object_get(s,
			    "backup-type")), json_string_value(json_object_get(s, "backup-id")));
			json_object_set_new(groups, gk, json_pack("{s:O, s:O}", "t",
			    json_object_get(s, "backup-type"), "i", json_object_get(s, "backup-id")));
		}
	json_object_foreach(groups, k, s) {
		struct pinfo *list = NULL;
		size_t n = compute_prune(rq, d, json_string_value(json_object_get(s, "t")),
		    json_string_value(json_object_get(s, "i")), ns, &list);
		size_t j;
		for (j = 0; j < n; j++) {
			char *when = rfc3339(list[j].t);
			sim_task_log(task, "%s/%s %s", k, when, list[j].mark == 2 ? "remove" :
			    list[j].mark == 3 ? "keep (protected)" : "keep");
			free(when);
		}
		if (!dry)
			remove_marked(d, list, n);
		free(list);
	}
	json_decref(groups);
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* ------------------------------------------------------- GC and verify */

static void
fx_gc(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *d = json_object_get(json_object_get(json_object_get(s->state, "pbs"),
	    "datastores"), json_string_value(json_object_get(args, "store")));
	json_t *g;

	if (d == NULL)
		return;
	g = gc_status(d);
	json_object_set(g, "upid", json_object_get(task, "upid"));
	json_object_set_new(g, "last-run-state", json_string(ok ? "ok" : "error"));
	json_object_set_new(g, "last-run-endtime", json_integer(
	    sim_json_int(json_object_get(task, "endtime"), 0)));
	json_object_set_new(g, "disk-chunks", json_integer(131072));
	json_object_set_new(g, "disk-bytes", json_integer(sim_json_int(json_object_get(d, "used"),
	    0)));
	json_object_set_new(g, "index-file-count",
	    json_integer((json_int_t)json_array_size(json_object_get(d, "snapshots")) * 2));
	json_object_set_new(d, "gc-status", g);
	json_object_del(d, "gc-running");
}

static void
h_gc_status(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *g;

	if (d == NULL)
		return;
	g = gc_status(d);
	json_object_set_new(g, "store", json_string(sim_param_str(rq, "store")));
	if (json_object_get(d, "gc-schedule"))
		json_object_set(g, "schedule", json_object_get(d, "gc-schedule"));
	sim_ok(rs, g);
}

static void
h_gc_start(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *task;
	const char *store = sim_param_str(rq, "store");

	if (d == NULL)
		return;
	if (json_is_string(json_object_get(d, "gc-running")) &&
	    sim_task_running(sim_task_find(rq->sim, json_string_value(json_object_get(d,
	    "gc-running"))), rq->now_ms)) {
		fail(rs, 400, "garbage collection already running");
		return;
	}
	task = sim_task_start(rq, json_string_value(json_object_get(pbs(rq), "node")),
	    "garbage_collection", store);
	sim_task_log(task, "starting garbage collection on store %s", store);
	json_object_set_new(d, "gc-running", json_string(sim_task_upid(task)));
	sim_task_set_fx(task, "pbs_gc", json_pack("{s:s}", "store", store));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_datastore_index(struct sim_req *rq, struct sim_resp *rs)
{
	static const char *const sub[] = { "active-operations", "catalog", "change-owner",
		"download", "download-decoded", "files", "gc", "group-notes", "groups", "mount",
		"namespace", "notes", "protected", "prune", "prune-datastore", "pxar-file-download",
		"rrd", "snapshots", "status", "unmount", "upload-backup-log", "verify", NULL };
	json_t *out;
	int i;

	if (store_for(rq, rs) == NULL)
		return;
	out = json_array();
	for (i = 0; sub[i]; i++)
		json_array_append_new(out, json_pack("{s:s}", "subdir", sub[i]));
	sim_ok(rs, out);
}

static void
h_gc_one(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *g;

	if (d == NULL)
		return;
	g = gc_status(d);
	json_object_set_new(g, "store", json_string(sim_param_str(rq, "store")));
	sim_ok(rs, json_pack("[o]", g));
}

static void
h_gc_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *d;
	const char *k, *only = sim_param_str(rq, "store");

	json_object_foreach(datastores(rq), k, d) {
		json_t *g;
		if (only && strcmp(only, k) != 0)
			continue;
		g = gc_status(d);
		json_object_set_new(g, "store", json_string(k));
		json_array_append_new(out, g);
	}
	sim_ok(rs, out);
}

static void
fx_verify(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *d = json_object_get(json_object_get(json_object_get(s->state, "pbs"),
	    "datastores"), json_string_value(json_object_get(args, "store"))), *snap;
	const char *type = json_string_value(json_object_get(args, "backup-type"));
	const char *id = json_string_value(json_object_get(args, "backup-id"));
	const char *ns = json_string_value(json_object_get(args, "ns"));
	long long t = sim_json_int(json_object_get(args, "backup-time"), -1);
	size_t i;

	json_array_foreach(json_object_get(d, "snapshots"), i, snap) {
		if (ns && strcmp(ns_of(snap), ns) != 0)
			continue;
		if (type && strcmp(type, json_string_value(json_object_get(snap, "backup-type"))) != 0)
			continue;
		if (id && strcmp(id, json_string_value(json_object_get(snap, "backup-id"))) != 0)
			continue;
		if (t >= 0 && sim_json_int(json_object_get(snap, "backup-time"), -2) != t)
			continue;
		json_object_set_new(snap, "verification", json_pack("{s:s, s:O}", "state",
		    ok ? "ok" : "failed", "upid", json_object_get(task, "upid")));
	}
}

static void
h_verify(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *task, *args;
	const char *store = sim_param_str(rq, "store"), *type = sim_param_str(rq, "backup-type");
	const char *id = sim_param_str(rq, "backup-id");
	long long t;
	char wid[600];

	if (d == NULL || !check_ns(rq, rs, d))
		return;
	if (sim_param_int(rq, "backup-time", &t) && find_snapshot(rq, rs, d, NULL) == NULL)
		return;
	if (type && id)
		snprintf(wid, sizeof wid, "%s:%s/%s", store, type, id);
	else
		snprintf(wid, sizeof wid, "%s", store);
	task = sim_task_start(rq, json_string_value(json_object_get(pbs(rq), "node")), "verify", wid);
	args = json_pack("{s:s}", "store", store);
	if (type)
		json_object_set_new(args, "backup-type", json_string(type));
	if (id)
		json_object_set_new(args, "backup-id", json_string(id));
	if (sim_param_int(rq, "backup-time", &t))
		json_object_set_new(args, "backup-time", json_integer(t));
	if (sim_param_str(rq, "ns"))
		json_object_set(args, "ns", json_object_get(rq->params, "ns"));
	sim_task_set_fx(task, "pbs_verify", args);
	sim_ok(rs, json_string(sim_task_upid(task)));
}

/* ------------------------------------------------------------ namespaces */

static void
h_ns_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *out, *v;
	const char *parent = sim_param_str(rq, "parent");
	size_t i, pl;

	if (d == NULL)
		return;
	out = json_array();
	pl = parent ? strlen(parent) : 0;
	if (!parent || !*parent)
		json_array_append_new(out, json_pack("{s:s}", "ns", ""));
	json_array_foreach(json_object_get(d, "namespaces"), i, v) {
		const char *ns = json_string_value(v);
		if (pl && !(strncmp(ns, parent, pl) == 0 && (ns[pl] == '/' || ns[pl] == '\0')))
			continue;
		json_array_append_new(out, json_pack("{s:s}", "ns", ns));
	}
	sim_ok(rs, out);
}

static void
h_ns_create(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs);
	const char *name = sim_param_str(rq, "name"), *parent = sim_param_str(rq, "parent");
	char full[600], msg[700];
	int depth = 1;
	const char *p;

	if (d == NULL)
		return;
	if (parent && *parent && !ns_exists(d, parent)) {
		snprintf(msg, sizeof msg, "parent namespace '%s' does not exist", parent);
		fail(rs, 400, msg);
		return;
	}
	snprintf(full, sizeof full, "%s%s%s", parent && *parent ? parent : "",
	    parent && *parent ? "/" : "", name);
	for (p = full; *p; p++)
		if (*p == '/')
			depth++;
	if (depth > 7) {
		fail(rs, 400, "namespace would exceed the maximum depth of 7");
		return;
	}
	if (ns_exists(d, full)) {
		snprintf(msg, sizeof msg, "namespace '%s' already exists", full);
		fail(rs, 400, msg);
		return;
	}
	json_array_append_new(sim_arr(d, "namespaces"), json_string(full));
	sim_ok(rs, json_string(full));
}

static void
h_ns_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *d = store_for(rq, rs), *list, *snaps, *s;
	const char *ns = sim_param_str(rq, "ns");
	size_t i, nl = ns ? strlen(ns) : 0;
	int has = 0;

	if (d == NULL)
		return;
	if (ns == NULL || !*ns) {
		fail(rs, 400, "cannot delete root namespace");
		return;
	}
	if (!ns_exists(d, ns)) {
		fail(rs, 400, "namespace does not exist");
		return;
	}
	snaps = json_object_get(d, "snapshots");
	json_array_foreach(snaps, i, s) {
		const char *sns = ns_of(s);
		if (strncmp(sns, ns, nl) == 0 && (sns[nl] == '\0' || sns[nl] == '/'))
			has = 1;
	}
	if (has && !sim_param_bool(rq, "delete-groups", 0)) {
		fail(rs, 400, "namespace is not empty (use 'delete-groups' to remove groups)");
		return;
	}
	for (i = json_array_size(snaps); i-- > 0;) {
		const char *sns;
		s = json_array_get(snaps, i);
		sns = ns_of(s);
		if (strncmp(sns, ns, nl) == 0 && (sns[nl] == '\0' || sns[nl] == '/'))
			json_array_remove(snaps, i);
	}
	list = json_object_get(d, "namespaces");
	for (i = json_array_size(list); i-- > 0;) {
		const char *x = json_string_value(json_array_get(list, i));
		if (strncmp(x, ns, nl) == 0 && (x[nl] == '\0' || x[nl] == '/'))
			json_array_remove(list, i);
	}
	sim_ok(rs, json_null());
}

/* ------------------------------------------------- datastore config */

static const char *const ds_internal[] = { "snapshots", "namespaces", "total", "used",
	"gc-status", "gc-running", "group-notes", NULL };

static json_t *
ds_config(const char *name, json_t *d)
{
	json_t *c = json_deep_copy(d);
	int i;

	for (i = 0; ds_internal[i]; i++)
		json_object_del(c, ds_internal[i]);
	json_object_set_new(c, "name", json_string(name));
	return c;
}

static void
h_dsconf_list(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *d;
	const char *k;

	json_object_foreach(datastores(rq), k, d)
		json_array_append_new(out, ds_config(k, d));
	sim_ok(rs, out);
}

static void
h_dsconf_get(struct sim_req *rq, struct sim_resp *rs)
{
	const char *name = sim_param_str(rq, "name");
	json_t *d = json_object_get(datastores(rq), name), *c;
	char dg[65], msg[300];

	if (d == NULL) {
		snprintf(msg, sizeof msg, "datastore '%s' does not exist.", name);
		fail(rs, 404, msg);
		return;
	}
	c = ds_config(name, d);
	st_json_digest(dg, datastores(rq));
	rs->attrs = json_pack("{s:s}", "digest", dg);
	sim_ok(rs, c);
}

static void
h_dsconf_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *name = sim_param_str(rq, "name"), *k;
	json_t *d, *v;
	char msg[300];

	if (json_object_get(datastores(rq), name)) {
		snprintf(msg, sizeof msg, "datastore '%s' already exists.", name);
		fail(rs, 400, msg);
		return;
	}
	d = json_pack("{s:I, s:I, s:[], s:[]}", "total", (json_int_t)(1000 * GiB), "used",
	    (json_int_t)0, "snapshots", "namespaces");
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "name") != 0)
			json_object_set_new(d, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	json_object_set_new(datastores(rq), name, d);
	sim_ok(rs, json_null());
}

static void
h_dsconf_update(struct sim_req *rq, struct sim_resp *rs)
{
	const char *name = sim_param_str(rq, "name"), *k, *want;
	json_t *d = json_object_get(datastores(rq), name), *v, *del;
	char dg[65], msg[300];
	size_t i;

	if (d == NULL) {
		snprintf(msg, sizeof msg, "datastore '%s' does not exist.", name);
		fail(rs, 404, msg);
		return;
	}
	if ((want = sim_param_str(rq, "digest")) != NULL) {
		st_json_digest(dg, datastores(rq));
		if (strcmp(want, dg) != 0) {
			fail(rs, 400, "detected modified configuration - file changed by other user? "
			    "Try again.");
			return;
		}
	}
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "name") && strcmp(k, "delete") && strcmp(k, "digest"))
			json_object_set_new(d, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	if ((del = json_object_get(rq->params, "delete")) != NULL) {
		json_t *list = json_is_array(del) ? json_incref(del) :
		    sim_split_list(json_string_value(del));
		json_array_foreach(list, i, v)
			json_object_del(d, json_string_value(v));
		json_decref(list);
	}
	sim_ok(rs, json_null());
}

static void
h_dsconf_delete(struct sim_req *rq, struct sim_resp *rs)
{
	const char *name = sim_param_str(rq, "name");
	json_t *task;
	char msg[300];

	if (json_object_get(datastores(rq), name) == NULL) {
		snprintf(msg, sizeof msg, "datastore '%s' does not exist.", name);
		fail(rs, 404, msg);
		return;
	}
	json_object_del(datastores(rq), name);
	task = sim_task_start(rq, json_string_value(json_object_get(pbs(rq), "node")),
	    "delete-datastore", name);
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
h_datastore_usage(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *d;
	const char *k;

	json_object_foreach(datastores(rq), k, d) {
		long long total = sim_json_int(json_object_get(d, "total"), 0);
		long long used = sim_json_int(json_object_get(d, "used"), 0);
		json_array_append_new(out, json_pack("{s:s, s:I, s:I, s:I, s:o, s:s}", "store", k,
		    "total", (json_int_t)total, "used", (json_int_t)used, "avail",
		    (json_int_t)(total - used), "gc-status", gc_status(d), "backend-type",
		    "filesystem"));
	}
	sim_ok(rs, out);
}

/* --------------------------------------------------------------- jobs */

static void
jobs_list(struct sim_req *rq, struct sim_resp *rs, const char *coll)
{
	json_t *store = json_object_get(json_object_get(pbs(rq), "config"), coll), *out, *j, *e;
	const char *k, *only = sim_param_str(rq, "store");

	out = json_array();
	json_object_foreach(store, k, j) {
		if (only && json_is_string(json_object_get(j, "store")) &&
		    strcmp(only, json_string_value(json_object_get(j, "store"))) != 0)
			continue;
		e = json_deep_copy(j);
		json_object_set_new(e, "next-run", json_integer(rq->now_ms / 1000 + 3600));
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static void h_sync_list(struct sim_req *rq, struct sim_resp *rs) { jobs_list(rq, rs, "/config/sync"); }
static void h_verify_list(struct sim_req *rq, struct sim_resp *rs) { jobs_list(rq, rs, "/config/verify"); }
static void h_prune_list(struct sim_req *rq, struct sim_resp *rs) { jobs_list(rq, rs, "/config/prune"); }

static void
fx_job(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *j = json_object_get(json_object_get(json_object_get(json_object_get(s->state, "pbs"),
	    "config"), json_string_value(json_object_get(args, "coll"))),
	    json_string_value(json_object_get(args, "id")));

	if (j == NULL)
		return;
	json_object_set(j, "last-run-upid", json_object_get(task, "upid"));
	json_object_set_new(j, "last-run-state", json_string(ok ? "OK" : "error"));
	json_object_set(j, "last-run-endtime", json_object_get(task, "endtime"));
}

static void
run_job(struct sim_req *rq, struct sim_resp *rs, const char *coll, const char *type)
{
	const char *id = sim_param_str(rq, "id");
	json_t *j = json_object_get(json_object_get(pbs(rq), "config"), coll), *task;
	char msg[300], wid[600];

	j = json_object_get(j, id);
	if (j == NULL) {
		snprintf(msg, sizeof msg, "job '%s' does not exist.", id);
		fail(rs, 404, msg);
		return;
	}
	if (strcmp(type, "syncjob") == 0)
		snprintf(wid, sizeof wid, "%s:%s:%s::%s", json_string_value(json_object_get(j,
		    "remote")) ? json_string_value(json_object_get(j, "remote")) : "",
		    json_string_value(json_object_get(j, "remote-store")) ?
		    json_string_value(json_object_get(j, "remote-store")) : "",
		    json_string_value(json_object_get(j, "store")) ?
		    json_string_value(json_object_get(j, "store")) : "", id);
	else
		snprintf(wid, sizeof wid, "%s:%s", json_string_value(json_object_get(j, "store")) ?
		    json_string_value(json_object_get(j, "store")) : "", id);
	task = sim_task_start(rq, json_string_value(json_object_get(pbs(rq), "node")), type, wid);
	sim_task_set_fx(task, "pbs_job", json_pack("{s:s, s:s}", "coll", coll, "id", id));
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void h_sync_run(struct sim_req *rq, struct sim_resp *rs) { run_job(rq, rs, "/config/sync", "syncjob"); }
static void h_verify_run(struct sim_req *rq, struct sim_resp *rs) { run_job(rq, rs, "/config/verify", "verificationjob"); }
static void h_prune_run(struct sim_req *rq, struct sim_resp *rs) { run_job(rq, rs, "/config/prune", "prunejob"); }

/* ------------------------------------------------------------ access */

static json_t *
users(struct sim_req *rq)
{
	return sim_obj(st_access(rq->sim, SIM_PBS), "users");
}

static void
h_users(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *u, *e, *t;
	const char *k, *tk;
	static const char *const keys[] = { "enable", "expire", "firstname", "lastname", "email",
		"comment", NULL };
	int i, tokens = sim_param_bool(rq, "include_tokens", 0);

	json_object_foreach(users(rq), k, u) {
		e = json_pack("{s:s}", "userid", k);
		for (i = 0; keys[i]; i++)
			if (json_object_get(u, keys[i]))
				json_object_set_new(e, keys[i], strcmp(keys[i], "enable") == 0 ?
				    json_boolean(sim_json_truthy(json_object_get(u, keys[i]))) :
				    json_incref(json_object_get(u, keys[i])));
		if (tokens) {
			json_t *tl = json_array();
			json_object_foreach(json_object_get(u, "tokens"), tk, t) {
				char full[400];
				snprintf(full, sizeof full, "%s!%s", k, tk);
				json_array_append_new(tl, json_pack("{s:s, s:s, s:b, s:I}", "tokenid", full,
				    "token-name", tk, "enable", !json_is_false(json_object_get(t, "enable")),
				    "expire", (json_int_t)sim_json_int(json_object_get(t, "expire"), 0)));
			}
			json_object_set_new(e, "tokens", tl);
		}
		json_array_append_new(out, e);
	}
	sim_ok(rs, out);
}

static json_t *
pbs_user(struct sim_req *rq, struct sim_resp *rs)
{
	const char *id = sim_param_str(rq, "userid");
	json_t *u = json_object_get(users(rq), id);
	char msg[300];

	if (u == NULL) {
		snprintf(msg, sizeof msg, "user '%s' does not exist.", id);
		fail(rs, 404, msg);
	}
	return u;
}

static void
h_tokens(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = pbs_user(rq, rs), *out, *t;
	const char *tk;
	char full[400];

	if (u == NULL)
		return;
	out = json_array();
	json_object_foreach(json_object_get(u, "tokens"), tk, t) {
		snprintf(full, sizeof full, "%s!%s", sim_param_str(rq, "userid"), tk);
		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:I, s:O?}", "tokenid", full,
		    "token-name", tk, "enable", !json_is_false(json_object_get(t, "enable")),
		    "expire", (json_int_t)sim_json_int(json_object_get(t, "expire"), 0), "comment",
		    json_object_get(t, "comment")));
	}
	sim_ok(rs, out);
}

static void
h_token_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = pbs_user(rq, rs), *t;
	const char *tn = sim_param_str(rq, "token-name");
	char full[400], msg[400];

	if (u == NULL)
		return;
	if ((t = json_object_get(json_object_get(u, "tokens"), tn)) == NULL) {
		snprintf(msg, sizeof msg, "no such token '%s' for user '%s'", tn,
		    sim_param_str(rq, "userid"));
		fail(rs, 404, msg);
		return;
	}
	snprintf(full, sizeof full, "%s!%s", sim_param_str(rq, "userid"), tn);
	sim_ok(rs, json_pack("{s:s, s:b, s:I, s:O?}", "tokenid", full, "enable",
	    !json_is_false(json_object_get(t, "enable")), "expire",
	    (json_int_t)sim_json_int(json_object_get(t, "expire"), 0), "comment",
	    json_object_get(t, "comment")));
}

static void
h_token_create(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = pbs_user(rq, rs), *tokens, *t;
	const char *tn = sim_param_str(rq, "token-name");
	char secret[37], full[400], msg[400];

	if (u == NULL)
		return;
	tokens = sim_obj(u, "tokens");
	if (json_object_get(tokens, tn)) {
		snprintf(msg, sizeof msg, "token '%s' for user '%s' already exists.", tn,
		    sim_param_str(rq, "userid"));
		fail(rs, 400, msg);
		return;
	}
	sim_random_uuid(secret);
	t = json_pack("{s:s, s:b, s:I}", "secret", secret, "enable", sim_param_bool(rq, "enable", 1),
	    "expire", (json_int_t)sim_json_int(json_object_get(rq->params, "expire"), 0));
	if (sim_param_str(rq, "comment"))
		json_object_set(t, "comment", json_object_get(rq->params, "comment"));
	json_object_set_new(tokens, tn, t);
	snprintf(full, sizeof full, "%s!%s", sim_param_str(rq, "userid"), tn);
	sim_ok(rs, json_pack("{s:s, s:s}", "tokenid", full, "value", secret));
}

static void
h_token_update(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = pbs_user(rq, rs), *t;
	const char *tn = sim_param_str(rq, "token-name");
	char secret[37], msg[400];

	if (u == NULL)
		return;
	if ((t = json_object_get(json_object_get(u, "tokens"), tn)) == NULL) {
		snprintf(msg, sizeof msg, "no such token '%s'", tn);
		fail(rs, 404, msg);
		return;
	}
	if (json_object_get(rq->params, "enable"))
		json_object_set_new(t, "enable", json_boolean(sim_param_bool(rq, "enable", 1)));
	if (json_object_get(rq->params, "comment"))
		json_object_set(t, "comment", json_object_get(rq->params, "comment"));
	if (sim_param_bool(rq, "regenerate", 0)) {
		sim_random_uuid(secret);
		json_object_set_new(t, "secret", json_string(secret));
		sim_ok(rs, json_pack("{s:s}", "secret", secret));
		return;
	}
	sim_ok(rs, json_object());
}

static void
h_token_delete(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *u = pbs_user(rq, rs), *tokens, *acl, *e;
	const char *tn = sim_param_str(rq, "token-name");
	char full[400], msg[400];
	size_t i;

	if (u == NULL)
		return;
	tokens = json_object_get(u, "tokens");
	if (json_object_get(tokens, tn) == NULL) {
		snprintf(msg, sizeof msg, "no such token '%s'", tn);
		fail(rs, 404, msg);
		return;
	}
	json_object_del(tokens, tn);
	snprintf(full, sizeof full, "%s!%s", sim_param_str(rq, "userid"), tn);
	acl = json_object_get(st_access(rq->sim, SIM_PBS), "acl");
	for (i = json_array_size(acl); i-- > 0;) {
		e = json_array_get(acl, i);
		if (strcmp(json_string_value(json_object_get(e, "ugid")), full) == 0)
			json_array_remove(acl, i);
	}
	sim_ok(rs, json_null());
}

static void
h_acl_get(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *out = json_array(), *e;
	const char *path = sim_param_str(rq, "path");
	int exact = sim_param_bool(rq, "exact", 0);
	size_t i;

	json_array_foreach(json_object_get(st_access(rq->sim, SIM_PBS), "acl"), i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *type = json_string_value(json_object_get(e, "type"));
		if (path && exact && strcmp(p, path) != 0)
			continue;
		if (path && !exact && strncmp(p, path, strlen(path)) != 0)
			continue;
		json_array_append_new(out, json_pack("{s:s, s:O, s:s, s:O, s:b}", "path", p, "ugid",
		    json_object_get(e, "ugid"), "ugid_type", type && strcmp(type, "group") == 0 ?
		    "group" : "user", "roleid", json_object_get(e, "roleid"), "propagate",
		    sim_json_truthy(json_object_get(e, "propagate"))));
	}
	sim_ok(rs, out);
}

static void
h_acl_put(struct sim_req *rq, struct sim_resp *rs)
{
	const char *path = sim_param_str(rq, "path"), *role = sim_param_str(rq, "role");
	const char *authid = sim_param_str(rq, "auth-id"), *group = sim_param_str(rq, "group");
	json_t *acl = sim_arr(st_access(rq->sim, SIM_PBS), "acl"), *e, *roles;
	const char *ugid = authid ? authid : group, *type;
	int del = sim_param_bool(rq, "delete", 0);
	size_t i;
	char msg[300];

	if (ugid == NULL) {
		fail(rs, 400, "either 'auth-id' or 'group' is required");
		return;
	}
	roles = sim_roles_builtin(SIM_PBS);
	if (json_object_get(roles, role) == NULL) {
		json_decref(roles);
		snprintf(msg, sizeof msg, "no such role '%s'", role);
		fail(rs, 400, msg);
		return;
	}
	json_decref(roles);
	type = group ? "group" : strchr(ugid, '!') ? "token" : "user";
	for (i = json_array_size(acl); i-- > 0;) {
		e = json_array_get(acl, i);
		if (strcmp(json_string_value(json_object_get(e, "path")), path) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "ugid")), ugid) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "roleid")), role) == 0)
			json_array_remove(acl, i);
	}
	if (!del)
		json_array_append_new(acl, json_pack("{s:s, s:s, s:s, s:s, s:i}", "path", path,
		    "type", type, "ugid", ugid, "roleid", role, "propagate",
		    sim_param_bool(rq, "propagate", 1)));
	sim_ok(rs, json_null());
}

static void
h_nodes(struct sim_req *rq, struct sim_resp *rs)
{
	sim_ok(rs, json_pack("[{s:O}]", "node", json_object_get(pbs(rq), "node")));
}

void
sim_pbs_register_fx(void)
{
	sim_task_register_fx("pbs_gc", fx_gc);
	sim_task_register_fx("pbs_verify", fx_verify);
	sim_task_register_fx("pbs_job", fx_job);
}

void
sim_pbs_register(struct sim_schema *sc)
{
	sim_bind(sc, "POST", "/access/ticket", sim_access_ticket);
	sim_bind(sc, "GET", "/version", h_version);
	sim_bind(sc, "GET", "/nodes", h_nodes);
	sim_bind(sc, "GET", "/nodes/{node}/status", h_node_status);
	sim_bind(sc, "GET", "/nodes/{node}/tasks", sim_h_tasks_list);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}", sim_h_task_index);
	sim_bind(sc, "DELETE", "/nodes/{node}/tasks/{upid}", sim_h_task_stop);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/status", sim_h_task_status);
	sim_bind(sc, "GET", "/nodes/{node}/tasks/{upid}/log", sim_h_task_log);
	sim_bind(sc, "GET", "/admin/datastore", h_datastore_list);
	sim_bind(sc, "GET", "/admin/datastore/{store}/status", h_datastore_status);
	sim_bind(sc, "GET", "/admin/datastore/{store}/snapshots", h_snapshots);
	sim_bind(sc, "DELETE", "/admin/datastore/{store}/snapshots", h_snapshot_delete);
	sim_bind(sc, "GET", "/admin/datastore/{store}/groups", h_groups);
	sim_bind(sc, "DELETE", "/admin/datastore/{store}/groups", h_group_delete);
	sim_bind(sc, "GET", "/admin/datastore/{store}/notes", h_notes_get);
	sim_bind(sc, "PUT", "/admin/datastore/{store}/notes", h_notes_put);
	sim_bind(sc, "GET", "/admin/datastore/{store}/group-notes", h_group_notes_get);
	sim_bind(sc, "PUT", "/admin/datastore/{store}/group-notes", h_group_notes_put);
	sim_bind(sc, "GET", "/admin/datastore/{store}/protected", h_protected_get);
	sim_bind(sc, "PUT", "/admin/datastore/{store}/protected", h_protected_put);
	sim_bind(sc, "GET", "/admin/datastore/{store}/files", h_files);
	sim_bind(sc, "POST", "/admin/datastore/{store}/change-owner", h_change_owner);
	sim_bind(sc, "POST", "/admin/datastore/{store}/prune", h_prune);
	sim_bind(sc, "POST", "/admin/datastore/{store}/prune-datastore", h_prune_datastore);
	sim_bind(sc, "GET", "/admin/datastore/{store}/gc", h_gc_status);
	sim_bind(sc, "POST", "/admin/datastore/{store}/gc", h_gc_start);
	sim_bind(sc, "GET", "/admin/gc", h_gc_list);
	sim_bind(sc, "GET", "/admin/gc/{store}", h_gc_one);
	sim_bind(sc, "GET", "/admin/datastore/{store}", h_datastore_index);
	sim_bind(sc, "POST", "/admin/datastore/{store}/verify", h_verify);
	sim_bind(sc, "GET", "/admin/datastore/{store}/namespace", h_ns_list);
	sim_bind(sc, "POST", "/admin/datastore/{store}/namespace", h_ns_create);
	sim_bind(sc, "DELETE", "/admin/datastore/{store}/namespace", h_ns_delete);
	sim_bind(sc, "GET", "/config/datastore", h_dsconf_list);
	sim_bind(sc, "POST", "/config/datastore", h_dsconf_create);
	sim_bind(sc, "GET", "/config/datastore/{name}", h_dsconf_get);
	sim_bind(sc, "PUT", "/config/datastore/{name}", h_dsconf_update);
	sim_bind(sc, "DELETE", "/config/datastore/{name}", h_dsconf_delete);
	sim_bind(sc, "GET", "/status/datastore-usage", h_datastore_usage);
	sim_bind(sc, "GET", "/admin/sync", h_sync_list);
	sim_bind(sc, "POST", "/admin/sync/{id}/run", h_sync_run);
	sim_bind(sc, "GET", "/admin/verify", h_verify_list);
	sim_bind(sc, "POST", "/admin/verify/{id}/run", h_verify_run);
	sim_bind(sc, "GET", "/admin/prune", h_prune_list);
	sim_bind(sc, "POST", "/admin/prune/{id}/run", h_prune_run);
	sim_bind(sc, "GET", "/access/users", h_users);
	sim_bind(sc, "GET", "/access/users/{userid}/token", h_tokens);
	sim_bind(sc, "GET", "/access/users/{userid}/token/{token-name}", h_token_get);
	sim_bind(sc, "POST", "/access/users/{userid}/token/{token-name}", h_token_create);
	sim_bind(sc, "PUT", "/access/users/{userid}/token/{token-name}", h_token_update);
	sim_bind(sc, "DELETE", "/access/users/{userid}/token/{token-name}", h_token_delete);
	sim_bind(sc, "GET", "/access/acl", h_acl_get);
	sim_bind(sc, "PUT", "/access/acl", h_acl_put);
	sim_access_bind_users(sc);
}
