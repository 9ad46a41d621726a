/**
 * @file error.h
 * @brief Filling struct pxm_error (sdk.h) in the core.
 */
#ifndef PXM_UTIL_ERROR_H
#define PXM_UTIL_ERROR_H

#include "proximo/sdk.h"

/** Set code, reason and formatted text; returns code, so callers can
 *  `return pxm_error_set(err, ...)`.  err may be NULL. */
int	pxm_error_set(struct pxm_error *err, int code, const char *reason,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	pxm_error_clear(struct pxm_error *err);
/** Prefix the existing text: "<prefix>: <text>". */
void	pxm_error_prefix(struct pxm_error *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
