/**
 * @file test_ssh_hostkey.c
 * @brief Host key checking against a real sshd (G12): unknown, changed,
 *        revoked and wrongly filed keys are refused before any user
 *        authentication, in every one of many attempts; good keys in
 *        plain, hashed and other-type entries are accepted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "sshtest.h"
#include "transport/ssh.h"

#define ATTEMPTS	50

static struct sshtest_fixture fx;

static size_t
records(void)
{
	struct sshtest_records rec;
	size_t n;

	ck_assert_int_eq(sshtest_pct_load(&rec, &fx), 0);
	n = rec.n;
	sshtest_pct_free(&rec);
	return n;
}

/*
 * Connect `n` times with the given known_hosts; every attempt must be
 * refused with `reason`, nothing may run, and the server must not have
 * seen a single user authentication request from these connections.
 */
static void
refused_before_auth_pinned(const char *known_hosts, const char *pins,
    const char *reason, size_t n, char *text, size_t textsz)
{
	const char *log = sshtest_get(&fx, "SSHD_LOG");
	const char *argv[] = { "touch", "must-not-run" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	size_t auth0, closed0, recs0 = records(), i, closed;

	/* Settle: earlier connections' log lines must be in before counting. */
	usleep(200000);
	auth0 = sshtest_count_in_file(log, "userauth-request");
	closed0 = sshtest_count_in_file(log, "Connection closed by 127.0.0.1");
	sshtest_options(&o, &fx);
	o.known_hosts = known_hosts;
	o.host_key_pins = pins;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	for (i = 0; i < n; i++) {
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 2, 0, NULL),
		    PXM_E_DENIED);
		ck_assert_msg(strcmp(err.reason, reason) == 0, "attempt %zu: %s: %s", i,
		    err.reason, err.text);
		ck_assert_int_eq(res.started, 0);
		pxm_ssh_result_clear(&res);
	}
	snprintf(text, textsz, "%s", err.text);
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.connects, 0);
	ck_assert_uint_eq(st.commands, 0);
	pxm_ssh_free(s);
	/* Each refused connection ends with "Connection closed by ...
	 * [preauth]" in the server's log; once all n are there, the count
	 * of authentication requests must not have moved. */
	closed = sshtest_wait_count(log, "Connection closed by 127.0.0.1", closed0 + n, 10000);
	ck_assert_uint_ge(closed, closed0 + n);
	ck_assert_uint_eq(sshtest_count_in_file(log, "userauth-request"), auth0);
	ck_assert_uint_eq(records(), recs0);
}

static void
refused_before_auth(const char *known_hosts, const char *reason, size_t n,
    char *text, size_t textsz)
{
	refused_before_auth_pinned(known_hosts, NULL, reason, n, text, textsz);
}

START_TEST(unknown_host_refused_before_auth)
{
	char text[1024], want[512];

	refused_before_auth(sshtest_get(&fx, "KNOWN_HOSTS_UNKNOWN"), "ssh_hostkey_unknown",
	    ATTEMPTS, text, sizeof text);
	/* The fingerprint as OpenSSH prints it, and the command to accept it. */
	ck_assert_msg(strstr(text, sshtest_get(&fx, "HOST_FP")) != NULL, "%s", text);
	snprintf(want, sizeof want, "ssh-keyscan -p %s -t ed25519 127.0.0.1 >> %s",
	    sshtest_get(&fx, "PORT"), sshtest_get(&fx, "KNOWN_HOSTS_UNKNOWN"));
	ck_assert_msg(strstr(text, want) != NULL, "%s", text);
	ck_assert(strstr(text, "ssh-ed25519") != NULL);
}
END_TEST

START_TEST(changed_host_key_refused_before_auth)
{
	char text[1024], want[512];

	refused_before_auth(sshtest_get(&fx, "KNOWN_HOSTS_CHANGED"), "ssh_hostkey_changed",
	    ATTEMPTS, text, sizeof text);
	ck_assert_msg(strstr(text, sshtest_get(&fx, "HOST_FP")) != NULL, "%s", text);
	snprintf(want, sizeof want, "ssh-keygen -R '[127.0.0.1]:%s' -f %s",
	    sshtest_get(&fx, "PORT"), sshtest_get(&fx, "KNOWN_HOSTS_CHANGED"));
	ck_assert_msg(strstr(text, want) != NULL, "%s", text);
	snprintf(want, sizeof want, "ssh-keyscan -p %s -t ed25519 127.0.0.1 >> %s",
	    sshtest_get(&fx, "PORT"), sshtest_get(&fx, "KNOWN_HOSTS_CHANGED"));
	ck_assert_msg(strstr(text, want) != NULL, "%s", text);
}
END_TEST

/* Known only with a key type the server does not have: refused as a
 * change, and the key it does present is shown. */
START_TEST(other_key_type_refused_before_auth)
{
	char text[1024];

	refused_before_auth(sshtest_get(&fx, "KNOWN_HOSTS_RSA_ONLY"), "ssh_hostkey_changed",
	    5, text, sizeof text);
	ck_assert_msg(strstr(text, "ssh-rsa") != NULL, "%s", text);
	ck_assert_msg(strstr(text, sshtest_get(&fx, "HOST_FP")) != NULL, "%s", text);
}
END_TEST

/* The right key filed under the bare host name: that is the entry for
 * port 22, not for this port.  Exact match only. */
START_TEST(port22_entry_does_not_match_other_port)
{
	char text[1024];

	refused_before_auth(sshtest_get(&fx, "KNOWN_HOSTS_PORT22"), "ssh_hostkey_unknown",
	    5, text, sizeof text);
}
END_TEST

START_TEST(revoked_key_refused_before_auth)
{
	char text[1024];

	refused_before_auth(sshtest_get(&fx, "KNOWN_HOSTS_REVOKED"), "ssh_hostkey_revoked",
	    5, text, sizeof text);
	ck_assert_msg(strstr(text, "@revoked") != NULL, "%s", text);
}
END_TEST

START_TEST(missing_known_hosts_refused_before_auth)
{
	char text[1024], path[512];

	snprintf(path, sizeof path, "%s/no-such-known_hosts", fx.dir);
	refused_before_auth(path, "ssh_hostkey_unknown", 5, text, sizeof text);
	ck_assert_msg(strstr(text, "does not exist") != NULL, "%s", text);
}
END_TEST

/* Good entries: plain, hashed (ssh-keygen -H), and an ECDSA-only entry,
 * which must make the client negotiate ECDSA although the server
 * prefers Ed25519. */
START_TEST(known_keys_accepted)
{
	static const char *const files[] = { "KNOWN_HOSTS", "KNOWN_HOSTS_HASHED",
	    "KNOWN_HOSTS_ECDSA" };
	static const char *const types[] = { "ssh-ed25519", "ssh-ed25519",
	    "ecdsa-sha2-nistp256" };
	static const char *const fps[] = { "HOST_FP", "HOST_FP", "HOST_FP_ECDSA" };
	const char *argv[] = { "echo", "trusted" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s;
	json_t *d, *hk;
	size_t i;

	for (i = 0; i < 3; i++) {
		sshtest_options(&o, &fx);
		o.known_hosts = sshtest_get(&fx, files[i]);
		ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
		memset(&err, 0, sizeof err);
		ck_assert_msg(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 2, 0,
		    NULL) == PXM_OK, "%s: %s", files[i], err.text);
		ck_assert_str_eq(res.out, "trusted\n");
		pxm_ssh_result_clear(&res);
		ck_assert_int_eq(pxm_ssh_describe(&d, s), PXM_OK);
		hk = json_object_get(d, "host_key");
		ck_assert_str_eq(json_string_value(json_object_get(hk, "type")), types[i]);
		ck_assert_str_eq(json_string_value(json_object_get(hk, "fingerprint")),
		    sshtest_get(&fx, fps[i]));
		ck_assert_str_eq(json_string_value(json_object_get(hk, "verdict")), "match");
		json_decref(d);
		pxm_ssh_free(s);
	}
}
END_TEST

/* A known_hosts line libssh2 cannot parse, or a @cert-authority line,
 * costs that line only. */
START_TEST(unusable_lines_skipped)
{
	const char *argv[] = { "true" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s;
	char path[512], *good;
	FILE *f;

	snprintf(path, sizeof path, "%s/known_hosts.mixed", fx.dir);
	ck_assert((good = sshtest_read_file(sshtest_get(&fx, "KNOWN_HOSTS"), NULL)) != NULL);
	ck_assert((f = fopen(path, "w")) != NULL);
	fprintf(f, "# comment\n\ngarbage\n@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n"
	    "example.org sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t\n%s",
	    good);
	fclose(f);
	free(good);
	chmod(path, 0600);
	sshtest_options(&o, &fx);
	o.known_hosts = path;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	ck_assert_msg(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 1, 0, NULL) == PXM_OK,
	    "%s", err.text);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

/* PROXIMO_SSH_HOST_KEY_SHA256: known_hosts AND a pin must match. */
START_TEST(pinned_host_key)
{
	const char *argv[] = { "echo", "pinned" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s;
	char pins[256], text[1024];
	json_t *d;

	/* The right pin, listed second as during a rotation. */
	snprintf(pins, sizeof pins, "%s, %s", sshtest_get(&fx, "HOST_FP_ECDSA"),
	    sshtest_get(&fx, "HOST_FP"));
	sshtest_options(&o, &fx);
	o.host_key_pins = pins;
	ck_assert_msg(pxm_ssh_new(&s, &err, &o) == PXM_OK, "%s", err.text);
	ck_assert_msg(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 2, 0, NULL) == PXM_OK,
	    "%s", err.text);
	ck_assert_str_eq(res.out, "pinned\n");
	pxm_ssh_result_clear(&res);
	ck_assert_int_eq(pxm_ssh_describe(&d, s), PXM_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(d, "host_key_pins")), 2);
	json_decref(d);
	pxm_ssh_free(s);

	/* known_hosts says yes, the pin says no: refused before auth. */
	refused_before_auth_pinned(sshtest_get(&fx, "KNOWN_HOSTS"),
	    sshtest_get(&fx, "HOST_FP_ECDSA"), "ssh_hostkey_pin", 5, text, sizeof text);
	ck_assert_msg(strstr(text, sshtest_get(&fx, "HOST_FP")) != NULL, "%s", text);

	/* Malformed pins are a configuration error. */
	o.host_key_pins = "SHA256:tooshort";
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_E_CONFIG);
	ck_assert(strstr(err.text, "PROXIMO_SSH_HOST_KEY_SHA256") != NULL);
	o.host_key_pins = "MD5:aa:bb";
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_E_CONFIG);
	o.host_key_pins = ",";
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_E_CONFIG);
}
END_TEST

START_TEST(probe_reports_verdicts)
{
	static const struct { const char *file; int verdict; } cases[] = {
		{ "KNOWN_HOSTS", PXM_SSH_HOSTKEY_MATCH },
		{ "KNOWN_HOSTS_UNKNOWN", PXM_SSH_HOSTKEY_UNKNOWN },
		{ "KNOWN_HOSTS_CHANGED", PXM_SSH_HOSTKEY_CHANGED },
		{ "KNOWN_HOSTS_REVOKED", PXM_SSH_HOSTKEY_REVOKED },
	};
	const char *log = sshtest_get(&fx, "SSHD_LOG");
	struct pxm_ssh_options o;
	struct pxm_ssh_hostkey hk;
	struct pxm_error err;
	struct pxm_ssh *s;
	size_t i, auth0;

	usleep(200000);
	auth0 = sshtest_count_in_file(log, "userauth-request");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sshtest_options(&o, &fx);
		o.known_hosts = sshtest_get(&fx, cases[i].file);
		ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
		ck_assert_int_eq(pxm_ssh_probe_host_key(&hk, &err, s), PXM_OK);
		ck_assert_int_eq(hk.verdict, cases[i].verdict);
		ck_assert_str_eq(hk.type, "ssh-ed25519");
		ck_assert_str_eq(hk.fingerprint, sshtest_get(&fx, "HOST_FP"));
		pxm_ssh_free(s);
	}
	/* A probe never authenticates. */
	usleep(300000);
	ck_assert_uint_eq(sshtest_count_in_file(log, "userauth-request"), auth0);
}
END_TEST

START_TEST(probe_unreachable)
{
	struct pxm_ssh_options o;
	struct pxm_ssh_hostkey hk;
	struct pxm_error err;
	struct pxm_ssh *s;

	sshtest_options(&o, &fx);
	o.target = "root@127.0.0.1:1";	/* nothing listens on port 1 */
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_probe_host_key(&hk, &err, s), PXM_E_TRANSPORT);
	ck_assert_str_eq(err.reason, "ssh_connect");
	ck_assert_int_eq(hk.verdict, -1);
	pxm_ssh_free(s);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ssh_hostkey");
	TCase *tc = tcase_create("hostkey");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, unknown_host_refused_before_auth);
	tcase_add_test(tc, changed_host_key_refused_before_auth);
	tcase_add_test(tc, other_key_type_refused_before_auth);
	tcase_add_test(tc, port22_entry_does_not_match_other_port);
	tcase_add_test(tc, revoked_key_refused_before_auth);
	tcase_add_test(tc, missing_known_hosts_refused_before_auth);
	tcase_add_test(tc, known_keys_accepted);
	tcase_add_test(tc, unusable_lines_skipped);
	tcase_add_test(tc, pinned_host_key);
	tcase_add_test(tc, probe_reports_verdicts);
	tcase_add_test(tc, probe_unreachable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int st, rc;

	st = sshtest_fixture_start(&fx);
	if (st == 77)
		return sshtest_skip_all("sshd (openssh-server) is not installed");
	if (st != 0) {
		printf("Bail out! the sshd fixture did not start\n");
		return 1;
	}
	rc = sshtest_run(suite());
	sshtest_fixture_stop(&fx);
	return rc;
}
