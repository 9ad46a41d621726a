/**
 * @file api_exec.c
 * @brief The generic executor of table-driven API tools.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/api_exec.h"
#include "pipeline/call.h"
#include "pipeline/plan.h"
#include "plugin/host.h"
#include "registry/registry.h"
#include "util/buf.h"
#include "util/error.h"

static const char *
default_node(const struct pxm_tool_def *def)
{
	const struct pxm_host *h = pxm_host_table();

	return def->endpoint ? h->endpoint_node(def->endpoint) : NULL;
}

char *
pxm_api_render_template(const char *tmpl, const json_t *args, const char *node)
{
	struct pxm_buf b = PXM_BUF_INIT;
	const char *p = tmpl, *close;
	char name[128];
	json_t *v;

	while (p && *p) {
		if (*p == '{' && (close = strchr(p, '}')) != NULL &&
		    (size_t)(close - p - 1) < sizeof name) {
			memcpy(name, p + 1, (size_t)(close - p - 1));
			name[close - p - 1] = '\0';
			v = json_object_get(args, name);
			if (json_is_string(v))
				pxm_buf_puts(&b, json_string_value(v));
			else if (json_is_integer(v))
				pxm_buf_printf(&b, "%lld", (long long)json_integer_value(v));
			else if (strcmp(name, "node") == 0 && node)
				pxm_buf_puts(&b, node);
			else
				pxm_buf_putc(&b, '?');
			p = close + 1;
		} else {
			pxm_buf_putc(&b, *p++);
		}
	}
	return pxm_buf_steal(&b);
}

int
pxm_api_build_request(char *pathbuf, size_t pathsize, json_t **params,
    struct pxm_error *err, struct pxm_call *call, const struct pxm_tool_def *def,
    const json_t *args)
{
	const struct pxm_host *h = pxm_host_table();
	json_t *vars = json_object(), *rest = json_object(), *v, *dflt;
	const char *p = def->path, *close, *node, *k;
	char name[128];
	int r = PXM_E_INTERNAL;

	*params = NULL;
	if (vars == NULL || rest == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	(void)call;
	/* Core arguments never reach Proxmox. */
	json_object_foreach((json_t *)args, k, v)
		if (!pxm_tool_core_arg(def, k))
			json_object_set(rest, k, v);
	while ((p = strchr(p, '{')) != NULL && (close = strchr(p, '}')) != NULL) {
		if ((size_t)(close - p - 1) >= sizeof name) {
			r = pxm_error_set(err, PXM_E_INTERNAL, "api_tool",
			    "tool '%s': path variable too long", def->name);
			goto out;
		}
		memcpy(name, p + 1, (size_t)(close - p - 1));
		name[close - p - 1] = '\0';
		dflt = json_object_get(json_object_get(json_object_get(def->served_schema,
		    "properties"), name), "default");
		if ((v = json_object_get(rest, name)) != NULL) {
			json_object_set(vars, name, v);
			json_object_del(rest, name);
		} else if (dflt != NULL) {
			json_object_set(vars, name, dflt);
		} else if (strcmp(name, "node") == 0 && (node = default_node(def)) != NULL) {
			json_object_set_new(vars, name, json_string(node));
		} else {
			r = pxm_error_set(err, PXM_E_INVAL, "invalid_argument",
			    "missing argument '%s'%s", name, strcmp(name, "node") == 0 ?
			    " (and no default node: set PROXIMO_NODE)" : "");
			goto out;
		}
		p = close + 1;
	}
	if ((r = h->path_expand(pathbuf, pathsize, err, def->path, vars)) != PXM_OK)
		goto out;
	*params = rest;
	rest = NULL;
	r = PXM_OK;
out:
	json_decref(vars);
	json_decref(rest);
	return r;
}

int
pxm_api_prepare(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const struct pxm_tool_def *def, const json_t *args)
{
	int saved = call->phase, r;

	*out = NULL;
	if (def->prepare == NULL) {
		*out = json_incref((json_t *)args);
		return PXM_OK;
	}
	/* The plugin completes what the caller left out, reading only. */
	call->phase = PXM_PHASE_READ;
	r = def->prepare(out, err, call, args, def->payload);
	call->phase = saved;
	if (r == PXM_OK && !json_is_object(*out))
		r = pxm_error_set(err, PXM_E_INTERNAL, "api_tool", "tool '%s': prepare returned no "
		    "arguments", def->name);
	return r;
}

int
pxm_api_read(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const struct pxm_tool_def *def, const json_t *args)
{
	struct pxm_http_request req;
	struct pxm_http_response resp;
	char path[2048];
	json_t *params = NULL, *full = NULL;
	int r;

	*out = NULL;
	if ((r = pxm_api_prepare(&full, err, call, def, args)) != PXM_OK)
		return r;
	r = pxm_api_build_request(path, sizeof path, &params, err, call, def, full);
	json_decref(full);
	if (r != PXM_OK)
		return r;
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = "GET";
	req.path = path;
	req.params = params;
	r = pxm_call_http_request(&resp, err, call, def->endpoint, &req);
	json_decref(params);
	if (r == PXM_OK) {
		*out = resp.data ? resp.data : json_null();
		resp.data = NULL;
	}
	json_decref(resp.data);
	json_decref(resp.errors);
	return r;
}

int
pxm_api_plan(struct pxm_error *err, struct pxm_call *call,
    const struct pxm_tool_def *def, const json_t *args, struct pxm_plan *plan)
{
	char path[2048], *label;
	json_t *params = NULL, *full = NULL;
	const char *node = default_node(def);
	int r;

	if ((r = pxm_api_prepare(&full, err, call, def, args)) != PXM_OK)
		return r;
	args = full;
	if ((r = pxm_api_build_request(path, sizeof path, &params, err, call, def, args)) != PXM_OK) {
		json_decref(full);
		return r;
	}
	label = pxm_api_render_template(def->target_tmpl ? def->target_tmpl : path, args, node);
	pxm_plan_set_target(plan, "%s", label ? label : path);
	free(label);
	if (def->change_tmpl) {
		label = pxm_api_render_template(def->change_tmpl, args, node);
		pxm_plan_set_change(plan, "%s", label ? label : def->name);
		free(label);
	} else {
		pxm_plan_set_change(plan, "%s %s", def->method, path);
	}
	pxm_plan_raise_risk(plan, def->risk, NULL);
	r = pxm_plan_add_effect(plan, def->endpoint, def->method, path, params);
	json_decref(params);
	if (r != PXM_OK)
		r = pxm_error_set(err, r, "plan", "cannot record the plan's effect");
	else if (def->plan)
		r = def->plan(err, call, args, plan, def->payload);
	json_decref(full);
	return r;
}

static int
looks_like_upid(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && strncmp(s, "UPID:", 5) == 0;
}

int
pxm_api_execute(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const struct pxm_tool_def *def, const json_t *args)
{
	struct pxm_http_request req;
	struct pxm_http_response resp;
	char path[2048];
	json_t *params = NULL, *full = NULL;
	int r;

	*out = NULL;
	if ((r = pxm_api_prepare(&full, err, call, def, args)) != PXM_OK)
		return r;
	r = pxm_api_build_request(path, sizeof path, &params, err, call, def, full);
	json_decref(full);
	if (r != PXM_OK)
		return r;
	memset(&req, 0, sizeof req);
	req.size = sizeof req;
	req.method = def->method;
	req.path = path;
	req.params = params;
	req.flags = PXM_HTTP_NO_RETRY;
	r = pxm_call_http_request(&resp, err, call, def->endpoint, &req);
	json_decref(params);
	if (r == PXM_OK) {
		if (looks_like_upid(resp.data))
			pxm_call_set_task(call, json_string_value(resp.data));
		*out = resp.data ? resp.data : json_null();
		resp.data = NULL;
	}
	json_decref(resp.data);
	json_decref(resp.errors);
	return r;
}
