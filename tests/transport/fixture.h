/**
 * @file fixture.h
 * @brief Test support for the transport suites: start tls_fixture, read
 * what it captured, set up the environment, run a Check suite as TAP.
 */
#ifndef PXM_TESTS_TRANSPORT_FIXTURE_H
#define PXM_TESTS_TRANSPORT_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

#include <check.h>

struct fixture {
	pid_t	pid;
	int	port;
	char	fp[65];		/* SHA-256 of its certificate, lowercase hex */
	char	dir[256];	/* its capture directory (removed by fx_stop) */
	char	base_url[128];	/* https://127.0.0.1:PORT/api2/json */
};

/** Start tls_fixture with extra arguments (NULL-terminated list); the
 *  test fails if it does not come up.  --dir is added; an argument
 *  "@/name" stands for the file "name" in the fixture's directory. */
void	fx_start(struct fixture *f, ...);
/** Stop it and remove its directory. */
void	fx_stop(struct fixture *f);
/** Lines of events.log starting with `prefix` ("accept ", "req "). */
int	fx_count(const struct fixture *f, const char *prefix);
/** Wait until at least n such lines were logged (or 5 s), let the fixture
 *  settle 100 ms, and return the count: for assertions after a failure,
 *  when the client may return before the fixture has logged. */
int	fx_wait_count(const struct fixture *f, const char *prefix, int n);
/** Wait until every accepted connection was closed (or timeout_ms). */
int	fx_wait_closed(const struct fixture *f, int timeout_ms);
/** A file of the capture directory, read whole (NUL-terminated; free). */
char	*fx_slurp(const struct fixture *f, const char *name, size_t *len);
/** Path of a file in the capture directory (static buffer). */
const char *fx_path(const struct fixture *f, const char *name);
/** Write a file in the capture directory with the given mode. */
void	fx_write(const struct fixture *f, const char *name, const char *content,
	    mode_t mode);
/** Does hay[0..n) contain needle? */
int	fx_contains(const char *hay, size_t n, const char *needle);

/** Unset every PROXIMO_* variable. */
void	fx_clear_env(void);
/** PVE settings pointing at f, pinned to its certificate, with the token
 *  file `token_name` in its directory. */
void	fx_env_pve(const struct fixture *f, const char *token_name);

/** Open file descriptors of this process; resident set size in KiB. */
long	fx_fd_count(void);
long	fx_rss_kb(void);
/** Milliseconds on the monotonic clock. */
long long fx_now_ms(void);

/** Redirect stderr into a file until fx_stderr_end(), which returns what
 *  was written (free it). */
void	fx_stderr_begin(void);
char	*fx_stderr_end(void);

/** Run the suite, TAP on stdout; the process's exit status. */
int	fx_run(Suite *s);

#endif
