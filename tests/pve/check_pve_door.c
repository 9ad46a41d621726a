/**
 * @file check_pve_door.c
 * @brief The generic door (pve_api_get, pve_api_call) through the real
 *        binary against proximo-sim: a sample of operations of every
 *        method, planned and confirmed like any change with the effect in
 *        the simulator's state, and every kind of refusal, each with
 *        nothing sent.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvetest.h"

static struct pxmtest_proc proc;

static void
setup(void)
{
	pvt_reset();
	pvt_spawn(&proc, NULL);
}

static void
teardown(void)
{
	pvt_finish(&proc);
}

static json_t *
door_get(const char *path, json_t *params_new)
{
	json_t *a = json_pack("{s:s}", "path", path);

	if (params_new)
		json_object_set_new(a, "params", params_new);
	return pvt_call(&proc, "pve_api_get", a);
}

static json_t *
door_args(const char *method, const char *path, json_t *params_new)
{
	json_t *a = json_pack("{s:s, s:s}", "method", method, "path", path);

	if (params_new)
		json_object_set_new(a, "params", params_new);
	return a;
}

/* Plan and confirm one door change; returns the confirmed result (new)
 * after checking the plan, that exactly one request was sent and that it
 * was the declared one, answered 2xx. */
static json_t *
door_change(const char *method, const char *path, json_t *params_new, const char *want_risk,
    int wait)
{
	json_t *args = door_args(method, path, params_new), *plan, *res, *sent, *e;
	long long mark;
	char why[1200];

	plan = pvt_plan(&proc, "pve_api_call", args);
	ck_assert_str_eq(json_string_value(json_object_get(plan, "risk")), want_risk);
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "effects")), 1);
	e = json_array_get(json_object_get(plan, "effects"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "method")), method);
	ck_assert_str_eq(json_string_value(json_object_get(e, "path")), path);
	mark = pvt_mark();
	res = pvt_confirm(&proc, "pve_api_call", args, json_string_value(json_object_get(plan,
	    "plan_id")), wait);
	ck_assert_msg(!pvt_is_error(res), "%s %s: %s", method, path, pvt_text(res));
	sent = pvt_sent_since(mark);
	ck_assert_msg(json_array_size(sent) == 1, "sent %s", pvt_dump(sent));
	e = json_array_get(sent, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "method")), method);
	ck_assert_str_eq(json_string_value(json_object_get(e, "path")) + strlen("/api2/json"), path);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "status")), 200);
	if (json_object_get(args, "params"))
		ck_assert_msg(pvt_subset(json_object_get(args, "params"), json_object_get(e, "params"),
		    why, sizeof why), "%s", why);
	json_decref(sent);
	json_decref(plan);
	json_decref(args);
	return res;
}

/* A refusal: an error naming `text`, and nothing at all reached the
 * simulator (not even a read). */
static void
expect_refused(json_t *res_new, long long mark, const char *text)
{
	json_t *log = pvt_since(mark);

	ck_assert_msg(pvt_is_error(res_new), "not refused: %s", pvt_text(res_new));
	ck_assert_msg(strstr(pvt_text(res_new), text) != NULL, "refusal '%s' does not say '%s'",
	    pvt_text(res_new), text);
	ck_assert_msg(json_array_size(log) == 0, "the refused call sent %s", pvt_dump(log));
	json_decref(log);
	json_decref(res_new);
}

static void
expect_state(const char *pointer, json_t *want_new)
{
	json_t *st = pvt_state();
	char why[1200];

	ck_assert_msg(pvt_subset(want_new, pvt_ptr(st, pointer), why, sizeof why), "%s: %s",
	    pointer, why);
	json_decref(want_new);
	json_decref(st);
}

/* ------------------------------------------------------------- GET */

START_TEST(test_get_sample)
{
	long long mark = pvt_mark();
	json_t *r, *sc, *log;

	r = door_get("/version", NULL);
	sc = pvt_ok(r, "pve_api_get");
	ck_assert_str_eq(json_string_value(json_object_get(sc, "operation")), "/version");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sc, "data"), "release")),
	    "9.0");
	json_decref(r);

	r = door_get("/nodes/pve1/qemu/102/config", json_pack("{s:s}", "snapshot", "before-upgrade"));
	sc = pvt_ok(r, "pve_api_get");
	ck_assert_str_eq(json_string_value(json_object_get(sc, "operation")),
	    "/nodes/{node}/qemu/{vmid}/config");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sc, "data"), "memory")),
	    "32768");
	json_decref(r);

	r = door_get("/cluster/resources", json_pack("{s:s}", "type", "storage"));
	sc = pvt_ok(r, "pve_api_get");
	ck_assert_uint_eq(json_array_size(json_object_get(sc, "data")), 15);
	json_decref(r);

	/* a value with '/' travels encoded, as one segment */
	r = door_get("/nodes/pve1/storage/local/content/local:iso%2Fdebian-12.7.0-amd64-netinst.iso",
	    NULL);
	sc = pvt_ok(r, "pve_api_get");
	ck_assert_str_eq(json_string_value(json_object_get(sc, "operation")),
	    "/nodes/{node}/storage/{storage}/content/{volume}");
	json_decref(r);

	log = pvt_since(mark);
	ck_assert_uint_eq(json_array_size(log), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(log, 1), "path")),
	    "/api2/json/nodes/pve1/qemu/102/config");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(log, 1),
	    "params"), "snapshot")), "before-upgrade");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(log, 3), "path")),
	    "/api2/json/nodes/pve1/storage/local/content/local%3Aiso%2Fdebian-12.7.0-amd64-netinst.iso");
	json_decref(log);
}
END_TEST

/* ------------------------------------------------- POST, PUT, DELETE */

START_TEST(test_post_put_delete_sample)
{
	size_t from = pvt_ledger_size();
	json_t *r;
	char *outs;

	r = door_change("POST", "/access/domains", json_pack("{s:s, s:s, s:s, s:s, s:s}", "realm",
	    "corp", "type", "ldap", "server1", "ldap.example.com", "base_dn", "dc=example,dc=com",
	    "user_attr", "uid"), "medium", 0);
	json_decref(r);
	expect_state("/pve/access/domains/corp", json_pack("{s:s, s:s}", "type", "ldap",
	    "server1", "ldap.example.com"));

	r = door_change("PUT", "/access/domains/corp", json_pack("{s:s}", "comment",
	    "Corporate directory"), "medium", 0);
	json_decref(r);
	expect_state("/pve/access/domains/corp/comment", json_string("Corporate directory"));

	r = door_change("PUT", "/cluster/options", json_pack("{s:s, s:s}", "keyboard", "de",
	    "description", "managed by the suite"), "medium", 0);
	json_decref(r);
	expect_state("/pve/config/~1cluster~1options", json_pack("{s:s}", "keyboard", "de"));

	/* an asynchronous one: the UPID, waited on through the core */
	r = door_change("POST", "/nodes/pve1/qemu/100/status/reset", NULL, "medium", 1);
	ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(r), "status")), "ok");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(pvt_sc(r), "task")),
	    ":qmreset:100:"));
	ck_assert(json_is_true(json_object_get(json_object_get(pvt_sc(r), "wait"), "succeeded")));
	json_decref(r);
	expect_state("/tasks", json_pack("{s:{s:s, s:s, s:b}}", "$some", "type", "qmreset", "id",
	    "100", "done", 1));

	r = door_change("DELETE", "/access/domains/corp", NULL, "high", 0);
	json_decref(r);
	expect_state("/pve/access/domains/corp", json_pack("{s:b}", "$absent", 1));

	outs = pvt_outcomes(from, "pve_api_call");
	ck_assert_str_eq(outs, "planned,planned,executing,ok,planned,planned,executing,ok,"
	    "planned,planned,executing,ok,planned,planned,executing,submitted,ok,"
	    "planned,planned,executing,ok");
	free(outs);
}
END_TEST

/* ------------------------------------------------------------ refusals */

START_TEST(test_refuses_unknown_paths_with_the_nearest)
{
	long long mark = pvt_mark();
	json_t *r;

	r = door_get("/nodes/pve1/qemu/100/confg", NULL);
	ck_assert_ptr_nonnull(strstr(pvt_text(r), "/nodes/{node}/qemu/{vmid}/config"));
	expect_refused(r, mark, "is not an operation of the PVE 9.2 API");
	r = pvt_call(&proc, "pve_api_call", door_args("POST", "/cluster/frobnicate", NULL));
	expect_refused(r, mark, "is not an operation of the PVE 9.2 API");
	/* a GET-only path through the change door */
	r = pvt_call(&proc, "pve_api_call", door_args("DELETE", "/version", NULL));
	expect_refused(r, mark, "DELETE /version is not an operation");
}
END_TEST

START_TEST(test_refuses_consoles_tunnels_logins)
{
	long long mark = pvt_mark();

	expect_refused(pvt_call(&proc, "pve_api_call", door_args("POST",
	    "/nodes/pve1/qemu/100/vncproxy", NULL)), mark, "console, tunnel or login endpoint");
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("POST",
	    "/nodes/pve1/termproxy", NULL)), mark, "console, tunnel or login endpoint");
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("POST", "/access/ticket",
	    json_pack("{s:s, s:s}", "username", "root@pam", "password", "x"))), mark,
	    "console, tunnel or login endpoint");
	expect_refused(door_get("/nodes/pve1/qemu/100/vncwebsocket", json_pack("{s:i, s:s}",
	    "port", 5900, "vncticket", "x")), mark, "console, tunnel or login endpoint");
}
END_TEST

START_TEST(test_refuses_what_a_curated_tool_covers)
{
	long long mark = pvt_mark();

	expect_refused(pvt_call(&proc, "pve_api_call", door_args("POST",
	    "/nodes/pve1/qemu/100/status/stop", NULL)), mark, "use pve_guest_power");
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("PUT",
	    "/nodes/pve1/lxc/121/config", json_pack("{s:i}", "cores", 2))), mark,
	    "use pve_guest_config_set");
	/* scoped tools, with the guest kind in a variable */
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("PUT",
	    "/cluster/firewall/options", json_pack("{s:i}", "enable", 0))), mark,
	    "use pve_firewall_options_set");
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("DELETE",
	    "/nodes/pve2/lxc/103/firewall/rules/0", NULL)), mark, "use pve_firewall_rule_remove");
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("POST",
	    "/nodes/pve1/services/pveproxy/stop", NULL)), mark, "use pve_node_service_control");
}
END_TEST

START_TEST(test_refuses_bad_parameters)
{
	long long mark = pvt_mark();

	/* enum */
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("PUT", "/cluster/options",
	    json_pack("{s:s}", "keyboard", "klingon"))), mark, "keyboard");
	expect_refused(door_get("/cluster/resources", json_pack("{s:s}", "type", "bogus")), mark,
	    "type");
	/* a parameter the operation does not have */
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("PUT", "/cluster/options",
	    json_pack("{s:s}", "colour", "blue"))), mark, "colour");
	/* a missing requirement */
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("POST", "/access/domains",
	    json_pack("{s:s}", "realm", "corp"))), mark, "type");
	/* types and ranges, path variables included */
	expect_refused(door_get("/nodes/pve1/qemu/abc/config", NULL), mark, "vmid");
	expect_refused(door_get("/nodes/pve1/qemu/99/config", NULL), mark, "vmid");
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("POST",
	    "/nodes/pve1/qemu/100/status/reset", json_pack("{s:s}", "skiplock", "yes"))), mark,
	    "skiplock");
	/* a path variable repeated as a parameter */
	expect_refused(door_get("/nodes/pve1/qemu/100/config", json_pack("{s:i}", "vmid", 101)),
	    mark, "repeats a path variable");
	/* traversal, and a method the change door does not take */
	expect_refused(door_get("/nodes/pve1/../../access/users", NULL), mark,
	    "is not an operation");
	expect_refused(door_get("/nodes/../qemu/100/config", NULL), mark, "'node'");
	expect_refused(door_get("/nodes/%2E%2E/qemu/100/config", NULL), mark, "'node'");
	expect_refused(door_get("/nodes/pve1/qemu/100%2F..%2F101/config", NULL), mark,
	    "does not decode");
	expect_refused(pvt_call(&proc, "pve_api_call", door_args("GET", "/version", NULL)), mark,
	    "method");
	expect_refused(door_get("/version?x=1", NULL), mark, "path");
}
END_TEST

/* Refusals of a change are recorded: the plan failed, nothing ran. */
START_TEST(test_refusals_are_recorded)
{
	size_t from = pvt_ledger_size();
	json_t *l, *e;
	char *outs;

	json_decref(pvt_call(&proc, "pve_api_call", door_args("POST",
	    "/nodes/pve1/qemu/100/status/start", NULL)));
	outs = pvt_outcomes(from, "pve_api_call");
	ck_assert_str_eq(outs, "error");
	free(outs);
	l = pvt_ledger();
	e = json_array_get(l, json_array_size(l) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "detail"), "error")),
	    "door_refused");
	ck_assert_int_eq(json_is_true(json_object_get(e, "mutation")), 1);
	json_decref(l);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pve_door");
	TCase *tc = tcase_create("generic door");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_get_sample);
	tcase_add_test(tc, test_post_put_delete_sample);
	tcase_add_test(tc, test_refuses_unknown_paths_with_the_nearest);
	tcase_add_test(tc, test_refuses_consoles_tunnels_logins);
	tcase_add_test(tc, test_refuses_what_a_curated_tool_covers);
	tcase_add_test(tc, test_refuses_bad_parameters);
	tcase_add_test(tc, test_refusals_are_recorded);
	suite_add_tcase(s, tc);
	return s;
}

PVT_MAIN(suite, "--task-ms", "20")
