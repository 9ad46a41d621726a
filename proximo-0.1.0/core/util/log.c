/**
 * @file log.c
 * @brief Logging to stderr, scrubbed, optionally forwarded to the MCP client.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/secret.h"

static int log_threshold = PXM_LOG_INFO;
static pxm_log_forward_fn *log_forward;
static void *log_forward_payload;

static const char *const level_names[] = {
	"debug", "info", "notice", "warning", "error",
};

void
pxm_log_set_level(int level)
{
	if (level >= PXM_LOG_DEBUG && level <= PXM_LOG_ERROR)
		log_threshold = level;
}

int
pxm_log_level(void)
{
	return log_threshold;
}

int
pxm_log_level_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcmp(name, "warn") == 0)
		return PXM_LOG_WARNING;
	return -1;
}

const char *
pxm_log_level_name(int level)
{
	if (level < PXM_LOG_DEBUG || level > PXM_LOG_ERROR)
		return "error";
	return level_names[level];
}

void
pxm_log_set_forwarder(pxm_log_forward_fn *fn, void *payload)
{
	log_forward = fn;
	log_forward_payload = payload;
}

void
pxm_logv_named(int level, const char *logger, const char *fmt, va_list ap)
{
	struct pxm_buf line = PXM_BUF_INIT;
	char *clean = NULL;

	if (level < log_threshold && log_forward == NULL)
		return;
	if (pxm_buf_vprintf(&line, fmt, ap) != PXM_OK || line.data == NULL)
		goto out;
	/* A log line never carries a registered secret. */
	if ((clean = pxm_secret_scrub(line.data)) == NULL)
		goto out;
	if (level >= log_threshold)
		fprintf(stderr, "proximo: %s%s%s%s%s\n",
		    level >= PXM_LOG_WARNING ? pxm_log_level_name(level) : "",
		    level >= PXM_LOG_WARNING ? ": " : "",
		    logger ? logger : "", logger ? ": " : "", clean);
	if (log_forward)
		log_forward(level, logger, clean, log_forward_payload);
out:
	free(clean);
	pxm_buf_free(&line);
}

void
pxm_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pxm_logv_named(level, NULL, fmt, ap);
	va_end(ap);
}
