/**
 * @file check_blast_firewall.c
 * @brief Firewall op-classes against contrib/sim/profiles/blast-firewall.json:
 *        enable / policy lockout per node (8), rule reach (6), rule
 *        removals re-evaluated for lockout, IP sets and aliases, the VNet
 *        firewall through the generic door, and unreadable node rules.
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
	bt_start(&t, "blast-firewall", NULL, NULL);
}

static void
teardown(void)
{
	bt_stop(&t);
}

/* The datacenter firewall on, inbound DROP: what the removal tests need. */
static void
firewall_on(void)
{
	json_t *o = json_pack("{s:i, s:s, s:s}", "enable", 1, "policy_in", "DROP", "policy_out",
	    "ACCEPT");

	ck_assert_int_eq(pxm_sim_state_put(t.sim, "/pve/config/~1cluster~1firewall~1options", o), 0);
	json_decref(o);
}

/* Enabled, but accepting everything inbound. */
static void
firewall_on_accept(void)
{
	json_t *o = json_pack("{s:i, s:s}", "enable", 1, "policy_in", "ACCEPT");

	ck_assert_int_eq(pxm_sim_state_put(t.sim, "/pve/config/~1cluster~1firewall~1options", o), 0);
	json_decref(o);
}

START_TEST(test_enable_locks_out_one_node)
{
	json_t *p = bt_plan(&t, "pve_firewall_options_set", json_pack("{s:s, s:i}", "scope",
	    "cluster", "enable", 1)), *r;

	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	r = bt_row(p, "node/pve2");
	bt_assert(p, r && strcmp(bt_str(r, "state"), "lockout") == 0);
	bt_assert(p, bt_has(p, "blast_radius", "LOCKOUT on node pve2"));
	r = bt_row(p, "node/pve3");
	bt_assert(p, r && strcmp(bt_str(r, "state"), "conditional") == 0);
	/* pve1 accepts SSH from an internal IP set (resolved): not at risk */
	bt_assert(p, bt_row(p, "node/pve1") == NULL);
	bt_assert(p, bt_has(p, "blast_radius", "node pve1 keeps management access"));
	bt_assert(p, json_is_true(json_object_get(p, "complete")));
	json_decref(p);

	/* policy_in DROP on an enabled firewall: the same verdicts */
	firewall_on_accept();
	p = bt_plan(&t, "pve_firewall_options_set", json_pack("{s:s, s:s}", "scope", "cluster",
	    "policy_in", "DROP"));
	bt_assert(p, bt_row(p, "node/pve2") != NULL && bt_row(p, "node/pve1") == NULL);
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_unreadable_node_rules)
{
	json_t *f = json_pack("{s:{s:s, s:s, s:i}}", "fail_operation", "method", "GET", "path",
	    "/nodes/pve3/firewall/rules", "status", 500), *p, *r;

	ck_assert_int_eq(pxm_sim_faults(t.sim, f), 0);
	json_decref(f);
	p = bt_plan(&t, "pve_firewall_options_set", json_pack("{s:s, s:i}", "scope", "cluster",
	    "enable", 1));
	r = bt_row(p, "node/pve3");
	bt_assert(p, r && strcmp(bt_str(r, "state"), "incomplete") == 0);
	bt_assert(p, json_is_false(json_object_get(p, "complete")));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
}
END_TEST

static json_t *
add_rule(const char *scope, json_t *extra)
{
	json_t *a = json_pack("{s:s, s:s}", "scope", scope, "type", "in");

	json_object_update(a, extra);
	json_decref(extra);
	return bt_plan(&t, "pve_firewall_rule_add", a);
}

START_TEST(test_rule_reach)
{
	json_t *p, *r;

	p = add_rule("cluster", json_pack("{s:s, s:s, s:s, s:s, s:i}", "action", "ACCEPT", "proto",
	    "tcp", "dport", "22", "source", "0.0.0.0/0", "enable", 1));
	r = bt_row(p, "firewall-rule");
	bt_assert(p, r && strcmp(bt_str(r, "source"), "ANYWHERE") == 0);
	bt_assert(p, bt_effect_has(r, "sensitive service") && strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);

	/* an internal source to a web port on one guest: medium */
	p = add_rule("guest", json_pack("{s:i, s:s, s:s, s:s, s:s, s:i}", "vmid", 601, "action",
	    "ACCEPT", "proto", "tcp", "dport", "443", "source", "10.0.0.0/8", "enable", 1));
	r = bt_row(p, "firewall-rule");
	bt_assert(p, r && strcmp(bt_str(r, "severity"), "medium") == 0);
	bt_assert(p, strcmp(bt_str(r, "scope"), "guest") == 0);
	json_decref(p);

	/* a named set is resolved: +mgmt is an internal network */
	p = add_rule("guest", json_pack("{s:i, s:s, s:s, s:s, s:s, s:i}", "vmid", 601, "action",
	    "ACCEPT", "proto", "tcp", "dport", "5432", "source", "+mgmt", "enable", 1));
	r = bt_row(p, "firewall-rule");
	bt_assert(p, r && strcmp(bt_str(r, "source"), "internal networks") == 0);
	json_decref(p);

	/* dropping the API port from everywhere at the datacenter */
	p = add_rule("cluster", json_pack("{s:s, s:s, s:s, s:i}", "action", "DROP", "proto", "tcp",
	    "dport", "8006", "enable", 1));
	bt_assert(p, bt_effect_has(bt_row(p, "firewall-rule"), "LOCKOUT RISK"));
	json_decref(p);

	/* a disabled rule is staged */
	p = add_rule("cluster", json_pack("{s:s, s:s, s:s, s:s}", "action", "ACCEPT", "proto", "tcp",
	    "dport", "3389", "source", "0.0.0.0/0"));
	r = bt_row(p, "firewall-rule");
	bt_assert(p, bt_effect_has(r, "STAGED") && strcmp(bt_str(r, "severity"), "low") == 0);
	json_decref(p);
}
END_TEST

START_TEST(test_removing_the_only_ssh_rule_locks_out)
{
	json_t *p, *r;

	firewall_on();
	p = bt_plan(&t, "pve_firewall_rule_remove", json_pack("{s:s, s:s, s:i}", "scope", "node",
	    "node", "pve1", "pos", 0));
	r = bt_row(p, "node/pve1");
	bt_assert(p, r && strcmp(bt_str(r, "state"), "lockout") == 0);
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	/* only the node whose rule changes, and only when it gets worse */
	bt_assert(p, bt_row(p, "node/pve2") == NULL);
	json_decref(p);

	/* removing the web rule changes no node's management access */
	p = bt_plan(&t, "pve_firewall_rule_remove", json_pack("{s:s, s:i}", "scope", "cluster",
	    "pos", 1));
	bt_assert(p, bt_row(p, "node/pve1") == NULL && bt_row(p, "node/pve2") == NULL);
	json_decref(p);
}
END_TEST

START_TEST(test_ip_sets_and_aliases)
{
	json_t *p, *r;

	firewall_on();
	p = bt_plan(&t, "pve_firewall_ipset_delete", json_pack("{s:s, s:s}", "scope", "cluster",
	    "name", "mgmt"));
	/* the node rule and the guest rule that name it */
	bt_assert(p, bt_row(p, "firewall-rule") != NULL);
	bt_assert(p, bt_row(p, "qemu/601") && bt_effect_has(bt_row(p, "qemu/601"), "names it"));
	/* the guest whose address is in it */
	r = bt_row(p, "lxc/600");
	bt_assert(p, r && strcmp(bt_str(r, "address"), "192.168.50.10/24") == 0);
	/* pve1's only SSH rule matched through the set: lockout */
	bt_assert(p, bt_row(p, "node/pve1") && strcmp(bt_str(bt_row(p, "node/pve1"), "state"),
	    "lockout") == 0);
	json_decref(p);

	p = bt_plan(&t, "pve_firewall_ipset_entry_remove", json_pack("{s:s, s:s, s:s}", "scope",
	    "cluster", "name", "mgmt", "cidr", "192.168.50.0/24"));
	bt_assert(p, bt_effect_has(bt_row(p, "lxc/600"), "no longer apply"));
	json_decref(p);

	p = bt_plan(&t, "pve_firewall_alias_delete", json_pack("{s:s, s:s}", "scope", "cluster",
	    "name", "bastion"));
	bt_assert(p, bt_row(p, "qemu/601") != NULL);
	bt_assert(p, bt_row(p, "lxc/600") == NULL);
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_vnet_firewall_through_the_door)
{
	json_t *p = bt_plan(&t, "pve_api_call", json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:i}}",
	    "method", "POST", "path", "/cluster/sdn/vnets/vnet1/firewall/rules", "params", "type",
	    "forward", "action", "ACCEPT", "proto", "tcp", "dport", "3306", "enable", 1)), *r;

	r = bt_row(p, "firewall-rule");
	bt_assert(p, r && strcmp(bt_str(r, "scope"), "vnet") == 0);
	json_decref(p);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("blast_firewall");
	TCase *tc = tcase_create("firewall");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_enable_locks_out_one_node);
	tcase_add_test(tc, test_unreadable_node_rules);
	tcase_add_test(tc, test_rule_reach);
	tcase_add_test(tc, test_removing_the_only_ssh_rule_locks_out);
	tcase_add_test(tc, test_ip_sets_and_aliases);
	tcase_add_test(tc, test_vnet_firewall_through_the_door);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
