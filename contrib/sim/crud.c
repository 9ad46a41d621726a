/**
 * @file crud.c
 * @brief proximo-sim: the generic schema-driven engine.
 *
 * Most of the three APIs are configuration collections (users, groups,
 * firewall aliases and rules, SDN objects, HA rules, backup and replication
 * jobs, notification endpoints, PBS remotes and jobs, PMG domains and
 * transports...).  schema.c classifies every operation; this engine serves
 * them from state.<product>.config["<collection path>"]:
 *
 * - collection GET lists the items, POST creates one keyed by the item
 *   path's parameter (or the next free number when the call has none);
 * - item GET/PUT/DELETE read, update ("delete" lists keys to remove,
 *   "digest" must match) and remove;
 * - positional collections ({pos}: firewall rules) keep array order;
 * - singletons (GET+PUT on one path) hold one object;
 * - anything else answers the shape its "returns" schema describes, and
 *   asynchronous calls start a task.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "schema.h"
#include "state.h"
#include "tasks.h"

#define DIGEST_MISMATCH "detected modified configuration - file changed by other user? Try again.\n"

/* Template with path parameters filled in; drop the last segment when
 * parent is set. */
static char *
instantiate(const struct sim_req *rq, const char *tmpl, int parent)
{
	char out[2048], name[128];
	const char *p = tmpl, *e, *end = tmpl + strlen(tmpl);
	size_t o = 0, n;

	if (parent) {
		const char *slash = strrchr(tmpl, '/');
		if (slash)
			end = slash;
	}
	while (p < end && o < sizeof out - 1) {
		if (*p == '{' && (e = strchr(p, '}')) != NULL && e < end &&
		    (n = (size_t)(e - p - 1)) < sizeof name) {
			const char *v;
			memcpy(name, p + 1, n);
			name[n] = '\0';
			v = json_string_value(json_object_get(rq->pathp, name));
			o += (size_t)snprintf(out + o, sizeof out - o, "%s", v ? v : "");
			if (o >= sizeof out)
				o = sizeof out - 1;
			p = e + 1;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return strdup(o ? out : "/");
}

char *
sim_collection_path(const struct sim_req *rq)
{
	return instantiate(rq, rq->op->path, rq->op->kind == SIM_OP_ITEM);
}

static const char *
last_literal(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Parameters that become item properties. */
static json_t *
item_props(const struct sim_req *rq, int keep_id)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach(rq->params, k, v) {
		if (strcmp(k, "digest") == 0 || strcmp(k, "delete") == 0)
			continue;
		if (json_object_get(rq->pathp, k) && !(keep_id && rq->op->idparam &&
		    strcmp(k, rq->op->idparam) == 0))
			continue;
		json_object_set_new(out, k, sim_schema_typed(sim_schema_param(rq->op, k), v));
	}
	return out;
}

/* The collection's name: the last literal segment of the template
 * ("/cluster/backup/{id}" -> "backup"). */
static void
coll_name(char *out, size_t n, const char *tmpl)
{
	const char *end = tmpl + strlen(tmpl), *seg;

	out[0] = '\0';
	while (end > tmpl) {
		seg = end;
		while (seg > tmpl && seg[-1] != '/')
			seg--;
		if (*seg != '{' && end > seg) {
			snprintf(out, n, "%.*s", (int)(end - seg), seg);
			return;
		}
		end = seg > tmpl ? seg - 1 : tmpl;
	}
}

static void
not_found(struct sim_req *rq, struct sim_resp *rs, const char *coll, const char *id)
{
	char name[128];

	(void)coll;
	coll_name(name, sizeof name, rq->op->path);
	if (rq->surf == SIM_PBS)
		sim_err(rs, 404, "%s '%s' does not exist.", name, id);
	else
		sim_err(rs, 500, "%s '%s' does not exist\n", name, id);
}

static void
coll_digest(char out[65], json_t *store, enum sim_surface surf)
{
	char d[65];

	st_json_digest(d, store);
	/* PVE/PMG hand out SHA-1 sized digests, PBS SHA-256. */
	snprintf(out, 65, "%.*s", surf == SIM_PBS ? 64 : 40, d);
}

static int
digest_ok(struct sim_req *rq, struct sim_resp *rs, json_t *store)
{
	const char *want = sim_param_str(rq, "digest");
	char have[65];

	if (want == NULL || *want == '\0')
		return 1;
	coll_digest(have, store, rq->surf);
	if (strcmp(want, have) == 0)
		return 1;
	sim_err(rs, rq->surf == SIM_PBS ? 400 : 500, "%s", DIGEST_MISMATCH);
	return 0;
}

/* "delete=a,b" (PVE) or delete=[a, b] (PBS) removes keys. */
static void
apply_delete(struct sim_req *rq, json_t *item)
{
	json_t *d = json_object_get(rq->params, "delete"), *list, *v;
	size_t i;

	if (d == NULL)
		return;
	list = json_is_array(d) ? json_incref(d) : sim_split_list(json_string_value(d));
	json_array_foreach(list, i, v)
		if (json_is_string(v))
			json_object_del(item, json_string_value(v));
	json_decref(list);
}

static json_t *
answer_for_create(struct sim_req *rq, const char *id, json_t *item)
{
	const char *t = json_string_value(json_object_get(rq->op->returns, "type"));

	if (t == NULL || strcmp(t, "null") == 0)
		return json_null();
	if (strcmp(t, "string") == 0)
		return json_string(id);
	if (strcmp(t, "integer") == 0)
		return json_integer(atoll(id));
	if (strcmp(t, "object") == 0)
		return json_deep_copy(item);
	return json_null();
}

static void
start_generic_task(struct sim_req *rq, struct sim_resp *rs)
{
	const char *name = json_string_value(json_object_get(rq->op->def, "name"));
	const char *node = sim_param_str(rq, "node");
	char type[64], id[256];
	size_t i, o = 0;
	const char *k;
	json_t *v, *task;

	/* Task type: the method name without underscores ("aptupdate"-like). */
	for (i = 0; name && name[i] && o < sizeof type - 1; i++)
		if (name[i] != '_')
			type[o++] = name[i];
	type[o] = '\0';
	if (o == 0)
		snprintf(type, sizeof type, "%s", last_literal(rq->op->path));
	id[0] = '\0';
	json_object_foreach(rq->pathp, k, v)
		if (strcmp(k, "node") != 0)
			snprintf(id, sizeof id, "%s", json_string_value(v));
	if (node == NULL || strcmp(node, "localhost") == 0) {
		json_t *nodes;
		const char *first = NULL;
		if (rq->surf == SIM_PVE) {
			nodes = json_object_get(st_surf(rq->sim, SIM_PVE), "nodes");
			first = json_object_iter_key(json_object_iter(nodes));
		} else {
			first = json_string_value(json_object_get(st_surf(rq->sim, rq->surf), "node"));
		}
		node = first ? first : "localhost";
	}
	task = sim_task_start(rq, node, type, id);
	sim_ok(rs, json_string(sim_task_upid(task)));
}

static void
positional(struct sim_req *rq, struct sim_resp *rs, char *coll)
{
	json_t *store = st_single(rq->sim, rq->surf, coll);
	json_t *list = sim_arr(store, "list"), *item, *v;
	long long pos = 0, moveto;
	size_t i, n = json_array_size(list);

	if (rq->op->kind == SIM_OP_COLLECTION && strcmp(rq->method, "GET") == 0) {
		json_t *out = json_array();
		json_array_foreach(list, i, v) {
			item = json_deep_copy(v);
			json_object_set_new(item, "pos", json_integer((json_int_t)i));
			json_array_append_new(out, item);
		}
		sim_ok(rs, out);
		return;
	}
	if (!digest_ok(rq, rs, store))
		return;
	if (rq->op->kind == SIM_OP_COLLECTION) {
		item = item_props(rq, 0);
		if (!sim_param_int(rq, "pos", &pos) || pos < 0 || (size_t)pos > n)
			pos = 0;	/* PVE inserts new rules at the top */
		json_object_del(item, "pos");
		json_array_insert_new(list, (size_t)pos, item);
		sim_ok(rs, json_null());
		return;
	}
	if (!sim_param_int(rq, "pos", &pos) || pos < 0 || (size_t)pos >= n) {
		if (rq->surf == SIM_PBS)
			sim_err(rs, 404, "no rule at position %lld", pos);
		else
			sim_err(rs, 500, "no rule at position %lld\n", pos);
		return;
	}
	item = json_array_get(list, (size_t)pos);
	if (strcmp(rq->method, "GET") == 0) {
		json_t *out = json_deep_copy(item);
		json_object_set_new(out, "pos", json_integer(pos));
		sim_ok(rs, out);
	} else if (strcmp(rq->method, "DELETE") == 0) {
		json_array_remove(list, (size_t)pos);
		sim_ok(rs, json_null());
	} else {
		if (sim_param_int(rq, "moveto", &moveto)) {
			json_t *keep = json_incref(item);
			json_array_remove(list, (size_t)pos);
			if (moveto > (long long)json_array_size(list))
				moveto = (long long)json_array_size(list);
			if (moveto < 0)
				moveto = 0;
			json_array_insert_new(list, (size_t)moveto, keep);
			sim_ok(rs, json_null());
			return;
		}
		v = item_props(rq, 0);
		json_object_del(v, "pos");
		json_object_update(item, v);
		json_decref(v);
		apply_delete(rq, item);
		sim_ok(rs, json_null());
	}
}

void
sim_generic(struct sim_req *rq, struct sim_resp *rs)
{
	const struct sim_op *op = rq->op;
	char *coll = NULL, d[65], idbuf[32];
	const char *id;
	json_t *store, *item, *out, *v;
	const char *k;

	if (op->idparam && strcmp(op->idparam, "pos") == 0 &&
	    (op->kind == SIM_OP_COLLECTION || op->kind == SIM_OP_ITEM)) {
		coll = sim_collection_path(rq);
		positional(rq, rs, coll);
		free(coll);
		return;
	}
	switch (op->kind) {
	case SIM_OP_COLLECTION:
		coll = sim_collection_path(rq);
		store = st_store(rq->sim, rq->surf, coll);
		if (strcmp(rq->method, "GET") == 0) {
			const char *rt = json_string_value(json_object_get(op->returns, "type"));
			if (rt && strcmp(rt, "array") != 0) {
				/* e.g. ceph/osd: a tree object, not a list */
				sim_ok(rs, sim_schema_default(op->returns));
				break;
			}
			out = json_array();
			json_object_foreach(store, k, v)
				json_array_append_new(out, json_deep_copy(v));
			sim_ok(rs, out);
			break;
		}
		id = op->idparam ? sim_param_str(rq, op->idparam) : NULL;
		if (id == NULL) {
			long long n = (long long)json_object_size(store) + 1;
			do {
				snprintf(idbuf, sizeof idbuf, "%lld", n++);
			} while (json_object_get(store, idbuf));
			id = idbuf;
		}
		if (json_object_get(store, id)) {
			char name[128];
			coll_name(name, sizeof name, op->path);
			if (rq->surf == SIM_PBS)
				sim_err(rs, 400, "%s '%s' already exists.", name, id);
			else
				sim_err(rs, 500, "%s '%s' already exists\n", name, id);
			break;
		}
		item = item_props(rq, 1);
		if (op->idparam)
			json_object_set_new(item, op->idparam, json_string(id));
		json_object_set_new(store, id, item);
		if (op->async)
			start_generic_task(rq, rs);
		else
			sim_ok(rs, answer_for_create(rq, id, item));
		break;
	case SIM_OP_ITEM:
		coll = sim_collection_path(rq);
		store = st_store(rq->sim, rq->surf, coll);
		id = op->idparam ? sim_param_str(rq, op->idparam) : NULL;
		item = id ? json_object_get(store, id) : NULL;
		if (item == NULL) {
			not_found(rq, rs, coll, id ? id : "");
			break;
		}
		if (strcmp(rq->method, "GET") == 0) {
			out = json_deep_copy(item);
			coll_digest(d, store, rq->surf);
			if (json_object_get(out, "digest") == NULL)
				json_object_set_new(out, "digest", json_string(d));
			sim_ok(rs, out);
		} else if (strcmp(rq->method, "DELETE") == 0) {
			if (!digest_ok(rq, rs, store))
				break;
			json_object_del(store, id);
			if (op->async)
				start_generic_task(rq, rs);
			else
				sim_ok(rs, json_null());
		} else {
			if (!digest_ok(rq, rs, store))
				break;
			v = item_props(rq, 0);
			json_object_update(item, v);
			json_decref(v);
			apply_delete(rq, item);
			if (op->async)
				start_generic_task(rq, rs);
			else
				sim_ok(rs, json_null());
		}
		break;
	case SIM_OP_SINGLETON:
		coll = instantiate(rq, op->path, 0);
		store = st_single(rq->sim, rq->surf, coll);
		if (strcmp(rq->method, "GET") == 0) {
			json_t *shape = sim_schema_default(op->returns);
			if (json_is_object(shape)) {
				json_object_update(shape, store);
				coll_digest(d, store, rq->surf);
				if (json_object_get(op->returns, "properties") &&
				    json_object_get(json_object_get(op->returns, "properties"), "digest"))
					json_object_set_new(shape, "digest", json_string(d));
				sim_ok(rs, shape);
			} else if (json_is_array(shape) && json_is_array(json_object_get(store, "list"))) {
				json_decref(shape);
				sim_ok(rs, json_deep_copy(json_object_get(store, "list")));
			} else {
				sim_ok(rs, shape);
			}
			break;
		}
		if (!digest_ok(rq, rs, store))
			break;
		v = item_props(rq, 0);
		json_object_update(store, v);
		json_decref(v);
		apply_delete(rq, store);
		sim_ok(rs, json_null());
		break;
	default:
		if (strcmp(rq->method, "GET") == 0) {
			sim_ok(rs, sim_schema_default(op->returns));
		} else if (op->async) {
			start_generic_task(rq, rs);
		} else {
			sim_ok(rs, sim_schema_default(op->returns));
		}
		break;
	}
	free(coll);
}
