/**
 * @file ssh_text.c
 * @brief UTF-8 checks and escaping for the ssh transport.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "proximo/sdk.h"
#include "transport/ssh_text.h"

size_t
pxm_utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c;

	if (avail == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	/* RFC 3629, table 3-7 of Unicode: the second byte's range depends on
	 * the first, which is what rules out overlongs and surrogates. */
	if (c >= 0xc2 && c <= 0xdf)
		return (avail >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		if (avail < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (avail < 4 || s[1] < lo || s[1] > hi ||
		    (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

size_t
pxm_utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = pxm_utf8_seq_len(p + i, len - i)) == 0)
			return i;
		i += n;
	}
	return len;
}

int
pxm_utf8_escape(struct pxm_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	char hex[5];
	int r;

	/* Reserve for the common case (all valid) once. */
	if ((r = pxm_buf_reserve(out, len)) != PXM_OK)
		return r;
	while (i < len) {
		n = pxm_utf8_seq_len(p + i, len - i);
		if (n > 0 && p[i] != '\0') {
			run += n;
			i += n;
			continue;
		}
		if (run && (r = pxm_buf_append(out, s + i - run, run)) != PXM_OK)
			return r;
		run = 0;
		snprintf(hex, sizeof hex, "\\x%02x", p[i]);
		if ((r = pxm_buf_append(out, hex, 4)) != PXM_OK)
			return r;
		i++;
	}
	if (run && (r = pxm_buf_append(out, s + i - run, run)) != PXM_OK)
		return r;
	/* An empty input still yields a valid (empty) C string. */
	return pxm_buf_reserve(out, 0);
}

size_t
pxm_utf8_trim_partial(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t back, start, need;

	/* Walk back over at most three continuation bytes to the lead byte. */
	for (back = 0; back < 4 && back < len; back++) {
		start = len - 1 - back;
		if ((p[start] & 0xc0) == 0x80)
			continue;
		if (p[start] < 0xc0)
			return len;	/* ASCII, or a stray continuation: keep */
		need = p[start] >= 0xf0 ? 4 : p[start] >= 0xe0 ? 3 : 2;
		return (back + 1 < need) ? start : len;
	}
	return len;
}

void
pxm_text_sanitize(char *dst, size_t dstsz, const char *src, size_t maxin)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t len, i = 0, o = 0, n;

	if (dstsz == 0)
		return;
	dst[0] = '\0';
	if (src == NULL)
		return;
	len = strnlen(src, maxin + 1);
	while (i < len && i < maxin) {
		n = pxm_utf8_seq_len(p + i, len - i);
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))
			n = 0;
		if (n > 0) {
			if (o + n + 1 > dstsz)
				break;
			memcpy(dst + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		if (o + 5 > dstsz)
			break;
		snprintf(dst + o, 5, "\\x%02x", p[i]);
		o += 4;
		i++;
	}
	if (i < len && o + 4 <= dstsz) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}
