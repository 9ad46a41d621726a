/**
 * @file path.c
 * @brief Path expansion, matching and checking (see path.h).
 *
 * Values are refused rather than repaired: an agent that sends
 * node="../../access" gets an error naming the variable, never a request
 * to somewhere else.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "transport/path.h"
#include "util/error.h"

#define NAME_MAX_LEN	64
#define ACCEPTED_TEXT \
	"accepted: a non-empty string (or an integer) of at most 256 bytes " \
	"of UTF-8 without '/', '\\', control characters or percent-escapes, " \
	"and not '.' or '..'"

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 pchar minus '%' (handled as escapes): unreserved, sub-delims,
 * ':' and '@'. */
static int
is_pchar(unsigned char c)
{
	return is_unreserved(c) || strchr("!$&'()*+,;=:@", c) != NULL;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
pxm_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, k;
	unsigned char c, lo, hi;

	while (i < len) {
		c = s[i];
		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c == 0xe0) {
			n = 2;
			lo = 0xa0;
		} else if (c == 0xed) {
			n = 2;
			hi = 0x9f;	/* no UTF-16 surrogates */
		} else if (c >= 0xe1 && c <= 0xef) {
			n = 2;
		} else if (c == 0xf0) {
			n = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3) {
			n = 3;
		} else if (c == 0xf4) {
			n = 3;
			hi = 0x8f;	/* nothing above U+10FFFF */
		} else {
			return 0;	/* continuation byte, overlong lead, 0xf5+ */
		}
		if (len - i <= n)
			return 0;
		/* Only the first continuation byte has a narrowed range. */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += n + 1;
	}
	return 1;
}

/* A printable rendering of a hostile value for error texts: never echo a
 * CR/LF or escape sequence into a log. */
static void
render(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0, i;
	int n;

	for (i = 0; i < len && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			n = snprintf(out + o, size - o, "\\x%02x", c);
			if (n < 0)
				break;
			o += (size_t)n;
		}
		if (o >= 60 && i + 1 < len) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
	}
	out[o < size ? o : size - 1] = '\0';
}

int
pxm_path_encode(struct pxm_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];
	size_t i;
	int r;

	if ((r = pxm_buf_reserve(out, len * 3)) != PXM_OK)
		return r;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_unreserved(c)) {
			r = pxm_buf_putc(out, (char)c);
		} else {
			esc[0] = '%';
			esc[1] = hex[c >> 4];
			esc[2] = hex[c & 15];
			r = pxm_buf_append(out, esc, 3);
		}
		if (r != PXM_OK)
			return r;
	}
	return PXM_OK;
}

/*
 * Path variables whose values are identifiers that contain '/' by design:
 * PVE volume ids ("local:iso/debian.iso"), firewall CIDRs ("10.0.0.0/8"),
 * file names below a storage, task ids (a UPID names the volume an imgdel
 * or download task works on).  Their '/' is sent encoded (%2F) so the value
 * stays one segment; every '/'-separated part must still be non-empty and
 * neither "." nor "..".
 */
static const char *const opaque_vars[] = { "volume", "cidr", "filename", "upid", NULL };

static int
is_opaque(const char *name)
{
	size_t i;

	for (i = 0; opaque_vars[i]; i++)
		if (strcmp(name, opaque_vars[i]) == 0)
			return 1;
	return 0;
}

/* Every '/'-separated part of s is non-empty and neither "." nor "..". */
static int
parts_clean(const char *s)
{
	const char *p = s, *e;
	size_t n;

	for (;;) {
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (e == NULL)
			return 1;
		p = e + 1;
	}
}

/* Check one path variable's value; fills err naming `name`. */
static int
check_value(struct pxm_error *err, const char *name, const char *v, size_t len)
{
	char shown[80];
	size_t i;

	if (len == 0)
		return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
		    "path variable '%s' is empty; " ACCEPTED_TEXT, name);
	render(shown, sizeof shown, v, len);
	if (len > PXM_PATH_VALUE_MAX)
		return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
		    "path variable '%s' is %zu bytes long ('%s'); " ACCEPTED_TEXT,
		    name, len, shown);
	if (memchr(v, '\0', len) != NULL)
		return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
		    "path variable '%s' contains a NUL byte ('%s'); " ACCEPTED_TEXT,
		    name, shown);
	if (!pxm_utf8_valid(v, len))
		return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
		    "path variable '%s' is not valid UTF-8 ('%s'); " ACCEPTED_TEXT,
		    name, shown);
	if ((len == 1 && v[0] == '.') || (len == 2 && v[0] == '.' && v[1] == '.'))
		return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
		    "path variable '%s' is '%s', which would walk the API tree; "
		    ACCEPTED_TEXT, name, shown);
	if (is_opaque(name) && memchr(v, '/', len) != NULL && !parts_clean(v))
		return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
		    "path variable '%s' ('%s') has an empty, '.' or '..' part; "
		    ACCEPTED_TEXT, name, shown);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '/' && is_opaque(name))
			continue;
		if (c == '/' || c == '\\')
			return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
			    "path variable '%s' contains '%c' ('%s'); a value must "
			    "stay inside one path segment; " ACCEPTED_TEXT,
			    name, c, shown);
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < len &&
		    (unsigned char)v[i + 1] >= 0x80 && (unsigned char)v[i + 1] <= 0x9f))
			return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
			    "path variable '%s' contains a control character "
			    "('%s'); " ACCEPTED_TEXT, name, shown);
		if (c == '%' && i + 2 < len && hexval((unsigned char)v[i + 1]) >= 0 &&
		    hexval((unsigned char)v[i + 2]) >= 0)
			return pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
			    "path variable '%s' looks percent-encoded ('%s'); pass "
			    "the plain value, it is encoded for you; " ACCEPTED_TEXT,
			    name, shown);
	}
	return PXM_OK;
}

/* Parse "{name}" at p (p[0] == '{'); returns the length of the name or 0
 * when malformed.  Names: [A-Za-z_][A-Za-z0-9_-]*. */
static size_t
var_name(const char *p)
{
	size_t n = 0;

	p++;
	while (p[n] && p[n] != '}') {
		unsigned char c = (unsigned char)p[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (n > 0 && ((c >= '0' && c <= '9') || c == '-'))))
			return 0;
		n++;
	}
	if (p[n] != '}' || n == 0 || n > NAME_MAX_LEN)
		return 0;
	return n;
}

/* Literal pattern characters: unreserved and '/' only; the structure
 * ("//", "/./", "/../") is checked on the result by pxm_path_check(). */
static int
pattern_literal_ok(unsigned char c)
{
	return is_unreserved(c) || c == '/';
}

int
pxm_path_expand(char *buf, size_t size, struct pxm_error *err,
    const char *pattern, const json_t *vars)
{
	struct pxm_buf b = PXM_BUF_INIT;
	char name[NAME_MAX_LEN + 1], num[32];
	const char *p, *v;
	const json_t *jv;
	size_t n, vlen;
	int r = PXM_E_INTERNAL;

	if (buf != NULL && size > 0)
		buf[0] = '\0';
	if (buf == NULL || size == 0 || pattern == NULL) {
		r = pxm_error_set(err, PXM_E_INVAL, "bad_path_pattern",
		    "path expansion needs a buffer and a pattern");
		goto out;
	}
	if (pattern[0] != '/') {
		r = pxm_error_set(err, PXM_E_INVAL, "bad_path_pattern",
		    "path pattern must start with '/'");
		goto out;
	}
	if (vars != NULL && !json_is_object(vars)) {
		r = pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
		    "path variables must be a JSON object");
		goto out;
	}
	for (p = pattern; *p; ) {
		if (*p == '{') {
			if ((n = var_name(p)) == 0) {
				r = pxm_error_set(err, PXM_E_INVAL, "bad_path_pattern",
				    "path pattern has a malformed {variable} at offset %zu",
				    (size_t)(p - pattern));
				goto out;
			}
			memcpy(name, p + 1, n);
			name[n] = '\0';
			p += n + 2;
			jv = vars ? json_object_get(vars, name) : NULL;
			if (jv == NULL || json_is_null(jv)) {
				r = pxm_error_set(err, PXM_E_INVAL, "missing_path_value",
				    "path variable '%s' is missing; " ACCEPTED_TEXT, name);
				goto out;
			}
			if (json_is_integer(jv)) {
				snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
				    json_integer_value(jv));
				v = num;
				vlen = strlen(num);
			} else if (json_is_string(jv)) {
				v = json_string_value(jv);
				vlen = json_string_length(jv);
			} else {
				r = pxm_error_set(err, PXM_E_INVAL, "bad_path_value",
				    "path variable '%s' is a JSON %s; " ACCEPTED_TEXT, name,
				    json_is_boolean(jv) ? "boolean" : json_is_real(jv) ?
				    "number with a fraction" : json_is_array(jv) ? "array" :
				    "object");
				goto out;
			}
			if ((r = check_value(err, name, v, vlen)) != PXM_OK)
				goto out;
			if ((r = pxm_path_encode(&b, v, vlen)) != PXM_OK)
				goto out;
			continue;
		}
		if (!pattern_literal_ok((unsigned char)*p)) {
			r = pxm_error_set(err, PXM_E_INVAL, "bad_path_pattern",
			    "path pattern has a character outside [A-Za-z0-9._~/-] "
			    "at offset %zu", (size_t)(p - pattern));
			goto out;
		}
		if ((r = pxm_buf_putc(&b, *p++)) != PXM_OK)
			goto out;
	}
	if (pxm_path_check(NULL, b.data) != PXM_OK) {
		/* Only the pattern can be at fault here: values were checked. */
		r = pxm_error_set(err, PXM_E_INVAL, "bad_path_pattern",
		    "path pattern '%s' has an empty, '.' or '..' segment", pattern);
		goto out;
	}
	if (b.len >= size) {
		r = pxm_error_set(err, PXM_E_INVAL, "path_too_long",
		    "expanded path is %zu bytes; at most %zu fit", b.len, size - 1);
		goto out;
	}
	memcpy(buf, b.data, b.len + 1);
	r = PXM_OK;
out:
	pxm_buf_free(&b);
	return r;
}

/* Decode one segment [s, s+len) into out (NUL-terminated); refuses bad
 * escapes, NUL and control bytes, '/', '\\' and invalid UTF-8. */
static int
decode_segment(struct pxm_buf *out, const char *s, size_t len, int allow_slash)
{
	size_t i;
	int hi, lo, r;
	unsigned char c;

	pxm_buf_reset(out);
	if ((r = pxm_buf_reserve(out, len + 1)) != PXM_OK)
		return r;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len)
				return PXM_E_INVAL;
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return PXM_E_INVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if ((c == '/' && !allow_slash) || c == '\\')
				return PXM_E_INVAL;
		} else if (!is_pchar(c)) {
			return PXM_E_INVAL;
		}
		if (c < 0x20 || c == 0x7f)
			return PXM_E_INVAL;
		if ((r = pxm_buf_putc(out, (char)c)) != PXM_OK)
			return r;
	}
	if (out->data == NULL || !pxm_utf8_valid(out->data, out->len))
		return PXM_E_INVAL;
	return PXM_OK;
}

int
pxm_path_check(struct pxm_error *err, const char *path)
{
	struct pxm_buf seg = PXM_BUF_INIT;
	const char *p, *e;
	char shown[80];
	int r = PXM_E_INTERNAL;

	if (path == NULL || path[0] != '/') {
		r = pxm_error_set(err, PXM_E_INVAL, "bad_path",
		    "API path must start with '/'");
		goto out;
	}
	render(shown, sizeof shown, path, strlen(path));
	if (strcmp(path, "/") == 0) {
		r = PXM_OK;
		goto out;
	}
	for (p = path + 1; ; p = e + 1) {
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p) {
			r = pxm_error_set(err, PXM_E_INVAL, "bad_path",
			    "API path '%s' has an empty segment", shown);
			goto out;
		}
		if ((r = decode_segment(&seg, p, (size_t)(e - p), 1)) != PXM_OK) {
			if (r == PXM_E_NOMEM)
				goto out;
			r = pxm_error_set(err, PXM_E_INVAL, "bad_path",
			    "API path '%s' holds a character or escape that is not "
			    "accepted (accepted: RFC 3986 path characters and "
			    "percent-escapes of anything but '/', '\\', NUL and "
			    "control characters; no query or fragment)", shown);
			goto out;
		}
		/* An opaque value may hold an encoded '/' (a volume id): every
		 * part of it is held to the same rules as a segment. */
		if (!parts_clean(seg.data)) {
			r = pxm_error_set(err, PXM_E_INVAL, "bad_path",
			    "API path '%s' has an empty, '.' or '..' segment (or part of one)", shown);
			goto out;
		}
		if (*e == '\0')
			break;
	}
	r = PXM_OK;
out:
	pxm_buf_free(&seg);
	return r;
}

int
pxm_path_match(json_t **vars_out, const char *pattern, const char *path)
{
	struct pxm_buf seg = PXM_BUF_INIT;
	json_t *vars = NULL;
	const char *pp, *pe, *sp, *se;
	char name[NAME_MAX_LEN + 1];
	size_t n, plen, slen;
	int r = PXM_E_INTERNAL;

	if (vars_out != NULL)
		*vars_out = NULL;
	if (pattern == NULL || path == NULL || pattern[0] != '/' || path[0] != '/') {
		r = PXM_E_INVAL;
		goto out;
	}
	if ((vars = json_object()) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	pp = pattern + 1;
	sp = path + 1;
	for (;;) {
		pe = pp + strcspn(pp, "/");
		se = sp + strcspn(sp, "/");
		plen = (size_t)(pe - pp);
		slen = (size_t)(se - sp);
		if (plen > 0 && pp[0] == '{') {
			/* A variable must be the whole segment here. */
			if ((n = var_name(pp)) == 0 || n + 2 != plen) {
				r = PXM_E_INVAL;
				goto out;
			}
			if (slen == 0) {
				r = PXM_E_NOTFOUND;
				goto out;
			}
			memcpy(name, pp + 1, n);
			name[n] = '\0';
			if ((r = decode_segment(&seg, sp, slen, is_opaque(name))) != PXM_OK)
				goto out;
			if (json_object_set_new(vars, name, json_string(seg.data)) != 0) {
				r = PXM_E_NOMEM;
				goto out;
			}
		} else {
			if (memchr(pp, '{', plen) != NULL || memchr(pp, '}', plen) != NULL) {
				r = PXM_E_INVAL;
				goto out;
			}
			if (plen != slen || memcmp(pp, sp, plen) != 0) {
				r = PXM_E_NOTFOUND;
				goto out;
			}
		}
		if (*pe == '\0' || *se == '\0') {
			if (*pe != *se) {
				r = PXM_E_NOTFOUND;
				goto out;
			}
			break;
		}
		pp = pe + 1;
		sp = se + 1;
	}
	if (vars_out != NULL) {
		*vars_out = vars;
		vars = NULL;
	}
	r = PXM_OK;
out:
	json_decref(vars);
	pxm_buf_free(&seg);
	return r;
}
