/**
 * @file check_diagnose_probes.c
 * @brief The container evidence battery's contract (plugins/pve/diagnose.h):
 *        keys and argv, and how a battery result merges into a report.
 */
#include "config.h"

#include <string.h>

#include "diagnose.h"
#include "pxmcheck.h"

static int
has(const json_t *rep, const char *sub)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(rep, "flags"), i, f)
		if (strstr(json_string_value(f), sub))
			return 1;
	return 0;
}

static json_t *
battery(const char *failed_units_output)
{
	return json_pack("{s:{s:i, s:s}, s:{s:i, s:s}, s:{s:i, s:s}, s:{s:i, s:s}, s:{s:i, s:s}}",
	    "failed_units", "returncode", 0, "output", failed_units_output,
	    "disk", "returncode", 0, "output", "/dev/sda1 8G 2G 6G 25% /",
	    "recent_errors", "returncode", 0, "output", "",
	    "memory", "returncode", 0, "output", "Mem: 1024 200 824",
	    "listening", "returncode", 0, "output", "LISTEN 0 128 0.0.0.0:22");
}

START_TEST(test_keys_and_argv)
{
	const char *const *a;
	size_t i;

	for (i = 0; pve_probe_keys[i]; i++)
		ck_assert_ptr_nonnull(pve_probe_argv(pve_probe_keys[i]));
	ck_assert_uint_eq(i, 5);
	a = pve_probe_argv("recent_errors");
	ck_assert_str_eq(a[0], "journalctl");
	ck_assert_str_eq(a[2], "err");
	ck_assert_ptr_null(pve_probe_argv("rm"));
	ck_assert_ptr_null(pve_probe_argv(NULL));
}
END_TEST

START_TEST(test_clean_battery)
{
	json_t *rep = json_pack("{s:[], s:b}", "flags", "complete", 1), *b = battery("");

	pve_diagnose_merge_probes(rep, b);
	ck_assert_uint_eq(json_array_size(json_object_get(rep, "flags")), 0);
	ck_assert(json_is_true(json_object_get(rep, "complete")));
	ck_assert_uint_eq(json_object_size(json_object_get(rep, "probes")), 5);
	json_decref(b);
	json_decref(rep);
}
END_TEST

START_TEST(test_failed_units_and_failed_probes)
{
	json_t *rep = json_pack("{s:[], s:b}", "flags", "complete", 1);
	json_t *b = battery("nginx.service loaded failed failed");

	json_object_set_new(b, "memory", json_pack("{s:s}", "error", "timeout"));
	json_object_set_new(b, "rm", json_pack("{s:i}", "returncode", 0));
	pve_diagnose_merge_probes(rep, b);
	ck_assert(has(rep, "systemd reports failed unit(s)"));
	ck_assert(has(rep, "one or more in-container probes failed"));
	ck_assert(has(rep, "outside the battery were ignored"));
	ck_assert(json_is_false(json_object_get(rep, "complete")));
	ck_assert_ptr_null(json_object_get(json_object_get(rep, "probes"), "rm"));
	json_decref(b);
	json_decref(rep);

	/* a key missing entirely is a probe that did not run */
	rep = json_pack("{s:[], s:b}", "flags", "complete", 1);
	b = battery("");
	json_object_del(b, "listening");
	pve_diagnose_merge_probes(rep, b);
	ck_assert(has(rep, "one or more in-container probes failed"));
	json_decref(b);
	json_decref(rep);
}
END_TEST

START_TEST(test_skipped_battery)
{
	json_t *rep = json_pack("{s:[], s:b}", "flags", "complete", 1);

	pve_diagnose_skip_probes(rep, "exec disabled");
	ck_assert(has(rep, "in-container probes skipped — incomplete diagnosis (exec disabled)"));
	ck_assert(json_is_false(json_object_get(rep, "complete")));
	ck_assert_str_eq(json_string_value(json_object_get(rep, "probes_skipped")), "exec disabled");
	json_decref(rep);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("diagnose_probes");
	TCase *tc = tcase_create("battery");

	tcase_add_test(tc, test_keys_and_argv);
	tcase_add_test(tc, test_clean_battery);
	tcase_add_test(tc, test_failed_units_and_failed_probes);
	tcase_add_test(tc, test_skipped_battery);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
