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

static int
push_tok(struct pxm_canon *c, size_t *idx, uint8_t type, size_t start)
{
	struct pxm_canon_tok *t;

	if (c->ntok == c->captok) {
		size_t cap = c->captok ? c->captok * 2 : 64;
		if ((t = realloc(c->tok, cap * sizeof *t)) == NULL)
			return PXM_E_NOMEM;
		c->tok = t;
		c->captok = cap;
	}
	t = &c->tok[c->ntok];
	memset(t, 0, sizeof *t);
	t->type = type;
	t->start = (uint32_t)start;
	*idx = c->ntok++;
	return PXM_OK;
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

static int
parse_string(struct pxm_canon *c, size_t *pos)
{
	const unsigned char *s = c->line;
	size_t n = c->linelen, i = *pos + 1, idx, k;
	int r, esc = 0, v;

	if ((r = push_tok(c, &idx, PXM_CANON_STR, *pos)) != PXM_OK)
		return r;
	for (;;) {
		while (i < n && strclass[s[i]] == C_PLAIN)
			i++;
		if (i >= n)
			return fail(c, "unterminated string", *pos);
		switch (strclass[s[i]]) {
		case C_QUOTE:
			i++;
			c->tok[idx].len = (uint32_t)(i - *pos);
			c->tok[idx].end = (uint32_t)idx + 1;
			c->tok[idx].esc = (uint8_t)esc;
			*pos = i;
			return PXM_OK;
		case C_BSL:
			esc = 1;
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
		default: /* C_HIGH */
			if ((k = utf8_one(s + i, n - i)) == 0)
				return fail(c, "invalid UTF-8", i);
			i += k;
			break;
		}
	}
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
	size_t n = c->linelen, i = *pos, idx;
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
			if ((r = parse_value(c, &i, depth + 1)) != PXM_OK)
				return r;
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

static int
mem_cmp(const void *x, const void *y, void *ctx)
{
	const struct pxm_canon_member *a = x, *b = y;

	return key_cmp(ctx, a->key, b->key);
}

static int
emit(struct pxm_canon *c, size_t t, const char *const *skip);

static int
emit_object(struct pxm_canon *c, size_t t, const char *const *skip)
{
	struct pxm_canon_member *m;
	size_t base = c->nmem, k, i, j, end = c->tok[t].end, nskip = 0, sl[8];
	int r = PXM_OK, drop;

	while (skip && skip[nskip] && nskip < 8) {
		sl[nskip] = strlen(skip[nskip]);
		nskip++;
	}
	for (i = t + 1; i < end; i = c->tok[i + 1].end) {
		drop = 0;
		for (j = 0; j < nskip; j++)
			if (c->tok[i].len - 2 == sl[j] && key_eq_lit(c, i, skip[j], sl[j])) {
				drop = 1;
				break;
			}
		if (drop)
			continue;
		if (c->nmem == c->capmem) {
			size_t cap = c->capmem ? c->capmem * 2 : 64;
			if ((m = realloc(c->mem, cap * sizeof *m)) == NULL)
				return PXM_E_NOMEM;
			c->mem = m;
			c->capmem = cap;
		}
		c->mem[c->nmem].key = (uint32_t)i;
		c->mem[c->nmem].val = (uint32_t)i + 1;
		c->nmem++;
	}
	k = c->nmem - base;
	m = c->mem + base;
	if (k > 12) {
		qsort_r(m, k, sizeof *m, mem_cmp, c);
	} else {
		for (i = 1; i < k; i++) {
			struct pxm_canon_member x = m[i];
			for (j = i; j > 0 && key_cmp(c, m[j - 1].key, x.key) > 0; j--)
				m[j] = m[j - 1];
			m[j] = x;
		}
	}
	for (i = 1; i < k; i++)
		if (key_cmp(c, m[i - 1].key, m[i].key) == 0) {
			r = fail(c, "duplicate key in an object", c->tok[m[i].key].start);
			goto out;
		}
	c->out.data[c->out.len++] = '{';
	for (i = 0; i < k; i++) {
		/* c->mem may move while emitting nested objects: index it. */
		const struct pxm_canon_tok *kt = &c->tok[c->mem[base + i].key];

		if (i)
			c->out.data[c->out.len++] = ',';
		memcpy(c->out.data + c->out.len, c->line + kt->start, kt->len);
		c->out.len += kt->len;
		c->out.data[c->out.len++] = ':';
		if ((r = emit(c, c->mem[base + i].val, NULL)) != PXM_OK)
			goto out;
	}
	c->out.data[c->out.len++] = '}';
out:
	c->nmem = base;
	return r;
}

static int
emit(struct pxm_canon *c, size_t t, const char *const *skip)
{
	const struct pxm_canon_tok *k = &c->tok[t];
	size_t i, end;
	int r;

	switch (k->type) {
	case PXM_CANON_OBJ:
		return emit_object(c, t, skip);
	case PXM_CANON_ARR:
		end = k->end;
		c->out.data[c->out.len++] = '[';
		for (i = t + 1; i < end; i = c->tok[i].end) {
			if (i != t + 1)
				c->out.data[c->out.len++] = ',';
			if ((r = emit(c, i, NULL)) != PXM_OK)
				return r;
		}
		c->out.data[c->out.len++] = ']';
		return PXM_OK;
	default:
		memcpy(c->out.data + c->out.len, c->line + k->start, k->len);
		c->out.len += k->len;
		return PXM_OK;
	}
}

int
pxm_canon_body(struct pxm_canon *c, const char *const *skip)
{
	int r;

	pxm_buf_reset(&c->out);
	/* The canonical form is never longer than the line: same tokens,
	 * same separators, fewer members. */
	if ((r = pxm_buf_reserve(&c->out, c->linelen + 2)) != PXM_OK)
		return r;
	c->nmem = 0;
	if (c->ntok == 0 || c->tok[0].type != PXM_CANON_OBJ)
		return fail(c, "not an object", 0);
	if ((r = emit(c, 0, skip)) != PXM_OK)
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
