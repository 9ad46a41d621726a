/**
 * @file fuzz_ledger.c
 * @brief Fuzz target: arbitrary ledger files through the verifier
 *        (core/ledger/walk.c, report.c) and the strict line parser
 *        (core/ledger/canon.c).
 *
 * The input is a ledger file.  It is verified as `audit verify` does
 * (read-only open, keyed and unkeyed, with the checkpoint public key; the
 * verify and entries reports), and walked again line by line.
 * Properties checked:
 *  - the chain walker gives the same verdict over the file (buffered reads)
 *    as over its lines one by one;
 *  - the verify report agrees with the walker and is complete (ok, entries,
 *    head, summary; a reason whenever ok is false);
 *  - the line rule: a line the strict parser accepts is exactly the bytes
 *    the writer (pxm_canon_dump) produces for the value it encodes.
 * The seeds are chains made with keys/audit.key and keys/checkpoint.key,
 * so mutations start from entries that verify.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "fuzz.h"
#include "ledger/canon.h"
#include "ledger/internal.h"
#include "ledger/ledger.h"
#include "util/error.h"

static const char key_hex[] =
    "6675a5b2c1e0f3d4a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4\n";
static const char ck_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAEVl1ZWs+EtuzBeLdY9ZL5nmoFTpOYnvhtKjvKpmp7lE=\n"
    "-----END PUBLIC KEY-----\n";

static char dir[512], path[600], keypath[600], ckpath[600];

static void
write_file(const char *p, const void *data, size_t n, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	FUZZ_CHECK(fd >= 0, "cannot create %s", p);
	FUZZ_CHECK(n == 0 || write(fd, data, n) == (ssize_t)n, "cannot write %s", p);
	close(fd);
}

static void
cleanup(void)
{
	char p[700];

	unlink(path);
	unlink(keypath);
	snprintf(p, sizeof p, "%s.pub", ckpath);
	unlink(p);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char p[700];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/pxmfuzzledger.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/audit.log", dir);
	snprintf(keypath, sizeof keypath, "%s/audit.key", dir);
	snprintf(ckpath, sizeof ckpath, "%s/audit-checkpoint.key", dir);
	write_file(keypath, key_hex, sizeof key_hex - 1, 0600);
	snprintf(p, sizeof p, "%s.pub", ckpath);
	write_file(p, ck_pub_pem, sizeof ck_pub_pem - 1, 0644);
	return 0;
}

/* The walker's verdict, for comparing two walks. */
struct verdict {
	int		failed, torn;
	uint64_t	bad_line, entries;
	char		head[65], reason[256];
};

static void
take(struct verdict *v, const struct pxm_ledger_walk *w)
{
	v->failed = w->failed;
	v->torn = w->torn;
	v->bad_line = w->bad_line;
	v->entries = w->entries;
	memcpy(v->head, w->head, sizeof v->head);
	memcpy(v->reason, w->reason, sizeof v->reason);
}

static void
walker_init(struct pxm_ledger_walk *w, const struct pxm_ledger *l)
{
	FUZZ_CHECK(pxm_ledger_walk_init(w, l->keyed, l->key_loaded ? l->key : NULL, l->keylen,
	    l->key_loaded ? l->key_id : NULL) == PXM_OK, "walker init");
	if (l->ck_pub) {
		w->ck_pub = l->ck_pub;
		pxm_ckpt_pub_sha256(w->ck_pub_sha, l->ck_pub);
	}
}

/* The same chain walked over the file and over its lines. */
static void
walk_both(const struct pxm_ledger *l, const uint8_t *d, size_t n, struct verdict *out)
{
	struct pxm_ledger_walk w1, w2;
	struct pxm_error err;
	struct verdict a, b;
	const uint8_t *p = d, *nl, *end = d + n;
	int fd;

	walker_init(&w1, l);
	FUZZ_CHECK((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0, "reopen");
	pxm_error_clear(&err);
	FUZZ_CHECK(pxm_ledger_walk_fd(&w1, &err, fd, 0) == PXM_OK, "walk_fd: %s", err.text);
	close(fd);
	take(&a, &w1);
	pxm_ledger_walk_free(&w1);

	walker_init(&w2, l);
	while (p < end && !w2.failed) {
		nl = memchr(p, '\n', (size_t)(end - p));
		pxm_ledger_walk_line(&w2, (const char *)p, (size_t)((nl ? nl : end) - p), nl != NULL);
		p = nl ? nl + 1 : end;
	}
	take(&b, &w2);
	pxm_ledger_walk_free(&w2);
	FUZZ_CHECK(a.failed == b.failed && a.torn == b.torn && a.bad_line == b.bad_line &&
	    a.entries == b.entries && strcmp(a.head, b.head) == 0 &&
	    strcmp(a.reason, b.reason) == 0,
	    "the walker depends on how it reads: file {%d line %llu '%s'} lines {%d line %llu '%s'}",
	    a.failed, (unsigned long long)a.bad_line, a.reason, b.failed,
	    (unsigned long long)b.bad_line, b.reason);
	*out = a;
}

static void
reports(struct pxm_ledger *l, const struct verdict *v)
{
	struct pxm_error err;
	json_t *rep = NULL, *filters;
	const char *reason, *summary;

	pxm_error_clear(&err);
	FUZZ_CHECK(pxm_ledger_verify_report(&rep, &err, l, NULL) == PXM_OK,
	    "verify report: %s", err.text);
	FUZZ_CHECK(json_is_boolean(json_object_get(rep, "ok")), "report without ok");
	FUZZ_CHECK(json_is_true(json_object_get(rep, "ok")) == !v->failed,
	    "the report disagrees with the walker");
	FUZZ_CHECK(json_integer_value(json_object_get(rep, "entries")) == (json_int_t)v->entries,
	    "the report counts other entries");
	FUZZ_CHECK(json_is_string(json_object_get(rep, "head")), "report without head");
	summary = json_string_value(json_object_get(rep, "summary"));
	FUZZ_CHECK(summary != NULL, "report without summary (reason '%s')", v->reason);
	if (v->failed) {
		reason = json_string_value(json_object_get(rep, "reason"));
		FUZZ_CHECK(reason != NULL && *reason, "a failed verification without a reason "
		    "(walker: '%s')", v->reason);
	}
	json_decref(rep);
	filters = json_pack("{s:i}", "limit", 3);
	rep = NULL;
	pxm_error_clear(&err);
	if (pxm_ledger_entries_report(&rep, &err, l, filters) == PXM_OK)
		FUZZ_CHECK(json_is_object(rep), "entries report not an object");
	else
		FUZZ_CHECK(err.text[0] != '\0', "entries report failed without a reason");
	json_decref(rep);
	json_decref(filters);
}

static void
verify(const uint8_t *d, size_t n, int keyed)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l = NULL;
	struct pxm_error err;
	struct verdict v;

	pxm_ledger_config_init(&cfg);
	cfg.path = path;
	cfg.key_path = keypath;
	cfg.keyed = keyed;
	cfg.checkpoints = 1;
	cfg.checkpoint_key_path = ckpath;
	cfg.readonly = 1;
	cfg.anchor_sink = "none";
	pxm_error_clear(&err);
	FUZZ_CHECK(pxm_ledger_open(&l, &err, &cfg) == PXM_OK, "read-only open refused: %s",
	    err.text);
	walk_both(l, d, n, &v);
	reports(l, &v);
	pxm_ledger_close(l);
}

/* The line rule, for every line the strict parser accepts. */
static void
line_rule(const uint8_t *d, size_t n)
{
	const uint8_t *p = d, *nl, *end = d + n;
	struct pxm_canon c;
	struct pxm_buf out = PXM_BUF_INIT;
	struct pxm_error err;
	json_t *j;
	size_t len;
	static const char *const skip[] = { "prev_hash", "entry_hash", "alg", NULL };

	pxm_canon_init(&c);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl ? nl : end) - p);
		if (pxm_canon_parse(&c, (const char *)p, len) == PXM_OK) {
			int body = PXM_OK;

			/* Duplicate keys pass the tokenizer; the canonical body
			 * (which every verified line goes through) refuses them. */
			if (c.tok[0].type == PXM_CANON_OBJ) {
				body = pxm_canon_body(&c, skip);
				FUZZ_CHECK(body == PXM_OK || body == PXM_E_INVAL, "canon_body %d", body);
			}
			/* Jansson refuses what it cannot hold (integers beyond
			 * 64 bits) and duplicates: the property covers the rest. */
			j = json_loadb((const char *)p, len,
			    JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, NULL);
			if (j != NULL) {
				FUZZ_CHECK(body == PXM_OK, "canonical body refused a line "
				    "without duplicate keys: %s", c.why ? c.why : "?");
				pxm_buf_reset(&out);
				pxm_error_clear(&err);
				FUZZ_CHECK(pxm_canon_dump(&out, &err, j, 0) == PXM_OK,
				    "the writer refuses a value the parser accepted: %s", err.text);
				FUZZ_CHECK(out.len == len && memcmp(out.data, p, len) == 0,
				    "line rule broken: accepted '%.*s' but the writer says '%.*s'",
				    (int)(len > 200 ? 200 : len), (const char *)p,
				    (int)(out.len > 200 ? 200 : out.len), out.data ? out.data : "");
				json_decref(j);
			}
		}
		p = nl ? nl + 1 : end;
	}
	pxm_buf_free(&out);
	pxm_canon_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	write_file(path, data, size, 0600);
	verify(data, size, 1);
	verify(data, size, 0);
	line_rule(data, size);
	return 0;
}
