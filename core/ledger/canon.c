/**
 * @file canon.c
 * @brief Python's json.dumps dialect: strict parser, canonical form, writer.
 *
 * Why hand-written: the ledger's hash is defined over Python's output, and
 * verification speed matters (a million-line ledger is verified at open).
 * Jansson re-encodes strings its own way and allocates per value; this file
 * keeps spans of the original line and never re-encodes anything.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/canon.h"
#include "util/error.h"

/* Byte classes inside a string: 0 = plain, copy on. */
#define C_PLAIN	0
#define C_QUOTE	1
#define C_BSL	2
#define C_CTL	3
#define C_HIGH	4

static unsigned char strclass[256];
static int strclass_ready;

static void
strclass_init(void)
{
	int i;

	if (strclass_ready)
		return;
	for (i = 0; i < 256; i++)
		strclass[i] = i < 0x20 ? C_CTL : i >= 0x80 ? C_HIGH : C_PLAIN;
	strclass['"'] = C_QUOTE;
	strclass['\\'] = C_BSL;
	strclass_ready = 1;
}

/* One UTF-8 code point at s (n bytes available): its length, 0 if invalid
 * (overlong forms, surrogates and values above U+10FFFF are invalid, as in
 * Python's strict codec). */
static inline size_t
utf8_one(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		if (n < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

size_t
pxm_canon_utf8_char(const unsigned char *s, size_t n)
{
	return n ? utf8_one(s, n) : 0;
}

size_t
pxm_canon_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_one(s + i, n - i)) == 0)
			break;
		i += k;
	}
	return i;
}

void
pxm_canon_init(struct pxm_canon *c)
{
	memset(c, 0, sizeof *c);
	strclass_init();
}

void
pxm_canon_free(struct pxm_canon *c)
{
	free(c->tok);
	free(c->mem);
	free(c->bits);
	pxm_buf_free(&c->out);
	memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------ strict parse */

static int
fail(struct pxm_canon *c, const char *why, size_t at)
{
	c->why = why;
	c->why_at = at;
	return PXM_E_INVAL;
}

/* Out of line: runs a handful of times per walker, not per token. */
static int
tok_grow(struct pxm_canon *c)
{
	struct pxm_canon_tok *t;
	size_t cap = c->captok ? c->captok * 2 : 64;

	if ((t = realloc(c->tok, cap * sizeof *t)) == NULL)
		return PXM_E_NOMEM;
	c->tok = t;
	c->captok = cap;
	return PXM_OK;
}

static inline int
push_tok(struct pxm_canon *c, size_t *idx, uint8_t type, size_t start)
{
	struct pxm_canon_tok *t;

	if (__builtin_expect(c->ntok == c->captok, 0) && tok_grow(c) != PXM_OK)
		return PXM_E_NOMEM;
	t = &c->tok[c->ntok];
	t->start = (uint32_t)start;
	t->len = 0;
	t->end = 0;
	t->type = type;
	t->esc = 0;
	t->flt = 0;
	t->sorts = 0;
	*idx = c->ntok++;
	return PXM_OK;
}

/*
 * Stage one: before parsing, one data-parallel pass over the line marks
 * its "special" bytes ('"', '\\', C0 controls, bytes >= 0x80) in a bitmap,
 * plus a sentinel bit at the line's end.  Finding where a string's plain
 * run stops is then a bit scan, not a loop over the bytes that the next
 * token would have to wait for (the parser is otherwise latency-bound).
 */
#ifdef PXM_CANON_SSE2
#include <emmintrin.h>

static inline uint64_t
special16(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* A signed compare below 0x20 catches the controls and every byte
	 * with its top bit set. */
	__m128i m = _mm_or_si128(_mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
	    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));

	return (uint64_t)(unsigned)_mm_movemask_epi8(m);
}

static inline uint64_t
special64(const unsigned char *p)
{
	return special16(p) | special16(p + 16) << 16 | special16(p + 32) << 32 |
	    special16(p + 48) << 48;
}
#else
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
#define LOW7	0x7f7f7f7f7f7f7f7fULL

/*
 * SWAR, eight bytes at a time, exact per byte (no borrow crosses bytes):
 * ~((x & 0x7f) + 0x7f | x) has its top bit set iff x == 0, and
 * ~((x & 0x7f) + 0x60 | x) iff x < 0x20.  The multiply gathers the eight
 * top bits into one byte, first byte lowest (the products land on
 * distinct bits, so nothing carries).
 */
static inline uint64_t
special8(const unsigned char *p)
{
	uint64_t v, q, b, m;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	q = v ^ (ONES * '"');
	b = v ^ (ONES * '\\');
	m = ~(((q & LOW7) + LOW7) | q) | ~(((b & LOW7) + LOW7) | b) |
	    ~(((v & LOW7) + ONES * 0x60) | v) | v;
	return (((m & HIGHS) >> 7) * 0x0102040810204080ULL) >> 56;
}

static inline uint64_t
special64(const unsigned char *p)
{
	uint64_t m = 0;
	int k;

	for (k = 0; k < 8; k++)
		m |= special8(p + 8 * k) << (8 * k);
	return m;
}
#endif

/* The bitmap of c->line: c->bits[i / 64] bit i % 64; bit linelen set. */
static int
stage1(struct pxm_canon *c)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, nw = n / 64 + 1, w, i;
	unsigned char tail[64];
	uint64_t *b;

	if (nw > c->capbits) {
		if ((b = realloc(c->bits, nw * sizeof *b)) == NULL)
			return PXM_E_NOMEM;
		c->bits = b;
		c->capbits = nw;
	}
	b = c->bits;
	for (w = 0; w + 1 < nw; w++)
		b[w] = special64(s + 64 * w);
	i = 64 * w;
	if (i < n) {
		if (n >= 64) {
			/* The line's last 64 bytes; drop the ones already seen. */
			b[w] = special64(s + n - 64) >> (64 - (n - i));
		} else {
			memset(tail, 'a', sizeof tail);
			memcpy(tail, s, n);
			b[w] = special64(tail) & ((1ULL << n) - 1);
		}
	} else {
		b[w] = 0;
	}
	b[w] |= 1ULL << (n & 63);
	return PXM_OK;
}

/* First special byte at or after i (i <= linelen), or linelen. */
static inline size_t
next_special(const struct pxm_canon *c, size_t i)
{
	const uint64_t *b = c->bits;
	size_t w = i >> 6;
	uint64_t m = b[w] >> (i & 63);

	if (m != 0)
		return i + (size_t)__builtin_ctzll(m);
	while ((m = b[++w]) == 0)
		;
	return (w << 6) + (size_t)__builtin_ctzll(m);
}

static inline int
is_lhex(unsigned char x)
{
	return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f');
}

static inline int
hexval(unsigned char x)
{
	return x <= '9' ? x - '0' : x - 'a' + 10;
}

/* The rest of a string from its first escape, control or non-ASCII byte
 * at i (the token is idx, its opening quote at *pos). */
static int
parse_string_slow(struct pxm_canon *c, size_t idx, size_t i, size_t *pos)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, k;
	int v;

	for (;;) {
		if (i >= n)
			return fail(c, "unterminated string", *pos);
		switch (strclass[s[i]]) {
		case C_QUOTE:
			i++;
			c->tok[idx].len = (uint32_t)(i - *pos);
			*pos = i;
			return PXM_OK;
		case C_BSL:
			c->tok[idx].esc = 1;
			if (i + 1 >= n)
				return fail(c, "unterminated escape", i);
			switch (s[i + 1]) {
			case '"': case '\\': case 'n': case 'r': case 't':
			case 'b': case 'f':
				i += 2;
				break;
			case 'u':
				if (i + 6 > n || !is_lhex(s[i + 2]) || !is_lhex(s[i + 3]) ||
				    !is_lhex(s[i + 4]) || !is_lhex(s[i + 5]))
					return fail(c, "\\u escape without 4 lowercase hex digits", i);
				v = hexval(s[i + 2]) << 12 | hexval(s[i + 3]) << 8 |
				    hexval(s[i + 4]) << 4 | hexval(s[i + 5]);
				/* Python escapes only C0 controls this way, and uses
				 * the short forms for \b \t \n \f \r. */
				if (v >= 0x20 || v == 0x08 || v == 0x09 || v == 0x0a ||
				    v == 0x0c || v == 0x0d)
					return fail(c, "escape that Python's encoder would not write", i);
				i += 6;
				break;
			default:
				return fail(c, "escape that Python's encoder would not write", i);
			}
			break;
		case C_CTL:
			return fail(c, "raw control character inside a string", i);
		case C_HIGH:
			if ((k = utf8_one(s + i, n - i)) == 0)
				return fail(c, "invalid UTF-8", i);
			i += k;
			break;
		default:
			break;
		}
		i = next_special(c, i);
	}
}

/* The string whose opening quote is at *pos; *pos ends past its closing
 * quote.  Inlined: the common string is plain ASCII up to its quote. */
static inline __attribute__((always_inline)) int
parse_string(struct pxm_canon *c, size_t *pos)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, i, idx;
	int r;

	if ((r = push_tok(c, &idx, PXM_CANON_STR, *pos)) != PXM_OK)
		return r;
	c->tok[idx].end = (uint32_t)idx + 1;
	i = next_special(c, *pos + 1);
	if (__builtin_expect(i < n && s[i] == '"', 1)) {
		i++;
		c->tok[idx].len = (uint32_t)(i - *pos);
		*pos = i;
		return PXM_OK;
	}
	return parse_string_slow(c, idx, i, pos);
}

static int
parse_number(struct pxm_canon *c, size_t *pos)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, i = *pos, idx, len;
	char tmp[64], rep[40];
	int r, flt = 0;
	double d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return fail(c, "invalid number", *pos);
	if (i < n && s[i] == '.') {
		flt = 1;
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return fail(c, "invalid number", *pos);
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		flt = 1;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return fail(c, "invalid number", *pos);
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	len = i - *pos;
	if (!flt) {
		if (len == 2 && s[*pos] == '-' && s[*pos + 1] == '0')
			return fail(c, "-0 is not an integer Python writes", *pos);
	} else {
		/* A float is canonical only in repr() form. */
		if (len >= sizeof tmp)
			return fail(c, "float not in Python repr() form", *pos);
		memcpy(tmp, s + *pos, len);
		tmp[len] = '\0';
		errno = 0;
		d = strtod(tmp, NULL);
		if (!isfinite(d))
			return fail(c, "non-finite number", *pos);
		if (pxm_canon_float_repr(rep, sizeof rep, d) != PXM_OK ||
		    strlen(rep) != len || memcmp(rep, tmp, len) != 0)
			return fail(c, "float not in Python repr() form", *pos);
	}
	if ((r = push_tok(c, &idx, PXM_CANON_NUM, *pos)) != PXM_OK)
		return r;
	c->tok[idx].len = (uint32_t)len;
	c->tok[idx].end = (uint32_t)idx + 1;
	c->tok[idx].flt = (uint8_t)flt;
	*pos = i;
	return PXM_OK;
}

static int
parse_value(struct pxm_canon *c, size_t *pos, int depth)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, i = *pos, idx, child, members;
	uint8_t sorts;
	int r;

	if (i >= n)
		return fail(c, "unexpected end of line", i);
	switch (s[i]) {
	case '"':
		return parse_string(c, pos);
	case '{':
	case '[': {
		uint8_t type = s[i] == '{' ? PXM_CANON_OBJ : PXM_CANON_ARR;
		unsigned char close = s[i] == '{' ? '}' : ']';

		if (depth >= PXM_CANON_MAX_DEPTH)
			return fail(c, "nested too deeply", i);
		if ((r = push_tok(c, &idx, type, i)) != PXM_OK)
			return r;
		i++;
		members = 0;
		sorts = 0;
		if (i < n && s[i] == close) {
			i++;
			goto closed;
		}
		for (;;) {
			if (type == PXM_CANON_OBJ) {
				if (i >= n || s[i] != '"')
					return fail(c, "expected a string key", i);
				if ((r = parse_string(c, &i)) != PXM_OK)
					return r;
				if (i >= n || s[i] != ':')
					return fail(c, "expected ':' right after the key", i);
				i++;
			}
			child = c->ntok;
			if (i < n && s[i] == '"') {
				/* Most values are strings: no recursion for them. */
				if ((r = parse_string(c, &i)) != PXM_OK)
					return r;
			} else {
				if ((r = parse_value(c, &i, depth + 1)) != PXM_OK)
					return r;
				sorts |= c->tok[child].sorts;
			}
			members++;
			if (i < n && s[i] == ',') {
				i++;
				continue;
			}
			if (i < n && s[i] == close) {
				i++;
				break;
			}
			return fail(c, "expected ',' or the closing bracket", i);
		}
closed:
		c->tok[idx].len = (uint32_t)(i - *pos);
		c->tok[idx].end = (uint32_t)c->ntok;
		/* Only an object of two or more members can need re-ordering:
		 * anything else is copied as it stands (pxm_canon_body). */
		c->tok[idx].sorts = sorts | (type == PXM_CANON_OBJ && members > 1);
		*pos = i;
		return PXM_OK;
	}
	case 't':
		if (n - i >= 4 && memcmp(s + i, "true", 4) == 0) {
			if ((r = push_tok(c, &idx, PXM_CANON_TRUE, i)) != PXM_OK)
				return r;
			c->tok[idx].len = 4;
			goto lit;
		}
		break;
	case 'f':
		if (n - i >= 5 && memcmp(s + i, "false", 5) == 0) {
			if ((r = push_tok(c, &idx, PXM_CANON_FALSE, i)) != PXM_OK)
				return r;
			c->tok[idx].len = 5;
			goto lit;
		}
		break;
	case 'n':
		if (n - i >= 4 && memcmp(s + i, "null", 4) == 0) {
			if ((r = push_tok(c, &idx, PXM_CANON_NULL, i)) != PXM_OK)
				return r;
			c->tok[idx].len = 4;
			goto lit;
		}
		break;
	default:
		if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))
			return parse_number(c, pos);
		break;
	}
	return fail(c, "not a JSON value Python writes", i);
lit:
	c->tok[idx].end = (uint32_t)idx + 1;
	*pos = i + c->tok[idx].len;
	return PXM_OK;
}

int
pxm_canon_parse(struct pxm_canon *c, const char *line, size_t len)
{
	size_t pos = 0;
	int r;

	c->line = (const unsigned char *)line;
	c->linelen = len;
	c->ntok = 0;
	c->why = NULL;
	c->why_at = 0;
	if (len > UINT32_MAX)
		return fail(c, "line longer than 4 GiB", 0);
	if ((r = stage1(c)) != PXM_OK)
		return r;
	if ((r = parse_value(c, &pos, 0)) != PXM_OK)
		return r;
	if (pos != len)
		return fail(c, "trailing bytes after the JSON value", pos);
	return PXM_OK;
}

/* --------------------------------------------------------- string access */

int
pxm_canon_str(const struct pxm_canon *c, size_t t, struct pxm_buf *out)
{
	const struct pxm_canon_tok *k = &c->tok[t];
	const unsigned char *s = c->line + k->start + 1;
	size_t n = k->len - 2, i = 0;
	int r;

	pxm_buf_reset(out);
	if ((r = pxm_buf_reserve(out, n)) != PXM_OK)
		return r;
	if (!k->esc)
		return pxm_buf_append(out, s, n);
	while (i < n) {
		char ch;

		if (s[i] != '\\') {
			out->data[out->len++] = (char)s[i++];
			continue;
		}
		switch (s[i + 1]) {
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'u':
			ch = (char)(hexval(s[i + 4]) << 4 | hexval(s[i + 5]));
			i += 4;
			break;
		default: ch = (char)s[i + 1]; break;
		}
		out->data[out->len++] = ch;
		i += 2;
	}
	out->data[out->len] = '\0';
	return PXM_OK;
}

/* Compare two string tokens by code point (= UTF-8 byte order). */
static int
key_cmp(const struct pxm_canon *c, uint32_t a, uint32_t b)
{
	const struct pxm_canon_tok *ta = &c->tok[a], *tb = &c->tok[b];
	struct pxm_buf da = PXM_BUF_INIT, db = PXM_BUF_INIT;
	const unsigned char *pa, *pb;
	size_t la, lb;
	int d;

	if (!ta->esc && !tb->esc) {
		pa = c->line + ta->start + 1;
		pb = c->line + tb->start + 1;
		la = ta->len - 2;
		lb = tb->len - 2;
		if (la && lb && *pa != *pb)
			return *pa < *pb ? -1 : 1;
		d = memcmp(pa, pb, la < lb ? la : lb);
		if (d)
			return d;
		return la < lb ? -1 : la > lb;
	}
	/* Rare: keys with escapes are compared decoded. */
	if (pxm_canon_str(c, a, &da) != PXM_OK || pxm_canon_str(c, b, &db) != PXM_OK) {
		d = 0;
		goto out;
	}
	d = memcmp(da.data, db.data, da.len < db.len ? da.len : db.len);
	if (d == 0)
		d = da.len < db.len ? -1 : da.len > db.len;
out:
	pxm_buf_free(&da);
	pxm_buf_free(&db);
	return d;
}

static int
key_eq_lit(const struct pxm_canon *c, size_t t, const char *s, size_t n)
{
	const struct pxm_canon_tok *k = &c->tok[t];
	struct pxm_buf d = PXM_BUF_INIT;
	int eq;

	if (k->type != PXM_CANON_STR)
		return 0;
	if (!k->esc)
		return k->len - 2 == n && memcmp(c->line + k->start + 1, s, n) == 0;
	eq = pxm_canon_str(c, t, &d) == PXM_OK && d.len == n && memcmp(d.data, s, n) == 0;
	pxm_buf_free(&d);
	return eq;
}

int
pxm_canon_str_eq(const struct pxm_canon *c, size_t t, const char *s)
{
	return key_eq_lit(c, t, s, strlen(s));
}

long
pxm_canon_member(const struct pxm_canon *c, size_t obj, const char *key)
{
	size_t i, end, n = strlen(key);

	if (obj >= c->ntok || c->tok[obj].type != PXM_CANON_OBJ)
		return -1;
	end = c->tok[obj].end;
	for (i = obj + 1; i < end; i = c->tok[i + 1].end)
		if (key_eq_lit(c, i, key, n))
			return (long)(i + 1);
	return -1;
}

int
pxm_canon_uint(const struct pxm_canon *c, size_t t, uint64_t *out)
{
	const struct pxm_canon_tok *k = &c->tok[t];
	uint64_t v = 0;
	size_t i;

	if (k->type != PXM_CANON_NUM || k->flt || c->line[k->start] == '-')
		return PXM_E_INVAL;
	for (i = 0; i < k->len; i++) {
		unsigned d = c->line[k->start + i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return PXM_E_INVAL;
		v = v * 10 + d;
	}
	*out = v;
	return PXM_OK;
}

/* --------------------------------------------------------- canonical form */

/*
 * The first 8 bytes of an unescaped key as a big-endian number, zero
 * padded: comparing two of these orders keys by code point (UTF-8 byte
 * order), because an unescaped key holds no NUL byte to be confused with
 * the padding.  Equal prefixes fall back to key_cmp(), so the order and the
 * duplicate check are exact for any length.
 */
static inline uint64_t
key_prefix(const struct pxm_canon *c, const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* One 8-byte load, masked: a load of bytes just stored one at a time
	 * stalls (store forwarding), and a key is always followed by at least
	 * `":` and a value, so the load rarely runs past the line. */
	if ((size_t)(c->line + c->linelen - p) >= 8) {
		memcpy(&v, p, 8);
		if (n < 8)
			v &= (1ULL << (8 * n)) - 1;
		return __builtin_bswap64(v);
	}
#endif
	for (i = 0; i < 8; i++)
		v = v << 8 | (i < n ? p[i] : 0);
	return v;
}

static inline int
mem_order(const struct pxm_canon *c, const struct pxm_canon_member *a,
    const struct pxm_canon_member *b)
{
	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	return key_cmp(c, a->key, b->key);
}

static int
mem_cmp(const void *x, const void *y, void *ctx)
{
	return mem_order(ctx, x, y);
}

/* A member name to leave out of the canonical form, ready to compare. */
struct skipkey {
	const char	*name;
	size_t		len;
	uint64_t	pfx;
};

/* Copy n bytes to the output without a libc call for the short spans most
 * tokens are (the output has room: pxm_canon_body reserves the line's
 * length, and the two sides never overlap). */
static inline void
put(struct pxm_canon *c, const unsigned char *src, size_t n)
{
	unsigned char *d = (unsigned char *)c->out.data + c->out.len;
	uint64_t a, b;
	uint32_t x, y;

	c->out.len += n;
	if (n > 16) {
		memcpy(d, src, n);
	} else if (n >= 8) {
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, src, 4);
		memcpy(&y, src + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n > 0) {
		d[0] = src[0];
		d[n / 2] = src[n / 2];
		d[n - 1] = src[n - 1];
	}
}

static inline void
putc1(struct pxm_canon *c, char ch)
{
	c->out.data[c->out.len++] = ch;
}

static int
emit(struct pxm_canon *c, size_t t, const struct skipkey *sk, size_t nskip);

static inline int
is_skipped(const struct pxm_canon *c, size_t i, uint64_t pfx,
    const struct skipkey *sk, size_t nskip)
{
	const struct pxm_canon_tok *kt = &c->tok[i];
	size_t j;

	for (j = 0; j < nskip; j++) {
		if (kt->esc) {
			if (key_eq_lit(c, i, sk[j].name, sk[j].len))
				return 1;
		} else if (pfx == sk[j].pfx && kt->len - 2 == sk[j].len &&
		    (sk[j].len <= 8 || memcmp(c->line + kt->start + 9,
		    sk[j].name + 8, sk[j].len - 8) == 0)) {
			return 1;
		}
	}
	return 0;
}

/*
 * An object, keys sorted by code point.  Skipped members (val 0 in the
 * scratch) are sorted with the others so that a duplicate is refused
 * whichever of the two is hashed: {"alg":..,"alg":..} is not a line
 * Python writes, even though neither copy reaches the canonical form.
 */
static int
emit_object(struct pxm_canon *c, size_t t, const struct skipkey *sk, size_t nskip)
{
	struct pxm_canon_member *m;
	size_t base = c->nmem, k, i, j, end = c->tok[t].end, first;
	int r = PXM_OK, slow = 0;

	for (i = t + 1; i < end; i = c->tok[i + 1].end) {
		const struct pxm_canon_tok *kt = &c->tok[i];
		uint64_t pfx = key_prefix(c, c->line + kt->start + 1, kt->len - 2);

		if (c->nmem == c->capmem) {
			size_t cap = c->capmem ? c->capmem * 2 : 64;
			if ((m = realloc(c->mem, cap * sizeof *m)) == NULL)
				return PXM_E_NOMEM;
			c->mem = m;
			c->capmem = cap;
		}
		m = &c->mem[c->nmem++];
		m->pfx = pfx;
		m->key = (uint32_t)i;
		m->val = nskip && is_skipped(c, i, pfx, sk, nskip) ? 0 : (uint32_t)i + 1;
		slow |= kt->esc;
	}
	k = c->nmem - base;
	m = c->mem + base;
	if (slow)
		/* An escaped key's bytes are not its code points: compare
		 * decoded (key_cmp), for every key of this object. */
		for (i = 0; i < k; i++)
			m[i].pfx = 0;
	if (k > 16) {
		qsort_r(m, k, sizeof *m, mem_cmp, c);
	} else {
		for (i = 1; i < k; i++) {
			struct pxm_canon_member x = m[i];
			for (j = i; j > 0 && mem_order(c, &m[j - 1], &x) > 0; j--)
				m[j] = m[j - 1];
			m[j] = x;
		}
	}
	for (i = 1; i < k; i++)
		if (m[i - 1].pfx == m[i].pfx && key_cmp(c, m[i - 1].key, m[i].key) == 0) {
			r = fail(c, "duplicate key in an object", c->tok[m[i].key].start);
			goto out;
		}
	putc1(c, '{');
	first = 1;
	for (i = 0; i < k; i++) {
		/* c->mem may move while emitting nested objects: index it. */
		const struct pxm_canon_member *x = &c->mem[base + i];
		const struct pxm_canon_tok *kt = &c->tok[x->key], *vt;

		if (x->val == 0)
			continue;
		if (!first)
			putc1(c, ',');
		first = 0;
		vt = &c->tok[x->val];
		if (!vt->sorts) {
			/* "key":value is one span of the line. */
			put(c, c->line + kt->start, vt->start + vt->len - kt->start);
			continue;
		}
		put(c, c->line + kt->start, kt->len);
		putc1(c, ':');
		if ((r = emit(c, x->val, NULL, 0)) != PXM_OK)
			goto out;
	}
	putc1(c, '}');
out:
	c->nmem = base;
	return r;
}

static int
emit(struct pxm_canon *c, size_t t, const struct skipkey *sk, size_t nskip)
{
	const struct pxm_canon_tok *k = &c->tok[t];
	size_t i, end;
	int r;

	if (!k->sorts && nskip == 0) {
		/* Scalars, and containers with no object of two or more
		 * members inside: the line's bytes are already canonical. */
		put(c, c->line + k->start, k->len);
		return PXM_OK;
	}
	if (k->type == PXM_CANON_OBJ)
		return emit_object(c, t, sk, nskip);
	end = k->end;
	putc1(c, '[');
	for (i = t + 1; i < end; i = c->tok[i].end) {
		if (i != t + 1)
			putc1(c, ',');
		if ((r = emit(c, i, NULL, 0)) != PXM_OK)
			return r;
	}
	putc1(c, ']');
	return PXM_OK;
}

int
pxm_canon_body(struct pxm_canon *c, const char *const *skip)
{
	struct skipkey sk[8];
	size_t nskip = 0, i;
	int r;

	pxm_buf_reset(&c->out);
	/* The canonical form is never longer than the line: same tokens,
	 * same separators, fewer members. */
	if ((r = pxm_buf_reserve(&c->out, c->linelen + 2)) != PXM_OK)
		return r;
	c->nmem = 0;
	if (c->ntok == 0 || c->tok[0].type != PXM_CANON_OBJ)
		return fail(c, "not an object", 0);
	for (; skip && skip[nskip] && nskip < 8; nskip++) {
		sk[nskip].name = skip[nskip];
		sk[nskip].pfx = 0;
		for (i = 0; skip[nskip][i] != '\0'; i++)
			if (i < 8)
				sk[nskip].pfx |= (uint64_t)(unsigned char)skip[nskip][i] << (56 - 8 * i);
		sk[nskip].len = i;
	}
	/* The top level always goes through emit_object: it is where members
	 * are left out, and where their duplicates are caught. */
	if ((r = emit_object(c, 0, sk, nskip)) != PXM_OK)
		return r;
	c->out.data[c->out.len] = '\0';
	return PXM_OK;
}

/* ------------------------------------------------------------ float repr */

/* Digits and exponent of a "%.*e" rendering: "d.ddde+XX". */
static void
split_e(const char *s, char *digits, int *ndig, int *exp10)
{
	int n = 0;

	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[n++] = *s;
	digits[n] = '\0';
	*ndig = n;
	*exp10 = (int)strtol(s + 1, NULL, 10);
}

static int
try_digits(const char *digits, int ndig, int exp10, double a)
{
	char tmp[48];

	snprintf(tmp, sizeof tmp, "%c.%se%d", digits[0], ndig > 1 ? digits + 1 : "0", exp10);
	return strtod(tmp, NULL) == a;
}

int
pxm_canon_float_repr(char *buf, size_t size, double d)
{
	char tmp[48], dig[32], alt[32];
	int p, ndig = 0, exp10 = 0, decpt, i, neg, found = 0;
	size_t o = 0;
	double a;

	if (!isfinite(d) || size < 32)
		return PXM_E_INVAL;
	if (d == 0) {
		snprintf(buf, size, "%s", signbit(d) ? "-0.0" : "0.0");
		return PXM_OK;
	}
	neg = d < 0;
	a = fabs(d);
	/* Shortest digit string that reads back as the same double, as
	 * Python's repr() (David Gay's mode 0) picks. */
	for (p = 1; p <= 17 && !found; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, a);
		split_e(tmp, dig, &ndig, &exp10);
		if (strtod(tmp, NULL) == a) {
			found = 1;
			break;
		}
		/* At a power of two the rounding interval is lopsided: a
		 * neighbour of the correctly rounded string may read back. */
		memcpy(alt, dig, (size_t)ndig + 1);
		for (i = ndig - 1; i >= 0 && alt[i] == '9'; i--)
			alt[i] = '0';
		if (i >= 0) {
			alt[i]++;
			if (try_digits(alt, ndig, exp10, a)) {
				memcpy(dig, alt, (size_t)ndig + 1);
				found = 1;
				break;
			}
		} else {
			alt[0] = '1';
			if (try_digits(alt, ndig, exp10 + 1, a)) {
				memcpy(dig, alt, (size_t)ndig + 1);
				exp10++;
				found = 1;
				break;
			}
		}
		memcpy(alt, dig, (size_t)ndig + 1);
		for (i = ndig - 1; i >= 0 && alt[i] == '0'; i--)
			alt[i] = '9';
		if (i >= 0) {
			alt[i]--;
			if (alt[0] == '0') {
				/* 1000 - 1 at this precision: 9999 one decade down. */
				memset(alt, '9', (size_t)ndig);
				if (try_digits(alt, ndig, exp10 - 1, a)) {
					memcpy(dig, alt, (size_t)ndig + 1);
					exp10--;
					found = 1;
					break;
				}
			} else if (try_digits(alt, ndig, exp10, a)) {
				memcpy(dig, alt, (size_t)ndig + 1);
				found = 1;
				break;
			}
		}
	}
	if (!found)
		return PXM_E_INTERNAL;
	while (ndig > 1 && dig[ndig - 1] == '0')
		dig[--ndig] = '\0';
	decpt = exp10 + 1;
	if (neg)
		buf[o++] = '-';
	if (decpt <= -4 || decpt > 16) {
		buf[o++] = dig[0];
		if (ndig > 1) {
			buf[o++] = '.';
			memcpy(buf + o, dig + 1, (size_t)ndig - 1);
			o += (size_t)ndig - 1;
		}
		snprintf(buf + o, size - o, "e%c%02d", exp10 < 0 ? '-' : '+',
		    exp10 < 0 ? -exp10 : exp10);
	} else if (decpt <= 0) {
		buf[o++] = '0';
		buf[o++] = '.';
		for (i = 0; i < -decpt; i++)
			buf[o++] = '0';
		memcpy(buf + o, dig, (size_t)ndig);
		o += (size_t)ndig;
		buf[o] = '\0';
	} else if (decpt < ndig) {
		memcpy(buf + o, dig, (size_t)decpt);
		o += (size_t)decpt;
		buf[o++] = '.';
		memcpy(buf + o, dig + decpt, (size_t)(ndig - decpt));
		o += (size_t)(ndig - decpt);
		buf[o] = '\0';
	} else {
		memcpy(buf + o, dig, (size_t)ndig);
		o += (size_t)ndig;
		for (i = ndig; i < decpt; i++)
			buf[o++] = '0';
		buf[o++] = '.';
		buf[o++] = '0';
		buf[o] = '\0';
	}
	return PXM_OK;
}

/* ------------------------------------------------------------------ writer */

int
pxm_canon_dump_string(struct pxm_buf *out, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, k;
	int r;

	strclass_init();
	if ((r = pxm_buf_reserve(out, n + 2)) != PXM_OK)
		return r;
	out->data[out->len++] = '"';
	while (i < n) {
		run = i;
		while (i < n && strclass[s[i]] == C_PLAIN)
			i++;
		if (i > run && (r = pxm_buf_append(out, s + run, i - run)) != PXM_OK)
			return r;
		if (i >= n)
			break;
		switch (strclass[s[i]]) {
		case C_QUOTE:
			r = pxm_buf_append(out, "\\\"", 2);
			i++;
			break;
		case C_BSL:
			r = pxm_buf_append(out, "\\\\", 2);
			i++;
			break;
		case C_CTL: {
			char e[7];

			switch (s[i]) {
			case '\n': r = pxm_buf_append(out, "\\n", 2); break;
			case '\r': r = pxm_buf_append(out, "\\r", 2); break;
			case '\t': r = pxm_buf_append(out, "\\t", 2); break;
			case '\b': r = pxm_buf_append(out, "\\b", 2); break;
			case '\f': r = pxm_buf_append(out, "\\f", 2); break;
			default:
				memcpy(e, "\\u00", 4);
				e[4] = hex[s[i] >> 4];
				e[5] = hex[s[i] & 15];
				r = pxm_buf_append(out, e, 6);
				break;
			}
			i++;
			break;
		}
		default:
			if ((k = utf8_one(s + i, n - i)) == 0)
				return PXM_E_INVAL;
			r = pxm_buf_append(out, s + i, k);
			i += k;
			break;
		}
		if (r != PXM_OK)
			return r;
	}
	return pxm_buf_putc(out, '"');
}

static int
cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
dump_value(struct pxm_buf *out, struct pxm_error *err, const json_t *v,
    int sorted, struct pxm_buf *path, int depth)
{
	char num[40];
	size_t plen = path->len, i, n;
	const char *key;
	const char **keys = NULL;
	json_t *x;
	int r = PXM_E_INTERNAL;

	if (depth > PXM_CANON_MAX_DEPTH) {
		r = pxm_error_set(err, PXM_E_INVAL, "ledger_detail",
		    "audit detail %s is nested deeper than %d levels",
		    path->data ? path->data : "", PXM_CANON_MAX_DEPTH);
		goto out;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		n = json_object_size(v);
		if ((keys = calloc(n ? n : 1, sizeof *keys)) == NULL) {
			r = PXM_E_NOMEM;
			goto out;
		}
		i = 0;
		json_object_foreach((json_t *)v, key, x)
			keys[i++] = key;
		if (sorted)
			qsort(keys, n, sizeof *keys, cmp_keys);
		pxm_buf_putc(out, '{');
		for (i = 0; i < n; i++) {
			if (i)
				pxm_buf_putc(out, ',');
			pxm_buf_printf(path, ".%s", keys[i]);
			if (pxm_canon_dump_string(out, keys[i], strlen(keys[i])) != PXM_OK) {
				r = pxm_error_set(err, PXM_E_INVAL, "ledger_detail",
				    "audit detail key at %s is not valid UTF-8; "
				    "accepted: UTF-8 text", path->data);
				goto out;
			}
			pxm_buf_putc(out, ':');
			if ((r = dump_value(out, err, json_object_get(v, keys[i]),
			    sorted, path, depth + 1)) != PXM_OK)
				goto out;
			path->len = plen;
			path->data[plen] = '\0';
		}
		r = pxm_buf_putc(out, '}');
		break;
	case JSON_ARRAY:
		n = json_array_size(v);
		pxm_buf_putc(out, '[');
		for (i = 0; i < n; i++) {
			if (i)
				pxm_buf_putc(out, ',');
			pxm_buf_printf(path, "[%zu]", i);
			if ((r = dump_value(out, err, json_array_get(v, i), sorted,
			    path, depth + 1)) != PXM_OK)
				goto out;
			path->len = plen;
			path->data[plen] = '\0';
		}
		r = pxm_buf_putc(out, ']');
		break;
	case JSON_STRING:
		if (pxm_canon_dump_string(out, json_string_value(v),
		    json_string_length(v)) != PXM_OK) {
			r = pxm_error_set(err, PXM_E_INVAL, "ledger_detail",
			    "audit detail string at %s is not valid UTF-8; "
			    "accepted: UTF-8 text (encode binary data as hex or base64)",
			    path->data && *path->data ? path->data : "(top)");
			goto out;
		}
		r = PXM_OK;
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		r = pxm_buf_puts(out, num);
		break;
	case JSON_REAL:
		if (pxm_canon_float_repr(num, sizeof num, json_real_value(v)) != PXM_OK) {
			r = pxm_error_set(err, PXM_E_INVAL, "ledger_detail",
			    "audit detail must be JSON-finite: the number at %s is "
			    "NaN or infinite; accepted: finite numbers",
			    path->data && *path->data ? path->data : "(top)");
			goto out;
		}
		r = pxm_buf_puts(out, num);
		break;
	case JSON_TRUE:
		r = pxm_buf_puts(out, "true");
		break;
	case JSON_FALSE:
		r = pxm_buf_puts(out, "false");
		break;
	case JSON_NULL:
		r = pxm_buf_puts(out, "null");
		break;
	}
out:
	free(keys);
	return r;
}

int
pxm_canon_dump(struct pxm_buf *out, struct pxm_error *err, const json_t *v,
    int sorted)
{
	struct pxm_buf path = PXM_BUF_INIT;
	int r;

	pxm_buf_puts(&path, "detail");
	r = dump_value(out, err, v, sorted, &path, 0);
	pxm_buf_free(&path);
	return r;
}
