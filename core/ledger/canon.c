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
	size_t i;

	free(c->tok);
	free(c->mem);
	free(c->bits);
	free(c->sig);
	for (i = 0; i < PXM_CANON_PROGS; i++) {
		free(c->prog[i].sig);
		free(c->prog[i].op);
	}
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

/* A string token, every field written (the four one-byte fields side by
 * side, which the compiler merges into one store). */
static inline void
set_str(struct pxm_canon_tok *t, size_t start, size_t len, size_t idx)
{
	t->start = (uint32_t)start;
	t->len = (uint32_t)len;
	t->end = (uint32_t)idx + 1;
	t->type = PXM_CANON_STR;
	t->esc = 0;
	t->flt = 0;
	t->sorts = 0;
}

/* The string whose opening quote is at *pos; *pos ends past its closing
 * quote.  Inlined: the common string is plain ASCII up to its quote. */
static inline __attribute__((always_inline)) int
parse_string(struct pxm_canon *c, size_t *pos)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, i, idx;
	int r;

	if (__builtin_expect(c->ntok == c->captok, 0) && (r = tok_grow(c)) != PXM_OK)
		return r;
	idx = c->ntok++;
	i = next_special(c, *pos + 1);
	if (__builtin_expect(i < n && s[i] == '"', 1)) {
		i++;
		set_str(&c->tok[idx], *pos, i - *pos, idx);
		*pos = i;
		return PXM_OK;
	}
	set_str(&c->tok[idx], *pos, 0, idx);
	return parse_string_slow(c, idx, i, pos);
}

/* Signature bytes (see struct pxm_canon_prog): a container's type (and
 * its end), a key, or a scalar value (any: its bytes are copied as they
 * stand).  pxm_canon_parse() reserved room for all of them. */
#define SIG_SCALAR	0x08
#define SIG_KEY		0x10
#define SIG_CLOSE	0x20

static inline void
sig_byte(struct pxm_canon *c, unsigned char b)
{
	c->sig[c->siglen++] = b;
}

/* A key: its length, then its bytes as they stand in the line. */
static inline void
sig_key(struct pxm_canon *c, size_t t)
{
	const struct pxm_canon_tok *k = &c->tok[t];
	const unsigned char *p = c->line + k->start + 1;
	size_t n = k->len - 2;
	unsigned char *d;
	uint32_t n32;

	d = c->sig + c->siglen;
	*d++ = SIG_KEY;
	if (n < 255) {
		*d++ = (unsigned char)n;
	} else {
		*d++ = 255;
		n32 = (uint32_t)n;
		memcpy(d, &n32, 4);
		d += 4;
	}
	if (n <= 16 && (size_t)(c->line + c->linelen - p) >= 16)
		memcpy(d, p, 16);	/* fixed size: no branch on n (room left) */
	else
		memcpy(d, p, n);
	c->siglen = (size_t)(d + n - c->sig);
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
	sig_byte(c, SIG_SCALAR);
	c->tok[idx].len = (uint32_t)len;
	c->tok[idx].end = (uint32_t)idx + 1;
	c->tok[idx].flt = (uint8_t)flt;
	*pos = i;
	return PXM_OK;
}

/* A literal (true, false, null) of the given type and spelling at i. */
static inline int
parse_lit(struct pxm_canon *c, size_t *pos, uint8_t type, const char *lit, size_t n)
{
	size_t i = *pos, idx;
	int r;

	if (c->linelen - i < n || memcmp(c->line + i, lit, n) != 0)
		return fail(c, "not a JSON value Python writes", i);
	if ((r = push_tok(c, &idx, type, i)) != PXM_OK)
		return r;
	sig_byte(c, SIG_SCALAR);
	c->tok[idx].len = (uint32_t)n;
	c->tok[idx].end = (uint32_t)idx + 1;
	*pos = i + n;
	return PXM_OK;
}

/*
 * The value at *pos; *sorts is set when it is a container that holds an
 * object of two or more members.  An if-chain rather than a switch: a
 * jump table's indirect branch mispredicts on the mix of value types.
 */
static int
parse_value(struct pxm_canon *c, size_t *pos, int depth, uint8_t *sorts)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, i = *pos, idx, members;
	uint8_t type, close, inner = 0, sub;
	int r;

	*sorts = 0;
	if (i >= n)
		return fail(c, "unexpected end of line", i);
	if (s[i] == '"') {
		sig_byte(c, SIG_SCALAR);
		return parse_string(c, pos);
	}
	if ((s[i] >= '0' && s[i] <= '9') || s[i] == '-')
		return parse_number(c, pos);
	if (s[i] == '{') {
		type = PXM_CANON_OBJ;
		close = '}';
	} else if (s[i] == '[') {
		type = PXM_CANON_ARR;
		close = ']';
	} else if (s[i] == 't') {
		return parse_lit(c, pos, PXM_CANON_TRUE, "true", 4);
	} else if (s[i] == 'f') {
		return parse_lit(c, pos, PXM_CANON_FALSE, "false", 5);
	} else if (s[i] == 'n') {
		return parse_lit(c, pos, PXM_CANON_NULL, "null", 4);
	} else {
		return fail(c, "not a JSON value Python writes", i);
	}
	if (depth >= PXM_CANON_MAX_DEPTH)
		return fail(c, "nested too deeply", i);
	if ((r = push_tok(c, &idx, type, i)) != PXM_OK)
		return r;
	sig_byte(c, type);
	i++;
	members = 0;
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
			sig_key(c, c->ntok - 1);
			if (i >= n || s[i] != ':')
				return fail(c, "expected ':' right after the key", i);
			i++;
		}
		if (i < n && s[i] == '"') {
			/* Most values are strings: no recursion for them. */
			sig_byte(c, SIG_SCALAR);
			if ((r = parse_string(c, &i)) != PXM_OK)
				return r;
		} else {
			/* Through a copy: `i` itself never has its address
			 * taken, so it stays in a register (else every step of
			 * this loop waits on a store and a load). */
			size_t j = i;

			if ((r = parse_value(c, &j, depth + 1, &sub)) != PXM_OK)
				return r;
			i = j;
			inner |= sub;
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
	sig_byte(c, SIG_CLOSE | type);
	/* Only an object of two or more members can need re-ordering:
	 * anything else is copied as it stands (pxm_canon_body). */
	*sorts = inner | (type == PXM_CANON_OBJ && members > 1);
	c->tok[idx].len = (uint32_t)(i - *pos);
	c->tok[idx].end = (uint32_t)c->ntok;
	c->tok[idx].sorts = *sorts;
	*pos = i;
	return PXM_OK;
}

int
pxm_canon_parse(struct pxm_canon *c, const char *line, size_t len)
{
	size_t pos = 0;
	uint8_t sorts;
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
	/* The signature takes at most one byte per byte of the line, plus 4
	 * per key of 255 bytes or more; and 16 of slack (sig_key()). */
	if (2 * len + 64 > c->sigcap) {
		unsigned char *g;

		if ((g = realloc(c->sig, 2 * len + 64)) == NULL)
			return PXM_E_NOMEM;
		c->sig = g;
		c->sigcap = 2 * len + 64;
	}
	c->siglen = 0;
	if ((r = parse_value(c, &pos, 0, &sorts)) != PXM_OK)
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
		v &= ((1ULL << (8 * (n & 7))) - 1) | (0 - (uint64_t)(n >= 8));
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

/* Last 8 bytes of a key longer than 8 (raw: only compared for equality),
 * 0 otherwise: with the prefix and the length, exact up to 16 bytes. */
static inline uint64_t
key_suffix(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	if (n > 8)
		memcpy(&v, p + n - 8, 8);
	return v;
}

/* Slack kept at the end of the output for put()'s fixed-size copies. */
#define PUT_SLACK	32

/*
 * Copy n bytes of the line to the output.  Most spans are short, and a
 * branch on their length mispredicts: when 32 bytes from src are still
 * inside the line, copy exactly 32 (the output has PUT_SLACK bytes of room,
 * the extra ones are overwritten next), else take the careful way.
 */
static inline __attribute__((always_inline)) void
put(struct pxm_canon *c, const unsigned char *src, size_t n)
{
	unsigned char *d = (unsigned char *)c->out.data + c->out.len;
	unsigned char tmp[PUT_SLACK];

	c->out.len += n;
	if (n <= PUT_SLACK && (size_t)(c->line + c->linelen - src) >= PUT_SLACK) {
		memcpy(tmp, src, PUT_SLACK);
		memcpy(d, tmp, PUT_SLACK);
	} else {
		memcpy(d, src, n);
	}
}

/* Note an output step in the program being recorded (c->rec); on a
 * failed allocation stop recording: the line is just not remembered. */
static void
rec_op(struct pxm_canon *c, uint32_t a, uint32_t b)
{
	struct pxm_canon_prog *p = c->rec;
	struct pxm_canon_op *op;
	size_t cap;

	if (p->nop == p->capop) {
		cap = p->capop ? p->capop * 2 : 64;
		if ((op = realloc(p->op, cap * sizeof *op)) == NULL) {
			c->rec = NULL;
			return;
		}
		p->op = op;
		p->capop = cap;
	}
	p->op[p->nop].a = a;
	p->op[p->nop].b = b;
	p->nop++;
}

static inline void
putc1(struct pxm_canon *c, char ch)
{
	c->out.data[c->out.len++] = ch;
	if (c->rec != NULL)
		rec_op(c, UINT32_MAX, (unsigned char)ch);
}

/* The bytes of tokens a..b (b's last byte included) to the output. */
static inline void
put_toks(struct pxm_canon *c, uint32_t a, uint32_t b)
{
	const struct pxm_canon_tok *ta = &c->tok[a], *tb = &c->tok[b];

	put(c, c->line + ta->start, tb->start + tb->len - ta->start);
	if (c->rec != NULL)
		rec_op(c, a, b);
}

void
pxm_canon_skip_init(struct pxm_canon_skip *s, const char *const *names)
{
	const char *nm;
	static uint64_t last_id;
	size_t i;

	memset(s, 0, sizeof *s);
	/* Remembered lines record which members this list left out, under
	 * this id; a fresh id for every list keeps them exact. */
	s->id = __atomic_add_fetch(&last_id, 1, __ATOMIC_RELAXED);
	for (; names && names[s->n] && s->n < PXM_CANON_SKIP_MAX; s->n++) {
		nm = names[s->n];
		s->k[s->n].name = nm;
		for (i = 0; nm[i] != '\0'; i++)
			if (i < 8)
				s->k[s->n].pfx |= (uint64_t)(unsigned char)nm[i] << (56 - 8 * i);
		s->k[s->n].len = i;
		s->k[s->n].sfx = key_suffix((const unsigned char *)nm, i);
		s->lens |= i < 64 ? 1ULL << i : 0;
	}
}

static inline int
is_skipped(const struct pxm_canon *c, size_t i, uint64_t pfx, uint64_t sfx,
    const struct pxm_canon_skip *sk)
{
	const struct pxm_canon_tok *kt = &c->tok[i];
	size_t j;

	/* Most keys are ruled out by their length alone (escaped keys may
	 * decode shorter: they are always compared). */
	if (!kt->esc && kt->len - 2 < 64 && (sk->lens >> (kt->len - 2) & 1) == 0)
		return 0;
	for (j = 0; j < sk->n; j++) {
		if (kt->esc) {
			if (key_eq_lit(c, i, sk->k[j].name, sk->k[j].len))
				return 1;
		} else if (pfx == sk->k[j].pfx && kt->len - 2 == sk->k[j].len &&
		    sfx == sk->k[j].sfx && (sk->k[j].len <= 16 ||
		    memcmp(c->line + kt->start + 1, sk->k[j].name, sk->k[j].len) == 0)) {
			return 1;
		}
	}
	return 0;
}

static int
emit(struct pxm_canon *c, size_t t);

static inline int
mem_reserve(struct pxm_canon *c, size_t n)
{
	struct pxm_canon_member *m;
	size_t cap = c->capmem ? c->capmem : 64;

	if (c->nmem + n <= c->capmem)
		return PXM_OK;
	while (cap < c->nmem + n)
		cap *= 2;
	if ((m = realloc(c->mem, cap * sizeof *m)) == NULL)
		return PXM_E_NOMEM;
	c->mem = m;
	c->capmem = cap;
	return PXM_OK;
}

/* One member of the output: "key":value, the value re-ordered if needed. */
static inline int
emit_member(struct pxm_canon *c, uint32_t key, int *first)
{
	const struct pxm_canon_tok *kt = &c->tok[key], *vt = kt + 1;

	if (!*first)
		putc1(c, ',');
	*first = 0;
	if (!vt->sorts) {
		/* "key":value is one span of the line. */
		put_toks(c, key, key + 1);
		return PXM_OK;
	}
	put_toks(c, key, key);
	putc1(c, ':');
	return emit(c, key + 1);
}

/*
 * An object, keys sorted by code point.  Skipped members are sorted with
 * the others so that a duplicate is refused whichever of the two is
 * hashed: {"alg":..,"alg":..} is not a line Python writes, even though
 * neither copy reaches the canonical form.
 */
static int
emit_object(struct pxm_canon *c, size_t t, const struct pxm_canon_skip *sk)
{
	struct pxm_canon_member *m;
	size_t base = c->nmem, k, i, j, end = c->tok[t].end;
	int r = PXM_OK, slow = 0, first = 1;

	for (i = t + 1, k = 0; i < end; i = c->tok[i + 1].end, k++) {
		const struct pxm_canon_tok *kt = &c->tok[i];
		const unsigned char *kp = c->line + kt->start + 1;
		size_t kl = kt->len - 2;
		uint64_t pfx = key_prefix(c, kp, kl);

		if ((r = mem_reserve(c, 1)) != PXM_OK)
			return r;
		m = &c->mem[c->nmem++];
		m->pfx = pfx;
		m->key = (uint32_t)i;
		m->skip = sk != NULL && is_skipped(c, i, pfx, key_suffix(kp, kl), sk);
		slow |= kt->esc;
	}
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
	for (i = 0; i < k; i++) {
		/* c->mem may move while emitting nested objects: index it. */
		const struct pxm_canon_member *x = &c->mem[base + i];

		if (x->skip)
			continue;
		if ((r = emit_member(c, x->key, &first)) != PXM_OK)
			goto out;
	}
	putc1(c, '}');
out:
	c->nmem = base;
	return r;
}

static int
emit(struct pxm_canon *c, size_t t)
{
	const struct pxm_canon_tok *k = &c->tok[t];
	size_t i, end;
	int r;

	if (!k->sorts) {
		/* Scalars, and containers with no object of two or more
		 * members inside: the line's bytes are already canonical. */
		put_toks(c, (uint32_t)t, (uint32_t)t);
		return PXM_OK;
	}
	if (k->type == PXM_CANON_OBJ)
		return emit_object(c, t, NULL);
	end = k->end;
	putc1(c, '[');
	for (i = t + 1; i < end; i = c->tok[i].end) {
		if (i != t + 1)
			putc1(c, ',');
		if ((r = emit(c, i)) != PXM_OK)
			return r;
	}
	putc1(c, ']');
	return PXM_OK;
}

/* Move program i to the front (most recently used first). */
static void
to_front(struct pxm_canon *c, size_t i)
{
	struct pxm_canon_prog p;

	if (i == 0)
		return;
	p = c->prog[i];
	memmove(&c->prog[1], &c->prog[0], i * sizeof p);
	c->prog[0] = p;
}

/* The canonical body of a line whose signature is p's: p's steps. */
static void
replay(struct pxm_canon *c, const struct pxm_canon_prog *p)
{
	const struct pxm_canon_op *op = p->op, *end = p->op + p->nop;

	for (; op < end; op++) {
		if (op->a == UINT32_MAX) {
			c->out.data[c->out.len++] = (char)op->b;
		} else {
			const struct pxm_canon_tok *ta = &c->tok[op->a], *tb = &c->tok[op->b];

			put(c, c->line + ta->start, tb->start + tb->len - ta->start);
		}
	}
}

int
pxm_canon_body_skip(struct pxm_canon *c, const struct pxm_canon_skip *sk)
{
	struct pxm_canon_prog *p;
	uint64_t id;
	size_t i;
	int r;

	pxm_buf_reset(&c->out);
	/* The canonical form is never longer than the line: same tokens,
	 * same separators, fewer members. */
	if ((r = pxm_buf_reserve(&c->out, c->room + c->linelen + 2 + PUT_SLACK)) != PXM_OK)
		return r;
	memset(c->out.data, 0, c->room);
	c->out.len = c->room;
	c->nmem = 0;
	if (c->ntok == 0 || c->tok[0].type != PXM_CANON_OBJ)
		return fail(c, "not an object", 0);
	if (sk != NULL && sk->n == 0)
		sk = NULL;
	id = sk != NULL ? sk->id : 0;
	for (i = 0; i < PXM_CANON_PROGS; i++) {
		p = &c->prog[i];
		if (p->valid && p->siglen == c->siglen && p->skip_id == id &&
		    memcmp(p->sig, c->sig, c->siglen) == 0) {
			/* Same token tree and keys as a line canonicalised
			 * before: same steps (and no duplicate keys). */
			to_front(c, i);
			replay(c, &c->prog[0]);
			c->replays++;
			c->out.data[c->out.len] = '\0';
			return PXM_OK;
		}
	}
	/* The long way, recording the steps in place of the least recently
	 * used program, which then moves to the front. */
	to_front(c, PXM_CANON_PROGS - 1);
	p = &c->prog[0];
	p->valid = 0;
	p->nop = 0;
	c->rec = p;
	/* The top level always goes through emit_object: it is where members
	 * are left out, and where their duplicates are caught. */
	r = emit_object(c, 0, sk);
	if (r == PXM_OK && c->rec != NULL) {
		if (p->sigcap < c->siglen) {
			unsigned char *g = realloc(p->sig, c->siglen);

			if (g != NULL) {
				p->sig = g;
				p->sigcap = c->siglen;
			}
		}
		if (p->sigcap >= c->siglen) {
			memcpy(p->sig, c->sig, c->siglen);
			p->siglen = c->siglen;
			p->skip_id = id;
			p->valid = 1;
		}
	}
	c->rec = NULL;
	if (r != PXM_OK)
		return r;
	c->out.data[c->out.len] = '\0';
	return PXM_OK;
}

int
pxm_canon_body(struct pxm_canon *c, const char *const *skip)
{
	struct pxm_canon_skip sk;

	if (skip == NULL || skip[0] == NULL)
		return pxm_canon_body_skip(c, NULL);
	/* A fresh id: what it remembers serves only this call. */
	pxm_canon_skip_init(&sk, skip);
	return pxm_canon_body_skip(c, &sk);
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
