/**
 * @file check_registry.c
 * @brief Registration rules: names, kinds, descriptions, schemas, the core's
 *        reserved arguments, annotations derived from the kind.
 */
#include "config.h"

#include <string.h>

#include "pxmcheck.h"
#include "registry/registry.h"
#include "registry/schema.h"
#include "util/error.h"

#define EMPTY "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"

static struct pxm_registry *reg;

static int
dummy_read(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args, void *p)
{
	(void)err; (void)call; (void)args; (void)p;
	*out = json_object();
	return PXM_OK;
}

static int
dummy_plan(struct pxm_error *err, struct pxm_call *call, const json_t *args,
    struct pxm_plan *plan, void *p)
{
	(void)err; (void)call; (void)args; (void)plan; (void)p;
	return PXM_OK;
}

static int
dummy_exec(json_t **out, struct pxm_error *err, struct pxm_call *call, const json_t *args,
    const struct pxm_plan *plan, void *p)
{
	(void)err; (void)call; (void)args; (void)plan; (void)p;
	*out = json_object();
	return PXM_OK;
}

static void
setup(void)
{
	ck_assert_int_eq(pxm_registry_new(&reg), PXM_OK);
}

static void
teardown(void)
{
	pxm_registry_free(reg);
	pxm_regex_cache_free();
}

static struct pxm_tool
read_tool(const char *name)
{
	struct pxm_tool t;

	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_READ;
	t.name = name;
	t.description = "READ-ONLY: test";
	t.input_schema = EMPTY;
	t.read = dummy_read;
	return t;
}

static struct pxm_tool
mutation(const char *name)
{
	struct pxm_tool t;

	memset(&t, 0, sizeof t);
	t.size = sizeof t;
	t.kind = PXM_KIND_MUTATE;
	t.name = name;
	t.description = "MUTATION: test";
	t.input_schema = EMPTY;
	t.plan = dummy_plan;
	t.execute = dummy_exec;
	return t;
}

static void
expect_refused(struct pxm_tool *t, int code, const char *msg)
{
	struct pxm_error err;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_registry_add_tool(reg, &err, NULL, "t", t), code);
	ck_assert_str_eq(err.text, msg);
}

START_TEST(test_names)
{
	struct pxm_tool t = read_tool("Bad-Name");

	expect_refused(&t, PXM_E_INVAL, "tool name 'Bad-Name' is not valid: lowercase letters, "
	    "digits and '_', starting with a letter, at most 64 characters");
	t = read_tool("ok_name");
	ck_assert_int_eq(pxm_registry_add_tool(reg, NULL, NULL, "t", &t), PXM_OK);
	expect_refused(&t, PXM_E_EXISTS, "tool 'ok_name' is already registered");
	ck_assert_ptr_nonnull(pxm_registry_find(reg, "ok_name"));
	ck_assert_ptr_null(pxm_registry_find(reg, "ok_nam"));
}
END_TEST

START_TEST(test_kind_rules)
{
	struct pxm_tool t = mutation("m1");

	t.execute = NULL;
	expect_refused(&t, PXM_E_INVAL, "mutation 'm1' needs plan and execute handlers (and no "
	    "read handler): every mutation is planned first");
	/* Zero means mutation: a tool that sets nothing is not read-only. */
	t = read_tool("r1");
	t.kind = 0;
	expect_refused(&t, PXM_E_INVAL, "mutation 'r1' needs plan and execute handlers (and no "
	    "read handler): every mutation is planned first");
	t = read_tool("r2");
	t.description = "MUTATION: lies";
	expect_refused(&t, PXM_E_INVAL, "tool 'r2': the description must start with READ-ONLY "
	    "(its kind is read)");
	t = mutation("m2");
	t.description = "READ-ONLY: lies";
	expect_refused(&t, PXM_E_INVAL, "tool 'm2': the description must start with MUTATION "
	    "(its kind is mutate)");
}
END_TEST

START_TEST(test_schema_rules)
{
	struct pxm_tool t = read_tool("s1");

	t.input_schema = "{\"type\":\"object\"}";
	expect_refused(&t, PXM_E_INVAL, "tool 's1' input schema must set \"additionalProperties\": "
	    "false (unknown arguments are refused)");
	t.input_schema = "{not json";
	expect_refused(&t, PXM_E_INVAL, "tool 's1' input schema is not valid JSON: string or '}' "
	    "expected near 'not' (line 1, column 4)");
	t = mutation("m3");
	t.input_schema = "{\"type\":\"object\",\"additionalProperties\":false,"
	    "\"properties\":{\"confirm\":{\"type\":\"boolean\"}}}";
	expect_refused(&t, PXM_E_INVAL, "tool 'm3' declares 'confirm', an argument the core "
	    "reserves for the plan/confirm pipeline");
}
END_TEST

START_TEST(test_served_schema_of_mutation)
{
	struct pxm_tool t = mutation("m4");
	const struct pxm_tool_def *d;
	json_t *props, *listing;
	size_t len;

	t.flags = PXM_TOOL_ASYNC | PXM_TOOL_UNDO | PXM_TOOL_IDEMPOTENT;
	ck_assert_int_eq(pxm_registry_add_tool(reg, NULL, NULL, "t", &t), PXM_OK);
	d = pxm_registry_find(reg, "m4");
	props = json_object_get(d->served_schema, "properties");
	ck_assert_ptr_nonnull(json_object_get(props, "confirm"));
	ck_assert_ptr_nonnull(json_object_get(props, "plan_id"));
	ck_assert_ptr_nonnull(json_object_get(props, "wait"));
	ck_assert_ptr_nonnull(json_object_get(props, "snapshot"));
	listing = json_loads(pxm_registry_listing(d, &len), 0, NULL);
	ck_assert_ptr_nonnull(listing);
	ck_assert(json_is_false(json_object_get(json_object_get(listing, "annotations"), "readOnlyHint")));
	ck_assert(json_is_true(json_object_get(json_object_get(listing, "annotations"), "destructiveHint")));
	ck_assert(json_is_true(json_object_get(json_object_get(listing, "annotations"), "idempotentHint")));
	ck_assert(json_is_true(json_object_get(json_object_get(listing, "annotations"), "openWorldHint")));
	json_decref(listing);
}
END_TEST

START_TEST(test_read_annotations)
{
	struct pxm_tool t = read_tool("r3");
	const struct pxm_tool_def *d;
	json_t *listing, *ann;
	size_t len;

	t.flags = PXM_TOOL_CLOSED_WORLD;
	ck_assert_int_eq(pxm_registry_add_tool(reg, NULL, NULL, "t", &t), PXM_OK);
	d = pxm_registry_find(reg, "r3");
	listing = json_loads(pxm_registry_listing(d, &len), 0, NULL);
	ann = json_object_get(listing, "annotations");
	ck_assert(json_is_true(json_object_get(ann, "readOnlyHint")));
	ck_assert(json_is_false(json_object_get(ann, "openWorldHint")));
	/* destructiveHint is meaningless on a read tool and not sent */
	ck_assert_ptr_null(json_object_get(ann, "destructiveHint"));
	ck_assert_ptr_null(json_object_get(json_object_get(json_object_get(listing, "inputSchema"),
	    "properties"), "confirm"));
	json_decref(listing);
}
END_TEST

START_TEST(test_api_tool_rules)
{
	struct pxm_api_tool a;
	struct pxm_error err;
	int fake_ep;

	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.kind = PXM_KIND_READ;
	a.name = "api_r";
	a.description = "READ-ONLY: api";
	a.method = "POST";
	a.path = "/nodes/{node}/status";
	a.input_schema = EMPTY;
	ck_assert_int_eq(pxm_registry_add_api_tool(reg, &err, NULL, "t",
	    (struct pxm_endpoint *)&fake_ep, &a), PXM_E_INVAL);
	ck_assert_str_eq(err.text, "API tool 'api_r' claims to be read-only but uses POST");
	a.kind = PXM_KIND_MUTATE;
	a.description = "MUTATION: api";
	a.method = "GET";
	ck_assert_int_eq(pxm_registry_add_api_tool(reg, &err, NULL, "t",
	    (struct pxm_endpoint *)&fake_ep, &a), PXM_E_INVAL);
	ck_assert_str_eq(err.text, "API tool 'api_r' is a mutation but uses GET");
	a.method = "DELETE";
	ck_assert_int_eq(pxm_registry_add_api_tool(reg, &err, NULL, "t",
	    (struct pxm_endpoint *)&fake_ep, &a), PXM_OK);
	ck_assert_str_eq(pxm_registry_find(reg, "api_r")->path, "/nodes/{node}/status");
}
END_TEST

START_TEST(test_old_struct_sizes)
{
	struct pxm_tool t = read_tool("tiny");
	struct pxm_error err;

	t.size = 8;
	ck_assert_int_eq(pxm_registry_add_tool(reg, &err, NULL, "t", &t), PXM_E_ABI);
}
END_TEST

START_TEST(test_suggest_and_counts)
{
	struct pxm_tool t;
	char buf[256];
	json_t *c;

	t = read_tool("pve_list_guests");
	pxm_registry_add_tool(reg, NULL, NULL, "pve", &t);
	t = read_tool("pve_guest_status");
	pxm_registry_add_tool(reg, NULL, NULL, "pve", &t);
	t = read_tool("audit_verify");
	pxm_registry_add_tool(reg, NULL, NULL, "proximo", &t);
	pxm_registry_suggest(reg, "pve_list_guest", buf, sizeof buf);
	ck_assert_str_eq(buf, "pve_list_guests");
	pxm_registry_suggest(reg, "zzzzzzzzzzzzzzzzz", buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	c = pxm_registry_counts(reg);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "pve")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "proximo")), 1);
	json_decref(c);
	pxm_registry_remove_owner(reg, NULL);
	ck_assert_uint_eq(pxm_registry_count(reg), 0);
}
END_TEST

static Suite *
registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("registration");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_kind_rules);
	tcase_add_test(tc, test_schema_rules);
	tcase_add_test(tc, test_served_schema_of_mutation);
	tcase_add_test(tc, test_read_annotations);
	tcase_add_test(tc, test_api_tool_rules);
	tcase_add_test(tc, test_old_struct_sizes);
	tcase_add_test(tc, test_suggest_and_counts);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(registry_suite)
