/**
 * @file helpers.h
 * @brief Shared bits of the ledger tests: temp dirs, files, appends.
 */
#ifndef PXM_TESTS_LEDGER_HELPERS_H
#define PXM_TESTS_LEDGER_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "util/buf.h"

static inline char *
t_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p = malloc(4096);

	snprintf(p, 4096, "%s/pxm-ledger-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(p));
	return p;
}

static inline char *
t_path(const char *dir, const char *name)
{
	char *p = malloc(4096);

	snprintf(p, 4096, "%s/%s", dir, name);
	return p;
}

static inline void
t_cfg(struct pxm_ledger_config *cfg, const char *log)
{
	pxm_ledger_config_init(cfg);
	cfg->path = log;
	cfg->checkpoints = 0;
}

static inline char *
t_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct pxm_buf b = PXM_BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pxm_buf_append(&b, chunk, n);
	fclose(f);
	if (b.data == NULL)
		pxm_buf_puts(&b, "");
	if (len)
		*len = b.len;
	return pxm_buf_steal(&b);
}

static inline void
t_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static inline int
t_append(struct pxm_ledger *l, const char *action, const char *target,
    const char *outcome, json_t *detail_stolen, char *head)
{
	struct pxm_ledger_entry e = { 0 };
	struct pxm_error err;
	int r;

	e.action = action;
	e.target = target;
	e.mutation = 1;
	e.outcome = outcome;
	e.detail = detail_stolen;
	r = pxm_ledger_append(l, &err, &e, head);
	json_decref(detail_stolen);
	return r;
}

static inline void
t_rm_rf(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Lines of a buffer: start offsets of each line (n+1 entries, last = len). */
static inline size_t
t_lines(const char *buf, size_t len, size_t **starts)
{
	size_t n = 0, cap = 64, i;
	size_t *s = malloc(cap * sizeof *s);

	s[n++] = 0;
	for (i = 0; i < len; i++)
		if (buf[i] == '\n') {
			if (n == cap)
				s = realloc(s, (cap *= 2) * sizeof *s);
			s[n++] = i + 1;
		}
	*starts = s;
	return n - 1;
}

#endif
