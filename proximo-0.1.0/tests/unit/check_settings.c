/**
 * @file check_settings.c
 * @brief Settings (env file, booleans, numbers) and secret files (modes,
 *        ownership, scrubbing).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pxmcheck.h"
#include "pxmtest.h"
#include "util/error.h"
#include "util/secret.h"
#include "util/settings.h"

static char dir[512];

static void
setup(void)
{
	pxmtest_tmpdir(dir, sizeof dir);
}

static void
teardown(void)
{
	pxmtest_rmrf(dir);
	pxm_secret_forget_all();
}

START_TEST(test_env_file_merge)
{
	char path[1024];
	struct pxm_error err;

	snprintf(path, sizeof path, "%s/proximo.env", dir);
	pxmtest_write_file(path,
	    "# comment\n"
	    "export PROXIMO_T_A=one\n"
	    "PROXIMO_T_B = \"two words\"\n"
	    "PROXIMO_T_C='kept'\n"
	    "NOT_PROXIMO=ignored\n"
	    "garbage line\n", 0600);
	setenv("PROXIMO_ENV_FILE", path, 1);
	setenv("PROXIMO_T_C", "from-env", 1);
	unsetenv("PROXIMO_T_A");
	unsetenv("PROXIMO_T_B");
	unsetenv("NOT_PROXIMO");
	ck_assert_int_eq(pxm_config_load_env_file(&err), PXM_OK);
	ck_assert_str_eq(pxm_config_get("PROXIMO_T_A"), "one");
	ck_assert_str_eq(pxm_config_get("PROXIMO_T_B"), "two words");
	/* the process environment wins */
	ck_assert_str_eq(pxm_config_get("PROXIMO_T_C"), "from-env");
	ck_assert_ptr_null(getenv("NOT_PROXIMO"));
	unsetenv("PROXIMO_ENV_FILE");
}
END_TEST

START_TEST(test_env_file_explicit_missing)
{
	struct pxm_error err;
	char path[1024];

	snprintf(path, sizeof path, "%s/absent.env", dir);
	setenv("PROXIMO_ENV_FILE", path, 1);
	ck_assert_int_eq(pxm_config_load_env_file(&err), PXM_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "PROXIMO_ENV_FILE: cannot read"));
	unsetenv("PROXIMO_ENV_FILE");
}
END_TEST

START_TEST(test_bool_and_uint)
{
	struct pxm_error err;
	uint64_t n;
	int b;

	setenv("PROXIMO_T_BOOL", "Yes", 1);
	ck_assert_int_eq(pxm_config_bool(&b, &err, "PROXIMO_T_BOOL", 0), PXM_OK);
	ck_assert_int_eq(b, 1);
	setenv("PROXIMO_T_BOOL", "off", 1);
	ck_assert_int_eq(pxm_config_bool(&b, &err, "PROXIMO_T_BOOL", 1), PXM_OK);
	ck_assert_int_eq(b, 0);
	setenv("PROXIMO_T_BOOL", "maybe", 1);
	ck_assert_int_eq(pxm_config_bool(&b, &err, "PROXIMO_T_BOOL", 1), PXM_E_CONFIG);
	ck_assert_str_eq(err.text, "PROXIMO_T_BOOL='maybe' is not a boolean; accepted: "
	    "1/true/yes/on or 0/false/no/off");
	unsetenv("PROXIMO_T_BOOL");
	ck_assert_int_eq(pxm_config_bool(&b, &err, "PROXIMO_T_BOOL", 1), PXM_OK);
	ck_assert_int_eq(b, 1);
	setenv("PROXIMO_T_N", "1.5", 1);
	ck_assert_int_eq(pxm_config_uint(&n, &err, "PROXIMO_T_N", 5, 1, 10), PXM_E_CONFIG);
	ck_assert_str_eq(err.text, "PROXIMO_T_N='1.5' is not a whole number from 1 to 10");
	setenv("PROXIMO_T_N", "-1", 1);
	ck_assert_int_eq(pxm_config_uint(&n, &err, "PROXIMO_T_N", 5, 1, 10), PXM_E_CONFIG);
	setenv("PROXIMO_T_N", "11", 1);
	ck_assert_int_eq(pxm_config_uint(&n, &err, "PROXIMO_T_N", 5, 1, 10), PXM_E_CONFIG);
	setenv("PROXIMO_T_N", "10", 1);
	ck_assert_int_eq(pxm_config_uint(&n, &err, "PROXIMO_T_N", 5, 1, 10), PXM_OK);
	ck_assert_uint_eq(n, 10);
	unsetenv("PROXIMO_T_N");
}
END_TEST

START_TEST(test_secret_file_modes)
{
	char path[600], want[2048];
	struct pxm_error err;
	char *s = NULL;

	snprintf(path, sizeof path, "%s/token", dir);
	pxmtest_write_file(path, "root@pam!proximo=0123456789abcdef\n", 0644);
	ck_assert_int_eq(pxm_secret_file_read(&s, &err, path, "PROXIMO_TOKEN_PATH"), PXM_E_CONFIG);
	snprintf(want, sizeof want, "PROXIMO_TOKEN_PATH: %s is group/other-accessible (mode 644). "
	    "Refusing: anything on this box could read the secret. Fix: chmod 600 %s", path, path);
	ck_assert_str_eq(err.text, want);
	ck_assert_ptr_null(s);
	chmod(path, 0640);
	ck_assert_int_eq(pxm_secret_file_read(&s, &err, path, "X"), PXM_E_CONFIG);
	chmod(path, 0600);
	ck_assert_int_eq(pxm_secret_file_read(&s, &err, path, "X"), PXM_OK);
	ck_assert_str_eq(s, "root@pam!proximo=0123456789abcdef");
	pxm_secret_free(s);
}
END_TEST

START_TEST(test_secret_file_empty_and_symlink)
{
	char path[1024], link[1024];
	struct pxm_error err;
	char *s = NULL;

	snprintf(path, sizeof path, "%s/empty", dir);
	pxmtest_write_file(path, "\n", 0600);
	ck_assert_int_eq(pxm_secret_file_read(&s, &err, path, "X"), PXM_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "is empty"));
	snprintf(link, sizeof link, "%s/link", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(pxm_secret_file_read(&s, &err, link, "X"), PXM_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "symbolic links are refused"));
}
END_TEST

START_TEST(test_scrub)
{
	char path[1024], *out, buf[128];
	struct pxm_error err;
	char *s = NULL;

	snprintf(path, sizeof path, "%s/token", dir);
	pxmtest_write_file(path, "root@pam!proximo=s3cr3t-canary-value", 0600);
	ck_assert_int_eq(pxm_secret_file_read(&s, &err, path, "X"), PXM_OK);
	out = pxm_secret_scrub("failed with s3cr3t-canary-value and "
	    "Authorization: PVEAPIToken=other@pve!x=zzzz-unregistered; Bearer abc.def");
	ck_assert_str_eq(out, "failed with <redacted> and Authorization: PVEAPIToken=<redacted>; "
	    "Bearer <redacted>");
	free(out);
	snprintf(buf, sizeof buf, "x root@pam!proximo=s3cr3t-canary-value y");
	pxm_secret_scrub_buf(buf, sizeof buf);
	ck_assert_str_eq(buf, "x <redacted> y");
	/* short values are never registered (too many false hits) */
	pxm_secret_register("abc");
	out = pxm_secret_scrub("abc");
	ck_assert_str_eq(out, "abc");
	free(out);
	pxm_secret_free(s);
}
END_TEST

static Suite *
settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_env_file_merge);
	tcase_add_test(tc, test_env_file_explicit_missing);
	tcase_add_test(tc, test_bool_and_uint);
	tcase_add_test(tc, test_secret_file_modes);
	tcase_add_test(tc, test_secret_file_empty_and_symlink);
	tcase_add_test(tc, test_scrub);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(settings_suite)
