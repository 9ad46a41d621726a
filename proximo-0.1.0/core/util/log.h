/**
 * @file log.h
 * @brief Logging to stderr (never stdout: stdout carries only MCP messages).
 *
 * Every line passes through the secret scrubber (util/secret.h) first.  The
 * MCP server may add a forwarder that also sends lines to the client as
 * notifications/message.
 */
#ifndef PXM_UTIL_LOG_H
#define PXM_UTIL_LOG_H

#include <stdarg.h>

#include "proximo/sdk.h"	/* PXM_LOG_* levels */

/** Threshold for stderr; default PXM_LOG_INFO, PROXIMO_LOG_LEVEL overrides. */
void	pxm_log_set_level(int level);
int	pxm_log_level(void);
/** Parse "debug", "info", "notice", "warning", "error"; -1 when unknown. */
int	pxm_log_level_parse(const char *name);
const char *pxm_log_level_name(int level);

typedef void pxm_log_forward_fn(int level, const char *logger, const char *line, void *payload);
void	pxm_log_set_forwarder(pxm_log_forward_fn *fn, void *payload);

void	pxm_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** As pxm_log, with a logger name prefix ("pve: ..."). */
void	pxm_logv_named(int level, const char *logger, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

#define pxm_debug(...)	pxm_log(PXM_LOG_DEBUG, __VA_ARGS__)
#define pxm_info(...)	pxm_log(PXM_LOG_INFO, __VA_ARGS__)
#define pxm_warn(...)	pxm_log(PXM_LOG_WARNING, __VA_ARGS__)
#define pxm_error(...)	pxm_log(PXM_LOG_ERROR, __VA_ARGS__)

#endif
