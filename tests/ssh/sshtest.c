/**
 * @file sshtest.c
 * @brief Helpers shared by the ssh test suites and the ssh benchmark.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sshtest.h"

uint64_t
sshtest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

char *
sshtest_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *n;
	size_t cap = 0, used = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - used < 65536) {
			cap = cap ? cap * 2 : 131072;
			if ((n = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = n;
		}
		got = fread(buf + used, 1, cap - used, f);
		used += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

int
sshtest_memmem(const void *mem, size_t len, const char *needle)
{
	return len > 0 && memmem(mem, len, needle, strlen(needle)) != NULL;
}

size_t
sshtest_count_in_file(const char *path, const char *needle)
{
	size_t len, n = 0, nl = strlen(needle);
	char *buf = sshtest_read_file(path, &len), *p, *end;

	if (buf == NULL)
		return 0;
	for (p = buf, end = buf + len; (p = memmem(p, (size_t)(end - p), needle, nl)) != NULL; p += nl)
		n++;
	free(buf);
	return n;
}

size_t
sshtest_wait_count(const char *path, const char *needle, size_t n, unsigned timeout_ms)
{
	uint64_t end = sshtest_now_ms() + timeout_ms;
	size_t c;

	while ((c = sshtest_count_in_file(path, needle)) < n && sshtest_now_ms() < end)
		usleep(20000);
	return c;
}

/* Run the fixture script with a verb; returns its exit status. */
static int
run_script(const struct sshtest_fixture *f, const char *verb, const char *extra)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		/* The script's chatter belongs in the test log, not in TAP. */
		dup2(2, 1);
		execl("/bin/sh", "sh", f->script, verb, f->dir, extra, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
load_env(struct sshtest_fixture *f)
{
	char path[512];
	size_t i;

	free(f->env);
	snprintf(path, sizeof path, "%s/fixture.env", f->dir);
	if ((f->env = sshtest_read_file(path, &f->envlen)) == NULL)
		return -1;
	for (i = 0; i < f->envlen; i++)
		if (f->env[i] == '\n')
			f->env[i] = '\0';
	return 0;
}

int
sshtest_fixture_start(struct sshtest_fixture *f)
{
	const char *src = getenv("PXM_TOP_SRCDIR");
	const char *tmp = getenv("TMPDIR");
	int st;

	memset(f, 0, sizeof *f);
	snprintf(f->script, sizeof f->script, "%s/tests/ssh/sshd_fixture.sh",
	    src ? src : ".");
	if (access(f->script, R_OK) != 0) {
		fprintf(stderr, "sshtest: %s not found (set PXM_TOP_SRCDIR)\n", f->script);
		return -1;
	}
	/* Short paths: sshd and ssh-agent put sockets and keys here. */
	snprintf(f->dir, sizeof f->dir, "%s/pxm-ssh-XXXXXX",
	    (tmp && strlen(tmp) < 100) ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		fprintf(stderr, "sshtest: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	st = run_script(f, "start", NULL);
	if (st == 77) {
		rmdir(f->dir);
		return 77;
	}
	if (st != 0 || load_env(f) != 0) {
		fprintf(stderr, "sshtest: the sshd fixture did not start (status %d)\n", st);
		sshtest_fixture_stop(f);
		return -1;
	}
	return 0;
}

int
sshtest_fixture_agent(struct sshtest_fixture *f, const char *key)
{
	int st = run_script(f, "agent", key);

	if (st != 0)
		return st;
	return load_env(f);
}

void
sshtest_fixture_stop(struct sshtest_fixture *f)
{
	if (f->dir[0] != '\0')
		(void)run_script(f, "stop", NULL);
	free(f->env);
	f->env = NULL;
	f->dir[0] = '\0';
}

const char *
sshtest_get(const struct sshtest_fixture *f, const char *key)
{
	size_t kl = strlen(key), i = 0;

	while (f->env != NULL && i < f->envlen) {
		const char *line = f->env + i;
		size_t ll = strlen(line);

		if (ll > kl && strncmp(line, key, kl) == 0 && line[kl] == '=')
			return line + kl + 1;
		i += ll + 1;
	}
	fprintf(stderr, "sshtest: fixture.env has no %s\n", key);
	abort();
}

void
sshtest_options(struct pxm_ssh_options *o, const struct sshtest_fixture *f)
{
	memset(o, 0, sizeof *o);
	o->target = sshtest_get(f, "TARGET");
	o->key_path = sshtest_get(f, "USER_KEY");
	o->known_hosts = sshtest_get(f, "KNOWN_HOSTS");
	o->pct_command = sshtest_get(f, "PCT");
}

int
sshtest_pct_load(struct sshtest_records *r, const struct sshtest_fixture *f)
{
	char path[512];
	size_t len, i = 0, cap = 0, k;

	memset(r, 0, sizeof *r);
	snprintf(path, sizeof path, "%s/invocations.log", sshtest_get(f, "CT_ROOT"));
	if ((r->data = sshtest_read_file(path, &len)) == NULL)
		return -1;
	while (i < len) {
		size_t argc, start;
		char *end;

		if (r->data[i] != 'R')
			return -1;
		argc = strtoul(r->data + i + 1, &end, 10);
		if (*end != '\0')
			return -1;
		i = (size_t)(end - r->data) + 1;
		start = i;
		for (k = 0; k < argc; k++) {
			char *z = memchr(r->data + i, '\0', len - i);

			if (z == NULL)
				return -1;
			i = (size_t)(z - r->data) + 1;
		}
		if (r->n == cap) {
			cap = cap ? cap * 2 : 64;
			r->rec = realloc(r->rec, cap * sizeof *r->rec);
			r->reclen = realloc(r->reclen, cap * sizeof *r->reclen);
			r->argc = realloc(r->argc, cap * sizeof *r->argc);
			if (!r->rec || !r->reclen || !r->argc)
				return -1;
		}
		r->rec[r->n] = r->data + start;
		r->reclen[r->n] = i - start;
		r->argc[r->n] = argc;
		r->n++;
	}
	return 0;
}

void
sshtest_pct_free(struct sshtest_records *r)
{
	free(r->data);
	free(r->rec);
	free(r->reclen);
	free(r->argc);
	memset(r, 0, sizeof *r);
}

int
sshtest_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

uint64_t
sshtest_rss(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

int
sshtest_memory_checker(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 1;
#else
	char *maps = sshtest_read_file("/proc/self/maps", NULL);
	int found = maps != NULL && strstr(maps, "vgpreload") != NULL;

	free(maps);
	return found;
#endif
}

/* State and parent pid from /proc/<pid>/stat. */
static int
proc_stat(pid_t pid, char *state, pid_t *ppid)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;
	int pp;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %c %d", state, &pp) != 2)
		return -1;
	*ppid = (pid_t)pp;
	return 0;
}

int
sshtest_pid_alive(pid_t pid)
{
	char state;
	pid_t ppid;

	if (pid <= 0 || kill(pid, 0) != 0)
		return 0;
	if (proc_stat(pid, &state, &ppid) != 0)
		return 0;
	return state != 'Z' && state != 'X';
}

size_t
sshtest_children(pid_t ppid, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		char state, *end;
		pid_t pid, pp;

		pid = (pid_t)strtol(e->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		if (proc_stat(pid, &state, &pp) == 0 && pp == ppid)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

int
sshtest_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	fflush(stdout);
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

int
sshtest_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	return 0;
}
