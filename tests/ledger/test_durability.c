/**
 * @file test_durability.c
 * @brief Goals G3/G4: concurrent appenders, SIGKILLed appenders, and I/O
 *        faults injected at every call of the append path.
 *
 * Acknowledgements are logged out of band: a child writes "<head>\n" to its
 * own ack file right after pxm_ledger_append() returned PXM_OK, so the
 * parent knows exactly which entries were promised.
 * PXM_CRASH_RUNS overrides the number of kill runs (default 20).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "ledger/io.h"
#include "tap.h"

#define PROCS	8

static char *dir, *logp;

static void
setup(void)
{
	dir = t_tmpdir();
	logp = t_path(dir, "audit.log");
}

static void
teardown(void)
{
	pxm_ledger_io_set(NULL);
	t_rm_rf(dir);
	free(dir);
	free(logp);
}

static void
child_append(int idx, long n)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	char head[65], ack[4096], target[32];
	long i;
	int fd;

	snprintf(ack, sizeof ack, "%s/ack.%d", dir, idx);
	fd = open(ack, O_WRONLY | O_CREAT | O_APPEND, 0600);
	t_cfg(&cfg, logp);
	if (pxm_ledger_open(&l, &err, &cfg) != PXM_OK) {
		fprintf(stderr, "child %d: %s\n", idx, err.text);
		_exit(3);
	}
	for (i = 0; n == 0 || i < n; i++) {
		snprintf(target, sizeof target, "lxc/%d", 100 + idx);
		if (t_append(l, "ct_exec", target, "ok", json_pack("{s:i, s:i}", "proc", idx,
		    "i", (int)i), head) != PXM_OK)
			_exit(4);
		head[64] = '\n';
		if (write(fd, head, 65) != 65)
			_exit(5);
	}
	pxm_ledger_close(l);
	_exit(0);
}

/* Every acknowledged head must be an entry_hash in the ledger. */
static size_t
check_acks(const char *ledger, size_t *missing)
{
	char *buf = t_read(ledger, NULL), *ack, *a, *p;
	size_t acked = 0, i;

	*missing = 0;
	ack = malloc(4096);
	for (i = 0; i < PROCS; i++) {
		snprintf(ack, 4096, "%s/ack.%zu", dir, i);
		if ((a = t_read(ack, NULL)) == NULL)
			continue;
		for (p = a; strlen(p) >= 65; p += 65) {
			char needle[90];
			snprintf(needle, sizeof needle, "\"entry_hash\":\"%.64s\"", p);
			acked++;
			if (strstr(buf, needle) == NULL)
				(*missing)++;
		}
		free(a);
		unlink(ack);
	}
	free(ack);
	free(buf);
	return acked;
}

static json_t *
reopen_and_verify(void)
{
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	json_t *rep = NULL;

	t_cfg(&cfg, logp);
	ck_assert_msg(pxm_ledger_open(&l, &err, &cfg) == PXM_OK, "recovery: %s", err.text);
	ck_assert_int_eq(pxm_ledger_verify_report(&rep, &err, l, NULL), PXM_OK);
	pxm_ledger_close(l);
	return rep;
}

START_TEST(eight_concurrent_appenders)
{
	pid_t pids[PROCS];
	size_t missing, acked;
	json_t *rep;
	int i, st;

	for (i = 0; i < PROCS; i++)
		if ((pids[i] = fork()) == 0)
			child_append(i, 150);
	for (i = 0; i < PROCS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "appender %d failed", i);
	}
	acked = check_acks(logp, &missing);
	ck_assert_uint_eq(acked, PROCS * 150);
	ck_assert_uint_eq(missing, 0);
	rep = reopen_and_verify();
	ck_assert_msg(json_is_true(json_object_get(rep, "ok")), "%s",
	    json_string_value(json_object_get(rep, "summary")));
	ck_assert_int_eq(json_integer_value(json_object_get(rep, "entries")), PROCS * 150);
	json_decref(rep);
}
END_TEST

START_TEST(sigkill_at_random_times)
{
	const char *env = getenv("PXM_CRASH_RUNS");
	long runs = env ? strtol(env, NULL, 10) : 20, run;
	size_t missing, acked, total_acked = 0, repairs = 0;
	pid_t pids[PROCS];
	struct timespec ts;
	json_t *rep;
	int i, st;

	srand(12345);
	for (run = 0; run < runs; run++) {
		for (i = 0; i < PROCS; i++)
			if ((pids[i] = fork()) == 0)
				child_append(i, 0);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand() % 200) * 1000000L;
		nanosleep(&ts, NULL);
		for (i = 0; i < PROCS; i++)
			kill(pids[i], SIGKILL);
		for (i = 0; i < PROCS; i++)
			waitpid(pids[i], &st, 0);
		rep = reopen_and_verify();
		ck_assert_msg(json_is_true(json_object_get(rep, "ok")), "run %ld: %s", run,
		    json_string_value(json_object_get(rep, "summary")));
		repairs = (size_t)json_integer_value(json_object_get(rep, "repairs"));
		json_decref(rep);
		acked = check_acks(logp, &missing);
		ck_assert_msg(missing == 0, "run %ld: %zu of %zu acknowledged entries lost",
		    run, missing, acked);
		total_acked += acked;
	}
	printf("# %ld kill runs, %zu acknowledged entries, 0 lost, %zu torn tails repaired\n",
	    runs, total_acked, repairs);
	ck_assert_uint_gt(total_acked, 0);
}
END_TEST

/* ------------------------------------------------------------ fault seam */

static int f_call;	/* which seam call fails: 0 write .. 6 flock */
static int f_errno;	/* EIO, ENOSPC, or 0 for a short write */
static long f_nth;	/* fail at this call of that kind */
static int f_persist;
static long f_count;

static int
trip(int which)
{
	if (which != f_call)
		return 0;
	f_count++;
	return f_persist ? f_count >= f_nth : f_count == f_nth;
}

static ssize_t
s_write(int fd, const void *b, size_t n)
{
	if (trip(0)) {
		if (f_errno == 0 && n > 1)
			return pxm_ledger_io_real.write(fd, b, n / 2);
		errno = f_errno ? f_errno : EIO;
		return -1;
	}
	return pxm_ledger_io_real.write(fd, b, n);
}

#define SHIM(name, idx, proto, args)					\
	static int s_##name proto					\
	{								\
		if (trip(idx)) {					\
			errno = f_errno ? f_errno : EIO;		\
			return -1;					\
		}							\
		return pxm_ledger_io_real.name args;			\
	}
SHIM(fdatasync, 1, (int fd), (fd))
SHIM(fsync, 2, (int fd), (fd))
SHIM(ftruncate, 3, (int fd, off_t n), (fd, n))
SHIM(rename, 4, (const char *a, const char *b), (a, b))
SHIM(link, 5, (const char *a, const char *b), (a, b))
SHIM(flock, 6, (int fd, int op), (fd, op))

static const struct pxm_ledger_io shim = {
	s_write, s_fdatasync, s_fsync, s_ftruncate, s_rename, s_link, s_flock,
};

START_TEST(faults_fail_closed)
{
	static const char *const names[] = { "write", "fdatasync", "fsync", "ftruncate",
	    "rename", "link", "flock" };
	static const int errs[] = { EIO, ENOSPC, 0 };
	struct pxm_ledger_config cfg;
	struct pxm_ledger *l;
	struct pxm_error err;
	char head[65];
	size_t missing, runs = 0, refused_runs = 0;
	json_t *rep;
	int call, e, persist, k, failed, fd;

	for (call = 0; call < 7; call++)
	for (e = 0; e < 3; e++) {
		if (errs[e] == 0 && call != 0)
			continue;	/* short writes only exist for write() */
		for (persist = 0; persist < 2; persist++)
		for (f_nth = 1; f_nth <= 24; f_nth++) {
			char *ack = t_path(dir, "ack.0");

			t_rm_rf(dir);
			ck_assert_int_eq(mkdir(dir, 0700), 0);
			f_call = call;
			f_errno = errs[e];
			f_persist = persist;
			f_count = 0;
			pxm_ledger_io_set(&shim);
			t_cfg(&cfg, logp);
			cfg.checkpoints = 1;
			cfg.checkpoint_every = 3;
			fd = open(ack, O_WRONLY | O_CREAT | O_APPEND, 0600);
			failed = 0;
			if (pxm_ledger_open(&l, &err, &cfg) == PXM_OK) {
				for (k = 0; k < 8; k++) {
					int r = t_append(l, "x", "t", "ok", json_pack("{s:i}", "k", k), head);
					if (r == PXM_OK) {
						ck_assert_msg(!failed, "%s fault: an append succeeded "
						    "after a refused one (not fail-closed)", names[call]);
						head[64] = '\n';
						ck_assert_int_eq(write(fd, head, 65), 65);
					} else {
						failed = 1;
						ck_assert(pxm_ledger_poisoned(l, NULL) || r != PXM_E_INTERNAL);
					}
				}
				pxm_ledger_close(l);
			} else {
				refused_runs++;
			}
			close(fd);
			free(ack);
			pxm_ledger_io_set(NULL);
			/* A new process recovers: chain intact, every ack present. */
			rep = reopen_and_verify();
			ck_assert_msg(json_is_true(json_object_get(rep, "ok")),
			    "%s %s fault at call %ld (%s): %s", names[call],
			    errs[e] ? strerror(errs[e]) : "short", f_nth,
			    persist ? "persistent" : "once",
			    json_string_value(json_object_get(rep, "summary")));
			json_decref(rep);
			check_acks(logp, &missing);
			ck_assert_msg(missing == 0, "%s fault at call %ld: acknowledged entry lost",
			    names[call], f_nth);
			runs++;
		}
	}
	printf("# %zu fault runs (%zu refused at open), all fail-closed, 0 acknowledged "
	    "entries lost\n", runs, refused_runs);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("durability");
	TCase *tc = tcase_create("goals");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, eight_concurrent_appenders);
	tcase_add_test(tc, sigkill_at_random_times);
	tcase_add_test(tc, faults_fail_closed);
	suite_add_tcase(s, tc);
	return pxm_tap_run(s);
}
