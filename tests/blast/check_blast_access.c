/**
 * @file check_blast_access.c
 * @brief ACL grant/revoke (op-class 5) against
 *        contrib/sim/profiles/blast-access.json: shadowing an inherited
 *        grant, widening back to it, tokens with and without privsep,
 *        groups, and an ACL that cannot be read.
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
	bt_start(&t, "blast-access", NULL, NULL);
}

static void
teardown(void)
{
	bt_stop(&t);
}

static json_t *
acl(const char *path, const char *kind, const char *who, const char *roles, int del)
{
	json_t *a = json_pack("{s:s, s:s, s:s}", "path", path, kind, who, "roles", roles);

	if (del)
		json_object_set_new(a, "delete", json_true());
	return bt_plan(&t, "pve_acl_modify", a);
}

START_TEST(test_specific_grant_shadows_inherited)
{
	/* alice has PVEAdmin on / through group ops; a user entry on one VM
	 * replaces it there (user entries beat group entries, deeper beats
	 * inherited). */
	json_t *p = acl("/vms/500", "users", "alice@pve", "PVEAuditor", 0), *r;

	r = bt_row(p, "user:alice@pve");
	bt_assert(p, r && bt_effect_has(r, "SHADOW WARNING"));
	bt_assert(p, strstr(bt_dump(json_object_get(r, "privileges_lost")), "VM.PowerMgmt"));
	bt_assert(p, strcmp(bt_str(r, "severity"), "high") == 0);
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	/* her privsep token is the intersection: it loses too; her privsep=0
	 * token is her */
	bt_assert(p, bt_effect_has(bt_row(p, "token:alice@pve!auto"), "SHADOW"));
	bt_assert(p, bt_effect_has(bt_row(p, "token:alice@pve!full"), "SHADOW"));
	/* who else reaches the path, unchanged */
	r = bt_row(p, "group:ops");
	bt_assert(p, r && strcmp(bt_str(r, "change"), "unchanged") == 0);
	json_decref(p);
	bt_assert_only_gets(&t);
}
END_TEST

START_TEST(test_revoke_widens_back)
{
	json_t *p = acl("/vms/501", "users", "bob@pve", "PVEAuditor", 1), *r;

	r = bt_row(p, "user:bob@pve");
	bt_assert(p, r && bt_effect_has(r, "WIDEN WARNING") && bt_effect_has(r, "PVEVMAdmin"));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);
}
END_TEST

START_TEST(test_plain_grants_and_roots)
{
	json_t *p, *r;

	p = acl("/vms/502", "users", "carol@pve", "PVEVMUser", 0);
	r = bt_row(p, "user:carol@pve");
	bt_assert(p, r && bt_effect_has(r, "NEW privileges") && strcmp(bt_str(r, "change"),
	    "gains") == 0);
	bt_assert(p, strcmp(bt_str(p, "risk"), "medium") == 0);
	json_decref(p);

	p = acl("/", "users", "carol@pve", "Administrator", 0);
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, bt_has(p, "risk_reasons", "Administrator"));
	json_decref(p);
}
END_TEST

START_TEST(test_group_reaches_its_members)
{
	json_t *p = acl("/vms/502", "groups", "ops", "NoAccess", 0), *r;

	r = bt_row(p, "user:alice@pve");
	bt_assert(p, r && strcmp(bt_str(r, "via"), "group ops") == 0);
	r = bt_row(p, "user:dave@pve");
	bt_assert(p, r && bt_effect_has(r, "SHADOW"));
	json_decref(p);

	/* a group nobody can be resolved to: uncertainty, incomplete */
	p = acl("/vms/502", "groups", "ghost", "PVEAuditor", 0);
	bt_assert(p, bt_has(p, "blast_radius", "UNCERTAINTY"));
	bt_assert(p, json_is_false(json_object_get(p, "complete")));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	json_decref(p);

	/* a token without privsep carries its user's rights */
	p = acl("/vms/502", "tokens", "alice@pve!full", "PVEVMAdmin", 0);
	bt_assert(p, bt_has(p, "blast_radius", "NO effect on it"));
	json_decref(p);
}
END_TEST

START_TEST(test_acl_read_forbidden)
{
	json_t *f = json_pack("{s:{s:s, s:s, s:i}}", "fail_operation", "method", "GET", "path",
	    "/access/acl", "status", 403), *p;

	ck_assert_int_eq(pxm_sim_faults(t.sim, f), 0);
	json_decref(f);
	p = acl("/vms/500", "users", "alice@pve", "PVEAuditor", 0);
	bt_assert(p, json_is_false(json_object_get(p, "complete")));
	bt_assert(p, strcmp(bt_str(p, "risk"), "high") == 0);
	bt_assert(p, bt_has(p, "blast_radius", "absence of a shadow/widen warning is NOT a safety "
	    "signal"));
	bt_assert(p, !bt_has(p, "blast_radius", "SHADOW WARNING"));
	json_decref(p);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("blast_access");
	TCase *tc = tcase_create("acl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_specific_grant_shadows_inherited);
	tcase_add_test(tc, test_revoke_widens_back);
	tcase_add_test(tc, test_plain_grants_and_roots);
	tcase_add_test(tc, test_group_reaches_its_members);
	tcase_add_test(tc, test_acl_read_forbidden);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
