/**
 * @file check_diagnose.c
 * @brief DIAGNOSE against contrib/sim/profiles/blast-diagnose.json: node
 *        health with every flag citing its numbers, a node that is healthy
 *        only while every probe runs, failed tasks from a real failed task,
 *        and a guest report whose skipped in-guest battery keeps it from
 *        ever reading as healthy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "blasttest.h"
#include "pxmcheck.h"

static struct bt t;

static void
setup(void)
{
	bt_start(&t, "blast-diagnose", NULL, NULL);
}

static void
teardown(void)
{
	bt_stop(&t);
}

static json_t *
node(const char *name)
{
	return bt_call(&t, "pve_node_diagnose", json_pack("{s:s}", "node", name));
}

START_TEST(test_node_flags_cite_numbers)
{
	json_t *r = node("pve1");

	bt_assert(r, bt_has(r, "flags", "node memory at 97% (62.0 GiB of 64.0 GiB used)"));
	bt_assert(r, bt_has(r, "flags", "storage full-lvm at 95%"));
	bt_assert(r, bt_has(r, "flags", "storage nas is inactive (offline)"));
	bt_assert(r, bt_has(r, "flags", "HA service vm:800 on pve1 is in state error"));
	bt_assert(r, bt_has(r, "flags", "replication job 800-0 → pve2 failing (fail_count 3): no "
	    "space left on device"));
	bt_assert(r, bt_has(r, "flags", "no active subscription (status notfound)"));
	bt_assert(r, bt_has(r, "flags", "2 package update(s) pending (pve-manager 9.0.3 → 9.0.4"));
	bt_assert(r, bt_has(r, "flags", "disk /dev/sda SMART health FAILED"));
	bt_assert(r, bt_has(r, "flags", "disk /dev/nvme0n1 wearout: 4%"));
	bt_assert(r, json_is_true(json_object_get(r, "complete")));
	bt_assert(r, json_is_false(json_object_get(r, "healthy")));
	json_decref(r);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_healthy_only_when_every_probe_ran)
{
	json_t *r = node("pve2"), *f;

	bt_assert(r, json_array_size(json_object_get(r, "flags")) == 0);
	bt_assert(r, json_is_true(json_object_get(r, "complete")));
	bt_assert(r, json_is_true(json_object_get(r, "healthy")));
	json_decref(r);

	/* SMART not readable: no other flag, and still not healthy */
	f = json_pack("{s:{s:s, s:s, s:i}}", "fail_operation", "method", "GET", "path",
	    "/nodes/pve2/disks/list", "status", 403);
	ck_assert_int_eq(pxm_sim_faults(t.sim, f), 0);
	json_decref(f);
	r = node("pve2");
	bt_assert(r, json_is_false(json_object_get(r, "healthy")));
	bt_assert(r, json_is_false(json_object_get(r, "complete")));
	bt_assert(r, bt_has(r, "flags", "SMART (disks) read failed — diagnosis incomplete"));
	bt_assert(r, strncmp(bt_str(json_object_get(r, "probes_run"), "SMART (disks)"), "failed",
	    6) == 0);
	json_decref(r);
}
END_TEST

START_TEST(test_failed_tasks_in_the_window)
{
	json_t *f = json_pack("{s:s}", "fail_task", "*"), *p, *done, *r;

	ck_assert_int_eq(pxm_sim_faults(t.sim, f), 0);
	json_decref(f);
	/* a real task that fails: plan, confirm, wait */
	p = bt_plan(&t, "pve_snapshot_create", json_pack("{s:i, s:s}", "vmid", 801, "snapname",
	    "diag"));
	done = bt_call(&t, "pve_snapshot_create", json_pack("{s:i, s:s, s:b, s:s, s:b}", "vmid",
	    801, "snapname", "diag", "confirm", 1, "plan_id", bt_str(p, "plan_id"), "wait", 1));
	bt_assert(done, strcmp(bt_str(done, "status"), "error:task_failed") == 0);
	json_decref(p);
	json_decref(done);

	r = node("pve1");
	bt_assert(r, bt_has(r, "flags", "1 failed task(s) in the last 24 h (vzsnapshot ×1)"));
	bt_assert(r, json_array_size(json_object_get(r, "failed_tasks")) == 1);
	json_decref(r);
	r = bt_call(&t, "pve_diagnose", json_pack("{s:i}", "vmid", 801));
	bt_assert(r, bt_has(r, "flags", "1 failed task(s) for lxc/801"));
	json_decref(r);
}
END_TEST

START_TEST(test_guest_reports)
{
	json_t *r = bt_call(&t, "pve_diagnose", json_pack("{s:i}", "vmid", 800));

	bt_assert(r, bt_has(r, "flags", "guest is locked (lock=backup)"));
	bt_assert(r, bt_has(r, "flags", "storage full-lvm at 95%"));
	bt_assert(r, bt_has(r, "flags", "(holding scsi0)"));
	bt_assert(r, bt_has(r, "flags", "HA resource vm:800 is in state error"));
	bt_assert(r, bt_has(r, "flags", "replication job 800-0 failing (fail_count 3)"));
	bt_assert(r, bt_has(r, "flags", "not covered by any backup job"));
	bt_assert(r, bt_has(r, "flags", "in-guest"));
	bt_assert(r, json_is_false(json_object_get(r, "healthy")));
	json_decref(r);

	/* nothing wrong through the API, but the battery did not run:
	 * incomplete, never healthy */
	r = bt_call(&t, "pve_diagnose", json_pack("{s:i}", "vmid", 802));
	bt_assert(r, json_array_size(json_object_get(r, "flags")) == 1);
	bt_assert(r, bt_has(r, "flags", "in-container probes skipped — incomplete diagnosis"));
	bt_assert(r, bt_has(r, "flags", "QEMU guest agent surface (qga), which is not installed"));
	bt_assert(r, json_is_string(json_object_get(r, "probes_skipped")));
	bt_assert(r, json_is_false(json_object_get(r, "complete")));
	bt_assert(r, json_is_false(json_object_get(r, "healthy")));
	json_decref(r);

	/* a stopped container */
	r = bt_call(&t, "pve_diagnose", json_pack("{s:i}", "vmid", 801));
	bt_assert(r, bt_has(r, "flags", "guest is stopped (not running)"));
	bt_assert(r, bt_has(r, "flags", "the container is stopped, so nothing can run inside it"));
	json_decref(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("diagnose");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_node_flags_cite_numbers);
	tcase_add_test(tc, test_healthy_only_when_every_probe_ran);
	tcase_add_test(tc, test_failed_tasks_in_the_window);
	tcase_add_test(tc, test_guest_reports);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
