/**
 * @file fixture.c
 * @brief Test support for the transport suites (see fixture.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

extern char **environ;

static const char *
fixture_binary(void)
{
	static char path[1024];
	const char *top = getenv("PXM_TOP_BUILDDIR");

	if (top != NULL)
		snprintf(path, sizeof path, "%s/tests/transport/tls_fixture", top);
	else
		snprintf(path, sizeof path, "transport/tls_fixture");
	return path;
}

void
fx_start(struct fixture *f, ...)
{
	const char *argv[32], *a;
	static char expanded[8][512];
	char line[256], tmpl[256];
	int nexp = 0;
	const char *tmp = getenv("TMPDIR");
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;
	int p[2], argc = 0;
	va_list ap;

	memset(f, 0, sizeof *f);
	snprintf(tmpl, sizeof tmpl, "%s/pxm-tls-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(tmpl) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(f->dir, sizeof f->dir, "%s", tmpl);
	argv[argc++] = fixture_binary();
	argv[argc++] = "--dir";
	argv[argc++] = f->dir;
	va_start(ap, f);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 30) {
		/* "@/name": a file in the fixture's own directory. */
		if (a[0] == '@' && a[1] == '/' && nexp < 8) {
			snprintf(expanded[nexp], sizeof expanded[nexp], "%s%s", f->dir, a + 1);
			a = expanded[nexp++];
		}
		argv[argc++] = a;
	}
	va_end(ap);
	argv[argc] = NULL;
	ck_assert_int_eq(pipe(p), 0);
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (f->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (len < sizeof line - 1 && memchr(line, '\n', len) == NULL) {
		ck_assert_msg(poll(&pfd, 1, 20000) == 1, "tls_fixture did not start");
		n = read(p[0], line + len, sizeof line - 1 - len);
		ck_assert_msg(n > 0, "tls_fixture exited before printing its port");
		len += (size_t)n;
	}
	line[len] = '\0';
	close(p[0]);
	ck_assert_msg(sscanf(line, "port=%d fingerprint=%64s", &f->port, f->fp) == 2,
	    "unexpected fixture banner: %s", line);
	snprintf(f->base_url, sizeof f->base_url, "https://127.0.0.1:%d/api2/json",
	    f->port);
}

void
fx_stop(struct fixture *f)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
	if (f->dir[0] == '\0')
		return;
	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", f->dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(f->dir);
	f->dir[0] = '\0';
}

const char *
fx_path(const struct fixture *f, const char *name)
{
	static char path[512];

	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	return path;
}

char *
fx_slurp(const struct fixture *f, const char *name, size_t *lenp)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(fx_path(f, name), O_RDONLY)) < 0) {
		if (lenp)
			*lenp = 0;
		return strdup("");
	}
	for (;;) {
		if (len + 4097 > cap) {
			cap = cap * 2 + 8192;
			nb = realloc(buf, cap);
			ck_assert_ptr_nonnull(nb);
			buf = nb;
		}
		if ((n = read(fd, buf + len, 4096)) <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		buf = strdup("");
	else
		buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

int
fx_contains(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	return k == 0 || (n >= k && memmem(hay, n, needle, k) != NULL);
}

int
fx_count(const struct fixture *f, const char *prefix)
{
	size_t len, k = strlen(prefix);
	char *log = fx_slurp(f, "events.log", &len), *p;
	int count = 0;

	for (p = log; p && *p; ) {
		if (strncmp(p, prefix, k) == 0)
			count++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	free(log);
	return count;
}

int
fx_wait_count(const struct fixture *f, const char *prefix, int n)
{
	long long end = fx_now_ms() + 5000;

	while (fx_count(f, prefix) < n && fx_now_ms() < end)
		usleep(10000);
	usleep(100000);
	return fx_count(f, prefix);
}

int
fx_wait_closed(const struct fixture *f, int timeout_ms)
{
	long long end = fx_now_ms() + timeout_ms;

	do {
		if (fx_count(f, "close ") >= fx_count(f, "accept "))
			return 1;
		usleep(10000);
	} while (fx_now_ms() < end);
	return 0;
}

void
fx_write(const struct fixture *f, const char *name, const char *content, mode_t mode)
{
	const char *path = fx_path(f, name);
	size_t n = strlen(content);
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, n), (ssize_t)n);
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
}

void
fx_clear_env(void)
{
	char name[256], **e;
	size_t n;

again:
	for (e = environ; e && *e; e++) {
		if (strncmp(*e, "PROXIMO_", 8) == 0) {
			n = strcspn(*e, "=");
			snprintf(name, sizeof name, "%.*s", (int)n, *e);
			unsetenv(name);
			goto again;	/* environ changed under us */
		}
	}
}

void
fx_env_pve(const struct fixture *f, const char *token_name)
{
	fx_clear_env();
	setenv("PROXIMO_API_BASE_URL", f->base_url, 1);
	setenv("PROXIMO_TOKEN_PATH", fx_path(f, token_name), 1);
	setenv("PROXIMO_FINGERPRINT", f->fp, 1);
	setenv("PROXIMO_NODE", "pve1", 1);
}

long
fx_fd_count(void)
{
	struct dirent *de;
	long n = 0;
	DIR *d = opendir("/proc/self/fd");

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the DIR's own descriptor */
}

long
fx_rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

long long
fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int saved_stderr = -1;
static char stderr_path[256];

void
fx_stderr_begin(void)
{
	int fd;

	snprintf(stderr_path, sizeof stderr_path, "%s/pxm-stderr-XXXXXX",
	    getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(stderr_path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

char *
fx_stderr_end(void)
{
	struct fixture f;
	char *s, *slash;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	memset(&f, 0, sizeof f);
	slash = strrchr(stderr_path, '/');
	snprintf(f.dir, sizeof f.dir, "%.*s", (int)(slash - stderr_path), stderr_path);
	s = fx_slurp(&f, slash + 1, NULL);
	unlink(stderr_path);
	/* Show it too: the test log should hold what the code said. */
	fputs(s, stderr);
	return s;
}

int
fx_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
