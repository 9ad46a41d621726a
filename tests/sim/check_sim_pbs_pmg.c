/**
 * @file check_sim_pbs_pmg.c
 * @brief proximo-sim's PBS and PMG surfaces over real HTTPS (demo profile):
 *        PBS token auth and bare-text errors, datastores, groups, snapshots,
 *        protection and notes, prune dry runs, GC and verify tasks with the
 *        PBS UPID, namespaces, jobs; PMG ticket login with CSRF, no API
 *        tokens, role checks, quarantine actions, tracker, services, rules;
 *        and the scale generator.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>

#include "sim_harness.h"
#include "simtest.h"

static struct pxm_sim *sim;

static void
sim_up(void)
{
	char profile[1024];
	const char *args[] = { "--task-ms", "100", "--profile", profile, NULL };

	st_demo_profile(profile, sizeof profile);
	st_sim_up(&sim, args);
}

static void
sim_down(void)
{
	st_sim_down(&sim);
}

static void
fresh(void)
{
	st_fresh(sim);
}

static json_t *
pbs_get(const char *path, const char *query)
{
	struct st_resp r;
	json_t *d;

	st_call(&r, sim, "pbs", "GET", path, query, ST_TOKEN, NULL);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, r.body);
	d = json_incref(st_data(&r));
	st_resp_free(&r);
	return d;
}

/* ------------------------------------------------------------------ PBS */

START_TEST(test_pbs_auth_and_errors)
{
	struct st_resp r;
	char hdr[512], *tok;

	fresh();
	st_call(&r, sim, "pbs", "GET", "/version", NULL, ST_NOAUTH, NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.body, "authentication failed - no authentication credentials provided.");
	st_resp_free(&r);
	/* PVE's token syntax is not PBS's */
	tok = pxm_sim_read_file(sim->pbs_token_file);
	*strchr(tok, ':') = '=';
	snprintf(hdr, sizeof hdr, "Authorization: PBSAPIToken=%s", tok);
	st_call(&r, sim, "pbs", "GET", "/version", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 401);
	ck_assert(strncmp(r.body, "authentication failed - ", 24) == 0);
	st_resp_free(&r);
	free(tok);
	st_call(&r, sim, "pbs", "GET", "/version", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(st_jstr(st_data(&r), "release"), "4.0");
	st_resp_free(&r);
	/* unknown paths are 404 with PBS's text */
	st_call(&r, sim, "pbs", "GET", "/admin/nosuch", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, "Path '/api2/json/admin/nosuch' not found.");
	st_resp_free(&r);
	/* parameter errors are one PBS line (or a list) */
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/prune",
	    "backup-type=vm&backup-id=100&keep-last=x", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "parameter verification failed - 'keep-last': invalid digit "
	    "found in string");
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/prune",
	    "backup-type=vmx&backup-id=100&nope=1", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "parameter verification failed:\n- 'backup-type': value 'vmx' is "
	    "not defined in the enumeration.\n- 'nope': schema does not allow additional properties");
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "GET", "/admin/datastore/ab/snapshots", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "parameter verification failed - 'store': value must be at least "
	    "3 characters long");
	st_resp_free(&r);
}
END_TEST

START_TEST(test_pbs_datastore_views)
{
	json_t *v, *e;
	size_t i;
	int seen = 0;

	fresh();
	v = pbs_get("/admin/datastore", NULL);
	ck_assert_int_eq((int)json_array_size(v), 1);
	ck_assert_str_eq(st_jstr(json_array_get(v, 0), "store"), "store1");
	json_decref(v);
	v = pbs_get("/admin/datastore/store1/groups", NULL);
	ck_assert_int_eq((int)json_array_size(v), 4);
	json_array_foreach(v, i, e)
		if (strcmp(st_jstr(e, "backup-id"), "100") == 0) {
			ck_assert_int_eq(json_integer_value(json_object_get(e, "backup-count")), 3);
			ck_assert_int_eq(json_integer_value(json_object_get(e, "last-backup")), 1764806400);
			seen = 1;
		}
	ck_assert(seen);
	json_decref(v);
	v = pbs_get("/admin/datastore/store1/groups", "ns=prod");
	ck_assert_int_eq((int)json_array_size(v), 1);
	ck_assert_str_eq(st_jstr(json_array_get(v, 0), "backup-type"), "host");
	json_decref(v);
	v = pbs_get("/admin/datastore/store1/snapshots", "backup-type=vm&backup-id=102");
	ck_assert_int_eq((int)json_array_size(v), 2);
	json_decref(v);
	v = pbs_get("/admin/datastore/store1/status", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(v,
	    "counts"), "vm"), "snapshots")), 7);
	json_decref(v);
	v = pbs_get("/admin/datastore/store1/notes", "backup-type=vm&backup-id=102&"
	    "backup-time=1764000000");
	ck_assert_str_eq(json_string_value(v), "before PostgreSQL upgrade - keep");
	json_decref(v);
}
END_TEST

START_TEST(test_pbs_prune_dry_run_and_protection)
{
	struct st_resp r;
	json_t *v, *e;
	size_t i;
	int keep = 0, remove = 0;

	fresh();
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/prune",
	    "backup-type=vm&backup-id=100&keep-last=1&dry-run=1", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	json_array_foreach(st_data(&r), i, e) {
		if (json_is_true(json_object_get(e, "keep"))) {
			keep++;
			ck_assert_int_eq(json_integer_value(json_object_get(e, "backup-time")), 1764806400);
		} else {
			remove++;
		}
	}
	ck_assert_int_eq(keep, 1);
	ck_assert_int_eq(remove, 2);
	st_resp_free(&r);
	/* a dry run changes nothing */
	v = pbs_get("/admin/datastore/store1/snapshots", "backup-type=vm&backup-id=100");
	ck_assert_int_eq((int)json_array_size(v), 3);
	json_decref(v);
	/* protected snapshots are kept and never count */
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/prune",
	    "backup-type=vm&backup-id=102&keep-last=1", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	json_array_foreach(st_data(&r), i, e) {
		ck_assert(json_is_true(json_object_get(e, "keep")));
		if (json_integer_value(json_object_get(e, "backup-time")) == 1764000000)
			ck_assert(json_is_true(json_object_get(e, "protected")));
	}
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "DELETE", "/admin/datastore/store1/snapshots",
	    "backup-type=vm&backup-id=102&backup-time=1764000000", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "cannot remove protected snapshot");
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "PUT", "/admin/datastore/store1/protected",
	    "backup-type=vm&backup-id=102&backup-time=1764000000&protected=false", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "DELETE", "/admin/datastore/store1/snapshots",
	    "backup-type=vm&backup-id=102&backup-time=1764000000", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	/* a real prune removes */
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/prune",
	    "backup-type=vm&backup-id=100&keep-last=1", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	v = pbs_get("/admin/datastore/store1/snapshots", "backup-type=vm&backup-id=100");
	ck_assert_int_eq((int)json_array_size(v), 1);
	json_decref(v);
}
END_TEST

START_TEST(test_pbs_gc_and_verify_tasks)
{
	struct st_resp r;
	json_t *st, *v;
	char *upid;
	int colons = 0;
	const char *p;

	fresh();
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/gc", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	upid = strdup(json_string_value(st_data(&r)));
	st_resp_free(&r);
	/* PBS UPIDs carry one more hex field (the task counter) */
	for (p = upid; *p; p++)
		if (*p == ':')
			colons++;
	ck_assert_int_eq(colons, 9);
	ck_assert(strncmp(upid, "UPID:pbs:", 9) == 0);
	ck_assert_ptr_nonnull(strstr(upid, ":garbage_collection:store1:root@pam!proximo:"));
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/gc", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "garbage collection already running");
	st_resp_free(&r);
	st = st_wait_task(sim, "pbs", "localhost", upid, 10000);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(st_jstr(st, "exitstatus"), "OK");
	json_decref(st);
	v = pbs_get("/admin/datastore/store1/gc", NULL);
	ck_assert_str_eq(st_jstr(v, "last-run-state"), "ok");
	ck_assert_str_eq(st_jstr(v, "upid"), upid);
	json_decref(v);
	free(upid);
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/verify",
	    "backup-type=ct&backup-id=103", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	upid = strdup(json_string_value(st_data(&r)));
	ck_assert_ptr_nonnull(strstr(upid, ":verify:store1\\x3act-103:"));
	st_resp_free(&r);
	st = st_wait_task(sim, "pbs", "localhost", upid, 10000);
	json_decref(st);
	v = pbs_get("/admin/datastore/store1/snapshots", "backup-type=ct&backup-id=103");
	ck_assert_str_eq(st_jstr(json_object_get(json_array_get(v, 0), "verification"), "state"), "ok");
	json_decref(v);
	free(upid);
	/* a sync job run records its last run */
	st_call(&r, sim, "pbs", "POST", "/admin/sync/s-offsite/run", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	upid = strdup(json_string_value(st_data(&r)));
	st_resp_free(&r);
	st = st_wait_task(sim, "pbs", "localhost", upid, 10000);
	json_decref(st);
	v = pbs_get("/admin/sync", NULL);
	ck_assert_str_eq(st_jstr(json_array_get(v, 0), "last-run-state"), "OK");
	json_decref(v);
	free(upid);
}
END_TEST

START_TEST(test_pbs_namespaces_and_acl)
{
	struct st_resp r;
	json_t *v;
	char hdr[256];

	fresh();
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/namespace", "name=dev&parent=prod",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(json_string_value(st_data(&r)), "prod/dev");
	st_resp_free(&r);
	v = pbs_get("/admin/datastore/store1/namespace", NULL);
	ck_assert_int_eq((int)json_array_size(v), 3);
	json_decref(v);
	st_call(&r, sim, "pbs", "GET", "/admin/datastore/store1/snapshots", "ns=nope", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "namespace 'nope' does not exist");
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "DELETE", "/admin/datastore/store1/namespace", "ns=prod",
	    ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 400);
	st_resp_free(&r);
	/* a fresh token has no privileges until an ACL grants them (PBS tokens
	 * are always limited to their own ACL and their user's) */
	st_call(&r, sim, "pbs", "POST", "/access/users/root@pam/token/t2", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(st_jstr(st_data(&r), "tokenid"), "root@pam!t2");
	snprintf(hdr, sizeof hdr, "Authorization: PBSAPIToken=root@pam!t2:%s",
	    st_jstr(st_data(&r), "value"));
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "GET", "/admin/datastore", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 0);
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "POST", "/admin/datastore/store1/gc", NULL, ST_RAW, hdr);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(r.body, "permission check failed");
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "PUT", "/access/acl", "path=/datastore/store1&role=DatastoreAdmin&"
	    "auth-id=root@pam!t2", ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pbs", "GET", "/admin/datastore", NULL, ST_RAW, hdr);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 1);
	st_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------------ PMG */

START_TEST(test_pmg_login_csrf_and_tokens)
{
	struct st_resp r;
	char *pw = pxm_sim_read_file(sim->pmg_password_file), *cookie, *csrf;
	const char *hdrs[2] = { NULL, NULL };

	fresh();
	ck_assert_ptr_nonnull(pw);
	st_call(&r, sim, "pmg", "GET", "/version", NULL, ST_RAW,
	    "Authorization: PMGAPIToken=root@pam!x=y");
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(r.body, "");
	st_resp_free(&r);
	ck_assert_int_eq(st_login(sim, "pmg", "root@pam", "nope", &cookie, &csrf), -1);
	ck_assert_int_eq(st_login(sim, "pmg", "root@pam", pw, &cookie, &csrf), 0);
	st_call(&r, sim, "pmg", "GET", "/version", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "POST", "/config/domains", "domain=new.example", ST_RAW, cookie);
	ck_assert_int_eq(r.status, 401);
	st_resp_free(&r);
	hdrs[0] = csrf;
	st_headers(hdrs);
	st_call(&r, sim, "pmg", "POST", "/config/domains", "domain=new.example", ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/config/domains/new.example", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(st_jstr(st_data(&r), "domain"), "new.example");
	st_resp_free(&r);
	/* an encoded slash stays inside its path segment */
	st_call(&r, sim, "pmg", "GET", "/config/mynetworks/192.168.10.0%2F24", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(st_jstr(st_data(&r), "cidr"), "192.168.10.0/24");
	st_resp_free(&r);
	free(cookie);
	free(csrf);
	free(pw);
}
END_TEST

START_TEST(test_pmg_role_check)
{
	struct st_resp r;
	char *cookie, *csrf;
	json_t *v;
	const char *hdrs[2] = { NULL, NULL };

	fresh();
	v = json_string("helpdesk-pass-1234");
	ck_assert_int_eq(pxm_sim_state_put(sim, "/pmg/access/users/helpdesk@pmg/password", v), 0);
	json_decref(v);
	ck_assert_int_eq(st_login(sim, "pmg", "helpdesk@pmg", "helpdesk-pass-1234", &cookie, &csrf),
	    0);
	hdrs[0] = csrf;
	st_headers(hdrs);
	st_call(&r, sim, "pmg", "POST", "/config/domains", "domain=x.example", ST_RAW, cookie);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(st_jstr(r.json, "message"), "Permission check failed\n");
	st_resp_free(&r);
	free(cookie);
	free(csrf);
}
END_TEST

START_TEST(test_pmg_quarantine_actions)
{
	struct st_resp r;
	char *pw = pxm_sim_read_file(sim->pmg_password_file), *cookie, *csrf, form[256];
	const char *hdrs[2] = { NULL, NULL };
	char *id;
	size_t n;

	fresh();
	ck_assert_int_eq(st_login(sim, "pmg", "root@pam", pw, &cookie, &csrf), 0);
	st_call(&r, sim, "pmg", "GET", "/quarantine/spam", NULL, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	n = json_array_size(st_data(&r));
	ck_assert_int_eq((int)n, 3);
	id = strdup(st_jstr(json_array_get(st_data(&r), 0), "id"));
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/quarantine/spam", "pmail=bob@example.com", ST_RAW, cookie);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 1);
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/quarantine/content", "id=bogus", ST_RAW, cookie);
	ck_assert_int_eq(r.status, 400);
	st_resp_free(&r);
	hdrs[0] = csrf;
	st_headers(hdrs);
	snprintf(form, sizeof form, "id=%s&action=blocklist", id);
	st_call(&r, sim, "pmg", "POST", "/quarantine/content", form, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 200);
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/quarantine/spam", NULL, ST_RAW, cookie);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 2);
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/quarantine/blocklist", "pmail=alice@example.com", ST_RAW,
	    cookie);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 1);
	ck_assert_str_eq(st_jstr(json_array_get(st_data(&r), 0), "address"), "deals@promo.example");
	st_resp_free(&r);
	/* a handled mail is gone */
	hdrs[0] = csrf;
	st_headers(hdrs);
	st_call(&r, sim, "pmg", "POST", "/quarantine/content", form, ST_RAW, cookie);
	ck_assert_int_eq(r.status, 500);
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/quarantine/virus", NULL, ST_RAW, cookie);
	ck_assert_str_eq(st_jstr(json_array_get(st_data(&r), 0), "virusname"), "Eicar-Signature");
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/statistics/mail", NULL, ST_RAW, cookie);
	ck_assert_int_eq(json_integer_value(json_object_get(st_data(&r), "count")), 1520);
	st_resp_free(&r);
	st_call(&r, sim, "pmg", "GET", "/nodes/pmg/tracker", NULL, ST_RAW, cookie);
	ck_assert_int_eq((int)json_array_size(st_data(&r)), 2);
	st_resp_free(&r);
	free(id);
	free(cookie);
	free(csrf);
	free(pw);
}
END_TEST

/* -------------------------------------------------------------- scale */

START_TEST(test_scale_generator)
{
	struct pxm_sim *big;
	const char *args[] = { "--generate", "nodes=100,guests=10000,seed=7", NULL };
	struct st_resp r;
	size_t i, vms = 0, nodes = 0;
	json_t *e;

	ck_assert_int_eq(pxm_sim_start(&big, args), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(big->ready, "guests")), 10000);
	st_call(&r, big, "pve", "GET", "/cluster/resources", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	json_array_foreach(st_data(&r), i, e) {
		const char *t = st_jstr(e, "type");
		if (strcmp(t, "qemu") == 0 || strcmp(t, "lxc") == 0)
			vms++;
		else if (strcmp(t, "node") == 0)
			nodes++;
	}
	ck_assert_int_eq((int)vms, 10000);
	ck_assert_int_eq((int)nodes, 100);
	st_resp_free(&r);
	st_call(&r, big, "pve", "GET", "/nodes/pve100/qemu", NULL, ST_TOKEN, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_gt((int)json_array_size(st_data(&r)), 50);
	st_resp_free(&r);
	ck_assert_int_eq(pxm_sim_stop(big), 0);
}
END_TEST

START_TEST(test_bad_generate_spec)
{
	struct pxm_sim *bad;
	const char *args[] = { "--generate", "nodes=0,guests=5", NULL };

	ck_assert_int_eq(pxm_sim_start(&bad, args), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("proximo-sim-pbs-pmg");
	TCase *tc;

	tc = tcase_create("pbs");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pbs_auth_and_errors);
	tcase_add_test(tc, test_pbs_datastore_views);
	tcase_add_test(tc, test_pbs_prune_dry_run_and_protection);
	tcase_add_test(tc, test_pbs_gc_and_verify_tasks);
	tcase_add_test(tc, test_pbs_namespaces_and_acl);
	suite_add_tcase(s, tc);

	tc = tcase_create("pmg");
	tcase_add_unchecked_fixture(tc, sim_up, sim_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pmg_login_csrf_and_tokens);
	tcase_add_test(tc, test_pmg_role_check);
	tcase_add_test(tc, test_pmg_quarantine_actions);
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_scale_generator);
	tcase_add_test(tc, test_bad_generate_spec);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (getenv("PXM_SIM") == NULL || access(getenv("PXM_SIM"), X_OK) != 0) {
		printf("1..0 # SKIP proximo-sim not built (PXM_SIM)\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
