/**
 * @file pxmtest.h
 * @brief Test helpers: temporary directories, fixture plugins, and an MCP
 *        client that drives the real proximo binary over pipes.
 */
#ifndef PXMTEST_H
#define PXMTEST_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

/** A fresh private directory under $TMPDIR (or /tmp); the path is
 *  written into out.  Aborts the test on failure. */
void	pxmtest_tmpdir(char *out, size_t size);
/** rm -rf. */
void	pxmtest_rmrf(const char *path);
/** Copy fixture plugin `name`.so from the build tree into dir (mode 0644). */
void	pxmtest_install_fixture(const char *dir, const char *name);
/** Path of a file in the build/source tree: "$PXM_TOP_BUILDDIR/<rel>". */
void	pxmtest_build_path(char *out, size_t size, const char *rel);
void	pxmtest_src_path(char *out, size_t size, const char *rel);
/** Write a file with a mode. */
void	pxmtest_write_file(const char *path, const char *content, int mode);
/** Read a whole file (new string, NULL when missing). */
char	*pxmtest_read_file(const char *path);
/** Whether process pid has a file whose path holds `name` mapped (its
 *  /proc/PID/maps); fails the test if the maps cannot be read. */
int	pxmtest_maps_hold(pid_t pid, const char *name);

struct pxmtest_proc {
	pid_t	pid;
	int	to_child;	/* child's stdin */
	int	from_child;	/* child's stdout */
	char	errfile[512];	/* child's stderr */
	char	*rbuf;
	size_t	rlen, rcap;
	long long next_id;
	int	reaped, status;	/* the child already waited for */
};

/**
 * Spawn argv[0] with argv; env is a NULL-terminated list of "K=V" to set
 * (or "K=" to unset) on top of the current environment.
 */
void	pxmtest_spawn(struct pxmtest_proc *p, char *const argv[], const char *const env[]);
/** Write raw bytes to the child's stdin. */
void	pxmtest_send_raw(struct pxmtest_proc *p, const char *data, size_t len);
void	pxmtest_send(struct pxmtest_proc *p, const char *line);
/** Next stdout line as JSON (new), or NULL after timeout_ms / EOF. Lines
 *  that are not JSON fail the test (stdout is for protocol only). */
json_t	*pxmtest_recv(struct pxmtest_proc *p, int timeout_ms);
/** initialize + notifications/initialized; returns the result (new). */
json_t	*pxmtest_initialize(struct pxmtest_proc *p, const char *capabilities_json);
/** Send a request and return its response (new), skipping notifications
 *  (which are appended to *notes when notes != NULL). */
json_t	*pxmtest_request(struct pxmtest_proc *p, const char *method, json_t *params_new,
	    json_t *notes);
/** tools/call name with arguments; returns the CallToolResult (new) or the
 *  error object of a JSON-RPC error. */
json_t	*pxmtest_call(struct pxmtest_proc *p, const char *name, json_t *args_new);
/** Close stdin, wait; returns the exit status (or 128+signal). */
int	pxmtest_finish(struct pxmtest_proc *p);
/** Contents of the child's stderr so far (new string). */
char	*pxmtest_stderr(struct pxmtest_proc *p);

/** Run a command to completion; stdout into *out (new) if out != NULL. */
int	pxmtest_run(char *const argv[], const char *const env[], char **out, char **err);

#endif
