/**
 * @file ledger.c
 * @brief Opening, keys, durable appends, torn-tail repair, mode rotation.
 *
 * The append path (reliability.md 2.3): in-process mutex + flock(LOCK_EX),
 * catch up with what other processes appended (only the new bytes are
 * read), build the whole line, verify it with the same walker that verify
 * uses, one O_APPEND write, fdatasync, then acknowledge.  Any failure after
 * the lock poisons the ledger for the life of the process (no fsync retry:
 * after a failed fsync the kernel may have dropped the data and report
 * success next time).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ledger/internal.h"
#include "ledger/io.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/settings.h"

static const char hexd[] = "0123456789abcdef";

void
pxm_ledger_config_init(struct pxm_ledger_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->keyed = 1;
	cfg->redact = 1;
	cfg->checkpoints = 1;
	cfg->checkpoint_every = 1000;
}

/* datetime.now(UTC).isoformat(): microseconds, omitted when zero. */
void
pxm_ledger_ts(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;
	char base[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (tv.tv_usec)
		snprintf(out, size, "%s.%06ld+00:00", base, (long)tv.tv_usec);
	else
		snprintf(out, size, "%s+00:00", base);
}

static void
stamp(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, size, "%Y%m%dT%H%M%SZ", &tm);
}

int
pxm_ledger_looks_like_head(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
fsync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = pxm_ledger_io->fsync(fd);
	close(fd);
	return rc;
}

static char *
dir_of(const char *path)
{
	char *copy = strdup(path), *d, *res;

	if (copy == NULL)
		return NULL;
	d = dirname(copy);
	res = strdup(d);
	free(copy);
	return res;
}

/* Make the directory (0700) and its parents; refuse a symlinked one. */
static int
ensure_dir(struct pxm_error *err, const char *dir, int create, const char *what)
{
	struct stat st;
	char *parent;
	int r;

	if (lstat(dir, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
			    "%s: directory %s is a symbolic link; refusing (an attacker "
			    "could redirect the ledger); point the setting at the real "
			    "directory", what, dir);
		if (!S_ISDIR(st.st_mode))
			return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
			    "%s: %s is not a directory", what, dir);
		return PXM_OK;
	}
	if (errno != ENOENT || !create)
		return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
		    "%s: directory %s: %s", what, dir, strerror(errno));
	if ((parent = dir_of(dir)) == NULL)
		return PXM_E_NOMEM;
	r = strcmp(parent, dir) != 0 ? ensure_dir(err, parent, create, what) : PXM_OK;
	free(parent);
	if (r != PXM_OK)
		return r;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
		    "%s: cannot create directory %s: %s", what, dir, strerror(errno));
	return PXM_OK;
}

/* ------------------------------------------------------------------- keys */

static void
key_id_of(char *out, const unsigned char *key, size_t n)
{
	static const char tag[] = "proximo-ledger-key-id-v1";
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int i;

	out[0] = '\0';
	if (ctx == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	    EVP_DigestUpdate(ctx, tag, sizeof tag) &&
	    EVP_DigestUpdate(ctx, key, n) && EVP_DigestFinal_ex(ctx, md, &mdlen)) {
		for (i = 0; i < 8; i++) {
			out[2 * i] = hexd[md[i] >> 4];
			out[2 * i + 1] = hexd[md[i] & 15];
		}
		out[16] = '\0';
	}
	EVP_MD_CTX_free(ctx);
}

/* 32 random bytes as hex, created atomically: the loser of a race reads
 * the winner's key (link() fails with EEXIST). */
static int
key_create(struct pxm_error *err, const char *path, const char *dir)
{
	unsigned char raw[32];
	char hex[66], *tmp = NULL;
	int fd = -1, i, r = PXM_E_INTERNAL;
	size_t tl;

	if (RAND_bytes(raw, sizeof raw) != 1) {
		r = pxm_error_set(err, PXM_E_INTERNAL, "audit_key",
		    "cannot create audit key at %s: no randomness; set "
		    "PROXIMO_AUDIT_KEYED=off to run an unkeyed ledger", path);
		goto out;
	}
	for (i = 0; i < 32; i++) {
		hex[2 * i] = hexd[raw[i] >> 4];
		hex[2 * i + 1] = hexd[raw[i] & 15];
	}
	hex[64] = '\n';
	hex[65] = '\0';
	tl = strlen(dir) + 32;
	if ((tmp = malloc(tl)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	snprintf(tmp, tl, "%s/.audit-key-XXXXXX", dir);
	if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0600) != 0 ||
	    pxm_ledger_io->write(fd, hex, 65) != 65 || pxm_ledger_io->fsync(fd) != 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "audit_key",
		    "cannot create audit key at %s: %s; set PROXIMO_AUDIT_KEYED=off "
		    "to run an unkeyed ledger", path, strerror(errno));
		goto out;
	}
	if (pxm_ledger_io->link(tmp, path) != 0 && errno != EEXIST) {
		r = pxm_error_set(err, PXM_E_CONFIG, "audit_key",
		    "cannot create audit key at %s: %s; set PROXIMO_AUDIT_KEYED=off "
		    "to run an unkeyed ledger", path, strerror(errno));
		goto out;
	}
	fsync_dir(dir);
	r = PXM_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp && fd >= 0)
		unlink(tmp);
	free(tmp);
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(hex, sizeof hex);
	return r;
}

static int
hexnib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
key_load(struct pxm_ledger *l, struct pxm_error *err, int create)
{
	char *txt = NULL, *kdir = NULL;
	size_t n, i;
	struct stat st;
	int r = PXM_E_INTERNAL;

	if ((kdir = dir_of(l->key_path)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if ((r = ensure_dir(err, kdir, create, "PROXIMO_AUDIT_KEY_PATH")) != PXM_OK)
		goto out;
	if (lstat(l->key_path, &st) != 0 && errno == ENOENT) {
		if (!create) {
			r = pxm_error_set(err, PXM_E_CONFIG, "audit_key",
			    "PROXIMO_AUDIT_KEY_PATH: %s does not exist, so the keyed ledger "
			    "cannot be checked. Point PROXIMO_AUDIT_KEY_PATH at the key, or "
			    "set PROXIMO_AUDIT_KEYED=off for an unkeyed ledger", l->key_path);
			goto out;
		}
		if ((r = key_create(err, l->key_path, kdir)) != PXM_OK)
			goto out;
	}
	if ((r = pxm_secret_file_read(&txt, err, l->key_path, "PROXIMO_AUDIT_KEY_PATH")) != PXM_OK)
		goto out;
	n = strlen(txt);
	for (i = 0; i < n; i++)
		if (hexnib(txt[i]) < 0)
			break;
	if (i != n || n % 2) {
		r = pxm_error_set(err, PXM_E_CONFIG, "audit_key",
		    "PROXIMO_AUDIT_KEY_PATH: %s is not valid hex; accepted: the hex "
		    "text of at least %d random bytes (one line)", l->key_path, LEDGER_KEY_MIN);
		goto out;
	}
	if (n / 2 < LEDGER_KEY_MIN) {
		r = pxm_error_set(err, PXM_E_CONFIG, "audit_key",
		    "PROXIMO_AUDIT_KEY_PATH: %s is too short (%zu bytes); accepted: at "
		    "least %d bytes (%d hex characters)", l->key_path, n / 2,
		    LEDGER_KEY_MIN, 2 * LEDGER_KEY_MIN);
		goto out;
	}
	if (n / 2 > LEDGER_KEY_MAX) {
		r = pxm_error_set(err, PXM_E_CONFIG, "audit_key",
		    "PROXIMO_AUDIT_KEY_PATH: %s is too long (%zu bytes); accepted: %d "
		    "to %d bytes", l->key_path, n / 2, LEDGER_KEY_MIN, LEDGER_KEY_MAX);
		goto out;
	}
	for (i = 0; i < n / 2; i++)
		l->key[i] = (unsigned char)(hexnib(txt[2 * i]) << 4 | hexnib(txt[2 * i + 1]));
	l->keylen = n / 2;
	l->key_loaded = 1;
	key_id_of(l->key_id, l->key, l->keylen);
	r = PXM_OK;
out:
	pxm_secret_free(txt);
	free(kdir);
	return r;
}

/* ------------------------------------------------------------- poisoning */

static void
poison(struct pxm_ledger *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
poison(struct pxm_ledger *l, const char *fmt, ...)
{
	va_list ap;
	struct pxm_buf b = PXM_BUF_INIT;

	if (l->poisoned)
		return;
	pxm_buf_printf(&b, "PROVE ledger %s is poisoned: ", l->path);
	va_start(ap, fmt);
	pxm_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	pxm_buf_puts(&b, ". No further entry (and so no mutation) is accepted by this "
	    "process; restart it once the cause is fixed (the next open repairs a torn "
	    "tail and verifies the chain)");
	snprintf(l->poison, sizeof l->poison, "%s", b.data ? b.data : "PROVE ledger poisoned");
	pxm_buf_free(&b);
	l->poisoned = 1;
	pxm_error("%s", l->poison);
}

int
pxm_ledger_poisoned(const struct pxm_ledger *l, struct pxm_error *why)
{
	if (!l->poisoned)
		return 0;
	if (why)
		pxm_error_set(why, PXM_E_STATE, "ledger_poisoned", "%s", l->poison);
	return 1;
}

/* -------------------------------------------------------------- entries */

/* Target labels (reference 3.1): C0 -> '?', invalid UTF-8 -> U+FFFD,
 * capped at 512 code points then "…[truncated]". */
static int
sanitize(struct pxm_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, k, cps = 0;

	pxm_buf_reset(out);
	while (i < n) {
		if (cps == PXM_LEDGER_TARGET_MAX)
			return pxm_buf_puts(out, "\xe2\x80\xa6[truncated]");
		if (p[i] < 0x20) {
			pxm_buf_putc(out, '?');
			i++;
		} else if (p[i] < 0x80) {
			pxm_buf_putc(out, (char)p[i]);
			i++;
		} else if ((k = pxm_canon_utf8_char(p + i, n - i)) > 0) {
			pxm_buf_append(out, p + i, k);
			i += k;
		} else {
			pxm_buf_puts(out, "\xef\xbf\xbd");
			i++;
		}
		cps++;
	}
	return out->data ? PXM_OK : pxm_buf_puts(out, "");
}

static int
check_word(struct pxm_error *err, const char *what, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	if (s == NULL || *s == '\0')
		return pxm_error_set(err, PXM_E_INVAL, "ledger_entry",
		    "ledger entry %s is empty; accepted: a non-empty UTF-8 word", what);
	n = strlen(s);
	if (n > 256)
		return pxm_error_set(err, PXM_E_INVAL, "ledger_entry",
		    "ledger entry %s is %zu bytes long; accepted: at most 256", what, n);
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return pxm_error_set(err, PXM_E_INVAL, "ledger_entry",
			    "ledger entry %s contains a control character; accepted: "
			    "printable UTF-8", what);
	if (pxm_canon_utf8_valid(p, n) != n)
		return pxm_error_set(err, PXM_E_INVAL, "ledger_entry",
		    "ledger entry %s is not valid UTF-8", what);
	return PXM_OK;
}

/* Everything of the line that does not depend on the chain position:
 * ,"action":..,"target":..,"mutation":..,"outcome":..,"detail":..[,remote][,principal] */
static int
build_middle(struct pxm_ledger *l, struct pxm_error *err,
    const struct pxm_ledger_entry *e, struct pxm_buf *b)
{
	struct pxm_buf t = PXM_BUF_INIT;
	int r;

	if ((r = check_word(err, "action", e->action)) != PXM_OK ||
	    (r = check_word(err, "outcome", e->outcome)) != PXM_OK)
		goto out;
	if (e->detail != NULL && !json_is_object(e->detail)) {
		r = pxm_error_set(err, PXM_E_INVAL, "ledger_detail",
		    "audit detail must be a JSON object");
		goto out;
	}
	pxm_buf_puts(b, ",\"action\":");
	pxm_canon_dump_string(b, e->action, strlen(e->action));
	pxm_buf_puts(b, ",\"target\":");
	if ((r = sanitize(&t, e->target)) != PXM_OK)
		goto out;
	pxm_canon_dump_string(b, t.data, t.len);
	pxm_buf_puts(b, e->mutation ? ",\"mutation\":true" : ",\"mutation\":false");
	pxm_buf_puts(b, ",\"outcome\":");
	pxm_canon_dump_string(b, e->outcome, strlen(e->outcome));
	pxm_buf_puts(b, ",\"detail\":");
	if (e->detail == NULL)
		pxm_buf_puts(b, "{}");
	else if ((r = pxm_canon_dump(b, err, e->detail, 0)) != PXM_OK)
		goto out;
	if (e->remote != NULL) {
		pxm_buf_puts(b, ",\"remote\":");
		sanitize(&t, e->remote);
		pxm_canon_dump_string(b, t.data, t.len);
	}
	if (l->principal != NULL) {
		pxm_buf_puts(b, ",\"principal\":{\"id\":");
		sanitize(&t, l->principal);
		pxm_canon_dump_string(b, t.data, t.len);
		pxm_buf_puts(b, ",\"via\":\"spawn\",\"face\":");
		pxm_canon_dump_string(b, l->face, strlen(l->face));
		pxm_buf_putc(b, '}');
	}
	r = b->data ? PXM_OK : PXM_E_NOMEM;
out:
	pxm_buf_free(&t);
	return r;
}

/* ------------------------------------------------------ open-time walking */

static int
walk_setup(struct pxm_ledger *l, struct pxm_ledger_walk *w, int keyed)
{
	int r;

	if ((r = pxm_ledger_walk_init(w, keyed, l->key_loaded ? l->key : NULL,
	    l->keylen, l->key_loaded ? l->key_id : NULL)) != PXM_OK)
		return r;
	if (l->ck_pub != NULL) {
		w->ck_pub = l->ck_pub;
		pxm_ckpt_pub_sha256(w->ck_pub_sha, l->ck_pub);
	}
	if (l->pin.have)
		w->pin_head = l->pin.head;
	return PXM_OK;
}

static int
sha256_range(char *out, int fd, off_t from, off_t to)
{
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ssize_t n;
	int i, r = PXM_E_INTERNAL;

	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	while (from < to) {
		size_t want = (size_t)(to - from) < sizeof buf ? (size_t)(to - from) : sizeof buf;
		if ((n = pread(fd, buf, want, from)) <= 0)
			goto out;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		from += n;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen))
		goto out;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
	r = PXM_OK;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

/* Keep a byte-exact copy of the damaged file beside it (etcd's .broken). */
static int
copy_broken(struct pxm_error *err, struct pxm_ledger *l, char *name, size_t size)
{
	char st[32], *path = NULL, buf[65536];
	size_t pl;
	off_t off = 0;
	ssize_t n;
	int fd = -1, r = PXM_E_INTERNAL;

	stamp(st, sizeof st);
	pl = strlen(l->path) + 64;
	if ((path = malloc(pl)) == NULL)
		return PXM_E_NOMEM;
	snprintf(path, pl, "%s.broken-%s-%d", l->path, st, (int)getpid());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		goto fail;
	while ((n = pread(l->fd, buf, sizeof buf, off)) > 0) {
		if (pxm_ledger_io->write(fd, buf, (size_t)n) != n)
			goto fail;
		off += n;
	}
	if (n < 0 || pxm_ledger_io->fdatasync(fd) != 0)
		goto fail;
	fsync_dir(l->dir);
	snprintf(name, size, "%s", strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	r = PXM_OK;
	goto out;
fail:
	r = pxm_error_set(err, PXM_E_STATE, "ledger_repair",
	    "cannot keep a copy of the torn ledger at %s: %s; refusing to repair "
	    "without it", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

/*
 * The etcd rule: a final line without its newline is a torn write and is
 * cut off (after a .broken copy); the cut is recorded as an audit_repair
 * entry carrying the SHA-256 of the removed bytes, so an attacker who
 * disguises a deletion as a torn write still leaves a trace (and the
 * anchor comparison still fails).  Anything else is refused.
 */
static int
repair_tail(struct pxm_ledger *l, struct pxm_error *err, off_t size)
{
	struct pxm_ledger_entry e = { 0 };
	char sha[65], copy[256];
	off_t good = l->w.offset;
	uint64_t at = l->w.bad_line;
	json_t *d = NULL;
	int r;

	if ((r = sha256_range(sha, l->fd, good, size)) != PXM_OK) {
		r = pxm_error_set(err, PXM_E_STATE, "ledger_repair",
		    "cannot read the torn tail of %s", l->path);
		goto out;
	}
	if ((r = copy_broken(err, l, copy, sizeof copy)) != PXM_OK)
		goto out;
	if (pxm_ledger_io->ftruncate(l->fd, good) != 0 ||
	    pxm_ledger_io->fdatasync(l->fd) != 0) {
		r = pxm_error_set(err, PXM_E_STATE, "ledger_repair",
		    "cannot cut the torn tail of %s: %s", l->path, strerror(errno));
		goto out;
	}
	/* The walker stopped on the torn line: resume from the good prefix. */
	l->w.failed = l->w.torn = 0;
	l->w.reason[0] = '\0';
	l->w.lines = at - 1;
	l->size = good;
	d = json_pack("{s:s, s:I, s:s, s:s, s:I}",
	    "reason", "torn tail removed (last line had no trailing newline)",
	    "removed_bytes", (json_int_t)(size - good), "removed_sha256", sha,
	    "broken_copy", copy, "at_line", (json_int_t)at);
	e.action = "audit_repair";
	e.target = "ledger";
	e.outcome = "ok";
	e.detail = d;
	if ((r = pxm_ledger_append_locked(l, err, &e, NULL)) != PXM_OK)
		goto out;
	snprintf(l->repair_note, sizeof l->repair_note,
	    "a torn tail (%lld bytes at line %" PRIu64 ") was cut off at open; the "
	    "damaged file is kept as %s", (long long)(size - good), at, copy);
	pxm_warn("PROVE ledger %s: %s", l->path, l->repair_note);
out:
	json_decref(d);
	return r;
}

/* Mode of an existing ledger from its first line: 1 keyed, 0 unkeyed,
 * -1 empty or unreadable first line. */
static int
first_line_mode(int fd)
{
	char buf[65536];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	json_t *j, *alg;
	char *nl;
	int mode = -1;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((nl = memchr(buf, '\n', (size_t)n)) == NULL)
		return -1;
	if ((j = json_loadb(buf, (size_t)(nl - buf), 0, NULL)) == NULL)
		return -1;
	alg = json_object_get(j, "alg");
	mode = json_is_string(alg) && strcmp(json_string_value(alg), LEDGER_ALG_HMAC) == 0;
	json_decref(j);
	return mode;
}

/* entry_hash of the last complete line (used when we cannot verify:
 * sealing a keyed ledger while running unkeyed). */
static int
last_line_hash(int fd, char *out)
{
	struct stat st;
	char *buf = NULL, *s, *e;
	off_t from;
	size_t len;
	json_t *j = NULL, *h;
	int r = PXM_E_NOTFOUND;

	if (fstat(fd, &st) != 0 || st.st_size == 0)
		return r;
	from = st.st_size > 1048576 ? st.st_size - 1048576 : 0;
	len = (size_t)(st.st_size - from);
	if ((buf = malloc(len + 1)) == NULL || pread(fd, buf, len, from) != (ssize_t)len)
		goto out;
	buf[len] = '\0';
	e = buf + len;
	while (e > buf && e[-1] != '\n')
		e--;	/* skip a torn tail */
	if (e == buf)
		goto out;
	e--;
	s = e;
	while (s > buf && s[-1] != '\n')
		s--;
	if ((j = json_loadb(s, (size_t)(e - s), 0, NULL)) != NULL &&
	    json_is_string(h = json_object_get(j, "entry_hash")) &&
	    pxm_ledger_looks_like_head(json_string_value(h))) {
		memcpy(out, json_string_value(h), 65);
		r = PXM_OK;
	}
out:
	json_decref(j);
	free(buf);
	return r;
}

static int
open_fd(struct pxm_ledger *l, struct pxm_error *err, int *created)
{
	struct stat st;
	int flags = l->readonly ? O_RDONLY : (O_RDWR | O_APPEND | O_CREAT);

	*created = 0;
	if (lstat(l->path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
			    "PROXIMO_AUDIT_LOG: %s is a symbolic link; refusing (point the "
			    "setting at the real file)", l->path);
	} else if (errno == ENOENT && l->readonly) {
		l->fd = -1;
		return PXM_OK;	/* no ledger yet: an empty one verifies */
	}
	if ((l->fd = open(l->path, flags | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
		    "PROXIMO_AUDIT_LOG: cannot open %s: %s", l->path, strerror(errno));
	if (fstat(l->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
		    "PROXIMO_AUDIT_LOG: %s is not a regular file", l->path);
	if (!l->readonly && st.st_size == 0) {
		*created = 1;
		fsync_dir(l->dir);
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return PXM_OK;
}

/* Lock the file behind l->fd, making sure it is still the one at l->path
 * (a rotation by another process renames it away). */
static int
lock_current(struct pxm_ledger *l, struct pxm_error *err, int op)
{
	struct stat a, b;
	int created, tries;

	for (tries = 0; tries < 100; tries++) {
		while (pxm_ledger_io->flock(l->fd, op) != 0) {
			if (errno != EINTR)
				return pxm_error_set(err, PXM_E_STATE, "ledger_lock",
				    "cannot lock %s: %s", l->path, strerror(errno));
		}
		if (fstat(l->fd, &a) == 0 && stat(l->path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return PXM_OK;
		/* Rotated under us: follow the path. */
		close(l->fd);
		l->fd = -1;
		if (open_fd(l, err, &created) != PXM_OK)
			return PXM_E_STATE;
	}
	return pxm_error_set(err, PXM_E_STATE, "ledger_lock",
	    "%s keeps being replaced; cannot lock it", l->path);
}

/* A new ledger file holding only a genesis audit_rotate entry, moved into
 * place with rename() after the old file got its archive name by link():
 * the path never disappears, so no process creates a stray empty ledger. */
static int
rotate(struct pxm_ledger *l, struct pxm_error *err, int new_keyed, const char *prev_head,
    const char *prev_alg, const char *kind)
{
	struct pxm_ledger_entry e = { 0 };
	char st[32], *archive = NULL, *tmp = NULL, *base;
	json_t *d = NULL;
	size_t pl = strlen(l->path) + 96;
	int nfd = -1, ofd = l->fd, r = PXM_E_INTERNAL;
	struct stat sb;

	stamp(st, sizeof st);
	if ((archive = malloc(pl)) == NULL || (tmp = malloc(pl)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	snprintf(archive, pl, "%s.%s-%s-%.8s", l->path, kind, st, prev_head);
	snprintf(tmp, pl, "%s/.proximo-ledger-XXXXXX", l->dir);
	if ((nfd = mkstemp(tmp)) < 0 || fchmod(nfd, 0600) != 0 ||
	    fcntl(nfd, F_SETFL, O_APPEND) != 0 || pxm_ledger_io->flock(nfd, LOCK_EX) != 0) {
		r = pxm_error_set(err, PXM_E_STATE, "ledger_rotate",
		    "cannot create the new ledger beside %s: %s", l->path, strerror(errno));
		goto out;
	}
	base = strrchr(archive, '/') ? strrchr(archive, '/') + 1 : archive;
	if (strcmp(prev_alg, "sha256") == 0)
		d = json_pack("{s:s, s:s, s:s}", "prev_log", base, "prev_head", prev_head,
		    "prev_alg", prev_alg);
	else
		d = json_pack("{s:s, s:s, s:s, s:s}", "prev_log", base, "prev_head",
		    prev_head, "prev_alg", prev_alg, "reason", "keyed-to-unkeyed downgrade");
	/* Write the genesis through the normal path, on the new file. */
	pxm_ledger_walk_free(&l->w);
	l->keyed = new_keyed;
	if ((r = walk_setup(l, &l->w, new_keyed)) != PXM_OK)
		goto out;
	l->fd = nfd;
	l->size = 0;
	e.action = "audit_rotate";
	e.target = "ledger";
	e.outcome = "ok";
	e.detail = d;
	if ((r = pxm_ledger_append_locked(l, err, &e, NULL)) != PXM_OK)
		goto out;
	if (pxm_ledger_io->link(l->path, archive) != 0 ||
	    pxm_ledger_io->rename(tmp, l->path) != 0 || fsync_dir(l->dir) != 0) {
		r = pxm_error_set(err, PXM_E_STATE, "ledger_rotate",
		    "cannot archive %s as %s: %s", l->path, archive, strerror(errno));
		goto out;
	}
	fstat(nfd, &sb);
	l->dev = sb.st_dev;
	l->ino = sb.st_ino;
	nfd = -1;	/* now l->fd */
	l->rotated = 1;
	close(ofd);
	ofd = -1;
	if (new_keyed)
		pxm_warn("PROVE ledger upgraded to keyed mode: the unkeyed chain was sealed "
		    "and archived as %s (it still verifies with PROXIMO_AUDIT_KEYED=off). "
		    "The head changed: re-pin PROXIMO_AUDIT_EXPECTED_HEAD / the anchor", base);
	else
		pxm_warn("PROVE ledger DOWNGRADED to unkeyed mode (PROXIMO_AUDIT_KEYED=off): "
		    "the keyed chain was archived as %s. New entries are bare SHA-256: "
		    "anyone who can write the file can forge them", base);
	r = PXM_OK;
out:
	if (r != PXM_OK) {
		if (l->fd == nfd)
			l->fd = ofd;
		if (nfd >= 0) {
			close(nfd);
			unlink(tmp);
		}
	}
	json_decref(d);
	free(archive);
	free(tmp);
	return r;
}

/* Under the exclusive lock at open: verify everything, repair a torn
 * tail, switch modes when asked. */
static int
open_scan(struct pxm_ledger *l, struct pxm_error *err)
{
	struct pxm_ledger_entry e = { 0 };
	struct stat st;
	char prev[65];
	json_t *d = NULL;
	int mode, r = PXM_E_INTERNAL;

	if (l->fd < 0)
		return walk_setup(l, &l->w, l->keyed);
	mode = first_line_mode(l->fd);
	if (!l->readonly && mode >= 0 && mode != l->keyed) {
		if (l->keyed) {
			/* unkeyed -> keyed: verify and seal the old chain first. */
			if ((r = walk_setup(l, &l->w, 0)) != PXM_OK)
				return r;
			l->keyed = 0;
			if ((r = pxm_ledger_walk_fd(&l->w, err, l->fd, 0)) != PXM_OK)
				return r;
			if (l->w.failed)
				return pxm_error_set(err, PXM_E_STATE, "ledger_corrupt",
				    "cannot upgrade %s to keyed mode: the unkeyed chain is broken "
				    "at line %" PRIu64 " (%s). Inspect it with PROXIMO_AUDIT_KEYED=off "
				    "proximo audit verify", l->path, l->w.bad_line, l->w.reason);
			l->size = l->w.offset;
			d = json_pack("{s:s, s:b}", "reason", "keyed-default upgrade", "sealed", 1);
			e.action = "audit_rotate";
			e.target = "ledger";
			e.outcome = "ok";
			e.detail = d;
			r = pxm_ledger_append_locked(l, err, &e, prev);
			json_decref(d);
			if (r != PXM_OK)
				return r;
			return rotate(l, err, 1, prev, "sha256", "unkeyed");
		}
		/* keyed -> unkeyed: no seal without trusting the key; archive. */
		if (last_line_hash(l->fd, prev) != PXM_OK)
			memcpy(prev, PXM_LEDGER_GENESIS, 65);
		if ((r = walk_setup(l, &l->w, 1)) != PXM_OK)
			return r;
		return rotate(l, err, 0, prev, LEDGER_ALG_HMAC, "keyed");
	}
	if ((r = walk_setup(l, &l->w, l->keyed)) != PXM_OK)
		return r;
	if ((r = pxm_ledger_walk_fd(&l->w, err, l->fd, 0)) != PXM_OK)
		return r;
	if (fstat(l->fd, &st) != 0)
		return pxm_error_set(err, PXM_E_STATE, "ledger_io", "cannot stat %s", l->path);
	l->size = l->w.offset;
	if (!l->w.failed)
		return PXM_OK;
	if (l->readonly) {
		l->corrupt = 1;
		return PXM_OK;
	}
	if (l->w.torn)
		return repair_tail(l, err, st.st_size);
	return pxm_error_set(err, PXM_E_STATE, "ledger_corrupt",
	    "PROVE ledger %s fails verification at line %" PRIu64 ": %s. Only a torn "
	    "last line is repaired automatically; this is corruption or tampering "
	    "before the tail, so nothing will be appended. Inspect with `proximo "
	    "audit verify` and keep the file as evidence",
	    l->path, l->w.bad_line, l->w.reason);
}

/* ------------------------------------------------------------------ append */

int
pxm_ledger_lock(struct pxm_ledger *l, struct pxm_error *err)
{
	struct stat a, b;
	int r;

	pthread_mutex_lock(&l->mu);
	if (l->poisoned) {
		pthread_mutex_unlock(&l->mu);
		return pxm_error_set(err, PXM_E_STATE, "ledger_poisoned", "%s", l->poison);
	}
	if (l->readonly || l->fd < 0) {
		pthread_mutex_unlock(&l->mu);
		return pxm_error_set(err, PXM_E_STATE, "ledger_readonly",
		    "the ledger %s was opened read-only", l->path);
	}
	while (pxm_ledger_io->flock(l->fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		poison(l, "cannot lock the ledger: %s", strerror(errno));
		goto fail;
	}
	if (fstat(l->fd, &a) != 0) {
		poison(l, "cannot stat the ledger: %s", strerror(errno));
		goto fail_locked;
	}
	if (stat(l->path, &b) != 0 || b.st_dev != a.st_dev || b.st_ino != a.st_ino) {
		poison(l, "the ledger file was replaced or rotated by another process "
		    "(%s); restart this process with the same PROXIMO_AUDIT_* settings",
		    errno == ENOENT ? "it no longer exists" : "different inode");
		goto fail_locked;
	}
	if (a.st_size < l->size) {
		poison(l, "the ledger shrank from %lld to %lld bytes while this process "
		    "had it open (truncated or replaced)", (long long)l->size,
		    (long long)a.st_size);
		goto fail_locked;
	}
	if (a.st_size > l->size) {
		/* Another process appended: verify just the new lines. */
		if ((r = pxm_ledger_walk_fd(&l->w, err, l->fd, l->size)) != PXM_OK) {
			poison(l, "cannot read entries another process appended");
			goto fail_locked;
		}
		if (l->w.failed && l->w.torn && repair_tail(l, err, a.st_size) == PXM_OK) {
			/* a peer died mid-write: repaired and recorded */
		} else if (l->w.failed) {
			poison(l, "an entry another process appended does not verify "
			    "(line %" PRIu64 ": %s)", l->w.bad_line, l->w.reason);
			goto fail_locked;
		}
		l->size = l->w.offset;
	}
	return PXM_OK;
fail_locked:
	pxm_ledger_io->flock(l->fd, LOCK_UN);
fail:
	pthread_mutex_unlock(&l->mu);
	return pxm_error_set(err, PXM_E_STATE, "ledger_poisoned", "%s", l->poison);
}

void
pxm_ledger_unlock(struct pxm_ledger *l)
{
	pxm_ledger_io->flock(l->fd, LOCK_UN);
	pthread_mutex_unlock(&l->mu);
}

static int checkpoint_locked(struct pxm_ledger *l, struct pxm_error *err, json_t **out);

/* Caller holds the lock and has caught up with the file. */
int
pxm_ledger_append_locked(struct pxm_ledger *l, struct pxm_error *err,
    const struct pxm_ledger_entry *e, char *head_out)
{
	struct pxm_buf mid = PXM_BUF_INIT, line = PXM_BUF_INIT;
	struct pxm_canon *c = &l->w.canon;
	char ts[48], hash[65];
	size_t hash_at;
	ssize_t n;
	int r, saved;

	if (l->poisoned) {
		r = pxm_error_set(err, PXM_E_STATE, "ledger_poisoned", "%s", l->poison);
		goto out;
	}
	if (l->w.sealed) {
		r = pxm_error_set(err, PXM_E_STATE, "ledger_sealed",
		    "the ledger %s is sealed (its last entry is a sealing audit_rotate); "
		    "restart so that the new ledger is opened", l->path);
		goto out;
	}
	if ((r = build_middle(l, err, e, &mid)) != PXM_OK)
		goto out;
	pxm_ledger_ts(ts, sizeof ts);
	pxm_buf_printf(&line, "{\"ts\":\"%s\"", ts);
	pxm_buf_append(&line, mid.data, mid.len);
	pxm_buf_printf(&line, ",\"seq\":%" PRIu64, l->w.entries + 1);
	if (l->keyed)
		pxm_buf_printf(&line, ",\"key_id\":\"%s\"", l->key_id);
	pxm_buf_printf(&line, ",\"prev_hash\":\"%s\",\"entry_hash\":\"", l->w.head);
	hash_at = line.len;
	pxm_buf_printf(&line, "%s\"%s}\n", PXM_LEDGER_GENESIS,
	    l->keyed ? ",\"alg\":\"" LEDGER_ALG_HMAC "\"" : "");
	if (line.data == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	/* Hash with the verifier's own canonicaliser, then let the walker
	 * check the finished line: what we write is what verify accepts. */
	if (pxm_canon_parse(c, line.data, line.len - 1) != PXM_OK ||
	    pxm_canon_body_skip(c, &l->w.unhashed) != PXM_OK ||
	    pxm_ledger_walk_hash_body(&l->w, l->w.head, hash) != PXM_OK) {
		r = pxm_error_set(err, PXM_E_INTERNAL, "ledger_internal",
		    "internal error: the entry does not canonicalise (%s)",
		    c->why ? c->why : "hash");
		goto out;
	}
	memcpy(line.data + hash_at, hash, 64);
	pxm_ledger_walk_line(&l->w, line.data, line.len - 1, 1);
	if (l->w.failed) {
		/* Nothing written yet; our state is unusable, so stop. */
		poison(l, "internal error: our own entry failed verification (%s)", l->w.reason);
		r = pxm_error_set(err, PXM_E_INTERNAL, "ledger_internal", "%s", l->poison);
		goto out;
	}
	do
		n = pxm_ledger_io->write(l->fd, line.data, line.len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)line.len) {
		saved = n < 0 ? errno : ENOSPC;
		if (n > 0)
			pxm_ledger_io->ftruncate(l->fd, l->size);	/* best effort */
		poison(l, "writing an entry failed: %s (%zd of %zu bytes written)",
		    strerror(saved), n < 0 ? (ssize_t)0 : n, line.len);
		r = pxm_error_set(err, PXM_E_STATE, "ledger_poisoned", "%s", l->poison);
		goto out;
	}
	if (pxm_ledger_io->fdatasync(l->fd) != 0) {
		saved = errno;
		poison(l, "fdatasync after an entry failed: %s (the entry may not be "
		    "durable; a failed sync is never retried)", strerror(saved));
		r = pxm_error_set(err, PXM_E_STATE, "ledger_poisoned", "%s", l->poison);
		goto out;
	}
	l->size += (off_t)line.len;
	l->appended++;
	if (head_out)
		memcpy(head_out, hash, 65);
	if (strcmp(e->action, "audit_checkpoint") == 0) {
		l->since_ck = 0;
	} else {
		l->since_ck++;
		if (l->ck_key != NULL && l->ck_every && l->w.entries % l->ck_every == 0)
			(void)checkpoint_locked(l, NULL, NULL);	/* poisons on failure */
	}
	r = PXM_OK;
out:
	pxm_buf_free(&mid);
	pxm_buf_free(&line);
	return r;
}

int
pxm_ledger_append(struct pxm_ledger *l, struct pxm_error *err,
    const struct pxm_ledger_entry *e, char *head_out)
{
	int r;

	if ((r = pxm_ledger_lock(l, err)) != PXM_OK)
		return r;
	r = pxm_ledger_append_locked(l, err, e, head_out);
	pxm_ledger_unlock(l);
	return r;
}

/* ------------------------------------------------------------- checkpoints */

int
pxm_ledger_checkpoint_message(char **out, const char *ledger_id, uint64_t entries,
    const char *head, const char *time)
{
	struct pxm_buf b = PXM_BUF_INIT;

	pxm_buf_printf(&b, "proximo-ledger-checkpoint-v1\nledger %s\nentries %" PRIu64
	    "\nhead %s\ntime %s\n", ledger_id, entries, head, time);
	*out = pxm_buf_steal(&b);
	return *out ? PXM_OK : PXM_E_NOMEM;
}

static int
checkpoint_locked(struct pxm_ledger *l, struct pxm_error *err, json_t **out)
{
	struct pxm_ledger_entry e = { 0 };
	char ts[48], lid[65], head[65], pks[65], *msg = NULL, *sig = NULL, *pem = NULL;
	char ehash[65];
	uint64_t n = l->w.entries;
	json_t *d = NULL;
	int r;

	if (l->ck_key == NULL) {
		r = pxm_error_set(err, PXM_E_CONFIG, "checkpoint_off",
		    "signed checkpoints are off (PROXIMO_AUDIT_CHECKPOINTS=off or no "
		    "checkpoint key)");
		goto out;
	}
	memcpy(lid, n ? l->w.first : PXM_LEDGER_GENESIS, 65);
	memcpy(head, l->w.head, 65);
	pxm_ledger_ts(ts, sizeof ts);
	if ((r = pxm_ledger_checkpoint_message(&msg, lid, n, head, ts)) != PXM_OK ||
	    (r = pxm_ckpt_sign(&sig, err, l->ck_key, msg, strlen(msg))) != PXM_OK ||
	    (r = pxm_ckpt_pub_sha256(pks, l->ck_key)) != PXM_OK)
		goto out;
	d = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "ledger_id", lid,
	    "entries", (json_int_t)n, "head", head, "time", ts, "sig_alg", "ed25519",
	    "signature", sig, "pubkey_sha256", pks);
	e.action = "audit_checkpoint";
	e.target = "ledger";
	e.outcome = "ok";
	e.detail = d;
	if ((r = pxm_ledger_append_locked(l, err, &e, ehash)) != PXM_OK)
		goto out;
	if (out != NULL) {
		pxm_ckpt_pub_pem(&pem, l->ck_key);
		*out = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s}",
		    "ledger_id", lid, "entries", (json_int_t)n, "head", head, "time", ts,
		    "message", msg, "signature", sig, "sig_alg", "ed25519",
		    "pubkey_sha256", pks, "pubkey_pem", pem, "entry_hash", ehash);
	}
	pxm_ledger_publish_anchor(l);
	r = PXM_OK;
out:
	json_decref(d);
	free(msg);
	free(sig);
	free(pem);
	return r;
}

int
pxm_ledger_checkpoint(json_t **out, struct pxm_error *err, struct pxm_ledger *l)
{
	int r;

	*out = NULL;
	if (l->ck_key == NULL)
		return pxm_error_set(err, PXM_E_CONFIG, "checkpoint_off",
		    "signed checkpoints are off: set PROXIMO_AUDIT_CHECKPOINTS=on (the "
		    "Ed25519 key is created at PROXIMO_AUDIT_CHECKPOINT_KEY_PATH)");
	if ((r = pxm_ledger_lock(l, err)) != PXM_OK)
		return r;
	r = checkpoint_locked(l, err, out);
	pxm_ledger_unlock(l);
	return r;
}

/* --------------------------------------------------------------- anchors */

/* Advance the off-box pin to our head, compare-and-swap: only from the pin
 * this process verified against, and never backwards. */
void
pxm_ledger_publish_anchor(struct pxm_ledger *l)
{
	struct pxm_anchor_pin pin;
	struct pxm_error err;

	if (l->anchor_kind == ANCHOR_NONE || l->poisoned)
		return;
	memset(&pin, 0, sizeof pin);
	pin.have = 1;
	memcpy(pin.head, l->w.head, 65);
	pin.entries = l->w.entries;
	pxm_ledger_ts(pin.ts, sizeof pin.ts);
	if (l->anchor_kind == ANCHOR_FILE) {
		if (pxm_anchor_file_cas(&err, l->anchor_file, &l->pin, &pin, l->node,
		    l->path) == PXM_OK) {
			l->pin = pin;
			snprintf(l->anchor_last_export, sizeof l->anchor_last_export, "%s", pin.ts);
		} else {
			pxm_warn("anchor not advanced: %s", err.text);
		}
	} else if (l->anchor_kind == ANCHOR_SYSLOG) {
		if (pxm_anchor_syslog_send(&err, l->anchor_syslog, &pin, l->node, l->path) == PXM_OK)
			snprintf(l->anchor_last_export, sizeof l->anchor_last_export, "%s", pin.ts);
		else
			pxm_warn("anchor head not sent: %s", err.text);
	}
}

/* ------------------------------------------------------------ open/close */

static char *
path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s%s", a, b);
	return p;
}

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
pxm_ledger_open(struct pxm_ledger **out, struct pxm_error *err,
    const struct pxm_ledger_config *cfg)
{
	struct pxm_ledger *l = NULL;
	char host[256], *ckpub = NULL;
	int created = 0, locked = 0, r = PXM_E_INTERNAL;

	*out = NULL;
	if (cfg->path == NULL || *cfg->path == '\0')
		return pxm_error_set(err, PXM_E_CONFIG, "ledger_path",
		    "PROXIMO_AUDIT_LOG is empty; accepted: a file path");
	if ((l = calloc(1, sizeof *l)) == NULL)
		return PXM_E_NOMEM;
	pthread_mutex_init(&l->mu, NULL);
	l->fd = -1;
	l->keyed = cfg->keyed;
	l->redact = cfg->redact;
	l->readonly = cfg->readonly;
	l->checkpoints = cfg->checkpoints;
	l->ck_every = cfg->checkpoint_every;
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	if ((l->path = strdup(cfg->path)) == NULL || (l->dir = dir_of(cfg->path)) == NULL ||
	    (l->face = strdup(cfg->face ? cfg->face : "stdio")) == NULL ||
	    (l->node = strdup(cfg->node ? cfg->node : host)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	l->principal = xstrdup(cfg->principal);
	if (cfg->key_path)
		l->key_path = strdup(cfg->key_path);
	else
		l->key_path = path_join(l->dir, "/audit.key");
	if (cfg->checkpoint_key_path)
		l->ck_key_path = strdup(cfg->checkpoint_key_path);
	else
		l->ck_key_path = path_join(l->dir, "/audit-checkpoint.key");
	if (l->key_path == NULL || l->ck_key_path == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if (cfg->expected_head && *cfg->expected_head) {
		if (!pxm_ledger_looks_like_head(cfg->expected_head)) {
			r = pxm_error_set(err, PXM_E_CONFIG, "expected_head",
			    "invalid expected_head: PROXIMO_AUDIT_EXPECTED_HEAD must be a "
			    "64-char lowercase hex head() value");
			goto out;
		}
		memcpy(l->expected_head, cfg->expected_head, 65);
	}
	if ((r = ensure_dir(err, l->dir, !l->readonly, "PROXIMO_AUDIT_LOG")) != PXM_OK)
		goto out;
	if (l->keyed && (r = key_load(l, err, !l->readonly)) != PXM_OK)
		goto out;

	/* Anchor: a readable sink that cannot be read refuses the start. */
	if ((r = pxm_anchor_kind(&l->anchor_kind, err, cfg->anchor_sink)) != PXM_OK)
		goto out;
	if (l->anchor_kind == ANCHOR_FILE) {
		if (cfg->anchor_file == NULL || *cfg->anchor_file == '\0') {
			r = pxm_error_set(err, PXM_E_CONFIG, "anchor",
			    "PROXIMO_AUDIT_ANCHOR_SINK=file needs PROXIMO_AUDIT_ANCHOR_FILE_PATH");
			goto out;
		}
		l->anchor_file = strdup(cfg->anchor_file);
		if ((r = pxm_anchor_file_read(&l->pin, err, l->anchor_file)) != PXM_OK)
			goto out;
	} else if (l->anchor_kind == ANCHOR_SYSLOG) {
		if (cfg->anchor_syslog == NULL || *cfg->anchor_syslog == '\0') {
			r = pxm_error_set(err, PXM_E_CONFIG, "anchor",
			    "PROXIMO_AUDIT_ANCHOR_SINK=syslog needs "
			    "PROXIMO_AUDIT_ANCHOR_SYSLOG_ADDRESS (a unix socket path or host:port)");
			goto out;
		}
		l->anchor_syslog = strdup(cfg->anchor_syslog);
		if (!l->expected_head[0] && !l->readonly)
			pxm_warn("PROXIMO_AUDIT_ANCHOR_SINK=syslog is write-only: heads are "
			    "exported, but automatic tail-truncation detection is not covered "
			    "without PROXIMO_AUDIT_EXPECTED_HEAD");
	}

	/* Checkpoint key: writers sign, everyone verifies with the public half. */
	if (l->checkpoints) {
		if (!l->readonly) {
			if ((r = pxm_ckpt_key_load_or_create(&l->ck_key, err, l->ck_key_path, 1)) != PXM_OK)
				goto out;
			EVP_PKEY_up_ref(l->ck_key);
			l->ck_pub = l->ck_key;
		} else if ((ckpub = path_join(l->ck_key_path, ".pub")) != NULL) {
			if (access(ckpub, R_OK) == 0 &&
			    (r = pxm_ckpt_pub_load(&l->ck_pub, err, ckpub)) != PXM_OK)
				goto out;
		}
	}

	if ((r = open_fd(l, err, &created)) != PXM_OK)
		goto out;
	if (l->fd >= 0) {
		if ((r = lock_current(l, err, l->readonly ? LOCK_SH : LOCK_EX)) != PXM_OK)
			goto out;
		locked = 1;
	}
	if ((r = open_scan(l, err)) != PXM_OK)
		goto out;
	if (l->rotated && l->pin.have)
		pxm_warn("the ledger was rotated at open: re-pin the off-box anchor %s "
		    "deliberately (the archived chain holds the old pin)", l->anchor_file);
	else if (!l->readonly && !l->corrupt && l->pin.have &&
	    (l->w.pin_at == 0 || (l->pin.entries && l->pin.entries != l->w.pin_at)))
		poison(l, "the ledger does not extend the off-box anchor (pinned head %.16s… "
		    "at %" PRIu64 " entries; the ledger has %" PRIu64 "): TRUNCATION, "
		    "ROLLBACK or a rewritten history", l->pin.head, l->pin.entries,
		    l->w.entries);
	r = PXM_OK;
out:
	if (locked && l->fd >= 0)
		pxm_ledger_io->flock(l->fd, LOCK_UN);
	free(ckpub);
	if (r != PXM_OK) {
		pxm_secret_scrub_buf(err ? err->text : NULL, err ? sizeof err->text : 0);
		pxm_ledger_close(l);
		return r;
	}
	if (!l->keyed && !l->readonly)
		pxm_warn("PROVE ledger %s is UNKEYED (PROXIMO_AUDIT_KEYED=off): entries are "
		    "chained with bare SHA-256, so anyone who can write the file can "
		    "rewrite it undetectably. Keyed mode is the default for a reason", l->path);
	if (!l->redact && !l->readonly)
		pxm_warn("PROXIMO_LEDGER_REDACT is off: exec commands and SQL are stored "
		    "verbatim in the ledger");
	*out = l;
	return PXM_OK;
}

void
pxm_ledger_close(struct pxm_ledger *l)
{
	struct pxm_error err;

	if (l == NULL)
		return;
	if (l->fd >= 0 && !l->readonly && !l->poisoned && l->ck_key != NULL &&
	    l->since_ck > 0 && pxm_ledger_lock(l, &err) == PXM_OK) {
		if (checkpoint_locked(l, &err, NULL) != PXM_OK)
			pxm_warn("shutdown checkpoint not written: %s", err.text);
		pxm_ledger_unlock(l);
	}
	if (l->fd >= 0)
		close(l->fd);
	pxm_ledger_walk_free(&l->w);
	EVP_PKEY_free(l->ck_key);
	EVP_PKEY_free(l->ck_pub);
	OPENSSL_cleanse(l->key, sizeof l->key);
	free(l->path);
	free(l->dir);
	free(l->key_path);
	free(l->principal);
	free(l->face);
	free(l->node);
	free(l->anchor_file);
	free(l->anchor_syslog);
	free(l->ck_key_path);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

void
pxm_ledger_head(struct pxm_ledger *l, char *head, uint64_t *entries)
{
	pthread_mutex_lock(&l->mu);
	if (head)
		memcpy(head, l->w.head, 65);
	if (entries)
		*entries = l->w.entries;
	pthread_mutex_unlock(&l->mu);
}

const char *
pxm_ledger_path(const struct pxm_ledger *l)
{
	return l->path;
}

int
pxm_ledger_keyed(const struct pxm_ledger *l)
{
	return l->keyed;
}

int
pxm_ledger_redact_enabled(const struct pxm_ledger *l)
{
	return l->redact;
}

/* ----------------------------------------------------------- environment */

void
pxm_ledger_config_free_storage(char **storage)
{
	size_t i;

	if (storage == NULL)
		return;
	for (i = 0; storage[i]; i++)
		free(storage[i]);
	free(storage);
}

static int
falsy(const char *v)
{
	return v && (strcasecmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0);
}

int
pxm_ledger_config_from_env(struct pxm_ledger_config *cfg, char ***storage,
    struct pxm_error *err)
{
	char **st = calloc(4, sizeof *st), *head = NULL;
	const char *v;
	uint64_t every;
	int keyed, ck, r;
	size_t i;

	*storage = st;
	if (st == NULL)
		return PXM_E_NOMEM;
	pxm_ledger_config_init(cfg);
	if ((v = pxm_config_get("PROXIMO_AUDIT_LOG")) != NULL)
		cfg->path = v;
	else if ((cfg->path = st[0] = pxm_config_home_path(".local/state/proximo/audit.log")) == NULL)
		return PXM_E_NOMEM;
	if ((r = pxm_config_bool(&keyed, err, "PROXIMO_AUDIT_KEYED", 1)) != PXM_OK)
		return r;
	cfg->key_path = pxm_config_get("PROXIMO_AUDIT_KEY_PATH");
	if (!keyed && cfg->key_path != NULL) {
		pxm_warn("PROXIMO_AUDIT_KEYED=off but PROXIMO_AUDIT_KEY_PATH is set: the "
		    "explicit key path takes precedence, the ledger stays keyed");
		keyed = 1;
	}
	cfg->keyed = keyed;
	/* As the reference: only an explicit falsy value turns redaction off. */
	cfg->redact = !falsy(pxm_config_get("PROXIMO_LEDGER_REDACT"));
	cfg->principal = pxm_config_get("PROXIMO_PRINCIPAL");
	if ((v = pxm_config_get("PROXIMO_AUDIT_EXPECTED_HEAD")) != NULL) {
		/* strip().lower(), as the reference normalises pins */
		while (*v == ' ' || *v == '\t')
			v++;
		if ((head = st[1] = strdup(v)) == NULL)
			return PXM_E_NOMEM;
		for (i = strlen(head); i > 0 && (head[i - 1] == ' ' || head[i - 1] == '\t' ||
		    head[i - 1] == '\n'); i--)
			head[i - 1] = '\0';
		for (i = 0; head[i]; i++)
			if (head[i] >= 'A' && head[i] <= 'F')
				head[i] = (char)(head[i] - 'A' + 'a');
		cfg->expected_head = *head ? head : NULL;
	}
	cfg->anchor_sink = pxm_config_get("PROXIMO_AUDIT_ANCHOR_SINK");
	cfg->anchor_file = pxm_config_get("PROXIMO_AUDIT_ANCHOR_FILE_PATH");
	cfg->anchor_syslog = pxm_config_get("PROXIMO_AUDIT_ANCHOR_SYSLOG_ADDRESS");
	cfg->node = pxm_config_get("PROXIMO_NODE");
	if ((r = pxm_config_bool(&ck, err, "PROXIMO_AUDIT_CHECKPOINTS", 1)) != PXM_OK)
		return r;
	cfg->checkpoints = ck;
	cfg->checkpoint_key_path = pxm_config_get("PROXIMO_AUDIT_CHECKPOINT_KEY_PATH");
	if ((r = pxm_config_uint(&every, err, "PROXIMO_AUDIT_CHECKPOINT_EVERY", 1000, 0,
	    UINT32_MAX)) != PXM_OK)
		return r;
	cfg->checkpoint_every = every;
	return PXM_OK;
}

static int
open_env(struct pxm_ledger **out, struct pxm_error *err, int readonly)
{
	struct pxm_ledger_config cfg;
	char **st = NULL;
	int r;

	*out = NULL;
	if ((r = pxm_ledger_config_from_env(&cfg, &st, err)) == PXM_OK) {
		cfg.readonly = readonly;
		r = pxm_ledger_open(out, err, &cfg);
	}
	pxm_ledger_config_free_storage(st);
	return r;
}

int
pxm_ledger_open_from_env(struct pxm_ledger **out, struct pxm_error *err)
{
	return open_env(out, err, 0);
}

int
pxm_ledger_open_from_env_readonly(struct pxm_ledger **out, struct pxm_error *err)
{
	return open_env(out, err, 1);
}
