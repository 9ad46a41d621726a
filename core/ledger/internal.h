/**
 * @file internal.h
 * @brief What the ledger's source files share (not for the rest of the core).
 */
#ifndef PXM_LEDGER_INTERNAL_H
#define PXM_LEDGER_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "ledger/canon.h"
#include "ledger/ledger.h"
#include "util/buf.h"

#define LEDGER_ALG_HMAC		"hmac-sha256"
#define LEDGER_KEY_MIN		32	/* bytes */
#define LEDGER_KEY_MAX		64	/* bytes kept (longer keys are refused) */
#define LEDGER_READ_CHUNK	(1024 * 1024)

/* Members left out of the hashed body (reference 3.1). */
extern const char *const pxm_ledger_unhashed[];

/**
 * The chain walker: verifies lines one after the other, first failure
 * wins.  Used by verify, by open (recovery), and by appenders catching up
 * with entries other processes wrote.
 */
struct pxm_ledger_walk {
	/* configuration */
	int		keyed;
	const unsigned char *key;
	size_t		keylen;
	const char	*key_id;	/* 16 hex, or NULL */
	size_t		key_id_len;
	EVP_PKEY	*ck_pub;	/* checkpoint public key, or NULL */
	char		ck_pub_sha[65];
	const char	*pin_head;	/* look for this head (anchor pin), or NULL */
	const char	*find_head;	/* and this one (expected_head), or NULL */

	/* running state */
	char		head[65];
	char		first[65];	/* entry_hash of entry 1 (the ledger id) */
	uint64_t	entries;
	uint64_t	lines;
	off_t		offset;		/* end of the last good line */
	int		sealed;
	int		mode;		/* first entry: -1 none yet, 0 unkeyed, 1 keyed */
	uint64_t	pin_at;		/* entry index whose hash is pin_head, 0 none */
	uint64_t	find_at;	/* same for find_head */
	uint64_t	checkpoints, ck_verified, ck_other_key;
	uint64_t	last_ck_entries;
	char		last_ck_time[48];
	uint64_t	repairs;
	uint64_t	last_seq;

	/* result */
	int		failed;
	int		torn;		/* the failing line is a final line with no '\n' */
	uint64_t	bad_line;
	off_t		bad_offset;
	char		reason[256];

	/* scratch */
	struct pxm_canon canon;
	struct pxm_canon_skip unhashed;	/* pxm_ledger_unhashed, prepared */
	struct pxm_buf	msg;
	struct pxm_buf	tmp;
	EVP_MAC_CTX	*mac;
	EVP_MD_CTX	*md;
	EVP_MD		*sha256;
	unsigned char	*rbuf;
	size_t		rcap;
};

int	pxm_ledger_walk_init(struct pxm_ledger_walk *w, int keyed,
	    const unsigned char *key, size_t keylen, const char *key_id);
void	pxm_ledger_walk_reset(struct pxm_ledger_walk *w);
void	pxm_ledger_walk_free(struct pxm_ledger_walk *w);
/** Walk fd from byte `from` to EOF.  Verification failures land in
 *  w->failed/reason; only I/O errors return non-PXM_OK. */
int	pxm_ledger_walk_fd(struct pxm_ledger_walk *w, struct pxm_error *err,
	    int fd, off_t from);
/** One line (without '\n'); has_nl says whether its newline was there. */
void	pxm_ledger_walk_line(struct pxm_ledger_walk *w, const char *line,
	    size_t len, int has_nl);
/** entry_hash of (prev ‖ the canonical body w->canon just built) into out
 *  (65 bytes): prev goes in the room left before the body, one update. */
int	pxm_ledger_walk_hash_body(struct pxm_ledger_walk *w, const char *prev,
	    char *out);

/* Anchor pins (anchor.c). */
#define ANCHOR_NONE	0
#define ANCHOR_FILE	1
#define ANCHOR_SYSLOG	2

struct pxm_anchor_pin {
	int		have;
	char		head[65];
	uint64_t	entries;	/* 0 when the pin did not say */
	char		ts[48];
};

int	pxm_anchor_kind(int *kind, struct pxm_error *err, const char *sink);
int	pxm_anchor_file_read(struct pxm_anchor_pin *pin, struct pxm_error *err,
	    const char *path);
/** Compare-and-swap: replace the pin only if the file still holds `old`
 *  (old->have == 0: no pin yet) and the new pin does not move backwards.
 *  PXM_E_STATE when the pin moved meanwhile or `pin` would go backwards. */
int	pxm_anchor_file_cas(struct pxm_error *err, const char *path,
	    const struct pxm_anchor_pin *old, const struct pxm_anchor_pin *pin,
	    const char *node, const char *ledger_path);
int	pxm_anchor_syslog_send(struct pxm_error *err, const char *address,
	    const struct pxm_anchor_pin *pin, const char *node, const char *ledger_path);

/* Checkpoint keys (checkpoint.c). */
int	pxm_ckpt_key_load_or_create(EVP_PKEY **out, struct pxm_error *err,
	    const char *path, int create);
int	pxm_ckpt_pub_load(EVP_PKEY **out, struct pxm_error *err, const char *path);
int	pxm_ckpt_pub_sha256(char *out, EVP_PKEY *k);
int	pxm_ckpt_pub_pem(char **out, EVP_PKEY *k);
int	pxm_ckpt_sign(char **sig_b64, struct pxm_error *err, EVP_PKEY *k,
	    const char *msg, size_t len);
/** 1 valid, 0 invalid. */
int	pxm_ckpt_verify_b64(EVP_PKEY *k, const char *msg, size_t len, const char *sig_b64);

struct pxm_ledger {
	pthread_mutex_t	mu;
	char		*path;
	char		*dir;
	char		*key_path;
	char		*principal;
	char		*face;
	char		*node;
	char		expected_head[65];	/* "" when unpinned */
	int		fd;
	dev_t		dev;
	ino_t		ino;
	int		keyed;
	int		redact;
	int		readonly;
	int		key_loaded;
	unsigned char	key[LEDGER_KEY_MAX];
	size_t		keylen;
	char		key_id[17];

	/* what this process knows of the file */
	off_t		size;
	char		head[65];
	char		first[65];
	uint64_t	entries;
	int		sealed;
	uint64_t	appended;

	/* open-time findings */
	int		corrupt;
	int		rotated;
	char		corrupt_text[512];
	char		repair_note[512];

	int		poisoned;
	char		poison[768];

	int		anchor_kind;
	char		*anchor_file;
	char		*anchor_syslog;
	struct pxm_anchor_pin pin;
	char		anchor_last_export[48];

	int		checkpoints;
	uint64_t	ck_every;
	char		*ck_key_path;
	EVP_PKEY	*ck_key;	/* private (writers) */
	EVP_PKEY	*ck_pub;	/* public (everyone) */
	uint64_t	since_ck;

	struct pxm_ledger_walk w;	/* tail catch-up and hashing our own lines */
};

/* ledger.c helpers shared with report.c */
void	pxm_ledger_ts(char *out, size_t size);
int	pxm_ledger_append_locked(struct pxm_ledger *l, struct pxm_error *err,
	    const struct pxm_ledger_entry *e, char *head_out);
int	pxm_ledger_lock(struct pxm_ledger *l, struct pxm_error *err);
void	pxm_ledger_unlock(struct pxm_ledger *l);
void	pxm_ledger_publish_anchor(struct pxm_ledger *l);

#endif
