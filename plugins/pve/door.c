/**
 * @file door.c
 * @brief The generic door to the whole PVE API.
 *
 * Every request it builds is checked against the official schema
 * (data/pve.json): the path must name a real operation, path variables and
 * parameters must pass the operation's types, enums, patterns and ranges.
 * Console and tunnel endpoints are refused, and so is any operation a
 * curated tool covers (its plan is stronger): the refusal names the tool.
 * Mutations through the door are planned like any other: the operation is
 * declared as the effect, so the classifiers attached to it run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apischema.h"
#include "door.h"
#include "pve.h"

#ifndef PXM_PKGDATADIR
#define PXM_PKGDATADIR "/usr/local/share/proximo"
#endif

static struct pve_apischema *api;
static json_t *schemas;		/* "METHOD template" -> JSON Schema */

static const char *const refused_fragments[] = {
	"termproxy", "vncproxy", "spiceproxy", "vncwebsocket", "mtunnel", "mtunnelwebsocket",
	"/access/ticket", "/access/vncticket", "/access/openid/login",
};

static int
load_api(struct pxm_error *err)
{
	const char *dir = pve_host->config_get(pve_self, "PROXIMO_DATA_DIR");
	char path[2048], msg[512];

	if (api)
		return PXM_OK;
	snprintf(path, sizeof path, "%s/pve.json", dir ? dir : PXM_PKGDATADIR);
	if ((api = pve_apischema_load(path, msg, sizeof msg)) == NULL)
		return pve_fail(err, PXM_E_CONFIG, "config", "%s (set PROXIMO_DATA_DIR to the "
		    "directory holding pve.json)", msg);
	schemas = json_object();
	return PXM_OK;
}

void
pve_door_fini(void)
{
	pve_apischema_free(api);
	json_decref(schemas);
	api = NULL;
	schemas = NULL;
}

json_t *
pve_door_op_schema(struct pxm_error *err, const char *method, const char *tmpl)
{
	const json_t *op;
	json_t *s;
	char key[1024];

	if (load_api(err) != PXM_OK)
		return NULL;
	snprintf(key, sizeof key, "%s %s", method, tmpl);
	if ((s = json_object_get(schemas, key)) != NULL)
		return s;
	if ((op = pve_apischema_op(api, method, tmpl)) == NULL) {
		pve_fail(err, PXM_E_NOTFOUND, "unknown_operation", "%s %s is not an operation of the "
		    "PVE API", method, tmpl);
		return NULL;
	}
	s = pve_op_input_schema(op, NULL, NULL);
	json_object_set_new(schemas, key, s);
	return s;
}

const json_t *
pve_door_param_schema(const json_t *schema, const char *key)
{
	const json_t *p = json_object_get(json_object_get(schema, "properties"), key);
	const char *pat;
	json_t *v;

	if (p)
		return p;
	json_object_foreach(json_object_get(schema, "patternProperties"), pat, v) {
		const char *br = strchr(pat, '[');
		size_t n;

		if (br == NULL)
			continue;
		n = (size_t)(br - pat - 1);
		if (strncmp(key, pat + 1, n) == 0 && key[n] >= '0' && key[n] <= '9')
			return v;
	}
	return NULL;
}

int
pve_door_indexed_key(const json_t *schema, const char *key)
{
	const char *pat;
	json_t *v;
	size_t n;

	json_object_foreach(json_object_get(schema, "patternProperties"), pat, v) {
		/* patterns are "^base[0-9]{1,3}$" */
		const char *br = strchr(pat, '[');

		if (br == NULL)
			continue;
		n = (size_t)(br - pat - 1);
		if (strncmp(key, pat + 1, n) == 0 && key[n] >= '0' && key[n] <= '9')
			return 1;
	}
	return 0;
}

/* Split a path into segments (in place); returns the count. */
static size_t
split(char *p, char **seg, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(p, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save))
		seg[n++] = t;
	return n;
}

/* The operation whose template matches the concrete path best (most
 * literal segments), or NULL. */
static const json_t *
match_op(const char *method, const char *path, const char **tmpl_out)
{
	const json_t *ops = pve_apischema_ops(api), *op, *best = NULL;
	char pbuf[2048], tbuf[2048], *ps[64], *ts[64];
	size_t i, j, np, nt;
	int best_lit = -1, lit;

	snprintf(pbuf, sizeof pbuf, "%s", path);
	np = split(pbuf, ps, 64);
	json_array_foreach((json_t *)ops, i, op) {
		if (strcmp(json_string_value(json_object_get(op, "method")), method) != 0)
			continue;
		snprintf(tbuf, sizeof tbuf, "%s", json_string_value(json_object_get(op, "path")));
		if ((nt = split(tbuf, ts, 64)) != np)
			continue;
		for (j = 0, lit = 0; j < nt; j++) {
			if (ts[j][0] == '{')
				continue;
			if (strcmp(ts[j], ps[j]) != 0)
				break;
			lit++;
		}
		if (j == nt && lit > best_lit) {
			best = op;
			best_lit = lit;
		}
	}
	if (best && tmpl_out)
		*tmpl_out = json_string_value(json_object_get(best, "path"));
	return best;
}

/* Up to three published paths close to a wrong one, for the refusal. */
static void
nearest(char *buf, size_t size, const char *method, const char *path)
{
	const json_t *ops = pve_apischema_ops(api), *op;
	char pbuf[2048], tbuf[2048], *ps[64], *ts[64];
	const char *best[3] = { NULL, NULL, NULL };
	int bscore[3] = { -1, -1, -1 };
	size_t i, j, k, np, nt;
	int score;

	snprintf(pbuf, sizeof pbuf, "%s", path);
	np = split(pbuf, ps, 64);
	json_array_foreach((json_t *)ops, i, op) {
		if (strcmp(json_string_value(json_object_get(op, "method")), method) != 0)
			continue;
		snprintf(tbuf, sizeof tbuf, "%s", json_string_value(json_object_get(op, "path")));
		nt = split(tbuf, ts, 64);
		/* leading segments that agree, minus the length difference */
		for (j = 0, score = 0; j < np && j < nt; j++) {
			if (ts[j][0] == '{' || strcmp(ts[j], ps[j]) == 0)
				score += 3;
			else if (strstr(ts[j], ps[j]) || strstr(ps[j], ts[j]))
				score += 1;
			else
				break;
		}
		score -= (int)(np > nt ? np - nt : nt - np);
		for (k = 0; k < 3; k++) {
			if (score > bscore[k]) {
				size_t m;

				/* shift the lower ranks down one place */
				for (m = 2; m > k; m--) {
					best[m] = best[m - 1];
					bscore[m] = bscore[m - 1];
				}
				best[k] = json_string_value(json_object_get(op, "path"));
				bscore[k] = score;
				break;
			}
		}
	}
	buf[0] = '\0';
	for (k = 0; k < 3 && best[k]; k++) {
		strncat(buf, k ? ", " : "", size - strlen(buf) - 1);
		strncat(buf, best[k], size - strlen(buf) - 1);
	}
}

/* A curated path ("/nodes/{node}/{kind}/...": both guest kinds) against
 * an operation's template. */
static int
covers_path(const char *gpath, const char *tmpl)
{
	char kinded[1024], a[1100], b[1100], *p;

	if (strcmp(gpath, tmpl) == 0)
		return 1;
	snprintf(kinded, sizeof kinded, "%s", gpath);
	if ((p = strstr(kinded, "{kind}")) == NULL)
		return 0;
	snprintf(a, sizeof a, "%.*sqemu%s", (int)(p - kinded), kinded, p + 6);
	snprintf(b, sizeof b, "%.*slxc%s", (int)(p - kinded), kinded, p + 6);
	return strcmp(a, tmpl) == 0 || strcmp(b, tmpl) == 0;
}

/* Hand-written tools that reach more operations than the one they are
 * registered with: the power tool has one per action. */
static const struct {
	const char	*tool;
	const char	*path;		/* POST */
} hand_covers[] = {
	{ "pve_guest_power", "/nodes/{node}/{kind}/{vmid}/status/stop" },
	{ "pve_guest_power", "/nodes/{node}/{kind}/{vmid}/status/shutdown" },
	{ "pve_guest_power", "/nodes/{node}/{kind}/{vmid}/status/reboot" },
	{ "pve_guest_power", "/nodes/{node}/{kind}/{vmid}/status/suspend" },
	{ "pve_guest_power", "/nodes/{node}/{kind}/{vmid}/status/resume" },
};

/* A curated mutation that covers this operation (its plan is stronger). */
static const char *
curated_cover(const char *method, const char *tmpl)
{
	size_t i;
	char kinded[1024];

	for (i = 0; i < pve_gen_ntools; i++) {
		const struct pve_gen_tool *g = &pve_gen_tools[i];

		if (g->kind == PXM_KIND_READ)
			continue;
		if (g->handler == PVE_HANDLER_SCOPED && g->scopes) {
			char want[1100];
			char *p;

			snprintf(want, sizeof want, "\"%s %s\"", method, tmpl);
			if (strstr(g->scopes, want))
				return g->name;
			/* {kind} scopes name qemu/lxc through a variable */
			snprintf(kinded, sizeof kinded, "%s", tmpl);
			if ((p = strstr(kinded, "/qemu/")) || (p = strstr(kinded, "/lxc/"))) {
				char alt[1100];

				snprintf(alt, sizeof alt, "\"%s %.*s/{kind}/%s\"", method, (int)(p - kinded),
				    kinded, strchr(p + 1, '/') + 1);
				if (strstr(g->scopes, alt))
					return g->name;
			}
			continue;
		}
		if (strcmp(g->method, method) != 0)
			continue;
		if (covers_path(g->path, tmpl))
			return g->name;
	}
	for (i = 0; strcmp(method, "POST") == 0 && i < sizeof hand_covers / sizeof hand_covers[0];
	    i++)
		if (covers_path(hand_covers[i].path, tmpl))
			return hand_covers[i].tool;
	return NULL;
}

/* Resolve and validate a door request: *vars (new) holds the decoded path
 * variables; *tmpl the operation's template. */
static int
resolve(struct pxm_error *err, const char *method, const char *path, const json_t *params,
    const char **tmpl, json_t **vars)
{
	json_t *schema, *all, *v;
	const char *k;
	char near[1024];
	size_t i;
	int r;

	*vars = NULL;
	if ((r = load_api(err)) != PXM_OK)
		return r;
	for (i = 0; i < sizeof refused_fragments / sizeof refused_fragments[0]; i++)
		if (strstr(path, refused_fragments[i]))
			return pve_fail(err, PXM_E_DENIED, "door_refused", "%s is a console, tunnel or "
			    "login endpoint: the door never opens those", path);
	if (match_op(method, path, tmpl) == NULL) {
		nearest(near, sizeof near, method, path);
		return pve_fail(err, PXM_E_NOTFOUND, "unknown_path", "%s %s is not an operation of "
		    "the PVE 9.2 API; nearest published %s paths: %s", method, path, method,
		    near[0] ? near : "(none)");
	}
	if (!pve_host->path_match(vars, *tmpl, path))
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "path %s does not decode "
		    "against %s", path, *tmpl);
	if ((schema = pve_door_op_schema(err, method, *tmpl)) == NULL)
		return err->code;
	/* Path variables and parameters are checked together, as PVE does. */
	all = json_deep_copy(*vars);
	json_object_foreach((json_t *)params, k, v) {
		if (json_object_get(*vars, k)) {
			json_decref(all);
			return pve_fail(err, PXM_E_INVAL, "invalid_argument", "params.%s repeats a "
			    "path variable; put it in the path only", k);
		}
		json_object_set(all, k, v);
	}
	/* Integer path variables arrive as text. */
	json_object_foreach(*vars, k, v) {
		const char *t = json_string_value(json_object_get(json_object_get(json_object_get(schema,
		    "properties"), k), "type"));

		if (t && strcmp(t, "integer") == 0) {
			char *end;
			long long n = strtoll(json_string_value(v), &end, 10);

			if (*end || end == json_string_value(v))
				json_object_set_new(all, k, json_string(json_string_value(v)));
			else
				json_object_set_new(all, k, json_integer(n));
		}
	}
	r = pve_host->schema_validate(err, schema, all);
	json_decref(all);
	if (r != PXM_OK) {
		char msg[sizeof err->text];

		snprintf(msg, sizeof msg, "%s", err->text);
		return pve_fail(err, PXM_E_INVAL, "invalid_argument", "%s %s: %s", method, *tmpl, msg);
	}
	return PXM_OK;
}

static const char door_get_schema[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"path\"],"
	"\"properties\":{"
	"\"path\":{\"type\":\"string\",\"pattern\":\"^/[^?#]*$\",\"maxLength\":1024,"
	"\"description\":\"API path below /api2/json, with values filled in: /nodes/pve1/qemu/100/config\"},"
	"\"params\":{\"type\":\"object\",\"maxProperties\":128,\"description\":\"query parameters\"}}}";

static const char door_call_schema[] =
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"method\",\"path\"],"
	"\"properties\":{"
	"\"method\":{\"type\":\"string\",\"enum\":[\"POST\",\"PUT\",\"DELETE\"]},"
	"\"path\":{\"type\":\"string\",\"pattern\":\"^/[^?#]*$\",\"maxLength\":1024,"
	"\"description\":\"API path below /api2/json, with values filled in\"},"
	"\"params\":{\"type\":\"object\",\"maxProperties\":256,\"description\":\"body parameters\"}}}";

static int
door_get(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	const char *path = json_string_value(json_object_get(args, "path")), *tmpl = NULL;
	const json_t *params = json_object_get(args, "params");
	json_t *vars = NULL, *data = NULL;
	int r;

	(void)payload;
	*out = NULL;
	if ((r = resolve(err, "GET", path, params, &tmpl, &vars)) != PXM_OK)
		goto out;
	/* Re-encode from the decoded variables: the door never forwards a
	 * path it did not build itself. */
	r = pve_get(&data, err, call, tmpl, vars, params);
	if (r == PXM_OK)
		*out = json_pack("{s:s, s:b, s:o}", "operation", tmpl, "derived", 0, "data", data);
out:
	json_decref(vars);
	return r;
}

static int
door_plan(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const char *method = json_string_value(json_object_get(args, "method"));
	const char *path = json_string_value(json_object_get(args, "path")), *tmpl = NULL, *cover;
	const json_t *params = json_object_get(args, "params");
	json_t *vars = NULL;
	char enc[2048];
	int r;

	(void)call;
	(void)payload;
	if ((r = resolve(err, method, path, params, &tmpl, &vars)) != PXM_OK)
		goto out;
	if ((cover = curated_cover(method, tmpl)) != NULL) {
		r = pve_fail(err, PXM_E_DENIED, "door_refused", "%s %s has a curated tool with a "
		    "stronger plan: use %s", method, tmpl, cover);
		goto out;
	}
	if ((r = pve_path(enc, sizeof enc, err, tmpl, vars)) != PXM_OK)
		goto out;
	pve_host->plan_set_target(plan, "%s", enc);
	pve_host->plan_set_change(plan, "%s %s", method, enc);
	if (strcmp(method, "DELETE") == 0)
		pve_host->plan_raise_risk(plan, PXM_RISK_HIGH, "a DELETE through the generic door");
	else
		pve_host->plan_raise_risk(plan, PXM_RISK_MEDIUM, "a change through the generic door "
		    "(no curated plan: only the classifiers attached to %s assess it)", tmpl);
	pve_host->plan_set_current_new(plan, json_pack("{s:s, s:s}", "operation", tmpl,
	    "method", method));
	r = pve_host->plan_add_effect(plan, pve_ep, method, enc, params);
	pve_host->plan_stash_new(plan, json_pack("{s:[{s:s, s:s, s:o}]}", "requests", "method",
	    method, "path", enc, "params", params ? json_incref((json_t *)params) : json_object()));
out:
	json_decref(vars);
	return r;
}

int
pve_door_register(void)
{
	struct pxm_tool t;
	int r;

	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_READ;
	t.name = "pve_api_get";
	t.title = "PVE API read (generic door)";
	t.description = "READ-ONLY: any GET of the PVE 9.2 API, checked against the official "
	    "schema (path, types, enums, patterns, ranges). Unknown paths are refused with the "
	    "nearest real ones; console and tunnel endpoints are never opened.";
	t.input_schema = door_get_schema;
	t.read = door_get;
	if ((r = pve_host->register_tool(pve_self, &t)) != PXM_OK)
		return r;
	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_MUTATE;
	t.flags = PXM_TOOL_ASYNC;
	t.name = "pve_api_call";
	t.title = "PVE API change (generic door)";
	t.description = "MUTATION: any POST, PUT or DELETE of the PVE 9.2 API, checked against "
	    "the official schema and planned like every change (risk medium, DELETE high, raised "
	    "by the classifiers of the operation). Refused where a curated tool exists: use that.";
	t.input_schema = door_call_schema;
	t.plan = door_plan;
	t.execute = pve_send_effects_execute;
	return pve_host->register_tool(pve_self, &t);
}
