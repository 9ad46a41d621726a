/**
 * @file hello.c
 * @brief An example Proximo plugin, built out of tree: one read tool and one
 *        mutation over in-memory state.  Copy this directory to start a new
 *        surface.
 */
#include <string.h>

#include <proximo/sdk.h>

static const struct pxm_host *host;
static json_t *greeting;	/* the plugin's state: owned, freed in fini */

static const char greet_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64}},"
	"\"required\":[\"name\"],\"additionalProperties\":false}";

static const char set_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"greeting\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":32}},"
	"\"required\":[\"greeting\"],\"additionalProperties\":false}";

static int
greet(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    void *payload)
{
	(void)err;
	(void)call;
	(void)payload;
	*out = json_pack("{s:s, s:O}", "greeting", json_string_value(greeting), "name",
	    json_object_get(args, "name"));
	return *out ? PXM_OK : PXM_E_NOMEM;
}

/* Plan: read the current state, describe the change, assess the risk. */
static int
set_plan(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *payload)
{
	(void)err;
	(void)call;
	(void)payload;
	host->plan_set_target(plan, "hello/greeting");
	host->plan_set_change(plan, "greeting '%s' -> '%s'", json_string_value(greeting),
	    json_string_value(json_object_get(args, "greeting")));
	host->plan_set_current_new(plan, json_pack("{s:O}", "greeting", greeting));
	host->plan_raise_risk(plan, PXM_RISK_LOW, "changes only this plugin's in-memory state");
	return PXM_OK;
}

static int
set_execute(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    const struct pxm_plan *plan, void *payload)
{
	(void)err;
	(void)call;
	(void)plan;
	(void)payload;
	json_decref(greeting);
	greeting = json_incref(json_object_get(args, "greeting"));
	*out = json_pack("{s:O}", "greeting", greeting);
	return *out ? PXM_OK : PXM_E_NOMEM;
}

static int
hello_init(const struct pxm_host *h, struct pxm_plugin *self)
{
	struct pxm_tool t;
	int r;

	host = h;
	greeting = json_string("hello");
	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_READ;
	t.flags = PXM_TOOL_CLOSED_WORLD | PXM_TOOL_IDEMPOTENT;
	t.name = "hello_greet";
	t.title = "Greet";
	t.description = "READ-ONLY: greets someone with the current greeting.";
	t.input_schema = greet_schema;
	t.read = greet;
	if ((r = h->register_tool(self, &t)) != PXM_OK)
		return r;
	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_MUTATE;
	t.flags = PXM_TOOL_CLOSED_WORLD | PXM_TOOL_IDEMPOTENT;
	t.name = "hello_set_greeting";
	t.title = "Set the greeting";
	t.description = "MUTATION: changes the greeting (planned, confirmed, recorded).";
	t.input_schema = set_schema;
	t.plan = set_plan;
	t.execute = set_execute;
	return h->register_tool(self, &t);
}

static void
hello_fini(struct pxm_plugin *self)
{
	(void)self;
	json_decref(greeting);
	greeting = NULL;
}

PXM_PLUGIN_DEFINE(hello, "1.0.0", "Apache-2.0", "example surface from sdk/template",
    hello_init, hello_fini);
