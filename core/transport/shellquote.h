/**
 * @file shellquote.h
 * @brief Building the remote command for `pct exec` from an argv: pure, no I/O.
 *
 * ssh carries one string, and sshd hands it to the login shell as
 * `$SHELL -c <string>`, which parses it again.  So every element of the
 * command, including `pct`, `exec`, the CTID and `--`, is wrapped in single
 * quotes, and a `'` inside becomes `'\''`.  Inside single quotes a POSIX
 * shell (dash, bash, busybox sh) takes every byte literally, newlines
 * included; only NUL cannot be carried, and is refused.  The remote shell
 * then runs `pct exec <ctid> -- argv...`, and pct hands the argv on to
 * lxc-attach without any further shell.
 */
#ifndef PXM_TRANSPORT_SHELLQUOTE_H
#define PXM_TRANSPORT_SHELLQUOTE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"
#include "util/buf.h"

/** The remote shell receives the whole command as one argument, and Linux
 *  caps one argument at 128 KiB (MAX_ARG_STRLEN): stay below it. */
#define PXM_SHELL_MAX_COMMAND	(120u * 1024u)
/** Elements in one argv. */
#define PXM_SHELL_MAX_ARGC	4096u
/** Longest remote deadline the timeout wrapper accepts (24 h). */
#define PXM_PCT_MAX_TIMEOUT_MS	(24u * 3600u * 1000u)

/**
 * Append argv to out, each element single-quoted ('a'\''b' style) and
 * separated by one space.  `lens` gives each element's length so that an
 * embedded NUL is seen and refused; NULL means the elements are C strings.
 * Refused (PXM_E_INVAL, reason "argv"): argc 0, an element with a NUL byte
 * or invalid UTF-8, more than PXM_SHELL_MAX_ARGC elements, a result longer
 * than PXM_SHELL_MAX_COMMAND.  On error out is left as it was.
 */
int	pxm_shell_quote_argv(struct pxm_buf *out, struct pxm_error *err,
	    const char *const *argv, const size_t *lens, size_t argc);

/** 1 iff s is a Proxmox guest id as pct accepts it here: ^[1-9][0-9]{2,8}$
 *  (100 to 999999999, ASCII digits, no sign, no space, no leading zero). */
int	pxm_vmid_valid(const char *s);

/** 1 iff s may name the pct program: a bare name or an absolute path of
 *  [A-Za-z0-9_./+-], not starting with '-', at most 255 bytes. */
int	pxm_pct_command_valid(const char *s);

/**
 * The remote command for `pct exec`:
 *
 *   'timeout' '-s' 'KILL' '<secs>s' '<pct>' 'exec' '<ctid>' '--' '<a1>' ...
 *
 * GNU timeout (coreutils, always on a Proxmox node) starts pct in a process
 * group of its own and SIGKILLs that whole group at the deadline, so the
 * command cannot outlive timeout_ms even when the ssh channel is already
 * gone.  The CTID is checked with pxm_vmid_valid() (reason "vmid"), the pct
 * program with pxm_pct_command_valid() (reason "config"), timeout_ms must be
 * 1..PXM_PCT_MAX_TIMEOUT_MS (reason "timeout"); argv as in
 * pxm_shell_quote_argv().  On error out is left as it was.
 */
int	pxm_pct_exec_command(struct pxm_buf *out, struct pxm_error *err,
	    const char *pct, const char *ctid, const char *const *argv,
	    const size_t *lens, size_t argc, uint32_t timeout_ms);

/**
 * Turn a JSON array of strings (a tool's `command` argument) into an argv:
 * *argv_out is a NULL-terminated array of new strings and *lens_out their
 * lengths (both freed with pxm_argv_free()).  Refuses a non-array, an empty
 * array, a non-string element and more than PXM_SHELL_MAX_ARGC elements;
 * embedded NUL bytes are kept so pxm_shell_quote_argv() refuses them.
 */
int	pxm_argv_from_json(char ***argv_out, size_t **lens_out, size_t *argc_out,
	    struct pxm_error *err, const json_t *array);
void	pxm_argv_free(char **argv, size_t *lens, size_t argc);

#endif
