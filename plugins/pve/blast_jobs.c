/**
 * @file blast_jobs.c
 * @brief The cluster's standing arrangements: backup jobs (who stops being
 *        backed up, selections that silently become empty), replication
 *        jobs (replicas lost or going stale), and HA resources, rules and
 *        groups (what a node restriction or a lifted constraint makes the
 *        HA stack do to each member).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "pve.h"

static json_t *
grow(const struct bl_guest *g, const char *sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
grow(const struct bl_guest *g, const char *sev, const char *fmt, ...)
{
	char text[1200];
	va_list ap;
	json_t *row = bl_guest_row(g);

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	json_object_set_new(row, "effect", json_string(text));
	json_object_set_new(row, "severity", json_string(sev));
	return row;
}

static const json_t *
by_key(const json_t *list, const char *key, const char *val)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (val && json_string_value(json_object_get(v, key)) &&
		    strcmp(json_string_value(json_object_get(v, key)), val) == 0)
			return v;
	return NULL;
}

/* The object after a PUT: current values, then the parameters, then the
 * keys named in "delete" removed. */
static json_t *
after_put(const json_t *cur, const json_t *params)
{
	json_t *out = cur ? json_deep_copy(cur) : json_object(), *v, *del;
	const char *k;
	size_t i;

	json_object_foreach((json_t *)params, k, v)
		if (strcmp(k, "delete") != 0 && strcmp(k, "digest") != 0)
			json_object_set(out, k, v);
	del = bl_split(json_string_value(json_object_get(params, "delete")));
	json_array_foreach(del, i, v)
		json_object_del(out, json_string_value(v));
	json_decref(del);
	return out;
}

static int
enabled(const json_t *job)
{
	return job && (!json_object_get(job, "enabled") || bl_truthy(json_object_get(job, "enabled")));
}

/* The guest of an HA sid ("vm:100", "ct:103", or a bare id). */
static struct bl_guest *
sid_guest(const struct bl_cluster *c, const char *sid)
{
	const char *p = sid ? strchr(sid, ':') : NULL;

	if (sid == NULL)
		return NULL;
	return bl_cluster_find(c, strtoll(p ? p + 1 : sid, NULL, 10));
}

/* ------------------------------------------------------------ backup */

int
bl_backup_job(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *id = json_string_value(json_object_get(eff->vars, "id"));
	int del = strcmp(eff->method, "DELETE") == 0, r;
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *jobs, *job;
	json_t *after = NULL, *j;
	size_t i, lost = 0, kept = 0, gained = 0, selected = 0;

	(void)err;
	(void)payload;
	bl_facts_fetch(&f, call, BL_F_BACKUP, NULL, 0);
	jobs = bl_fact_need(&f, plan, BL_F_BACKUP, "the backup jobs");
	job = by_key(jobs, "id", id);
	if (jobs && job == NULL)
		pve_host->plan_add_blast(plan, "backup job %s does not exist: Proxmox will refuse",
		    id ? id : "?");
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK) {
		bl_facts_free(&f);
		return r;
	}
	if (!del)
		after = after_put(job, eff->params);
	for (i = 0; i < c.n; i++) {
		const struct bl_guest *g = &c.g[i];
		int before = enabled(job) && bl_backup_selects(job, g);
		int now = !del && enabled(after) && bl_backup_selects(after, g);

		if (g->template)
			continue;
		if (now)
			selected++;
		if (before && !now) {
			int other = 0;

			{
				size_t k;

				json_array_foreach(jobs, k, j)
					if (j != job && enabled(j) && bl_backup_selects(j, g))
						other = 1;
			}
			if (other) {
				kept++;
				bl_emit(plan, &t, grow(g, "info", "leaves job %s; still backed up by another "
				    "job", id));
			} else {
				lost++;
				bl_emit(plan, &t, grow(g, "high", "will no longer be backed up by ANY job "
				    "(job %s was its only one)", id));
			}
		} else if (!before && now) {
			gained++;
		}
	}
	if (gained)
		pve_host->plan_add_blast(plan, "%zu guest(s) join job %s's selection", gained, id);
	if (!del && enabled(after) && selected == 0 && c.listed) {
		char res[300];

		snprintf(res, sizeof res, "backup-job/%s", id);
		bl_emit(plan, &t, json_pack("{s:s, s:s, s:s}", "resource", res, "effect", "the new "
		    "selection matches NO guest: the job will silently back up nothing", "severity",
		    "medium"));
	}
	if (!del && !enabled(after) && enabled(job))
		pve_host->plan_add_blast(plan, "the job is DISABLED: none of its guests are backed up "
		    "by it until it is enabled again");
	bl_tally_flush(plan, &t);
	if (!bl_cluster_incomplete(plan, &c) && lost == 0 && kept == 0 && gained == 0)
		pve_host->plan_add_blast(plan, "no guest changes backup coverage (every guest was "
		    "listed)");
	if (lost)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu guest(s) are left with no backup "
		    "job at all", lost);
	else if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "the job selects nothing");
	json_decref(after);
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}

/* ------------------------------------------------------------ replication */

int
bl_replication_job(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *id = json_string_value(json_object_get(eff->vars, "id"));
	int del = strcmp(eff->method, "DELETE") == 0, r;
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *jobs, *job, *ha;
	struct bl_guest *g;
	json_int_t vmid;
	char sid[32], ntarget[128];
	const char *target;
	int is_ha;

	(void)err;
	(void)payload;
	bl_facts_fetch(&f, call, BL_F_REPL | BL_F_HA, NULL, 0);
	jobs = bl_fact_need(&f, plan, BL_F_REPL, "the replication jobs");
	ha = bl_fact_need(&f, plan, BL_F_HA, "the HA resources");
	if ((job = by_key(jobs, "id", id)) == NULL) {
		if (jobs)
			pve_host->plan_add_blast(plan, "replication job %s does not exist: Proxmox will "
			    "refuse", id ? id : "?");
		bl_facts_free(&f);
		return PXM_OK;
	}
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK) {
		bl_facts_free(&f);
		return r;
	}
	vmid = json_is_string(json_object_get(job, "guest")) ?
	    strtoll(json_string_value(json_object_get(job, "guest")), NULL, 10) :
	    json_integer_value(json_object_get(job, "guest"));
	target = json_string_value(json_object_get(job, "target"));
	bl_param(ntarget, sizeof ntarget, eff->params, "target");
	if ((g = bl_cluster_find(&c, vmid)) != NULL) {
		is_ha = by_key(ha, "sid", bl_ha_sid(sid, sizeof sid, g)) != NULL;
		if (del)
			bl_emit(plan, &t, grow(g, is_ha ? "high" : "medium", "loses its replica on %s "
			    "(the replicated volumes there are removed)%s", target ? target : "?",
			    is_ha ? " — it is HA-managed: a recovery on that node would no longer find "
			    "its disks there" : ""));
		else if (bl_param_bool(eff->params, "disable", 0))
			bl_emit(plan, &t, grow(g, is_ha ? "high" : "medium", "its replica on %s goes "
			    "STALE (no more syncs)%s", target ? target : "?", is_ha ? " — an HA recovery "
			    "there would start from old data" : ""));
		else if (ntarget[0] && target && strcmp(ntarget, target) != 0)
			bl_emit(plan, &t, grow(g, "medium", "its replica moves from %s to %s: a full "
			    "sync to %s, and the replica on %s is removed", target, ntarget, ntarget,
			    target));
	} else if (c.listed) {
		pve_host->plan_add_blast(plan, "the job's guest %lld is not in the cluster any more",
		    (long long)vmid);
	}
	bl_tally_flush(plan, &t);
	bl_cluster_incomplete(plan, &c);
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "an HA-managed guest loses its replica");
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}

/* ------------------------------------------------------------ HA */

static json_t *
node_names(const char *list)
{
	json_t *raw = bl_split(list), *out = json_array(), *v;
	size_t i;
	char name[128];

	json_array_foreach(raw, i, v) {
		snprintf(name, sizeof name, "%.*s", (int)strcspn(json_string_value(v), ":"),
		    json_string_value(v));
		bl_add_unique(out, name);
	}
	json_decref(raw);
	return out;
}

static int
has_name(const json_t *arr, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (s && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* Online nodes of a set, from the node facts; -1 when unknown. */
static int
online_in(const json_t *nodes, const json_t *set)
{
	json_t *n;
	size_t i;
	int k = 0;

	if (nodes == NULL)
		return -1;
	json_array_foreach(nodes, i, n)
		if (has_name(set, json_string_value(json_object_get(n, "node"))) &&
		    json_string_value(json_object_get(n, "status")) &&
		    strcmp(json_string_value(json_object_get(n, "status")), "online") == 0)
			k++;
	return k;
}

/* What a node set (node-affinity rule or HA group) does to its members. */
static void
placement(struct pxm_plan *plan, struct bl_tally *t, const struct bl_cluster *c,
    const json_t *members, const json_t *set, int strict, const json_t *nodes, const char *what)
{
	json_t *m;
	size_t i;
	int online = online_in(nodes, set);
	char *list = bl_join(set, ", ");

	json_array_foreach(members, i, m) {
		struct bl_guest *g = sid_guest(c, json_string_value(m));

		if (g == NULL)
			continue;
		if (json_array_size(set) == 0)
			continue;
		if (strict && online == 0)
			bl_emit(plan, t, grow(g, "high", "%s allows only %s, none of which is online: "
			    "HA STOPS it (it cannot run anywhere)", what, list ? list : ""));
		else if (!has_name(set, g->node))
			bl_emit(plan, t, grow(g, g->running ? "medium" : "low", "runs on %s, outside "
			    "%s (%s): HA will MIGRATE it%s", g->node ? g->node : "?", what, list ? list :
			    "", strict ? "" : " to a preferred node"));
	}
	free(list);
}

int
bl_ha_rule(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *id = json_string_value(json_object_get(eff->vars, "rule"));
	int del = strcmp(eff->method, "DELETE") == 0, r, gone;

	if (id == NULL)
		id = json_string_value(json_object_get(eff->params, "rule"));
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *rules, *rule, *nodes;
	json_t *after = NULL, *members, *set, *m;
	const char *type;
	char what[300];
	size_t i;

	(void)err;
	(void)payload;
	bl_facts_fetch(&f, call, BL_F_HARULES | BL_F_NODES, NULL, 0);
	rules = bl_fact_need(&f, plan, BL_F_HARULES, "the HA rules");
	nodes = bl_fact(&f, BL_F_NODES);
	rule = by_key(rules, "rule", id);
	if (strcmp(eff->method, "POST") == 0)
		after = after_put(NULL, eff->params);
	else if (!del)
		after = after_put(rule, eff->params);
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK) {
		json_decref(after);
		bl_facts_free(&f);
		return r;
	}
	type = json_string_value(json_object_get(after ? after : rule, "type"));
	gone = del || bl_truthy(json_object_get(after, "disable"));
	members = bl_split(json_string_value(json_object_get(after && !del ? after : rule,
	    "resources")));
	snprintf(what, sizeof what, "HA rule %s", id ? id : "?");
	if (type && strcmp(type, "node-affinity") == 0) {
		set = node_names(json_string_value(json_object_get(after && !del ? after : rule,
		    "nodes")));
		if (gone) {
			json_array_foreach(members, i, m) {
				struct bl_guest *g = sid_guest(&c, json_string_value(m));

				if (g)
					bl_emit(plan, &t, grow(g, "low", "no longer held to the nodes of %s: "
					    "HA may place it on any node", what));
			}
		} else {
			placement(plan, &t, &c, members, set, bl_truthy(json_object_get(after, "strict")),
			    nodes, what);
		}
		json_decref(set);
	} else if (type && strcmp(type, "resource-affinity") == 0) {
		const char *aff = json_string_value(json_object_get(after && !del ? after : rule,
		    "affinity"));
		int negative = aff && strcmp(aff, "negative") == 0;
		json_t *seen = json_object();

		json_array_foreach(members, i, m) {
			struct bl_guest *g = sid_guest(&c, json_string_value(m));
			json_t *cnt;

			if (g == NULL)
				continue;
			if (gone) {
				bl_emit(plan, &t, grow(g, negative ? "medium" : "low", "%s", negative ?
				    "no longer kept apart from the rule's other members: a single node "
				    "failure may then take them down together" : "no longer kept together "
				    "with the rule's other members"));
				continue;
			}
			cnt = json_object_get(seen, g->node ? g->node : "?");
			json_object_set_new(seen, g->node ? g->node : "?", json_integer(cnt ?
			    json_integer_value(cnt) + 1 : 1));
		}
		if (!gone && negative) {
			json_array_foreach(members, i, m) {
				struct bl_guest *g = sid_guest(&c, json_string_value(m));

				if (g && json_integer_value(json_object_get(seen, g->node ? g->node : "?")) > 1)
					bl_emit(plan, &t, grow(g, "medium", "shares node %s with another member "
					    "of %s (negative affinity): HA will MIGRATE one of them", g->node ?
					    g->node : "?", what));
			}
		} else if (!gone && json_object_size(seen) > 1) {
			json_array_foreach(members, i, m) {
				struct bl_guest *g = sid_guest(&c, json_string_value(m));

				if (g)
					bl_emit(plan, &t, grow(g, "medium", "members of %s (positive affinity) "
					    "run on %zu different nodes: HA will MIGRATE them together", what,
					    json_object_size(seen)));
			}
		}
		json_decref(seen);
	}
	bl_tally_flush(plan, &t);
	bl_cluster_incomplete(plan, &c);
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu HA resource(s) would be stopped",
		    t.high);
	else if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "%zu running guest(s) would be moved "
		    "or lose a placement guarantee", t.medium);
	json_decref(members);
	json_decref(after);
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}

int
bl_ha_group(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *id = json_string_value(json_object_get(eff->vars, "group"));
	int del = strcmp(eff->method, "DELETE") == 0, r;
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *groups, *group, *ha, *nodes;
	json_t *after, *members = json_array(), *set, *res;
	char what[300];
	size_t i;

	(void)err;
	(void)payload;
	bl_facts_fetch(&f, call, BL_F_HAGROUPS | BL_F_HA | BL_F_NODES, NULL, 0);
	groups = bl_fact_need(&f, plan, BL_F_HAGROUPS, "the HA groups");
	ha = bl_fact_need(&f, plan, BL_F_HA, "the HA resources");
	nodes = bl_fact(&f, BL_F_NODES);
	group = by_key(groups, "group", id);
	after = del ? NULL : after_put(group, eff->params);
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK) {
		json_decref(after);
		json_decref(members);
		bl_facts_free(&f);
		return r;
	}
	json_array_foreach(ha, i, res)
		if (id && json_string_value(json_object_get(res, "group")) &&
		    strcmp(json_string_value(json_object_get(res, "group")), id) == 0)
			json_array_append(members, json_object_get(res, "sid"));
	snprintf(what, sizeof what, "HA group %s", id ? id : "?");
	if (del) {
		json_t *m;

		json_array_foreach(members, i, m) {
			struct bl_guest *g = sid_guest(&c, json_string_value(m));

			if (g)
				bl_emit(plan, &t, grow(g, "medium", "is in %s: the group is still "
				    "referenced, so Proxmox refuses the delete until the resource leaves it",
				    what));
		}
	} else {
		set = node_names(json_string_value(json_object_get(after, "nodes")));
		placement(plan, &t, &c, members, set, bl_truthy(json_object_get(after, "restricted")),
		    nodes, what);
		json_decref(set);
	}
	bl_tally_flush(plan, &t);
	bl_cluster_incomplete(plan, &c);
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "%zu HA resource(s) would be stopped",
		    t.high);
	else if (t.medium)
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "%zu running guest(s) would be moved",
		    t.medium);
	json_decref(after);
	json_decref(members);
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}

int
bl_ha_resource(struct pxm_error *err, struct pxm_call *call, const struct pxm_effect *eff,
    struct pxm_plan *plan, void *payload)
{
	const char *sid = json_string_value(json_object_get(eff->vars, "sid"));
	int del = strcmp(eff->method, "DELETE") == 0, r;
	struct bl_facts f;
	struct bl_cluster c;
	struct bl_tally t = { 0 };
	const json_t *rules;
	struct bl_guest *g;
	char state[32], full[64];
	json_t *rl;
	size_t i;

	(void)err;
	(void)payload;
	if (sid == NULL)
		sid = json_string_value(json_object_get(eff->params, "sid"));
	if (sid == NULL)
		return PXM_E_DECLINED;
	/* "100" is accepted for "vm:100" */
	snprintf(full, sizeof full, "%s%s", strchr(sid, ':') ? "" : "vm:", sid);
	bl_param(state, sizeof state, eff->params, "state");
	bl_facts_fetch(&f, call, BL_F_HARULES, NULL, 0);
	rules = bl_fact(&f, BL_F_HARULES);
	if ((r = bl_cluster_load(&c, call, 0, NULL)) != PXM_OK) {
		bl_facts_free(&f);
		return r;
	}
	g = sid_guest(&c, full);
	if (g && del) {
		bl_emit(plan, &t, grow(g, "medium", "no longer HA-managed: after a node failure it is "
		    "NOT restarted or recovered elsewhere"));
		json_array_foreach(rules, i, rl)
			if (bl_list_has(json_string_value(json_object_get(rl, "resources")), full))
				pve_host->plan_add_blast(plan, "HA rule %s names %s: Proxmox removes it from "
				    "the rule (or refuses while it is referenced)",
				    json_string_value(json_object_get(rl, "rule")) ?
				    json_string_value(json_object_get(rl, "rule")) : "?", full);
	} else if (g && (strcmp(state, "stopped") == 0 || strcmp(state, "disabled") == 0)) {
		bl_emit(plan, &t, grow(g, g->running ? "high" : "low", "HA state %s: the HA stack "
		    "%s it%s", state, g->running ? "STOPS" : "keeps", g->running ? " (it is running "
		    "now)" : " stopped"));
	} else if (g && strcmp(state, "ignored") == 0) {
		bl_emit(plan, &t, grow(g, "medium", "HA state ignored: HA stops managing it (no "
		    "recovery after a node failure until the state changes)"));
	} else if (g && strcmp(state, "started") == 0 && !g->running) {
		bl_emit(plan, &t, grow(g, "medium", "HA state started: the HA stack STARTS it"));
	} else if (g == NULL && c.listed) {
		pve_host->plan_add_blast(plan, "%s names no guest of the cluster", full);
	}
	bl_tally_flush(plan, &t);
	bl_cluster_incomplete(plan, &c);
	if (t.high)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "a running guest is stopped by HA");
	if (strcmp(eff->method, "POST") == 0 && strcmp(state, "stopped") == 0)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "an HA resource added with "
		    "state=stopped: the HA stack enforces it stopped from now on");
	bl_cluster_free(&c);
	bl_facts_free(&f);
	return PXM_OK;
}
