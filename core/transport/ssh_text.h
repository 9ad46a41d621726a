/**
 * @file ssh_text.h
 * @brief UTF-8 checks and escaping for what crosses the ssh boundary.
 *
 * Arguments going out must be valid UTF-8 (they come from JSON and are
 * shown back in plans and the ledger); output coming back is untrusted
 * bytes and is made into valid UTF-8 text by escaping, never by dropping.
 */
#ifndef PXM_TRANSPORT_SSH_TEXT_H
#define PXM_TRANSPORT_SSH_TEXT_H

#include <stddef.h>

#include "util/buf.h"

/** Length (1-4) of the well-formed UTF-8 sequence at s, or 0 when the
 *  bytes there are not one (overlong forms, surrogates, code points above
 *  U+10FFFF and sequences cut short by `avail` are all refused). */
size_t	pxm_utf8_seq_len(const unsigned char *s, size_t avail);

/** Offset of the first byte that does not start a well-formed sequence,
 *  or len when all of s is valid UTF-8. */
size_t	pxm_utf8_valid_prefix(const char *s, size_t len);

/** Append s to out as valid UTF-8: well-formed sequences are copied, every
 *  other byte (and NUL, so the result is a C string) becomes the four
 *  characters \xNN.  Backslashes themselves are copied unchanged. */
int	pxm_utf8_escape(struct pxm_buf *out, const char *s, size_t len);

/** How long s is once its trailing, incomplete UTF-8 sequence (if any) is
 *  cut: used when a capture cap splits a character. */
size_t	pxm_utf8_trim_partial(const char *s, size_t len);

/** Copy untrusted text into an error message: printable ASCII and valid
 *  UTF-8 kept, everything else as \xNN, at most `maxin` input bytes (then
 *  "..."), always NUL-terminated. */
void	pxm_text_sanitize(char *dst, size_t dstsz, const char *src, size_t maxin);

#endif
