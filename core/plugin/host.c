/**
 * @file host.c
 * @brief The host function table: what plugins may ask of the core.
 *
 * Registration is only possible inside init() (the loader opens the
 * window); the first registration failure is remembered and refuses the
 * whole plugin, so a half-registered plugin never serves.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/call.h"
#include "pipeline/ct_exec.h"
#include "pipeline/plan.h"
#include "pipeline/read_call.h"
#include "plugin/host.h"
#include "plugin/loader.h"
#include "registry/registry.h"
#include "registry/schema.h"
#include "util/error.h"
#include "util/log.h"
#include "util/settings.h"
#include "transport/path.h"
#ifdef PXM_HAVE_CURL
#include "transport/endpoint.h"
#endif

#define VALID(p) ((p) != NULL && (p)->magic == PXM_PLUGIN_REC_MAGIC)

static void
host_log(struct pxm_plugin *self, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pxm_logv_named(level, VALID(self) ? self->name : "plugin", fmt, ap);
	va_end(ap);
}

/* Plugins read PROXIMO_* settings only: the rest of the environment is
 * none of their business. */
static const char *
host_config_get(struct pxm_plugin *self, const char *key)
{
	(void)self;
	if (key == NULL || strncmp(key, "PROXIMO_", 8) != 0)
		return NULL;
	return pxm_config_get(key);
}

/* Common entry of every register_* function. */
static int
registration_open(struct pxm_plugin *self, const char *what)
{
	if (!VALID(self))
		return PXM_E_INVAL;
	if (!self->in_init) {
		pxm_warn("plugin '%s' tried to register a %s outside init(); refused",
		    self->name, what);
		return PXM_E_STATE;
	}
	return PXM_OK;
}

static int
registration_result(struct pxm_plugin *self, int r, struct pxm_error *err)
{
	if (r != PXM_OK && self->reg_error.code == PXM_OK)
		self->reg_error = *err;
	return r;
}

static int
host_register_tool(struct pxm_plugin *self, const struct pxm_tool *tool)
{
	struct pxm_error err;
	int r;

	if ((r = registration_open(self, "tool")) != PXM_OK)
		return r;
	pxm_error_clear(&err);
	r = pxm_registry_add_tool(self->reg, &err, self, self->name, tool);
	return registration_result(self, r, &err);
}

static int
host_register_api_tool(struct pxm_plugin *self, struct pxm_endpoint *ep,
    const struct pxm_api_tool *tool)
{
	struct pxm_error err;
	int r;

	if ((r = registration_open(self, "tool")) != PXM_OK)
		return r;
	pxm_error_clear(&err);
	r = pxm_registry_add_api_tool(self->reg, &err, self, self->name, ep, tool);
	return registration_result(self, r, &err);
}

static int
host_register_classifier(struct pxm_plugin *self, const struct pxm_classifier *c)
{
	struct pxm_error err;
	int r;

	if ((r = registration_open(self, "classifier")) != PXM_OK)
		return r;
	pxm_error_clear(&err);
	r = pxm_registry_add_classifier(self->reg, &err, self, c);
	return registration_result(self, r, &err);
}

static int
host_register_undo_provider(struct pxm_plugin *self, const struct pxm_undo_provider *p)
{
	struct pxm_error err;
	int r;

	if ((r = registration_open(self, "undo provider")) != PXM_OK)
		return r;
	pxm_error_clear(&err);
	r = pxm_registry_add_undo_provider(self->reg, &err, self, p);
	return registration_result(self, r, &err);
}

static int
host_register_task_provider(struct pxm_plugin *self, const struct pxm_task_provider *p)
{
	struct pxm_error err;
	int r;

	if ((r = registration_open(self, "task provider")) != PXM_OK)
		return r;
	pxm_error_clear(&err);
	r = pxm_registry_add_task_provider(self->reg, &err, self, p);
	return registration_result(self, r, &err);
}

static const char *const products[] = { "pve", "pbs", "pmg" };

static struct pxm_endpoint *
host_endpoint(struct pxm_plugin *self, const char *product)
{
	size_t i;

	if (!VALID(self) || product == NULL)
		return NULL;
	for (i = 0; i < 3; i++) {
		if (strcmp(product, products[i]) != 0)
			continue;
#ifdef PXM_HAVE_CURL
		if (self->set->endpoints[i] == NULL) {
			struct pxm_error err;

			if (pxm_endpoint_new(&self->set->endpoints[i], &err, product) != PXM_OK)
				pxm_error("endpoint %s: %s", product, err.text);
		}
		return self->set->endpoints[i];
#else
		pxm_warn("plugin '%s' asked for the %s endpoint, but this proximo was built "
		    "without the HTTPS transport", self->name, product);
		return NULL;
#endif
	}
	return NULL;
}

static const char *
host_endpoint_node(struct pxm_endpoint *ep)
{
#ifdef PXM_HAVE_CURL
	return ep ? pxm_endpoint_node(ep) : NULL;
#else
	(void)ep;
	return NULL;
#endif
}

void
pxm_host_endpoints_free(struct pxm_plugin_set *set)
{
	size_t i;

	for (i = 0; i < 3; i++) {
#ifdef PXM_HAVE_CURL
		pxm_endpoint_free(set->endpoints[i]);
#endif
		set->endpoints[i] = NULL;
	}
}

static void
host_plan_set_target(struct pxm_plan *plan, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pxm_plan_set_target(plan, "%s", buf);
}

static void
host_plan_set_change(struct pxm_plan *plan, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pxm_plan_set_change(plan, "%s", buf);
}

static void
host_plan_raise_risk(struct pxm_plan *plan, uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pxm_plan_raise_riskv(plan, level, fmt, ap);
	va_end(ap);
}

static void
host_plan_add_blast(struct pxm_plan *plan, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pxm_plan_add_blast(plan, "%s", buf);
}

static void
host_plan_set_incomplete(struct pxm_plan *plan, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pxm_plan_set_incomplete(plan, "%s", buf);
}

static void
host_plan_add_note(struct pxm_plan *plan, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pxm_plan_add_note(plan, "%s", buf);
}

static int
host_path_expand(char *buf, size_t bufsz, struct pxm_error *err, const char *pattern,
    const json_t *vars)
{
	return pxm_path_expand(buf, bufsz, err, pattern, vars);
}

/* The SDK's contract: 1 and *vars on a match, 0 otherwise. */
static int
host_path_match(json_t **vars, const char *pattern, const char *path)
{
	return pxm_path_match(vars, pattern, path) == PXM_OK;
}

static void
host_http_response_clear(struct pxm_http_response *resp)
{
	if (resp == NULL)
		return;
	json_decref(resp->data);
	json_decref(resp->errors);
	resp->data = resp->errors = NULL;
}

static const struct pxm_host host_table = {
	.size = sizeof (struct pxm_host),
	.sdk_major = PXM_SDK_VERSION_MAJOR,
	.sdk_minor = PXM_SDK_VERSION_MINOR,
	.log = host_log,
	.config_get = host_config_get,
	.register_tool = host_register_tool,
	.register_api_tool = host_register_api_tool,
	.register_classifier = host_register_classifier,
	.register_undo_provider = host_register_undo_provider,
	.register_task_provider = host_register_task_provider,
	.endpoint = host_endpoint,
	.endpoint_node = host_endpoint_node,
	.plan_set_target = host_plan_set_target,
	.plan_set_change = host_plan_set_change,
	.plan_set_current_new = pxm_plan_set_current_new,
	.plan_raise_risk = host_plan_raise_risk,
	.plan_add_blast = host_plan_add_blast,
	.plan_add_affected_new = pxm_plan_add_affected_new,
	.plan_set_incomplete = host_plan_set_incomplete,
	.plan_add_note = host_plan_add_note,
	.plan_add_effect = pxm_plan_add_effect,
	.plan_set_undo_target_new = pxm_plan_set_undo_target_new,
	.plan_stash_new = pxm_plan_stash_new,
	.plan_stash = pxm_plan_stash,
	.plan_current = pxm_plan_current,
	.call_set_task = pxm_call_set_task,
	.call_cancelled = pxm_call_cancelled,
	.call_progress = pxm_call_progress,
	.path_expand = host_path_expand,
	.http_request = pxm_call_http_request,
	.http_request_many = pxm_call_http_request_many,
	.http_response_clear = host_http_response_clear,
	.schema_validate = pxm_schema_validate,
	.path_match = host_path_match,
	.plan_set_preview_new = pxm_plan_set_preview_new,
	.ct_exec = pxm_call_ct_exec,
	.exec_result_clear = pxm_exec_result_clear,
	.ssh_describe = pxm_ssh_describe_host,
	.call_read_tool = pxm_call_read_tool,
};

const struct pxm_host *
pxm_host_table(void)
{
	return &host_table;
}
