/**
 * @file router.c
 * @brief proximo-sim: the request pipeline, in each product's order.
 *
 * PVE and PMG (pve-http-server): authenticate first (401, empty body), then
 * find the method (501 "Method '...' not implemented"), check permissions
 * (403), resolve the target node of proxied calls, validate parameters
 * (400 "Parameter verification failed." with errors), run the handler.
 *
 * PBS (proxmox-rest-server): find the method, authenticate unless the method
 * is open to the world (401 "authentication failed - ..."), 404 "Path '...'
 * not found." for unknown paths, permissions (403 "permission check
 * failed"), parameters (400 "parameter verification failed - ..."), handler.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "faults.h"
#include "handlers.h"
#include "schema.h"
#include "state.h"

#define MAX_SEGS	64

int
sim_bind(struct sim_schema *sc, const char *method, const char *tmpl, sim_handler_fn *fn)
{
	struct sim_op *op = sim_schema_find(sc, method, tmpl);

	if (op == NULL) {
		sim_log("schema has no %s %s: its handler is not bound", method, tmpl);
		return -1;
	}
	op->handler = fn;
	return 0;
}

void
sim_bind_all(struct sim *s)
{
	size_t i;
	int surf;

	for (surf = 0; surf < SIM_NSURF; surf++) {
		struct sim_schema *sc = s->schema[surf];
		if (sc == NULL)
			continue;
		for (i = 0; i < sim_schema_nops(sc); i++)
			sim_schema_op(sc, i)->handler = sim_generic;
		if (surf == SIM_PVE)
			sim_pve_register(sc);
		else if (surf == SIM_PBS)
			sim_pbs_register(sc);
		else
			sim_pmg_register(sc);
	}
}

static void
pbs_text_error(struct sim_resp *rs, int status, const char *msg)
{
	sim_err(rs, status, "%s", msg);
	free(rs->text);
	rs->text = strdup(msg);
}

/* Split "/a/b%2Fc" into decoded segments ("a", "b/c"). */
static size_t
split_path(char *segs[], size_t max, const char *rel)
{
	const char *p = rel;
	size_t n = 0, len;

	while (*p && n < max) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		len = strcspn(p, "/");
		segs[n++] = sim_urldecode(p, len, 0);
		p += len;
	}
	return n;
}

static int
parse_body(struct sim_req *rq, struct sim_resp *rs, json_t *into, const char *body,
    size_t bodylen)
{
	const char *ct = rq->ctype;
	char *copy;

	if (body == NULL || bodylen == 0)
		return 0;
	if (ct && strncasecmp(ct, "application/json", 16) == 0) {
		json_error_t je;
		json_t *j = json_loadb(body, bodylen, 0, &je);
		const char *k;
		json_t *v;

		if (!json_is_object(j)) {
			json_decref(j);
			if (rq->surf == SIM_PBS)
				pbs_text_error(rs, 400, "expected JSON object in request body");
			else
				sim_err(rs, 400, "malformed JSON string, at character offset %d\n",
				    je.position);
			return -1;
		}
		json_object_foreach(j, k, v) {
			/* PVE's handlers see JSON values; booleans become 1/0. */
			if (json_is_boolean(v) && rq->surf != SIM_PBS)
				json_object_set_new(into, k, json_string(json_is_true(v) ? "1" : "0"));
			else if ((json_is_integer(v) || json_is_real(v)) && rq->surf != SIM_PBS) {
				char *t = sim_json_text(v);
				json_object_set_new(into, k, json_string(t ? t : ""));
				free(t);
			} else
				json_object_set(into, k, v);
		}
		json_decref(j);
		return 0;
	}
	if (ct && *ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 &&
	    strncasecmp(ct, "multipart/form-data", 19) != 0) {
		if (rq->surf == SIM_PBS) {
			char m[300];
			snprintf(m, sizeof m, "unsupported content type Ok(\"%s\")", ct);
			pbs_text_error(rs, 400, m);
		} else {
			sim_err(rs, 506, "upload 'Content-Type '%s' not implemented\n", ct);
		}
		return -1;
	}
	if ((copy = strndup(body, bodylen)) == NULL)
		return -1;
	sim_parse_query(into, copy, rq->surf != SIM_PBS);
	free(copy);
	return 0;
}

static int
needs_no_auth(const struct sim_req *rq, const struct sim_op *op)
{
	const char *u;

	if (op == NULL)
		return 0;
	u = json_string_value(json_object_get(op->perms, "user"));
	return u && strcmp(u, "world") == 0;
}

/* PVE/PMG: a call proxied to {node} needs a known, online node. */
static int
check_node(struct sim_req *rq, struct sim_resp *rs)
{
	const char *node;
	json_t *n;

	if (rq->op->proxyto == NULL || strcmp(rq->op->proxyto, "node") != 0)
		return 1;
	node = sim_param_str(rq, "node");
	if (node == NULL)
		return 1;	/* validation reports it */
	if (strcmp(node, "localhost") == 0)
		return 1;
	if (rq->surf == SIM_PVE) {
		n = st_pve_node(rq->sim, node);
	} else {
		const char *pn = json_string_value(json_object_get(st_surf(rq->sim, rq->surf), "node"));
		n = pn && strcmp(pn, node) == 0 ? json_true() : NULL;
	}
	if (n == NULL) {
		sim_err(rs, 500, "hostname lookup '%s' failed - failed to get address info for: "
		    "%s: Name or service not known\n", node, node);
		return 0;
	}
	if (json_is_object(n) && json_is_string(json_object_get(n, "status")) &&
	    strcmp(json_string_value(json_object_get(n, "status")), "online") != 0) {
		sim_err(rs, 595, "Errors during connection establishment, proxy handshake: "
		    "No route to host\n");
		return 0;
	}
	return 1;
}

void
sim_dispatch(struct sim_req *rq, struct sim_resp *rs, const char *query,
    const char *body, size_t bodylen)
{
	struct sim *s = rq->sim;
	char *segs[MAX_SEGS];
	size_t nsegs = 0, i;
	int path_found = 0;
	const struct sim_op *op;
	const json_t *fo;
	json_t *errors = NULL;
	const char *k;
	json_t *v;

	rq->params = json_object();
	rq->pathp = json_object();
	rq->logparams = json_object();
	if (strncmp(rq->rawpath, "/api2/json", 10) != 0 ||
	    (rq->rawpath[10] != '\0' && rq->rawpath[10] != '/')) {
		if (rq->surf == SIM_PBS) {
			char m[600];
			snprintf(m, sizeof m, "no such file: '%.500s'", rq->rawpath + 1);
			pbs_text_error(rs, 404, m);
		} else {
			sim_err(rs, 501, "no such file '%s'", rq->rawpath);
			rs->empty = 1;
		}
		return;
	}
	rq->rel = strdup(rq->rawpath[10] ? rq->rawpath + 10 : "/");
	if (query && *query)
		sim_parse_query(rq->logparams, query, rq->surf != SIM_PBS);
	if (parse_body(rq, rs, rq->logparams, body, bodylen) != 0)
		return;
	nsegs = split_path(segs, MAX_SEGS, rq->rel);
	op = sim_schema_match(s->schema[rq->surf], rq->method, segs, nsegs, rq->pathp, &path_found);
	for (i = 0; i < nsegs; i++)
		free(segs[i]);
	rq->op = op;

	/* Authentication. */
	if (!needs_no_auth(rq, op) && !sim_auth_request(rq, rs))
		return;
	if (op == NULL) {
		if (rq->surf == SIM_PBS) {
			char m[800];
			snprintf(m, sizeof m, "Path '%.700s' not found.", rq->rawpath);
			pbs_text_error(rs, 404, m);
		} else {
			sim_err(rs, 501, "Method '%s %s' not implemented", rq->method, rq->rel);
		}
		return;
	}

	/* Parameters: body and query, then the URI's (PVE refuses duplicates). */
	json_object_update(rq->params, rq->logparams);
	json_object_del(rq->params, "_dc");
	json_object_foreach(rq->pathp, k, v) {
		if (rq->surf != SIM_PBS && json_object_get(rq->params, k)) {
			sim_err(rs, 400, "Parameter verification failed.\n");
			rs->errors = json_pack("{s:s}", k, "duplicate parameter (already defined in URI)");
			return;
		}
		json_object_set(rq->params, k, v);
	}

	if (!sim_auth_permitted(rq, rs))
		return;
	if (rq->surf == SIM_PVE && rq->id.is_token && !op->allowtoken) {
		sim_err(rs, 403, "Permission check failed (API tokens are not allowed for this "
		    "call)\n");
		return;
	}
	if (rq->surf != SIM_PBS && !check_node(rq, rs))
		return;

	errors = json_object();
	if (sim_schema_validate(s->schema[rq->surf], op, rq->params, rq->pathp, errors) > 0) {
		if (rq->surf == SIM_PBS) {
			char *m = sim_schema_pbs_message(errors);
			pbs_text_error(rs, 400, m ? m : "parameter verification failed");
			free(m);
			json_decref(errors);
		} else {
			sim_err(rs, 400, "Parameter verification failed.\n");
			rs->errors = errors;
		}
		return;
	}
	json_decref(errors);

	if ((fo = sim_faults_failing_op(s, rq->method, op->path, rq->rel)) != NULL) {
		int st = (int)sim_json_int(json_object_get(fo, "status"), 500);
		const char *m = json_string_value(json_object_get(fo, "message"));
		char buf[600];

		snprintf(buf, sizeof buf, "%s", m ? m :
		    "simulated failure (fault injected by proximo-sim)");
		if (rq->surf == SIM_PBS)
			pbs_text_error(rs, st, buf);
		else
			sim_err(rs, st, "%s\n", buf);
		return;
	}
	op->handler(rq, rs);
	if (rs->status == 0)
		rs->status = 200;
	if (rq->surf == SIM_PBS && rs->status >= 400 && rs->text == NULL && rs->msg) {
		/* Handlers write PVE-style messages; PBS sends them bare. */
		size_t n = strlen(rs->msg);
		rs->text = strndup(rs->msg, n && rs->msg[n - 1] == '\n' ? n - 1 : n);
	}
}
