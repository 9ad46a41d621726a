/**
 * @file check_pve_failures.c
 * @brief Credential and TLS failures through the real binary against
 *        proximo-sim: a pin of another certificate (nothing reaches the
 *        simulator), an expired or wrong token (401 naming the token file's
 *        variable, never the secret), a read-only token (403 naming the
 *        privilege and a role, recorded in the ledger), token files other
 *        users can read (refused before any request).  After each failure
 *        nothing more is sent, and no secret appears in a result, in
 *        proximo's stderr or in the ledger.  libcurl is opened by the
 *        first request that needs it, and a libcurl that cannot be opened
 *        is named, nothing sent, the server still up.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "pvetest.h"

static struct pxmtest_proc proc;
static char root_secret[128];

static void
setup(void)
{
	char *tok = pxm_sim_read_file(pvt_sim->token_file);
	const char *eq = tok ? strchr(tok, '=') : NULL;

	ck_assert_ptr_nonnull(eq);
	snprintf(root_secret, sizeof root_secret, "%s", eq + 1);
	ck_assert_uint_gt(strlen(root_secret), 8);
	free(tok);
	pvt_reset();
}

static void
spawn(const char *e1, const char *e2)
{
	const char *extra[] = { e1, e2, NULL };

	pvt_spawn(&proc, extra);
}

/* No secret anywhere the agent or an operator can read. */
static void
no_secret_leaked(const json_t *result, const char *secret)
{
	char *err = pxmtest_stderr(&proc), *ledger = pxmtest_read_file(pvt_ledger_path);
	char *res = json_dumps(result, JSON_COMPACT);

	ck_assert_msg(strstr(res, secret) == NULL, "the result holds the secret");
	ck_assert_msg(strstr(err, secret) == NULL, "proximo's stderr holds the secret");
	ck_assert_msg(ledger == NULL || strstr(ledger, secret) == NULL, "the ledger holds the secret");
	free(err);
	free(ledger);
	free(res);
}

/* A fresh random secret for a token, set in the simulator, and a token
 * file for it (mode 0600). */
static void
token_for(char *path, size_t size, const char *user, const char *tokenid, char *secret,
    size_t secsize)
{
	unsigned char b[16];
	char ptr[256], line[512], name[128];
	json_t *v;
	size_t i;

	ck_assert_int_eq(RAND_bytes(b, sizeof b), 1);
	for (i = 0; i < sizeof b && 2 * i + 2 < secsize; i++)
		snprintf(secret + 2 * i, 3, "%02x", b[i]);
	snprintf(ptr, sizeof ptr, "/pve/access/users/%s/tokens/%s/secret", user, tokenid);
	v = json_string(secret);
	pvt_state_put(ptr, v);
	json_decref(v);
	snprintf(line, sizeof line, "%s!%s=%s\n", user, tokenid, secret);
	snprintf(name, sizeof name, "token-%s-%s", tokenid, user);
	pvt_private_file(path, size, name, line, 0600);
}

/* ------------------------------------------------------------- TLS pin */

START_TEST(test_wrong_pin_sends_nothing)
{
	char pin[200], e_pin[260];
	long long mark;
	json_t *r, *log;
	size_t from = pvt_ledger_size();
	char *outs;

	/* the pin of another certificate: one hex digit differs */
	snprintf(pin, sizeof pin, "%s", pvt_sim->fingerprint_hex);
	pin[0] = pin[0] == 'a' ? 'b' : 'a';
	snprintf(e_pin, sizeof e_pin, "PROXIMO_FINGERPRINT=%s", pin);
	spawn(e_pin, NULL);
	mark = pvt_mark();

	r = pvt_call(&proc, "pve_version", json_object());
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "fingerprint mismatch") != NULL, "%s", pvt_text(r));
	ck_assert_msg(strstr(pvt_text(r), "token never sent") != NULL, "%s", pvt_text(r));
	no_secret_leaked(r, root_secret);
	json_decref(r);

	/* a mutation cannot even be planned: its reads fail the same way */
	r = pvt_call(&proc, "pve_guest_power", json_pack("{s:i, s:s}", "vmid", 100, "action",
	    "stop"));
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "planning failed, nothing was changed") != NULL, "%s",
	    pvt_text(r));
	json_decref(r);
	r = pvt_call(&proc, "pve_api_call", json_pack("{s:s, s:s}", "method", "POST", "path",
	    "/nodes/pve1/qemu/100/status/reset"));
	json_decref(r);

	log = pvt_since(mark);
	ck_assert_msg(json_array_size(log) == 0, "the simulator received %s", pvt_dump(log));
	json_decref(log);
	pvt_finish(&proc);
	outs = pvt_outcomes(from, "pve_guest_power");
	ck_assert_str_eq(outs, "error");
	free(outs);
}
END_TEST

/* ---------------------------------------------------------- 401 */

static void
expect_401(const char *token_path, const char *secret)
{
	char e_tok[700];
	json_t *r, *log;
	long long mark;

	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s", token_path);
	spawn(e_tok, NULL);
	mark = pvt_mark();
	r = pvt_call(&proc, "pve_guest_power", json_pack("{s:i, s:s}", "vmid", 100, "action",
	    "stop"));
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "PROXIMO_TOKEN_PATH") != NULL, "%s", pvt_text(r));
	ck_assert_msg(strstr(pvt_text(r), "root@pam!proximo") != NULL, "%s", pvt_text(r));
	ck_assert_msg(strstr(pvt_text(r), "401") != NULL, "%s", pvt_text(r));
	no_secret_leaked(r, secret);
	no_secret_leaked(r, root_secret);
	json_decref(r);
	/* one refused read, and nothing after it */
	log = pvt_since(mark);
	ck_assert_msg(json_array_size(log) == 1, "after the 401: %s", pvt_dump(log));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(log, 0), "status")), 401);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(log, 0), "method")), "GET");
	json_decref(log);
	pvt_finish(&proc);
}

START_TEST(test_expired_token_is_401)
{
	json_t *v = json_integer((json_int_t)time(NULL) - 3600);

	pvt_state_put("/pve/access/users/root@pam/tokens/proximo/expire", v);
	json_decref(v);
	expect_401(pvt_sim->token_file, root_secret);
}
END_TEST

START_TEST(test_wrong_token_is_401)
{
	char path[700];
	const char *wrong = "root@pam!proximo=00000000-0000-4000-8000-000000000000\n";

	pvt_private_file(path, sizeof path, "wrong-token", wrong, 0600);
	expect_401(path, "00000000-0000-4000-8000-000000000000");
}
END_TEST

/* ---------------------------------------------------------- 403 */

START_TEST(test_read_only_token_gets_403_recorded)
{
	char path[700], secret[64], e_tok[760], *outs, *ledger;
	json_t *args, *plan, *r, *sc, *log, *l, *e;
	size_t from;
	long long mark;

	token_for(path, sizeof path, "audit@pve", "ro", secret, sizeof secret);
	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s", path);
	spawn(e_tok, NULL);

	/* reading works: PVEAuditor */
	r = pvt_call(&proc, "pve_guest_status", json_pack("{s:i}", "vmid", 100));
	pvt_ok(r, "pve_guest_status");
	json_decref(r);

	from = pvt_ledger_size();
	args = json_pack("{s:i, s:s}", "vmid", 100, "action", "stop");
	plan = pvt_plan(&proc, "pve_guest_power", args);
	mark = pvt_mark();
	r = pvt_confirm(&proc, "pve_guest_power", args, json_string_value(json_object_get(plan,
	    "plan_id")), 1);
	sc = pvt_sc(r);
	ck_assert(pvt_is_error(r));
	ck_assert_str_eq(json_string_value(json_object_get(sc, "status")), "error");
	{
		const char *m = json_string_value(json_object_get(sc, "message"));

		ck_assert_msg(strstr(m, "403") && strstr(m, "VM.PowerMgmt") && strstr(m, "/vms/100") &&
		    strstr(m, "PVEVMUser") && strstr(m, "pveum acl modify") &&
		    strstr(m, "audit@pve!ro"), "%s", m);
	}
	no_secret_leaked(r, secret);
	json_decref(r);

	/* the POST was refused, and nothing came after it */
	log = pvt_since(mark);
	{
		json_t *sent = pvt_sent_since(mark);

		ck_assert_uint_eq(json_array_size(sent), 1);
		ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(sent, 0),
		    "status")), 403);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(log,
		    json_array_size(log) - 1), "method")), "POST");
		json_decref(sent);
	}
	json_decref(log);

	/* the ledger records the error, with its reason */
	outs = pvt_outcomes(from, "pve_guest_power");
	ck_assert_str_eq(outs, "planned,planned,executing,error");
	free(outs);
	l = pvt_ledger();
	e = json_array_get(l, json_array_size(l) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "detail"), "error")),
	    "http_403");
	json_decref(l);
	ledger = pxmtest_read_file(pvt_ledger_path);
	ck_assert(strstr(ledger, secret) == NULL);
	free(ledger);

	/* the guest is still running */
	{
		json_t *st = pvt_state();

		ck_assert_str_eq(json_string_value(pvt_ptr(st, "/pve/guests/100/status")), "running");
		json_decref(st);
	}
	json_decref(plan);
	json_decref(args);
	pvt_finish(&proc);
}
END_TEST

/* ------------------------------------------------- token file modes */

static void
expect_file_refused(int mode)
{
	char path[700], e_tok[760], *content = pxm_sim_read_file(pvt_sim->token_file);
	char line[512];
	json_t *r, *log;
	long long mark;

	snprintf(line, sizeof line, "%s\n", content);
	free(content);
	pvt_private_file(path, sizeof path, "token-open", line, 0600);
	ck_assert_int_eq(chmod(path, (mode_t)mode), 0);
	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s", path);
	spawn(e_tok, NULL);
	mark = pvt_mark();
	r = pvt_call(&proc, "pve_version", json_object());
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "PROXIMO_TOKEN_PATH") != NULL, "%s", pvt_text(r));
	ck_assert_msg(strstr(pvt_text(r), "chmod 600") != NULL, "%s", pvt_text(r));
	no_secret_leaked(r, root_secret);
	json_decref(r);
	r = pvt_call(&proc, "pve_guest_power", json_pack("{s:i, s:s}", "vmid", 100, "action",
	    "stop"));
	ck_assert(pvt_is_error(r));
	json_decref(r);
	log = pvt_since(mark);
	ck_assert_msg(json_array_size(log) == 0, "the simulator received %s", pvt_dump(log));
	json_decref(log);
	pvt_finish(&proc);
}

START_TEST(test_group_readable_token_file_refused)
{
	expect_file_refused(0640);
}
END_TEST

START_TEST(test_world_readable_token_file_refused)
{
	expect_file_refused(0604);
}
END_TEST

START_TEST(test_missing_token_file_named)
{
	char e_tok[760];
	json_t *r, *log;
	long long mark;

	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s/no-such-token", pvt_dir);
	spawn(e_tok, NULL);
	mark = pvt_mark();
	r = pvt_call(&proc, "pve_version", json_object());
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "PROXIMO_TOKEN_PATH") != NULL, "%s", pvt_text(r));
	json_decref(r);
	log = pvt_since(mark);
	ck_assert_uint_eq(json_array_size(log), 0);
	json_decref(log);
	pvt_finish(&proc);
}
END_TEST

/* ------------------------------------------------------- libcurl */

/* A server with PVE unconfigured never maps libcurl (nor its dozens of
 * dependencies); configured, it opens libcurl to check the URL with
 * libcurl's own parser, and requests go through it. */
START_TEST(test_libcurl_opened_only_when_needed)
{
	json_t *r;

	spawn("PROXIMO_API_BASE_URL=", NULL);
	r = pvt_call(&proc, "proximo_status", json_object());
	ck_assert(!pvt_is_error(r));
	json_decref(r);
	r = pvt_call(&proc, "pve_version", json_object());
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "PROXIMO_API_BASE_URL") != NULL, "%s", pvt_text(r));
	json_decref(r);
	ck_assert_msg(!pxmtest_maps_hold(proc.pid, "libcurl.so"), "libcurl is mapped, unused");
	pvt_finish(&proc);

	spawn(NULL, NULL);
	r = pvt_call(&proc, "pve_version", json_object());
	ck_assert_msg(!pvt_is_error(r), "%s", pvt_text(r));
	json_decref(r);
	ck_assert_msg(pxmtest_maps_hold(proc.pid, "libcurl.so"), "libcurl is not mapped after a request");
	pvt_finish(&proc);
}
END_TEST

START_TEST(test_unloadable_libcurl_named)
{
	char dir[700], lib[760], e_ld[760];
	json_t *r, *log;
	long long mark;

	snprintf(dir, sizeof dir, "%s/badlib", pvt_dir);
	ck_assert_int_eq(mkdir(dir, 0700) == 0 || errno == EEXIST, 1);
	pvt_private_file(lib, sizeof lib, "badlib/libcurl.so.4", "not a shared object\n", 0600);
	snprintf(e_ld, sizeof e_ld, "LD_LIBRARY_PATH=%s", dir);
	spawn(e_ld, NULL);
	mark = pvt_mark();
	r = pvt_call(&proc, "pve_version", json_object());
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "libcurl.so.4 could not be loaded") != NULL, "%s",
	    pvt_text(r));
	ck_assert_msg(strstr(pvt_text(r), "apt-get install libcurl4") != NULL, "%s", pvt_text(r));
	no_secret_leaked(r, root_secret);
	json_decref(r);
	/* the server is still up and says the same for a mutation */
	r = pvt_call(&proc, "pve_guest_power", json_pack("{s:i, s:s}", "vmid", 100, "action",
	    "stop"));
	ck_assert(pvt_is_error(r));
	ck_assert_msg(strstr(pvt_text(r), "libcurl.so.4") != NULL, "%s", pvt_text(r));
	json_decref(r);
	r = pvt_call(&proc, "proximo_status", json_object());
	ck_assert(!pvt_is_error(r));
	json_decref(r);
	log = pvt_since(mark);
	ck_assert_msg(json_array_size(log) == 0, "the simulator received %s", pvt_dump(log));
	json_decref(log);
	pvt_finish(&proc);
}
END_TEST

/* A new token's secret is handed back once, in the result, and recorded
 * nowhere. */
START_TEST(test_new_token_secret_only_in_the_result)
{
	json_t *args = json_pack("{s:s, s:s, s:b}", "userid", "alice@pve", "tokenid", "ci",
	    "privsep", 1), *plan, *r;
	const char *value;

	spawn(NULL, NULL);
	plan = pvt_plan(&proc, "pve_token_create", args);
	r = pvt_confirm(&proc, "pve_token_create", args, json_string_value(json_object_get(plan,
	    "plan_id")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(pvt_sc(r), "status")), "ok");
	value = json_string_value(json_object_get(json_object_get(pvt_sc(r), "result"), "value"));
	ck_assert_ptr_nonnull(value);
	ck_assert_uint_ge(strlen(value), 16);
	{
		char *err = pxmtest_stderr(&proc), *ledger = pxmtest_read_file(pvt_ledger_path);

		ck_assert_msg(strstr(ledger, value) == NULL, "the ledger holds the new token's secret");
		ck_assert_msg(strstr(err, value) == NULL, "stderr holds the new token's secret");
		free(err);
		free(ledger);
	}
	json_decref(r);
	json_decref(plan);
	json_decref(args);
	pvt_finish(&proc);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pve_failures");
	TCase *tc = tcase_create("credentials and TLS");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_wrong_pin_sends_nothing);
	tcase_add_test(tc, test_expired_token_is_401);
	tcase_add_test(tc, test_wrong_token_is_401);
	tcase_add_test(tc, test_read_only_token_gets_403_recorded);
	tcase_add_test(tc, test_group_readable_token_file_refused);
	tcase_add_test(tc, test_world_readable_token_file_refused);
	tcase_add_test(tc, test_missing_token_file_named);
	tcase_add_test(tc, test_new_token_secret_only_in_the_result);
	tcase_add_test(tc, test_libcurl_opened_only_when_needed);
	tcase_add_test(tc, test_unloadable_libcurl_named);
	suite_add_tcase(s, tc);
	return s;
}

PVT_MAIN(suite, "--task-ms", "20")
