/**
 * @file error.c
 * @brief Filling struct pxm_error.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

int
pxm_error_set(struct pxm_error *err, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = pxm_error_vsetf(err, code, reason, fmt, ap);
	va_end(ap);
	return code;
}

void
pxm_error_clear(struct pxm_error *err)
{
	if (err == NULL)
		return;
	err->code = PXM_OK;
	err->reason[0] = '\0';
	err->text[0] = '\0';
}

void
pxm_error_prefix(struct pxm_error *err, const char *fmt, ...)
{
	char old[sizeof err->text];
	va_list ap;
	int n;

	if (err == NULL)
		return;
	memcpy(old, err->text, sizeof old);
	va_start(ap, fmt);
	n = vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 2 >= sizeof err->text)
		return;
	memcpy(err->text + n, ": ", 2);
	/* Keep as much of the old text as fits. */
	memcpy(err->text + n + 2, old, sizeof err->text - (size_t)n - 3);
	err->text[sizeof err->text - 1] = '\0';
}
