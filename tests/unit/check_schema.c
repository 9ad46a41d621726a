/**
 * @file check_schema.c
 * @brief The argument validator: every keyword, and the messages that name
 *        the argument and what is accepted.
 */
#include "config.h"

#include <string.h>

#include "pxmcheck.h"
#include "registry/schema.h"

static const char tool_schema[] =
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"node\",\"vmid\"],"
	"\"properties\":{"
	"\"node\":{\"type\":\"string\",\"pattern\":\"^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$\"},"
	"\"vmid\":{\"type\":\"integer\",\"minimum\":100,\"maximum\":999999999},"
	"\"kind\":{\"type\":\"string\",\"enum\":[\"lxc\",\"qemu\"]},"
	"\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":5},"
	"\"ratio\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":1},"
	"\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":2,\"uniqueItems\":true},"
	"\"opt\":{\"type\":[\"string\",\"null\"]},"
	"\"mode\":{\"const\":\"fast\"},"
	"\"size\":{\"anyOf\":[{\"type\":\"integer\",\"minimum\":1},{\"type\":\"string\",\"pattern\":\"^[0-9]+[KMG]$\"}]},"
	"\"disk\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"storage\"],"
	"  \"properties\":{\"storage\":{\"type\":\"string\"},\"gb\":{\"type\":\"integer\",\"minimum\":1}}}"
	"}}";

static json_t *schema;

static void
setup(void)
{
	struct pxm_error err;

	schema = json_loads(tool_schema, 0, NULL);
	ck_assert_ptr_nonnull(schema);
	ck_assert_int_eq(pxm_schema_check(&err, schema, "test"), PXM_OK);
}

static void
teardown(void)
{
	json_decref(schema);
	pxm_regex_cache_free();
}

/* Validate args (JSON text); expect ok, or an error text equal to `msg`. */
static void
expect(const char *args, const char *msg)
{
	struct pxm_error err;
	json_t *a = json_loads(args, 0, NULL);
	int r;

	ck_assert_msg(a != NULL, "bad test input %s", args);
	memset(&err, 0, sizeof err);
	r = pxm_schema_validate(&err, schema, a);
	json_decref(a);
	if (msg == NULL) {
		ck_assert_msg(r == PXM_OK, "%s: unexpected error: %s", args, err.text);
		return;
	}
	ck_assert_msg(r == PXM_E_INVAL, "%s: expected an error", args);
	ck_assert_str_eq(err.reason, "invalid_argument");
	ck_assert_str_eq(err.text, msg);
}

START_TEST(test_valid)
{
	expect("{\"node\":\"pve1\",\"vmid\":100}", NULL);
	expect("{\"node\":\"pve1\",\"vmid\":100.0,\"kind\":\"qemu\",\"name\":\"ab\","
	    "\"ratio\":0.5,\"tags\":[\"a\",\"b\"],\"opt\":null,\"mode\":\"fast\","
	    "\"size\":\"10G\",\"disk\":{\"storage\":\"local\",\"gb\":2}}", NULL);
	expect("{\"node\":\"pve1\",\"vmid\":100,\"size\":4}", NULL);
	/* maxLength counts code points, not bytes */
	expect("{\"node\":\"pve1\",\"vmid\":100,\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}", NULL);
}
END_TEST

START_TEST(test_required_and_unknown)
{
	expect("{\"vmid\":100}", "missing required argument 'node'");
	expect("{\"node\":\"a\",\"vmid\":100,\"nodee\":1}",
	    "unknown argument 'nodee'; accepted: node, vmid, kind, name, ratio, tags, opt, mode, size, disk");
	expect("{\"node\":\"a\",\"vmid\":100,\"disk\":{\"gb\":1}}",
	    "missing required argument 'disk.storage'");
	expect("{\"node\":\"a\",\"vmid\":100,\"disk\":{\"storage\":\"s\",\"x\":1}}",
	    "unknown argument 'disk.x'; accepted: storage, gb");
}
END_TEST

START_TEST(test_types)
{
	expect("{\"node\":\"a\",\"vmid\":\"100\"}", "argument 'vmid' must be an integer, got a string");
	expect("{\"node\":\"a\",\"vmid\":100.5}", "argument 'vmid' must be an integer, got a number");
	expect("{\"node\":1,\"vmid\":100}", "argument 'node' must be a string, got an integer");
	expect("{\"node\":\"a\",\"vmid\":100,\"tags\":\"x\"}", "argument 'tags' must be an array, got a string");
	expect("{\"node\":\"a\",\"vmid\":100,\"tags\":[1]}", "argument 'tags[0]' must be a string, got an integer");
	expect("{\"node\":\"a\",\"vmid\":100,\"opt\":true}", "argument 'opt' has the wrong type (a boolean)");
	expect("{\"node\":\"a\",\"vmid\":true}", "argument 'vmid' must be an integer, got a boolean");
}
END_TEST

START_TEST(test_ranges)
{
	expect("{\"node\":\"a\",\"vmid\":99}", "argument 'vmid' must be from 100 to 999999999 (got 99)");
	expect("{\"node\":\"a\",\"vmid\":1000000000}",
	    "argument 'vmid' must be from 100 to 999999999 (got 1000000000)");
	expect("{\"node\":\"a\",\"vmid\":100,\"ratio\":0}", "argument 'ratio' must be greater than 0 (got 0)");
	expect("{\"node\":\"a\",\"vmid\":100,\"ratio\":1}", "argument 'ratio' must be less than 1 (got 1)");
	expect("{\"node\":\"a\",\"vmid\":100,\"disk\":{\"storage\":\"s\",\"gb\":0}}",
	    "argument 'disk.gb' must be at least 1 (got 0)");
}
END_TEST

START_TEST(test_strings)
{
	expect("{\"node\":\"../../access\",\"vmid\":100}",
	    "argument 'node' does not match the pattern ^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$ (got \"../../access\")");
	expect("{\"node\":\"a\\nb\",\"vmid\":100}",
	    "argument 'node' does not match the pattern ^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$ (got \"a\\nb\")");
	expect("{\"node\":\"a\",\"vmid\":100,\"name\":\"\"}", "argument 'name' is 0 character(s) long; at least 1 required");
	expect("{\"node\":\"a\",\"vmid\":100,\"name\":\"abcdef\"}", "argument 'name' is 6 characters long; at most 5 accepted");
	expect("{\"node\":\"a\",\"vmid\":100,\"kind\":\"vm\"}", "argument 'kind' must be one of: lxc, qemu (got \"vm\")");
	expect("{\"node\":\"a\",\"vmid\":100,\"mode\":\"slow\"}", "argument 'mode' must be \"fast\"");
}
END_TEST

START_TEST(test_arrays_and_combinators)
{
	expect("{\"node\":\"a\",\"vmid\":100,\"tags\":[\"a\",\"b\",\"c\"]}", "argument 'tags' has 3 item(s); at most 2 accepted");
	expect("{\"node\":\"a\",\"vmid\":100,\"tags\":[\"a\",\"a\"]}", "argument 'tags' has a repeated item at 1; items must be unique");
	/* the first alternative's complaint is reported */
	expect("{\"node\":\"a\",\"vmid\":100,\"size\":0}", "argument 'size' must be at least 1 (got 0)");
	expect("{\"node\":\"a\",\"vmid\":100,\"size\":\"ten\"}", "argument 'size' must be an integer, got a string");
}
END_TEST

START_TEST(test_long_values_are_truncated_in_messages)
{
	struct pxm_error err;
	char big[5000];
	json_t *a;

	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	a = json_pack("{s:s, s:i}", "node", big, "vmid", 100);
	ck_assert_int_eq(pxm_schema_validate(&err, schema, a), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "zzz...)"));
	ck_assert_uint_lt(strlen(err.text), 300);
	json_decref(a);
}
END_TEST

static void
expect_bad_schema(const char *text, const char *msg)
{
	struct pxm_error err;
	json_t *s = json_loads(text, 0, NULL);

	ck_assert_ptr_nonnull(s);
	memset(&err, 0, sizeof err);
	ck_assert_int_ne(pxm_schema_check(&err, s, "t"), PXM_OK);
	ck_assert_str_eq(err.text, msg);
	json_decref(s);
}

START_TEST(test_schema_check)
{
	expect_bad_schema("{\"type\":\"array\"}", "t: the root of an input schema must have type \"object\"");
	expect_bad_schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLenght\":3}}}",
	    "t: unsupported schema keyword 'maxLenght'");
	expect_bad_schema("{\"type\":\"object\",\"required\":[\"b\"],\"properties\":{}}",
	    "t: required 'b' is not in properties");
	expect_bad_schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"strng\"}}}",
	    "t: 'type' must be one of string, integer, number, boolean, object, array, null");
	expect_bad_schema("{\"type\":\"object\",\"properties\":{\"a\":{\"pattern\":\"([a-\"}}}",
	    "t: 'pattern' does not compile");
	expect_bad_schema("{\"type\":\"object\",\"properties\":{\"a\":{\"minimum\":\"1\"}}}",
	    "t: 'minimum' must be a number");
}
END_TEST

START_TEST(test_pattern_properties)
{
	struct pxm_error err;
	json_t *s = json_loads("{\"type\":\"object\",\"additionalProperties\":false,"
	    "\"properties\":{\"name\":{\"type\":\"string\"}},"
	    "\"patternProperties\":{\"^net[0-9]{1,3}$\":{\"type\":\"string\",\"maxLength\":8}}}", 0, NULL);
	json_t *a;

	ck_assert_int_eq(pxm_schema_check(&err, s, "t"), PXM_OK);
	a = json_pack("{s:s, s:s}", "net0", "virtio", "net12", "e1000");
	ck_assert_int_eq(pxm_schema_validate(&err, s, a), PXM_OK);
	json_decref(a);
	a = json_pack("{s:s}", "net3", "way-too-long");
	ck_assert_int_eq(pxm_schema_validate(&err, s, a), PXM_E_INVAL);
	ck_assert_str_eq(err.text, "argument 'net3' is 12 characters long; at most 8 accepted");
	json_decref(a);
	a = json_pack("{s:s}", "netx", "a");
	ck_assert_int_eq(pxm_schema_validate(&err, s, a), PXM_E_INVAL);
	ck_assert_str_eq(err.text, "unknown argument 'netx'; accepted: name, names matching ^net[0-9]{1,3}$");
	json_decref(a);
	json_decref(s);
}
END_TEST

static Suite *
schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("validate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_required_and_unknown);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_arrays_and_combinators);
	tcase_add_test(tc, test_long_values_are_truncated_in_messages);
	tcase_add_test(tc, test_schema_check);
	tcase_add_test(tc, test_pattern_properties);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(schema_suite)
