/**
 * @file blast_gather.c
 * @brief The reads behind blast-radius plans: batches of GETs run in
 *        parallel over the endpoint's connection pool, and the cluster's
 *        guests with their configs.  Nothing here fails for a failed read:
 *        each request carries its data or why it has none, and callers
 *        turn missing data into an honest "incomplete".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "pve.h"

/* Requests handed to the transport at once: bounded so that a 10,000-guest
 * cluster does not hold 10,000 transfers, large enough to keep every
 * connection of the pool (PROXIMO_HTTP_PARALLEL, at most 64) busy. */
#define BATCH	512

void
bl_req_path(struct bl_req *r, const char *pattern, const json_t *vars)
{
	struct pxm_error err;

	memset(&err, 0, sizeof err);
	r->error[0] = '\0';
	if (pve_host->path_expand(r->path, sizeof r->path, &err, pattern, vars) != PXM_OK) {
		r->path[0] = '\0';
		bl_copy(r->error, sizeof r->error, err.text[0] ? err.text :
		    "the path could not be built");
	}
}

void
bl_req_pathf(struct bl_req *r, const char *pattern, const char *fmt, ...)
{
	json_error_t je;
	va_list ap;
	json_t *vars;

	va_start(ap, fmt);
	vars = json_vpack_ex(&je, 0, fmt, ap);
	va_end(ap);
	if (vars == NULL) {
		r->path[0] = '\0';
		snprintf(r->error, sizeof r->error, "internal: bad path variables (%s)", je.text);
		return;
	}
	bl_req_path(r, pattern, vars);
	json_decref(vars);
}

size_t
bl_fetch(struct pxm_call *call, struct bl_req *reqs, size_t n)
{
	struct pxm_http_request *q = NULL;
	struct pxm_http_response *a = NULL;
	struct pxm_error *e = NULL;
	size_t *map = NULL, cap = n < BATCH ? n : BATCH, i, k, m, failed = 0;

	if (n == 0)
		return 0;
	q = calloc(cap, sizeof *q);
	a = calloc(cap, sizeof *a);
	e = calloc(cap, sizeof *e);
	map = calloc(cap, sizeof *map);
	for (i = 0; i < n; i += k) {
		/* Collect up to a batch of requests that have a path. */
		for (m = 0, k = 0; i + k < n && m < cap; k++) {
			struct bl_req *r = &reqs[i + k];

			json_decref(r->data);
			r->data = NULL;
			r->status = 0;
			if (q == NULL || a == NULL || e == NULL || map == NULL) {
				snprintf(r->error, sizeof r->error, "out of memory");
				continue;
			}
			if (r->path[0] == '\0') {
				if (r->error[0] == '\0')
					snprintf(r->error, sizeof r->error, "no path");
				continue;
			}
			r->error[0] = '\0';
			memset(&q[m], 0, sizeof q[m]);
			q[m].size = sizeof q[m];
			q[m].method = "GET";
			q[m].path = r->path;
			q[m].params = r->params;
			q[m].flags = r->flags;
			q[m].timeout_ms = r->timeout_ms;
			map[m++] = i + k;
		}
		if (m == 0)
			continue;
		if (pve_host->call_cancelled(call)) {
			while (m-- > 0)
				snprintf(reqs[map[m]].error, sizeof reqs[map[m]].error,
				    "the request was cancelled");
			continue;
		}
		memset(a, 0, m * sizeof *a);
		memset(e, 0, m * sizeof *e);
		(void)pve_host->http_request_many(a, e, call, pve_ep, q, m);
		while (m-- > 0) {
			struct bl_req *r = &reqs[map[m]];

			r->status = a[m].status;
			if (e[m].code == PXM_OK && a[m].status >= 200 && a[m].status < 300) {
				r->data = a[m].data ? a[m].data : json_null();
				a[m].data = NULL;
			} else {
				bl_copy(r->error, sizeof r->error, e[m].text[0] ? e[m].text :
				    a[m].message[0] ? a[m].message : "no answer");
			}
			pve_host->http_response_clear(&a[m]);
		}
	}
	free(q);
	free(a);
	free(e);
	free(map);
	for (i = 0; i < n; i++)
		if (reqs[i].data == NULL)
			failed++;
	return failed;
}

json_t *
bl_get1(struct pxm_call *call, char *why, size_t whysz, const char *pattern, const char *fmt, ...)
{
	struct bl_req r;
	json_error_t je;
	json_t *vars, *data;
	va_list ap;

	memset(&r, 0, sizeof r);
	va_start(ap, fmt);
	vars = fmt ? json_vpack_ex(&je, 0, fmt, ap) : json_object();
	va_end(ap);
	bl_req_path(&r, pattern, vars);
	json_decref(vars);
	bl_fetch(call, &r, 1);
	data = r.data;
	r.data = NULL;
	if (data == NULL && why)
		bl_copy(why, whysz, r.error);
	bl_req_free(&r, 1);
	return data;
}

void
bl_req_free(struct bl_req *reqs, size_t n)
{
	size_t i;

	for (i = 0; reqs && i < n; i++) {
		json_decref(reqs[i].data);
		json_decref(reqs[i].params);
		reqs[i].data = NULL;
		reqs[i].params = NULL;
	}
}

/* ------------------------------------------------------------ facts */

static const char *const fact_paths[BL_F_COUNT] = {
	"/cluster/ha/resources", "/cluster/ha/rules", "/cluster/ha/groups",
	"/cluster/replication", "/cluster/backup", "/storage", "/cluster/resources",
	"/access/acl", "/pools",
};

static int
fact_index(unsigned which)
{
	int i;

	for (i = 0; i < BL_F_COUNT; i++)
		if (which == (1u << i))
			return i;
	return -1;
}

void
bl_facts_fetch(struct bl_facts *f, struct pxm_call *call, unsigned want, struct bl_req *extra,
    size_t nextra)
{
	struct bl_req *all;
	size_t n = 0, i;
	int map[BL_F_COUNT];

	memset(f, 0, sizeof *f);
	f->want = want;
	if ((all = calloc(BL_F_COUNT + nextra + 1, sizeof *all)) == NULL) {
		for (i = 0; i < BL_F_COUNT; i++)
			snprintf(f->r[i].error, sizeof f->r[i].error, "out of memory");
		for (i = 0; i < nextra; i++)
			snprintf(extra[i].error, sizeof extra[i].error, "out of memory");
		return;
	}
	for (i = 0; i < BL_F_COUNT; i++) {
		map[i] = -1;
		if (!(want & (1u << i)))
			continue;
		bl_req_path(&all[n], fact_paths[i], NULL);
		if ((1u << i) == BL_F_NODES)
			all[n].params = json_pack("{s:s}", "type", "node");
		map[i] = (int)n++;
	}
	for (i = 0; i < nextra; i++)
		all[n + i] = extra[i];
	bl_fetch(call, all, n + nextra);
	for (i = 0; i < BL_F_COUNT; i++)
		if (map[i] >= 0)
			f->r[i] = all[map[i]];
	for (i = 0; i < nextra; i++)
		extra[i] = all[n + i];
	free(all);
}

const json_t *
bl_fact(const struct bl_facts *f, unsigned which)
{
	int i = fact_index(which);

	return i < 0 ? NULL : f->r[i].data;
}

const json_t *
bl_need(struct pxm_plan *plan, const struct bl_req *r, const char *what)
{
	if (r->data == NULL)
		pve_host->plan_set_incomplete(plan, "could not read %s (GET %s): %s — its part of "
		    "the blast radius is unknown", what, r->path[0] ? r->path : "?", r->error);
	return r->data;
}

const json_t *
bl_fact_need(const struct bl_facts *f, struct pxm_plan *plan, unsigned which, const char *what)
{
	int i = fact_index(which);

	if (i < 0)
		return NULL;
	return bl_need(plan, &f->r[i], what);
}

void
bl_facts_free(struct bl_facts *f)
{
	bl_req_free(f->r, BL_F_COUNT);
}

/* ------------------------------------------------------------ guests */

static int
cmp_vmid(const void *a, const void *b)
{
	const struct bl_guest *x = a, *y = b;

	return x->vmid < y->vmid ? -1 : x->vmid > y->vmid;
}

int
bl_cluster_load(struct bl_cluster *c, struct pxm_call *call, int configs, const char *only_node)
{
	struct bl_req *reqs = NULL, lr;
	size_t i, n = 0, *idx = NULL;
	json_t *row;

	memset(c, 0, sizeof *c);
	memset(&lr, 0, sizeof lr);
	c->configs = configs;
	bl_req_path(&lr, "/cluster/resources", NULL);
	lr.params = json_pack("{s:s}", "type", "vm");
	bl_fetch(call, &lr, 1);
	if (!json_is_array(lr.data)) {
		snprintf(c->list_error, sizeof c->list_error, "GET /cluster/resources?type=vm: %.280s",
		    lr.data ? "the answer is not a list" : lr.error);
		bl_req_free(&lr, 1);
		return PXM_OK;
	}
	c->rows = lr.data;
	lr.data = NULL;
	bl_req_free(&lr, 1);
	c->listed = 1;
	if ((c->g = calloc(json_array_size(c->rows) + 1, sizeof *c->g)) == NULL)
		return PXM_E_NOMEM;
	json_array_foreach(c->rows, i, row) {
		struct bl_guest *g = &c->g[c->n];
		const char *type = json_string_value(json_object_get(row, "type"));

		if (type == NULL || (strcmp(type, "qemu") != 0 && strcmp(type, "lxc") != 0))
			continue;
		if (!json_is_integer(json_object_get(row, "vmid")))
			continue;
		g->vmid = json_integer_value(json_object_get(row, "vmid"));
		snprintf(g->kind, sizeof g->kind, "%s", type);
		g->node = json_string_value(json_object_get(row, "node"));
		g->name = json_string_value(json_object_get(row, "name"));
		g->status = json_string_value(json_object_get(row, "status"));
		g->pool = json_string_value(json_object_get(row, "pool"));
		g->hastate = json_string_value(json_object_get(row, "hastate"));
		g->template = bl_truthy(json_object_get(row, "template"));
		g->running = g->status && strcmp(g->status, "running") == 0;
		c->n++;
	}
	qsort(c->g, c->n, sizeof *c->g, cmp_vmid);
	if (!configs || c->n == 0)
		return PXM_OK;
	if ((reqs = calloc(c->n, sizeof *reqs)) == NULL || (idx = calloc(c->n, sizeof *idx)) == NULL) {
		free(reqs);
		return PXM_E_NOMEM;
	}
	for (i = 0; i < c->n; i++) {
		struct bl_guest *g = &c->g[i];

		if (only_node && (g->node == NULL || strcmp(g->node, only_node) != 0))
			continue;
		if (g->node == NULL) {
			snprintf(g->cfg_error, sizeof g->cfg_error, "no node in /cluster/resources");
			c->unreadable++;
			continue;
		}
		bl_req_pathf(&reqs[n], "/nodes/{node}/{kind}/{vmid}/config", "{s:s, s:s, s:I}",
		    "node", g->node, "kind", g->kind, "vmid", g->vmid);
		idx[n++] = i;
	}
	bl_fetch(call, reqs, n);
	for (i = 0; i < n; i++) {
		struct bl_guest *g = &c->g[idx[i]];

		if (json_is_object(reqs[i].data)) {
			g->config = reqs[i].data;
			reqs[i].data = NULL;
			/* resources rows of templates may lack the flag */
			if (bl_truthy(json_object_get(g->config, "template")))
				g->template = 1;
			if (g->name == NULL)
				g->name = json_string_value(json_object_get(g->config,
				    strcmp(g->kind, "lxc") == 0 ? "hostname" : "name"));
		} else {
			bl_copy(g->cfg_error, sizeof g->cfg_error, reqs[i].data ?
			    "the config is not an object" : reqs[i].error);
			c->unreadable++;
		}
	}
	bl_req_free(reqs, n);
	free(reqs);
	free(idx);
	return PXM_OK;
}

void
bl_cluster_free(struct bl_cluster *c)
{
	size_t i;

	for (i = 0; c->g && i < c->n; i++)
		json_decref(c->g[i].config);
	free(c->g);
	json_decref(c->rows);
	memset(c, 0, sizeof *c);
}

int
bl_cluster_complete(const struct bl_cluster *c)
{
	return c->listed && c->unreadable == 0;
}

int
bl_cluster_incomplete(struct pxm_plan *plan, const struct bl_cluster *c)
{
	size_t i, shown = 0;
	char ref[32];

	if (!c->listed) {
		pve_host->plan_set_incomplete(plan, "⚠ INCOMPLETE: could not enumerate the guests "
		    "cluster-wide (%s) — do NOT treat this list as exhaustive; absence of a guest "
		    "here is not proof it is safe", c->list_error);
		return 1;
	}
	if (c->unreadable == 0)
		return 0;
	pve_host->plan_set_incomplete(plan, "⚠ INCOMPLETE: could not enumerate %zu of %zu guests "
	    "cluster-wide — do NOT treat this list as exhaustive; absence of a guest here is not "
	    "proof it is safe", c->unreadable, c->n);
	/* Name the first few, so the operator can look at them by hand. */
	for (i = 0; i < c->n && shown < 5; i++) {
		if (c->g[i].config != NULL || c->g[i].cfg_error[0] == '\0')
			continue;
		pve_host->plan_add_blast(plan, "could not read the config of %s on %s: %s",
		    bl_guest_ref(ref, sizeof ref, &c->g[i]), c->g[i].node ? c->g[i].node : "?",
		    c->g[i].cfg_error);
		shown++;
	}
	return 1;
}

struct bl_guest *
bl_cluster_find(const struct bl_cluster *c, json_int_t vmid)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->g[mid].vmid == vmid)
			return &c->g[mid];
		if (c->g[mid].vmid < vmid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
bl_guest_ref(char *buf, size_t size, const struct bl_guest *g)
{
	snprintf(buf, size, "%s/%lld", g->kind, (long long)g->vmid);
	return buf;
}

json_t *
bl_guest_row(const struct bl_guest *g)
{
	char ref[32];
	json_t *row;

	row = json_pack("{s:s, s:I}", "resource", bl_guest_ref(ref, sizeof ref, g), "vmid", g->vmid);
	if (g->name)
		json_object_set_new(row, "name", json_string(g->name));
	if (g->node)
		json_object_set_new(row, "node", json_string(g->node));
	return row;
}

int
bl_backup_selects(const json_t *job, const struct bl_guest *g)
{
	const char *node = json_string_value(json_object_get(job, "node"));
	const char *pool = json_string_value(json_object_get(job, "pool"));
	char id[32];
	const char *pg;

	if (node && g->node && strcmp(node, g->node) != 0)
		return 0;
	snprintf(id, sizeof id, "%lld", (long long)g->vmid);
	if (bl_truthy(json_object_get(job, "all")))
		return !bl_list_has(json_string_value(json_object_get(job, "exclude")), id);
	if (pool) {
		pg = g->pool;
		return pg && strcmp(pg, pool) == 0;
	}
	return bl_list_has(json_string_value(json_object_get(job, "vmid")), id);
}

const char *
bl_ha_sid(char *buf, size_t size, const struct bl_guest *g)
{
	snprintf(buf, size, "%s:%lld", strcmp(g->kind, "lxc") == 0 ? "ct" : "vm", (long long)g->vmid);
	return buf;
}
