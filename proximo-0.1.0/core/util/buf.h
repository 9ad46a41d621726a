/**
 * @file buf.h
 * @brief Growable byte buffer, always NUL-terminated.
 */
#ifndef PXM_UTIL_BUF_H
#define PXM_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct pxm_buf {
	char	*data;		/* NUL-terminated; NULL until the first append */
	size_t	len;
	size_t	cap;
};

#define PXM_BUF_INIT	{ NULL, 0, 0 }

int	pxm_buf_reserve(struct pxm_buf *b, size_t extra);
int	pxm_buf_append(struct pxm_buf *b, const void *p, size_t n);
int	pxm_buf_puts(struct pxm_buf *b, const char *s);
int	pxm_buf_putc(struct pxm_buf *b, char c);
int	pxm_buf_printf(struct pxm_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	pxm_buf_vprintf(struct pxm_buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/** Drop the first n bytes. */
void	pxm_buf_consume(struct pxm_buf *b, size_t n);
void	pxm_buf_reset(struct pxm_buf *b);
/** Hand the string to the caller (who frees it); the buffer is reset. */
char	*pxm_buf_steal(struct pxm_buf *b);
void	pxm_buf_free(struct pxm_buf *b);
/** Free after wiping the bytes (buffers that held secrets). */
void	pxm_buf_free_secret(struct pxm_buf *b);

#endif
