/**
 * @file fuzzenv.c
 * @brief The fuzz targets' private directory and settings.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/runtime.h"
#include "util/error.h"
#include "fuzz.h"
#include "fuzzenv.h"

#ifndef FUZZ_BUILDDIR
#define FUZZ_BUILDDIR ".."
#endif
#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR ".."
#endif

static char dir[512];

static void
die(const char *what)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, strerror(errno));
	abort();
}

static void
copy(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if ((in = open(from, O_RDONLY)) < 0)
		die(from);
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0)
		die(to);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			die(to);
	if (n < 0 || fchmod(out, mode) != 0)
		die(to);
	close(in);
	close(out);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Whatever the targets left there (ledgers, state files) goes too. */
static void
rm_dir(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_env_setup(void)
{
	const char *top = getenv("PXM_TOP_BUILDDIR"), *tmp = getenv("TMPDIR");
	const char *srctop = getenv("PXM_TOP_SRCDIR");
	static const char *const fixtures[] = { "good", "pipetest" };
	static const char *const real[] = { "pve", "exec" };
	static const char *const remote[] = {
		"PROXIMO_API_BASE_URL", "PROXIMO_TOKEN_PATH", "PROXIMO_PBS_BASE_URL",
		"PROXIMO_PBS_TOKEN_PATH", "PROXIMO_PMG_BASE_URL", "PROXIMO_PMG_PASSWORD_PATH",
		"PROXIMO_HTTP_PROXY",
	};
	/* A fixed test key: this is a fuzzing ledger, not a secret. */
	static const char key[] =
	    "6675a5b2c1e0f3d4a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4\n";
	char p[700], from[700];
	size_t i;
	int fd;

	if (dir[0])
		return dir;
	snprintf(dir, sizeof dir, "%s/pxmfuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	atexit(rm_dir);
	snprintf(p, sizeof p, "%s/plugins", dir);
	if (mkdir(p, 0700) != 0)
		die(p);
	for (i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		snprintf(from, sizeof from, "%s/tests/fixtures/.libs/%s.so",
		    top && *top ? top : FUZZ_BUILDDIR, fixtures[i]);
		snprintf(p, sizeof p, "%s/plugins/%s.so", dir, fixtures[i]);
		copy(from, p, 0644);
	}
	/* The real plugins, when this build made them: their tool schemas are
	 * the ones agents' arguments meet. */
	for (i = 0; i < sizeof real / sizeof real[0]; i++) {
		snprintf(from, sizeof from, "%s/plugins/%s/.libs/%s.so",
		    top && *top ? top : FUZZ_BUILDDIR, real[i], real[i]);
		if (access(from, R_OK) != 0)
			continue;
		snprintf(p, sizeof p, "%s/plugins/%s.so", dir, real[i]);
		copy(from, p, 0644);
	}
	snprintf(p, sizeof p, "%s/audit.key", dir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, key, sizeof key - 1) != (ssize_t)(sizeof key - 1))
		die(p);
	close(fd);
	setenv("PROXIMO_AUDIT_KEY_PATH", p, 1);
	snprintf(p, sizeof p, "%s/plugins", dir);
	setenv("PROXIMO_PLUGIN_DIR", p, 1);
	unsetenv("PROXIMO_PLUGINS");
	unsetenv("PROXIMO_ENV_FILE");
	/* Never let a fuzzer reach a real cluster named in the caller's
	 * environment: no base URL, no credentials. */
	for (i = 0; i < sizeof remote / sizeof remote[0]; i++)
		unsetenv(remote[i]);
	/* The API schemas plugins plan with (data/pve.json ...). */
	snprintf(p, sizeof p, "%s/data", srctop && *srctop ? srctop : FUZZ_SRCDIR);
	setenv("PROXIMO_DATA_DIR", p, 1);
	/* Quiet: a log line per input would be most of the work. */
	setenv("PROXIMO_LOG_LEVEL", "error", 1);
	return dir;
}

#define RUNTIME_USES	256

static struct pxm_runtime *shared_rt;
static const char *shared_ledger;
static unsigned long rt_uses;

static void
runtime_close(void)
{
	pxm_runtime_close(shared_rt);
	shared_rt = NULL;
	unlink(shared_ledger);
}

struct pxm_runtime *
fuzz_shared_runtime(const char *ledger_path)
{
	struct pxm_error err;

	if (shared_rt != NULL && ++rt_uses % RUNTIME_USES == 0)
		runtime_close();
	if (shared_rt == NULL) {
		if (shared_ledger == NULL)
			atexit(runtime_close);
		shared_ledger = ledger_path;
		unlink(ledger_path);
		pxm_error_clear(&err);
		FUZZ_CHECK(pxm_runtime_open(&shared_rt, &err, PXM_RT_PLUGINS | PXM_RT_LEDGER) ==
		    PXM_OK, "runtime: %s", err.text);
	}
	return shared_rt;
}
