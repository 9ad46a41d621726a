/**
 * @file ssh.h
 * @brief The ssh transport (libssh2): commands on a Proxmox node, for `pct exec`.
 *
 * One struct pxm_ssh is one target (user, host, port) with its settings
 * and a cached connection.  Everything fails closed:
 *
 *  - The host key is checked right after the key exchange and before any
 *    user authentication, against a known_hosts file (hashed and
 *    "[host]:port" entries work).  Only an exact match proceeds; an unknown
 *    or changed key is refused with its SHA256 fingerprint and the command
 *    that accepts it.  Nothing turns this off.
 *  - Authentication is by key only: a private key file (refused when group
 *    or world-accessible, optional passphrase file) or ssh-agent.
 *  - Connect, handshake, command and idle deadlines; a command is bounded
 *    on the node too (pxm_pct_exec_command() wraps it in `timeout -s KILL`).
 *  - stdout and stderr are captured separately, each capped, and returned
 *    as valid UTF-8 (invalid bytes as \xNN).
 *
 * Settings (environment or env file, see docs/SSH.md): PROXIMO_SSH_TARGET,
 * PROXIMO_SSH_KEY_PATH, PROXIMO_SSH_KEY_PASSPHRASE_PATH, PROXIMO_SSH_USE_AGENT,
 * PROXIMO_SSH_KNOWN_HOSTS, PROXIMO_SSH_CONNECT_TIMEOUT,
 * PROXIMO_SSH_HANDSHAKE_TIMEOUT, PROXIMO_SSH_COMMAND_TIMEOUT,
 * PROXIMO_SSH_IDLE_TIMEOUT, PROXIMO_SSH_MAX_OUTPUT, PROXIMO_PCT_COMMAND.
 *
 * Error reasons (they become ledger outcomes): ssh_hostkey_unknown,
 * ssh_hostkey_changed, ssh_hostkey_revoked, ssh_hostkey_pin, ssh_auth, ssh_connect,
 * ssh_key_file, timeout_connect, timeout_handshake, timeout_command,
 * cancelled, config, argv, vmid.
 *
 * A struct pxm_ssh may be shared between threads: calls on it are
 * serialised by an internal lock.
 */
#ifndef PXM_TRANSPORT_SSH_H
#define PXM_TRANSPORT_SSH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"

#define PXM_SSH_DEFAULT_CONNECT_MS	10000u
#define PXM_SSH_DEFAULT_HANDSHAKE_MS	10000u
#define PXM_SSH_DEFAULT_COMMAND_MS	60000u
#define PXM_SSH_DEFAULT_IDLE_MS		30000u
#define PXM_SSH_DEFAULT_MAX_OUTPUT	(1024u * 1024u)
/** How long after its deadline a command is abandoned locally when the
 *  node's own kill has not been seen (then the connection is dropped). */
#define PXM_SSH_KILL_GRACE_MS		500u

struct pxm_ssh;

/** Explicit settings (tests, tools); pxm_ssh_new_from_env() fills these
 *  from PROXIMO_SSH_*.  Zero or NULL members take the defaults. */
struct pxm_ssh_options {
	const char	*target;	/* [user@]host[:port], IPv6 as [addr] */
	const char	*key_path;	/* private key file, or NULL */
	const char	*passphrase_path; /* file holding the key's passphrase, or NULL */
	int		use_agent;	/* ssh-agent (SSH_AUTH_SOCK) when no key_path */
	const char	*known_hosts;	/* NULL: ~/.ssh/known_hosts */
	uint32_t	connect_timeout_ms;
	uint32_t	handshake_timeout_ms;	/* key exchange, host key, auth */
	uint32_t	command_timeout_ms;	/* default per command */
	uint32_t	idle_timeout_ms;	/* a cached connection idle longer is closed */
	size_t		max_output;	/* bytes kept per stream */
	const char	*pct_command;	/* NULL: "pct" */
	/* Optional pins on top of known_hosts: "SHA256:<base64>" fingerprints,
	 * comma-separated (two during a key rotation).  When set, a host key
	 * must match known_hosts AND one pin, so a poisoned known_hosts file
	 * alone cannot introduce a key. */
	const char	*host_key_pins;
};

int	pxm_ssh_new(struct pxm_ssh **out, struct pxm_error *err,
	    const struct pxm_ssh_options *opt);
/** Read the PROXIMO_SSH_* settings; a missing target, key or agent, a key
 *  file with group/world access or an unusable value is PXM_E_CONFIG. */
int	pxm_ssh_new_from_env(struct pxm_ssh **out, struct pxm_error *err);
/** Close the cached connection and free; NULL is fine. */
void	pxm_ssh_free(struct pxm_ssh *s);
/** Close the cached connection now (the next call reconnects). */
void	pxm_ssh_close(struct pxm_ssh *s);

struct pxm_ssh_result {
	int		exit_status;	/* -1 when unknown or killed by a signal */
	int		timed_out;	/* the deadline passed; the command was killed */
	int		started;	/* the command was sent: it may have run */
	char		*out;		/* UTF-8, invalid bytes as \xNN; never NULL after exec */
	size_t		out_len;
	int		out_truncated;	/* more than max_output bytes came */
	char		*err;
	size_t		err_len;
	int		err_truncated;
	uint64_t	out_total;	/* bytes the command wrote, kept or not */
	uint64_t	err_total;
	uint64_t	duration_ms;	/* whole call, connecting included */
	uint64_t	connect_ms;	/* 0 when a cached connection was reused */
	char		exit_signal[32];	/* "KILL", "SEGV", ... or "" */
};

/**
 * Run `command` (one string, parsed by the remote login shell: build it
 * with pxm_pct_exec_command()) on the target.  timeout_ms 0 means the
 * configured command timeout.  Reuses the cached connection (a dead one is
 * replaced, once, before anything was sent).  cancel_flag, when not NULL,
 * is polled; once it is non-zero the call stops with PXM_E_CANCELLED.
 *
 * Returns PXM_OK when the command ran to its end, whatever its exit status.
 * PXM_E_TIMEOUT (reason timeout_command) when the deadline passed: the
 * result then holds what was captured and timed_out = 1.  Any other error
 * leaves started = 0 unless the command was already sent.  The result is
 * always filled enough to be cleared with pxm_ssh_result_clear().
 *
 * Only a command wrapped by pxm_pct_exec_command() is killed on the node at
 * its deadline; a bare command is only abandoned.
 */
int	pxm_ssh_exec(struct pxm_ssh_result *out, struct pxm_error *err,
	    struct pxm_ssh *s, const char *command, uint32_t timeout_ms,
	    volatile int *cancel_flag);

/** pxm_pct_exec_command() with the configured pct program, then
 *  pxm_ssh_exec() with the same deadline.  lens may be NULL. */
int	pxm_ssh_pct_exec(struct pxm_ssh_result *out, struct pxm_error *err,
	    struct pxm_ssh *s, const char *ctid, const char *const *argv,
	    const size_t *lens, size_t argc, uint32_t timeout_ms,
	    volatile int *cancel_flag);

void	pxm_ssh_result_clear(struct pxm_ssh_result *r);

/** {"target","user","host","port","known_hosts","auth":"key_file"|"agent",
 *  "key_path","passphrase":"file"|"none","pct_command","timeouts_ms":{...},
 *  "max_output","connected","connections","commands", "host_key":{...} once
 *  seen}.  Never the key or the passphrase.  New reference. */
int	pxm_ssh_describe(json_t **out, const struct pxm_ssh *s);

#define PXM_SSH_HOSTKEY_MATCH		0
#define PXM_SSH_HOSTKEY_UNKNOWN		1
#define PXM_SSH_HOSTKEY_CHANGED		2
#define PXM_SSH_HOSTKEY_REVOKED		3
#define PXM_SSH_HOSTKEY_UNPINNED	4	/* in known_hosts, but not pinned */

/** The target's host key as seen now. */
struct pxm_ssh_hostkey {
	char	type[32];		/* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" */
	char	fingerprint[64];	/* "SHA256:<base64, no padding>" as OpenSSH prints */
	int	verdict;		/* PXM_SSH_HOSTKEY_* against known_hosts */
};

/**
 * Connect, exchange keys and check the host key, without authenticating
 * (for `doctor`).  PXM_OK whenever the key was seen, whatever the verdict;
 * an error only when it could not be (connect, handshake, timeouts).
 */
int	pxm_ssh_probe_host_key(struct pxm_ssh_hostkey *out, struct pxm_error *err,
	    struct pxm_ssh *s);

/** Counters, for tests, doctor and benchmarks. */
struct pxm_ssh_stats {
	uint64_t	connects;	/* sessions authenticated */
	uint64_t	commands;	/* exec requests sent */
	uint64_t	reused;		/* commands that ran on a cached connection */
	uint64_t	timeouts;	/* commands that hit their deadline */
};
void	pxm_ssh_get_stats(struct pxm_ssh_stats *out, struct pxm_ssh *s);

#endif
