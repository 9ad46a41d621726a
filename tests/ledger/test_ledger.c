/**
 * @file test_ledger.c
 * @brief PROVE behaviour: chain, keys, repair, poison, rotation, anchors,
 *        checkpoints, redaction, intents (real files, real flock/fsync).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "helpers.h"
#include "ledger/internal.h"
#include "ledger/io.h"
#include "tap.h"
#include "util/secret.h"

static char *dir, *logp, *keyp;

static void
setup(void)
{
	dir = t_tmpdir();
	logp = t_path(dir, "audit.log");
	keyp = t_path(dir, "audit.key");
}

static void
teardown(void)
{
	pxm_ledger_io_set(NULL);
	t_rm_rf(dir);
	free(dir);
	free(logp);
	free(keyp);
}

static struct pxm_ledger *
open_ok(const struct pxm_ledger_config *cfg)
{
	struct pxm_ledger *l = NULL;
	struct pxm_error err;
	int r = pxm_ledger_open(&l, &err, cfg);

	ck_assert_msg(r == PXM_OK, "open failed: %s", err.text);
	return l;
}

static struct pxm_ledger *
open_default(int keyed)
{
	struct pxm_ledger_config cfg;

	t_cfg(&cfg, logp);
	cfg.keyed = keyed;
	return open_ok(&cfg);
}

static json_t *
verify(struct pxm_ledger *l, const char *expected)
{
	struct pxm_error err;
	json_t *rep = NULL;

	ck_assert_msg(pxm_ledger_verify_report(&rep, &err, l, expected) == PXM_OK,
	    "verify: %s", err.text);
	return rep;
}

/* Verify the file at logp read-only, in the given mode. */
static json_t *
verify_file(int keyed)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	json_t *rep;

	t_cfg(&cfg, logp);
	cfg.keyed = keyed;
	cfg.readonly = 1;
	l = open_ok(&cfg);
	rep = verify(l, NULL);
	pxm_ledger_close(l);
	return rep;
}

static const char *
reason(json_t *rep)
{
	const char *s = json_string_value(json_object_get(rep, "reason"));
	return s ? s : "";
}

static int
rep_ok(json_t *rep)
{
	return json_is_true(json_object_get(rep, "ok"));
}

static void
fill(struct pxm_ledger *l, int n)
{
	char t[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(t, sizeof t, "vm/%d", 100 + i);
		ck_assert_int_eq(t_append(l, "pve_guest_start", t, "ok",
		    json_pack("{s:i}", "i", i), NULL), PXM_OK);
	}
}

START_TEST(empty_verifies)
{
	struct pxm_ledger *l = open_default(1);
	json_t *rep = verify(l, NULL);

	ck_assert(rep_ok(rep));
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "entries")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rep, "head")), PXM_LEDGER_GENESIS);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep, "hint")),
	    "PROXIMO_AUDIT_EXPECTED_HEAD"));
	ck_assert(json_is_false(json_object_get(rep, "tail_covered")));
	json_decref(rep);
	pxm_ledger_close(l);
}
END_TEST

START_TEST(chain_links_and_modes)
{
	struct pxm_ledger *l = open_default(1);
	char h1[65], h2[65], head[65];
	json_t *j1, *j2;
	struct stat st;
	size_t len, *s;
	char *buf;

	ck_assert_int_eq(t_append(l, "a", "t1", "ok", NULL, h1), PXM_OK);
	ck_assert_int_eq(t_append(l, "b", "t2", "ok", NULL, h2), PXM_OK);
	pxm_ledger_head(l, head, NULL);
	ck_assert_str_eq(head, h2);
	pxm_ledger_close(l);
	ck_assert_int_eq(stat(logp, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(keyp, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	buf = t_read(logp, &len);
	ck_assert_uint_eq(t_lines(buf, len, &s), 2);
	j1 = json_loadb(buf, s[1] - 1, 0, NULL);
	j2 = json_loadb(buf + s[1], s[2] - s[1] - 1, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j1, "prev_hash")), PXM_LEDGER_GENESIS);
	ck_assert_str_eq(json_string_value(json_object_get(j2, "prev_hash")), h1);
	ck_assert_str_eq(json_string_value(json_object_get(j2, "entry_hash")), h2);
	ck_assert_str_eq(json_string_value(json_object_get(j2, "alg")), "hmac-sha256");
	ck_assert_int_eq(json_integer_value(json_object_get(j2, "seq")), 2);
	/* The reference field order comes first in the stored line. */
	ck_assert_int_eq(strncmp(buf, "{\"ts\":\"", 7), 0);
	json_decref(j1);
	json_decref(j2);
	free(s);
	free(buf);
}
END_TEST

/* Replace the first occurrence of `from` by `to` (same length or not). */
static void
edit_file(const char *from, const char *to)
{
	size_t len;
	char *buf = t_read(logp, &len), *p = strstr(buf, from);
	struct pxm_buf b = PXM_BUF_INIT;

	ck_assert_ptr_nonnull(p);
	pxm_buf_append(&b, buf, (size_t)(p - buf));
	pxm_buf_puts(&b, to);
	pxm_buf_puts(&b, p + strlen(from));
	t_write(logp, b.data, b.len);
	pxm_buf_free(&b);
	free(buf);
}

START_TEST(edit_delete_swap_nonobject)
{
	struct pxm_ledger *l = open_default(1);
	size_t len, *s;
	char *buf;
	json_t *rep;
	struct pxm_buf b = PXM_BUF_INIT;

	fill(l, 4);
	pxm_ledger_close(l);
	buf = t_read(logp, &len);
	t_lines(buf, len, &s);

	edit_file("vm/100", "vm/999");
	rep = verify_file(1);
	ck_assert(!rep_ok(rep));
	ck_assert_str_eq(reason(rep), "entry_hash mismatch (entry altered)");
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "broken_at_line")), 1);
	json_decref(rep);

	/* delete line 2 */
	pxm_buf_append(&b, buf, s[1]);
	pxm_buf_append(&b, buf + s[2], len - s[2]);
	t_write(logp, b.data, b.len);
	rep = verify_file(1);
	ck_assert_ptr_nonnull(strstr(reason(rep), "mismatch"));
	json_decref(rep);

	/* swap lines 2 and 3 */
	pxm_buf_reset(&b);
	pxm_buf_append(&b, buf, s[1]);
	pxm_buf_append(&b, buf + s[2], s[3] - s[2]);
	pxm_buf_append(&b, buf + s[1], s[2] - s[1]);
	pxm_buf_append(&b, buf + s[3], len - s[3]);
	t_write(logp, b.data, b.len);
	rep = verify_file(1);
	ck_assert(!rep_ok(rep));
	json_decref(rep);

	/* a valid-JSON non-object line */
	pxm_buf_reset(&b);
	pxm_buf_append(&b, buf, s[2]);
	pxm_buf_puts(&b, "123\n");
	pxm_buf_append(&b, buf + s[2], len - s[2]);
	t_write(logp, b.data, b.len);
	rep = verify_file(1);
	ck_assert_str_eq(reason(rep), "non-object line");
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "broken_at_line")), 3);
	json_decref(rep);

	/* whitespace inside a line: same JSON value, different bytes */
	pxm_buf_reset(&b);
	pxm_buf_append(&b, buf, s[1]);
	pxm_buf_append(&b, buf + s[1], 1);
	pxm_buf_putc(&b, ' ');
	pxm_buf_append(&b, buf + s[1] + 1, len - s[1] - 1);
	t_write(logp, b.data, b.len);
	rep = verify_file(1);
	ck_assert_ptr_nonnull(strstr(reason(rep), "canonical"));
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "broken_at_line")), 2);
	json_decref(rep);

	/* the final newline flipped is reported, not silently dropped */
	buf[len - 1] = 0x0b;
	t_write(logp, buf, len);
	rep = verify_file(1);
	ck_assert(!rep_ok(rep));
	ck_assert_ptr_nonnull(strstr(reason(rep), "trailing newline"));
	json_decref(rep);

	pxm_buf_free(&b);
	free(s);
	free(buf);
}
END_TEST

/* End of the JSON value at v (a string without escapes, an object, or a
 * scalar): enough for the members of the lines fill() writes. */
static const char *
value_end(const char *v)
{
	int depth = 0;

	if (*v == '"')
		return strchr(v + 1, '"') + 1;
	if (*v != '{') {
		while (*v != ',' && *v != '}')
			v++;
		return v;
	}
	for (;; v++) {
		if (*v == '"')
			v = strchr(v + 1, '"');
		else if (*v == '{')
			depth++;
		else if (*v == '}' && --depth == 0)
			return v + 1;
	}
}

/*
 * Every member of line 2 written twice, with the same value and with
 * another: not a line Python writes (json.loads keeps one copy, json.dumps
 * writes one), so rule 4 refuses it, also for the members the hash leaves
 * out (prev_hash, entry_hash, alg), whichever copy a check would read.
 */
START_TEST(duplicated_members_refused)
{
	static const char *const names[] = { "ts", "action", "target", "mutation",
	    "outcome", "detail", "seq", "key_id", "prev_hash", "entry_hash", "alg" };
	struct pxm_ledger *l = open_default(1);
	struct pxm_buf b = PXM_BUF_INIT;
	size_t len, *s, i, k;
	const char *p, *q;
	char *buf, key[32];
	json_t *rep;

	fill(l, 3);
	pxm_ledger_close(l);
	buf = t_read(logp, &len);
	t_lines(buf, len, &s);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(key, sizeof key, "\"%s\":", names[i]);
		p = memmem(buf + s[1], s[2] - s[1], key, strlen(key));
		ck_assert_ptr_nonnull(p);
		q = value_end(p + strlen(key));
		for (k = 0; k < 2; k++) {
			pxm_buf_reset(&b);
			pxm_buf_append(&b, buf, (size_t)(q - buf));
			pxm_buf_putc(&b, ',');
			if (k == 0)
				pxm_buf_append(&b, p, (size_t)(q - p));
			else
				pxm_buf_printf(&b, "%s\"%s\"", key, PXM_LEDGER_GENESIS);
			pxm_buf_append(&b, q, len - (size_t)(q - buf));
			t_write(logp, b.data, b.len);
			rep = verify_file(1);
			ck_assert_msg(!rep_ok(rep), "%s twice accepted", names[i]);
			ck_assert_int_eq(json_integer_value(json_object_get(rep, "broken_at_line")), 2);
			ck_assert_msg(strncmp(reason(rep), "line not in canonical form (duplicate key",
			    41) == 0, "%s twice: %s", names[i], reason(rep));
			json_decref(rep);
		}
	}
	t_write(logp, buf, len);
	rep = verify_file(1);
	ck_assert_msg(rep_ok(rep), "%s", reason(rep));
	json_decref(rep);
	pxm_buf_free(&b);
	free(s);
	free(buf);
}
END_TEST

static void
write_key(const char *text, mode_t mode)
{
	int fd;

	unlink(keyp);
	fd = open(keyp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static const char *
open_err(int keyed)
{
	static struct pxm_error err;
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l = NULL;

	t_cfg(&cfg, logp);
	cfg.keyed = keyed;
	if (pxm_ledger_open(&l, &err, &cfg) == PXM_OK) {
		pxm_ledger_close(l);
		return NULL;
	}
	return err.text;
}

START_TEST(key_hygiene)
{
	const char *e;
	char good[80];

	memset(good, 'a', 64);
	good[64] = '\n';
	good[65] = '\0';
	write_key(good, 0644);
	ck_assert_ptr_nonnull(e = open_err(1));
	ck_assert_ptr_nonnull(strstr(e, "group/other"));
	write_key("", 0600);
	ck_assert_ptr_nonnull(e = open_err(1));
	ck_assert_ptr_nonnull(strstr(e, "empty"));
	write_key("zz not hex at all zz\n", 0600);
	ck_assert_ptr_nonnull(e = open_err(1));
	ck_assert_ptr_nonnull(strstr(e, "hex"));
	write_key("abcdef0123\n", 0600);
	ck_assert_ptr_nonnull(e = open_err(1));
	ck_assert_ptr_nonnull(strstr(e, "too short"));
	write_key(good, 0600);
	ck_assert_ptr_null(open_err(1));
	/* the key's text never shows in an error */
	write_key(good, 0640);
	ck_assert_ptr_nonnull(e = open_err(1));
	ck_assert_ptr_null(strstr(e, "aaaaaaaa"));
}
END_TEST

START_TEST(wrong_key_and_downgrade)
{
	struct pxm_ledger *l = open_default(1);
	json_t *rep, *j;
	size_t len, *s, i, n;
	char *buf, prev[65], hex[65];
	unsigned char md[32];
	struct pxm_buf out = PXM_BUF_INIT, body = PXM_BUF_INIT;
	const char *k;
	json_t *v;
	EVP_MD_CTX *ctx;

	fill(l, 3);
	pxm_ledger_close(l);
	rep = verify_file(0);
	ck_assert_ptr_nonnull(strstr(reason(rep), "keyed"));
	json_decref(rep);

	/* A different key: the stored key_id says so first. */
	write_key("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n", 0600);
	rep = verify_file(1);
	ck_assert_ptr_nonnull(strstr(reason(rep), "mismatch"));
	json_decref(rep);

	/* Downgrade: strip alg and key_id, re-chain with bare SHA-256. */
	buf = t_read(logp, &len);
	n = t_lines(buf, len, &s);
	memcpy(prev, PXM_LEDGER_GENESIS, 65);
	for (i = 0; i < n; i++) {
		j = json_loadb(buf + s[i], s[i + 1] - s[i] - 1, 0, NULL);
		json_object_del(j, "alg");
		json_object_del(j, "key_id");
		json_object_del(j, "entry_hash");
		json_object_set_new(j, "prev_hash", json_string(prev));
		/* canonical body: sorted, compact, no prev_hash */
		pxm_buf_reset(&body);
		pxm_buf_puts(&body, prev);
		{
			json_t *b2 = json_deep_copy(j);
			char *d;
			json_object_del(b2, "prev_hash");
			d = json_dumps(b2, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
			pxm_buf_puts(&body, d);
			free(d);
			json_decref(b2);
		}
		ctx = EVP_MD_CTX_new();
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		EVP_DigestUpdate(ctx, body.data, body.len);
		EVP_DigestFinal_ex(ctx, md, NULL);
		EVP_MD_CTX_free(ctx);
		for (k = "0123456789abcdef", len = 0; len < 32; len++) {
			hex[2 * len] = k[md[len] >> 4];
			hex[2 * len + 1] = k[md[len] & 15];
		}
		hex[64] = '\0';
		json_object_set_new(j, "entry_hash", json_string(hex));
		memcpy(prev, hex, 65);
		{
			char *d = json_dumps(j, JSON_COMPACT);
			pxm_buf_puts(&out, d);
			pxm_buf_putc(&out, '\n');
			free(d);
		}
		json_decref(j);
		(void)v;
	}
	t_write(logp, out.data, out.len);
	write_key("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 0600);
	rep = verify_file(1);
	ck_assert_ptr_nonnull(strstr(reason(rep), "downgrade"));
	json_decref(rep);
	pxm_buf_free(&out);
	pxm_buf_free(&body);
	free(s);
	free(buf);
}
END_TEST

START_TEST(torn_tail_repaired_and_recorded)
{
	struct pxm_ledger *l = open_default(1);
	json_t *rep, *f, *er;
	struct pxm_error err;
	glob_t g;
	char pat[4200];
	int fd;

	fill(l, 3);
	pxm_ledger_close(l);
	fd = open(logp, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "{\"ts\":\"2026-", 12), 12);
	close(fd);
	rep = verify_file(1);	/* read-only verify reports, never repairs */
	ck_assert(!rep_ok(rep));
	ck_assert_ptr_nonnull(strstr(reason(rep), "no trailing newline"));
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "broken_at_line")), 4);
	json_decref(rep);

	l = open_default(1);	/* writable open repairs */
	rep = verify(l, NULL);
	ck_assert(rep_ok(rep));
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "entries")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "repairs")), 1);
	ck_assert_ptr_nonnull(json_object_get(rep, "repair_note"));
	json_decref(rep);
	f = json_pack("{s:s}", "action", "audit_repair");
	ck_assert_int_eq(pxm_ledger_entries_report(&er, &err, l, f), PXM_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(er, "matched")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(er, "entries"), 0), "detail"), "removed_bytes")), 12);
	json_decref(er);
	json_decref(f);
	pxm_ledger_close(l);
	snprintf(pat, sizeof pat, "%s.broken-*", logp);
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	ck_assert_uint_eq(g.gl_pathc, 1);
	globfree(&g);
}
END_TEST

START_TEST(corruption_before_tail_refuses_open)
{
	struct pxm_ledger *l = open_default(1);
	const char *e;

	fill(l, 5);
	pxm_ledger_close(l);
	edit_file("vm/102", "vm/666");
	ck_assert_ptr_nonnull(e = open_err(1));
	ck_assert_ptr_nonnull(strstr(e, "line 3"));
	ck_assert_ptr_nonnull(strstr(e, "entry_hash mismatch"));
}
END_TEST

/* ---------------------------------------------------------- fault seam */

static int fail_kind;	/* 1 fdatasync EIO, 2 write ENOSPC, 3 short write */
static int armed;

static ssize_t
f_write(int fd, const void *b, size_t n)
{
	if (armed && fail_kind == 2) {
		errno = ENOSPC;
		return -1;
	}
	if (armed && fail_kind == 3 && n > 10)
		return pxm_ledger_io_real.write(fd, b, n / 2);
	return pxm_ledger_io_real.write(fd, b, n);
}

static int
f_fdatasync(int fd)
{
	if (armed && fail_kind == 1) {
		errno = EIO;
		return -1;
	}
	return pxm_ledger_io_real.fdatasync(fd);
}

static const struct pxm_ledger_io faulty = {
	f_write, f_fdatasync, NULL, NULL, NULL, NULL, NULL,
};

START_TEST(poisoned_after_io_failure)
{
	struct pxm_ledger_io io = pxm_ledger_io_real;
	struct pxm_ledger *l;
	struct pxm_ledger_entry e = { "x", "t", 1, "ok", NULL, NULL };
	struct pxm_error err, why;
	json_t *rep;

	io.write = faulty.write;
	io.fdatasync = faulty.fdatasync;
	pxm_ledger_io_set(&io);
	fail_kind = _i + 1;
	armed = 0;
	l = open_default(1);
	fill(l, 2);
	armed = 1;
	ck_assert_int_ne(pxm_ledger_append(l, &err, &e, NULL), PXM_OK);
	ck_assert_int_eq(pxm_ledger_poisoned(l, &why), 1);
	ck_assert_ptr_nonnull(strstr(err.text, "poisoned"));
	ck_assert_ptr_nonnull(strstr(err.text, fail_kind == 1 ? "fdatasync" : "writing"));
	armed = 0;	/* the disk recovers: still refused (no retry) */
	ck_assert_int_eq(pxm_ledger_append(l, &err, &e, NULL), PXM_E_STATE);
	ck_assert_ptr_nonnull(strstr(err.text, "poisoned"));
	pxm_ledger_close(l);
	pxm_ledger_io_set(NULL);
	/* A fresh process recovers: the chain verifies. */
	l = open_default(1);
	rep = verify(l, NULL);
	ck_assert_msg(rep_ok(rep), "%s", reason(rep));
	json_decref(rep);
	pxm_ledger_close(l);
}
END_TEST

START_TEST(expected_head_rules)
{
	struct pxm_ledger *l = open_default(1);
	struct pxm_error err;
	char h2[65], h3[65], upper[65];
	json_t *rep = NULL;
	size_t i;

	fill(l, 1);
	ck_assert_int_eq(t_append(l, "a", "t", "ok", NULL, h2), PXM_OK);
	ck_assert_int_eq(pxm_ledger_verify_report(&rep, &err, l, "bad"), PXM_E_INVAL);
	ck_assert_ptr_null(rep);
	ck_assert_ptr_nonnull(strstr(err.text, "invalid expected_head"));
	rep = verify(l, h2);
	ck_assert(rep_ok(rep));
	ck_assert(json_is_null(json_object_get(rep, "hint")));
	json_decref(rep);
	for (i = 0; i < 65; i++)
		upper[i] = (char)(h2[i] >= 'a' && h2[i] <= 'f' ? h2[i] - 32 : h2[i]);
	rep = verify(l, upper);	/* normalised, as the reference */
	ck_assert(rep_ok(rep));
	json_decref(rep);
	ck_assert_int_eq(t_append(l, "a", "t", "ok", NULL, h3), PXM_OK);
	rep = verify(l, h2);
	ck_assert(!rep_ok(rep));
	ck_assert_str_eq(reason(rep), "head mismatch (tail truncated/appended or file replaced)");
	ck_assert(json_is_null(json_object_get(rep, "broken_at_line")));
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "expected_head_at_entry")), 2);
	json_decref(rep);
	pxm_ledger_close(l);
}
END_TEST

START_TEST(entry_validation_and_sanitising)
{
	struct pxm_ledger *l = open_default(1);
	struct pxm_ledger_entry e = { "act", NULL, 0, "ok", NULL, NULL };
	struct pxm_error err;
	char big[700], *buf;
	json_t *d, *er, *f;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	e.target = "vm\x01\x1b[31m/1";
	ck_assert_int_eq(pxm_ledger_append(l, &err, &e, NULL), PXM_OK);
	e.target = big;
	ck_assert_int_eq(pxm_ledger_append(l, &err, &e, NULL), PXM_OK);
	d = json_pack("{s:o}", "bad", json_stringn_nocheck("\xff\xfe", 2));
	e.detail = d;
	ck_assert_int_eq(pxm_ledger_append(l, &err, &e, NULL), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "UTF-8"));
	ck_assert_ptr_nonnull(strstr(err.text, "detail.bad"));
	json_decref(d);
	d = json_array();
	e.detail = d;
	ck_assert_int_eq(pxm_ledger_append(l, &err, &e, NULL), PXM_E_INVAL);
	json_decref(d);
	e.detail = NULL;
	e.action = "";
	ck_assert_int_eq(pxm_ledger_append(l, &err, &e, NULL), PXM_E_INVAL);
	ck_assert(!pxm_ledger_poisoned(l, NULL));	/* caller errors do not poison */
	buf = t_read(logp, NULL);
	ck_assert_ptr_nonnull(strstr(buf, "\"target\":\"vm??[31m/1\""));
	ck_assert_ptr_nonnull(strstr(buf, "\xe2\x80\xa6[truncated]"));
	free(buf);
	f = json_pack("{s:i}", "limit", 1);
	ck_assert_int_eq(pxm_ledger_entries_report(&er, &err, l, f), PXM_OK);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(json_array_get(
	    json_object_get(er, "entries"), 0), "target"))), 512 + strlen("\xe2\x80\xa6[truncated]"));
	ck_assert(json_is_true(json_object_get(er, "truncated")));
	json_decref(er);
	json_decref(f);
	f = json_pack("{s:s}", "bogus", "x");
	ck_assert_int_eq(pxm_ledger_entries_report(&er, &err, l, f), PXM_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.text, "accepted"));
	json_decref(f);
	pxm_ledger_close(l);
}
END_TEST

START_TEST(redaction_fingerprints)
{
	const char *argv[] = { "psql", "-c", "DROP TABLE secrets; -- hunter2" };
	unsigned char md[32];
	char hex[65], *s;
	const char *joined = "psql -c 'DROP TABLE secrets; -- hunter2'";
	json_t *j;
	int i;

	j = pxm_ledger_fingerprint_command(argv, 3);
	s = json_dumps(j, 0);
	ck_assert_ptr_null(strstr(s, "hunter2"));
	ck_assert_ptr_null(strstr(s, "DROP"));
	EVP_Digest(joined, strlen(joined), md, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	ck_assert_str_eq(json_string_value(json_object_get(j, "cmd_sha256")), hex);
	ck_assert_str_eq(json_string_value(json_object_get(j, "cmd_kind")), "psql");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "cmd_len")), (json_int_t)strlen(joined));
	free(s);
	json_decref(j);
	j = pxm_ledger_fingerprint_command(NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "cmd_kind")), "EMPTY");
	json_decref(j);
	j = pxm_ledger_fingerprint_sql("app", "  drop TABLE secrets");
	ck_assert_str_eq(json_string_value(json_object_get(j, "sql_kind")), "DROP");
	s = json_dumps(j, 0);
	ck_assert_ptr_null(strstr(s, "secrets"));
	free(s);
	json_decref(j);
	j = pxm_ledger_fingerprint_sql("app", "(select 1)");
	ck_assert_str_eq(json_string_value(json_object_get(j, "sql_kind")), "OTHER");
	json_decref(j);
}
END_TEST

START_TEST(intent_pairing_in_flight)
{
	struct pxm_ledger *l = open_default(1);
	struct pxm_error err;
	char a[13], b[13];
	json_t *er;

	pxm_ledger_intent_id(a, "pve_guest_stop", "qemu/100");
	pxm_ledger_intent_id(b, "pve_guest_stop", "qemu/101");
	ck_assert_uint_eq(strlen(a), 12);
	ck_assert_str_ne(a, b);
	t_append(l, "pve_guest_stop", "qemu/100", "executing", json_pack("{s:s}", "intent", a), NULL);
	t_append(l, "pve_guest_stop", "qemu/100", "error", json_pack("{s:s}", "intent", a), NULL);
	t_append(l, "pve_guest_stop", "qemu/100", "executing", json_pack("{s:s}", "intent", a), NULL);
	t_append(l, "pve_guest_stop", "qemu/100", "ok", json_pack("{s:s}", "intent", a), NULL);
	t_append(l, "pve_guest_stop", "qemu/101", "executing", json_pack("{s:s}", "intent", b), NULL);
	t_append(l, "ct_exec", "lxc/1", "blocked:allowlist", NULL, NULL);
	ck_assert_int_eq(pxm_ledger_entries_report(&er, &err, l, NULL), PXM_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(er, "in_flight")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(er, "in_flight"), 0), "detail"), "intent")), b);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(er, "entries"), 0), "action")), "ct_exec");	/* newest first */
	json_decref(er);
	pxm_ledger_close(l);
}
END_TEST

START_TEST(mode_rotation_never_deletes)
{
	struct pxm_ledger *l = open_default(0);
	char pat[4200], sealed[65];
	json_t *rep, *g1, *last;
	glob_t g;
	size_t len, *s, n;
	char *buf;

	fill(l, 3);
	pxm_ledger_close(l);
	l = open_default(1);	/* upgrade */
	pxm_ledger_close(l);
	snprintf(pat, sizeof pat, "%s.unkeyed-*", logp);
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	ck_assert_uint_eq(g.gl_pathc, 1);
	buf = t_read(g.gl_pathv[0], &len);
	n = t_lines(buf, len, &s);
	ck_assert_uint_eq(n, 4);
	last = json_loadb(buf + s[3], s[4] - s[3] - 1, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(last, "action")), "audit_rotate");
	ck_assert(json_is_true(json_object_get(json_object_get(last, "detail"), "sealed")));
	snprintf(sealed, sizeof sealed, "%s", json_string_value(json_object_get(last, "entry_hash")));
	json_decref(last);
	free(buf);
	free(s);
	{
		char h8[9];
		memcpy(h8, sealed, 8);
		h8[8] = '\0';
		ck_assert_ptr_nonnull(strstr(g.gl_pathv[0], h8));
	}
	globfree(&g);
	buf = t_read(logp, &len);
	g1 = json_loadb(buf, strchr(buf, '\n') - buf, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(g1, "detail"),
	    "prev_head")), sealed);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(g1, "detail"),
	    "prev_alg")), "sha256");
	json_decref(g1);
	free(buf);
	rep = verify_file(1);
	ck_assert(rep_ok(rep));
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "entries")), 1);
	json_decref(rep);
	l = open_default(1);	/* idempotent */
	pxm_ledger_close(l);
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	ck_assert_uint_eq(g.gl_pathc, 1);
	globfree(&g);
	l = open_default(0);	/* downgrade */
	pxm_ledger_close(l);
	snprintf(pat, sizeof pat, "%s.keyed-*", logp);
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	globfree(&g);
	buf = t_read(logp, &len);
	ck_assert_ptr_nonnull(strstr(buf, "\"prev_alg\":\"hmac-sha256\""));
	ck_assert_ptr_nonnull(strstr(buf, "keyed-to-unkeyed"));
	free(buf);
	rep = verify_file(0);
	ck_assert(rep_ok(rep));
	json_decref(rep);
}
END_TEST

START_TEST(anchor_file_catches_truncation)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	char *anchor = t_path(dir, "anchor.json"), *buf;
	json_t *rep;
	size_t len, *s, n;

	t_cfg(&cfg, logp);
	cfg.anchor_sink = "file";
	cfg.anchor_file = anchor;
	l = open_ok(&cfg);
	fill(l, 5);
	rep = verify(l, NULL);	/* clean verify pins the head (CAS) */
	ck_assert(rep_ok(rep));
	ck_assert(json_is_true(json_object_get(rep, "tail_covered")) ||
	    json_is_false(json_object_get(rep, "tail_covered")));
	json_decref(rep);
	pxm_ledger_close(l);
	buf = t_read(anchor, NULL);
	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(strstr(buf, "\"entries\":5"));
	free(buf);
	/* growth after the pin is fine */
	l = open_ok(&cfg);
	fill(l, 2);
	rep = verify(l, NULL);
	ck_assert_msg(rep_ok(rep), "%s", reason(rep));
	ck_assert(json_is_true(json_object_get(rep, "tail_covered")));
	json_decref(rep);
	pxm_ledger_close(l);
	/* cut the last entry: the pin (7 entries) is no longer there */
	buf = t_read(logp, &len);
	n = t_lines(buf, len, &s);
	t_write(logp, buf, s[n - 1]);
	l = open_ok(&cfg);
	ck_assert(pxm_ledger_poisoned(l, NULL));
	rep = verify(l, NULL);
	ck_assert(!rep_ok(rep));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep, "anchor_hint")),
	    "TRUNCATION"));
	json_decref(rep);
	pxm_ledger_close(l);
	/* a corrupt anchor refuses the start */
	t_write(anchor, "{\"head\":\"nope\"}", 15);
	{
		struct pxm_error err;
		ck_assert_int_eq(pxm_ledger_open(&l, &err, &cfg), PXM_E_CONFIG);
		ck_assert_ptr_nonnull(strstr(err.text, "corrupt"));
	}
	free(s);
	free(buf);
	free(anchor);
}
END_TEST

START_TEST(syslog_sink_receives_head)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct sockaddr_un sun;
	char *sock = t_path(dir, "log.sock"), frame[2048], head[65];
	json_t *rep;
	ssize_t n;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	t_cfg(&cfg, logp);
	cfg.anchor_sink = "syslog";
	cfg.anchor_syslog = sock;
	cfg.node = "pve1";
	l = open_ok(&cfg);
	fill(l, 2);
	rep = verify(l, NULL);
	ck_assert(rep_ok(rep));
	json_decref(rep);
	pxm_ledger_head(l, head, NULL);
	n = recv(fd, frame, sizeof frame - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	frame[n] = '\0';
	ck_assert_int_eq(strncmp(frame, "<134>1 ", 7), 0);
	ck_assert_ptr_nonnull(strstr(frame, " pve1 proximo-anchor - AUDITHEAD - {"));
	ck_assert_ptr_nonnull(strstr(frame, head));
	pxm_ledger_close(l);
	close(fd);
	free(sock);
}
END_TEST

/* The checkpoint key's direct PKCS#8 read gives the key OpenSSL's decoder
 * gives; a PEM it does not recognise (CRLF lines) still loads the long way. */
START_TEST(checkpoint_key_reads_agree)
{
	char *path = t_path(dir, "ck.key"), *crlf = t_path(dir, "ck-crlf.key");
	struct pxm_error err;
	EVP_PKEY *fast = NULL, *slow, *other = NULL;
	FILE *f;
	char *text, *o;
	size_t i, n;

	ck_assert_int_eq(pxm_ckpt_key_load_or_create(&fast, &err, path, 1), PXM_OK);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(slow = PEM_read_PrivateKey(f, NULL, NULL, NULL));
	fclose(f);
	ck_assert_int_eq(EVP_PKEY_eq(fast, slow), 1);
	text = t_read(path, &n);
	ck_assert_ptr_nonnull(o = calloc(1, 2 * n + 1));
	for (i = 0, n = 0; text[i]; i++) {
		if (text[i] == '\n')
			o[n++] = '\r';
		o[n++] = text[i];
	}
	t_write(crlf, o, n);
	ck_assert_int_eq(chmod(crlf, 0600), 0);
	ck_assert_int_eq(pxm_ckpt_key_load_or_create(&other, &err, crlf, 0), PXM_OK);
	ck_assert_int_eq(EVP_PKEY_eq(other, slow), 1);
	EVP_PKEY_free(fast);
	EVP_PKEY_free(slow);
	EVP_PKEY_free(other);
	free(text);
	free(o);
	free(path);
	free(crlf);
}
END_TEST

START_TEST(signed_checkpoints)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	json_t *ck, *rep;
	unsigned char sig[96];
	const char *msg;
	char *pub = t_path(dir, "audit-checkpoint.key.pub");
	struct stat st;

	t_cfg(&cfg, logp);
	cfg.checkpoints = 1;
	cfg.checkpoint_every = 4;
	l = open_ok(&cfg);
	fill(l, 3);
	ck_assert_int_eq(pxm_ledger_checkpoint(&ck, &err, l), PXM_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(ck, "entries")), 3);
	msg = json_string_value(json_object_get(ck, "message"));
	ck_assert_int_eq(strncmp(msg, "proximo-ledger-checkpoint-v1\nledger ", 36), 0);
	ck_assert_int_eq(EVP_DecodeBlock(sig, (const unsigned char *)json_string_value(
	    json_object_get(ck, "signature")), 88), 66);
	ck_assert_int_eq(pxm_ledger_checkpoint_verify(&err, pub, (const unsigned char *)msg,
	    strlen(msg), sig, 64), PXM_OK);
	sig[5] ^= 1;
	ck_assert_int_eq(pxm_ledger_checkpoint_verify(&err, pub, (const unsigned char *)msg,
	    strlen(msg), sig, 64), PXM_E_DENIED);
	json_decref(ck);
	fill(l, 5);	/* periodic checkpoint after entry 8 (every 4) */
	pxm_ledger_close(l);	/* and one at shutdown */
	ck_assert_int_eq(stat(cfg.checkpoint_key_path ? cfg.checkpoint_key_path : pub, &st), 0);
	cfg.readonly = 1;
	l = open_ok(&cfg);
	rep = verify(l, NULL);
	ck_assert_msg(rep_ok(rep), "%s", reason(rep));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(rep, "checkpoints"),
	    "count")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(rep, "checkpoints"),
	    "signatures_verified")), 3);
	json_decref(rep);
	pxm_ledger_close(l);
	free(pub);
}
END_TEST

START_TEST(symlink_refused)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	char *target = t_path(dir, "elsewhere.log");

	ck_assert_int_eq(symlink(target, logp), 0);
	t_cfg(&cfg, logp);
	ck_assert_int_ne(pxm_ledger_open(&l, &err, &cfg), PXM_OK);
	ck_assert_ptr_nonnull(strstr(err.text, "symbolic link"));
	ck_assert_int_ne(access(target, F_OK), 0);	/* never created */
	free(target);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty_verifies);
	tcase_add_test(tc, chain_links_and_modes);
	tcase_add_test(tc, edit_delete_swap_nonobject);
	tcase_add_test(tc, duplicated_members_refused);
	tcase_add_test(tc, key_hygiene);
	tcase_add_test(tc, wrong_key_and_downgrade);
	tcase_add_test(tc, torn_tail_repaired_and_recorded);
	tcase_add_test(tc, corruption_before_tail_refuses_open);
	tcase_add_loop_test(tc, poisoned_after_io_failure, 0, 3);
	tcase_add_test(tc, expected_head_rules);
	tcase_add_test(tc, entry_validation_and_sanitising);
	tcase_add_test(tc, redaction_fingerprints);
	tcase_add_test(tc, intent_pairing_in_flight);
	tcase_add_test(tc, mode_rotation_never_deletes);
	tcase_add_test(tc, anchor_file_catches_truncation);
	tcase_add_test(tc, syslog_sink_receives_head);
	tcase_add_test(tc, checkpoint_key_reads_agree);
	tcase_add_test(tc, signed_checkpoints);
	tcase_add_test(tc, symlink_refused);
	suite_add_tcase(s, tc);
	return pxm_tap_run(s);
}
