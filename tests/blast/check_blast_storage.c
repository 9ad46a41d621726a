/**
 * @file check_blast_storage.c
 * @brief Storage op-classes against contrib/sim/profiles/blast-storage.json:
 *        delete/disable (1), node restriction (2), disk move capacity (3),
 *        volume/content delete (4), and the honest incomplete paths.
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
	bt_start(&t, "blast-storage", NULL, NULL);
}

static void
teardown(void)
{
	bt_stop(&t);
}

START_TEST(test_delete_names_every_victim)
{
	json_t *p = bt_plan(&t, "pve_storage_delete", json_pack("{s:s}", "storage", "fast"));
	json_t *r;

	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, json_is_true(json_object_get(p, "complete")));
	/* the guest whose only disk is there, running */
	r = bt_row(p, "qemu/201");
	bt_assert(p, r && strcmp(bt_str(r, "severity"), "high") == 0);
	bt_assert(p, json_is_true(json_object_get(r, "only_copy")));
	bt_assert(p, json_is_true(json_object_get(r, "running")));
	bt_assert(p, bt_effect_has(r, "will NOT boot") && bt_effect_has(r, "RUNNING"));
	/* a data disk only, boot disk elsewhere */
	r = bt_row(p, "qemu/202");
	bt_assert(p, r && strcmp(bt_str(r, "severity"), "medium") == 0);
	bt_assert(p, bt_effect_has(r, "degraded") && bt_effect_has(r, "scsi1"));
	/* EFI and TPM state */
	r = bt_row(p, "qemu/203");
	bt_assert(p, r && bt_effect_has(r, "UEFI/TPM") && strcmp(bt_str(r, "severity"), "high") == 0);
	bt_assert(p, json_array_size(json_object_get(r, "via")) == 2);
	/* the template and its linked clone */
	r = bt_row(p, "qemu/9001");
	bt_assert(p, r && bt_effect_has(r, "TEMPLATE"));
	r = bt_row(p, "qemu/204");
	bt_assert(p, r && bt_effect_has(r, "will NOT boot"));
	/* a container, and a guest on another node (local storage on every node) */
	bt_assert(p, bt_row(p, "lxc/205") != NULL);
	bt_assert(p, bt_row(p, "qemu/207") != NULL);
	/* not touched: disks elsewhere */
	bt_assert(p, bt_row(p, "qemu/220") == NULL);
	bt_assert(p, bt_row(p, "qemu/210") == NULL);
	/* beyond guests: replication of a guest on it, and an orphan volume */
	r = bt_row(p, "replication/206-0");
	bt_assert(p, r && bt_effect_has(r, "FAIL"));
	r = bt_row(p, "orphans");
	bt_assert(p, r && strstr(bt_dump(json_object_get(r, "volumes")), "fast:vm-299-disk-0"));
	bt_assert(p, bt_has(p, "blast_radius", "holds 10 volume(s)"));
	/* no volatile values bound into the plan */
	bt_assert(p, strstr(bt_dump(json_object_get(p, "affected")), "uptime") == NULL);
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_shared_storage_consumers_and_jobs)
{
	json_t *p = bt_plan(&t, "pve_storage_delete", json_pack("{s:s}", "storage", "nfs-shared"));
	json_t *r;

	bt_assert(p, bt_has(p, "blast_radius", "used by 3 guest(s) on 3 nodes"));
	r = bt_row(p, "backup-job/nightly-nfs");
	bt_assert(p, r && bt_effect_has(r, "every scheduled run will FAIL") &&
	    strcmp(bt_str(r, "severity"), "high") == 0);
	bt_assert(p, bt_row(p, "backup-job/weekly-local") == NULL);
	r = bt_row(p, "qemu/211");
	bt_assert(p, r && bt_effect_has(r, "HA-managed (vm:211)"));
	json_decref(p);
}
END_TEST

START_TEST(test_disable_is_the_same_loss)
{
	json_t *p = bt_plan(&t, "pve_storage_update", json_pack("{s:s, s:b}", "storage", "fast",
	    "disable", 1));
	json_t *r = bt_row(p, "qemu/201");

	bt_assert(p, r && strcmp(bt_str(r, "severity"), "high") == 0);
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, bt_has(p, "risk_reasons", "disabled"));
	json_decref(p);
}
END_TEST

START_TEST(test_node_restriction_strands)
{
	json_t *p = bt_plan(&t, "pve_storage_update", json_pack("{s:s, s:s}", "storage", "fast",
	    "nodes", "pve1,pve2"));
	json_t *r;

	r = bt_row(p, "qemu/207");
	bt_assert(p, r && bt_effect_has(r, "STRANDED on pve3") &&
	    strcmp(bt_str(r, "severity"), "high") == 0);
	bt_assert(p, bt_row(p, "qemu/201") == NULL);	/* pve1 keeps it */
	r = bt_row(p, "replication/206-0");
	bt_assert(p, r && bt_effect_has(r, "to pve3"));
	json_decref(p);

	/* HA recovery onto a node that loses the storage */
	p = bt_plan(&t, "pve_storage_update", json_pack("{s:s, s:s}", "storage", "nfs-shared",
	    "nodes", "pve1,pve2"));
	r = bt_row(p, "qemu/212");
	bt_assert(p, r && bt_effect_has(r, "STRANDED"));
	r = bt_row(p, "qemu/211");
	bt_assert(p, r && bt_effect_has(r, "HA may recover it onto pve3"));
	/* its node-affinity rule keeps 210 on pve1/pve2 */
	bt_assert(p, bt_row(p, "qemu/210") == NULL);
	json_decref(p);
}
END_TEST

START_TEST(test_unused_storage_is_said_only_when_complete)
{
	json_t *p = bt_plan(&t, "pve_storage_delete", json_pack("{s:s}", "storage", "empty"));
	json_t *f;

	bt_assert(p, bt_has(p, "blast_radius", "no guest has a disk on storage empty (every guest's "
	    "config was read)"));
	bt_assert(p, json_is_true(json_object_get(p, "complete")));
	json_decref(p);

	/* one guest config unreadable: never "no guest" */
	f = json_pack("{s:{s:s, s:s, s:i}}", "fail_operation", "method", "GET", "path",
	    "/nodes/pve1/qemu/202/config", "status", 500);
	ck_assert_int_eq(pxm_sim_faults(t.sim, f), 0);
	json_decref(f);
	p = bt_plan(&t, "pve_storage_delete", json_pack("{s:s}", "storage", "empty"));
	bt_assert(p, json_is_false(json_object_get(p, "complete")));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, !bt_has(p, "blast_radius", "no guest has a disk"));
	bt_assert(p, bt_has(p, "blast_radius", "INCOMPLETE: could not enumerate 1 of"));
	bt_assert(p, bt_has(p, "blast_radius", "qemu/202"));
	bt_assert(p, bt_row(p, "?") && strcmp(bt_str(bt_row(p, "?"), "severity"), "unknown") == 0);
	json_decref(p);

	/* the guest list itself forbidden */
	f = json_pack("{s:{s:s, s:s, s:i}}", "fail_operation", "method", "GET", "path",
	    "/cluster/resources", "status", 403);
	ck_assert_int_eq(pxm_sim_faults(t.sim, f), 0);
	json_decref(f);
	p = bt_plan(&t, "pve_storage_delete", json_pack("{s:s}", "storage", "fast"));
	bt_assert(p, json_is_false(json_object_get(p, "complete")));
	bt_assert(p, bt_has(p, "blast_radius", "could not enumerate the guests cluster-wide"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
}
END_TEST

START_TEST(test_disk_move_capacity)
{
	json_t *p, *r;

	p = bt_plan(&t, "pve_disk_move", json_pack("{s:i, s:s, s:s}", "vmid", 220, "disk", "scsi0",
	    "storage", "tiny"));
	r = bt_row(p, "storage/tiny");
	bt_assert(p, r && strcmp(bt_str(r, "verdict"), "wont_fit") == 0);
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, bt_has(p, "blast_radius", "WILL NOT FIT"));
	/* co-tenants are named when space is the problem */
	bt_assert(p, bt_row(p, "qemu/223") != NULL);
	/* free space is shown, never bound */
	bt_assert(p, strstr(bt_dump(r), "GiB") == NULL);
	json_decref(p);

	p = bt_plan(&t, "pve_disk_move", json_pack("{s:i, s:s, s:s}", "vmid", 221, "disk", "scsi0",
	    "storage", "tiny"));
	r = bt_row(p, "storage/tiny");
	bt_assert(p, r && strcmp(bt_str(r, "verdict"), "tight") == 0);
	bt_assert(p, strcmp(bt_str(p, "risk"), "medium") == 0);
	json_decref(p);

	/* a container volume into plenty of room: fits, and no co-tenant noise */
	p = bt_plan(&t, "pve_volume_move", json_pack("{s:i, s:s, s:s}", "vmid", 222, "volume",
	    "rootfs", "storage", "roomy"));
	r = bt_row(p, "storage/roomy");
	bt_assert(p, r && strcmp(bt_str(r, "verdict"), "fits") == 0);
	bt_assert(p, bt_nrows(p) == 1);
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") != 0);
	json_decref(p);

	/* delete=1 destroys the source */
	p = bt_plan(&t, "pve_disk_move", json_pack("{s:i, s:s, s:s, s:b}", "vmid", 221, "disk",
	    "scsi0", "storage", "roomy", "delete", 1));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, bt_has(p, "risk_reasons", "DELETED after the copy"));
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

static json_t *
content_delete(const char *storage, const char *volume)
{
	return bt_plan(&t, "pve_storage_content_delete", json_pack("{s:s, s:s, s:s}", "node", "pve1",
	    "storage", storage, "volume", volume));
}

START_TEST(test_content_delete)
{
	json_t *p, *r;

	/* an active disk: data destroyed, guest will not boot */
	p = content_delete("fast", "fast:vm-201-disk-0");
	r = bt_row(p, "qemu/201");
	bt_assert(p, r && bt_effect_has(r, "ACTIVE disk (scsi0)") && bt_effect_has(r, "NOT boot"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);

	/* a template's base: the linked clone breaks */
	p = content_delete("fast", "fast:base-9001-disk-0");
	r = bt_row(p, "qemu/204");
	bt_assert(p, r && bt_effect_has(r, "linked clone"));
	bt_assert(p, bt_row(p, "qemu/9001") != NULL);
	json_decref(p);

	/* backups: the only one, one of two, a protected one */
	p = content_delete("local", "local:backup/vzdump-qemu-201-2025_01_01-00_00_00.vma.zst");
	bt_assert(p, bt_has(p, "blast_radius", "ONLY backup of guest 201"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
	p = content_delete("local", "local:backup/vzdump-qemu-202-2025_01_01-00_00_00.vma.zst");
	bt_assert(p, bt_has(p, "blast_radius", "keeps 1 other backup"));
	json_decref(p);
	p = content_delete("local", "local:backup/vzdump-qemu-203-2025_01_02-00_00_00.vma.zst");
	bt_assert(p, bt_has(p, "blast_radius", "PROTECTED"));
	json_decref(p);

	/* an ISO in a CD-ROM drive */
	p = content_delete("local", "local:iso/debian-12.iso");
	r = bt_row(p, "qemu/230");
	bt_assert(p, r && bt_effect_has(r, "CD-ROM ide2"));
	json_decref(p);

	/* an orphan: nobody uses it, said because every config was read */
	p = content_delete("fast", "fast:vm-299-disk-0");
	bt_assert(p, bt_nrows(p) == 0);
	bt_assert(p, bt_has(p, "blast_radius", "no guest config references fast:vm-299-disk-0"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") != 0);
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("blast_storage");
	TCase *tc = tcase_create("storage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_delete_names_every_victim);
	tcase_add_test(tc, test_shared_storage_consumers_and_jobs);
	tcase_add_test(tc, test_disable_is_the_same_loss);
	tcase_add_test(tc, test_node_restriction_strands);
	tcase_add_test(tc, test_unused_storage_is_said_only_when_complete);
	tcase_add_test(tc, test_disk_move_capacity);
	tcase_add_test(tc, test_content_delete);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
