/**
 * @file demo.c
 * @brief `proximo demo`: a scripted walk through the trust layer against
 *        the configured PVE (the simulator in the quick start).
 *
 * Every step is a real tool call through the same pipeline MCP clients
 * use (plans recorded, confirmations bound to plan_ids, outcomes in the
 * ledger); the demo only prints what came back.  Nothing is faked: a step
 * whose tool or plugin is missing says so and the demo goes on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/runtime.h"
#include "cli/verbs.h"
#include "pipeline/pipeline.h"
#include "registry/registry.h"
#include "util/error.h"

static struct pxm_runtime *rt;
static int failures;

static void
heading(const char *title)
{
	printf("\n== %s\n", title);
}

/* Call a tool through the pipeline; returns its structured content (new)
 * or NULL after printing why.  *is_error tells a tool error apart. */
static json_t *
call(const char *tool, json_t *args_new, int *is_error)
{
	const struct pxm_tool_def *def = pxm_registry_find(rt->reg, tool);
	struct pxm_error err;
	json_t *res = NULL, *sc;
	int r;

	*is_error = 1;
	printf("   -> %s\n", tool);
	if (def == NULL) {
		printf("   (%s is not served: is its plugin installed?)\n", tool);
		json_decref(args_new);
		failures++;
		return NULL;
	}
	pxm_error_clear(&err);
	r = pxm_pipeline_tool_call(&res, &err, NULL, def, args_new, rt);
	json_decref(args_new);
	if (r != PXM_OK || res == NULL) {
		printf("   internal error: %s\n", err.text);
		failures++;
		return NULL;
	}
	*is_error = json_is_true(json_object_get(res, "isError"));
	sc = json_incref(json_object_get(res, "structuredContent"));
	if (*is_error)
		printf("   <- %s\n", json_string_value(json_object_get(json_array_get(
		    json_object_get(res, "content"), 0), "text")));
	json_decref(res);
	return sc;
}

static void
print_plan(const json_t *p)
{
	const json_t *v;
	size_t i;

	printf("   plan: %s\n", json_string_value(json_object_get(p, "change")));
	printf("   risk: %s", json_string_value(json_object_get(p, "risk")));
	json_array_foreach(json_object_get(p, "risk_reasons"), i, v)
		printf("%s%s", i ? "; " : " (", json_string_value(v));
	printf("%s\n", json_array_size(json_object_get(p, "risk_reasons")) ? ")" : "");
	{
		const char *k;
		const json_t *d;

		json_object_foreach(json_object_get(json_object_get(p, "current"), "diff"), k, d) {
			char *from = json_dumps(json_object_get(d, "from"), JSON_ENCODE_ANY);
			char *to = json_dumps(json_object_get(d, "to"), JSON_ENCODE_ANY);

			printf("   diff: %s: %s -> %s\n", k, from ? from : "?", to ? to : "?");
			free(from);
			free(to);
		}
	}
	json_array_foreach(json_object_get(p, "blast_radius"), i, v)
		printf("   blast: %s\n", json_string_value(v));
	if (!json_is_true(json_object_get(p, "complete")))
		printf("   (the plan is INCOMPLETE: a read behind it failed)\n");
	printf("   plan_id: %.16s...\n", json_string_value(json_object_get(p, "plan_id")));
}

/* Dry run, then confirm with the plan_id.  Returns the outcome (new). */
static json_t *
plan_and_confirm(const char *tool, json_t *args, int wait)
{
	json_t *plan, *res, *a;
	int err;

	plan = call(tool, json_deep_copy(args), &err);
	if (plan == NULL || err) {
		json_decref(plan);
		json_decref(args);
		return NULL;
	}
	print_plan(plan);
	a = args;
	json_object_set_new(a, "confirm", json_true());
	json_object_set(a, "plan_id", json_object_get(plan, "plan_id"));
	if (wait)
		json_object_set_new(a, "wait", json_true());
	printf("   confirmed with that plan_id\n");
	res = call(tool, a, &err);
	json_decref(plan);
	if (res && !err)
		printf("   outcome: %s\n", json_string_value(json_object_get(res, "status")));
	else
		failures++;
	return res;
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

int
pxm_cli_demo(int argc, char **argv)
{
	struct pxm_error err;
	json_t *r, *row, *prior;
	const char *storage = argc > 2 ? argv[2] : "ceph-vm";
	long long vmid = argc > 1 ? strtoll(argv[1], NULL, 10) : 103;
	size_t i;
	int e;

	if (argc > 3) {
		fprintf(stderr, "usage: proximo demo [vmid [storage]]\n");
		return PXM_EXIT_USAGE;
	}
	pxm_error_clear(&err);
	if (pxm_runtime_open(&rt, &err, PXM_RT_PLUGINS | PXM_RT_LEDGER) != PXM_OK) {
		fprintf(stderr, "proximo demo: %s\n", err.text);
		return PXM_EXIT_FAIL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("Proximo demo: every step below is a real tool call through the governed pipeline.\n");

	heading("1. The estate (read-only)");
	if ((r = call("pve_list_guests", json_object(), &e)) != NULL && !e) {
		printf("   %lld guests:\n", (long long)json_integer_value(json_object_get(r, "total")));
		json_array_foreach(json_object_get(r, "guests"), i, row)
			printf("     %-6lld %-12s %-5s %-8s on %s\n",
			    (long long)json_integer_value(json_object_get(row, "vmid")),
			    str(row, "name"), str(row, "type"), str(row, "status"), str(row, "node"));
	}
	json_decref(r);

	heading("2. Plan a dangerous change, and decline it");
	if ((r = call("pve_storage_delete", json_pack("{s:s}", "storage", storage), &e)) != NULL && !e) {
		print_plan(r);
		printf("   declined: nothing was sent to Proxmox; the plan itself is on record.\n");
	}
	json_decref(r);

	heading("3. A restore point before touching anything");
	json_decref(plan_and_confirm("pve_snapshot_create", json_pack("{s:I, s:s}", "vmid",
	    (json_int_t)vmid, "snapname", "demo_before"), 1));

	heading("4. Change a config: the plan shows the diff");
	r = plan_and_confirm("pve_guest_config_set", json_pack("{s:I, s:{s:s}}", "vmid",
	    (json_int_t)vmid, "config", "description", "changed by the proximo demo"), 0);
	prior = r ? json_incref(json_object_get(json_object_get(r, "result"), "prior_config")) : NULL;
	json_decref(r);

	heading("5. Revert it from the prior_config the change returned");
	if (prior)
		json_decref(plan_and_confirm("pve_guest_config_revert", json_pack("{s:I, s:o}",
		    "vmid", (json_int_t)vmid, "prior_config", prior), 0));
	else
		printf("   (no prior_config to revert to: step 4 did not complete)\n");

	heading("6. The receipt: verify the ledger");
	if ((r = call("audit_verify", json_object(), &e)) != NULL && !e)
		printf("   ledger %s: %lld entries, head %.16s..., %s\n",
		    json_is_true(json_object_get(r, "ok")) ? "intact" : "BROKEN",
		    (long long)json_integer_value(json_object_get(r, "entries")),
		    str(r, "head"), json_is_true(json_object_get(r, "keyed")) ? "HMAC-keyed" : "unkeyed");
	json_decref(r);
	if ((r = call("audit_entries", json_pack("{s:i}", "limit", 12), &e)) != NULL && !e) {
		printf("   newest entries:\n");
		json_array_foreach(json_object_get(r, "entries"), i, row)
			printf("     %-26s %-28s %s\n", str(row, "action"), str(row, "outcome"),
			    str(row, "target"));
	}
	json_decref(r);
	pxm_runtime_close(rt);
	printf("\n%s\n", failures ? "Some steps did not complete (see above)." :
	    "Every step completed.");
	return failures ? PXM_EXIT_FAIL : PXM_EXIT_OK;
}
