/**
 * @file blast_storage.c
 * @brief Storage op-classes: storage delete/disable (1), storage node
 *        restriction (2), disk move capacity (3), volume/content delete (4),
 *        and what they reach beyond guests: backup jobs that write to the
 *        storage, replication jobs and HA recovery that need it, content
 *        nobody references, and consumers of shared storage on every node.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "pve.h"

/* ---------------------------------------------------------- predicates */

static int
on_storage(const char *slot, const char *storage, const char *volid, void *arg)
{
	(void)slot;
	(void)volid;
	return strcmp(storage, (const char *)arg) == 0;
}

struct node_set {
	const char	*storage;
	json_t		*nodes;		/* array of allowed node names */
};

static int
in_set(const json_t *set, const char *node)
{
	json_t *v;
	size_t i;

	json_array_foreach(set, i, v)
		if (node && strcmp(json_string_value(v), node) == 0)
			return 1;
	return 0;
}

/* -------------------------------------------------------- shared reads */

/* The reads every storage class may use besides the guests. */
enum { R_STORAGE, R_BACKUP, R_REPL, R_HA, R_HARULES, R_HAGROUPS, R_STRES, R_N };

static void
storage_reads(struct bl_req *r, const char *storage)
{
	bl_req_pathf(&r[R_STORAGE], "/storage/{storage}", "{s:s}", "storage", storage);
	bl_req_path(&r[R_BACKUP], "/cluster/backup", NULL);
	bl_req_path(&r[R_REPL], "/cluster/replication", NULL);
	bl_req_path(&r[R_HA], "/cluster/ha/resources", NULL);
	bl_req_path(&r[R_HARULES], "/cluster/ha/rules", NULL);
	bl_req_path(&r[R_HAGROUPS], "/cluster/ha/groups", NULL);
	bl_req_path(&r[R_STRES], "/cluster/resources", NULL);
	r[R_STRES].params = json_pack("{s:s}", "type", "storage");
}

static json_t *
find_ha(const json_t *ha, const char *sid)
{
	json_t *v;
	size_t i;

	json_array_foreach(ha, i, v)
		if (json_string_value(json_object_get(v, "sid")) &&
		    strcmp(json_string_value(json_object_get(v, "sid")), sid) == 0)
			return v;
	return NULL;
}

/* Nodes HA may place a resource on: every node-affinity rule (PVE 9) or
 * the resource's group (PVE 8) that names it; NULL when unconstrained. */
static json_t *
ha_allowed_nodes(const json_t *res, const json_t *rules, const json_t *groups, const char *sid)
{
	json_t *out = NULL, *v, *nodes, *n;
	const char *grp = json_string_value(json_object_get(res, "group"));
	size_t i, k;

	json_array_foreach(rules, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));

		if (type == NULL || strcmp(type, "node-affinity") != 0 ||
		    bl_truthy(json_object_get(v, "disable")) ||
		    !bl_list_has(json_string_value(json_object_get(v, "resources")), sid))
			continue;
		if (out == NULL)
			out = json_array();
		nodes = bl_split(json_string_value(json_object_get(v, "nodes")));
		json_array_foreach(nodes, k, n) {
			char name[128];

			/* "pve1:2" carries a priority */
			snprintf(name, sizeof name, "%.*s", (int)strcspn(json_string_value(n), ":"),
			    json_string_value(n));
			bl_add_unique(out, name);
		}
		json_decref(nodes);
	}
	if (grp) {
		json_array_foreach(groups, i, v) {
			if (json_string_value(json_object_get(v, "group")) == NULL ||
			    strcmp(json_string_value(json_object_get(v, "group")), grp) != 0)
				continue;
			if (out == NULL)
				out = json_array();
			nodes = bl_split(json_string_value(json_object_get(v, "nodes")));
			json_array_foreach(nodes, k, n) {
				char name[128];

				snprintf(name, sizeof name, "%.*s", (int)strcspn(json_string_value(n), ":"),
				    json_string_value(n));
				bl_add_unique(out, name);
			}
			json_decref(nodes);
		}
	}
	return out;
}

/* ------------------------------------------------ 1: delete / disable */

/* Every guest with a disk on the storage; the caller's predicate decides
 * which guests (all of them, or those on excluded nodes). */
struct loss_ctx {
	const char	*storage;
	const char	*where;		/* "on this storage" */
	const json_t	*allowed;	/* class 2: nodes keeping the storage, or NULL */
	const char	*verb;		/* "removed", "disabled", "restricted" */
};

static void
guests_losing(struct pxm_plan *plan, struct bl_tally *t, const struct bl_cluster *c,
    const struct loss_ctx *x, const struct bl_req *r, json_t *hit_vmids)
{
	char sid[32], eff[1400];
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct bl_guest *g = &c->g[i];
		json_t *row, *ha;
		int wont;

		if (g->config == NULL)
			continue;
		if (x->allowed && in_set(x->allowed, g->node))
			continue;
		if (!bl_guest_uses_storage(g, x->storage) ||
		    (row = bl_disk_loss_row(g, on_storage, (void *)x->storage, x->where, &wont)) == NULL)
			continue;
		if (x->allowed) {
			snprintf(eff, sizeof eff, "STRANDED on %s — storage %s will no longer be "
			    "available there: %s", g->node ? g->node : "?", x->storage,
			    json_string_value(json_object_get(row, "effect")));
			json_object_set_new(row, "effect", json_string(eff));
		}
		if (g->template) {
			snprintf(eff, sizeof eff, "%s — it is a TEMPLATE: linked clones of it lose "
			    "their base", json_string_value(json_object_get(row, "effect")));
			json_object_set_new(row, "effect", json_string(eff));
			json_object_set_new(row, "severity", json_string("high"));
		}
		if ((ha = find_ha(r[R_HA].data, bl_ha_sid(sid, sizeof sid, g))) != NULL) {
			snprintf(eff, sizeof eff, "%s — HA-managed (%s): HA recovery of it needs this "
			    "storage and will fail", json_string_value(json_object_get(row, "effect")),
			    sid);
			json_object_set_new(row, "effect", json_string(eff));
			json_object_set_new(row, "ha", json_string(sid));
		}
		json_array_append_new(hit_vmids, json_integer(g->vmid));
		bl_emit(plan, t, row);
	}
}

/* CD-ROMs with an ISO on the storage: the guest will not start while it
 * is attached (PVE activates every volume the config names). */
static void
isos_on(struct pxm_plan *plan, struct bl_tally *t, const struct bl_cluster *c,
    const char *storage, const json_t *allowed)
{
	char store[128], volid[512], eff[800];
	const char *k, *v;
	size_t i;
	json_t *val, *row;

	for (i = 0; i < c->n; i++) {
		const struct bl_guest *g = &c->g[i];

		if (g->config == NULL || (allowed && in_set(allowed, g->node)))
			continue;
		json_object_foreach(g->config, k, val) {
			if (!bl_disk_key(k) || (v = json_string_value(val)) == NULL || !bl_is_cdrom(v))
				continue;
			if (!bl_disk_storage(store, sizeof store, v) || strcmp(store, storage) != 0)
				continue;
			bl_disk_volid(volid, sizeof volid, v);
			if (strstr(volid, "cloudinit"))
				snprintf(eff, sizeof eff, "its cloud-init drive %s (%s) is on this storage: "
				    "the guest will not start until the drive is recreated elsewhere", k,
				    volid);
			else
				snprintf(eff, sizeof eff, "its CD-ROM %s holds %s from this storage: the "
				    "guest will not start until it is ejected", k, volid);
			row = bl_guest_row(g);
			json_object_set_new(row, "via", json_pack("[s]", k));
			json_object_set_new(row, "effect", json_string(eff));
			json_object_set_new(row, "severity", json_string("medium"));
			bl_emit(plan, t, row);
		}
	}
}

/* Backup jobs whose target is the storage: every run fails. */
static void
backup_jobs_to(struct pxm_plan *plan, struct bl_tally *t, const json_t *jobs, const char *storage,
    const char *verb)
{
	json_t *j, *row;
	size_t i;
	char eff[600], res[300];

	json_array_foreach(jobs, i, j) {
		const char *st = json_string_value(json_object_get(j, "storage"));
		const char *id = json_string_value(json_object_get(j, "id"));
		int enabled = !json_object_get(j, "enabled") || bl_truthy(json_object_get(j, "enabled"));

		if (st == NULL || strcmp(st, storage) != 0)
			continue;
		snprintf(res, sizeof res, "backup-job/%s", id ? id : "?");
		snprintf(eff, sizeof eff, enabled ? "writes its backups to this storage: every "
		    "scheduled run will FAIL once it is %s (schedule %s)" : "targets this storage "
		    "(job disabled; it would fail once %s, schedule %s)", verb,
		    json_string_value(json_object_get(j, "schedule")) ?
		    json_string_value(json_object_get(j, "schedule")) : "?");
		row = json_pack("{s:s, s:s, s:s}", "resource", res, "effect", eff, "severity",
		    enabled ? "high" : "info");
		bl_emit(plan, t, row);
	}
}

/* Replication jobs of guests that lose a disk: they fail from now on. */
static void
replication_of(struct pxm_plan *plan, struct bl_tally *t, const json_t *jobs,
    const json_t *vmids, const json_t *users, const json_t *allowed_targets)
{
	json_t *j, *v, *row;
	size_t i, k;
	char eff[600], res[300];

	json_array_foreach(jobs, i, j) {
		json_int_t guest = json_integer_value(json_object_get(j, "guest"));
		const char *target = json_string_value(json_object_get(j, "target"));
		int hit = 0;

		if (json_is_string(json_object_get(j, "guest")))
			guest = strtoll(json_string_value(json_object_get(j, "guest")), NULL, 10);
		json_array_foreach(vmids, k, v)
			if (json_integer_value(v) == guest)
				hit = 1;
		if (allowed_targets && target && !in_set(allowed_targets, target)) {
			int uses = 0;

			json_array_foreach(users, k, v)
				if (json_integer_value(v) == guest)
					uses = 1;
			if (!uses)
				continue;
			/* class 2: the replica's node loses the storage */
			snprintf(eff, sizeof eff, "replicates guest %lld to %s, where the storage will "
			    "no longer be available: the job will FAIL", (long long)guest, target);
		} else if (hit) {
			snprintf(eff, sizeof eff, "replicates guest %lld (to %s), whose disks are on "
			    "this storage: the job will FAIL", (long long)guest, target ? target : "?");
		} else {
			continue;
		}
		snprintf(res, sizeof res, "replication/%s",
		    json_string_value(json_object_get(j, "id")) ?
		    json_string_value(json_object_get(j, "id")) : "?");
		row = json_pack("{s:s, s:I, s:s, s:s}", "resource", res, "vmid", guest, "effect", eff,
		    "severity", "medium");
		bl_emit(plan, t, row);
	}
}

/* What sits on the storage: volumes per content type, and disk images no
 * guest config references (they become unreachable too). */
static void
inventory(struct pxm_plan *plan, struct pxm_call *call, const struct bl_cluster *c,
    const json_t *stres, const char *storage, int shared, int cluster_ok)
{
	struct bl_req *r;
	json_t *nodes = json_array(), *v, *vol, *refs = json_object(), *orphans = json_array();
	json_t *by = json_object();
	size_t i, k, n, total = 0, failed = 0;
	const char *key;
	char *list;

	json_array_foreach(stres, i, v) {
		const char *st = json_string_value(json_object_get(v, "storage"));
		const char *node = json_string_value(json_object_get(v, "node"));

		if (st && node && strcmp(st, storage) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "status")) ?
		    json_string_value(json_object_get(v, "status")) : "", "available") == 0) {
			bl_add_unique(nodes, node);
			if (shared)
				break;	/* one node sees all of a shared storage */
		}
	}
	n = json_array_size(nodes);
	if (n == 0) {
		pve_host->plan_add_blast(plan, "the content of storage %s could not be listed (no "
		    "node reports it available); volumes nobody references are not enumerated — "
		    "absence here is not proof the storage is unused", storage);
		json_decref(nodes);
		json_decref(refs);
		json_decref(orphans);
		json_decref(by);
		return;
	}
	r = calloc(n, sizeof *r);
	json_array_foreach(nodes, i, v)
		bl_req_pathf(&r[i], "/nodes/{node}/storage/{storage}/content", "{s:s, s:s}", "node",
		    json_string_value(v), "storage", storage);
	bl_fetch(call, r, n);
	/* every volume a guest config names */
	for (i = 0; i < c->n; i++) {
		const char *k2, *val;
		json_t *x;
		char volid[512];

		json_object_foreach(c->g[i].config, k2, x) {
			if (!bl_disk_key(k2) || (val = json_string_value(x)) == NULL)
				continue;
			bl_disk_volid(volid, sizeof volid, val);
			json_object_set_new(refs, volid, json_true());
			/* a linked clone references its base too */
			if (strchr(volid, '/') && strstr(volid, ":base-")) {
				volid[strcspn(volid, "/")] = '\0';
				json_object_set_new(refs, volid, json_true());
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (!json_is_array(r[i].data)) {
			failed++;
			continue;
		}
		json_array_foreach(r[i].data, k, vol) {
			const char *volid = json_string_value(json_object_get(vol, "volid"));
			const char *ct = json_string_value(json_object_get(vol, "content"));
			json_t *cnt;

			total++;
			cnt = json_object_get(by, ct ? ct : "other");
			json_object_set_new(by, ct ? ct : "other", json_integer(cnt ?
			    json_integer_value(cnt) + 1 : 1));
			if (volid && ct && (strcmp(ct, "images") == 0 || strcmp(ct, "rootdir") == 0) &&
			    json_object_get(refs, volid) == NULL)
				bl_add_unique(orphans, volid);
		}
	}
	if (failed) {
		pve_host->plan_set_incomplete(plan, "could not list the content of storage %s on "
		    "%zu of %zu node(s) (%s): what else lives on it is unknown", storage, failed, n,
		    r[0].data ? "see the transport error" : r[0].error);
	} else {
		struct { char s[2048]; size_t o; } b = { "", 0 };
		json_t *cnt;

		json_object_foreach(by, key, cnt)
			b.o += (size_t)snprintf(b.s + b.o, b.o < sizeof b.s ? sizeof b.s - b.o : 0,
			    "%s%lld %s", b.o ? ", " : "", (long long)json_integer_value(cnt), key);
		pve_host->plan_add_blast(plan, "storage %s holds %zu volume(s)%s%s%s: all become "
		    "unreachable", storage, total, total ? " (" : "", b.s, total ? ")" : "");
		if (json_array_size(orphans) && cluster_ok) {
			list = bl_join(orphans, ", ");
			pve_host->plan_add_blast(plan, "%zu disk image(s) on it are referenced by no "
			    "guest config (orphans or another cluster's): %s", json_array_size(orphans),
			    list ? list : "");
			free(list);
			pve_host->plan_add_affected_new(plan, json_pack("{s:s, s:s, s:O, s:s}",
			    "resource", "orphans", "effect", "disk images no guest config references; "
			    "they become unreachable", "volumes", orphans, "severity", "medium"));
		}
	}
	bl_req_free(r, n);
	free(r);
	json_decref(nodes);
	json_decref(refs);
	json_decref(orphans);
	json_decref(by);
}

/* Shared storage: who uses it on which node. */
static void
consumers(struct pxm_plan *plan, const struct bl_cluster *c, const char *storage)
{
	json_t *per = json_object(), *cnt;
	const char *node;
	size_t i, nguests = 0;
	struct { char s[2048]; size_t o; } b = { "", 0 };

	for (i = 0; i < c->n; i++) {
		if (c->g[i].config == NULL || !bl_guest_uses_storage(&c->g[i], storage))
			continue;
		nguests++;
		node = c->g[i].node ? c->g[i].node : "?";
		cnt = json_object_get(per, node);
		json_object_set_new(per, node, json_integer(cnt ? json_integer_value(cnt) + 1 : 1));
	}
	if (json_object_size(per) > 1) {
		json_object_foreach(per, node, cnt)
			b.o += (size_t)snprintf(b.s + b.o, b.o < sizeof b.s ? sizeof b.s - b.o : 0,
			    "%s%s: %lld", b.o ? ", " : "", node, (long long)json_integer_value(cnt));
		pve_host->plan_add_blast(plan, "shared storage %s is used by %zu guest(s) on %zu "
		    "nodes (%s): the change reaches every one of them at once", storage, nguests,
		    json_object_size(per), b.s);
	}
	json_decref(per);
}

static int
storage_loss(struct pxm_plan *plan, struct pxm_call *call, const char *storage, const char *verb,
    const json_t *allowed)
{
	struct bl_req r[R_N];
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	struct loss_ctx x;
	json_t *hit = json_array();
	int shared, r_ = PXM_OK;
	char where[128];

	memset(r, 0, sizeof r);
	storage_reads(r, storage);
	bl_fetch(call, r, R_N);
	if ((r_ = bl_cluster_load(&c, call, 1, NULL)) != PXM_OK)
		goto out;
	bl_need(plan, &r[R_STORAGE], "the storage's configuration");
	bl_need(plan, &r[R_BACKUP], "the backup jobs");
	bl_need(plan, &r[R_REPL], "the replication jobs");
	bl_need(plan, &r[R_HA], "the HA resources");
	shared = bl_truthy(json_object_get(r[R_STORAGE].data, "shared"));
	snprintf(where, sizeof where, "on storage %s", storage);
	x.storage = storage;
	x.where = where;
	x.allowed = allowed;
	x.verb = verb;
	guests_losing(plan, &t, &c, &x, r, hit);
	isos_on(plan, &t, &c, storage, allowed);
	if (allowed == NULL)
		backup_jobs_to(plan, &t, r[R_BACKUP].data, storage, verb);
	{
		/* every guest with a disk on the storage, wherever it runs */
		json_t *users = json_array();
		size_t i;

		for (i = 0; i < c.n; i++)
			if (c.g[i].config && bl_guest_uses_storage(&c.g[i], storage))
				json_array_append_new(users, json_integer(c.g[i].vmid));
		replication_of(plan, &t, r[R_REPL].data, hit, users, allowed);
		json_decref(users);
	}
	if (allowed) {
		/* HA may recover a guest of this storage onto a node that loses it */
		size_t i;
		char sid[32], eff[800];

		for (i = 0; i < c.n; i++) {
			const struct bl_guest *g = &c.g[i];
			json_t *res, *nodes, *bad, *v, *row;
			size_t k;
			int w;
			char *list;

			if (g->config == NULL || !in_set(allowed, g->node))
				continue;
			if ((res = find_ha(r[R_HA].data, bl_ha_sid(sid, sizeof sid, g))) == NULL)
				continue;
			if ((row = bl_disk_loss_row(g, on_storage, (void *)storage, "", &w)) == NULL)
				continue;
			json_decref(row);
			nodes = ha_allowed_nodes(res, r[R_HARULES].data, r[R_HAGROUPS].data, sid);
			bad = json_array();
			if (nodes == NULL) {
				json_t *sr;

				/* unconstrained: any node of the cluster */
				json_array_foreach(r[R_STRES].data, k, sr)
					if (json_string_value(json_object_get(sr, "node")))
						bl_add_unique(bad, json_string_value(json_object_get(sr, "node")));
				nodes = bad;
				bad = json_array();
				json_array_foreach(nodes, k, v)
					if (!in_set(allowed, json_string_value(v)))
						bl_add_unique(bad, json_string_value(v));
			} else {
				json_array_foreach(nodes, k, v)
					if (!in_set(allowed, json_string_value(v)))
						bl_add_unique(bad, json_string_value(v));
			}
			if (json_array_size(bad)) {
				list = bl_join(bad, ", ");
				snprintf(eff, sizeof eff, "HA-managed (%s): HA may recover it onto %s, "
				    "where storage %s will not be available — that recovery would fail",
				    sid, list ? list : "?", storage);
				free(list);
				row = bl_guest_row(g);
				json_object_set_new(row, "ha", json_string(sid));
				json_object_set_new(row, "effect", json_string(eff));
				json_object_set_new(row, "severity", json_string("medium"));
				bl_emit(plan, &t, row);
			}
			json_decref(nodes);
			json_decref(bad);
		}
	}
	bl_tally_flush(plan, &t);
	if (!bl_cluster_incomplete(plan, &c) && t.rows == 0)
		pve_host->plan_add_blast(plan, "no guest has a disk on storage %s%s (every guest's "
		    "config was read)", storage, allowed ? " on a node that loses it" : "");
	if (allowed == NULL && c.listed && shared)
		consumers(plan, &c, storage);
	if (allowed == NULL)
		inventory(plan, call, &c, r[R_STRES].data, storage, shared, bl_cluster_complete(&c));
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "storage %s %s: %zu guest(s) or job(s) "
		    "break (see blast_radius)", storage, verb, t.high);
	else if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "storage %s %s: %zu guest(s) or "
		    "job(s) degraded", storage, verb, t.medium);
	bl_cluster_free(&c);
out:
	json_decref(hit);
	bl_req_free(r, R_N);
	return r_;
}

int
bl_storage_delete(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *storage = json_string_value(json_object_get(eff->vars, "storage"));

	(void)err;
	(void)payload;
	pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "removing a storage definition cuts every "
	    "guest and job that uses it off its data");
	return storage_loss(plan, call, storage, "removed", NULL);
}

int
bl_storage_update(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *storage = json_string_value(json_object_get(eff->vars, "storage"));
	char nodes[2048];
	json_t *set;
	int r = PXM_OK;

	(void)err;
	(void)payload;
	if (bl_param_bool(eff->params, "disable", 0)) {
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "disabling a storage makes every "
		    "volume on it unavailable (reversible: enable it again)");
		if ((r = storage_loss(plan, call, storage, "disabled", NULL)) != PXM_OK)
			return r;
	}
	bl_param(nodes, sizeof nodes, eff->params, "nodes");
	if (nodes[0] && !bl_list_has(json_string_value(json_object_get(eff->params, "delete")),
	    "nodes")) {
		set = bl_split(nodes);
		r = storage_loss(plan, call, storage, "restricted", set);
		json_decref(set);
	}
	return r;
}

/* ------------------------------------------------ 3: disk move capacity */

#define GiB (1024LL * 1024 * 1024)

int
bl_disk_move(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	const char *vmid_s = json_string_value(json_object_get(eff->vars, "vmid"));
	const char *kind = strstr(eff->path, "/lxc/") ? "lxc" : "qemu";
	char disk[64], storage[128], tvmid[32], b1[32], b2[32], b3[32], cur[128], why[400];
	struct bl_req r[2];
	json_t *cfg, *st, *row;
	const char *val, *verdict, *sev;
	long long size, avail = -1, total = -1, after;
	char text[800];

	(void)err;
	(void)payload;
	bl_param(disk, sizeof disk, eff->params, strcmp(kind, "lxc") == 0 ? "volume" : "disk");
	bl_param(storage, sizeof storage, eff->params, "storage");
	bl_param(tvmid, sizeof tvmid, eff->params, "target-vmid");
	if (bl_param_bool(eff->params, "delete", 0))
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "delete=1: the source volume is "
		    "DELETED after the copy — there is no way back to the old disk");
	else
		pve_host->plan_add_blast(plan, "the source volume is kept as unused%s after the "
		    "copy (delete=0)", strcmp(kind, "lxc") == 0 ? "" : "N");
	if (tvmid[0])
		pve_host->plan_add_blast(plan, "%s is reassigned to guest %s: it leaves %s/%s's "
		    "configuration", disk, tvmid, kind, vmid_s ? vmid_s : "?");
	if (storage[0] == '\0')
		return PXM_OK;
	memset(r, 0, sizeof r);
	bl_req_pathf(&r[0], "/nodes/{node}/{kind}/{vmid}/config", "{s:s, s:s, s:s}", "node", node,
	    "kind", kind, "vmid", vmid_s);
	bl_req_pathf(&r[1], "/nodes/{node}/storage/{storage}/status", "{s:s, s:s}", "node", node,
	    "storage", storage);
	bl_fetch(call, r, 2);
	cfg = r[0].data;
	st = r[1].data;
	if (cfg == NULL)
		pve_host->plan_set_incomplete(plan, "could not read the guest's config (GET %s): %s",
		    r[0].path, r[0].error);
	if (st == NULL)
		pve_host->plan_set_incomplete(plan, "could not read storage %s's status on %s "
		    "(GET %s): %s", storage, node, r[1].path, r[1].error);
	val = json_string_value(json_object_get(cfg, disk));
	size = bl_disk_size(val);
	if (val && bl_disk_storage(cur, sizeof cur, val) && strcmp(cur, storage) == 0)
		pve_host->plan_add_blast(plan, "%s is already on %s: Proxmox will refuse the move",
		    disk, storage);
	if (json_is_integer(json_object_get(st, "avail")))
		avail = json_integer_value(json_object_get(st, "avail"));
	if (json_is_integer(json_object_get(st, "total")) && json_integer_value(json_object_get(st,
	    "total")) > 0)
		total = json_integer_value(json_object_get(st, "total"));
	if (size < 0 || avail < 0) {
		verdict = "unknown";
		sev = "high";
		snprintf(text, sizeof text, "capacity UNKNOWN: %s", size < 0 ? "the disk's size "
		    "could not be read from its config" : "the target storage's free space could "
		    "not be read");
	} else if (size >= avail) {
		verdict = "wont_fit";
		sev = "high";
		snprintf(text, sizeof text, "WILL NOT FIT: %s needs %s, storage %s has %s free on %s",
		    disk, bl_bytes(b1, sizeof b1, size), storage, bl_bytes(b2, sizeof b2, avail), node);
	} else if (total < 0) {
		verdict = "fits_total_unknown";
		sev = "low";
		snprintf(text, sizeof text, "fits (%s into %s free); the storage's total size is "
		    "unknown, so headroom is not assessed", bl_bytes(b1, sizeof b1, size),
		    bl_bytes(b2, sizeof b2, avail));
	} else if ((after = avail - size) < 10 * GiB || after * 10 < total) {
		verdict = "tight";
		sev = "medium";
		snprintf(text, sizeof text, "TIGHT: after the move storage %s keeps only %s free of "
		    "%s (under 10 GiB or 10%%) — every guest writing there may run out of space",
		    storage, bl_bytes(b1, sizeof b1, after), bl_bytes(b3, sizeof b3, total));
	} else {
		verdict = "fits";
		sev = "low";
		snprintf(text, sizeof text, "fits: %s into %s free of %s", bl_bytes(b1, sizeof b1,
		    size), bl_bytes(b2, sizeof b2, avail), bl_bytes(b3, sizeof b3, total));
	}
	/* The numbers move all the time: they are shown, not bound. */
	pve_host->plan_add_blast(plan, "%s", text);
	row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "resource", "storage", "storage", storage,
	    "effect", strcmp(verdict, "fits") == 0 ? "receives the disk" :
	    strcmp(verdict, "wont_fit") == 0 ? "WILL NOT FIT the disk" :
	    strcmp(verdict, "tight") == 0 ? "left nearly full by the move" :
	    strcmp(verdict, "unknown") == 0 ? "capacity unknown" : "receives the disk (headroom "
	    "unknown)", "verdict", verdict, "severity", sev);
	snprintf(why, sizeof why, "storage/%s", storage);
	json_object_set_new(row, "resource", json_string(why));
	pve_host->plan_add_affected_new(plan, row);
	bl_raise_for(plan, sev, text);
	/* Co-tenants are named only when space is the problem (cry-wolf control). */
	if (strcmp(verdict, "wont_fit") == 0 || strcmp(verdict, "tight") == 0 ||
	    strcmp(verdict, "unknown") == 0) {
		struct bl_cluster c;
		struct bl_tally t = { 0 };
		size_t i;
		int w;

		if (bl_cluster_load(&c, call, 1, NULL) == PXM_OK) {
			for (i = 0; i < c.n; i++) {
				if (c.g[i].config == NULL || (vmid_s && c.g[i].vmid == strtoll(vmid_s, NULL, 10)))
					continue;
				row = bl_disk_loss_row(&c.g[i], on_storage, storage, "", &w);
				if (row == NULL)
					continue;
				json_decref(row);
				row = bl_guest_row(&c.g[i]);
				snprintf(text, sizeof text, "co-tenant of storage %s: if it fills up, this "
				    "guest's writes fail too", storage);
				json_object_set_new(row, "effect", json_string(text));
				json_object_set_new(row, "severity", json_string("medium"));
				bl_emit(plan, &t, row);
			}
			bl_tally_flush(plan, &t);
			bl_cluster_incomplete(plan, &c);
			bl_cluster_free(&c);
		}
	}
	bl_req_free(r, 2);
	return PXM_OK;
}

/* ------------------------------------------------ 4: content delete */

/* The guest a backup volume belongs to: vzdump-qemu-100-..., backup/vm/100/... */
static json_int_t
backup_vmid(const char *volid)
{
	const char *p;

	if ((p = strstr(volid, "vzdump-")) != NULL) {
		p += 7;
		p += strcspn(p, "-");
		if (*p == '-')
			return strtoll(p + 1, NULL, 10);
	}
	if ((p = strstr(volid, "backup/vm/")) != NULL || (p = strstr(volid, "backup/ct/")) != NULL)
		return strtoll(p + 10, NULL, 10);
	return 0;
}

struct vol_ctx {
	const char	*volid;
	int		base;	/* match clones whose base is volid */
};

static int
is_vol(const char *slot, const char *storage, const char *volid, void *arg)
{
	const struct vol_ctx *x = arg;
	size_t n = strlen(x->volid);

	(void)slot;
	(void)storage;
	if (x->base)
		return strncmp(volid, x->volid, n) == 0 && volid[n] == '/';
	return strcmp(volid, x->volid) == 0;
}

int
bl_content_delete(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	const char *storage = json_string_value(json_object_get(eff->vars, "storage"));
	const char *volume = json_string_value(json_object_get(eff->vars, "volume"));
	char volid[768], eff_text[1400], why[400];
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	struct vol_ctx x;
	json_t *attr, *row;
	json_int_t bvmid;
	size_t i;
	int w, is_backup, r;

	(void)err;
	(void)payload;
	if (strchr(volume, ':'))
		snprintf(volid, sizeof volid, "%s", volume);
	else
		snprintf(volid, sizeof volid, "%s:%s", storage, volume);
	is_backup = strstr(volid, ":backup/") != NULL || strstr(volid, "vzdump-") != NULL;
	attr = bl_get1(call, why, sizeof why, "/nodes/{node}/storage/{storage}/content/{volume}",
	    "{s:s, s:s, s:s}", "node", node, "storage", storage, "volume", volid);
	if (attr == NULL)
		pve_host->plan_add_blast(plan, "the volume's attributes could not be read (%s)", why);
	if (bl_truthy(json_object_get(attr, "protected")))
		pve_host->plan_add_blast(plan, "%s is PROTECTED: Proxmox will refuse to delete it",
		    volid);
	if ((r = bl_cluster_load(&c, call, 1, NULL)) != PXM_OK) {
		json_decref(attr);
		return r;
	}
	x.volid = volid;
	for (i = 0; i < c.n; i++) {
		const struct bl_guest *g = &c.g[i];
		const char *k, *v;
		json_t *val;

		if (g->config == NULL)
			continue;
		x.base = 0;
		if ((row = bl_disk_loss_row(g, is_vol, &x, "this volume", &w)) != NULL) {
			const char *slot = json_string_value(json_array_get(json_object_get(row, "via"), 0));

			snprintf(eff_text, sizeof eff_text, "volume is an ACTIVE disk (%s) of this guest "
			    "— deleting it DESTROYS that disk's data%s", slot ? slot : "?",
			    w ? " — the guest will NOT boot" : "");
			if (slot && strncmp(slot, "unused", 6) == 0)
				snprintf(eff_text, sizeof eff_text, "volume is an unused (detached) disk "
				    "(%s) of this guest — deleting it DESTROYS its data", slot);
			json_object_set_new(row, "effect", json_string(eff_text));
			json_object_set_new(row, "severity", json_string("high"));
			bl_emit(plan, &t, row);
		}
		x.base = 1;
		if ((row = bl_disk_loss_row(g, is_vol, &x, "this volume", &w)) != NULL) {
			snprintf(eff_text, sizeof eff_text, "linked clone: its disk %s is based on this "
			    "volume — deleting the base BREAKS the clone%s",
			    json_string_value(json_array_get(json_object_get(row, "via"), 0)),
			    w ? " — the guest will NOT boot" : "");
			json_object_set_new(row, "effect", json_string(eff_text));
			json_object_set_new(row, "severity", json_string("high"));
			bl_emit(plan, &t, row);
		}
		json_object_foreach(g->config, k, val) {
			char vv[768];

			if (!bl_disk_key(k) || (v = json_string_value(val)) == NULL || !bl_is_cdrom(v))
				continue;
			bl_disk_volid(vv, sizeof vv, v);
			if (strcmp(vv, volid) != 0)
				continue;
			row = bl_guest_row(g);
			snprintf(eff_text, sizeof eff_text, "its CD-ROM %s holds this image: the guest "
			    "will not start until it is ejected", k);
			json_object_set_new(row, "via", json_pack("[s]", k));
			json_object_set_new(row, "effect", json_string(eff_text));
			json_object_set_new(row, "severity", json_string("medium"));
			bl_emit(plan, &t, row);
		}
	}
	bl_tally_flush(plan, &t);
	if (is_backup) {
		json_t *list;

		bvmid = backup_vmid(volid);
		row = json_pack("{s:s, s:s, s:s}", "resource", volid, "effect", "a backup: this "
		    "restore point is gone for good", "severity", "high");
		if (bvmid)
			json_object_set_new(row, "vmid", json_integer(bvmid));
		pve_host->plan_add_affected_new(plan, row);
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "deleting a backup destroys a restore "
		    "point");
		if (bvmid) {
			list = bl_get1(call, why, sizeof why, "/nodes/{node}/storage/{storage}/content",
			    "{s:s, s:s}", "node", node, "storage", storage);
			if (json_is_array(list)) {
				size_t k, same = 0;
				json_t *v;

				json_array_foreach(list, k, v)
					if (json_string_value(json_object_get(v, "volid")) &&
					    strcmp(json_string_value(json_object_get(v, "content")) ?
					    json_string_value(json_object_get(v, "content")) : "", "backup") == 0 &&
					    backup_vmid(json_string_value(json_object_get(v, "volid"))) == bvmid)
						same++;
				if (same <= 1)
					pve_host->plan_add_blast(plan, "this is the ONLY backup of guest %lld "
					    "on storage %s: after the delete it has none there", (long long)bvmid,
					    storage);
				else
					pve_host->plan_add_blast(plan, "guest %lld keeps %zu other backup(s) on "
					    "storage %s", (long long)bvmid, same - 1, storage);
			} else {
				pve_host->plan_set_incomplete(plan, "could not list the backups on %s (%s): "
				    "whether this is guest %lld's last backup is unknown", storage, why,
				    (long long)bvmid);
			}
			json_decref(list);
		}
	}
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "the volume is in use by %zu guest(s)",
		    t.high);
	else if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "the volume is attached as a CD-ROM");
	if (!bl_cluster_incomplete(plan, &c) && t.rows == 0 && !is_backup)
		pve_host->plan_add_blast(plan, "no guest config references %s (every guest's config "
		    "was read; snapshots are not searched)", volid);
	bl_cluster_free(&c);
	json_decref(attr);
	return PXM_OK;
}
