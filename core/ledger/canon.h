/**
 * @file canon.h
 * @brief The ledger's JSON dialect: Python's json.dumps, byte for byte.
 *
 * The reference implementation writes each line with
 * json.dumps(entry, separators=(",", ":"), ensure_ascii=False) and hashes
 * json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
 * This module speaks exactly that dialect:
 *
 *  - pxm_canon_parse() is a *strict* parser: it accepts a line only when the
 *    line is the very bytes Python would print for the value it encodes (no
 *    whitespace, only Python's escapes with lowercase hex, valid UTF-8, ints
 *    without leading zeros, floats in repr() form; duplicate keys parse and
 *    are refused by pxm_canon_body()).  That is the ledger's "line rule": a
 *    line and its value are one-to-one, so any change of a byte changes the
 *    value, and the MAC sees it.
 *  - pxm_canon_body() emits the canonical (sorted-keys) form of a parsed
 *    entry minus prev_hash/entry_hash/alg, by reordering spans of the line:
 *    strings and numbers are already canonical, nothing is re-encoded.
 *  - pxm_canon_dump() serializes a Jansson value in the same dialect (the
 *    writer), refusing non-finite numbers and invalid UTF-8.
 *
 * Verify speed (a million-line ledger is verified at open): a SIMD pass per
 * line marks the bytes that end plain string runs (stage one, canon.c);
 * nothing allocates per value (a struct pxm_canon holds reusable token,
 * bitmap and output buffers); and the canonical body of a line shaped like
 * a recent one is replayed from that line's recorded spans (struct
 * pxm_canon_prog).
 */
#ifndef PXM_LEDGER_CANON_H
#define PXM_LEDGER_CANON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"
#include "util/buf.h"

#define PXM_CANON_OBJ	1
#define PXM_CANON_ARR	2
#define PXM_CANON_STR	3
#define PXM_CANON_NUM	4
#define PXM_CANON_TRUE	5
#define PXM_CANON_FALSE	6
#define PXM_CANON_NULL	7

/* The string scanner built in: SSE2, or portable C (SWAR).  Tests build
 * both (PXM_CANON_PORTABLE forces the second). */
#if defined(__SSE2__) && !defined(PXM_CANON_PORTABLE)
#define PXM_CANON_SSE2		1
#define PXM_CANON_SCANNER	"sse2"
#else
#define PXM_CANON_SCANNER	"portable"
#endif

/* Deepest nesting accepted (Python's own encoder stops near 1000). */
#define PXM_CANON_MAX_DEPTH	256

struct pxm_canon_tok {
	uint32_t	start;	/* byte offset in the line (strings: the opening quote) */
	uint32_t	len;	/* bytes of the token (strings: including both quotes) */
	uint32_t	end;	/* index of the first token after this subtree */
	uint8_t		type;	/* PXM_CANON_* */
	uint8_t		esc;	/* strings: holds a backslash escape */
	uint8_t		flt;	/* numbers: a float (has '.', or 'e') */
	uint8_t		sorts;	/* containers: an object of 2+ members is in this
				 * subtree (else its bytes are already canonical) */
};

struct pxm_canon_member {
	uint64_t	pfx;	/* first 8 key bytes, big-endian (0: compare decoded) */
	uint32_t	key;	/* token index of the key (its value is key + 1) */
	uint8_t		skip;	/* left out of the canonical form */
};

/* Member names left out of the canonical form, prepared for comparison
 * (pxm_canon_skip_init()); the names are not copied. */
#define PXM_CANON_SKIP_MAX	8

struct pxm_canon_skip {
	uint64_t	id;	/* unique per pxm_canon_skip_init() (never 0) */
	size_t		n;
	uint64_t	lens;	/* bit L: some name is L bytes long (L < 64) */
	struct {
		const char	*name;
		size_t		len;
		uint64_t	pfx, sfx;
	}		k[PXM_CANON_SKIP_MAX];
};

/*
 * Whole lines, remembered: the parser writes a signature of the line's
 * structure (in token order: each container's type and where it closes,
 * every key's exact bytes, and a mark for each scalar value).  Two lines with the same signature have the same
 * token tree and the same keys, so their canonical bodies are the same
 * sequence of token spans and separators: that sequence (the "program")
 * is recorded while a line is canonicalised the long way and replayed for
 * the next lines of that structure, which is what one writer produces.
 */
#define PXM_CANON_PROGS		8

struct pxm_canon_op {
	uint32_t	a;	/* first token of the span; UINT32_MAX: a character */
	uint32_t	b;	/* last token of the span, or the character */
};

struct pxm_canon_prog {
	unsigned char	*sig;
	size_t		siglen, sigcap;
	struct pxm_canon_op *op;
	size_t		nop, capop;
	uint64_t	skip_id;	/* pxm_canon_skip.id it was built with, 0: none */
	int		valid;
};

struct pxm_canon {
	const unsigned char	*line;
	size_t			linelen;
	struct pxm_canon_tok	*tok;
	size_t			ntok, captok;
	struct pxm_canon_member	*mem;	/* sort scratch, used as a stack */
	size_t			nmem, capmem;
	uint64_t		*bits;	/* special bytes of the line (stage one) */
	size_t			capbits;
	unsigned char		*sig;	/* this line's signature */
	size_t			siglen, sigcap;
	struct pxm_canon_prog	prog[PXM_CANON_PROGS];	/* most recently used first */
	struct pxm_canon_prog	*rec;	/* being recorded, or NULL */
	uint64_t		replays;	/* bodies built from a remembered line */
	struct pxm_buf		out;	/* canonical output, after `room` bytes */
	size_t			room;	/* bytes left free at the start of out
					 * (the walker puts the previous head
					 * there: one MAC update per line) */
	const char		*why;	/* what the strict parser disliked */
	size_t			why_at;	/* byte offset of it */
};

void	pxm_canon_init(struct pxm_canon *c);
void	pxm_canon_free(struct pxm_canon *c);

/**
 * Strict parse of one line (without its '\n').  Returns PXM_OK, or
 * PXM_E_INVAL with c->why/c->why_at set.  The tokens point into `line`,
 * which must stay valid while they are used.
 */
int	pxm_canon_parse(struct pxm_canon *c, const char *line, size_t len);

/**
 * Canonical form of the parsed top-level object into c->out (reset first;
 * the form starts at c->out.data + c->room, 0 unless set),
 * leaving out the members named in `skip` (NULL-terminated, at most 8),
 * with keys sorted at every level.  PXM_E_INVAL when an object has
 * duplicate keys, left-out members included.
 */
int	pxm_canon_body(struct pxm_canon *c, const char *const *skip);
/** Prepare `names` (NULL-terminated, at most PXM_CANON_SKIP_MAX) once, for
 *  many pxm_canon_body_skip() calls. */
void	pxm_canon_skip_init(struct pxm_canon_skip *s, const char *const *names);
/** pxm_canon_body() with a prepared skip list (NULL: leave nothing out). */
int	pxm_canon_body_skip(struct pxm_canon *c, const struct pxm_canon_skip *s);

/** Token index of member `key` of object token `obj`, or -1. */
long	pxm_canon_member(const struct pxm_canon *c, size_t obj, const char *key);
/** 1 when token `t` is a string equal to `s`. */
int	pxm_canon_str_eq(const struct pxm_canon *c, size_t t, const char *s);
/** Decoded string value of token `t` into `out` (reset first). */
int	pxm_canon_str(const struct pxm_canon *c, size_t t, struct pxm_buf *out);
/** Unsigned integer value of token `t`; PXM_E_INVAL if not a plain uint. */
int	pxm_canon_uint(const struct pxm_canon *c, size_t t, uint64_t *out);

/**
 * Append the Python json.dumps (compact, ensure_ascii=False, keys in the
 * object's own order, or sorted when `sorted`) of `v` to `out`.  Refuses
 * NaN/Infinity and invalid UTF-8 with an error naming the JSON path.
 */
int	pxm_canon_dump(struct pxm_buf *out, struct pxm_error *err, const json_t *v,
	    int sorted);
/** Append a Python-escaped JSON string (with quotes) of n bytes of s.
 *  PXM_E_INVAL when s is not valid UTF-8. */
int	pxm_canon_dump_string(struct pxm_buf *out, const char *s, size_t n);
/** Python repr() of a finite double into buf (at least 32 bytes). */
int	pxm_canon_float_repr(char *buf, size_t size, double d);
/** Length of the one valid UTF-8 code point at s, 0 when invalid. */
size_t	pxm_canon_utf8_char(const unsigned char *s, size_t n);
/** Length of the valid UTF-8 prefix of s (== n when all of it is valid). */
size_t	pxm_canon_utf8_valid(const unsigned char *s, size_t n);

#endif
