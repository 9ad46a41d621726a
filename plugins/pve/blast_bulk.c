/**
 * @file blast_bulk.c
 * @brief Operations that touch many guests at once, each listing every
 *        guest it touches: node-wide startall / stopall / migrateall,
 *        vzdump over all guests or a pool (with what mode=stop does to
 *        running ones), and pool deletion / membership changes (with the
 *        backup jobs and ACLs that follow pools).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "pve.h"

static int
in_vms(const char *vms, json_int_t vmid)
{
	char id[32];

	if (vms == NULL || *vms == '\0')
		return 1;
	snprintf(id, sizeof id, "%lld", (long long)vmid);
	return bl_list_has(vms, id);
}

static json_t *
guest_effect_row(const struct bl_guest *g, const char *sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
guest_effect_row(const struct bl_guest *g, const char *sev, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	json_t *row = bl_guest_row(g);

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json_object_set_new(row, "effect", json_string(text));
	json_object_set_new(row, "severity", json_string(sev));
	return row;
}

/* A guest's storage is reachable from a node (shared and allowed there)? */
static int
disk_follows(const json_t *storages, const char *store, const char *target)
{
	json_t *st;
	size_t i;

	json_array_foreach(storages, i, st) {
		const char *id = json_string_value(json_object_get(st, "storage"));
		const char *nodes = json_string_value(json_object_get(st, "nodes"));

		if (id == NULL || strcmp(id, store) != 0)
			continue;
		if (!bl_truthy(json_object_get(st, "shared")))
			return 0;
		return nodes == NULL || *nodes == '\0' || bl_list_has(nodes, target);
	}
	return -1;
}

/* ------------------------------------- startall / stopall / migrateall */

int
bl_bulk_node(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	const char *op = strrchr(eff->path, '/') + 1;
	char vms[4096], target[128], sid[32], store[128];
	int force, local_ok, start = strcmp(op, "startall") == 0, stop = strcmp(op, "stopall") == 0;
	struct bl_cluster c;
	struct bl_facts f;
	struct bl_tally t = { 0 };
	const json_t *ha, *storages = NULL;
	size_t i, touched = 0, fails = 0, running = 0;
	int r;

	(void)err;
	(void)payload;
	bl_param(vms, sizeof vms, eff->params, "vms");
	bl_param(target, sizeof target, eff->params, "target");
	force = bl_param_bool(eff->params, start ? "force" : "force-stop", start ? 0 : 1);
	local_ok = bl_param_bool(eff->params, "with-local-disks", 0);
	bl_facts_fetch(&f, call, BL_F_HA | (stop ? 0 : BL_F_STORAGE), NULL, 0);
	ha = bl_fact_need(&f, plan, BL_F_HA, "the HA resources");
	if (!stop)
		storages = bl_fact_need(&f, plan, BL_F_STORAGE, "the storage definitions");
	/* startall reads onboot, migrateall the disks: configs of this node only */
	if ((r = bl_cluster_load(&c, call, !stop, node)) != PXM_OK) {
		bl_facts_free(&f);
		return r;
	}
	for (i = 0; i < c.n; i++) {
		const struct bl_guest *g = &c.g[i];
		json_t *row = NULL, *has;
		size_t j;

		if (g->node == NULL || strcmp(g->node, node) != 0 || !in_vms(vms, g->vmid))
			continue;
		bl_ha_sid(sid, sizeof sid, g);
		has = NULL;
		json_array_foreach(ha, j, has)
			if (json_string_value(json_object_get(has, "sid")) &&
			    strcmp(json_string_value(json_object_get(has, "sid")), sid) == 0)
				break;
		if (j == json_array_size(ha))
			has = NULL;
		if (start) {
			if (g->template || g->running)
				continue;
			if (g->config == NULL) {
				row = guest_effect_row(g, "unknown", "may START (its config could not be "
				    "read to see onboot)");
			} else if (!force && !bl_truthy(json_object_get(g->config, "onboot"))) {
				continue;
			} else {
				const char *su = json_string_value(json_object_get(g->config, "startup"));

				row = guest_effect_row(g, "medium", "will START%s%s%s", su ? " (" : "",
				    su ? su : "", su ? ")" : "");
			}
		} else if (stop) {
			if (!g->running)
				continue;
			running++;
			row = guest_effect_row(g, "high", "RUNNING: will be %s%s", force ? "shut down, "
			    "then STOPPED hard after the timeout" : "shut down", has ? " — HA-managed: "
			    "the HA stack may start it again" : "");
		} else {
			/* migrateall */
			json_t *x;
			const char *k, *v;
			json_t *blockers = json_array();
			char *list;

			if (g->config == NULL) {
				row = guest_effect_row(g, "unknown", "migrates to %s (its disks could not be "
				    "checked)", target);
			} else {
				json_object_foreach(g->config, k, x) {
					int fl;

					if (!bl_disk_key(k) || (v = json_string_value(x)) == NULL)
						continue;
					if (!bl_disk_storage(store, sizeof store, v)) {
						if (v[0] == '/' && !bl_is_cdrom(v))
							bl_add_unique(blockers, k);
						continue;
					}
					fl = disk_follows(storages, store, target);
					if (fl == 1)
						continue;
					if (bl_is_cdrom(v) || fl < 0 || !local_ok)
						bl_add_unique(blockers, k);
				}
				list = bl_join(blockers, ", ");
				if (json_array_size(blockers)) {
					row = guest_effect_row(g, "high", "migration to %s FAILS: %s %s local "
					    "or unplaceable%s", target, list ? list : "",
					    json_array_size(blockers) > 1 ? "are" : "is", local_ok ? "" :
					    " (with-local-disks=0)");
					fails++;
				} else {
					row = guest_effect_row(g, g->running ? "medium" : "low", "migrates to "
					    "%s%s", target, g->running ? " LIVE (running)" : "");
				}
				free(list);
			}
			json_decref(blockers);
		}
		if (row) {
			if (has)
				json_object_set_new(row, "ha", json_string(sid));
			touched++;
			bl_emit(plan, &t, row);
		}
	}
	bl_tally_flush(plan, &t);
	if (!bl_cluster_incomplete(plan, &c))
		pve_host->plan_add_blast(plan, "%s on %s touches %zu guest(s)%s%s", op, node, touched,
		    vms[0] ? " of the listed vms " : "", vms[0] ? vms : "");
	if (stop && running)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "stopall halts %zu running guest(s) on "
		    "%s", running, node);
	if (fails)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu guest(s) cannot migrate to %s",
		    fails, target);
	if (touched)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "%s touches %zu guest(s)", op, touched);
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}

/* ------------------------------------------------------------- vzdump */

int
bl_vzdump(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *node = json_string_value(json_object_get(eff->vars, "node"));
	char mode[32], vmid[4096], pool[256], storage[128];
	json_t *job;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	size_t i, n = 0, halted = 0;
	int all, r;

	(void)err;
	(void)payload;
	bl_param(mode, sizeof mode, eff->params, "mode");
	if (mode[0] == '\0')
		snprintf(mode, sizeof mode, "snapshot");
	bl_param(vmid, sizeof vmid, eff->params, "vmid");
	bl_param(pool, sizeof pool, eff->params, "pool");
	bl_param(storage, sizeof storage, eff->params, "storage");
	all = bl_param_bool(eff->params, "all", 0);
	if (bl_param_bool(eff->params, "remove", 0))
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "remove=1: older backups beyond the "
		    "retention (prune-backups) are DELETED after this one");
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK)
		return r;
	/* The selection as a job would read it; vzdump runs on this node only. */
	job = json_pack("{s:s, s:b}", "node", node, "all", all);
	if (pool[0])
		json_object_set_new(job, "pool", json_string(pool));
	if (vmid[0])
		json_object_set_new(job, "vmid", json_string(vmid));
	if (json_object_get(eff->params, "exclude"))
		json_object_set(job, "exclude", json_object_get(eff->params, "exclude"));
	for (i = 0; i < c.n; i++) {
		const struct bl_guest *g = &c.g[i];
		json_t *row;

		if (g->template || !bl_backup_selects(job, g))
			continue;
		n++;
		row = bl_guest_row(g);
		if (g->running && strcmp(mode, "stop") == 0) {
			json_object_set_new(row, "effect", json_string("RUNNING: mode=stop SHUTS IT DOWN "
			    "for the backup, then starts it again (downtime)"));
			json_object_set_new(row, "severity", json_string("high"));
			halted++;
		} else if (g->running && strcmp(mode, "suspend") == 0) {
			json_object_set_new(row, "effect", json_string("RUNNING: mode=suspend PAUSES it "
			    "while the backup runs"));
			json_object_set_new(row, "severity", json_string("medium"));
		} else {
			json_object_set_new(row, "effect", json_string(g->running ? "backed up live "
			    "(snapshot mode)" : "backed up"));
			json_object_set_new(row, "severity", json_string("info"));
		}
		bl_emit(plan, &t, row);
	}
	bl_tally_flush(plan, &t);
	json_decref(job);
	if (!bl_cluster_incomplete(plan, &c)) {
		if (n == 0)
			pve_host->plan_add_blast(plan, "the selection matches NO guest on %s: the backup "
			    "does nothing", node);
		else
			pve_host->plan_add_blast(plan, "backs up %zu guest(s) on %s%s%s", n, node,
			    storage[0] ? " to storage " : "", storage);
	}
	if (halted)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "mode=stop halts %zu running guest(s) "
		    "during the backup", halted);
	bl_cluster_free(&c);
	return PXM_OK;
}

/* ------------------------------------------------------------- pools */

/* Principals holding roles on /pool/<id> (they reach every member). */
static json_t *
pool_principals(const json_t *acl, const char *pool)
{
	char path[300];
	json_t *out = json_array(), *e;
	size_t i;

	snprintf(path, sizeof path, "/pool/%s", pool);
	json_array_foreach(acl, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		char who[400];

		if (p == NULL || strcmp(p, path) != 0)
			continue;
		snprintf(who, sizeof who, "%s%s (%s)", strcmp(json_string_value(json_object_get(e,
		    "type")) ? json_string_value(json_object_get(e, "type")) : "", "group") == 0 ?
		    "@" : "", json_string_value(json_object_get(e, "ugid")) ?
		    json_string_value(json_object_get(e, "ugid")) : "?",
		    json_string_value(json_object_get(e, "roleid")) ?
		    json_string_value(json_object_get(e, "roleid")) : "?");
		bl_add_unique(out, who);
	}
	return out;
}

/* Is the guest selected by some enabled job other than `skip`? */
static int
other_job_covers(const json_t *jobs, const json_t *skip, const struct bl_guest *g,
    const char *as_pool)
{
	struct bl_guest h = *g;
	json_t *j;
	size_t i;

	h.pool = as_pool;
	json_array_foreach(jobs, i, j) {
		if (j == skip)
			continue;
		if (json_object_get(j, "enabled") && !bl_truthy(json_object_get(j, "enabled")))
			continue;
		if (bl_backup_selects(j, &h))
			return 1;
	}
	return 0;
}

int
bl_pool_delete(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *pool = json_string_value(json_object_get(eff->vars, "poolid"));
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *jobs, *acl;
	json_t *who, *j;
	size_t i, members = 0;
	char res[300], *list;
	int r;

	(void)err;
	(void)payload;
	if (pool == NULL)
		pool = json_string_value(json_object_get(eff->params, "poolid"));
	if (pool == NULL)
		return PXM_E_DECLINED;
	bl_facts_fetch(&f, call, BL_F_BACKUP | BL_F_ACL, NULL, 0);
	jobs = bl_fact_need(&f, plan, BL_F_BACKUP, "the backup jobs");
	acl = bl_fact_need(&f, plan, BL_F_ACL, "the ACL");
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK) {
		bl_facts_free(&f);
		return r;
	}
	for (i = 0; i < c.n; i++) {
		if (c.g[i].pool == NULL || strcmp(c.g[i].pool, pool) != 0)
			continue;
		members++;
		bl_emit(plan, &t, guest_effect_row(&c.g[i], "high", "member of pool %s: Proxmox "
		    "REFUSES to delete a pool that still has members", pool));
	}
	json_array_foreach(jobs, i, j) {
		const char *p = json_string_value(json_object_get(j, "pool"));

		if (p == NULL || strcmp(p, pool) != 0)
			continue;
		snprintf(res, sizeof res, "backup-job/%s", json_string_value(json_object_get(j, "id")) ?
		    json_string_value(json_object_get(j, "id")) : "?");
		bl_emit(plan, &t, json_pack("{s:s, s:s, s:s}", "resource", res, "effect", "selects "
		    "this pool: once it is gone the job selects NOTHING (or fails) — silently no "
		    "backups", "severity", "high"));
	}
	who = pool_principals(acl, pool);
	if (json_array_size(who)) {
		list = bl_join(who, ", ");
		snprintf(res, sizeof res, "acl:/pool/%s", pool);
		bl_emit(plan, &t, json_pack("{s:s, s:s, s:s, s:O}", "resource", res, "effect", "ACL "
		    "entries on this pool lose their object: these principals lose what the pool "
		    "gave them", "severity", "medium", "principals", who));
		pve_host->plan_add_blast(plan, "principals with roles on /pool/%s: %s", pool,
		    list ? list : "");
		free(list);
	}
	json_decref(who);
	bl_tally_flush(plan, &t);
	if (!bl_cluster_incomplete(plan, &c) && members == 0)
		pve_host->plan_add_blast(plan, "pool %s has no guest members (every guest was listed)",
		    pool);
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "deleting pool %s: %zu blocker(s) or "
		    "backup selection(s) affected", pool, t.high);
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}

int
bl_pool_update(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *pool = json_string_value(json_object_get(eff->vars, "poolid"));
	char vms[4096], *list;
	int del = bl_param_bool(eff->params, "delete", 0), r;
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *jobs, *acl;
	json_t *who, *j;
	size_t i, left = 0, moved = 0;

	(void)err;
	(void)payload;
	if (pool == NULL)
		pool = json_string_value(json_object_get(eff->params, "poolid"));
	bl_param(vms, sizeof vms, eff->params, "vms");
	if (pool == NULL || vms[0] == '\0')
		return PXM_E_DECLINED;
	bl_facts_fetch(&f, call, BL_F_BACKUP | BL_F_ACL, NULL, 0);
	jobs = bl_fact_need(&f, plan, BL_F_BACKUP, "the backup jobs");
	acl = bl_fact_need(&f, plan, BL_F_ACL, "the ACL");
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK) {
		bl_facts_free(&f);
		return r;
	}
	who = pool_principals(acl, pool);
	list = bl_join(who, ", ");
	for (i = 0; i < c.n; i++) {
		const struct bl_guest *g = &c.g[i];
		int member = g->pool && strcmp(g->pool, pool) == 0;

		if (member && !in_vms(vms, g->vmid))
			left++;
		if (!in_vms(vms, g->vmid))
			continue;
		moved++;
		if (del) {
			if (!member)
				continue;
			bl_emit(plan, &t, guest_effect_row(g, "medium", "leaves pool %s%s%s%s", pool,
			    json_array_size(who) ? ": loses the access granted on /pool/" : "",
			    json_array_size(who) ? pool : "", json_array_size(who) ? " (principals "
			    "listed below)" : ""));
			size_t k;

			json_array_foreach(jobs, k, j) {
				const char *p = json_string_value(json_object_get(j, "pool"));

				if (p == NULL || strcmp(p, pool) != 0)
					continue;
				if (!other_job_covers(jobs, j, g, NULL))
					bl_emit(plan, &t, guest_effect_row(g, "high", "drops out of backup "
					    "job %s (pool=%s) and NO other job backs it up", json_string_value(
					    json_object_get(j, "id")) ? json_string_value(json_object_get(j,
					    "id")) : "?", pool));
			}
		} else {
			if (member)
				continue;
			bl_emit(plan, &t, guest_effect_row(g, json_array_size(who) ? "medium" : "low",
			    "joins pool %s%s%s", pool, json_array_size(who) ? ": everyone with roles on "
			    "/pool/" : "", json_array_size(who) ? pool : ""));
			if (g->pool)
				bl_emit(plan, &t, guest_effect_row(g, "medium", "leaves its current pool "
				    "%s (allow-move)", g->pool));
		}
	}
	if (json_array_size(who))
		pve_host->plan_add_blast(plan, "principals with roles on /pool/%s: %s", pool,
		    list ? list : "");
	if (del && left == 0 && c.listed) {
		json_array_foreach(jobs, i, j) {
			const char *p = json_string_value(json_object_get(j, "pool"));
			char res[300];

			if (p == NULL || strcmp(p, pool) != 0)
				continue;
			snprintf(res, sizeof res, "backup-job/%s", json_string_value(json_object_get(j,
			    "id")) ? json_string_value(json_object_get(j, "id")) : "?");
			bl_emit(plan, &t, json_pack("{s:s, s:s, s:s}", "resource", res, "effect",
			    "selects this pool, which becomes EMPTY: the job will silently back up "
			    "nothing", "severity", "high"));
		}
	}
	bl_tally_flush(plan, &t);
	bl_cluster_incomplete(plan, &c);
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu guest(s) or job(s) lose their "
		    "backups", t.high);
	else if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "pool membership changes who can "
		    "reach %zu guest(s)", t.medium);
	(void)moved;
	free(list);
	json_decref(who);
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}
