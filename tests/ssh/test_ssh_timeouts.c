/**
 * @file test_ssh_timeouts.c
 * @brief Deadlines (G13): a command that never ends is killed on the node
 *        (the process and its children are gone afterwards), a peer that
 *        accepts and never speaks and a peer that never accepts time out,
 *        cancellation stops a call, and 1,000 consecutive timeouts of each
 *        kind leave descriptors and memory where they were.
 *
 * No assertion here depends on how fast the machine is: deadlines are
 * checked from below (the call did wait), the overshoot is only reported
 * (# lines on stderr); bench/ssh measures it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <check.h>

#include "sshtest.h"
#include "transport/ssh.h"

#define LOOPS		1000
/* A sleep length no other process on the box uses, to find leftovers. */
#define SLEEP_MARK	"987654.321"

static struct sshtest_fixture fx;

static struct pxm_ssh *
open_with(uint32_t connect_ms, uint32_t handshake_ms, const char *target)
{
	struct pxm_ssh_options o;
	struct pxm_error err;
	struct pxm_ssh *s = NULL;

	sshtest_options(&o, &fx);
	o.connect_timeout_ms = connect_ms;
	o.handshake_timeout_ms = handshake_ms;
	if (target != NULL)
		o.target = target;
	ck_assert_msg(pxm_ssh_new(&s, &err, &o) == PXM_OK, "%s", err.text);
	return s;
}

/* Processes running `sleep SLEEP_MARK`. */
static size_t
marked_sleepers(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[256];
		size_t len;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		if (len > 6 && memmem(buf, len, "sleep\0" SLEEP_MARK, 6 + strlen(SLEEP_MARK)) != NULL &&
		    sshtest_pid_alive((pid_t)atoi(e->d_name)))
			n++;
	}
	closedir(d);
	return n;
}

static size_t
wait_no_sleepers(unsigned ms)
{
	uint64_t end = sshtest_now_ms() + ms;
	size_t n;

	while ((n = marked_sleepers()) > 0 && sshtest_now_ms() < end)
		usleep(20000);
	return n;
}

static pid_t
read_pid(const char *ct, const char *file)
{
	char path[512], *text;
	pid_t pid;

	snprintf(path, sizeof path, "%s/%s/%s", sshtest_get(&fx, "CT_ROOT"), ct, file);
	if ((text = sshtest_read_file(path, NULL)) == NULL)
		return -1;
	pid = (pid_t)atoi(text);
	free(text);
	return pid;
}

static int
wait_gone(pid_t pid, unsigned ms)
{
	uint64_t end = sshtest_now_ms() + ms;

	while (sshtest_pid_alive(pid) && sshtest_now_ms() < end)
		usleep(20000);
	return !sshtest_pid_alive(pid);
}

START_TEST(command_deadline_kills_process_group)
{
	const char *argv[] = { "sh", "-c",
	    "echo $$ > main.pid; sleep " SLEEP_MARK " & echo $! > child.pid; "
	    "echo started; wait" };
	const char *again[] = { "echo", "still usable" };
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_error err;
	struct pxm_ssh *s = open_with(0, 0, NULL);
	pid_t main_pid, child_pid;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 3, 800, NULL),
	    PXM_E_TIMEOUT);
	ck_assert_str_eq(err.reason, "timeout_command");
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_int_eq(res.started, 1);
	ck_assert_int_eq(res.exit_status, -1);
	ck_assert_str_eq(res.exit_signal, "KILL");
	ck_assert_str_eq(res.out, "started\n");	/* what came before is kept */
	ck_assert_uint_ge(res.duration_ms, 800);
	fprintf(stderr, "# command deadline 800 ms: returned after %llu ms\n",
	    (unsigned long long)res.duration_ms);
	pxm_ssh_result_clear(&res);

	/* Both the command and what it started in the background are gone. */
	main_pid = read_pid("101", "main.pid");
	child_pid = read_pid("101", "child.pid");
	ck_assert_int_gt(main_pid, 0);
	ck_assert_int_gt(child_pid, 0);
	ck_assert_msg(wait_gone(main_pid, 5000), "the command (pid %d) survived", (int)main_pid);
	ck_assert_msg(wait_gone(child_pid, 5000), "its child (pid %d) survived", (int)child_pid);

	/* The node's kill ended the channel cleanly: the connection stays. */
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", again, NULL, 2, 0, NULL), PXM_OK);
	ck_assert_str_eq(res.out, "still usable\n");
	pxm_ssh_result_clear(&res);
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.connects, 1);
	ck_assert_uint_eq(st.timeouts, 1);
	pxm_ssh_free(s);
}
END_TEST

/* A bare command (no `timeout` wrapper) is abandoned at deadline + grace
 * and the connection dropped; the next call reconnects. */
START_TEST(bare_command_abandoned_locally)
{
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_error err;
	struct pxm_ssh *s = open_with(0, 0, NULL);
	char cmd[512];
	pid_t pid;

	snprintf(cmd, sizeof cmd, "cd %s/102 2>/dev/null || mkdir -p %s/102 && cd %s/102; "
	    "echo $$ > bare.pid; exec sleep " SLEEP_MARK, sshtest_get(&fx, "CT_ROOT"),
	    sshtest_get(&fx, "CT_ROOT"), sshtest_get(&fx, "CT_ROOT"));
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_exec(&res, &err, s, cmd, 300, NULL), PXM_E_TIMEOUT);
	ck_assert_str_eq(err.reason, "timeout_command");
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_int_eq(res.started, 1);
	ck_assert_uint_ge(res.duration_ms, 300 + PXM_SSH_KILL_GRACE_MS);
	fprintf(stderr, "# bare command deadline 300 ms + %u ms grace: returned after %llu ms\n",
	    PXM_SSH_KILL_GRACE_MS, (unsigned long long)res.duration_ms);
	pxm_ssh_result_clear(&res);
	/* Nobody killed it on the node: this test started it, so it ends it. */
	pid = read_pid("102", "bare.pid");
	ck_assert_int_gt(pid, 0);
	ck_assert(sshtest_pid_alive(pid));
	kill(pid, SIGKILL);
	ck_assert(wait_gone(pid, 5000));

	ck_assert_int_eq(pxm_ssh_exec(&res, &err, s, "echo ok", 5000, NULL), PXM_OK);
	ck_assert_str_eq(res.out, "ok\n");
	pxm_ssh_result_clear(&res);
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.connects, 2);
	pxm_ssh_free(s);
}
END_TEST

/* ------------------------------------------------ a peer that never speaks */

struct blackhole {
	pid_t	pid;
	int	port;
};

/* A child process that accepts every connection, never writes, and closes
 * each one when the client goes away (so the backlog never fills). */
static void
blackhole_start(struct blackhole *b)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd, one = 1;

	ck_assert((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(fd, 512), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	b->port = ntohs(sa.sin_port);
	fflush(stdout);
	fflush(stderr);
	ck_assert((b->pid = fork()) >= 0);
	if (b->pid == 0) {
		struct pollfd p[1024];
		size_t n = 1, i;
		char buf[4096];

		p[0].fd = fd;
		p[0].events = POLLIN;
		for (;;) {
			if (poll(p, n, -1) < 0)
				continue;
			if ((p[0].revents & POLLIN) && n < 1024) {
				int c = accept(fd, NULL, NULL);

				if (c >= 0) {
					p[n].fd = c;
					p[n].events = POLLIN;
					p[n].revents = 0;
					n++;
				}
			}
			for (i = 1; i < n; i++) {
				if (p[i].revents == 0)
					continue;
				if (read(p[i].fd, buf, sizeof buf) <= 0) {
					close(p[i].fd);
					p[i] = p[--n];
					i--;
				}
			}
		}
	}
	close(fd);
}

static void
blackhole_stop(struct blackhole *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, NULL, 0);
	}
}

START_TEST(handshake_deadline_against_silent_peer)
{
	const char *argv[] = { "true" };
	struct blackhole b;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s;
	char target[64];

	blackhole_start(&b);
	snprintf(target, sizeof target, "root@127.0.0.1:%d", b.port);
	s = open_with(0, 400, target);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 1, 0, NULL),
	    PXM_E_TIMEOUT);
	ck_assert_str_eq(err.reason, "timeout_handshake");
	ck_assert_int_eq(res.started, 0);
	ck_assert_uint_ge(res.duration_ms, 400);
	fprintf(stderr, "# handshake deadline 400 ms: returned after %llu ms\n",
	    (unsigned long long)res.duration_ms);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
	blackhole_stop(&b);
}
END_TEST

/* A listener whose accept queue is full drops new SYNs: the TCP connect
 * itself never completes. */
START_TEST(connect_deadline_against_full_backlog)
{
	const char *argv[] = { "true" };
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s;
	char target[64];
	int lfd, fill[8], i, nfill = 0;

	ck_assert((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(lfd, 0), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	/* Fill the queue (never accepted). */
	for (i = 0; i < 8; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		(void)connect(fill[i], (struct sockaddr *)&sa, sizeof sa);
		nfill++;
	}
	usleep(100000);
	snprintf(target, sizeof target, "root@127.0.0.1:%d", ntohs(sa.sin_port));
	s = open_with(300, 300, target);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 1, 0, NULL),
	    PXM_E_TIMEOUT);
	ck_assert_msg(strcmp(err.reason, "timeout_connect") == 0, "%s: %s", err.reason, err.text);
	ck_assert_uint_ge(res.duration_ms, 300);
	fprintf(stderr, "# connect deadline 300 ms: returned after %llu ms\n",
	    (unsigned long long)res.duration_ms);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	close(lfd);
}
END_TEST

static void *
raise_later(void *arg)
{
	volatile int *flag = arg;

	usleep(300000);
	*flag = 1;
	return NULL;
}

START_TEST(cancel_stops_a_running_command)
{
	const char *argv[] = { "sh", "-c", "echo $$ > cancel.pid; exec sleep " SLEEP_MARK };
	volatile int cancel = 0;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s = open_with(0, 0, NULL);
	pthread_t t;
	pid_t pid;

	ck_assert_int_eq(pthread_create(&t, NULL, raise_later, (void *)&cancel), 0);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 3, 1500, &cancel),
	    PXM_E_CANCELLED);
	pthread_join(t, NULL);
	ck_assert_str_eq(err.reason, "cancelled");
	ck_assert_int_eq(res.started, 1);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_uint_lt(res.duration_ms, 1500);	/* it did not wait for the deadline */
	pxm_ssh_result_clear(&res);
	/* The node still kills it at its deadline. */
	pid = read_pid("101", "cancel.pid");
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(wait_gone(pid, 10000), "pid %d outlived its deadline", (int)pid);
	pxm_ssh_free(s);
}
END_TEST

START_TEST(cancel_before_connect)
{
	const char *argv[] = { "true" };
	volatile int cancel = 1;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s = open_with(0, 0, NULL);

	ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 1, 0, &cancel),
	    PXM_E_CANCELLED);
	ck_assert_int_eq(res.started, 0);
	pxm_ssh_result_clear(&res);
	pxm_ssh_free(s);
}
END_TEST

/* ----------------------------------------------------- 1,000 timeouts */

static void
check_resources(const char *what, int fd0, uint64_t rss0)
{
	int fd1 = sshtest_fd_count();
	uint64_t rss1 = sshtest_rss();

	fprintf(stderr, "# %s: fds %d -> %d, rss %llu -> %llu KiB\n", what, fd0, fd1,
	    (unsigned long long)(rss0 / 1024), (unsigned long long)(rss1 / 1024));
	ck_assert_int_eq(fd1, fd0);
	if (sshtest_memory_checker()) {
		fprintf(stderr, "# %s: RSS not compared under valgrind/ASan "
		    "(their quarantine holds freed memory; they report leaks)\n", what);
		return;
	}
	/* Within 5% of the baseline (G13). */
	ck_assert_msg(rss1 * 100 <= rss0 * 105, "%s: rss grew from %llu to %llu bytes",
	    what, (unsigned long long)rss0, (unsigned long long)rss1);
}

START_TEST(thousand_command_timeouts)
{
	const char *argv[] = { "sleep", SLEEP_MARK };
	struct pxm_ssh_result res;
	struct pxm_ssh_stats st;
	struct pxm_error err;
	struct pxm_ssh *s = open_with(0, 0, NULL);
	uint64_t rss0 = 0, worst = 0;
	int fd0 = -1, i;

	for (i = 0; i < LOOPS + 20; i++) {
		/* Baseline after a warm-up: libssh2 and OpenSSL allocate once. */
		if (i == 20) {
			fd0 = sshtest_fd_count();
			rss0 = sshtest_rss();
		}
		memset(&err, 0, sizeof err);
		ck_assert_msg(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 2, 25, NULL) ==
		    PXM_E_TIMEOUT, "iteration %d: %s", i, err.text);
		ck_assert_int_eq(res.timed_out, 1);
		if (res.duration_ms > worst)
			worst = res.duration_ms;
		pxm_ssh_result_clear(&res);
	}
	check_resources("1000 command timeouts", fd0, rss0);
	fprintf(stderr, "# slowest of them returned after %llu ms (deadline 25 ms)\n",
	    (unsigned long long)worst);
	pxm_ssh_get_stats(&st, s);
	ck_assert_uint_eq(st.timeouts, LOOPS + 20);
	pxm_ssh_free(s);
	/* Every one of them was killed on the node. */
	ck_assert_uint_eq(wait_no_sleepers(10000), 0);
}
END_TEST

START_TEST(thousand_handshake_timeouts)
{
	const char *argv[] = { "true" };
	struct blackhole b;
	struct pxm_ssh_result res;
	struct pxm_error err;
	struct pxm_ssh *s;
	uint64_t rss0 = 0, worst = 0;
	char target[64];
	int fd0 = -1, i;

	blackhole_start(&b);
	snprintf(target, sizeof target, "root@127.0.0.1:%d", b.port);
	s = open_with(0, 15, target);
	for (i = 0; i < LOOPS + 20; i++) {
		if (i == 20) {
			fd0 = sshtest_fd_count();
			rss0 = sshtest_rss();
		}
		memset(&err, 0, sizeof err);
		ck_assert_int_eq(pxm_ssh_pct_exec(&res, &err, s, "101", argv, NULL, 1, 0, NULL),
		    PXM_E_TIMEOUT);
		ck_assert_str_eq(err.reason, "timeout_handshake");
		if (res.duration_ms > worst)
			worst = res.duration_ms;
		pxm_ssh_result_clear(&res);
	}
	check_resources("1000 handshake timeouts", fd0, rss0);
	fprintf(stderr, "# slowest of them returned after %llu ms (deadline 15 ms)\n",
	    (unsigned long long)worst);
	pxm_ssh_free(s);
	blackhole_stop(&b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ssh_timeouts");
	TCase *tc = tcase_create("deadlines");
	TCase *loops = tcase_create("thousand");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, command_deadline_kills_process_group);
	tcase_add_test(tc, bare_command_abandoned_locally);
	tcase_add_test(tc, handshake_deadline_against_silent_peer);
	tcase_add_test(tc, connect_deadline_against_full_backlog);
	tcase_add_test(tc, cancel_stops_a_running_command);
	tcase_add_test(tc, cancel_before_connect);
	suite_add_tcase(s, tc);
	tcase_set_timeout(loops, 300);
	tcase_add_test(loops, thousand_command_timeouts);
	tcase_add_test(loops, thousand_handshake_timeouts);
	suite_add_tcase(s, loops);
	return s;
}

int
main(void)
{
	int st, rc;

	st = sshtest_fixture_start(&fx);
	if (st == 77)
		return sshtest_skip_all("sshd (openssh-server) is not installed");
	if (st != 0) {
		printf("Bail out! the sshd fixture did not start\n");
		return 1;
	}
	rc = sshtest_run(suite());
	sshtest_fixture_stop(&fx);
	return rc;
}
