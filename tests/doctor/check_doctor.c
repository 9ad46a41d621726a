/**
 * @file check_doctor.c
 * @brief `proximo doctor` against proximo-sim (profile blast-doctor): an
 *        admin, a read-only, a permissionless and a broken token, a wrong
 *        certificate pin, --receipt, exec settings and the ledger; and the
 *        token-aware surface (tools the token cannot use are marked in
 *        tools/list and their plans say what is missing).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pxmcheck.h"
#include "pxmtest.h"
#include "sim_harness.h"

#define TOK_ADMIN	"agent@pve!admin=0a1b2c3d-0000-4000-8000-00000000ad01"
#define TOK_RO		"agent@pve!ro=0a1b2c3d-0000-4000-8000-0000000000f1"
#define TOK_NONE	"agent@pve!none=0a1b2c3d-0000-4000-8000-000000000e00"
#define TOK_VMOPS	"agent@pve!vmops=0a1b2c3d-0000-4000-8000-0000000000c2"
#define TOK_BROKEN	"agent@pve!ro=notthesecret-5ecr3t-value-1234"

static struct pxm_sim *sim;
static char dir[512], tokfile[700], ledger[700];

static void
setup(void)
{
	char prof[1024];
	const char *args[] = { "--profile", prof, NULL };

	snprintf(prof, sizeof prof, "%s/contrib/sim/profiles/blast-doctor.json",
	    getenv("PXM_TOP_SRCDIR"));
	ck_assert_int_eq(pxm_sim_start(&sim, args), 0);
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(tokfile, sizeof tokfile, "%s/token", dir);
	snprintf(ledger, sizeof ledger, "%s/audit.log", dir);
}

static void
teardown(void)
{
	pxm_sim_stop(sim);
	pxmtest_rmrf(dir);
}

/* Environment for proximo against the simulator; extra ("K=V") may be NULL. */
static const char **
env_for(const char *fingerprint, const char *extra1, const char *extra2)
{
	static char e_url[400], e_tok[800], e_fp[200], e_plug[800], e_data[800], e_log[800];
	static const char *env[16];
	size_t n = 0;

	snprintf(e_url, sizeof e_url, "PROXIMO_API_BASE_URL=%s", sim->pve_url);
	snprintf(e_tok, sizeof e_tok, "PROXIMO_TOKEN_PATH=%s", tokfile);
	snprintf(e_fp, sizeof e_fp, "PROXIMO_FINGERPRINT=%s", fingerprint ? fingerprint :
	    sim->fingerprint);
	snprintf(e_plug, sizeof e_plug, "PROXIMO_PLUGIN_DIR=%s/plugins/staged",
	    getenv("PXM_TOP_BUILDDIR"));
	snprintf(e_data, sizeof e_data, "PROXIMO_DATA_DIR=%s", getenv("PXM_DATADIR"));
	snprintf(e_log, sizeof e_log, "PROXIMO_AUDIT_LOG=%s", ledger);
	env[n++] = e_url;
	env[n++] = e_tok;
	env[n++] = e_fp;
	env[n++] = e_plug;
	env[n++] = e_data;
	env[n++] = e_log;
	env[n++] = "PROXIMO_NODE=pve1";
	env[n++] = "PROXIMO_ENV_FILE=/dev/null";
	env[n++] = "PROXIMO_PLUGINS=";
	env[n++] = "PROXIMO_ENABLE_EXEC=";
	if (extra1)
		env[n++] = extra1;
	if (extra2)
		env[n++] = extra2;
	env[n] = NULL;
	return env;
}

/* Run `proximo doctor ARGS`; *rep is the parsed JSON (with --json). */
static int
doctor(json_t **rep, char **text, const char *token, const char *fp, const char *extra1,
    const char *extra2, const char *a1, const char *a2)
{
	char *argv[6] = { getenv("PXM_PROXIMO"), (char *)"doctor", (char *)a1, (char *)a2, NULL,
	    NULL };
	char *out = NULL, *err = NULL;
	int rc;

	pxmtest_write_file(tokfile, token, 0600);
	rc = pxmtest_run(argv, env_for(fp, extra1, extra2), &out, &err);
	if (rep) {
		json_error_t je;

		*rep = json_loads(out ? out : "", 0, &je);
		ck_assert_msg(*rep != NULL, "doctor --json printed no JSON: %s\n%s", je.text,
		    out ? out : "");
	}
	/* no secret, ever, on either stream */
	ck_assert_msg(!out || strstr(out, strchr(token, '=') + 1) == NULL, "secret on stdout");
	ck_assert_msg(!err || strstr(err, strchr(token, '=') + 1) == NULL, "secret on stderr");
	if (text)
		*text = out;
	else
		free(out);
	free(err);
	return rc;
}

static const json_t *
cap_row(const json_t *rep, const char *list, const char *prefix)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(rep, "token"), list), i, row)
		if (strncmp(json_string_value(json_object_get(row, "capability")), prefix,
		    strlen(prefix)) == 0)
			return row;
	return NULL;
}

static int
has_flag(const json_t *rep, const char *sub)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(rep, "flags"), i, f)
		if (strstr(json_string_value(f), sub))
			return 1;
	return 0;
}

START_TEST(test_read_only_token)
{
	json_t *rep;
	const json_t *r;
	char *text = NULL;

	ck_assert_int_eq(doctor(&rep, NULL, TOK_RO, NULL, NULL, NULL, "--json", NULL), 0);
	ck_assert(json_is_true(json_object_get(rep, "reachable")));
	ck_assert(json_is_true(json_object_get(rep, "authenticated")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "config"),
	    "token_id")), "agent@pve!ro");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "config"), "tls")),
	    "pinned");
	r = cap_row(rep, "can", "Read / inspect");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(json_string_value(json_object_get(r, "scope")), "everywhere (/)");
	/* what it cannot do, with the exact grant */
	r = cap_row(rep, "cannot", "Power guests");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "hint")),
	    "pveum acl modify / --tokens 'agent@pve!ro' --roles PVEVMAdmin"));
	/* no built-in role short of Administrator has Sys.Modify: a custom role */
	r = cap_row(rep, "cannot", "Firewall");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "hint")),
	    "pveum role add ProximoSysModify --privs \"Sys.Modify\""));
	ck_assert(cap_row(rep, "can", "Power guests") == NULL);
	ck_assert(json_is_true(json_object_get(rep, "complete")));
	json_decref(rep);

	/* human-readable by default */
	ck_assert_int_eq(doctor(NULL, &text, TOK_RO, NULL, NULL, NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "cannot"));
	ck_assert_ptr_nonnull(strstr(text, "pveum acl modify"));
	ck_assert_ptr_nonnull(strstr(text, "reachable, authenticated"));
	free(text);
}
END_TEST

START_TEST(test_admin_and_scoped_tokens)
{
	json_t *rep;
	const json_t *r;

	ck_assert_int_eq(doctor(&rep, NULL, TOK_ADMIN, NULL, NULL, NULL, "--json", NULL), 0);
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(rep, "token"), "cannot")),
	    0);
	ck_assert(has_flag(rep, "Permissions.Modify"));
	ck_assert(has_flag(rep, "EVERYTHING"));
	json_decref(rep);

	/* VM user rights on /vms only: scoped, and reconfiguring is not among them */
	ck_assert_int_eq(doctor(&rep, NULL, TOK_VMOPS, NULL, NULL, NULL, "--json", NULL), 0);
	r = cap_row(rep, "can", "Power guests");
	ck_assert_ptr_nonnull(r);
	ck_assert(json_is_array(json_object_get(r, "scope")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r, "scope"), 0)), "/vms");
	ck_assert_ptr_nonnull(cap_row(rep, "cannot", "Create / clone"));
	json_decref(rep);

	/* a token with no permissions at all */
	ck_assert_int_eq(doctor(&rep, NULL, TOK_NONE, NULL, NULL, NULL, "--json", NULL), 0);
	ck_assert(has_flag(rep, "NO permissions on any path"));
	json_decref(rep);
}
END_TEST

START_TEST(test_broken_token_and_wrong_pin)
{
	json_t *rep;

	ck_assert_int_eq(doctor(&rep, NULL, TOK_BROKEN, NULL, NULL, NULL, "--json", NULL), 1);
	ck_assert(json_is_true(json_object_get(rep, "reachable")));
	ck_assert(json_is_false(json_object_get(rep, "authenticated")));
	ck_assert(json_is_false(json_object_get(rep, "complete")));
	ck_assert(has_flag(rep, "cannot reach / authenticate"));
	ck_assert(json_object_get(rep, "token") == NULL);
	json_decref(rep);

	/* a well-formed pin of another certificate: nothing is sent */
	ck_assert_int_eq(doctor(&rep, NULL, TOK_RO, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff", NULL, NULL, "--json", NULL), 1);
	ck_assert(json_is_false(json_object_get(rep, "reachable")));
	ck_assert(has_flag(rep, "cannot reach / authenticate"));
	ck_assert(has_flag(rep, "pin") || has_flag(rep, "fingerprint") || has_flag(rep, "TLS"));
	json_decref(rep);
}
END_TEST

START_TEST(test_receipt_removes_names_and_addresses)
{
	json_t *rep;
	char *s, port[16];

	ck_assert_int_eq(doctor(&rep, NULL, TOK_VMOPS, NULL, NULL, NULL, "--json", "--receipt"), 0);
	s = json_dumps(rep, 0);
	snprintf(port, sizeof port, ":%d", sim->pve_port);
	ck_assert_ptr_null(strstr(s, "127.0.0.1"));
	ck_assert_ptr_null(strstr(s, port));
	ck_assert_ptr_null(strstr(s, "agent@pve"));
	ck_assert_ptr_null(strstr(s, "pve1"));
	ck_assert_ptr_null(strstr(s, sim->fingerprint_hex));
	ck_assert_ptr_null(strstr(s, "/vms"));	/* scopes become counts + digests */
	ck_assert_ptr_nonnull(strstr(s, "\"digest\""));
	ck_assert_ptr_nonnull(json_object_get(rep, "receipt"));
	/* what the token can do survives */
	ck_assert_ptr_nonnull(cap_row(rep, "can", "Power guests"));
	free(s);
	json_decref(rep);
}
END_TEST

START_TEST(test_exec_and_ledger)
{
	json_t *rep, *l;
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	struct pxmtest_proc p;
	json_t *init;

	/* no ledger yet: a state, not a fault */
	ck_assert_int_eq(doctor(&rep, NULL, TOK_RO, NULL, "PROXIMO_ENABLE_EXEC=1", NULL, "--json",
	    NULL), 0);
	ck_assert(has_flag(rep, "exec is ENABLED but the CT allowlist is empty"));
	ck_assert(json_is_true(json_object_get(json_object_get(rep, "exec"), "exec_enabled")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(rep,
	    "ledger"), "state")), "absent"));
	json_decref(rep);

	/* serve once: the ledger exists, keyed, verified, with no anchor */
	pxmtest_write_file(tokfile, TOK_RO, 0600);
	pxmtest_spawn(&p, argv, env_for(NULL, NULL, NULL));
	init = pxmtest_initialize(&p, NULL);
	json_decref(init);
	json_decref(pxmtest_call(&p, "pve_version", NULL));
	ck_assert_int_eq(pxmtest_finish(&p), 0);
	ck_assert_int_eq(doctor(&rep, NULL, TOK_RO, NULL, "PROXIMO_CT_ALLOWLIST=*",
	    "PROXIMO_ENABLE_EXEC=yes", "--json", NULL), 0);
	l = json_object_get(rep, "ledger");
	ck_assert_str_eq(json_string_value(json_object_get(l, "state")), "verified");
	ck_assert(json_is_true(json_object_get(l, "keyed")));
	ck_assert(has_flag(rep, "no off-box anchor"));
	ck_assert(has_flag(rep, "EVERY container"));
	json_decref(rep);
}
END_TEST

START_TEST(test_other_products)
{
	char e_url[400], e_tok[400], e_fp[200], *out = NULL;
	char *argv[] = { getenv("PXM_PROXIMO"), (char *)"doctor", (char *)"--product",
	    (char *)"pbs", (char *)"--json", NULL };
	const char *env[] = { e_url, e_tok, e_fp, "PROXIMO_ENV_FILE=/dev/null", "PROXIMO_PLUGINS=",
	    NULL, NULL };
	char e_plug[800];
	json_t *rep;

	snprintf(e_url, sizeof e_url, "PROXIMO_PBS_BASE_URL=%s", sim->pbs_url);
	snprintf(e_tok, sizeof e_tok, "PROXIMO_PBS_TOKEN_PATH=%s", sim->pbs_token_file);
	snprintf(e_fp, sizeof e_fp, "PROXIMO_PBS_FINGERPRINT=%s", sim->fingerprint);
	snprintf(e_plug, sizeof e_plug, "PROXIMO_PLUGIN_DIR=%s/plugins/staged",
	    getenv("PXM_TOP_BUILDDIR"));
	env[5] = e_plug;
	/* reachable and authenticated through the core alone; no capability
	 * map for PBS is installed, and the report says so */
	ck_assert_int_eq(pxmtest_run(argv, env, &out, NULL), 0);
	rep = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(rep);
	ck_assert(json_is_true(json_object_get(rep, "authenticated")));
	ck_assert(has_flag(rep, "no pbs plugin with a capability map"));
	ck_assert(json_is_false(json_object_get(rep, "complete")));
	json_decref(rep);
	free(out);
}
END_TEST

/* ------------------------------------------------ token-aware surface */

static json_t *
tool_entry(json_t *list, const char *name)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(list, "result"), "tools"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
			return t;
	return NULL;
}

static json_t *
list_all(struct pxmtest_proc *p)
{
	json_t *all = json_pack("{s:{s:[]}}", "result", "tools"), *page, *cursor = NULL;

	for (;;) {
		json_t *params = json_object();

		if (cursor)
			json_object_set(params, "cursor", cursor);
		page = pxmtest_request(p, "tools/list", params, NULL);
		json_array_extend(json_object_get(json_object_get(all, "result"), "tools"),
		    json_object_get(json_object_get(page, "result"), "tools"));
		json_decref(cursor);
		cursor = json_incref(json_object_get(json_object_get(page, "result"), "nextCursor"));
		json_decref(page);
		if (!json_is_string(cursor))
			break;
	}
	json_decref(cursor);
	return all;
}

START_TEST(test_tools_the_token_cannot_use_are_marked)
{
	char *argv[] = { getenv("PXM_PROXIMO"), NULL };
	struct pxmtest_proc p;
	json_t *init, *list, *t, *meta, *res, *plan;

	pxmtest_write_file(tokfile, TOK_RO, 0600);
	pxmtest_spawn(&p, argv, env_for(NULL, NULL, NULL));
	init = pxmtest_initialize(&p, NULL);
	json_decref(init);
	list = list_all(&p);
	/* destroy needs VM.Allocate: the auditor token has none */
	t = tool_entry(list, "pve_delete_guest");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(t, "description")),
	    "TOKEN CANNOT USE"));
	meta = json_object_get(json_object_get(t, "_meta"), "proximo/token");
	ck_assert(json_is_false(json_object_get(meta, "usable")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(meta, "missing"), 0)),
	    "VM.Allocate");
	/* reads it holds stay unmarked */
	t = tool_entry(list, "pve_guest_status");
	ck_assert_ptr_null(json_object_get(t, "_meta"));
	ck_assert_ptr_null(strstr(json_string_value(json_object_get(t, "description")), "TOKEN"));
	json_decref(list);
	/* its plan says what is missing, before anything is tried */
	res = pxmtest_call(&p, "pve_delete_guest", json_pack("{s:i}", "vmid", 900));
	plan = json_object_get(res, "structuredContent");
	ck_assert_str_eq(json_string_value(json_object_get(plan, "status")), "plan");
	ck_assert(json_is_false(json_object_get(json_object_get(plan, "token"), "usable")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(plan,
	    "token"), "missing"), 0)), "VM.Allocate");
	json_decref(res);
	ck_assert_int_eq(pxmtest_finish(&p), 0);

	/* the admin token: nothing marked; and the feature can be turned off */
	pxmtest_write_file(tokfile, TOK_ADMIN, 0600);
	pxmtest_spawn(&p, argv, env_for(NULL, NULL, NULL));
	init = pxmtest_initialize(&p, NULL);
	json_decref(init);
	list = list_all(&p);
	ck_assert_ptr_null(json_object_get(tool_entry(list, "pve_delete_guest"), "_meta"));
	json_decref(list);
	ck_assert_int_eq(pxmtest_finish(&p), 0);
	pxmtest_write_file(tokfile, TOK_RO, 0600);
	pxmtest_spawn(&p, argv, env_for(NULL, "PROXIMO_TOKEN_AWARE=0", NULL));
	init = pxmtest_initialize(&p, NULL);
	json_decref(init);
	list = list_all(&p);
	ck_assert_ptr_null(json_object_get(tool_entry(list, "pve_delete_guest"), "_meta"));
	json_decref(list);
	ck_assert_int_eq(pxmtest_finish(&p), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("doctor");
	TCase *tc = tcase_create("doctor");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_read_only_token);
	tcase_add_test(tc, test_admin_and_scoped_tokens);
	tcase_add_test(tc, test_broken_token_and_wrong_pin);
	tcase_add_test(tc, test_receipt_removes_names_and_addresses);
	tcase_add_test(tc, test_exec_and_ledger);
	tcase_add_test(tc, test_other_products);
	tcase_add_test(tc, test_tools_the_token_cannot_use_are_marked);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
