/**
 * @file scoped.c
 * @brief Scoped tools: one tool, an operation per scope (firewall rules at
 *        datacenter, node, guest or security-group scope; service actions).
 *        Each call is resolved to exactly one operation and checked against
 *        that operation's schema before anything is sent.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "door.h"
#include "pve.h"

/* "{type} at {scope}" from args; missing values render as "?". */
static void
render(char *buf, size_t size, const char *tmpl, const json_t *args)
{
	const char *p = tmpl, *close;
	char name[64];
	size_t n = 0;
	json_t *v;

	buf[0] = '\0';
	while (p && *p && n + 1 < size) {
		if (*p == '{' && (close = strchr(p, '}')) != NULL && (size_t)(close - p - 1) < sizeof name) {
			memcpy(name, p + 1, (size_t)(close - p - 1));
			name[close - p - 1] = '\0';
			v = json_object_get(args, name);
			if (json_is_string(v))
				n += (size_t)snprintf(buf + n, size - n, "%s", json_string_value(v));
			else if (json_is_integer(v))
				n += (size_t)snprintf(buf + n, size - n, "%lld", (long long)json_integer_value(v));
			else if (json_is_boolean(v))
				n += (size_t)snprintf(buf + n, size - n, "%s", json_is_true(v) ? "true" : "false");
			else
				n += (size_t)snprintf(buf + n, size - n, "?");
			p = close + 1;
		} else {
			buf[n++] = *p++;
			buf[n] = '\0';
		}
	}
}

/*
 * Resolve the scope to one operation: *method, the template with {kind}
 * resolved (tmpl, tmplsize), *vars (new) and *params (new), validated.
 */
static int
resolve(struct pxm_error *err, const struct pve_gen_tool *g, const json_t *args,
    char *method, size_t msize, char *tmpl, size_t tsize, json_t **vars, json_t **params)
{
	const char *scope = json_string_value(json_object_get(args, g->scope_param));
	json_t *scopes = json_loads(g->scopes, 0, NULL), *all, *v, *schema;
	const char *spec, *p, *close, *k, *node;
	char name[64], buf[1024], *kp;
	int r = PXM_E_INTERNAL;

	*vars = json_object();
	*params = json_deep_copy(args);
	json_object_del(*params, g->scope_param);
	json_object_del(*params, "kind");
	if ((spec = json_string_value(json_object_get(scopes, scope))) == NULL) {
		r = pve_fail(err, PXM_E_INVAL, "invalid_argument", "unknown %s '%s'", g->scope_param,
		    scope ? scope : "");
		goto out;
	}
	snprintf(method, msize, "%.*s", (int)(strchr(spec, ' ') - spec), spec);
	snprintf(buf, sizeof buf, "%s", strchr(spec, ' ') + 1);
	if ((kp = strstr(buf, "{kind}")) != NULL)
		snprintf(tmpl, tsize, "%.*s%s%s", (int)(kp - buf), buf, pve_kind(args), kp + 6);
	else
		snprintf(tmpl, tsize, "%s", buf);
	for (p = tmpl; (p = strchr(p, '{')) != NULL && (close = strchr(p, '}')) != NULL; p = close + 1) {
		if ((size_t)(close - p - 1) >= sizeof name)
			continue;
		memcpy(name, p + 1, (size_t)(close - p - 1));
		name[close - p - 1] = '\0';
		if (strcmp(name, "node") == 0) {
			if ((node = pve_node(err, args)) == NULL) {
				r = err->code;
				goto out;
			}
			json_object_set_new(*vars, "node", json_string(node));
		} else if ((v = json_object_get(args, name)) != NULL) {
			json_object_set(*vars, name, v);
		} else {
			r = pve_fail(err, PXM_E_INVAL, "invalid_argument", "argument '%s' is required "
			    "for %s '%s'", name, g->scope_param, scope);
			goto out;
		}
		json_object_del(*params, name);
	}
	if ((schema = pve_door_op_schema(err, method, tmpl)) == NULL) {
		r = err->code;
		goto out;
	}
	/* node is everyone's default; drop it where the operation has none */
	if (json_object_get(json_object_get(schema, "properties"), "node") == NULL)
		json_object_del(*params, "node");
	all = json_deep_copy(*params);
	json_object_foreach(*vars, k, v) {
		const char *t = json_string_value(json_object_get(json_object_get(json_object_get(schema,
		    "properties"), k), "type"));
		if (t && strcmp(t, "integer") == 0 && json_is_string(v))
			json_object_set_new(all, k, json_integer(strtoll(json_string_value(v), NULL, 10)));
		else
			json_object_set(all, k, v);
	}
	r = pve_host->schema_validate(err, schema, all);
	json_decref(all);
	if (r != PXM_OK) {
		char msg[sizeof err->text];

		snprintf(msg, sizeof msg, "%s", err->text);
		r = pve_fail(err, PXM_E_INVAL, "invalid_argument", "%s '%s' (%s %s): %s",
		    g->scope_param, scope, method, tmpl, msg);
	}
out:
	json_decref(scopes);
	if (r != PXM_OK) {
		json_decref(*vars);
		json_decref(*params);
		*vars = *params = NULL;
	}
	return r;
}

int
pve_scoped_read(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	char method[16], tmpl[1024];
	json_t *vars, *params, *full = NULL;
	int r;

	*out = NULL;
	if ((r = pve_guest_complete(&full, err, call, args)) != PXM_OK)
		return r;
	r = resolve(err, payload, full, method, sizeof method, tmpl, sizeof tmpl, &vars, &params);
	json_decref(full);
	if (r != PXM_OK)
		return r;
	r = pve_get(out, err, call, tmpl, vars, params);
	json_decref(vars);
	json_decref(params);
	return r;
}

int
pve_scoped_plan(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	const struct pve_gen_tool *g = payload;
	char method[16], tmpl[1024], path[2048], label[1024];
	json_t *vars, *params, *full = NULL;
	int r;

	if ((r = pve_guest_complete(&full, err, call, args)) != PXM_OK)
		return r;
	args = full;
	if ((r = resolve(err, g, args, method, sizeof method, tmpl, sizeof tmpl, &vars, &params)) != PXM_OK) {
		json_decref(full);
		return r;
	}
	if ((r = pve_path(path, sizeof path, err, tmpl, vars)) != PXM_OK)
		goto out;
	pve_host->plan_set_target(plan, "%s:%s", json_string_value(json_object_get(args,
	    g->scope_param)), path);
	if (g->change) {
		/* label with what the call resolved to (the default node too) */
		json_t *shown = json_deep_copy(args);

		json_object_update(shown, vars);
		render(label, sizeof label, g->change, shown);
		json_decref(shown);
		pve_host->plan_set_change(plan, "%s", label);
	} else {
		pve_host->plan_set_change(plan, "%s %s", method, path);
	}
	pve_host->plan_raise_risk(plan, g->risk, "the risk floor of %s", g->name);
	if (strncmp(g->name, "pve_firewall", 12) == 0 || strncmp(g->name, "pve_ipset", 9) == 0)
		pve_host->plan_add_note(plan, "Firewall changes have no undo primitive in Proxmox: "
		    "note the current state to restore it by hand.");
	pve_host->plan_set_current_new(plan, json_pack("{s:s}", "operation", tmpl));
	if ((r = pve_host->plan_add_effect(plan, pve_ep, method, path, params)) != PXM_OK)
		goto out;
	pve_host->plan_stash_new(plan, json_pack("{s:[{s:s, s:s, s:O}]}", "requests", "method",
	    method, "path", path, "params", params));
out:
	json_decref(vars);
	json_decref(params);
	json_decref(full);
	return r;
}
