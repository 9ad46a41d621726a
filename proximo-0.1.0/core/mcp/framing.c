/**
 * @file framing.c
 * @brief Newline-delimited message framing for the stdio transport.
 */
#include "config.h"

#include <string.h>

#include "mcp/framing.h"

void
pxm_framer_init(struct pxm_framer *f, size_t limit)
{
	memset(f, 0, sizeof *f);
	f->limit = limit;
}

void
pxm_framer_free(struct pxm_framer *f)
{
	pxm_buf_free(&f->buf);
}

size_t
pxm_framer_pending(const struct pxm_framer *f)
{
	return f->buf.len - f->off;
}

int
pxm_framer_feed(struct pxm_framer *f, const void *p, size_t n)
{
	const char *nl;

	if (f->discarding) {
		/* Drop the rest of an oversized line without buffering it. */
		if ((nl = memchr(p, '\n', n)) == NULL)
			return PXM_OK;
		f->discarding = 0;
		n -= (size_t)(nl + 1 - (const char *)p);
		p = nl + 1;
	}
	/* Compact lazily: handing out many small lines from one large read
	 * must not cost a memmove each. */
	if (f->off == f->buf.len) {
		pxm_buf_reset(&f->buf);
		f->off = 0;
	} else if (f->off > 65536 && f->off > f->buf.len / 2) {
		pxm_buf_consume(&f->buf, f->off);
		f->off = 0;
	}
	return pxm_buf_append(&f->buf, p, n);
}

void
pxm_framer_set_eof(struct pxm_framer *f)
{
	f->eof = 1;
}

int
pxm_framer_next(struct pxm_framer *f, char **line, size_t *len)
{
	size_t avail = f->buf.len - f->off, used;
	char *start, *nl;

	if (avail == 0)
		return PXM_FRAME_NONE;
	start = f->buf.data + f->off;
	nl = memchr(start + f->scan, '\n', avail - f->scan);
	if (nl == NULL) {
		if (avail > f->limit) {
			/* Oversized and still growing: drop it as it arrives. */
			*len = avail;
			f->discarding = !f->eof;
			f->off = f->buf.len;
			f->scan = 0;
			return PXM_FRAME_OVERSIZED;
		}
		if (!f->eof) {
			f->scan = avail;
			return PXM_FRAME_NONE;
		}
		/* EOF: the final unterminated line is still a message. */
		used = avail;
		f->off = f->buf.len;
	} else {
		used = (size_t)(nl - start);
		f->off += used + 1;
	}
	f->scan = 0;
	if (used > f->limit) {
		*len = used;
		return PXM_FRAME_OVERSIZED;
	}
	start[used] = '\0';	/* the '\n', or the buffer's own terminator */
	if (used && start[used - 1] == '\r')	/* tolerate CRLF */
		start[--used] = '\0';
	*line = start;
	*len = used;
	return PXM_FRAME_LINE;
}
