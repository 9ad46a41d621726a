/**
 * @file test_ssh_exec.c
 * @brief The ssh transport against a real sshd on 127.0.0.1 with the pct
 *        stand-in: commands, results, authentication, connection reuse,
 *        output caps and escaping, settings, argv fidelity end to end.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>

#include "sshtest.h"
#include "transport/shellquote.h"
#include "transport/ssh.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/secret.h"

static struct sshtest_fixture fx;

static struct pxm_ssh *
open_default(void)
{
	struct pxm_ssh_options o;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;

	sshtest_options(&o, &fx);
	memset(&err, 0, sizeof err);
	ck_assert_msg(pxm_ssh_new(&s, &err, &o) == PXM_OK, "pxm_ssh_new: %s", err.text);
	return s;
}

/* Run `pct exec <ctid> -- argv` and insist the call itself worked. */
static void
run_ok(struct pxm_ssh *s, struct pxm_ssh_result *res, const char *ctid,
    const char *const *argv, size_t argc)
{
	struct pxm_error err;
	int r;

	memset(&err, 0, sizeof err);
	r = pxm_ssh_pct_exec(res, &err, s, ctid, argv, NULL, argc, 20000, NULL);
	ck_assert_msg(r == PXM_OK, "pct exec failed: %d %s: %s", r, err.reason, err.text);
}

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

START_TEST(exec_stdout_stderr_status)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; pwd; exit 3" };
	struct pxm_ssh_result res;
	struct pxm_ssh *s = open_default();
	char expect[600];

	run_ok(s, &res, "101", argv, 3);
	ck_assert_int_eq(res.exit_status, 3);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_int_eq(res.started, 1);
	snprintf(expect, sizeof expect, "out\n%s/101\n", sshtest_get(&fx, "CT_ROOT"));
	ck_assert_str_eq(res.out, expect);
	ck_assert_uint_eq(res.out_len, strlen(expect));
	ck_assert_str_eq(res.err, "err\n");
	ck_assert_int_eq(res.out_truncated, 0);
	ck_assert_int_eq(res.err_truncated, 0);
	ck_assert_str_eq(res.exit_signal, "");
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_records_exact_argv)
{
	const char *argv[] = { "printf", "%s|", "a b", "it's", "-n", "$(id)", "" };
	const char expect[] = "exec\0" "102\0" "--\0" "printf\0" "%s|\0" "a b\0"
	    "it's\0" "-n\0" "$(id)\0" "\0";
	struct sshtest_records rec;
	struct pxm_ssh_result res;
	struct pxm_ssh *s = open_default();
	size_t before = records();

	run_ok(s, &res, "102", argv, 7);
	ck_assert_int_eq(res.exit_status, 0);
	ck_assert_str_eq(res.out, "a b|it's|-n|$(id)||");
	ck_assert_int_eq(sshtest_pct_load(&rec, &fx), 0);
	ck_assert_uint_eq(rec.n, before + 1);
	ck_assert_uint_eq(rec.argc[rec.n - 1], 10);
	ck_assert_uint_eq(rec.reclen[rec.n - 1], sizeof expect - 1);
	ck_assert(memcmp(rec.rec[rec.n - 1], expect, sizeof expect - 1) == 0);
	sshtest_pct_free(&rec);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_unknown_ct_is_refused_by_pct)
{
	const char *argv[] = { "touch", "should-not-exist" };
	struct pxm_ssh_result res;
	struct pxm_ssh *s = open_default();
	char path[512];

	run_ok(s, &res, "999", argv, 2);
	ck_assert_int_eq(res.exit_status, 255);
	ck_assert_msg(strstr(res.err, "lxc/999.conf' does not exist") != NULL, "%s", res.err);
	snprintf(path, sizeof path, "%s/999/should-not-exist", sshtest_get(&fx, "CT_ROOT"));
	ck_assert_int_ne(access(path, F_OK), 0);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_invalid_vmid_sends_nothing)
{
	static const char *const bad[] = { "99", "0101", "1000000000", "101 ", "-101",
	    "101;id", "", "abc", "１０１" };
	const char *argv[] = { "true" };
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_error err;
	struct pxm_ssh *s = open_default();
	size_t i, before = records();

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, bad[i], argv, NULL, 1, 0, NULL),
		    PXM_E_INVAL);
		ck_assert_str_eq(err.reason, "vmid");
		ck_assert_int_eq(res.started, 0);
		pxm_ssh_result_clear(&res);
	}
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.connects, 0);
	ck_assert_uint_eq(st.commands, 0);
	ck_assert_uint_eq(records(), before);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_connection_reused)
{
	const char *argv[] = { "true" };
	const char *log = sshtest_get(&fx, "SSHD_LOG");
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_ssh *s = open_default();
	size_t accepted = sshtest_count_in_file(log, "Accepted publickey"), i;

	for (i = 0; i < 25; i++) {
		run_ok(s, &res, "101", argv, 1);
		ck_assert_int_eq(res.exit_status, 0);
		if (i > 0)
			ck_assert_uint_eq(res.connect_ms, 0);
		pxm_ssh_result_clear(&res);
	}
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.connects, 1);
	ck_assert_uint_eq(st.commands, 25);
	ck_assert_uint_eq(st.reused, 24);
	/* The server saw one login for the 25 commands. */
	ck_assert_uint_eq(sshtest_wait_count(log, "Accepted publickey", accepted + 1, 5000),
	    accepted + 1);
	usleep(200000);
	ck_assert_uint_eq(sshtest_count_in_file(log, "Accepted publickey"), accepted + 1);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_idle_connection_closed)
{
	const char *argv[] = { "true" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;

	sshtest_options(&o, &fx);
	o.idle_timeout_ms = 500;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	run_ok(s, &res, "101", argv, 1);
	pxm_ssh_result_clear(&res);
	run_ok(s, &res, "101", argv, 1);	/* right away: reused */
	pxm_ssh_result_clear(&res);
	usleep(900000);
	run_ok(s, &res, "101", argv, 1);	/* idle too long: a new one */
	pxm_ssh_result_clear(&res);
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.connects, 2);
	ck_assert_uint_eq(st.reused, 1);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_reconnects_after_server_drop)
{
	const char *argv[] = { "echo", "again" };
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_ssh *s = open_default();
	pid_t sshd = (pid_t)atoi(sshtest_get(&fx, "SSHD_PID")), kids[64];
	size_t n, i;

	run_ok(s, &res, "101", argv, 2);
	pxm_ssh_result_clear(&res);
	/* Kill the per-connection sshd processes: our cached connection
	 * dies under us, as when a node reboots or a firewall drops it. */
	n = sshtest_children(sshd, kids, 64);
	ck_assert_uint_gt(n, 0);
	for (i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < 100 && sshtest_children(sshd, kids, 64) > 0; i++)
		usleep(20000);
	run_ok(s, &res, "101", argv, 2);
	ck_assert_str_eq(res.out, "again\n");
	pxm_ssh_result_clear(&res);
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.connects, 2);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_output_capped)
{
	const char *argv[] = { "sh", "-c", "yes | head -c 5M; echo done >&2" };
	struct pxm_ssh_result res;
	struct pxm_ssh *s = open_default();
	size_t i;

	run_ok(s, &res, "101", argv, 3);
	ck_assert_int_eq(res.exit_status, 0);
	ck_assert_uint_eq(res.out_len, 1024 * 1024);
	ck_assert_int_eq(res.out_truncated, 1);
	ck_assert_uint_eq(res.out_total, 5u * 1024 * 1024);
	for (i = 0; i < res.out_len; i += 2)
		ck_assert(res.out[i] == 'y' && res.out[i + 1] == '\n');
	ck_assert_str_eq(res.err, "done\n");
	ck_assert_int_eq(res.err_truncated, 0);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_output_cap_setting_and_utf8_cut)
{
	/* 3 x "é" (2 bytes each) on stdout, a long stderr; cap 5 bytes. */
	const char *argv[] = { "sh", "-c", "printf '\\303\\251\\303\\251\\303\\251'; "
	    "printf 'abcdefghij' >&2" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;

	sshtest_options(&o, &fx);
	o.max_output = 5;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	run_ok(s, &res, "101", argv, 3);
	/* The cap cut "é" in half: the half is dropped, not escaped. */
	ck_assert_str_eq(res.out, "\303\251\303\251");
	ck_assert_int_eq(res.out_truncated, 1);
	ck_assert_uint_eq(res.out_total, 6);
	ck_assert_str_eq(res.err, "abcde");
	ck_assert_int_eq(res.err_truncated, 1);
	ck_assert_uint_eq(res.err_total, 10);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_invalid_utf8_escaped)
{
	const char *argv[] = { "sh", "-c",
	    "printf 'ok\\377\\376-\\303\\n\\000z\\\\x41 \\342\\202\\254'" };
	struct pxm_ssh_result res;
	struct pxm_ssh *s = open_default();

	run_ok(s, &res, "101", argv, 3);
	ck_assert_str_eq(res.out, "ok\\xff\\xfe-\\xc3\n\\x00z\\x41 \342\202\254");
	ck_assert_uint_eq(res.out_len, strlen(res.out));
	ck_assert_uint_eq(res.out_total, 17);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(exec_signal_reported)
{
	const char *argv[] = { "sh", "-c", "kill -SEGV $$" };
	struct pxm_ssh_result res;
	struct pxm_ssh *s = open_default();

	run_ok(s, &res, "101", argv, 3);
	/* The login shell may exec the command (signal) or wait for it (139). */
	if (res.exit_signal[0] != '\0') {
		ck_assert_str_eq(res.exit_signal, "SEGV");
		ck_assert_int_eq(res.exit_status, -1);
	} else {
		ck_assert_int_eq(res.exit_status, 128 + SIGSEGV);
	}
	ck_assert_int_eq(res.timed_out, 0);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(auth_wrong_key_refused)
{
	const char *argv[] = { "touch", "wrong-key-ran" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	size_t before = records();

	sshtest_options(&o, &fx);
	o.key_path = sshtest_get(&fx, "WRONG_KEY");
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 2, 0, NULL),
	    PXM_E_AUTH);
	ck_assert_str_eq(err.reason, "ssh_auth");
	ck_assert_msg(strstr(err.text, "refused the key") != NULL, "%s", err.text);
	ck_assert_int_eq(res.started, 0);
	ck_assert_uint_eq(records(), before);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(auth_key_file_mode_refused)
{
	struct pxm_ssh_options o;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	char copy[512], *key;
	size_t len;
	FILE *f;

	snprintf(copy, sizeof copy, "%s/id_open", fx.dir);
	ck_assert((key = sshtest_read_file(sshtest_get(&fx, "USER_KEY"), &len)) != NULL);
	ck_assert((f = fopen(copy, "w")) != NULL);
	ck_assert_uint_eq(fwrite(key, 1, len, f), len);
	fclose(f);
	free(key);
	chmod(copy, 0644);
	sshtest_options(&o, &fx);
	o.key_path = copy;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_E_CONFIG);
	ck_assert_str_eq(err.reason, "ssh_key_file");
	ck_assert_msg(strstr(err.text, "chmod 600") != NULL, "%s", err.text);
	ck_assert(s == NULL);
	/* A symlink to a good key is refused too. */
	unlink(copy);
	ck_assert_int_eq(symlink(sshtest_get(&fx, "USER_KEY"), copy), 0);
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_E_CONFIG);
	ck_assert_str_eq(err.reason, "ssh_key_file");
	unlink(copy);
}
END_TEST

START_TEST(auth_passphrase)
{
	const char *argv[] = { "echo", "enc" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	char wrong[512];
	FILE *f;

	/* Right passphrase. */
	sshtest_options(&o, &fx);
	o.key_path = sshtest_get(&fx, "USER_KEY_ENC");
	o.passphrase_path = sshtest_get(&fx, "PASSPHRASE_FILE");
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	run_ok(s, &res, "101", argv, 2);
	ck_assert_str_eq(res.out, "enc\n");
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);

	/* No passphrase for an encrypted key. */
	o.passphrase_path = NULL;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 2, 0, NULL),
	    PXM_E_CONFIG);
	ck_assert_str_eq(err.reason, "ssh_key_file");
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);

	/* Wrong passphrase. */
	snprintf(wrong, sizeof wrong, "%s/wrong-passphrase", fx.dir);
	ck_assert((f = fopen(wrong, "w")) != NULL);
	fputs("pxmwrongpassphrase0123456789\n", f);
	fclose(f);
	chmod(wrong, 0600);
	o.passphrase_path = wrong;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 2, 0, NULL),
	    PXM_E_CONFIG);
	ck_assert_str_eq(err.reason, "ssh_key_file");
	ck_assert_int_eq(res.started, 0);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);

	/* A passphrase file others can read is refused up front. */
	chmod(wrong, 0640);
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_E_CONFIG);
	ck_assert_str_eq(err.reason, "ssh_key_file");
}
END_TEST

START_TEST(auth_agent)
{
	const char *argv[] = { "echo", "agent" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	int st = sshtest_fixture_agent(&fx, "id_ed25519");

	if (st == 77) {
		fprintf(stderr, "# ssh-agent not installed: agent test not run\n");
		return;
	}
	ck_assert_int_eq(st, 0);
	setenv("SSH_AUTH_SOCK", sshtest_get(&fx, "AGENT_SOCK"), 1);
	sshtest_options(&o, &fx);
	o.key_path = NULL;
	o.use_agent = 1;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	run_ok(s, &res, "101", argv, 2);
	ck_assert_str_eq(res.out, "agent\n");
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
	/* The agent is stopped with the fixture. */
}
END_TEST

START_TEST(settings_from_env)
{
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	json_t *d = NULL;
	char *dump;
	static const struct { const char *key, *val, *reason; } bad[] = {
		{ "PROXIMO_SSH_TARGET", "root@", "config" },
		{ "PROXIMO_SSH_TARGET", "root@::1", "config" },
		{ "PROXIMO_SSH_TARGET", "root@host:0", "config" },
		{ "PROXIMO_SSH_TARGET", "root@host:65536", "config" },
		{ "PROXIMO_SSH_TARGET", "-oProxyCommand=x", "config" },
		{ "PROXIMO_SSH_TARGET", "ro ot@host", "config" },
		{ "PROXIMO_SSH_TARGET", "a@b@c", "config" },
		{ "PROXIMO_SSH_COMMAND_TIMEOUT", "abc", "config" },
		{ "PROXIMO_SSH_COMMAND_TIMEOUT", "0", "config" },
		{ "PROXIMO_SSH_COMMAND_TIMEOUT", "1.0001", "config" },
		{ "PROXIMO_SSH_CONNECT_TIMEOUT", "-1", "config" },
		{ "PROXIMO_SSH_MAX_OUTPUT", "0", "config" },
		{ "PROXIMO_SSH_USE_AGENT", "maybe", "config" },
		{ "PROXIMO_PCT_COMMAND", "pct; id", "config" },
		{ "PROXIMO_PCT_COMMAND", "bin/pct", "config" },
		{ "PROXIMO_SSH_KEY_PATH", "/nonexistent/key", "ssh_key_file" },
		{ "PROXIMO_SSH_HOST_KEY_SHA256", "SHA256:abc", "config" },
	};
	size_t i;

	setenv("PROXIMO_SSH_TARGET", sshtest_get(&fx, "TARGET"), 1);
	setenv("PROXIMO_SSH_KEY_PATH", sshtest_get(&fx, "USER_KEY"), 1);
	setenv("PROXIMO_SSH_KNOWN_HOSTS", sshtest_get(&fx, "KNOWN_HOSTS"), 1);
	setenv("PROXIMO_PCT_COMMAND", sshtest_get(&fx, "PCT"), 1);
	setenv("PROXIMO_SSH_COMMAND_TIMEOUT", "2.5", 1);
	setenv("PROXIMO_SSH_IDLE_TIMEOUT", "0.25", 1);
	setenv("PROXIMO_SSH_MAX_OUTPUT", "4096", 1);
	ck_assert_msg(pxm_ssh_new_from_env(&s, &err) == PXM_OK, "%s", err.text);
	ck_assert_int_eq(pxm_ssh_describe(&d, s), PXM_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d, "timeouts_ms"),
	    "command")), 2500);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d, "timeouts_ms"),
	    "idle")), 250);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d, "timeouts_ms"),
	    "connect")), 10000);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "max_output")), 4096);
	ck_assert_str_eq(json_string_value(json_object_get(d, "auth")), "key_file");
	ck_assert_str_eq(json_string_value(json_object_get(d, "user")), sshtest_get(&fx, "USER"));
	ck_assert_int_eq(json_integer_value(json_object_get(d, "port")),
	    atoi(sshtest_get(&fx, "PORT")));
	dump = json_dumps(d, 0);
	/* The key's path is shown, never its content. */
	ck_assert(strstr(dump, "BEGIN OPENSSH") == NULL);
	free(dump);
	json_decref(d);
	pxm_ssh_free(s);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *old = getenv(bad[i].key) ? strdup(getenv(bad[i].key)) : NULL;

		setenv(bad[i].key, bad[i].val, 1);
		memset(&err, 0, sizeof err);
		s = NULL;
		ck_assert_msg(pxm_ssh_new_from_env(&s, &err) == PXM_E_CONFIG,
		    "%s=%s accepted", bad[i].key, bad[i].val);
		ck_assert_msg(strcmp(err.reason, bad[i].reason) == 0, "%s=%s: %s",
		    bad[i].key, bad[i].val, err.reason);
		ck_assert_msg(strstr(err.text, "accepted") != NULL ||
		    strstr(err.text, bad[i].key) != NULL, "unhelpful: %s", err.text);
		ck_assert(s == NULL);
		if (old)
			setenv(bad[i].key, old, 1);
		else
			unsetenv(bad[i].key);
		free(old);
	}

	/* No key and no agent. */
	unsetenv("PROXIMO_SSH_KEY_PATH");
	ck_assert_int_eq(pxm_ssh_new_from_env(&s, &err), PXM_E_CONFIG);
	ck_assert(strstr(err.text, "PROXIMO_SSH_KEY_PATH") != NULL);
	/* IPv6 in brackets and defaults. */
	setenv("PROXIMO_SSH_KEY_PATH", sshtest_get(&fx, "USER_KEY"), 1);
	setenv("PROXIMO_SSH_TARGET", "[::1]", 1);
	ck_assert_int_eq(pxm_ssh_new_from_env(&s, &err), PXM_OK);
	ck_assert_int_eq(pxm_ssh_describe(&d, s), PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(d, "target")), "root@[::1]:22");
	json_decref(d);
	pxm_ssh_free(s);
}
END_TEST

/* A known_hosts others can write is a trust decision we do not take. */
START_TEST(settings_known_hosts_writable_refused)
{
	struct pxm_ssh_options o;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	char path[512], *text;
	size_t len;
	FILE *f;

	snprintf(path, sizeof path, "%s/known_hosts.open", fx.dir);
	ck_assert((text = sshtest_read_file(sshtest_get(&fx, "KNOWN_HOSTS"), &len)) != NULL);
	ck_assert((f = fopen(path, "w")) != NULL);
	fwrite(text, 1, len, f);
	fclose(f);
	free(text);
	chmod(path, 0666);
	sshtest_options(&o, &fx);
	o.known_hosts = path;
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_E_CONFIG);
	ck_assert_msg(strstr(err.text, "writable") != NULL, "%s", err.text);
	chmod(path, 0644);
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	pxm_ssh_free(s);
}
END_TEST

/* End to end: random argv vectors through pxm_ssh_pct_exec, sshd, the
 * remote login shell and pct; the stand-in's log must hold each argv byte
 * for byte.  (The 100,000-vector check of the encoding itself against dash
 * and bash is in test_shellquote.) */
START_TEST(argv_fidelity_over_ssh)
{
	static const char *const pieces[] = {
		"'", "\"", "\\", "$", "$(id)", "`id`", ";", "|", "&", "&&", "<", ">",
		"*", "?", "~", "#", "!", "{a,b}", "[x]", " ", "\t", "\n", "-", "--",
		"-rf", "é", "中文", "😀", "\xe2\x80\xa8", "a", "Z", "0", "=", "%s", "%n",
		"'\\''", "\r", "\x1b[31m", "", "${IFS}", "$'x'", "\"'\"",
	};
	const size_t np = sizeof pieces / sizeof pieces[0];
	struct sshtest_records rec;
	struct pxm_ssh_result res;
	struct pxm_ssh *s = open_default();
	uint64_t seed = 0x5eed0ff1ce5ull;
	size_t v, before = records(), nvec = 200;

	for (v = 0; v < nvec; v++) {
		struct pxm_buf args[9], expect = PXM_BUF_INIT;
		const char *argv[9];
		size_t argc, i, k, len;
		struct pxm_error err;

		seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
		argc = 2 + seed % 7;
		argv[0] = "printf";
		memset(args, 0, sizeof args);
		pxm_buf_puts(&expect, "exec");
		pxm_buf_putc(&expect, '\0');
		pxm_buf_puts(&expect, "101");
		pxm_buf_putc(&expect, '\0');
		pxm_buf_puts(&expect, "--");
		pxm_buf_putc(&expect, '\0');
		pxm_buf_puts(&expect, "printf");
		pxm_buf_putc(&expect, '\0');
		for (i = 1; i < argc; i++) {
			seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
			len = seed % 12;
			pxm_buf_puts(&args[i], "");
			for (k = 0; k < len; k++) {
				seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
				pxm_buf_puts(&args[i], pieces[seed % np]);
			}
			if (i == 1) {
				/* printf's format: keep it from eating arguments */
				pxm_buf_reset(&args[1]);
				pxm_buf_puts(&args[1], "%.0s");
			}
			argv[i] = args[i].data;
			pxm_buf_append(&expect, args[i].data, args[i].len + 1);
		}
		memset(&err, 0, sizeof err);
		ck_assert_msg(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, argc,
		    20000, NULL) == PXM_OK, "vector %zu: %s", v, err.text);
		ck_assert_int_eq(res.exit_status, 0);
		pxm_ssh_result_clear(&res);
		ck_assert_int_eq(sshtest_pct_load(&rec, &fx), 0);
		ck_assert_uint_eq(rec.n, before + v + 1);
		ck_assert_msg(rec.reclen[rec.n - 1] == expect.len &&
		    memcmp(rec.rec[rec.n - 1], expect.data, expect.len) == 0,
		    "vector %zu arrived changed", v);
		sshtest_pct_free(&rec);
		for (i = 0; i < 9; i++)
			pxm_buf_free(&args[i]);
		pxm_buf_free(&expect);
	}
	pxm_ssh_free(s);
}
END_TEST

/* The key passphrase (a random canary made by the fixture) must not appear
 * in anything the transport returns or logs, even at debug level and on
 * error paths. */
START_TEST(secrets_canary)
{
	const char *pass = sshtest_get(&fx, "PASSPHRASE");
	const char *argv[] = { "sh", "-c", "echo ran; exit 1" };
	struct pxm_ssh_options o;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;
	struct pxm_buf seen = PXM_BUF_INIT;
	char logpath[512], *logtext, hex[256], variants[4][256];
	unsigned char b64[256];
	size_t i, len;
	json_t *d;
	int saved, fd;

	snprintf(logpath, sizeof logpath, "%s/canary-stderr.log", fx.dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert(fd >= 0);
	dup2(fd, 2);
	close(fd);
	pxm_log_set_level(PXM_LOG_DEBUG);

	sshtest_options(&o, &fx);
	o.key_path = sshtest_get(&fx, "USER_KEY_ENC");
	o.passphrase_path = sshtest_get(&fx, "PASSPHRASE_FILE");
	/* success, then failures: wrong host key, then a command error */
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 3, 0, NULL), PXM_OK);
	pxm_buf_append(&seen, res.out, res.out_len);
	pxm_buf_append(&seen, res.err, res.err_len);
	pxm_ssh_result_clear(&res);
	ck_assert_int_eq(pxm_ssh_describe(&d, s), PXM_OK);
	{
		char *dump = json_dumps(d, 0);

		pxm_buf_puts(&seen, dump);
		free(dump);
	}
	json_decref(d);
	pxm_ssh_free(s);

	o.known_hosts = sshtest_get(&fx, "KNOWN_HOSTS_CHANGED");
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	ck_assert_int_ne(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 3, 0, NULL), PXM_OK);
	pxm_buf_puts(&seen, err.text);
	pxm_buf_puts(&seen, err.reason);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);

	/* The passphrase as an argument of the command is the caller's
	 * business; but as the key's passphrase it must not leak, not even
	 * when the key is wrong for it. */
	o.known_hosts = sshtest_get(&fx, "KNOWN_HOSTS");
	o.key_path = sshtest_get(&fx, "USER_KEY");	/* unencrypted + passphrase */
	ck_assert_int_eq(pxm_ssh_new(&s, &err, &o), PXM_OK);
	(void)pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 3, 0, NULL);
	pxm_buf_puts(&seen, err.text);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	pxm_log_set_level(PXM_LOG_INFO);

	/* The canary and its encodings: plain, hex, base64, a long substring. */
	snprintf(variants[0], sizeof variants[0], "%s", pass);
	for (i = 0; pass[i] && i < 100; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)pass[i]);
	snprintf(variants[1], sizeof variants[1], "%s", hex);
	EVP_EncodeBlock(b64, (const unsigned char *)pass, (int)strlen(pass));
	snprintf(variants[2], sizeof variants[2], "%.*s", (int)strlen((char *)b64) - 4, b64);
	/* The random part alone (the "pxmcanary" prefix is not secret). */
	snprintf(variants[3], sizeof variants[3], "%s", pass + 9);
	ck_assert((logtext = sshtest_read_file(logpath, &len)) != NULL);
	for (i = 0; i < 4; i++) {
		ck_assert_msg(!sshtest_memmem(seen.data, seen.len, variants[i]),
		    "canary %zu in results/errors", i);
		ck_assert_msg(!sshtest_memmem(logtext, len, variants[i]),
		    "canary %zu in the log", i);
		ck_assert_msg(sshtest_count_in_file(sshtest_get(&fx, "SSHD_LOG"), variants[i]) == 0,
		    "canary %zu in the sshd log", i);
	}
	/* The log did run at debug level (so the check above had text to see). */
	ck_assert_msg(strstr(logtext, "ssh: connected") != NULL, "no debug log captured");
	free(logtext);
	pxm_buf_free(&seen);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ssh_exec");
	TCase *tc = tcase_create("exec");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, exec_stdout_stderr_status);
	tcase_add_test(tc, exec_records_exact_argv);
	tcase_add_test(tc, exec_unknown_ct_is_refused_by_pct);
	tcase_add_test(tc, exec_invalid_vmid_sends_nothing);
	tcase_add_test(tc, exec_connection_reused);
	tcase_add_test(tc, exec_idle_connection_closed);
	tcase_add_test(tc, exec_reconnects_after_server_drop);
	tcase_add_test(tc, exec_output_capped);
	tcase_add_test(tc, exec_output_cap_setting_and_utf8_cut);
	tcase_add_test(tc, exec_invalid_utf8_escaped);
	tcase_add_test(tc, exec_signal_reported);
	tcase_add_test(tc, auth_wrong_key_refused);
	tcase_add_test(tc, auth_key_file_mode_refused);
	tcase_add_test(tc, auth_passphrase);
	tcase_add_test(tc, auth_agent);
	tcase_add_test(tc, settings_from_env);
	tcase_add_test(tc, settings_known_hosts_writable_refused);
	tcase_add_test(tc, argv_fidelity_over_ssh);
	tcase_add_test(tc, secrets_canary);
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
