/**
 * @file test_tamper.c
 * @brief Reliability goals G1/G2: seeded random tampering of a 10,000-entry
 *        ledger, every single-bit flip of a 200-entry ledger, truncation,
 *        rollback to an older copy and forks against a pinned head.
 *
 * Each mutated ledger is verified by the real walker.  To keep thousands of
 * trials fast, a trial starts the walk at the first line that differs from
 * the original, with the walker state the untouched prefix produces (the
 * prefix is byte-identical, so its verification is identical); every 50th
 * trial is also verified from byte 0 as a cross-check.
 * PXM_TAMPER_TRIALS overrides the number of random trials (default 3000).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "ledger/internal.h"
#include "ledger/io.h"
#include "tap.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static int
nosync(int fd)
{
	(void)fd;
	return 0;
}

struct fixture {
	char	*dir, *log;
	char	*buf;
	size_t	len, n;
	size_t	*start;		/* line starts, n+1 */
	char	(*heads)[65];	/* heads[i] = entry_hash of line i (0-based) */
	struct pxm_ledger *ro;	/* read-only handle: key material */
};

/* Build a ledger of n entries (fdatasync is a no-op while building: the
 * property under test here is verification, not durability). */
static void
build(struct fixture *fx, const char *dir, const char *name, size_t n, int seed)
{
	struct pxm_ledger_io io = pxm_ledger_io_real;
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	char target[64];
	size_t i;
	json_t *j;

	io.fdatasync = nosync;
	pxm_ledger_io_set(&io);
	fx->dir = strdup(dir);
	fx->log = t_path(dir, name);
	t_cfg(&cfg, fx->log);
	cfg.key_path = t_path(dir, "audit.key");
	ck_assert_int_eq(pxm_ledger_open(&l, &err, &cfg), PXM_OK);
	for (i = 0; i < n; i++) {
		snprintf(target, sizeof target, "qemu/%zu", 100 + (i * 7 + (size_t)seed) % 900);
		ck_assert_int_eq(t_append(l, i % 3 ? "pve_guest_start" : "ct_exec", target,
		    i % 4 ? "ok" : "executing", json_pack("{s:I, s:s, s:f, s:b, s:[i,s]}",
		    "i", (json_int_t)i, "note", "caf\xc3\xa9 \xe2\x98\x83 \"q\"\t", "pct",
		    (double)(i % 1000) / 8.0, "flag", (int)(i & 1), "list", seed, "x"), NULL),
		    PXM_OK);
	}
	pxm_ledger_close(l);
	pxm_ledger_io_set(NULL);
	cfg.readonly = 1;
	ck_assert_int_eq(pxm_ledger_open(&fx->ro, &err, &cfg), PXM_OK);
	free((char *)cfg.key_path);
	fx->buf = t_read(fx->log, &fx->len);
	fx->n = t_lines(fx->buf, fx->len, &fx->start);
	ck_assert_uint_eq(fx->n, n);
	fx->heads = malloc(n * sizeof *fx->heads);
	for (i = 0; i < n; i++) {
		j = json_loadb(fx->buf + fx->start[i], fx->start[i + 1] - fx->start[i] - 1, 0, NULL);
		snprintf(fx->heads[i], 65, "%s", json_string_value(json_object_get(j, "entry_hash")));
		json_decref(j);
	}
	(void)j;
}

static void
fixture_free(struct fixture *fx)
{
	pxm_ledger_close(fx->ro);
	free(fx->buf);
	free(fx->start);
	free(fx->heads);
	free(fx->log);
	free(fx->dir);
}

/* Walk buf (len bytes) starting at line `from` of the original (whose
 * prefix is untouched).  Returns 1 when the ledger verifies. */
static int
walk_mem(struct fixture *fx, const char *buf, size_t len, size_t from,
    const char *expected_head)
{
	struct pxm_ledger_walk w;
	const char *p, *nl, *end = buf + len;
	int ok;

	ck_assert_int_eq(pxm_ledger_walk_init(&w, 1, fx->ro->key, fx->ro->keylen,
	    fx->ro->key_id), PXM_OK);
	if (from > 0) {
		memcpy(w.head, fx->heads[from - 1], 65);
		memcpy(w.first, fx->heads[0], 65);
		w.entries = w.lines = from;
		w.mode = 1;
	}
	w.offset = (off_t)fx->start[from];
	p = buf + fx->start[from];
	while (!w.failed && p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		pxm_ledger_walk_line(&w, p, (size_t)(nl - p), 1);
		p = nl + 1;
	}
	if (!w.failed && p < end)
		pxm_ledger_walk_line(&w, p, (size_t)(end - p), 0);
	ok = !w.failed && (expected_head == NULL || strcmp(w.head, expected_head) == 0);
	pxm_ledger_walk_free(&w);
	return ok;
}

static size_t
line_of(struct fixture *fx, size_t off)
{
	size_t lo = 0, hi = fx->n;

	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;
		if (fx->start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static const char *const kinds[] = {
	"bit flip", "byte substitution", "line deleted", "line duplicated",
	"lines swapped", "field edited and re-serialised", "line spliced from another ledger",
	"key_id changed", "cut mid-line", "garbage line inserted",
};

START_TEST(random_mutations_10k)
{
	struct fixture fx, other;
	char *dir = t_tmpdir(), *m, *d;
	const char *env = getenv("PXM_TAMPER_TRIALS");
	size_t trials = env ? strtoul(env, NULL, 10) : 3000, t, i, j, k, from, ml;
	struct pxm_buf b = PXM_BUF_INIT;
	size_t counts[10] = { 0 };
	json_t *e;
	int kind;

	build(&fx, dir, "audit.log", 10000, 1);
	build(&other, dir, "other.log", 200, 2);
	ck_assert(walk_mem(&fx, fx.buf, fx.len, 0, NULL));	/* the original verifies */
	for (t = 0; t < trials; t++) {
		kind = (int)(rnd() % 10);
		pxm_buf_reset(&b);
		i = rnd() % fx.n;
		j = rnd() % fx.n;
		from = i;
		switch (kind) {
		case 0:
		case 1: {
			size_t off = rnd() % fx.len;
			pxm_buf_append(&b, fx.buf, fx.len);
			if (kind == 0)
				b.data[off] ^= (char)(1u << (rnd() % 8));
			else
				b.data[off] = (char)(b.data[off] + 1 + rnd() % 255);
			from = line_of(&fx, off);
			break;
		}
		case 2:	/* (dropping the last line is truncation: tested with a pin) */
			i = rnd() % (fx.n - 1);
			from = i;
			pxm_buf_append(&b, fx.buf, fx.start[i]);
			pxm_buf_append(&b, fx.buf + fx.start[i + 1], fx.len - fx.start[i + 1]);
			break;
		case 3:
			pxm_buf_append(&b, fx.buf, fx.start[i + 1]);
			pxm_buf_append(&b, fx.buf + fx.start[i], fx.len - fx.start[i]);
			from = i + 1 < fx.n ? i + 1 : i;
			break;
		case 4:
			if (i == j)
				j = (i + 1) % fx.n;
			if (i > j) {
				size_t x = i;
				i = j;
				j = x;
			}
			pxm_buf_append(&b, fx.buf, fx.start[i]);
			pxm_buf_append(&b, fx.buf + fx.start[j], fx.start[j + 1] - fx.start[j]);
			pxm_buf_append(&b, fx.buf + fx.start[i + 1], fx.start[j] - fx.start[i + 1]);
			pxm_buf_append(&b, fx.buf + fx.start[i], fx.start[i + 1] - fx.start[i]);
			pxm_buf_append(&b, fx.buf + fx.start[j + 1], fx.len - fx.start[j + 1]);
			from = i;
			break;
		case 5:
		case 7: {
			static const char *const fields[] = { "target", "outcome", "ts", "action" };
			e = json_loadb(fx.buf + fx.start[i], fx.start[i + 1] - fx.start[i] - 1, 0, NULL);
			if (kind == 7)
				json_object_set_new(e, "key_id", json_string("0123456789abcdef"));
			else if (rnd() % 2)
				json_object_set_new(json_object_get(e, "detail"), "i",
				    json_integer((json_int_t)(rnd() % 100000)));
			else if (rnd() % 3 == 0)
				json_object_set_new(e, "mutation", json_boolean(rnd() % 2));
			else
				json_object_set_new(e, fields[rnd() % 4], json_string("HACKED"));
			d = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(e);
			pxm_buf_append(&b, fx.buf, fx.start[i]);
			pxm_buf_puts(&b, d);
			pxm_buf_putc(&b, '\n');
			pxm_buf_append(&b, fx.buf + fx.start[i + 1], fx.len - fx.start[i + 1]);
			free(d);
			break;
		}
		case 6:	/* replace line i, or insert before it */
			j = rnd() % other.n;
			pxm_buf_append(&b, fx.buf, fx.start[i]);
			pxm_buf_append(&b, other.buf + other.start[j], other.start[j + 1] - other.start[j]);
			k = rnd() % 2 ? i + 1 : i;
			pxm_buf_append(&b, fx.buf + fx.start[k], fx.len - fx.start[k]);
			break;
		case 8: {
			size_t off = fx.start[i] + 1 + rnd() % (fx.start[i + 1] - fx.start[i] - 1);
			pxm_buf_append(&b, fx.buf, off);
			if (b.len == fx.len)
				b.len--;
			break;
		}
		default:
			pxm_buf_append(&b, fx.buf, fx.start[i]);
			pxm_buf_puts(&b, "{\"ts\":\"x\"}\n");
			pxm_buf_append(&b, fx.buf + fx.start[i], fx.len - fx.start[i]);
			break;
		}
		m = b.data;
		ml = b.len;
		if (ml == fx.len && memcmp(m, fx.buf, ml) == 0)
			continue;	/* e.g. a substitution that wrapped to itself */
		ck_assert_msg(!walk_mem(&fx, m, ml, from, NULL),
		    "trial %zu (%s at line %zu) was accepted", t, kinds[kind], i + 1);
		if (t % 50 == 0)
			ck_assert_msg(!walk_mem(&fx, m, ml, 0, NULL),
			    "trial %zu (%s) accepted by a full walk", t, kinds[kind]);
		counts[kind]++;
	}
	for (t = 0; t < 10; t++) {
		printf("# %-36s %zu rejected\n", kinds[t], counts[t]);
		ck_assert_uint_gt(counts[t], trials / 20);
	}
	pxm_buf_free(&b);
	fixture_free(&fx);
	fixture_free(&other);
	t_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(every_bit_flip_200)
{
	struct fixture fx;
	char *dir = t_tmpdir(), *m;
	size_t off, bit, tried = 0, missed = 0;

	build(&fx, dir, "audit.log", 200, 3);
	m = malloc(fx.len);
	memcpy(m, fx.buf, fx.len);
	for (off = 0; off < fx.len; off++) {
		size_t from = line_of(&fx, off);
		for (bit = 0; bit < 8; bit++) {
			m[off] ^= (char)(1u << bit);
			if (walk_mem(&fx, m, fx.len, from, NULL)) {
				missed++;
				printf("# >>>> bit %zu of byte %zu (line %zu) toggles undetected\n",
				    bit, off, from + 1);
			}
			if ((tried++ % 997) == 0)
				ck_assert(!walk_mem(&fx, m, fx.len, 0, NULL));
			m[off] ^= (char)(1u << bit);
		}
	}
	printf("# %zu single-bit flips of a %zu-byte, %zu-entry ledger: %zu undetected\n",
	    tried, fx.len, fx.n, missed);
	ck_assert_uint_eq(missed, 0);
	ck_assert_uint_eq(tried, fx.len * 8);
	free(m);
	fixture_free(&fx);
	t_rm_rf(dir);
	free(dir);
}
END_TEST

static json_t *
verify_path(const char *log, const char *keyp, const char *expected,
    const char *anchor)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	json_t *rep = NULL;

	t_cfg(&cfg, log);
	cfg.key_path = keyp;
	cfg.readonly = 1;
	cfg.anchor_sink = anchor ? "file" : NULL;
	cfg.anchor_file = anchor;
	ck_assert_msg(pxm_ledger_open(&l, &err, &cfg) == PXM_OK, "%s", err.text);
	ck_assert_msg(pxm_ledger_verify_report(&rep, &err, l, expected) == PXM_OK, "%s", err.text);
	pxm_ledger_close(l);
	return rep;
}

START_TEST(truncation_rollback_fork_with_pin)
{
	struct fixture fx;
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	char *dir = t_tmpdir(), *cut = NULL, *fork = NULL, *keyp = NULL, *anchor = NULL;
	char fork_head[65], pin[512];
	json_t *rep;
	size_t k;

	build(&fx, dir, "audit.log", 10000, 4);
	cut = t_path(dir, "cut.log");
	keyp = t_path(dir, "audit.key");
	anchor = t_path(dir, "anchor.json");
	rep = verify_path(fx.log, keyp, fx.heads[fx.n - 1], NULL);
	ck_assert(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);
	for (k = 1; k <= 50; k++) {
		t_write(cut, fx.buf, fx.start[fx.n - k]);
		/* alone, the walk cannot tell ... */
		ck_assert(walk_mem(&fx, fx.buf, fx.start[fx.n - k], 0, NULL));
		/* ... with the pinned head it can */
		rep = verify_path(cut, keyp, fx.heads[fx.n - 1], NULL);
		ck_assert_msg(json_is_false(json_object_get(rep, "ok")), "truncation by %zu missed", k);
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep, "reason")),
		    "head mismatch"));
		json_decref(rep);
	}
	/* replacement by an older copy (the ledger as it was at 6,000) */
	t_write(cut, fx.buf, fx.start[6000]);
	rep = verify_path(cut, keyp, fx.heads[fx.n - 1], NULL);
	ck_assert(json_is_false(json_object_get(rep, "ok")));
	json_decref(rep);
	/* and against an off-box anchor pin {head, entries} */
	snprintf(pin, sizeof pin, "{\"head\":\"%s\",\"entries\":%zu}", fx.heads[fx.n - 1], fx.n);
	t_write(anchor, pin, strlen(pin));
	rep = verify_path(cut, keyp, NULL, anchor);
	ck_assert(json_is_false(json_object_get(rep, "ok")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep, "anchor_hint")),
	    "TRUNCATION"));
	json_decref(rep);
	rep = verify_path(fx.log, keyp, NULL, anchor);
	ck_assert(json_is_true(json_object_get(rep, "ok")));
	json_decref(rep);

	/* a fork: the same first 9,000 entries, then a different, valid tail */
	fork = t_path(dir, "fork.log");
	t_write(fork, fx.buf, fx.start[9000]);
	t_cfg(&cfg, fork);
	cfg.key_path = keyp;
	ck_assert_int_eq(pxm_ledger_open(&l, &err, &cfg), PXM_OK);
	for (k = 9000; k < fx.n; k++)
		ck_assert_int_eq(t_append(l, "pve_guest_start", "qemu/100", "ok",
		    json_pack("{s:s}", "forked", "yes"), fork_head), PXM_OK);
	pxm_ledger_close(l);
	rep = verify_path(fork, keyp, NULL, NULL);
	ck_assert(json_is_true(json_object_get(rep, "ok")));	/* valid on its own */
	json_decref(rep);
	rep = verify_path(fork, keyp, fx.heads[fx.n - 1], NULL);
	ck_assert(json_is_false(json_object_get(rep, "ok")));
	json_decref(rep);
	rep = verify_path(fork, keyp, NULL, anchor);	/* same count, other head */
	ck_assert(json_is_false(json_object_get(rep, "ok")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rep, "anchor_hint")),
	    "rewritten"));
	json_decref(rep);
	fixture_free(&fx);
	t_rm_rf(dir);
	free(dir);
	free(cut);
	free(fork);
	free(keyp);
	free(anchor);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tamper");
	TCase *tc = tcase_create("goals");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, random_mutations_10k);
	tcase_add_test(tc, every_bit_flip_200);
	tcase_add_test(tc, truncation_rollback_fork_with_pin);
	suite_add_tcase(s, tc);
	return pxm_tap_run(s);
}
