/**
 * @file exec.h
 * @brief The exec plugin's shared state and helpers: commands inside LXC
 *        containers (`pct exec` over the core's ssh transport).
 */
#ifndef EXEC_EXEC_H
#define EXEC_EXEC_H

#include <stdarg.h>
#include <stddef.h>

#include <proximo/sdk.h>

/* What init() was given and read; read-only afterwards. */
extern const struct pxm_host *exec_host;
extern struct pxm_plugin *exec_self;

/** The settings, parsed once at init (a change needs a restart, like the
 *  reference's). */
struct exec_settings {
	int	enabled;	/* PROXIMO_ENABLE_EXEC is a true boolean */
	int	enable_invalid;	/* ... is set to something that is not a boolean */
	char	enable_raw[32];	/* what it was set to, for the refusal (not a secret) */
	int	allow_all;	/* PROXIMO_CT_ALLOWLIST contains "*" */
	char	**allow;	/* the CTIDs it lists */
	size_t	nallow;
	char	allow_text[512];/* the list as given, trimmed, for messages */
	int	redact;		/* PROXIMO_LEDGER_REDACT (default on) */
	char	**log_dirs;	/* PROXIMO_CT_LOG_DIRS: where ct_logs may tail files */
	size_t	nlog_dirs;
};
extern struct exec_settings exec_cfg;

/** Fill err (code, reason, printf text) and return code. */
int	exec_fail(struct pxm_error *err, int code, const char *reason, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/** The CTID argument as a string in buf ("101"), accepting a JSON string or
 *  integer; PXM_E_INVAL unless it is a Proxmox VMID (^[1-9][0-9]{2,8}$). */
int	exec_ctid(char *buf, size_t size, struct pxm_error *err, const json_t *args);
/** 1 when s is a Proxmox VMID. */
int	exec_vmid_valid(const char *s);
/** The gate every entry point applies: exec enabled, CTID allowlisted.
 *  PXM_OK, or PXM_E_DENIED with reason "exec_disabled" / "allowlist" and a
 *  text naming the setting. */
int	exec_permitted(struct pxm_error *err, const char *ctid);

/* ------------------------------------------------------------ classify.c */

/** Risk of a command (the reference's classifier, §2.4): level and reasons
 *  (*reasons: new array of strings). */
int	exec_classify_command(uint32_t *risk, json_t **reasons, const char *const *argv,
	    size_t argc);
/** Risk of SQL text. */
int	exec_classify_sql(uint32_t *risk, json_t **reasons, const char *sql);
/** The reference's sql_kind: leading keyword upper-cased, "EMPTY" or "OTHER"
 *  (comments stripped first).  Writes into buf. */
void	exec_sql_kind(char *buf, size_t size, const char *sql);
/** Compile the patterns (init) and free them (fini). */
int	exec_classify_init(void);
void	exec_classify_fini(void);

/* ------------------------------------------------------------ redact.c */

/** shlex.join(argv): the operator's cleartext (new string). */
char	*exec_shlex_join(const char *const *argv, size_t argc);
/** {"cmd_sha256", "cmd_kind", "cmd_len"} (new), as LEDGER.md section 7. */
json_t	*exec_fingerprint_command(const char *const *argv, size_t argc);
/** {"db", "sql_sha256", "sql_kind", "sql_len"} (new). */
json_t	*exec_fingerprint_sql(const char *db, const char *sql);
/** "[redacted {kind}, {len} chars, sha256:{first12}]" from a fingerprint
 *  (either form) into buf. */
void	exec_redacted_text(char *buf, size_t size, const json_t *fp);
/** Python len() of UTF-8 text: code points. */
size_t	exec_cp_len(const char *s, size_t n);

/* ------------------------------------------------------------ guest.c */

/**
 * Where the container lives and what state it is in, from the PVE API
 * (/cluster/resources), for plans and diagnoses.  *out is a new object
 * {"node", "type", "status", "name", ...} or NULL when it is not in the
 * cluster index; a failed read returns its error (callers decide whether
 * that makes their result incomplete).
 */
int	exec_guest_lookup(json_t **out, struct pxm_error *err, struct pxm_call *call,
	    const char *ctid);
/** The PVE endpoint's default node (PROXIMO_NODE), or NULL. */
const char *exec_default_node(void);

/* ------------------------------------------------------------ run.c */

/**
 * Run argv inside the container through the host's ct_exec and shape the
 * result: {"ctid", "returncode", "exit_signal", "timed_out", "duration_ms",
 * "stdout", "stderr", "stdout_truncated", "stderr_truncated", ...} with the
 * guest's output labelled untrusted.  *out new on PXM_OK; on a deadline the
 * call fails with PXM_E_TIMEOUT (reason "timeout_command").
 */
int	exec_run(json_t **out, struct pxm_error *err, struct pxm_call *call, const char *ctid,
	    const char *const *argv, size_t argc, uint32_t timeout_ms);
/** The label every result carrying guest output has. */
extern const char exec_untrusted_note[];

/* ------------------------------------------------------------ tools */

int	exec_register_mutations(void);	/* ct_exec, ct_psql (mutate.c) */
int	exec_register_reads(void);	/* ct_logs, ct_diagnose (reads.c) */

#endif
