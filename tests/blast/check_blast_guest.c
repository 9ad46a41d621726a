/**
 * @file check_blast_guest.c
 * @brief Guest op-classes against contrib/sim/profiles/blast-guest.json:
 *        the destroy cascade (11), migrate residency (10), and the classes
 *        beyond the reference: node-wide bulk operations, vzdump
 *        selections, pools, backup coverage, replication targets, HA
 *        placement, and the generic door reaching the same classifiers.
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
	bt_start(&t, "blast-guest", NULL, NULL);
}

static void
teardown(void)
{
	bt_stop(&t);
}

static int
row_with(const json_t *plan, const char *res, const char *sub)
{
	int i;
	json_t *r;

	for (i = 0; (r = bt_row_nth(plan, res, i)) != NULL; i++)
		if (bt_effect_has(r, sub))
			return 1;
	return 0;
}

START_TEST(test_destroy_protected_guest_with_everything)
{
	json_t *p = bt_plan(&t, "pve_delete_guest", json_pack("{s:i}", "vmid", 300));

	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, json_is_true(json_object_get(p, "complete")));
	bt_assert(p, row_with(p, "qemu/300", "PROTECTED") && row_with(p, "qemu/300",
	    "force does NOT override"));
	bt_assert(p, row_with(p, "qemu/300", "RUNNING"));
	bt_assert(p, row_with(p, "ha:vm:300", "DANGLING"));
	bt_assert(p, row_with(p, "replication/300-0", "DANGLING"));
	bt_assert(p, row_with(p, "backup-job/only-300", "ONLY selection"));
	bt_assert(p, row_with(p, "backup-job/two", "keeps naming this guest"));
	bt_assert(p, row_with(p, "backup-job/pool-solo", "EMPTY"));
	bt_assert(p, bt_row(p, "backup-job/everything") == NULL);	/* all=1: nothing left behind */
	bt_assert(p, row_with(p, "storage/ceph", "scsi0, scsi1"));
	bt_assert(p, row_with(p, "snapshots", "2 snapshot(s)"));
	bt_assert(p, row_with(p, "pool/solo", "leaves pool solo"));
	bt_assert(p, strcmp(bt_str(bt_row(p, "qemu/300"), "category"), "wont_proceed") == 0);
	json_decref(p);

	/* purge=true: PVE cleans up, and says what it removes */
	p = bt_plan(&t, "pve_delete_guest", json_pack("{s:i, s:b}", "vmid", 300, "purge", 1));
	bt_assert(p, row_with(p, "ha:vm:300", "PVE will REMOVE"));
	bt_assert(p, strcmp(bt_str(bt_row(p, "ha:vm:300"), "severity"), "info") == 0);
	bt_assert(p, row_with(p, "replication/300-0", "PVE will REMOVE"));
	bt_assert(p, row_with(p, "backup-job/only-300", "selecting NOTHING"));
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_destroy_template_and_forced_container)
{
	json_t *p = bt_plan(&t, "pve_delete_guest", json_pack("{s:i}", "vmid", 9100));

	bt_assert(p, row_with(p, "qemu/9100", "linked clone(s) (qemu/305)"));
	bt_assert(p, bt_has(p, "blast_radius", "linked-clone detection is config-based"));
	json_decref(p);

	p = bt_plan(&t, "pve_delete_guest", json_pack("{s:i, s:b}", "vmid", 302, "force", 1));
	bt_assert(p, row_with(p, "lxc/302", "force=1 STOPS it hard"));
	bt_assert(p, !row_with(p, "lxc/302", "refuses"));
	json_decref(p);
}
END_TEST

START_TEST(test_migrate_residency)
{
	json_t *p;

	/* a local disk without with-local-disks: fails */
	p = bt_plan(&t, "pve_guest_migrate", json_pack("{s:i, s:s, s:b}", "vmid", 301, "target",
	    "pve2", "online", 1));
	bt_assert(p, row_with(p, "qemu/301:scsi0", "FAILS"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
	p = bt_plan(&t, "pve_guest_migrate", json_pack("{s:i, s:s, s:b, s:b}", "vmid", 301, "target",
	    "pve2", "online", 1, "with-local-disks", 1));
	bt_assert(p, row_with(p, "qemu/301:scsi0", "COPIED"));
	bt_assert(p, row_with(p, "qemu/301:scsi0", "LIVE"));
	json_decref(p);

	/* a running container without restart mode */
	p = bt_plan(&t, "pve_guest_migrate", json_pack("{s:i, s:s}", "vmid", 302, "target", "pve2"));
	bt_assert(p, bt_has(p, "blast_radius", "containers cannot migrate live"));
	json_decref(p);

	/* a local CD-ROM image blocks it */
	p = bt_plan(&t, "pve_guest_migrate", json_pack("{s:i, s:s}", "vmid", 303, "target", "pve2"));
	bt_assert(p, row_with(p, "qemu/303:ide2", "local CD-ROM"));
	bt_assert(p, bt_row(p, "qemu/303:scsi0") == NULL);	/* shared: follows */
	json_decref(p);

	/* HA placement rule, and an offline target */
	p = bt_plan(&t, "pve_guest_migrate", json_pack("{s:i, s:s, s:b}", "vmid", 304, "target",
	    "pve4", "online", 1));
	bt_assert(p, row_with(p, "ha-rule/stay_12", "does not list pve4"));
	bt_assert(p, bt_has(p, "blast_radius", "HA-managed (vm:304)"));
	json_decref(p);
	p = bt_plan(&t, "pve_guest_migrate", json_pack("{s:i, s:s, s:b}", "vmid", 304, "target",
	    "pve3", "online", 1));
	bt_assert(p, row_with(p, "qemu/304", "target node pve3 is offline"));
	json_decref(p);

	/* to its replication target: the job reverses */
	p = bt_plan(&t, "pve_guest_migrate", json_pack("{s:i, s:s, s:b}", "vmid", 300, "target",
	    "pve2", "online", 1));
	bt_assert(p, row_with(p, "replication/300-0", "replication target"));
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_node_bulk_operations_list_every_guest)
{
	json_t *p;

	p = bt_plan(&t, "pve_node_startall", json_pack("{s:s}", "node", "pve2"));
	bt_assert(p, row_with(p, "lxc/306", "will START (order=2)"));
	bt_assert(p, bt_row(p, "qemu/307") == NULL);	/* onboot not set */
	bt_assert(p, bt_row(p, "qemu/308") == NULL);	/* already running */
	bt_assert(p, bt_row(p, "qemu/300") == NULL);	/* other node */
	json_decref(p);
	p = bt_plan(&t, "pve_node_startall", json_pack("{s:s, s:b}", "node", "pve2", "force", 1));
	bt_assert(p, bt_row(p, "qemu/307") != NULL);
	json_decref(p);

	p = bt_plan(&t, "pve_node_stopall", json_pack("{s:s}", "node", "pve2"));
	bt_assert(p, bt_nrows(p) == 2);
	bt_assert(p, row_with(p, "qemu/308", "HA-managed"));
	bt_assert(p, row_with(p, "qemu/309", "RUNNING"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);

	p = bt_plan(&t, "pve_node_migrateall", json_pack("{s:s, s:s}", "node", "pve2", "target",
	    "pve1"));
	bt_assert(p, bt_nrows(p) == 4);
	bt_assert(p, row_with(p, "qemu/309", "FAILS"));
	bt_assert(p, row_with(p, "qemu/308", "LIVE"));
	json_decref(p);
	p = bt_plan(&t, "pve_node_migrateall", json_pack("{s:s, s:s, s:s}", "node", "pve2", "target",
	    "pve1", "vms", "308"));
	bt_assert(p, bt_nrows(p) == 1 && bt_row(p, "qemu/308") != NULL);
	json_decref(p);
}
END_TEST

START_TEST(test_vzdump_selection)
{
	json_t *p;

	p = bt_plan(&t, "pve_backup", json_pack("{s:s, s:b, s:s}", "node", "pve2", "all", 1, "mode",
	    "stop"));
	bt_assert(p, row_with(p, "qemu/308", "SHUTS IT DOWN"));
	bt_assert(p, row_with(p, "qemu/309", "SHUTS IT DOWN"));
	bt_assert(p, bt_row(p, "qemu/300") == NULL);	/* vzdump runs on pve2 only */
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
	p = bt_plan(&t, "pve_backup", json_pack("{s:s, s:s}", "node", "pve2", "pool", "lab"));
	bt_assert(p, bt_nrows(p) == 2 && bt_row(p, "lxc/306") && bt_row(p, "qemu/307"));
	json_decref(p);
	p = bt_plan(&t, "pve_backup", json_pack("{s:s, s:s}", "node", "pve2", "vmid", "300"));
	bt_assert(p, bt_has(p, "blast_radius", "matches NO guest on pve2"));
	json_decref(p);
}
END_TEST

START_TEST(test_pools)
{
	json_t *p, *r;

	p = bt_plan(&t, "pve_pool_delete", json_pack("{s:s}", "poolid", "lab"));
	bt_assert(p, row_with(p, "lxc/306", "REFUSES") && row_with(p, "qemu/307", "REFUSES"));
	bt_assert(p, row_with(p, "backup-job/lab-nightly", "selects NOTHING"));
	r = bt_row(p, "acl:/pool/lab");
	bt_assert(p, r && strstr(bt_dump(json_object_get(r, "principals")), "@ops (PVEVMAdmin)"));
	json_decref(p);

	/* a member leaves: its access and its only backup job go with the pool */
	p = bt_plan(&t, "pve_pool_update", json_pack("{s:s, s:s, s:b}", "poolid", "lab", "vms",
	    "306", "delete", 1));
	bt_assert(p, row_with(p, "lxc/306", "leaves pool lab"));
	bt_assert(p, row_with(p, "lxc/306", "NO other job backs it up"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
	/* a guest joins: everyone with roles on the pool reaches it */
	p = bt_plan(&t, "pve_pool_update", json_pack("{s:s, s:s}", "poolid", "lab", "vms", "301"));
	bt_assert(p, row_with(p, "qemu/301", "joins pool lab"));
	bt_assert(p, bt_has(p, "blast_radius", "@ops (PVEVMAdmin)"));
	json_decref(p);
}
END_TEST

START_TEST(test_backup_coverage)
{
	json_t *p;

	p = bt_plan(&t, "pve_backup_job_delete", json_pack("{s:s}", "id", "everything"));
	bt_assert(p, row_with(p, "lxc/302", "no longer be backed up by ANY job"));
	bt_assert(p, row_with(p, "qemu/309", "no longer be backed up by ANY job"));
	bt_assert(p, row_with(p, "qemu/301", "still backed up by another job"));
	bt_assert(p, bt_row(p, "qemu/303") == NULL);	/* excluded: no change */
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);

	p = bt_plan(&t, "pve_backup_job_update", json_pack("{s:s, s:s}", "id", "two", "vmid", "999"));
	bt_assert(p, row_with(p, "backup-job/two", "matches NO guest"));
	bt_assert(p, row_with(p, "qemu/301", "still backed up"));
	json_decref(p);

	p = bt_plan(&t, "pve_backup_job_update", json_pack("{s:s, s:b}", "id", "lab-nightly",
	    "enabled", 0));
	bt_assert(p, bt_has(p, "blast_radius", "DISABLED"));
	bt_assert(p, row_with(p, "lxc/306", "ANY job"));	/* excluded from everything */
	json_decref(p);
}
END_TEST

START_TEST(test_replication_targets)
{
	json_t *p;

	p = bt_plan(&t, "pve_replication_delete", json_pack("{s:s}", "id", "300-0"));
	bt_assert(p, row_with(p, "qemu/300", "loses its replica on pve2"));
	bt_assert(p, row_with(p, "qemu/300", "HA-managed"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
	p = bt_plan(&t, "pve_replication_update", json_pack("{s:s, s:b}", "id", "309-0", "disable", 1));
	bt_assert(p, row_with(p, "qemu/309", "STALE"));
	json_decref(p);
}
END_TEST

START_TEST(test_ha_placement)
{
	json_t *p;

	p = bt_plan(&t, "pve_ha_rule_update", json_pack("{s:s, s:s, s:s}", "rule", "stay_12", "type",
	    "node-affinity", "nodes", "pve2"));
	bt_assert(p, row_with(p, "qemu/304", "HA will MIGRATE it"));
	json_decref(p);
	p = bt_plan(&t, "pve_ha_rule_update", json_pack("{s:s, s:s, s:s, s:b}", "rule", "stay_12",
	    "type", "node-affinity", "nodes", "pve3", "strict", 1));
	bt_assert(p, row_with(p, "qemu/304", "HA STOPS it"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
	p = bt_plan(&t, "pve_ha_rule_delete", json_pack("{s:s}", "rule", "apart"));
	bt_assert(p, row_with(p, "qemu/300", "no longer kept apart"));
	bt_assert(p, row_with(p, "qemu/304", "no longer kept apart"));
	json_decref(p);
	p = bt_plan(&t, "pve_ha_resource_remove", json_pack("{s:s}", "sid", "vm:304"));
	bt_assert(p, row_with(p, "qemu/304", "no longer HA-managed"));
	bt_assert(p, bt_has(p, "blast_radius", "HA rule stay_12 names vm:304"));
	json_decref(p);
	p = bt_plan(&t, "pve_ha_resource_update", json_pack("{s:s, s:s}", "sid", "vm:304", "state",
	    "stopped"));
	bt_assert(p, row_with(p, "qemu/304", "STOPS"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
	/* the reference: an HA resource added with state=stopped is HIGH */
	p = bt_plan(&t, "pve_ha_resource_add", json_pack("{s:s, s:s}", "sid", "vm:303", "state",
	    "stopped"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, bt_has(p, "risk_reasons", "state=stopped"));
	json_decref(p);
}
END_TEST

START_TEST(test_generic_door_is_classified_the_same)
{
	json_t *p;

	/* HA groups have no curated tool: the door reaches them, and the
	 * classifier attached to the operation assesses it. */
	p = bt_plan(&t, "pve_api_call", json_pack("{s:s, s:s, s:{s:s, s:b}}", "method", "PUT",
	    "path", "/cluster/ha/groups/grp", "params", "nodes", "pve4", "restricted", 1));
	bt_assert(p, row_with(p, "qemu/308", "HA will MIGRATE it"));
	json_decref(p);
	/* params given: door.c leaks the {} it makes up when they are absent */
	p = bt_plan(&t, "pve_api_call", json_pack("{s:s, s:s, s:{}}", "method", "DELETE", "path",
	    "/pools/lab", "params"));
	bt_assert(p, row_with(p, "backup-job/lab-nightly", "selects NOTHING"));
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("blast_guest");
	TCase *tc = tcase_create("guest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_destroy_protected_guest_with_everything);
	tcase_add_test(tc, test_destroy_template_and_forced_container);
	tcase_add_test(tc, test_migrate_residency);
	tcase_add_test(tc, test_node_bulk_operations_list_every_guest);
	tcase_add_test(tc, test_vzdump_selection);
	tcase_add_test(tc, test_pools);
	tcase_add_test(tc, test_backup_coverage);
	tcase_add_test(tc, test_replication_targets);
	tcase_add_test(tc, test_ha_placement);
	tcase_add_test(tc, test_generic_door_is_classified_the_same);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
