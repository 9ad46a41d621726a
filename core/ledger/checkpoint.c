/**
 * @file checkpoint.c
 * @brief Ed25519 checkpoint keys, signatures and their verification.
 *
 * Why a signature on top of the HMAC chain: whoever can check an HMAC can
 * also forge one.  A checkpoint signed with Ed25519 can be checked by
 * anyone holding the public key, offline, with stock `openssl pkeyutl`,
 * and cannot be forged by them (docs/LEDGER.md, "Signed checkpoints").
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ledger/internal.h"
#include "ledger/io.h"
#include "util/error.h"
#include "util/secret.h"

static const char hexd[] = "0123456789abcdef";

static int
write_pub(EVP_PKEY *k, const char *path)
{
	char *tmp = NULL;
	size_t n = strlen(path) + 16;
	FILE *f = NULL;
	int fd = -1, r = PXM_E_INTERNAL;

	if ((tmp = malloc(n)) == NULL)
		return PXM_E_NOMEM;
	snprintf(tmp, n, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0644) != 0 ||
	    (f = fdopen(fd, "w")) == NULL)
		goto out;
	fd = -1;
	if (!PEM_write_PUBKEY(f, k) || fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto out;
	if (rename(tmp, path) != 0)
		goto out;
	r = PXM_OK;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (r != PXM_OK && tmp)
		unlink(tmp);
	free(tmp);
	return r;
}

static int
key_create(struct pxm_error *err, const char *path)
{
	EVP_PKEY *k = NULL;
	char *tmp = NULL;
	size_t n = strlen(path) + 32;
	FILE *f = NULL;
	int fd = -1, r = PXM_E_INTERNAL;

	if ((tmp = malloc(n)) == NULL)
		return PXM_E_NOMEM;
	snprintf(tmp, n, "%s.tmp-XXXXXX", path);
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		r = pxm_error_set(err, PXM_E_INTERNAL, "checkpoint_key",
		    "cannot generate an Ed25519 checkpoint key");
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0600) != 0 ||
	    (f = fdopen(fd, "w")) == NULL)
		goto ioerr;
	fd = -1;
	if (!PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fflush(f) != 0 ||
	    pxm_ledger_io->fsync(fileno(f)) != 0)
		goto ioerr;
	/* link(): the loser of a race keeps the winner's key. */
	if (pxm_ledger_io->link(tmp, path) != 0 && errno != EEXIST)
		goto ioerr;
	r = PXM_OK;
	goto out;
ioerr:
	r = pxm_error_set(err, PXM_E_CONFIG, "checkpoint_key",
	    "cannot create the checkpoint key at %s: %s; set "
	    "PROXIMO_AUDIT_CHECKPOINTS=off to run without signed checkpoints",
	    path, strerror(errno));
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	EVP_PKEY_free(k);
	return r;
}

/* The PEM every Ed25519 key we or `openssl genpkey` write has: PKCS#8,
 * 48 bytes of DER whose last 32 are the seed.  Read directly, it costs a
 * fraction of OpenSSL's generic decoder chain at every start; anything
 * else (another encoding, extra text) goes the general way. */
static EVP_PKEY *
ed25519_pkcs8_fast(FILE *f)
{
	static const char head[] = "-----BEGIN PRIVATE KEY-----\n";
	static const char tail[] = "\n-----END PRIVATE KEY-----\n";
	static const unsigned char prefix[16] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05,
	    0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };
	char text[160];
	unsigned char der[51];
	EVP_PKEY *k = NULL;
	size_t n = fread(text, 1, sizeof text - 1, f);

	text[n] = '\0';
	if (n == sizeof head - 1 + 64 + sizeof tail - 1 &&
	    memcmp(text, head, sizeof head - 1) == 0 &&
	    memcmp(text + sizeof head - 1 + 64, tail, sizeof tail - 1) == 0 &&
	    EVP_DecodeBlock(der, (unsigned char *)text + sizeof head - 1, 64) == 48 &&
	    memcmp(der, prefix, sizeof prefix) == 0)
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, der + 16, 32);
	OPENSSL_cleanse(text, sizeof text);
	OPENSSL_cleanse(der, sizeof der);
	if (k == NULL)
		rewind(f);
	return k;
}

int
pxm_ckpt_key_load_or_create(EVP_PKEY **out, struct pxm_error *err,
    const char *path, int create)
{
	struct stat st;
	char *pub = NULL;
	FILE *f = NULL;
	int fd = -1, r = PXM_E_INTERNAL;
	size_t n = strlen(path) + 8;

	*out = NULL;
	if (lstat(path, &st) != 0 && errno == ENOENT && create &&
	    (r = key_create(err, path)) != PXM_OK)
		goto out;
	if ((r = pxm_secret_file_check(err, path, "PROXIMO_AUDIT_CHECKPOINT_KEY_PATH")) != PXM_OK)
		goto out;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (f = fdopen(fd, "r")) == NULL) {
		r = pxm_error_set(err, PXM_E_CONFIG, "checkpoint_key",
		    "PROXIMO_AUDIT_CHECKPOINT_KEY_PATH: cannot open %s: %s", path,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if ((*out = ed25519_pkcs8_fast(f)) == NULL)
		*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	if (*out == NULL ||
	    EVP_PKEY_get_id(*out) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(*out);
		*out = NULL;
		r = pxm_error_set(err, PXM_E_CONFIG, "checkpoint_key",
		    "PROXIMO_AUDIT_CHECKPOINT_KEY_PATH: %s is not an Ed25519 private key "
		    "in PEM; accepted: the output of `openssl genpkey -algorithm ed25519`",
		    path);
		goto out;
	}
	/* Keep the public half beside it for operators to hand out. */
	if ((pub = malloc(n)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	snprintf(pub, n, "%s.pub", path);
	if (access(pub, F_OK) != 0)
		write_pub(*out, pub);
	r = PXM_OK;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	free(pub);
	return r;
}

int
pxm_ckpt_pub_load(EVP_PKEY **out, struct pxm_error *err, const char *path)
{
	FILE *f;

	*out = NULL;
	if ((f = fopen(path, "re")) == NULL)
		return pxm_error_set(err, PXM_E_CONFIG, "checkpoint_key",
		    "cannot open the checkpoint public key %s: %s", path, strerror(errno));
	*out = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL || EVP_PKEY_get_id(*out) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return pxm_error_set(err, PXM_E_CONFIG, "checkpoint_key",
		    "%s is not an Ed25519 public key in PEM", path);
	}
	return PXM_OK;
}

int
pxm_ckpt_pub_sha256(char *out, EVP_PKEY *k)
{
	unsigned char raw[64], md[32];
	size_t n = sizeof raw;
	int i;

	if (!EVP_PKEY_get_raw_public_key(k, raw, &n) ||
	    !EVP_Digest(raw, n, md, NULL, EVP_sha256(), NULL))
		return PXM_E_INTERNAL;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
	return PXM_OK;
}

int
pxm_ckpt_pub_pem(char **out, EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	*out = NULL;
	if (b == NULL)
		return PXM_E_NOMEM;
	if (PEM_write_bio_PUBKEY(b, k) && (n = BIO_get_mem_data(b, &p)) > 0 &&
	    (*out = malloc((size_t)n + 1)) != NULL) {
		memcpy(*out, p, (size_t)n);
		(*out)[n] = '\0';
	}
	BIO_free(b);
	return *out ? PXM_OK : PXM_E_NOMEM;
}

int
pxm_ckpt_sign(char **sig_b64, struct pxm_error *err, EVP_PKEY *k,
    const char *msg, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	size_t slen = sizeof sig;
	int r = PXM_E_INTERNAL;

	*sig_b64 = NULL;
	if (ctx == NULL || !EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) ||
	    !EVP_DigestSign(ctx, sig, &slen, (const unsigned char *)msg, len) ||
	    slen != 64) {
		r = pxm_error_set(err, PXM_E_INTERNAL, "checkpoint_sign",
		    "cannot sign the checkpoint");
		goto out;
	}
	if ((*sig_b64 = malloc(4 * ((slen + 2) / 3) + 1)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)*sig_b64, sig, (int)slen);
	r = PXM_OK;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
verify_raw(EVP_PKEY *k, const unsigned char *msg, size_t len,
    const unsigned char *sig, size_t slen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = 0;

	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, slen, msg, len) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

int
pxm_ckpt_verify_b64(EVP_PKEY *k, const char *msg, size_t len, const char *sig_b64)
{
	unsigned char sig[96];
	size_t bl = strlen(sig_b64);
	int n;

	if (bl != 88 || sig_b64[86] != '=' || sig_b64[87] != '=')
		return 0;
	if ((n = EVP_DecodeBlock(sig, (const unsigned char *)sig_b64, (int)bl)) != 66)
		return 0;
	return verify_raw(k, (const unsigned char *)msg, len, sig, 64);
}

int
pxm_ledger_checkpoint_verify(struct pxm_error *err, const char *pubkey_pem_path,
    const unsigned char *msg, size_t msglen, const unsigned char *sig, size_t siglen)
{
	EVP_PKEY *k = NULL;
	int r;

	if ((r = pxm_ckpt_pub_load(&k, err, pubkey_pem_path)) != PXM_OK)
		return r;
	r = verify_raw(k, msg, msglen, sig, siglen) ? PXM_OK :
	    pxm_error_set(err, PXM_E_DENIED, "checkpoint_invalid",
	    "the checkpoint signature does not verify with %s (wrong key, or the "
	    "checkpoint or signature was altered)", pubkey_pem_path);
	EVP_PKEY_free(k);
	return r;
}
