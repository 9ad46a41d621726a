/**
 * @file walk.c
 * @brief The chain walker: verification of ledger lines, first failure wins.
 *
 * Rules, in order, per line (the reference's, plus the line rule, the
 * trailing-newline rule and the checks of our additive fields):
 *   torn (no '\n'), after seal, blank, unparseable / non-object /
 *   non-canonical, prev_hash, alg (downgrade), entry_hash missing, key_id,
 *   entry_hash mismatch, seq, checkpoint.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>

#include "ledger/internal.h"
#include "util/error.h"

const char *const pxm_ledger_unhashed[] = { "prev_hash", "entry_hash", "alg", NULL };

/* Two lowercase hex digits per byte value: heads are encoded per line. */
#define HX(n) { "0123456789abcdef"[(n) >> 4], "0123456789abcdef"[(n) & 15] }
#define HX4(n) HX(n), HX((n) + 1), HX((n) + 2), HX((n) + 3)
#define HX16(n) HX4(n), HX4((n) + 4), HX4((n) + 8), HX4((n) + 12)
#define HX64(n) HX16(n), HX16((n) + 16), HX16((n) + 32), HX16((n) + 48)
static const char hexpair[256][2] = { HX64(0), HX64(64), HX64(128), HX64(192) };
#undef HX64
#undef HX16
#undef HX4
#undef HX

/*
 * 1 when the 64 bytes at p are lowercase hex.  Heads are checked twice per
 * line, so eight bytes at a time: for ASCII bytes, b + 0x50 reaches the top
 * bit iff b >= '0', b + 0x46 iff b > '9', b + 0x1f iff b >= 'a', b + 0x19
 * iff b > 'f' (no carry crosses a byte below 0x80).
 */
static int
hex64(const unsigned char *p)
{
	uint64_t v, dig, af, bad = 0;
	int i;

	for (i = 0; i < 64; i += 8) {
		memcpy(&v, p + i, 8);
		dig = (v + 0x5050505050505050ULL) & ~(v + 0x4646464646464646ULL);
		af = (v + 0x1f1f1f1f1f1f1f1fULL) & ~(v + 0x1919191919191919ULL);
		bad |= (v | ~(dig | af)) & 0x8080808080808080ULL;
	}
	return bad == 0;
}

/*
 * Constant-time equality of two 64-byte hex heads: OR of the XORs of all
 * eight words, no early exit (CRYPTO_memcmp does the same a byte at a time,
 * and showed up in the verify profile).
 */
static int
head_eq(const char *a, const char *b)
{
	uint64_t x, y, d = 0;
	int i;

	for (i = 0; i < 64; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	return d == 0;
}

int
pxm_ledger_walk_init(struct pxm_ledger_walk *w, int keyed,
    const unsigned char *key, size_t keylen, const char *key_id)
{
	EVP_MAC *mac = NULL;
	OSSL_PARAM params[2];
	int r = PXM_E_INTERNAL;

	memset(w, 0, sizeof *w);
	pxm_canon_init(&w->canon);
	w->canon.room = 64;
	pxm_canon_skip_init(&w->unhashed, pxm_ledger_unhashed);
	w->keyed = keyed;
	w->key = key;
	w->keylen = keylen;
	w->key_id = key_id;
	w->key_id_len = key_id ? strlen(key_id) : 0;
	pxm_ledger_walk_reset(w);
	if ((w->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (w->md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (keyed && key != NULL) {
		if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
		    (w->mac = EVP_MAC_CTX_new(mac)) == NULL)
			goto out;
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_MAC_init(w->mac, key, keylen, params))
			goto out;
	}
	r = PXM_OK;
out:
	EVP_MAC_free(mac);
	return r;
}

void
pxm_ledger_walk_reset(struct pxm_ledger_walk *w)
{
	memcpy(w->head, PXM_LEDGER_GENESIS, 65);
	memcpy(w->first, PXM_LEDGER_GENESIS, 65);
	w->entries = w->lines = 0;
	w->offset = 0;
	w->sealed = 0;
	w->mode = -1;
	w->pin_at = w->find_at = 0;
	w->checkpoints = w->ck_verified = w->ck_other_key = 0;
	w->last_ck_entries = 0;
	w->last_ck_time[0] = '\0';
	w->repairs = 0;
	w->last_seq = 0;
	w->failed = w->torn = 0;
	w->bad_line = 0;
	w->bad_offset = 0;
	w->reason[0] = '\0';
}

void
pxm_ledger_walk_free(struct pxm_ledger_walk *w)
{
	pxm_canon_free(&w->canon);
	pxm_buf_free(&w->msg);
	pxm_buf_free(&w->tmp);
	EVP_MAC_CTX_free(w->mac);
	EVP_MD_CTX_free(w->md);
	EVP_MD_free(w->sha256);
	free(w->rbuf);
	memset(w, 0, sizeof *w);
}

/* The entry hash of msg, as 64 lowercase hex. */
static int
mac_hex(struct pxm_ledger_walk *w, const void *msg, size_t n, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0, i;
	unsigned int ulen = 0;

	if (w->keyed) {
		if (w->mac == NULL || !EVP_MAC_init(w->mac, NULL, 0, NULL) ||
		    !EVP_MAC_update(w->mac, msg, n) ||
		    !EVP_MAC_final(w->mac, md, &mdlen, sizeof md))
			return PXM_E_INTERNAL;
	} else {
		if (!EVP_DigestInit_ex(w->md, w->sha256, NULL) ||
		    !EVP_DigestUpdate(w->md, msg, n) ||
		    !EVP_DigestFinal_ex(w->md, md, &ulen))
			return PXM_E_INTERNAL;
		mdlen = ulen;
	}
	if (mdlen != 32)
		return PXM_E_INTERNAL;
	for (i = 0; i < 32; i++)
		memcpy(out + 2 * i, hexpair[md[i]], 2);
	out[64] = '\0';
	return PXM_OK;
}

int
pxm_ledger_walk_hash_body(struct pxm_ledger_walk *w, const char *prev, char *out)
{
	struct pxm_canon *c = &w->canon;

	if (c->room != 64 || c->out.len < 64)
		return PXM_E_INTERNAL;
	memcpy(c->out.data, prev, 64);
	return mac_hex(w, c->out.data, c->out.len, out);
}

static void
bad(struct pxm_ledger_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
bad(struct pxm_ledger_walk *w, const char *fmt, ...)
{
	va_list ap;

	w->failed = 1;
	w->bad_line = w->lines;
	w->bad_offset = w->offset;
	va_start(ap, fmt);
	vsnprintf(w->reason, sizeof w->reason, fmt, ap);
	va_end(ap);
}

/* A 64-char lowercase hex string token, copied into out. */
static int
tok_hash(struct pxm_ledger_walk *w, long t, char *out)
{
	const struct pxm_canon_tok *k;
	const unsigned char *p;

	if (t < 0)
		return 0;
	k = &w->canon.tok[t];
	if (k->type != PXM_CANON_STR || k->esc || k->len != 66)
		return 0;
	p = w->canon.line + k->start + 1;
	if (!hex64(p))
		return 0;
	memcpy(out, p, 64);
	out[64] = '\0';
	return 1;
}

/*
 * 1 when token t is the string s (n bytes).  Escaped tokens never match:
 * the strings compared here (alg, key_id, action names) hold no character
 * Python's encoder escapes, so their one spelling is the plain one.
 */
static inline int
tok_is(const struct pxm_canon *c, long t, const char *s, size_t n)
{
	const struct pxm_canon_tok *k = &c->tok[t];

	return k->type == PXM_CANON_STR && !k->esc && k->len - 2 == n &&
	    memcmp(c->line + k->start + 1, s, n) == 0;
}

#define TOK_IS(c, t, lit)	tok_is((c), (t), (lit), sizeof(lit) - 1)

/*
 * 1 when token t is a plain string holding exactly the 64 bytes of head,
 * compared in constant time.  head is lowercase hex (the running head, or
 * a hash we computed), so equal bytes are valid hex: no separate check.
 */
static int
tok_head_eq(const struct pxm_canon *c, long t, const char *head)
{
	const struct pxm_canon_tok *k;

	if (t < 0)
		return 0;
	k = &c->tok[t];
	if (k->type != PXM_CANON_STR || k->esc || k->len != 66)
		return 0;
	return head_eq((const char *)c->line + k->start + 1, head);
}

static int
tok_is_str(struct pxm_ledger_walk *w, long t)
{
	return t >= 0 && w->canon.tok[t].type == PXM_CANON_STR;
}

/* The audit_checkpoint entry must describe the chain just before it and,
 * when we hold its public key, carry a valid signature. */
static void
check_checkpoint(struct pxm_ledger_walk *w, long detail)
{
	char head[65], lid[65], *msg = NULL;
	uint64_t n = 0;
	long t;
	struct pxm_buf sig = PXM_BUF_INIT, tm = PXM_BUF_INIT, pks = PXM_BUF_INIT;

	w->checkpoints++;
	if (detail < 0 || w->canon.tok[detail].type != PXM_CANON_OBJ ||
	    !tok_hash(w, pxm_canon_member(&w->canon, (size_t)detail, "head"), head) ||
	    !tok_hash(w, pxm_canon_member(&w->canon, (size_t)detail, "ledger_id"), lid) ||
	    (t = pxm_canon_member(&w->canon, (size_t)detail, "entries")) < 0 ||
	    pxm_canon_uint(&w->canon, (size_t)t, &n) != PXM_OK ||
	    !tok_is_str(w, t = pxm_canon_member(&w->canon, (size_t)detail, "time")) ||
	    pxm_canon_str(&w->canon, (size_t)t, &tm) != PXM_OK ||
	    !tok_is_str(w, t = pxm_canon_member(&w->canon, (size_t)detail, "signature")) ||
	    pxm_canon_str(&w->canon, (size_t)t, &sig) != PXM_OK ||
	    !tok_is_str(w, t = pxm_canon_member(&w->canon, (size_t)detail, "pubkey_sha256")) ||
	    pxm_canon_str(&w->canon, (size_t)t, &pks) != PXM_OK) {
		bad(w, "checkpoint entry malformed (needs ledger_id, entries, head, "
		    "time, signature, pubkey_sha256)");
		goto out;
	}
	if (n != w->entries || strcmp(head, w->head) != 0 ||
	    strcmp(lid, w->entries ? w->first : PXM_LEDGER_GENESIS) != 0) {
		bad(w, "checkpoint does not match the chain before it "
		    "(entries/head/ledger_id differ)");
		goto out;
	}
	if (w->ck_pub != NULL) {
		if (strcmp(pks.data, w->ck_pub_sha) != 0) {
			w->ck_other_key++;
		} else if (pxm_ledger_checkpoint_message(&msg, lid, n, head, tm.data) != PXM_OK ||
		    pxm_ckpt_verify_b64(w->ck_pub, msg, strlen(msg), sig.data) != 1) {
			bad(w, "checkpoint signature invalid (checkpoint forged or altered)");
			goto out;
		} else {
			w->ck_verified++;
		}
	}
	w->last_ck_entries = n;
	snprintf(w->last_ck_time, sizeof w->last_ck_time, "%s", tm.data);
out:
	free(msg);
	pxm_buf_free(&sig);
	pxm_buf_free(&tm);
	pxm_buf_free(&pks);
}

void
pxm_ledger_walk_line(struct pxm_ledger_walk *w, const char *line, size_t len, int has_nl)
{
	struct pxm_canon *c = &w->canon;
	char mine[65];
	long t, detail, m_prev, m_entry, m_alg, m_keyid, m_seq, m_action, m_detail;
	uint64_t seq;
	json_t *j;

	if (w->failed)
		return;
	w->lines++;
	if (!has_nl) {
		bad(w, "last line has no trailing newline (torn write, truncated or edited file)");
		w->torn = 1;
		return;
	}
	if (w->sealed) {
		bad(w, "entry recorded after ledger seal");
		return;
	}
	if (len == 0) {
		bad(w, "blank line (no Proximo writes one)");
		return;
	}
	if (pxm_canon_parse(c, line, len) != PXM_OK) {
		/* Tell a broken line from a re-formatted one: the second is
		 * valid JSON whose bytes are not the ones Python writes. */
		if ((j = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)) == NULL)
			bad(w, "unparseable line");
		else if (!json_is_object(j))
			bad(w, "non-object line");
		else
			bad(w, "line not in canonical form (%s at byte %zu): its bytes "
			    "differ from the JSON they encode", c->why, c->why_at + 1);
		json_decref(j);
		return;
	}
	if (c->tok[0].type != PXM_CANON_OBJ) {
		bad(w, "non-object line");
		return;
	}
	/* Still rule 4: a duplicated member (hashed or not) is valid JSON
	 * whose bytes are not the ones Python writes.  The canonical body
	 * this builds is the one hashed below. */
	if (pxm_canon_body_skip(c, &w->unhashed) != PXM_OK) {
		bad(w, "line not in canonical form (%s at byte %zu)", c->why, c->why_at + 1);
		return;
	}
	/* One pass over the members instead of a lookup per field. */
	m_prev = m_entry = m_alg = m_keyid = m_seq = m_action = m_detail = -1;
	{
		size_t i, end = c->tok[0].end;

		for (i = 1; i < end; i = c->tok[i + 1].end) {
			const struct pxm_canon_tok *k = &c->tok[i];
			const char *kp = (const char *)c->line + k->start + 1;
			long *slot = NULL;

			if (k->esc)
				continue;
			switch (k->len - 2) {
			case 3: if (memcmp(kp, "alg", 3) == 0) slot = &m_alg;
				else if (memcmp(kp, "seq", 3) == 0) slot = &m_seq;
				break;
			case 6: if (memcmp(kp, "key_id", 6) == 0) slot = &m_keyid;
				else if (memcmp(kp, "action", 6) == 0) slot = &m_action;
				else if (memcmp(kp, "detail", 6) == 0) slot = &m_detail;
				break;
			case 9: if (memcmp(kp, "prev_hash", 9) == 0) slot = &m_prev;
				break;
			case 10: if (memcmp(kp, "entry_hash", 10) == 0) slot = &m_entry;
				break;
			}
			if (slot != NULL && *slot < 0)
				*slot = (long)i + 1;
		}
	}
	if (!tok_head_eq(c, m_prev, w->head)) {
		bad(w, "prev_hash mismatch (entry inserted, removed, or reordered)");
		return;
	}
	t = m_alg;
	if (w->keyed) {
		if (t < 0 || !TOK_IS(c, t, LEDGER_ALG_HMAC)) {
			bad(w, "expected an HMAC-keyed entry but found none (possible downgrade)");
			return;
		}
	} else if (t >= 0) {
		if (TOK_IS(c, t, LEDGER_ALG_HMAC)) {
			bad(w, "chain is HMAC-keyed but verify() has no key");
			return;
		}
		pxm_canon_str(c, (size_t)t, &w->tmp);
		bad(w, "unknown chain alg '%.64s'", w->tmp.data ? w->tmp.data : "");
		return;
	}
	if (w->mode < 0)
		w->mode = t >= 0;
	t = m_entry;
	if (!tok_is_str(w, t)) {
		bad(w, "entry_hash missing or not a string");
		return;
	}
	if (w->keyed && w->key_id != NULL &&
	    (t = m_keyid) >= 0 &&
	    !tok_is(c, t, w->key_id, w->key_id_len)) {
		bad(w, "key_id mismatch (entry MAC'd with a different key)");
		return;
	}
	if (pxm_ledger_walk_hash_body(w, w->head, mine) != PXM_OK) {
		bad(w, "internal error computing the entry hash");
		return;
	}
	if (!tok_head_eq(c, m_entry, mine)) {
		bad(w, "entry_hash mismatch (entry altered)");
		return;
	}
	if ((t = m_seq) >= 0) {
		if (pxm_canon_uint(c, (size_t)t, &seq) != PXM_OK || seq != w->entries + 1) {
			bad(w, "seq mismatch (entry inserted, removed, or reordered)");
			return;
		}
		w->last_seq = seq;
	}
	detail = m_detail;
	if ((t = m_action) >= 0) {
		if (TOK_IS(c, t, "audit_checkpoint")) {
			check_checkpoint(w, detail);
			if (w->failed)
				return;
		} else if (TOK_IS(c, t, "audit_repair")) {
			w->repairs++;
		} else if (TOK_IS(c, t, "audit_rotate") && detail >= 0 &&
		    (t = pxm_canon_member(c, (size_t)detail, "sealed")) >= 0 &&
		    c->tok[t].type == PXM_CANON_TRUE) {
			w->sealed = 1;
		}
	}
	w->entries++;
	memcpy(w->head, mine, 65);
	if (w->entries == 1)
		memcpy(w->first, mine, 65);
	if (w->pin_head && w->pin_at == 0 && memcmp(mine, w->pin_head, 64) == 0)
		w->pin_at = w->entries;
	if (w->find_head && w->find_at == 0 && memcmp(mine, w->find_head, 64) == 0)
		w->find_at = w->entries;
	w->offset += (off_t)len + 1;
}

int
pxm_ledger_walk_fd(struct pxm_ledger_walk *w, struct pxm_error *err, int fd, off_t from)
{
	size_t have = 0, used;
	unsigned char *p, *nl, *end, *nb;
	off_t off = from;
	ssize_t n;

	w->offset = from;
	if (w->rbuf == NULL) {
		if ((w->rbuf = malloc(LEDGER_READ_CHUNK)) == NULL)
			return PXM_E_NOMEM;
		w->rcap = LEDGER_READ_CHUNK;
	}
	while (!w->failed) {
		if (have == w->rcap) {
			/* One line longer than the buffer: grow. */
			if ((nb = realloc(w->rbuf, w->rcap * 2)) == NULL)
				return PXM_E_NOMEM;
			w->rbuf = nb;
			w->rcap *= 2;
		}
		n = pread(fd, w->rbuf + have, w->rcap - have, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pxm_error_set(err, PXM_E_INTERNAL, "ledger_io",
			    "cannot read the ledger: %s", strerror(errno));
		}
		if (n == 0)
			break;
		off += n;
		have += (size_t)n;
		p = w->rbuf;
		end = w->rbuf + have;
		while (!w->failed && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			pxm_ledger_walk_line(w, (const char *)p, (size_t)(nl - p), 1);
			p = nl + 1;
		}
		used = (size_t)(p - w->rbuf);
		if (used) {
			memmove(w->rbuf, p, have - used);
			have -= used;
		}
	}
	if (!w->failed && have > 0)
		pxm_ledger_walk_line(w, (const char *)w->rbuf, have, 0);
	return PXM_OK;
}
