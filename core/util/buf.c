/**
 * @file buf.c
 * @brief Growable byte buffer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proximo/sdk.h"
#include "util/buf.h"

int
pxm_buf_reserve(struct pxm_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > (size_t)-1 - b->len - 1)
		return PXM_E_NOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return PXM_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return PXM_E_NOMEM;
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0';	/* "always NUL-terminated", also when empty */
	return PXM_OK;
}

int
pxm_buf_append(struct pxm_buf *b, const void *p, size_t n)
{
	int r;

	if ((r = pxm_buf_reserve(b, n)) != PXM_OK)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PXM_OK;
}

int
pxm_buf_puts(struct pxm_buf *b, const char *s)
{
	return pxm_buf_append(b, s, strlen(s));
}

int
pxm_buf_putc(struct pxm_buf *b, char c)
{
	return pxm_buf_append(b, &c, 1);
}

int
pxm_buf_vprintf(struct pxm_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, r;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return PXM_E_INVAL;
	if ((r = pxm_buf_reserve(b, (size_t)n)) != PXM_OK)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return PXM_OK;
}

int
pxm_buf_printf(struct pxm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pxm_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
pxm_buf_consume(struct pxm_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		if (b->data)
			b->data[0] = '\0';
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void
pxm_buf_reset(struct pxm_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *
pxm_buf_steal(struct pxm_buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
pxm_buf_free(struct pxm_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
pxm_buf_free_secret(struct pxm_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	pxm_buf_free(b);
}
