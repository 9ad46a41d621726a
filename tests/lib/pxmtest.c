/**
 * @file pxmtest.c
 * @brief Test helpers.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <ftw.h>

#include "pxmtest.h"

void
pxmtest_tmpdir(char *out, size_t size)
{
	const char *base = getenv("TMPDIR");

	snprintf(out, size, "%s/pxmtest.XXXXXX", base && *base ? base : "/tmp");
	ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp: %s", strerror(errno));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
pxmtest_rmrf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
pxmtest_build_path(char *out, size_t size, const char *rel)
{
	const char *top = getenv("PXM_TOP_BUILDDIR");

	snprintf(out, size, "%s/%s", top ? top : "..", rel);
}

void
pxmtest_src_path(char *out, size_t size, const char *rel)
{
	const char *top = getenv("PXM_TOP_SRCDIR");

	snprintf(out, size, "%s/%s", top ? top : "..", rel);
}

char *
pxmtest_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

int
pxmtest_maps_hold(pid_t pid, const char *name)
{
	char path[64], *maps;
	int found;

	snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
	maps = pxmtest_read_file(path);
	ck_assert_msg(maps != NULL, "cannot read %s", path);
	found = strstr(maps, name) != NULL;
	free(maps);
	return found;
}

void
pxmtest_write_file(const char *path, const char *content, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t n = strlen(content);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, content, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, (mode_t)mode), 0);
	close(fd);
}

void
pxmtest_install_fixture(const char *dir, const char *name)
{
	char src[1024], dst[1024], rel[256];
	char *data;
	FILE *in, *out;
	size_t n;
	char buf[65536];

	snprintf(rel, sizeof rel, "tests/fixtures/.libs/%s.so", name);
	pxmtest_build_path(src, sizeof src, rel);
	snprintf(dst, sizeof dst, "%s/%s.so", dir, name);
	in = fopen(src, "rb");
	ck_assert_msg(in != NULL, "fixture %s: %s", src, strerror(errno));
	out = fopen(dst, "wb");
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	ck_assert_int_eq(chmod(dst, 0644), 0);
	(void)data;
}

static void
apply_env(const char *const env[])
{
	const char *eq;
	char key[256];
	size_t i;

	for (i = 0; env && env[i]; i++) {
		eq = strchr(env[i], '=');
		if (eq == NULL || (size_t)(eq - env[i]) >= sizeof key)
			continue;
		memcpy(key, env[i], (size_t)(eq - env[i]));
		key[eq - env[i]] = '\0';
		if (eq[1] == '\0')
			unsetenv(key);
		else
			setenv(key, eq + 1, 1);
	}
}

/* The children's stderr directories, removed when the test process exits
 * (a test may read a child's stderr after pxmtest_finish()). */
static char spawned_dirs[256][400];
static size_t nspawned;

static void
remove_spawned_dirs(void)
{
	while (nspawned > 0)
		pxmtest_rmrf(spawned_dirs[--nspawned]);
}

void
pxmtest_spawn(struct pxmtest_proc *p, char *const argv[], const char *const env[])
{
	int in[2], out[2], errfd;
	char dir[400];

	memset(p, 0, sizeof *p);
	signal(SIGPIPE, SIG_IGN);
	pxmtest_tmpdir(dir, sizeof dir);
	if (nspawned == 0)
		atexit(remove_spawned_dirs);
	if (nspawned < sizeof spawned_dirs / sizeof spawned_dirs[0])
		snprintf(spawned_dirs[nspawned++], sizeof spawned_dirs[0], "%s", dir);
	snprintf(p->errfile, sizeof p->errfile, "%s/stderr", dir);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	errfd = open(p->errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(errfd, 0);
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (p->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(errfd, 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(errfd);
		apply_env(env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(errfd);
	p->to_child = in[1];
	p->from_child = out[0];
	p->next_id = 1;
}

void
pxmtest_send_raw(struct pxmtest_proc *p, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(p->to_child, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		ck_assert_msg(w > 0, "write to child: %s", strerror(errno));
		data += w;
		len -= (size_t)w;
	}
}

void
pxmtest_send(struct pxmtest_proc *p, const char *line)
{
	pxmtest_send_raw(p, line, strlen(line));
	pxmtest_send_raw(p, "\n", 1);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

json_t *
pxmtest_recv(struct pxmtest_proc *p, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	struct pollfd pfd;
	json_error_t jerr;
	char *nl;
	json_t *msg;
	ssize_t n;
	size_t linelen;

	for (;;) {
		if (p->rlen && (nl = memchr(p->rbuf, '\n', p->rlen)) != NULL) {
			linelen = (size_t)(nl - p->rbuf);
			msg = json_loadb(p->rbuf, linelen, 0, &jerr);
			ck_assert_msg(msg != NULL, "stdout line is not JSON: %.*s",
			    (int)(linelen > 200 ? 200 : linelen), p->rbuf);
			memmove(p->rbuf, nl + 1, p->rlen - linelen - 1);
			p->rlen -= linelen + 1;
			return msg;
		}
		if (now_ms() >= deadline)
			return NULL;
		pfd.fd = p->from_child;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			continue;
		if (p->rcap - p->rlen < 65536) {
			p->rcap = p->rcap ? p->rcap * 2 : 131072;
			p->rbuf = realloc(p->rbuf, p->rcap);
			ck_assert_ptr_nonnull(p->rbuf);
		}
		n = read(p->from_child, p->rbuf + p->rlen, p->rcap - p->rlen);
		if (n <= 0)
			return NULL;
		p->rlen += (size_t)n;
	}
}

json_t *
pxmtest_request(struct pxmtest_proc *p, const char *method, json_t *params, json_t *notes)
{
	long long id = p->next_id++;
	json_t *req, *msg;
	char *s;

	req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id, "method", method);
	if (params)
		json_object_set_new(req, "params", params);
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	pxmtest_send(p, s);
	free(s);
	for (;;) {
		msg = pxmtest_recv(p, 110000);	/* a loaded CI box is slow, not hung */
		if (msg == NULL) {
			/* Say what the server was doing: its stderr's tail. */
			char *e = pxmtest_stderr(p);
			size_t n = strlen(e);

			fprintf(stderr, "# no answer to %s; the server's stderr ends with:\n%s\n",
			    method, n > 4000 ? e + n - 4000 : e);
			if (!p->reaped && waitpid(p->pid, &p->status, WNOHANG) == p->pid)
				p->reaped = 1;
			if (p->reaped && WIFSIGNALED(p->status))
				fprintf(stderr, "# the server was killed by signal %d\n",
				    WTERMSIG(p->status));
			else if (p->reaped)
				fprintf(stderr, "# the server exited with status %d\n",
				    WEXITSTATUS(p->status));
			else
				fprintf(stderr, "# the server is still running\n");
			free(e);
		}
		ck_assert_msg(msg != NULL, "no answer to %s", method);
		if (json_integer_value(json_object_get(msg, "id")) == id &&
		    json_object_get(msg, "method") == NULL)
			return msg;
		if (notes)
			json_array_append(notes, msg);
		json_decref(msg);
	}
}

json_t *
pxmtest_initialize(struct pxmtest_proc *p, const char *caps)
{
	json_t *res, *c = caps ? json_loads(caps, 0, NULL) : json_object();

	res = pxmtest_request(p, "initialize", json_pack("{s:s, s:o, s:{s:s, s:s}}",
	    "protocolVersion", "2025-11-25", "capabilities", c, "clientInfo", "name",
	    "pxmtest", "version", "1"), NULL);
	ck_assert_ptr_nonnull(json_object_get(res, "result"));
	pxmtest_send(p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	return res;
}

json_t *
pxmtest_call(struct pxmtest_proc *p, const char *name, json_t *args)
{
	json_t *res, *out;

	res = pxmtest_request(p, "tools/call", json_pack("{s:s, s:o}", "name", name,
	    "arguments", args ? args : json_object()), NULL);
	out = json_object_get(res, "result");
	if (out == NULL)
		out = json_object_get(res, "error");
	ck_assert_ptr_nonnull(out);
	json_incref(out);
	json_decref(res);
	return out;
}

int
pxmtest_finish(struct pxmtest_proc *p)
{
	int status = 0;
	long deadline;

	if (p->to_child >= 0)
		close(p->to_child);
	p->to_child = -1;
	deadline = now_ms() + 10000;
	if (p->reaped)
		status = p->status;
	else while (waitpid(p->pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			break;
		}
		usleep(2000);
	}
	close(p->from_child);
	free(p->rbuf);
	p->rbuf = NULL;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

char *
pxmtest_stderr(struct pxmtest_proc *p)
{
	char *s = pxmtest_read_file(p->errfile);

	return s ? s : strdup("");
}

static char *
slurp_fd(int fd)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

int
pxmtest_run(char *const argv[], const char *const env[], char **out, char **err)
{
	char dir[512], errpath[600];
	int po[2], status = 0, efd;
	pid_t pid;
	char *o;

	/* stderr goes to a file so a chatty child can never block on a pipe
	 * we are not reading. */
	pxmtest_tmpdir(dir, sizeof dir);
	snprintf(errpath, sizeof errpath, "%s/stderr", dir);
	efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(pipe(po), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(efd, 2);
		close(po[0]);
		apply_env(env);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(efd);
	o = slurp_fd(po[0]);
	close(po[0]);
	waitpid(pid, &status, 0);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = pxmtest_read_file(errpath);
	pxmtest_rmrf(dir);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
