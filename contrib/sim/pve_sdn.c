/**
 * @file pve_sdn.c
 * @brief proximo-sim: SDN's pending configuration.
 *
 * PVE edits the SDN configuration (zones, vnets, subnets) at once, but
 * nothing changes on the nodes until PUT /cluster/sdn applies it; the lists
 * show the difference with pending=1 (state new, changed or deleted) and
 * the applied configuration with running=1.  Here the configuration is the
 * generic engine's collections and the applied copy is
 * state.pve.sdn_running, taken from the profile on first use and replaced
 * when the apply task finishes.  Subnets are keyed like PVE's:
 * "<zone>-<network>-<mask>" ("lab-10.10.0.0-24").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "pve.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define SUBNETS_PREFIX	"/cluster/sdn/vnets/"
#define SUBNETS_SUFFIX	"/subnets"

static json_t *
config(struct sim *s)
{
	return sim_obj(json_object_get(s->state, "pve"), "config");
}

/* {"zones": {...}, "vnets": {...}, "subnets": {vnet: {...}}} as configured now (new). */
static json_t *
current(struct sim *s)
{
	json_t *cfg = config(s), *out, *subs = json_object(), *v;
	const char *k;
	size_t pl = strlen(SUBNETS_PREFIX), sl = strlen(SUBNETS_SUFFIX), n;

	out = json_pack("{s:O, s:O, s:o}", "zones", sim_obj(cfg, "/cluster/sdn/zones"),
	    "vnets", sim_obj(cfg, "/cluster/sdn/vnets"), "subnets", subs);
	json_object_foreach(cfg, k, v) {
		n = strlen(k);
		if (n > pl + sl && strncmp(k, SUBNETS_PREFIX, pl) == 0 &&
		    strcmp(k + n - sl, SUBNETS_SUFFIX) == 0 && json_object_size(v) > 0) {
			char vnet[128];

			snprintf(vnet, sizeof vnet, "%.*s", (int)(n - pl - sl), k + pl);
			json_object_set(subs, vnet, v);
		}
	}
	return out;
}

/* The applied configuration; the profile's counts as applied. */
static json_t *
running(struct sim *s)
{
	json_t *pve = json_object_get(s->state, "pve"), *r = json_object_get(pve, "sdn_running");

	if (!json_is_object(r)) {
		json_t *cur = current(s);

		r = json_deep_copy(cur);
		json_decref(cur);
		json_object_set_new(pve, "sdn_running", r);
	}
	return r;
}

/* A list in PVE's three views: configured (default), applied (running=1),
 * or configured with its state against the applied one (pending=1). */
static json_t *
render(json_t *cur, json_t *run, const char *type, int pending, int want_running)
{
	json_t *out = json_array(), *v, *r, *e;
	const char *k;

	if (want_running) {
		json_object_foreach(run, k, v) {
			const char *t = json_string_value(json_object_get(v, "type"));

			if (type == NULL || (t && strcmp(t, type) == 0))
				json_array_append_new(out, json_deep_copy(v));
		}
		return out;
	}
	json_object_foreach(cur, k, v) {
		const char *t = json_string_value(json_object_get(v, "type"));

		if (type && (t == NULL || strcmp(t, type) != 0))
			continue;
		e = json_deep_copy(v);
		if (pending) {
			r = json_object_get(run, k);
			if (r == NULL)
				json_object_set_new(e, "state", json_string("new"));
			else if (!json_equal(r, v))
				json_object_set_new(e, "state", json_string("changed"));
		}
		json_array_append_new(out, e);
	}
	if (pending)
		json_object_foreach(run, k, v)
			if (json_object_get(cur, k) == NULL) {
				e = json_deep_copy(v);
				json_object_set_new(e, "state", json_string("deleted"));
				json_array_append_new(out, e);
			}
	return out;
}

static void
h_zones(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *run = running(rq->sim), *cur = current(rq->sim);

	sim_ok(rs, render(json_object_get(cur, "zones"), json_object_get(run, "zones"),
	    sim_param_str(rq, "type"), sim_param_bool(rq, "pending", 0),
	    sim_param_bool(rq, "running", 0)));
	json_decref(cur);
}

static void
h_vnets(struct sim_req *rq, struct sim_resp *rs)
{
	json_t *run = running(rq->sim), *cur = current(rq->sim);

	sim_ok(rs, render(json_object_get(cur, "vnets"), json_object_get(run, "vnets"), NULL,
	    sim_param_bool(rq, "pending", 0), sim_param_bool(rq, "running", 0)));
	json_decref(cur);
}

static void
h_subnets(struct sim_req *rq, struct sim_resp *rs)
{
	const char *vnet = sim_param_str(rq, "vnet");
	json_t *run = running(rq->sim), *cur = current(rq->sim);

	sim_ok(rs, render(json_object_get(json_object_get(cur, "subnets"), vnet),
	    json_object_get(json_object_get(run, "subnets"), vnet), NULL,
	    sim_param_bool(rq, "pending", 0), sim_param_bool(rq, "running", 0)));
	json_decref(cur);
}

/* Configuration changes: the applied copy is taken before the first one. */
static void
h_change(struct sim_req *rq, struct sim_resp *rs)
{
	running(rq->sim);
	sim_generic(rq, rs);
}

static void
h_subnet_create(struct sim_req *rq, struct sim_resp *rs)
{
	const char *vnet = sim_param_str(rq, "vnet"), *cidr = sim_param_str(rq, "subnet");
	json_t *vn = json_object_get(sim_obj(config(rq->sim), "/cluster/sdn/vnets"), vnet);
	const char *zone = json_string_value(json_object_get(vn, "zone")), *slash, *k;
	json_t *store, *item, *v;
	char id[256], coll[256];

	running(rq->sim);
	if (vn == NULL) {
		sim_err(rs, 500, "vnet '%s' does not exist\n", vnet);
		return;
	}
	if ((slash = strchr(cidr, '/')) == NULL || slash == cidr) {
		sim_err(rs, 400, "Parameter verification failed.\n");
		rs->errors = json_pack("{s:s}", "subnet", "invalid format - value does not look like "
		    "a valid CIDR network");
		return;
	}
	snprintf(id, sizeof id, "%s-%.*s-%s", zone ? zone : "zone", (int)(slash - cidr), cidr,
	    slash + 1);
	snprintf(coll, sizeof coll, SUBNETS_PREFIX "%s" SUBNETS_SUFFIX, vnet);
	store = st_store(rq->sim, SIM_PVE, coll);
	if (json_object_get(store, id)) {
		sim_err(rs, 500, "create sdn subnet object failed: subnet '%s' already defined\n", id);
		return;
	}
	item = json_pack("{s:s, s:s, s:s%, s:s, s:s, s:s}", "subnet", id, "cidr", cidr,
	    "network", cidr, (int)(slash - cidr), "mask", slash + 1, "zone", zone ? zone : "",
	    "vnet", vnet);
	json_object_foreach(rq->params, k, v)
		if (strcmp(k, "subnet") && strcmp(k, "vnet") && strcmp(k, "lock-token"))
			json_object_set_new(item, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	json_object_set_new(store, id, item);
	sim_ok(rs, json_null());
}

static void
fx_apply(struct sim *s, json_t *task, json_t *args, int ok)
{
	json_t *cur;

	(void)task;
	(void)args;
	if (!ok)
		return;
	cur = current(s);
	json_object_set_new(json_object_get(s->state, "pve"), "sdn_running", json_deep_copy(cur));
	json_decref(cur);
}

static void
h_apply(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node = json_object_iter_key(json_object_iter(json_object_get(
	    json_object_get(rq->sim->state, "pve"), "nodes")));
	json_t *task;

	running(rq->sim);
	task = sim_task_start(rq, node ? node : "localhost", "reloadnetworkall", "");
	sim_task_log(task, "reload SDN configuration on every node");
	sim_task_set_fx(task, "pve_sdn_apply", json_object());
	sim_ok(rs, json_string(sim_task_upid(task)));
}

void
pve_sdn_register_fx(void)
{
	sim_task_register_fx("pve_sdn_apply", fx_apply);
}

void
pve_sdn_register(struct sim_schema *sc)
{
	sim_bind(sc, "GET", "/cluster/sdn/zones", h_zones);
	sim_bind(sc, "POST", "/cluster/sdn/zones", h_change);
	sim_bind(sc, "PUT", "/cluster/sdn/zones/{zone}", h_change);
	sim_bind(sc, "DELETE", "/cluster/sdn/zones/{zone}", h_change);
	sim_bind(sc, "GET", "/cluster/sdn/vnets", h_vnets);
	sim_bind(sc, "POST", "/cluster/sdn/vnets", h_change);
	sim_bind(sc, "PUT", "/cluster/sdn/vnets/{vnet}", h_change);
	sim_bind(sc, "DELETE", "/cluster/sdn/vnets/{vnet}", h_change);
	sim_bind(sc, "GET", "/cluster/sdn/vnets/{vnet}/subnets", h_subnets);
	sim_bind(sc, "POST", "/cluster/sdn/vnets/{vnet}/subnets", h_subnet_create);
	sim_bind(sc, "PUT", "/cluster/sdn/vnets/{vnet}/subnets/{subnet}", h_change);
	sim_bind(sc, "DELETE", "/cluster/sdn/vnets/{vnet}/subnets/{subnet}", h_change);
	sim_bind(sc, "PUT", "/cluster/sdn", h_apply);
}
