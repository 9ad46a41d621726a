/**
 * @file blast_guest.c
 * @brief Guest op-classes: migrate disk residency (10) and the guest
 *        destroy cascade (11), with what the dependency graph adds: HA
 *        placement rules, replication targets, backup jobs whose selection
 *        would silently become empty, pools, ACLs on the guest.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "pve.h"

static const char *
kind_of(const struct pxm_effect *eff)
{
	return strstr(eff->path, "/lxc/") ? "lxc" : "qemu";
}

static json_int_t
vmid_of(const struct pxm_effect *eff)
{
	const char *v = json_string_value(json_object_get(eff->vars, "vmid"));

	return v ? strtoll(v, NULL, 10) : 0;
}

static const json_t *
by_key(const json_t *list, const char *key, const char *val)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_string_value(json_object_get(v, key)) &&
		    strcmp(json_string_value(json_object_get(v, key)), val) == 0)
			return v;
	return NULL;
}

static json_int_t
job_guest(const json_t *job)
{
	const json_t *g = json_object_get(job, "guest");

	if (json_is_string(g))
		return strtoll(json_string_value(g), NULL, 10);
	return json_integer_value(g);
}

static void
row_emit(struct pxm_plan *plan, struct bl_tally *t, const char *resource, const char *category,
    const char *severity, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void
row_emit(struct pxm_plan *plan, struct bl_tally *t, const char *resource, const char *category,
    const char *severity, const char *fmt, ...)
{
	char text[1400];
	va_list ap;
	json_t *row;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	row = json_pack("{s:s, s:s, s:s}", "resource", resource, "effect", text, "severity",
	    severity);
	if (category)
		json_object_set_new(row, "category", json_string(category));
	bl_emit(plan, t, row);
}

/* ------------------------------------------------- 10: migrate residency */

/* Is a storage (from the /storage list) reachable from node?  1 yes, 0 no,
 * -1 unknown. */
static int
storage_on(const json_t *storages, const char *id, const char *node, int *shared)
{
	const json_t *st = by_key(storages, "storage", id);
	const char *nodes;

	*shared = 0;
	if (st == NULL)
		return -1;
	*shared = bl_truthy(json_object_get(st, "shared"));
	nodes = json_string_value(json_object_get(st, "nodes"));
	if (nodes == NULL || *nodes == '\0')
		return 1;
	return bl_list_has(nodes, node);
}

int
bl_guest_migrate(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	const char *kind = kind_of(eff);
	json_int_t vmid = vmid_of(eff);
	char target[128], tstore[256], res[96], sid[32], store[128], volid[512], ref[32];
	struct bl_req own[2];
	struct bl_facts f;
	struct bl_tally t = { 0 };
	const json_t *cfg, *status, *storages, *ha, *nodes, *rules, *repl, *v;
	const char *k, *val;
	json_t *x;
	size_t i;
	int running, online, local_disks, restart, shared, fails = 0, copies = 0;
	struct bl_guest g;

	(void)err;
	(void)payload;
	bl_param(target, sizeof target, eff->params, "target");
	bl_param(tstore, sizeof tstore, eff->params, strcmp(kind, "lxc") == 0 ? "target-storage" :
	    "targetstorage");
	online = bl_param_bool(eff->params, "online", 0);
	restart = bl_param_bool(eff->params, "restart", 0);
	local_disks = bl_param_bool(eff->params, "with-local-disks", 0);
	memset(own, 0, sizeof own);
	bl_req_pathf(&own[0], "/nodes/{node}/{kind}/{vmid}/config", "{s:s, s:s, s:I}", "node", node,
	    "kind", kind, "vmid", vmid);
	bl_req_pathf(&own[1], "/nodes/{node}/{kind}/{vmid}/status/current", "{s:s, s:s, s:I}",
	    "node", node, "kind", kind, "vmid", vmid);
	bl_facts_fetch(&f, call, BL_F_STORAGE | BL_F_HA | BL_F_HARULES | BL_F_REPL | BL_F_NODES,
	    own, 2);
	cfg = bl_need(plan, &own[0], "the guest's config");
	status = bl_need(plan, &own[1], "the guest's status");
	storages = bl_fact_need(&f, plan, BL_F_STORAGE, "the storage definitions");
	ha = bl_fact_need(&f, plan, BL_F_HA, "the HA resources");
	rules = bl_fact(&f, BL_F_HARULES);
	repl = bl_fact_need(&f, plan, BL_F_REPL, "the replication jobs");
	nodes = bl_fact(&f, BL_F_NODES);
	running = json_string_value(json_object_get(status, "status")) &&
	    strcmp(json_string_value(json_object_get(status, "status")), "running") == 0;
	memset(&g, 0, sizeof g);
	g.vmid = vmid;
	snprintf(g.kind, sizeof g.kind, "%s", kind);
	bl_guest_ref(ref, sizeof ref, &g);
	if ((v = by_key(nodes, "node", target)) != NULL &&
	    strcmp(json_string_value(json_object_get(v, "status")) ?
	    json_string_value(json_object_get(v, "status")) : "", "online") != 0) {
		row_emit(plan, &t, ref, "wont_proceed", "high", "FAILS: target node %s is %s", target,
		    json_string_value(json_object_get(v, "status")) ?
		    json_string_value(json_object_get(v, "status")) : "not online");
		fails++;
	}
	if (running && strcmp(kind, "lxc") == 0 && !restart)
		pve_host->plan_add_blast(plan, "%s is RUNNING: containers cannot migrate live; "
		    "without restart=1 Proxmox refuses (with it, the container is stopped, moved and "
		    "started again: downtime)", ref);
	else if (running && strcmp(kind, "lxc") == 0)
		pve_host->plan_add_blast(plan, "%s is RUNNING: restart mode stops it, moves it and "
		    "starts it on %s (downtime)", ref, target);
	else if (running && !online)
		pve_host->plan_add_blast(plan, "%s is RUNNING and online=0: Proxmox refuses an "
		    "offline migration of a running VM", ref);
	json_object_foreach((json_t *)cfg, k, x) {
		int on, cdrom;

		if (!bl_disk_key(k) || (val = json_string_value(x)) == NULL)
			continue;
		cdrom = bl_is_cdrom(val);
		snprintf(res, sizeof res, "%s:%s", ref, k);
		if (!bl_disk_storage(store, sizeof store, val)) {
			if (val[0] == '/' && !cdrom) {
				row_emit(plan, &t, res, "raw", "high", "raw device passthrough (%.*s): it "
				    "cannot move with the guest — the migration FAILS", (int)strcspn(val,
				    ","), val);
				fails++;
			}
			continue;
		}
		bl_disk_volid(volid, sizeof volid, val);
		on = storage_on(storages, store, target, &shared);
		if (cdrom) {
			if (on != 1 || !shared) {
				row_emit(plan, &t, res, "local", "high", "CD-ROM with %s on storage %s, "
				    "which is %s %s: Proxmox refuses to migrate a guest with a local CD-ROM "
				    "image — eject it first", volid, store, on == 1 ? "local to" :
				    "not available on", on == 1 ? node : target);
				fails++;
			}
			continue;
		}
		if (on < 0) {
			row_emit(plan, &t, res, "unknown", "high", "storage %s of %s could not be "
			    "looked up: whether the disk can follow is unknown", store, k);
		} else if (on == 1 && shared) {
			continue;	/* shared and available: nothing to move */
		} else if (on == 0 && tstore[0] == '\0') {
			row_emit(plan, &t, res, "unavailable", "high", "FAILS: storage %s is not "
			    "available on %s, so Proxmox cannot place %s there (give a target storage)",
			    store, target, k);
			fails++;
		} else if (strcmp(kind, "lxc") == 0) {
			row_emit(plan, &t, res, "local", "medium", "local disk on %s: it is COPIED to "
			    "%s%s%s%s", store, target, tstore[0] ? " (target storage " : "", tstore,
			    tstore[0] ? ")" : "");
			copies++;
		} else if (!local_disks) {
			row_emit(plan, &t, res, "local", "high", "local disk on %s: migrating copies it "
			    "(with-local-disks) or FAILS — with-local-disks=0 here, so it FAILS", store);
			fails++;
		} else {
			row_emit(plan, &t, res, "local", "medium", "local disk on %s: COPIED over the "
			    "network to %s%s (slow; the source stays until it completes)%s", store,
			    target, tstore[0] ? " (target storage set)" : "", running && online ?
			    " — a LIVE migration with a local disk mirrors it while the guest runs" : "");
			copies++;
		}
	}
	/* HA: the HA stack carries out the migration and applies its rules. */
	bl_ha_sid(sid, sizeof sid, &g);
	if (by_key(ha, "sid", sid)) {
		pve_host->plan_add_blast(plan, "%s is HA-managed (%s): the HA stack performs the "
		    "migration", ref, sid);
		json_array_foreach(rules, i, x) {
			const char *type = json_string_value(json_object_get(x, "type"));
			const char *rn = json_string_value(json_object_get(x, "rule"));

			if (bl_truthy(json_object_get(x, "disable")) ||
			    !bl_list_has(json_string_value(json_object_get(x, "resources")), sid))
				continue;
			if (type && strcmp(type, "node-affinity") == 0) {
				json_t *ns = bl_split(json_string_value(json_object_get(x, "nodes"))), *n;
				size_t j;
				int listed = 0;

				json_array_foreach(ns, j, n)
					if (strncmp(json_string_value(n), target, strlen(target)) == 0 &&
					    (json_string_value(n)[strlen(target)] == '\0' ||
					    json_string_value(n)[strlen(target)] == ':'))
						listed = 1;
				json_decref(ns);
				if (!listed) {
					snprintf(res, sizeof res, "ha-rule/%s", rn ? rn : "?");
					row_emit(plan, &t, res, "reference", bl_truthy(json_object_get(x,
					    "strict")) ? "high" : "medium", "node-affinity rule %s does not "
					    "list %s%s", rn ? rn : "?", target, bl_truthy(json_object_get(x,
					    "strict")) ? " and is strict: HA refuses to keep it there" :
					    ": HA may move it back to a preferred node");
				}
			}
		}
	}
	/* Replication: to the target, the job reverses; elsewhere it follows. */
	json_array_foreach(repl, i, x) {
		const char *tn = json_string_value(json_object_get(x, "target"));

		if (job_guest(x) != vmid)
			continue;
		snprintf(res, sizeof res, "replication/%s", json_string_value(json_object_get(x, "id")) ?
		    json_string_value(json_object_get(x, "id")) : "?");
		if (tn && strcmp(tn, target) == 0)
			row_emit(plan, &t, res, "reference", "info", "%s is this guest's replication "
			    "target: only the changes since the last sync move, and the job then "
			    "replicates back to %s", target, node);
		else
			row_emit(plan, &t, res, "reference", "low", "replication to %s continues, now "
			    "from %s", tn ? tn : "?", target);
	}
	bl_tally_flush(plan, &t);
	if (fails)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "the migration of %s will FAIL (%d "
		    "blocker(s), see blast_radius)", ref, fails);
	else if (copies)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "%d local disk(s) of %s are copied "
		    "to %s", copies, ref, target);
	if (t.high && !fails)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu high-severity finding(s) for the "
		    "migration of %s", t.high, ref);
	bl_facts_free(&f);
	bl_req_free(own, 2);
	return PXM_OK;
}

/* ------------------------------------------------- 11: destroy cascade */

int
bl_guest_destroy(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	const char *kind = kind_of(eff);
	json_int_t vmid = vmid_of(eff);
	int purge = bl_param_bool(eff->params, "purge", 0);
	int force = bl_param_bool(eff->params, "force", 0);
	int unref = bl_param_bool(eff->params, "destroy-unreferenced-disks", 0);
	struct bl_req own[3];
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *cfg, *status, *ha, *repl, *backup, *snaps, *x;
	struct bl_guest *self, me;
	char ref[32], sid[32], res[320], store[128], b[32], idbuf[32];
	json_t *per, *cnt;
	const char *k, *val;
	size_t i, nsnap = 0;
	int running, template, r;

	(void)err;
	(void)payload;
	pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "destroying a guest is irreversible");
	memset(own, 0, sizeof own);
	bl_req_pathf(&own[0], "/nodes/{node}/{kind}/{vmid}/config", "{s:s, s:s, s:I}", "node", node,
	    "kind", kind, "vmid", vmid);
	bl_req_pathf(&own[1], "/nodes/{node}/{kind}/{vmid}/status/current", "{s:s, s:s, s:I}",
	    "node", node, "kind", kind, "vmid", vmid);
	bl_req_pathf(&own[2], "/nodes/{node}/{kind}/{vmid}/snapshot", "{s:s, s:s, s:I}", "node",
	    node, "kind", kind, "vmid", vmid);
	bl_facts_fetch(&f, call, BL_F_HA | BL_F_REPL | BL_F_BACKUP, own, 3);
	cfg = bl_need(plan, &own[0], "the guest's config");
	status = bl_need(plan, &own[1], "the guest's status");
	snaps = bl_need(plan, &own[2], "the guest's snapshots");
	ha = bl_fact_need(&f, plan, BL_F_HA, "the HA resources");
	repl = bl_fact_need(&f, plan, BL_F_REPL, "the replication jobs");
	backup = bl_fact_need(&f, plan, BL_F_BACKUP, "the backup jobs");
	running = json_string_value(json_object_get(status, "status")) &&
	    strcmp(json_string_value(json_object_get(status, "status")), "running") == 0;
	template = bl_truthy(json_object_get(cfg, "template"));
	memset(&me, 0, sizeof me);
	me.vmid = vmid;
	snprintf(me.kind, sizeof me.kind, "%s", kind);
	me.node = node;
	bl_guest_ref(ref, sizeof ref, &me);
	bl_ha_sid(sid, sizeof sid, &me);
	/* The whole cluster: pools, backup selections, linked clones. */
	if ((r = bl_cluster_load(&c, call, template, NULL)) != PXM_OK)
		goto out_facts;
	self = bl_cluster_find(&c, vmid);
	if (self) {
		me.pool = self->pool;
		me.name = self->name;
	}

	/* -- wont_proceed: Proxmox itself refuses */
	if (bl_truthy(json_object_get(cfg, "protection")))
		row_emit(plan, &t, ref, "wont_proceed", "high", "PROTECTED (protection=1): Proxmox "
		    "will REFUSE the destroy — force does NOT override protection; clear it first");
	if (running && (strcmp(kind, "qemu") == 0 || !force))
		row_emit(plan, &t, ref, "wont_proceed", "high", "RUNNING: Proxmox refuses to destroy "
		    "a running guest%s", strcmp(kind, "lxc") == 0 ? " (force=1 would stop it first)" :
		    " — stop it first");
	else if (running && force)
		row_emit(plan, &t, ref, "destroyed", "high", "RUNNING: force=1 STOPS it hard, then "
		    "destroys it");
	if (template) {
		json_t *clones = json_array();
		char base[64];

		snprintf(base, sizeof base, "base-%lld-disk", (long long)vmid);
		for (i = 0; i < c.n; i++) {
			json_t *v;

			if (c.g[i].vmid == vmid || c.g[i].config == NULL)
				continue;
			json_object_foreach(c.g[i].config, k, v)
				if (bl_disk_key(k) && json_string_value(v) &&
				    strstr(json_string_value(v), base)) {
					bl_add_unique(clones, bl_guest_ref(idbuf, sizeof idbuf, &c.g[i]));
					break;
				}
		}
		if (json_array_size(clones)) {
			char *list = bl_join(clones, ", ");

			row_emit(plan, &t, ref, "wont_proceed", "high", "TEMPLATE with %zu linked "
			    "clone(s) (%s): their disks are based on its volumes — Proxmox refuses "
			    "while they exist", json_array_size(clones), list ? list : "");
			free(list);
		}
		json_decref(clones);
		pve_host->plan_add_blast(plan, "linked-clone detection is config-based (covers "
		    "LVM-thin/ZFS/RBD backing); directory/qcow2 backing chains are not visible in "
		    "config and are NOT detected");
		bl_cluster_incomplete(plan, &c);
	}

	/* -- references: what purge cleans up, or leaves dangling */
	if (by_key(ha, "sid", sid)) {
		snprintf(res, sizeof res, "ha:%s", sid);
		if (purge)
			row_emit(plan, &t, res, "reference", "info", "PVE will REMOVE this HA resource "
			    "as part of purge=true");
		else
			row_emit(plan, &t, res, "reference", "medium", "HA resource %s is left DANGLING "
			    "(purge=false); remove it manually", sid);
	}
	json_array_foreach(repl, i, x) {
		if (job_guest(x) != vmid)
			continue;
		snprintf(res, sizeof res, "replication/%s", json_string_value(json_object_get(x, "id")) ?
		    json_string_value(json_object_get(x, "id")) : "?");
		if (purge)
			row_emit(plan, &t, res, "reference", "info", "PVE will REMOVE this replication "
			    "job as part of purge=true; the replica on %s is deleted",
			    json_string_value(json_object_get(x, "target")) ?
			    json_string_value(json_object_get(x, "target")) : "?");
		else
			row_emit(plan, &t, res, "reference", "medium", "replication job left DANGLING "
			    "(purge=false); remove it manually");
	}
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)vmid);
	json_array_foreach(backup, i, x) {
		const char *id = json_string_value(json_object_get(x, "id"));
		const char *pool = json_string_value(json_object_get(x, "pool"));
		json_t *ids;

		snprintf(res, sizeof res, "backup-job/%s", id ? id : "?");
		if (bl_truthy(json_object_get(x, "all"))) {
			if (bl_list_has(json_string_value(json_object_get(x, "exclude")), idbuf))
				row_emit(plan, &t, res, "reference", purge ? "info" : "low", "excludes this "
				    "guest: %s", purge ? "PVE removes it from the exclude list (purge=true)" :
				    "the exclude entry is left behind (harmless)");
			continue;
		}
		if (pool) {
			size_t members = 0;

			if (me.pool == NULL || strcmp(me.pool, pool) != 0)
				continue;
			for (size_t j = 0; j < c.n; j++)
				if (c.g[j].pool && strcmp(c.g[j].pool, pool) == 0)
					members++;
			if (members <= 1 && c.listed)
				row_emit(plan, &t, res, "reference", "medium", "selects pool %s, whose only "
				    "member is this guest: the job's selection becomes EMPTY and it will "
				    "silently back up nothing", pool);
			continue;
		}
		if (!bl_list_has(json_string_value(json_object_get(x, "vmid")), idbuf))
			continue;
		ids = bl_split(json_string_value(json_object_get(x, "vmid")));
		if (json_array_size(ids) <= 1)
			row_emit(plan, &t, res, "reference", "medium", "this guest is the job's ONLY "
			    "selection: %s", purge ? "purge=true removes it, and the job is left "
			    "selecting NOTHING — it will silently back up nothing" : "the job keeps "
			    "naming a guest that no longer exists and every run errors");
		else if (purge)
			row_emit(plan, &t, res, "reference", "info", "PVE will REMOVE this guest from the "
			    "job's selection as part of purge=true");
		else
			row_emit(plan, &t, res, "reference", "medium", "the job keeps naming this guest "
			    "after it is gone (purge=false): its runs report an error; remove it "
			    "manually");
		json_decref(ids);
	}

	/* -- informational: what goes with it */
	per = json_object();
	json_object_foreach((json_t *)cfg, k, x) {
		long long sz;

		if (!bl_disk_key(k) || (val = json_string_value(x)) == NULL || bl_is_cdrom(val) ||
		    !bl_disk_storage(store, sizeof store, val))
			continue;
		sz = bl_disk_size(val);
		cnt = json_object_get(per, store);
		if (cnt == NULL) {
			cnt = json_pack("{s:[], s:I}", "disks", "bytes", (json_int_t)0);
			json_object_set_new(per, store, cnt);
		}
		json_array_append_new(json_object_get(cnt, "disks"), json_string(k));
		if (sz > 0)
			json_object_set_new(cnt, "bytes", json_integer(json_integer_value(
			    json_object_get(cnt, "bytes")) + sz));
	}
	json_object_foreach(per, k, cnt) {
		char *list = bl_join(json_object_get(cnt, "disks"), ", ");

		snprintf(res, sizeof res, "storage/%s", k);
		row_emit(plan, &t, res, "informational", "info", "DESTROYS %s (%s provisioned) of %s",
		    list ? list : "", bl_bytes(b, sizeof b, json_integer_value(json_object_get(cnt,
		    "bytes"))), ref);
		free(list);
	}
	json_decref(per);
	if (unref)
		pve_host->plan_add_blast(plan, "destroy-unreferenced-disks=1: volumes with this VMID "
		    "on every enabled storage are destroyed too, even those the config does not name");
	json_array_foreach(snaps, i, x)
		if (json_string_value(json_object_get(x, "name")) &&
		    strcmp(json_string_value(json_object_get(x, "name")), "current") != 0)
			nsnap++;
	if (nsnap)
		row_emit(plan, &t, "snapshots", "informational", "medium", "%zu snapshot(s) are "
		    "destroyed with it: every restore point inside Proxmox is gone", nsnap);
	if (me.pool) {
		snprintf(res, sizeof res, "pool/%s", me.pool);
		row_emit(plan, &t, res, "informational", "info", "leaves pool %s", me.pool);
	}
	pve_host->plan_add_blast(plan, "backups of %s on backup storages are NOT deleted by this "
	    "(they stay restorable)", ref);
	bl_tally_flush(plan, &t);
	bl_cluster_free(&c);
out_facts:
	bl_facts_free(&f);
	bl_req_free(own, 3);
	return PXM_OK;
}
