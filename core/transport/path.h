/**
 * @file path.h
 * @brief API paths: expanding "/nodes/{node}/qemu/{vmid}" from caller values,
 * matching a concrete path against a pattern, and checking a path before it
 * is sent.
 *
 * This is the hostile-input boundary of the HTTPS transport: every value an
 * agent supplies for a path variable passes pxm_path_expand(), and every
 * path handed to the transport passes pxm_path_check() (so a plugin that
 * builds a path by hand cannot smuggle "..", an encoded slash or a CR/LF).
 */
#ifndef PXM_TRANSPORT_PATH_H
#define PXM_TRANSPORT_PATH_H

#include <stddef.h>

#include <jansson.h>

#include "proximo/sdk.h"
#include "util/buf.h"

/** Longest accepted value of one path variable, in bytes. */
#define PXM_PATH_VALUE_MAX	256

/**
 * Expand `pattern` into buf (NUL-terminated).  Every {name} must exist in
 * `vars` (an object; NULL counts as empty) as a string or an integer.  A
 * string must be non-empty, at most PXM_PATH_VALUE_MAX bytes of valid UTF-8,
 * hold no '/', '\\', control character (C0, DEL, C1) or percent-escape, and
 * not be "." or "..".  Values are percent-encoded (RFC 3986 unreserved
 * characters kept).  Members of `vars` the pattern does not name are
 * ignored.  PXM_E_INVAL names the variable and what is accepted.
 */
int	pxm_path_expand(char *buf, size_t size, struct pxm_error *err,
	    const char *pattern, const json_t *vars);

/**
 * Match an encoded `path` against `pattern`, segment by segment; a {name}
 * segment matches one non-empty segment, whose percent-decoded value lands
 * in *vars_out (a new object).  PXM_OK on a match, PXM_E_NOTFOUND when the
 * path does not match, PXM_E_INVAL for a malformed pattern or a path
 * segment that does not decode to a clean value (callers classifying
 * effects should treat that as "unknown, worst case").
 */
int	pxm_path_match(json_t **vars_out, const char *pattern, const char *path);

/**
 * Check a path before it is sent: it starts with '/', holds only RFC 3986
 * path characters and well-formed percent-escapes, no empty, "." or ".."
 * segment (also when decoded), no encoded '/', '\\' or control character,
 * and no query or fragment.
 */
int	pxm_path_check(struct pxm_error *err, const char *path);

/** Append s percent-encoded (unreserved characters kept). */
int	pxm_path_encode(struct pxm_buf *out, const char *s, size_t len);

/** Is s[0..len) valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF)? */
int	pxm_utf8_valid(const char *s, size_t len);

#endif
