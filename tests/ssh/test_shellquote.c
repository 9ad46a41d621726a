/**
 * @file test_shellquote.c
 * @brief Command construction for pct exec (G11): unit tests of the quoting,
 *        the VMID check and the UTF-8 helpers, and the property tests:
 *
 *  - 100,000 generated argv vectors (shell metacharacters, quotes, spaces,
 *    tabs, newlines, leading dashes, unicode, control bytes, 4 KiB
 *    elements, and some with NUL or invalid UTF-8) are encoded, and
 *    `printf '%s\0' <encoded>` is run under both `dash -c` and `bash -c`:
 *    the output must be the original argv, NUL-separated, byte for byte,
 *    or the vector must have been one validation had to refuse.  The whole
 *    emitted `timeout ... pct exec <vmid> -- argv` line is checked the
 *    same way (with `timeout` a shell function that prints its argv).
 *  - 100,000 generated CTID strings: pxm_vmid_valid() agrees with the
 *    regex ^[1-9][0-9]{2,8}$, every refused one is refused by
 *    pxm_pct_exec_command(), every accepted one is followed by '--'.
 *
 * The seed is fixed (PXM_SEED overrides it) so a failure reproduces.
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "sshtest.h"
#include "transport/shellquote.h"
#include "transport/ssh_text.h"
#include "util/buf.h"

#define VECTORS		100000
#define VMID_CASES	100000
/* Keep each shell script under Linux's 128 KiB limit for one argument. */
#define SCRIPT_MAX	125000

/* ------------------------------------------------------------ unit tests */

static void
expect_quote(const char *const *argv, size_t argc, const char *want)
{
	struct pxm_buf b = PXM_BUF_INIT;
	struct pxm_error err;

	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, argv, NULL, argc), PXM_OK);
	ck_assert_str_eq(b.data, want);
	pxm_buf_free(&b);
}

START_TEST(quote_basic)
{
	const char *a1[] = { "ls" };
	const char *a2[] = { "a b", "it's", "", "'", "''", "$(id)", "-rf", "\n" };

	expect_quote(a1, 1, "'ls'");
	expect_quote(a2, 8, "'a b' 'it'\\''s' '' ''\\''' ''\\'''\\''' '$(id)' '-rf' '\n'");
}
END_TEST

START_TEST(quote_refusals_leave_output_alone)
{
	const char *nul[] = { "ok", "a\0b" };
	const size_t nul_lens[] = { 2, 3 };
	const char *bad[] = { "ok", "ok", "caf\xe9" };
	const char *null_el[] = { "ok", NULL };
	struct pxm_buf b = PXM_BUF_INIT;
	struct pxm_error err;

	pxm_buf_puts(&b, "prefix");
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, nul, nul_lens, 2), PXM_E_INVAL);
	ck_assert_str_eq(err.reason, "argv");
	ck_assert_msg(strstr(err.text, "argv[1] contains a NUL byte (at offset 1)") != NULL,
	    "%s", err.text);
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, bad, NULL, 3), PXM_E_INVAL);
	ck_assert_msg(strstr(err.text, "argv[2] is not valid UTF-8 (byte 0xe9 at offset 3)") != NULL,
	    "%s", err.text);
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, nul, NULL, 0), PXM_E_INVAL);
	ck_assert(strstr(err.text, "empty") != NULL);
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, NULL, NULL, 1), PXM_E_INVAL);
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, null_el, NULL, 2), PXM_E_INVAL);
	ck_assert_str_eq(b.data, "prefix");
	/* The element's text is never echoed (it may hold a password). */
	ck_assert(strstr(err.text, "ok") == NULL);
	pxm_buf_free(&b);
}
END_TEST

START_TEST(quote_length_limits)
{
	struct pxm_buf b = PXM_BUF_INIT;
	struct pxm_error err;
	const char **many;
	char *big;
	size_t i, n = PXM_SHELL_MAX_COMMAND - 2;	/* quoted: exactly the limit */

	ck_assert((big = malloc(n + 2)) != NULL);
	memset(big, 'x', n + 1);
	big[n] = '\0';
	{
		const char *a[] = { big };

		ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, a, NULL, 1), PXM_OK);
		ck_assert_uint_eq(b.len, PXM_SHELL_MAX_COMMAND);
		pxm_buf_reset(&b);
		big[n] = 'x';
		big[n + 1] = '\0';
		ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, a, NULL, 1), PXM_E_INVAL);
		ck_assert(strstr(err.text, "longer than") != NULL);
	}
	/* Quotes expand four-fold: the limit is on the quoted text. */
	memset(big, '\'', n / 3);
	big[n / 3] = '\0';
	{
		const char *a[] = { big };

		ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, a, NULL, 1), PXM_E_INVAL);
	}
	free(big);
	ck_assert((many = calloc(PXM_SHELL_MAX_ARGC + 1, sizeof *many)) != NULL);
	for (i = 0; i <= PXM_SHELL_MAX_ARGC; i++)
		many[i] = "";
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, many, NULL, PXM_SHELL_MAX_ARGC + 1),
	    PXM_E_INVAL);
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, many, NULL, PXM_SHELL_MAX_ARGC), PXM_OK);
	free(many);
	pxm_buf_free(&b);
}
END_TEST

START_TEST(vmid_table)
{
	static const char *const good[] = { "100", "101", "999", "1000", "123456789",
	    "999999999", "100000000" };
	static const char *const bad[] = { "", "0", "1", "99", "099", "0100", "1000000000",
	    "-100", "+100", " 100", "100 ", "100\n", "10 0", "1e3", "0x64", "abc",
	    "１００", "١٠٠", "100;id", "100'", "1000000000000" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(pxm_vmid_valid(good[i]), "%s refused", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!pxm_vmid_valid(bad[i]), "%s accepted", bad[i]);
	ck_assert(!pxm_vmid_valid(NULL));
}
END_TEST

START_TEST(pct_command_table)
{
	static const char *const good[] = { "pct", "/usr/sbin/pct", "/tmp/x/bin/pct",
	    "my-pct_2", "/opt/p+q/pct.sh" };
	static const char *const bad[] = { "", "-pct", "bin/pct", "pct exec", "pct;id",
	    "$(pct)", "/usr/sbin/pct\n", "pct'", "é" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(pxm_pct_command_valid(good[i]), "%s refused", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!pxm_pct_command_valid(bad[i]), "%s accepted", bad[i]);
	ck_assert(!pxm_pct_command_valid(NULL));
}
END_TEST

START_TEST(pct_exec_command_shape)
{
	const char *argv[] = { "ls", "-l", "it's" };
	struct pxm_buf b = PXM_BUF_INIT;
	struct pxm_error err;

	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "pct", "101", argv, NULL, 3, 60000),
	    PXM_OK);
	ck_assert_str_eq(b.data, "'timeout' '-s' 'KILL' '60.000s' 'pct' 'exec' '101' '--' "
	    "'ls' '-l' 'it'\\''s'");
	pxm_buf_reset(&b);
	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "/usr/sbin/pct", "999999999", argv,
	    NULL, 1, 25), PXM_OK);
	ck_assert_str_eq(b.data, "'timeout' '-s' 'KILL' '0.025s' '/usr/sbin/pct' 'exec' "
	    "'999999999' '--' 'ls'");
	pxm_buf_reset(&b);
	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "pct", "101", argv, NULL, 1, 0),
	    PXM_E_INVAL);
	ck_assert_str_eq(err.reason, "timeout");
	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "pct", "101", argv, NULL, 1,
	    PXM_PCT_MAX_TIMEOUT_MS + 1), PXM_E_INVAL);
	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "pct", "0101", argv, NULL, 1, 1000),
	    PXM_E_INVAL);
	ck_assert_str_eq(err.reason, "vmid");
	ck_assert(strstr(err.text, "'0101'") != NULL);
	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "pct", "101\x1b[2J", argv, NULL, 1, 1000),
	    PXM_E_INVAL);
	ck_assert_msg(strstr(err.text, "\\x1b") != NULL, "control bytes shown escaped: %s", err.text);
	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "pct;id", "101", argv, NULL, 1, 1000),
	    PXM_E_CONFIG);
	ck_assert_int_eq(pxm_pct_exec_command(&b, &err, "pct", "101", argv, NULL, 0, 1000),
	    PXM_E_INVAL);
	ck_assert_str_eq(err.reason, "argv");
	ck_assert_uint_eq(b.len, 0);
	pxm_buf_free(&b);
}
END_TEST

START_TEST(argv_from_json)
{
	struct pxm_buf b = PXM_BUF_INIT;
	struct pxm_error err;
	char **argv;
	size_t *lens, argc;
	json_t *j;

	j = json_loads("[\"ls\", \"-l\", \"\\u00e9\"]", 0, NULL);
	ck_assert_int_eq(pxm_argv_from_json(&argv, &lens, &argc, &err, j), PXM_OK);
	ck_assert_uint_eq(argc, 3);
	ck_assert_str_eq(argv[2], "\xc3\xa9");
	ck_assert(argv[3] == NULL);
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, (const char *const *)argv, lens, argc),
	    PXM_OK);
	ck_assert_str_eq(b.data, "'ls' '-l' '\xc3\xa9'");
	pxm_argv_free(argv, lens, argc);
	json_decref(j);

	/* JSON can carry NUL; it must not be cut silently but refused. */
	j = json_loads("[\"rm\", \"safe\\u0000; rm -rf /\"]", JSON_ALLOW_NUL, NULL);
	ck_assert(j != NULL);
	ck_assert_int_eq(pxm_argv_from_json(&argv, &lens, &argc, &err, j), PXM_OK);
	ck_assert_uint_eq(lens[1], 15);
	ck_assert_int_eq(pxm_shell_quote_argv(&b, &err, (const char *const *)argv, lens, argc),
	    PXM_E_INVAL);
	ck_assert(strstr(err.text, "NUL") != NULL);
	pxm_argv_free(argv, lens, argc);
	json_decref(j);

	j = json_string("ls -l");
	ck_assert_int_eq(pxm_argv_from_json(&argv, &lens, &argc, &err, j), PXM_E_INVAL);
	ck_assert(strstr(err.text, "not a shell string") != NULL);
	json_decref(j);
	j = json_loads("[]", 0, NULL);
	ck_assert_int_eq(pxm_argv_from_json(&argv, &lens, &argc, &err, j), PXM_E_INVAL);
	json_decref(j);
	j = json_loads("[\"ls\", 1]", 0, NULL);
	ck_assert_int_eq(pxm_argv_from_json(&argv, &lens, &argc, &err, j), PXM_E_INVAL);
	ck_assert(strstr(err.text, "command[1]") != NULL);
	ck_assert(argv == NULL && lens == NULL && argc == 0);
	json_decref(j);
	pxm_buf_free(&b);
}
END_TEST

/* A second, differently written UTF-8 decoder to check the first against. */
static size_t
ref_utf8(const unsigned char *s, size_t n)
{
	unsigned cp, min;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4; cp = s[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

START_TEST(utf8_exhaustive_against_reference)
{
	unsigned char s[4];
	unsigned a, b, c, d;

	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		ck_assert_uint_eq(pxm_utf8_seq_len(s, 1), ref_utf8(s, 1));
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			ck_assert_uint_eq(pxm_utf8_seq_len(s, 2), ref_utf8(s, 2));
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				if (pxm_utf8_seq_len(s, 3) != ref_utf8(s, 3))
					ck_abort_msg("%02x %02x %02x", a, b, c);
				if (a < 0xf0 || a > 0xf7 || (b & 0xc0) != 0x80 || (c & 0xc0) != 0x80)
					continue;
				for (d = 0; d < 256; d++) {
					s[3] = (unsigned char)d;
					if (pxm_utf8_seq_len(s, 4) != ref_utf8(s, 4))
						ck_abort_msg("%02x %02x %02x %02x", a, b, c, d);
				}
			}
		}
	}
}
END_TEST

START_TEST(utf8_escape_trim_sanitize)
{
	struct pxm_buf b = PXM_BUF_INIT;
	char small[16];

	ck_assert_int_eq(pxm_utf8_escape(&b, "a\xff" "b\0c\xc3\xa9\xc3", 8), PXM_OK);
	ck_assert_str_eq(b.data, "a\\xffb\\x00c\xc3\xa9\\xc3");
	ck_assert_uint_eq(b.len, strlen(b.data));
	pxm_buf_free(&b);
	ck_assert_int_eq(pxm_utf8_escape(&b, "", 0), PXM_OK);
	ck_assert(b.data != NULL && b.len == 0);
	pxm_buf_free(&b);

	ck_assert_uint_eq(pxm_utf8_trim_partial("ab\xc3", 3), 2);
	ck_assert_uint_eq(pxm_utf8_trim_partial("ab\xc3\xa9", 4), 4);
	ck_assert_uint_eq(pxm_utf8_trim_partial("\xe4\xb8", 2), 0);
	ck_assert_uint_eq(pxm_utf8_trim_partial("\xf0\x9f\x98", 3), 0);
	ck_assert_uint_eq(pxm_utf8_trim_partial("\xf0\x9f\x98\x80", 4), 4);
	ck_assert_uint_eq(pxm_utf8_trim_partial("a\x80", 2), 2);	/* stray: kept, escaped later */
	ck_assert_uint_eq(pxm_utf8_trim_partial("", 0), 0);

	pxm_text_sanitize(small, sizeof small, "ab\x1b[\xffé", 100);
	ck_assert_str_eq(small, "ab\\x1b[\\xffé");
	pxm_text_sanitize(small, sizeof small, "0123456789abcdefgh", 5);
	ck_assert_str_eq(small, "01234...");
}
END_TEST

/* ----------------------------------------------------- property: argv */

static uint64_t rng;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static size_t
below(size_t n)
{
	return (size_t)(rnd() % n);
}

static const char *const atoms[] = {
	";", "|", "&", "$(", ")", "`", "<", ">", "*", "?", "~", "'", "\"",
	" ", "\t", "\n", "\\", "!", "#", "{", "}", "[", "]", "=", "%", "^", "$",
	"${", "$'", "'\\''", "-", "--", "\r", "\x01", "\x1b", "\x7f", "&&", "||",
	"é", "ü", "中", "文", "😀", "\xe2\x80\xa8", "\xef\xbb\xbf", "e\xcc\x81",
	"\xf4\x8f\xbf\xbf", "\xc2\xa0", "%s", "%b", "\\0", "\\n", "$IFS", "!!",
};
#define NATOMS	(sizeof atoms / sizeof atoms[0])

static const char *const invalid[] = {
	"\xff", "\x80", "\xc3", "\xe4\xb8", "\xed\xa0\x80", "\xc0\xaf", "\xf5\x80\x80\x80",
	"\xf8\x88\x80\x80\x80", "\xe0\x80\xaf",
};

/* One element of about `target` bytes. */
static void
gen_element(struct pxm_buf *e, size_t target)
{
	pxm_buf_reset(e);
	pxm_buf_puts(e, "");
	if (below(100) < 15)
		pxm_buf_puts(e, below(2) ? "-" : "--");
	while (e->len < target) {
		size_t k = below(100);

		if (k < 45) {
			pxm_buf_puts(e, atoms[below(NATOMS)]);
		} else {
			static const char alnum[] =
			    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/";

			pxm_buf_putc(e, alnum[below(sizeof alnum - 1)]);
		}
	}
	/* Whole atoms may overshoot; long ones are made exactly 4 KiB with
	 * ASCII (never cutting a character). */
	if (target == 4096) {
		while (e->len > 4096 - 8)
			e->len--, e->data[e->len] = '\0';
		while (pxm_utf8_valid_prefix(e->data, e->len) != e->len)
			e->len--, e->data[e->len] = '\0';
		while (e->len < 4096)
			pxm_buf_putc(e, 'x');
	}
}

struct vec {
	struct pxm_buf	el[24];
	const char	*argv[24];
	size_t		lens[24];
	size_t		argc;
	int		bad;		/* NUL or invalid UTF-8 injected */
};

static void
gen_vector(struct vec *v)
{
	size_t i, k;

	v->argc = below(100) < 90 ? 1 + below(8) : 9 + below(16);
	v->bad = 0;
	for (i = 0; i < v->argc; i++) {
		/* 5% empty, 60% short, 33.5% medium, 1.5% exactly 4 KiB */
		k = below(1000);
		gen_element(&v->el[i], k < 50 ? 0 : k < 650 ? 1 + below(16) :
		    k < 985 ? 17 + below(200) : 4096);
	}
	k = below(1000);
	if (k < 10) {
		/* invalid UTF-8 somewhere */
		struct pxm_buf *e = &v->el[below(v->argc)];
		const char *bad = invalid[below(sizeof invalid / sizeof invalid[0])];
		size_t at = e->len ? below(e->len + 1) : 0;

		/* insert at a character boundary so only `bad` is invalid */
		while (at > 0 && at < e->len && ((unsigned char)e->data[at] & 0xc0) == 0x80)
			at--;
		{
			struct pxm_buf n = PXM_BUF_INIT;

			pxm_buf_append(&n, e->data, at);
			pxm_buf_puts(&n, bad);
			pxm_buf_append(&n, e->data + at, e->len - at);
			pxm_buf_free(e);
			*e = n;
		}
		v->bad = 1;
	} else if (k < 20) {
		struct pxm_buf *e = &v->el[below(v->argc)];
		size_t at = e->len ? below(e->len + 1) : 0;
		struct pxm_buf n = PXM_BUF_INIT;

		pxm_buf_append(&n, e->data, at);
		pxm_buf_putc(&n, '\0');
		pxm_buf_append(&n, e->data + at, e->len - at);
		pxm_buf_free(e);
		*e = n;
		v->bad = 1;
	}
	for (i = 0; i < v->argc; i++) {
		v->argv[i] = v->el[i].data;
		v->lens[i] = v->el[i].len;
	}
}

/* The quoted length, computed independently of the encoder. */
static size_t
quoted_len(const struct vec *v)
{
	size_t i, k, n = 0;

	for (i = 0; i < v->argc; i++) {
		n += (i ? 1 : 0) + 2 + v->lens[i];
		for (k = 0; k < v->lens[i]; k++)
			if (v->argv[i][k] == '\'')
				n += 3;
	}
	return n;
}

/* Run `shell -c script`; its stdout into out. */
static int
run_shell(const char *shell, const char *script, struct pxm_buf *out)
{
	int p[2], st;
	pid_t pid;
	char buf[65536];
	ssize_t n;

	pxm_buf_reset(out);
	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execlp(shell, shell, "-c", script, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		pxm_buf_append(out, buf, (size_t)n);
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct batch {
	struct pxm_buf	script;
	struct pxm_buf	expect;
	size_t		count;
};

static const char *const shells[] = { "dash", "bash" };

static size_t checked_bytes;

/* Run one batch under both shells and compare byte for byte. */
static void
run_batch(struct batch *b, const char *what)
{
	struct pxm_buf out = PXM_BUF_INIT;
	size_t i, at;

	if (b->count == 0)
		return;
	for (i = 0; i < 2; i++) {
		int st = run_shell(shells[i], b->script.data, &out);

		ck_assert_msg(st == 0, "%s -c exited %d (%s)", shells[i], st, what);
		if (out.len != b->expect.len || memcmp(out.data, b->expect.data, out.len) != 0) {
			for (at = 0; at < out.len && at < b->expect.len &&
			    out.data[at] == b->expect.data[at]; at++)
				;
			ck_abort_msg("%s: %s output differs from the argv at byte %zu "
			    "(got %zu bytes, want %zu); seed %s", what, shells[i], at,
			    out.len, b->expect.len, getenv("PXM_SEED") ? getenv("PXM_SEED") : "default");
		}
		checked_bytes += out.len;
	}
	pxm_buf_free(&out);
	pxm_buf_reset(&b->script);
	pxm_buf_reset(&b->expect);
	b->count = 0;
}

static void
batch_start(struct batch *b, const char *prelude)
{
	pxm_buf_reset(&b->script);
	pxm_buf_puts(&b->script, prelude);
}

START_TEST(property_argv_roundtrip_dash_bash)
{
	static struct vec v;
	struct batch plain, full;
	struct pxm_buf enc = PXM_BUF_INIT, cmd = PXM_BUF_INIT, exp = PXM_BUF_INIT;
	struct pxm_error err;
	const char *seed = getenv("PXM_SEED");
	/* `timeout` as a function: the whole emitted line prints its argv. */
	const char *prelude_full = "timeout() { printf '%s\\0' \"$@\"; }\n";
	size_t i, k, accepted = 0, refused_bad = 0, refused_long = 0, long_elems = 0;
	size_t full_checked = 0;

	if (access("/bin/dash", X_OK) != 0 && access("/usr/bin/dash", X_OK) != 0) {
		fprintf(stderr, "# dash not installed: property test needs it\n");
		ck_abort_msg("dash is missing");
	}
	rng = seed ? strtoull(seed, NULL, 0) : 0x9e3779b97f4a7c15ull;
	if (rng == 0)
		rng = 1;
	memset(&plain, 0, sizeof plain);
	memset(&full, 0, sizeof full);
	memset(&v, 0, sizeof v);
	batch_start(&plain, "");
	batch_start(&full, prelude_full);

	for (i = 0; i < VECTORS; i++) {
		int r;
		char vmid[16], secs[32];
		uint32_t tmo;

		gen_vector(&v);
		for (k = 0; k < v.argc; k++)
			if (v.lens[k] == 4096)
				long_elems++;
		pxm_buf_reset(&enc);
		r = pxm_shell_quote_argv(&enc, &err, v.argv, v.lens, v.argc);
		if (v.bad) {
			ck_assert_msg(r == PXM_E_INVAL && strcmp(err.reason, "argv") == 0,
			    "vector %zu with NUL/invalid UTF-8 accepted", i);
			ck_assert_uint_eq(enc.len, 0);
			refused_bad++;
			continue;
		}
		if (r != PXM_OK) {
			/* Only the length limit may refuse a clean vector. */
			ck_assert_msg(strstr(err.text, "longer than") != NULL &&
			    quoted_len(&v) > PXM_SHELL_MAX_COMMAND,
			    "vector %zu refused: %s", i, err.text);
			refused_long++;
			continue;
		}
		ck_assert_uint_eq(enc.len, quoted_len(&v));
		accepted++;

		/* G11 as written: printf '%s\0' <encoded>. */
		if (plain.script.len + enc.len + 16 > SCRIPT_MAX)
			run_batch(&plain, "printf");
		pxm_buf_puts(&plain.script, "printf '%s\\0' ");
		pxm_buf_append(&plain.script, enc.data, enc.len);
		pxm_buf_putc(&plain.script, '\n');
		for (k = 0; k < v.argc; k++)
			pxm_buf_append(&plain.expect, v.argv[k], v.lens[k] + 1);
		plain.count++;

		/* The whole pct exec line, with a random VMID and deadline. */
		snprintf(vmid, sizeof vmid, "%u", (unsigned)(100 + below(999999900)));
		tmo = (uint32_t)(1 + below(PXM_PCT_MAX_TIMEOUT_MS));
		snprintf(secs, sizeof secs, "%u.%03us", tmo / 1000, tmo % 1000);
		pxm_buf_reset(&cmd);
		r = pxm_pct_exec_command(&cmd, &err, "pct", vmid, v.argv, v.lens, v.argc, tmo);
		if (r != PXM_OK) {
			ck_assert_msg(strstr(err.text, "longer than") != NULL,
			    "vector %zu: pct exec line refused: %s", i, err.text);
			continue;
		}
		pxm_buf_reset(&exp);
		pxm_buf_printf(&exp, "'exec' '%s' '--' ", vmid);
		ck_assert_msg(strstr(cmd.data, exp.data) != NULL, "no '--' after the vmid");
		if (full.script.len + cmd.len + 2 > SCRIPT_MAX)
			run_batch(&full, "pct exec line");
		if (full.count == 0 && full.script.len == 0)
			batch_start(&full, prelude_full);
		pxm_buf_append(&full.script, cmd.data, cmd.len);
		pxm_buf_putc(&full.script, '\n');
		pxm_buf_reset(&exp);
		pxm_buf_append(&exp, "-s\0KILL\0", 8);
		pxm_buf_append(&exp, secs, strlen(secs) + 1);
		pxm_buf_append(&exp, "pct\0exec\0", 9);
		pxm_buf_append(&exp, vmid, strlen(vmid) + 1);
		pxm_buf_append(&exp, "--\0", 3);
		pxm_buf_append(&full.expect, exp.data, exp.len);
		for (k = 0; k < v.argc; k++)
			pxm_buf_append(&full.expect, v.argv[k], v.lens[k] + 1);
		full.count++;
		full_checked++;
	}
	run_batch(&plain, "printf");
	run_batch(&full, "pct exec line");
	fprintf(stderr, "# %d vectors: %zu accepted and round-tripped under dash and bash "
	    "(%zu full pct exec lines), %zu refused for NUL/invalid UTF-8, %zu for length; "
	    "%zu elements of 4 KiB; %zu output bytes compared; 0 mismatches\n", VECTORS,
	    accepted, full_checked, refused_bad, refused_long, long_elems, checked_bytes);
	ck_assert_uint_eq(accepted + refused_bad + refused_long, VECTORS);
	/* The generator did produce what G11 asks for. */
	ck_assert_uint_gt(refused_bad, 0);
	ck_assert_uint_gt(long_elems, 1000);
	for (k = 0; k < 24; k++)
		pxm_buf_free(&v.el[k]);
	pxm_buf_free(&plain.script);
	pxm_buf_free(&plain.expect);
	pxm_buf_free(&full.script);
	pxm_buf_free(&full.expect);
	pxm_buf_free(&enc);
	pxm_buf_free(&cmd);
	pxm_buf_free(&exp);
}
END_TEST

/* ----------------------------------------------------- property: vmid */

START_TEST(property_vmid_regex)
{
	static const char *const junk[] = { " ", "+", "-", "x", "\n", "\t", ".", "e", "'",
	    "١", "٢", "０", "\xff", ";" };
	const char *argv[] = { "true" };
	struct pxm_buf s = PXM_BUF_INIT, cmd = PXM_BUF_INIT, want = PXM_BUF_INIT;
	struct pxm_error err;
	regex_t re;
	size_t i, k, len, valid = 0;

	rng = 0x1234567887654321ull;
	ck_assert_int_eq(regcomp(&re, "^[1-9][0-9]{2,8}$", REG_EXTENDED | REG_NOSUB), 0);
	for (i = 0; i < VMID_CASES; i++) {
		int expect, got;

		pxm_buf_reset(&s);
		pxm_buf_puts(&s, "");
		len = below(13);
		for (k = 0; k < len; k++) {
			if (below(100) < 92)
				pxm_buf_putc(&s, (char)('0' + below(10)));
			else
				pxm_buf_puts(&s, junk[below(sizeof junk / sizeof junk[0])]);
		}
		expect = regexec(&re, s.data, 0, NULL, 0) == 0;
		got = pxm_vmid_valid(s.data);
		ck_assert_msg(expect == got, "'%s': regex says %d, pxm_vmid_valid %d", s.data,
		    expect, got);
		pxm_buf_reset(&cmd);
		if (!got) {
			ck_assert_int_eq(pxm_pct_exec_command(&cmd, &err, "pct", s.data, argv, NULL,
			    1, 1000), PXM_E_INVAL);
			ck_assert_str_eq(err.reason, "vmid");
			ck_assert_uint_eq(cmd.len, 0);
		} else {
			valid++;
			ck_assert_int_eq(pxm_pct_exec_command(&cmd, &err, "pct", s.data, argv, NULL,
			    1, 1000), PXM_OK);
			pxm_buf_reset(&want);
			pxm_buf_printf(&want, "'pct' 'exec' '%s' '--' 'true'", s.data);
			ck_assert_msg(strstr(cmd.data, want.data) != NULL, "%s", cmd.data);
		}
	}
	fprintf(stderr, "# %d CTID strings: %zu valid, %zu refused, all as the regex says\n",
	    VMID_CASES, valid, (size_t)VMID_CASES - valid);
	ck_assert_uint_gt(valid, 1000);
	ck_assert_uint_gt(VMID_CASES - valid, 1000);
	regfree(&re);
	pxm_buf_free(&s);
	pxm_buf_free(&cmd);
	pxm_buf_free(&want);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("shellquote");
	TCase *unit = tcase_create("unit");
	TCase *prop = tcase_create("property");

	tcase_add_test(unit, quote_basic);
	tcase_add_test(unit, quote_refusals_leave_output_alone);
	tcase_add_test(unit, quote_length_limits);
	tcase_add_test(unit, vmid_table);
	tcase_add_test(unit, pct_command_table);
	tcase_add_test(unit, pct_exec_command_shape);
	tcase_add_test(unit, argv_from_json);
	tcase_add_test(unit, utf8_exhaustive_against_reference);
	tcase_add_test(unit, utf8_escape_trim_sanitize);
	tcase_set_timeout(unit, 120);
	suite_add_tcase(s, unit);
	tcase_add_test(prop, property_argv_roundtrip_dash_bash);
	tcase_add_test(prop, property_vmid_regex);
	tcase_set_timeout(prop, 600);
	suite_add_tcase(s, prop);
	return s;
}

int
main(void)
{
	if (access("/bin/dash", X_OK) != 0 || access("/bin/bash", X_OK) != 0)
		return sshtest_skip_all("dash and bash are needed for the quoting property test");
	return sshtest_run(suite());
}
