/**
 * @file check_blast_network.c
 * @brief Network op-classes against contrib/sim/profiles/blast-network.json:
 *        apply lockout (7) through the management interface's chain (bridge,
 *        bond, slaves), bridges an apply removes, staged interface edits and
 *        the guests on their bridges (9), SDN VNet deletion, and an
 *        unreadable interface list.
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
	bt_start(&t, "blast-network", NULL, NULL);
}

static void
teardown(void)
{
	bt_stop(&t);
}

/* Stage pending changes on pve1: the current interfaces with `key` of
 * `iface` set to `value` (NULL removes the interface). */
static void
stage(const char *iface, const char *key, const char *value)
{
	json_t *net = NULL;

	ck_assert_int_eq(pxm_sim_control(&net, t.sim, "GET", "/state/pve/nodes/pve1/network", NULL),
	    200);
	ck_assert(json_is_object(net));
	if (value == NULL)
		json_object_del(net, iface);
	else
		json_object_set_new(json_object_get(net, iface), key, json_string(value));
	ck_assert_int_eq(pxm_sim_state_put(t.sim, "/pve/nodes/pve1/network_pending", net), 0);
	json_decref(net);
}

static json_t *
apply(void)
{
	return bt_plan(&t, "pve_network_apply", json_pack("{s:s}", "node", "pve1"));
}

START_TEST(test_apply_without_changes_stays_high)
{
	json_t *p = apply();

	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, bt_has(p, "blast_radius", "no pending network changes"));
	json_decref(p);
}
END_TEST

START_TEST(test_apply_touching_the_management_chain)
{
	json_t *p, *r;

	/* a slave of the bond under the management bridge */
	stage("eno1", "mtu", "9000");
	p = apply();
	r = bt_row(p, "node/pve1");
	bt_assert(p, r && bt_effect_has(r, "LOCKOUT") && bt_effect_has(r, "'eno1'") &&
	    bt_effect_has(r, "10.50.0.11"));
	bt_assert(p, strcmp(bt_str(r, "iface"), "vmbr0") == 0);
	json_decref(p);

	/* the management bridge itself loses the address */
	stage("vmbr0", "cidr", "10.50.0.99/24");
	{
		json_t *addr = json_string("10.50.0.99");

		ck_assert_int_eq(pxm_sim_state_put(t.sim,
		    "/pve/nodes/pve1/network_pending/vmbr0/address", addr), 0);
		json_decref(addr);
	}
	p = apply();
	r = bt_row(p, "node");
	bt_assert(p, r && bt_effect_has(r, "no interface holds the management address"));
	json_decref(p);
}
END_TEST

START_TEST(test_apply_elsewhere_names_guests)
{
	json_t *p, *r;

	stage("vmbr1", "mtu", "9000");
	p = apply();
	bt_assert(p, bt_row(p, "node/pve1") == NULL);
	bt_assert(p, bt_has(p, "blast_radius", "management interface vmbr0 (holds 10.50.0.11) is not "
	    "among the changed interfaces (vmbr1)"));
	r = bt_row(p, "lxc/702");
	bt_assert(p, r && bt_effect_has(r, "disrupted now"));
	bt_assert(p, bt_row(p, "qemu/701") != NULL);
	bt_assert(p, bt_row(p, "qemu/703") == NULL);	/* another node */
	bt_assert(p, bt_row(p, "qemu/705") == NULL);	/* bridge=vmbr10 is not vmbr1 */
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);

	/* a bridge removed by the apply: its guests lose their network */
	stage("vmbr1", NULL, NULL);
	p = apply();
	r = bt_row(p, "qemu/701");
	bt_assert(p, r && bt_effect_has(r, "REMOVED") && strcmp(bt_str(r, "severity"), "high") == 0);
	json_decref(p);
}
END_TEST

START_TEST(test_staged_iface_edits)
{
	json_t *p, *r;

	p = bt_plan(&t, "pve_network_iface_update", json_pack("{s:s, s:s, s:s}", "node", "pve1",
	    "iface", "vmbr1", "type", "bridge"));
	r = bt_row(p, "qemu/701");
	bt_assert(p, r && bt_effect_has(r, "staged change"));
	bt_assert(p, bt_row(p, "lxc/702") != NULL && bt_row(p, "qemu/703") == NULL);
	bt_assert(p, !bt_has(p, "blast_radius", "management interface"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") != 0);	/* staged: never escalated */
	json_decref(p);

	/* a bond slave under the management bridge: said, not escalated */
	p = bt_plan(&t, "pve_network_iface_update", json_pack("{s:s, s:s, s:s}", "node", "pve1",
	    "iface", "eno2", "type", "eth"));
	bt_assert(p, bt_has(p, "blast_radius", "touches the management interface vmbr0"));
	bt_assert(p, bt_row(p, "qemu/700") != NULL);
	json_decref(p);

	p = bt_plan(&t, "pve_network_iface_delete", json_pack("{s:s, s:s}", "node", "pve1", "iface",
	    "vmbr1"));
	bt_assert(p, bt_effect_has(bt_row(p, "qemu/701"), "loses its network"));
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_vnet_delete_and_unreadable_network)
{
	json_t *p, *f;

	p = bt_plan(&t, "pve_sdn_vnet_delete", json_pack("{s:s}", "vnet", "vnetA"));
	bt_assert(p, bt_nrows(p) == 1 && bt_row(p, "qemu/704") != NULL);
	json_decref(p);

	f = json_pack("{s:{s:s, s:s, s:i}}", "fail_operation", "method", "GET", "path",
	    "/nodes/pve1/network", "status", 500);
	ck_assert_int_eq(pxm_sim_faults(t.sim, f), 0);
	json_decref(f);
	p = apply();
	bt_assert(p, json_is_false(json_object_get(p, "complete")));
	bt_assert(p, bt_has(p, "blast_radius", "whether this locks you out is unknown"));
	json_decref(p);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("blast_network");
	TCase *tc = tcase_create("network");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_apply_without_changes_stays_high);
	tcase_add_test(tc, test_apply_touching_the_management_chain);
	tcase_add_test(tc, test_apply_elsewhere_names_guests);
	tcase_add_test(tc, test_staged_iface_edits);
	tcase_add_test(tc, test_vnet_delete_and_unreadable_network);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
