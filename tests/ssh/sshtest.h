/**
 * @file sshtest.h
 * @brief Helpers shared by the ssh test suites and the ssh benchmark: the
 *        sshd fixture, the pct stand-in's log, process resources, TAP.
 */
#ifndef PXM_TESTS_SSHTEST_H
#define PXM_TESTS_SSHTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <check.h>

#include "transport/ssh.h"

/** The running sshd fixture (tests/ssh/sshd_fixture.sh), read from its
 *  fixture.env. */
struct sshtest_fixture {
	char	dir[256];
	char	script[1024];
	char	*env;		/* the file's text, NUL-separated pairs */
	size_t	envlen;
};

/** Start it.  Returns 0, 77 when sshd is not installed (caller SKIPs), or
 *  -1 with a message on stderr. */
int		sshtest_fixture_start(struct sshtest_fixture *f);
/** Start an ssh-agent holding `key` (a file name in the fixture dir). */
int		sshtest_fixture_agent(struct sshtest_fixture *f, const char *key);
void		sshtest_fixture_stop(struct sshtest_fixture *f);
/** A value from fixture.env ("PORT", "KNOWN_HOSTS", ...); aborts when missing. */
const char	*sshtest_get(const struct sshtest_fixture *f, const char *key);

/** Options for the fixture's target with its user key and known_hosts. */
void		sshtest_options(struct pxm_ssh_options *o, const struct sshtest_fixture *f);

/** Whole file as a new buffer (NUL-terminated; *len without it); NULL if
 *  it cannot be read. */
char		*sshtest_read_file(const char *path, size_t *len);
/** Occurrences of needle in the file (0 when unreadable). */
size_t		sshtest_count_in_file(const char *path, const char *needle);
/** Wait (at most timeout_ms) until needle occurs at least n times. */
size_t		sshtest_wait_count(const char *path, const char *needle, size_t n,
		    unsigned timeout_ms);
/** 1 when mem contains needle (binary safe). */
int		sshtest_memmem(const void *mem, size_t len, const char *needle);

/** The pct stand-in's invocations.log, split into records: record i is
 *  its arguments, each followed by NUL (rec[i], reclen[i] bytes). */
struct sshtest_records {
	char		*data;
	size_t		n;
	const char	**rec;
	size_t		*reclen;
	size_t		*argc;
};
int		sshtest_pct_load(struct sshtest_records *r, const struct sshtest_fixture *f);
void		sshtest_pct_free(struct sshtest_records *r);

/** Open file descriptors of this process; resident set size in bytes. */
int		sshtest_fd_count(void);
uint64_t	sshtest_rss(void);
/** 1 under valgrind or AddressSanitizer: both keep freed memory in a
 *  quarantine, so RSS says nothing about leaks there (they find leaks
 *  themselves). */
int		sshtest_memory_checker(void);
/** 1 while pid exists and is not a zombie. */
int		sshtest_pid_alive(pid_t pid);
/** pids whose parent is ppid. */
size_t		sshtest_children(pid_t ppid, pid_t *out, size_t max);

/** Milliseconds, monotonic. */
uint64_t	sshtest_now_ms(void);

/** Run a suite, TAP on stdout; returns the exit status for main(). */
int		sshtest_run(Suite *s);
/** Print a TAP plan that skips the whole program; returns 0 for main(). */
int		sshtest_skip_all(const char *why);

#endif
