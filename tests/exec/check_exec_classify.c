/**
 * @file check_exec_classify.c
 * @brief The exec plugin's pure parts, compiled in: the command and SQL
 *        classifiers (the reference's cases, section 2.4) and the ledger
 *        fingerprints (checked against Python's own shlex and hashlib, and
 *        against the core's implementation of the same format).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxmcheck.h"
#include "pxmtest.h"
#include "ledger/ledger.h"

#include "exec.h"

/* What the plugin's files expect from exec.c: a host whose log prints. */
static void
test_log(struct pxm_plugin *self, int level, const char *fmt, ...)
{
	va_list ap;

	(void)self;
	(void)level;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct pxm_host test_host = { .size = sizeof test_host, .log = test_log };
const struct pxm_host *exec_host = &test_host;
struct pxm_plugin *exec_self;
struct exec_settings exec_cfg;

static void
setup(void)
{
	ck_assert_int_eq(exec_classify_init(), PXM_OK);
}

static void
teardown(void)
{
	exec_classify_fini();
}

/* "risk|reason|reason" of a classification. */
static char *
render(uint32_t risk, json_t *reasons)
{
	static const char *const names[] = { "none", "low", "medium", "high" };
	char buf[2048];
	json_t *v;
	size_t i;

	snprintf(buf, sizeof buf, "%s", names[risk]);
	json_array_foreach(reasons, i, v)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "|%s", json_string_value(v));
	json_decref(reasons);
	return strdup(buf);
}

static void
expect_cmd(const char *want, const char *const *argv, size_t argc)
{
	uint32_t risk = 99;
	json_t *reasons = NULL;
	char *got;

	ck_assert_int_eq(exec_classify_command(&risk, &reasons, argv, argc), PXM_OK);
	got = render(risk, reasons);
	ck_assert_msg(strcmp(got, want) == 0, "argv[0]=%s: got '%s', want '%s'",
	    argc ? argv[0] : "(none)", got, want);
	free(got);
}

#define CMD(want, ...) do {						\
		const char *v_[] = { __VA_ARGS__ };			\
		expect_cmd(want, v_, sizeof v_ / sizeof v_[0]);		\
	} while (0)

static void
expect_sql(const char *want, const char *sql)
{
	uint32_t risk = 99;
	json_t *reasons = NULL;
	char *got;

	ck_assert_int_eq(exec_classify_sql(&risk, &reasons, sql), PXM_OK);
	got = render(risk, reasons);
	ck_assert_msg(strcmp(got, want) == 0, "sql '%s': got '%s', want '%s'", sql, got, want);
	free(got);
}

START_TEST(command_read_forms_are_low)
{
	CMD("low|looks read-only", "ls", "-l", "/var/log");
	CMD("low|looks read-only", "/usr/bin/cat", "/etc/hostname");
	CMD("low|looks read-only", "journalctl", "-u", "nginx", "-n", "50");
	CMD("low|looks read-only (systemctl query)", "systemctl", "status", "nginx");
	CMD("low|looks read-only (systemctl query)", "systemctl", "is-active", "x");
	CMD("low|looks read-only (mount listing)", "mount");
	CMD("low|looks read-only", "ip", "addr", "show");
	CMD("low|looks read-only", "find", "/var/log", "-name", "*.log");
	CMD("low|looks read-only", "df", "-h");
}
END_TEST

START_TEST(command_conditional_and_unclassified_are_medium)
{
	CMD("medium|may modify state (systemctl action)", "systemctl", "restart", "nginx");
	CMD("medium|may modify state (systemctl action)", "systemctl");
	CMD("medium|may modify state (mount)", "mount", "/dev/sdb1", "/mnt");
	CMD("medium|may modify state (ip add)", "ip", "addr", "add", "10.0.0.2/24", "dev", "eth0");
	/* Several mutating words, reported sorted as the reference does. */
	CMD("medium|may modify state (ip del flush)", "ip", "flush", "x", "del");
	CMD("medium|may modify state (find -fprint)", "find", "/", "-fprint", "out");
	CMD("medium|may modify state (unclassified)", "rm", "-f", "/tmp/x");
	CMD("medium|may modify state (unclassified)", "python3", "-c", "print(1)");
	CMD("medium|may modify state (unclassified)", "apt-get", "install", "-y", "nginx");
	/* The basename of a path that ends in '/' is empty: not a read. */
	CMD("medium|may modify state (unclassified)", "/usr/bin/ls/");
}
END_TEST

START_TEST(command_destructive_patterns_are_high)
{
	CMD("high|matches destructive pattern: rm -rf", "rm", "-rf", "/");
	CMD("high|matches destructive pattern: rm -rf", "rm", "-v", "-r", "dir");
	CMD("high|matches destructive pattern: rm -rf", "RM", "-RF", "/srv");
	CMD("high|matches destructive pattern: dd", "dd", "if=/dev/zero", "of=disk.img");
	CMD("high|matches destructive pattern: mkfs", "mkfs.ext4", "/dev/sdb1");
	CMD("high|matches destructive pattern: wipefs", "wipefs", "-a", "/dev/sdb");
	CMD("high|matches destructive pattern: disk partitioning", "parted", "/dev/sda", "print");
	CMD("high|matches destructive pattern: LVM removal", "lvremove", "pve/data");
	CMD("high|matches destructive pattern: cryptsetup destructive", "cryptsetup",
	    "luksFormat", "/dev/sdb");
	CMD("high|matches destructive pattern: shred", "shred", "secret.txt");
	CMD("high|matches destructive pattern: find -delete/-exec", "find", "/tmp", "-delete");
	CMD("high|matches destructive pattern: fork bomb", "sh", "-c", ":(){ :|:& };:");
	CMD("high|matches destructive pattern: redirect to /dev", "sh", "-c", "echo x > /dev/sda");
	CMD("high|matches destructive pattern: overwrite under /etc", "sh", "-c",
	    "echo x >/etc/hosts");
	CMD("high|matches destructive pattern: recursive chmod/chown", "chown", "-R", "a:b", "/");
	CMD("high|matches destructive pattern: chmod setuid/setgid", "chmod", "4755", "/bin/x");
	CMD("high|matches destructive pattern: chmod setuid/setgid", "chmod", "u+s", "/bin/x");
	CMD("high|matches destructive pattern: write to sensitive path", "cp", "x",
	    "/root/.ssh/authorized_keys");
	CMD("high|matches destructive pattern: iptables flush", "iptables", "-F");
	CMD("high|matches destructive pattern: nft flush", "nft", "flush", "ruleset");
	CMD("high|matches destructive pattern: userdel", "userdel", "bob");
	CMD("high|matches destructive pattern: useradd (override/uid)", "useradd", "-o", "x");
	CMD("high|matches destructive pattern: crontab -r", "crontab", "-r");
	CMD("high|matches destructive pattern: passwd change", "passwd", "root");
	CMD("high|matches destructive pattern: kill PID 1", "kill", "-9", "1");
	CMD("high|matches destructive pattern: host/guest power-off", "shutdown", "-h", "now");
	CMD("high|matches destructive pattern: truncate", "truncate", "-s", "0", "x.log");
	CMD("high|systemctl mask (disables or kills a service)", "systemctl", "mask", "ssh");
	CMD("high|systemctl kill (disables or kills a service)", "systemctl", "kill", "x");
}
END_TEST

START_TEST(command_whole_line_is_scanned)
{
	/* A shell wrapper hides nothing; every hit is named, in order. */
	CMD("high|matches destructive pattern: rm -rf|matches destructive pattern: host/guest "
	    "power-off", "sh", "-c", "rm -rf /var/lib/x; reboot");
	/* A read command whose arguments match still counts (over-flagging
	 * is the safe side). */
	CMD("high|matches destructive pattern: host/guest power-off", "echo", "reboot");
	/* Python's \s: a no-break space and the information separators
	 * separate words too. */
	CMD("high|matches destructive pattern: rm -rf", "sh", "-c", "rm\xc2\xa0-rf /x");
	CMD("high|matches destructive pattern: rm -rf", "sh", "-c", "rm\x1c-rf /x");
	/* "rmdir" is not "rm". */
	CMD("medium|may modify state (unclassified)", "rmdir", "-v", "-r");
}
END_TEST

START_TEST(sql_classification)
{
	expect_sql("low|read (SELECT)", "SELECT 1");
	expect_sql("low|read (SELECT)|multiple statements", "select 1; select 2;");
	expect_sql("low|read (EXPLAIN)", "explain select * from t");
	expect_sql("medium|write/DML (INSERT)", "INSERT INTO t VALUES (1)");
	expect_sql("medium|write/DML (UPDATE)", "update t set x = 1");
	expect_sql("high|schema/DDL (CREATE)", "CREATE TABLE t (x int)");
	expect_sql("high|read (SELECT)|schema/DDL (DROP)|multiple statements",
	    "select * from t; drop table t");
	expect_sql("medium|unclassified (WITH)|contains DML keyword (DELETE)",
	    "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x");
	expect_sql("high|read (SELECT)|dangerous system function",
	    "SELECT pg_terminate_backend(4242)");
	expect_sql("high|read (SELECT)|dangerous system function",
	    "select pg_read_file ('/etc/shadow')");
	expect_sql("high|write/DML (COPY)|COPY ... PROGRAM (command execution)",
	    "COPY t TO PROGRAM 'rm -rf /'");
	expect_sql("medium|read (SELECT)|intrusive system function", "SELECT pg_reload_conf()");
	expect_sql("medium|unclassified (VACUUM)", "vacuum analyze");
	expect_sql("medium|unclassified (empty)", "(select 1)");
	/* Over-flagging by design: the word in a literal counts. */
	expect_sql("high|read (SELECT)|contains DDL keyword (DROP)",
	    "SELECT * FROM notes WHERE body = 'drop'");
	/* Comments are stripped first... */
	expect_sql("low|read (SELECT)", "-- DROP everything\nSELECT 1");
	expect_sql("low|read (SELECT)", "/* DROP /* nested */ */ SELECT 1");
	/* ...the reference's way: a block whose body holds '*' stays. */
	expect_sql("high|unclassified (empty)|contains DDL keyword (DROP)", "/* a*b DROP */ SELECT 1");
	expect_sql("low|empty statement", " ; ;\n");
	expect_sql("low|empty statement", "-- nothing");
}
END_TEST

START_TEST(sql_kind)
{
	static const char *const cases[][2] = {
		{ "select 1", "SELECT" },
		{ "  -- c\n  update t set x = 1", "UPDATE" },
		{ "/* c */ Drop table t", "DROP" },
		{ "", "EMPTY" },
		{ " \n\t", "EMPTY" },
		{ "/* only */ -- comments", "EMPTY" },
		{ "(select 1)", "OTHER" },
		{ "SELECT(1)", "OTHER" },
		{ "select1 x", "OTHER" },
		{ "\xc3\xa9t\xc3\xa9 x", "\xc3\x89T\xc3\x89" },
		{ "stra\xc3\x9f" "e", "STRASSE" },
	};
	char kind[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		exec_sql_kind(kind, sizeof kind, cases[i][0]);
		ck_assert_msg(strcmp(kind, cases[i][1]) == 0, "'%s': got %s, want %s",
		    cases[i][0], kind, cases[i][1]);
	}
}
END_TEST

START_TEST(redacted_text_format)
{
	const char *argv[] = { "psql", "--password=hunter2" };
	json_t *fp = exec_fingerprint_command(argv, 2);
	char text[160], want[160];

	ck_assert_ptr_nonnull(fp);
	ck_assert_str_eq(json_string_value(json_object_get(fp, "cmd_kind")), "psql");
	ck_assert_int_eq(json_integer_value(json_object_get(fp, "cmd_len")), 23);
	exec_redacted_text(text, sizeof text, fp);
	snprintf(want, sizeof want, "[redacted psql, 23 chars, sha256:%.12s]",
	    json_string_value(json_object_get(fp, "cmd_sha256")));
	ck_assert_str_eq(text, want);
	ck_assert_ptr_null(strstr(text, "hunter2"));
	json_decref(fp);

	fp = exec_fingerprint_sql("app", "SELECT 'sécret'");
	ck_assert_str_eq(json_string_value(json_object_get(fp, "db")), "app");
	ck_assert_str_eq(json_string_value(json_object_get(fp, "sql_kind")), "SELECT");
	ck_assert_int_eq(json_integer_value(json_object_get(fp, "sql_len")), 15);	/* code points */
	ck_assert_str_eq(json_string_value(json_object_get(fp, "sql_sha256")),
	    "92a99a873cf4d148140668ecf64d9194a525e407cc25a9454ed03d909a128ee6");
	json_decref(fp);
}
END_TEST

/* ------------------------------------------------ fingerprints vs Python */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* A random argv word: shell metacharacters, quotes, spaces, newlines,
 * leading dashes, multi-byte UTF-8, empty words. */
static void
random_word(char *out, size_t size)
{
	static const char *const atoms[] = {
		"a", "Z", "0", "_", "-", "--", "'", "\"", "\\", "$", "`", " ", "\n", "\t", ";",
		"&", "|", "*", "?", "~", "!", "#", "(", ")", "{", "}", "<", ">", "=", ",", ":",
		"/", ".", "@", "%", "+", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x90\x8d",
		"$(id)", "'\"'\"'", "\x7f", "\x01",
	};
	size_t n = rnd() % 12, i, o = 0;

	for (i = 0; i < n; i++) {
		const char *a = atoms[rnd() % (sizeof atoms / sizeof atoms[0])];

		if (o + strlen(a) + 1 >= size)
			break;
		memcpy(out + o, a, strlen(a));
		o += strlen(a);
	}
	out[o] = '\0';
}

START_TEST(command_fingerprint_matches_python)
{
	const char *python = getenv("PYTHON3");
	char dir[512], in[700], script[700], word[256];
	json_t *vectors = json_array(), *mine = json_array(), *theirs, *v;
	char *argv_s[8], *out = NULL, *err = NULL;
	const char *argv[8];
	size_t i, k, argc;
	int st;

	if (python == NULL || access(python, X_OK) != 0)
		python = "/usr/bin/python3";
	/* python3 is a build dependency of the test suite. */
	ck_assert_msg(access(python, X_OK) == 0, "python3 (needed to compare with Python's "
	    "shlex and hashlib) is not installed");
	for (i = 0; i < 2000; i++) {
		json_t *vec = json_array();

		argc = i == 0 ? 0 : 1 + rnd() % 6;
		for (k = 0; k < argc; k++) {
			random_word(word, sizeof word);
			json_array_append_new(vec, json_string(word));
			argv_s[k] = strdup(word);
			argv[k] = argv_s[k];
		}
		json_array_append_new(vectors, vec);
		json_array_append_new(mine, exec_fingerprint_command(argv, argc));
		/* The core writes the same format; only its cmd_kind for an
		 * empty argv[0] differs ("EMPTY" there, "" in the reference). */
		if (argc > 0 && argv[0][0]) {
			json_t *core = pxm_ledger_fingerprint_command(argv, argc);

			ck_assert_msg(json_equal(core, json_array_get(mine, i)),
			    "vector %zu: the core's fingerprint differs", i);
			json_decref(core);
		}
		for (k = 0; k < argc; k++)
			free(argv_s[k]);
	}
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(in, sizeof in, "%s/vectors.json", dir);
	snprintf(script, sizeof script, "%s/fp.py", dir);
	ck_assert_int_eq(json_dump_file(vectors, in, JSON_COMPACT), 0);
	pxmtest_write_file(script,
	    "import hashlib, json, shlex, sys\n"
	    "out = []\n"
	    "for argv in json.load(open(sys.argv[1], encoding='utf-8')):\n"
	    "    j = shlex.join(argv)\n"
	    "    out.append({'cmd_sha256': hashlib.sha256(j.encode('utf-8')).hexdigest(),\n"
	    "                'cmd_kind': argv[0] if argv else 'EMPTY', 'cmd_len': len(j)})\n"
	    "json.dump(out, sys.stdout)\n", 0600);
	{
		char *cmd[] = { (char *)python, script, in, NULL };

		st = pxmtest_run(cmd, NULL, &out, &err);
	}
	ck_assert_msg(st == 0, "python3 failed: %s", err ? err : "");
	theirs = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(theirs);
	ck_assert_uint_eq(json_array_size(theirs), json_array_size(mine));
	json_array_foreach(mine, i, v)
		ck_assert_msg(json_equal(v, json_array_get(theirs, i)),
		    "vector %zu: %s differs from Python's %s", i,
		    json_dumps(v, JSON_COMPACT), json_dumps(json_array_get(theirs, i), JSON_COMPACT));
	json_decref(theirs);
	json_decref(vectors);
	json_decref(mine);
	free(out);
	free(err);
	pxmtest_rmrf(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("exec_classify");
	TCase *tc = tcase_create("classify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, command_read_forms_are_low);
	tcase_add_test(tc, command_conditional_and_unclassified_are_medium);
	tcase_add_test(tc, command_destructive_patterns_are_high);
	tcase_add_test(tc, command_whole_line_is_scanned);
	tcase_add_test(tc, sql_classification);
	tcase_add_test(tc, sql_kind);
	tcase_add_test(tc, redacted_text_format);
	tcase_add_test(tc, command_fingerprint_matches_python);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(suite)
