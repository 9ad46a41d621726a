/**
 * @file framing.h
 * @brief Newline-delimited message framing for the stdio transport.
 *
 * Bytes arrive in arbitrary pieces; complete lines come out.  A line longer
 * than the limit is reported once as oversized and its bytes are discarded
 * up to the next newline, so one hostile line cannot exhaust memory or
 * desynchronise the stream.
 */
#ifndef PXM_MCP_FRAMING_H
#define PXM_MCP_FRAMING_H

#include <stddef.h>

#include "proximo/sdk.h"
#include "util/buf.h"

struct pxm_framer {
	struct pxm_buf	buf;		/* received bytes; the unread part starts at off */
	size_t		off;		/* start of the unread part */
	size_t		scan;		/* unread bytes already known to hold no '\n' */
	size_t		limit;		/* largest accepted line, without the '\n' */
	int		discarding;	/* inside an oversized line: drop until '\n' */
	int		eof;
};

#define PXM_FRAME_NONE		0	/* need more bytes */
#define PXM_FRAME_LINE		1	/* (line, len) hold one message (no '\n') */
#define PXM_FRAME_OVERSIZED	2	/* a line exceeded the limit; *len = bytes seen */

void	pxm_framer_init(struct pxm_framer *f, size_t limit);
void	pxm_framer_free(struct pxm_framer *f);
/** Feed bytes read from the transport. */
int	pxm_framer_feed(struct pxm_framer *f, const void *p, size_t n);
/**
 * Next event.  For PXM_FRAME_LINE, *line points into the framer, is
 * NUL-terminated in place and stays valid until the next pxm_framer_feed().
 * A final line without '\n' is returned at EOF.
 */
int	pxm_framer_next(struct pxm_framer *f, char **line, size_t *len);
/** Mark end of input. */
void	pxm_framer_set_eof(struct pxm_framer *f);
/** Unread bytes held. */
size_t	pxm_framer_pending(const struct pxm_framer *f);

#endif
