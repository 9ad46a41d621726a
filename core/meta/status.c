/**
 * @file status.c
 * @brief proximo_status: version, plugins, tool counts.  Never a secret:
 *        endpoints are described by host and TLS mode only.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "cli/runtime.h"
#include "meta/meta.h"
#include "plugin/loader.h"
#include "registry/registry.h"
#ifdef PXM_HAVE_CURL
#include "transport/endpoint.h"
#endif

static const char status_schema[] =
	"{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}";

static const char status_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"version\":{\"type\":\"string\"},"
	"\"sdk\":{\"type\":\"string\"},"
	"\"uptime_seconds\":{\"type\":\"integer\"},"
	"\"plugins\":{\"type\":\"array\"},"
	"\"tools\":{\"type\":\"object\"},"
	"\"endpoints\":{\"type\":\"object\"}},"
	"\"required\":[\"version\",\"sdk\",\"plugins\",\"tools\"]}";

static int
status_read(json_t **out, struct pxm_error *err, struct pxm_call *call,
    const json_t *args, void *payload)
{
	struct pxm_runtime *rt = payload;
	struct timespec now;
	char sdk[32];
	json_t *tools;

	(void)err;
	(void)call;
	(void)args;
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(sdk, sizeof sdk, "%u.%u", PXM_SDK_VERSION_MAJOR, PXM_SDK_VERSION_MINOR);
	/* Plugins and tools are fixed once the server runs: describe them once. */
	if (rt->status_cache == NULL) {
		tools = json_pack("{s:I, s:o}", "total", (json_int_t)pxm_registry_count(rt->reg),
		    "by_surface", pxm_registry_counts(rt->reg));
		rt->status_cache = json_pack("{s:o, s:o}", "plugins",
		    pxm_loader_describe(rt->plugins), "tools", tools);
		if (rt->status_cache == NULL)
			return PXM_E_NOMEM;
	}
	*out = json_pack("{s:s, s:s, s:I, s:O, s:O}", "version", PACKAGE_VERSION,
	    "sdk", sdk, "uptime_seconds", (json_int_t)(now.tv_sec - rt->started.tv_sec),
	    "plugins", json_object_get(rt->status_cache, "plugins"),
	    "tools", json_object_get(rt->status_cache, "tools"));
	if (*out == NULL)
		return PXM_E_NOMEM;
#ifdef PXM_HAVE_CURL
	/* Endpoints the plugins use: host, TLS mode, token id; never a secret. */
	{
		json_t *eps = json_object(), *d;
		size_t i;

		for (i = 0; rt->plugins && i < 3; i++) {
			struct pxm_endpoint *ep = rt->plugins->endpoints[i];

			if (ep && pxm_endpoint_describe(&d, ep) == PXM_OK)
				json_object_set_new(eps, pxm_endpoint_product(ep), d);
		}
		json_object_set_new(*out, "endpoints", eps);
	}
#endif
	return PXM_OK;
}

int
pxm_meta_register(struct pxm_runtime *rt, struct pxm_error *err)
{
	struct pxm_tool t;
	int r;

	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_READ;
	t.flags = PXM_TOOL_IDEMPOTENT | PXM_TOOL_CLOSED_WORLD;
	t.name = "proximo_status";
	t.title = "Proximo status";
	t.description = "READ-ONLY: this server's version, SDK ABI, loaded and refused plugins "
	    "(with versions and reasons) and tool counts by surface.";
	t.input_schema = status_schema;
	t.output_schema = status_output;
	t.read = status_read;
	t.payload = rt;
	if ((r = pxm_registry_add_tool(rt->reg, err, NULL, "proximo", &t)) != PXM_OK)
		return r;
	return pxm_meta_register_audit(rt, err);
}
