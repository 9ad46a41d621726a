/**
 * @file ledger.h
 * @brief PROVE: the HMAC-chained, append-only audit ledger (public API).
 *
 * One JSON line per entry, format-compatible with the reference Proximo
 * (docs/LEDGER.md is the normative description).  Appends are durable
 * (flock, one O_APPEND write, fdatasync) before they are acknowledged, and
 * any write or sync failure poisons the ledger for the life of the process:
 * every later append is refused, so nothing can run without its record.
 *
 * Threads: every function taking a struct pxm_ledger may be called from
 * several threads; appends are serialised inside.  Processes: many may
 * append to one file at once (flock).
 */
#ifndef PXM_LEDGER_LEDGER_H
#define PXM_LEDGER_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proximo/sdk.h"

#define PXM_LEDGER_GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define PXM_LEDGER_HEAD_LEN	64	/* hex chars; buffers are 65 bytes */
#define PXM_LEDGER_TARGET_MAX	512	/* code points kept of a target label */

struct pxm_ledger;	/* opaque */

/** Explicit configuration (tests, tools); pxm_ledger_open_from_env() fills
 *  one from PROXIMO_* settings.  Strings are copied by pxm_ledger_open(). */
struct pxm_ledger_config {
	const char	*path;		/* the ledger file (required) */
	const char	*key_path;	/* NULL: <dir of path>/audit.key */
	int		keyed;		/* 1: HMAC-SHA256 chain, 0: bare SHA-256 */
	int		redact;		/* fingerprint exec argv / SQL */
	const char	*principal;	/* PROXIMO_PRINCIPAL id, or NULL */
	const char	*face;		/* principal face; NULL: "stdio" */
	const char	*expected_head;	/* manual pin (64 hex), or NULL */
	const char	*anchor_sink;	/* NULL/"none", "file", "syslog" */
	const char	*anchor_file;	/* file sink path */
	const char	*anchor_syslog;	/* unix socket path or host:port */
	const char	*node;		/* node name in anchor pins; NULL: hostname */
	int		checkpoints;	/* sign checkpoints with Ed25519 */
	const char	*checkpoint_key_path;	/* NULL: <dir>/audit-checkpoint.key */
	uint64_t	checkpoint_every;	/* entries between checkpoints; 0: never */
	int		readonly;	/* verify/inspect only: create, repair, rotate nothing */
};

/** Defaults: keyed, redacting, checkpoints on every 1000 entries. */
void	pxm_ledger_config_init(struct pxm_ledger_config *cfg);

/**
 * Open (or create) the ledger configured by PROXIMO_AUDIT_* (path, key,
 * keyed mode, redaction, anchor sink, expected head, principal).  Repairs a
 * torn tail (recording it), performs keyed/unkeyed seal-and-rotate, loads
 * the anchor pin.  Refuses (error text says why) on a bad key file, an
 * unreachable/corrupt readable anchor, corruption before the tail.
 */
int	pxm_ledger_open_from_env(struct pxm_ledger **out, struct pxm_error *err);
/** As above, for read-only use (verify, log): nothing is created or
 *  repaired, and a corrupt ledger still opens so that it can be reported. */
int	pxm_ledger_open_from_env_readonly(struct pxm_ledger **out, struct pxm_error *err);
/** Fill cfg from PROXIMO_* settings; strings point into `storage`, which
 *  the caller frees with pxm_ledger_config_free_storage(). */
int	pxm_ledger_config_from_env(struct pxm_ledger_config *cfg, char ***storage,
	    struct pxm_error *err);
void	pxm_ledger_config_free_storage(char **storage);
int	pxm_ledger_open(struct pxm_ledger **out, struct pxm_error *err,
	    const struct pxm_ledger_config *cfg);
/** Writes the shutdown checkpoint when configured and anything was
 *  appended since the last one. */
void	pxm_ledger_close(struct pxm_ledger *l);

struct pxm_ledger_entry {
	const char	*action;	/* tool name or lifecycle action */
	const char	*target;	/* human label; sanitised (C0 -> '?', capped 512) */
	int		mutation;
	const char	*outcome;	/* planned, executing, ok, submitted, error, blocked:<why> ... */
	const json_t	*detail;	/* borrowed object, may be NULL (= {}) */
	const char	*remote;	/* named target the call was aimed at, or NULL */
};

/**
 * Durable append (flock, one write, fdatasync) before returning PXM_OK;
 * head_out (65 bytes, may be NULL) receives the new entry_hash.  Fails
 * closed: after any write/fsync failure the ledger is poisoned and every
 * later append fails with a text that says why.
 */
int	pxm_ledger_append(struct pxm_ledger *l, struct pxm_error *err,
	    const struct pxm_ledger_entry *e, char *head_out);
/** 1 (and the reason in *why, may be NULL) when poisoned, else 0. */
int	pxm_ledger_poisoned(const struct pxm_ledger *l, struct pxm_error *why);
/** Current head (65 bytes) and entry count as this process knows them. */
void	pxm_ledger_head(struct pxm_ledger *l, char *head, uint64_t *entries);
const char *pxm_ledger_path(const struct pxm_ledger *l);
int	pxm_ledger_keyed(const struct pxm_ledger *l);

/* What the tools and the CLI return (new references), shaped like the
 * reference's tools. */
int	pxm_ledger_verify_report(json_t **out, struct pxm_error *err,
	    struct pxm_ledger *l, const char *expected_head /* or NULL */);
int	pxm_ledger_entries_report(json_t **out, struct pxm_error *err,
	    struct pxm_ledger *l, const json_t *filters
	    /* {limit,target,action,outcome,principal,mutations_only} */);
/** JSON Schema texts for the two tools' inputs. */
extern const char pxm_ledger_verify_schema[], pxm_ledger_entries_schema[];

/**
 * Signed checkpoint: appends an audit_checkpoint entry signing
 * {ledger id, entry count, head, time} with the Ed25519 checkpoint key, and
 * returns {ledger_id, entries, head, time, message, signature, pubkey_pem,
 * pubkey_sha256, entry_hash}.  PXM_E_CONFIG when checkpoints are off.
 */
int	pxm_ledger_checkpoint(json_t **out, struct pxm_error *err, struct pxm_ledger *l);
/** The exact bytes a checkpoint signature covers (docs/LEDGER.md). */
int	pxm_ledger_checkpoint_message(char **out, const char *ledger_id,
	    uint64_t entries, const char *head, const char *time);
/** Verify a checkpoint message + raw signature with a PEM public key. */
int	pxm_ledger_checkpoint_verify(struct pxm_error *err, const char *pubkey_pem_path,
	    const unsigned char *msg, size_t msglen, const unsigned char *sig, size_t siglen);

/* Redaction helpers the exec plugin will use through the pipeline: */
int	pxm_ledger_redact_enabled(const struct pxm_ledger *l);
/** {cmd_sha256, cmd_kind, cmd_len}: sha256 of shlex.join(argv). */
json_t	*pxm_ledger_fingerprint_command(const char *const *argv, size_t argc);
/** {db, sql_sha256, sql_kind, sql_len}. */
json_t	*pxm_ledger_fingerprint_sql(const char *db, const char *sql);
/** Intent id pairing `executing` with its outcome (reference 3.6):
 *  sha256(action "\0" target) hex, first 12 chars; out has 13 bytes. */
void	pxm_ledger_intent_id(char *out, const char *action, const char *target);
/** 1 when s is a 64-char lowercase hex head (GENESIS included). */
int	pxm_ledger_looks_like_head(const char *s);

#endif
