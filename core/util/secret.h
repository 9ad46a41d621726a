/**
 * @file secret.h
 * @brief Secret files (tokens, keys, passwords) and the output scrubber.
 *
 * A secret file is refused when it is group/world-accessible, not a regular
 * file, a symlink, or owned by another user.  Every secret read is
 * registered with the scrubber, and every text that leaves the process
 * (logs, errors, tool results) passes through pxm_secret_scrub().
 */
#ifndef PXM_UTIL_SECRET_H
#define PXM_UTIL_SECRET_H

#include <stddef.h>

#include "proximo/sdk.h"

/**
 * Read a secret file.  `what` names it in errors ("PROXIMO_TOKEN_PATH").
 * Trailing whitespace is stripped.  On success *out is a new string the
 * caller frees with pxm_secret_free().  The value is registered with the
 * scrubber (and so is the part after its first '=' or ':').
 */
int	pxm_secret_file_read(char **out, struct pxm_error *err, const char *path,
	    const char *what);
/** Mode/ownership check alone (for files opened elsewhere, e.g. keys). */
int	pxm_secret_file_check(struct pxm_error *err, const char *path, const char *what);
/** Wipe and free. */
void	pxm_secret_free(char *s);
/** Register a literal to scrub from output; values under 8 bytes are not. */
void	pxm_secret_register(const char *s);
/** A new string with registered secrets and credential shapes replaced by
 *  "<redacted>"; NULL on allocation failure. */
char	*pxm_secret_scrub(const char *in);
/** Scrub in place into a fixed buffer (error texts). */
void	pxm_secret_scrub_buf(char *buf, size_t size);
/** Forget and wipe every registered secret (exit, tests). */
void	pxm_secret_forget_all(void);
/**
 * Keep the process's secrets (the ledger key, tokens, the scrubber's list)
 * out of core dumps and away from ptrace by other processes of this user:
 * RLIMIT_CORE 0 and PR_SET_DUMPABLE 0.  PROXIMO_ALLOW_CORE_DUMPS=yes leaves
 * both as they are (debugging a crash).  Call it before any secret is read.
 */
int	pxm_secret_protect_process(struct pxm_error *err);

#endif
