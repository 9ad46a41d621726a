/**
 * @file tls.c
 * @brief proximo-sim: self-signed certificate generation, loading, fingerprint.
 *
 * Clients pin the simulator's certificate by the SHA-256 of its DER form,
 * exactly as they would pin a Proxmox node (`pvenode cert info` prints the
 * same "AA:BB:..." form), so the fingerprint is computed here and printed in
 * the ready line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "proximo/sdk.h"
#include "util/error.h"
#include "util/secret.h"

#include "tls.h"

static char *
bio_string(BIO *b)
{
	char *p = NULL, *out;
	long n = BIO_get_mem_data(b, &p);

	if (n < 0 || (out = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return out;
}

static int
fingerprint(struct sim_cert *c, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(c->fingerprint + 3 * i, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
		snprintf(c->fingerprint_hex + 2 * i, 3, "%02x", md[i]);
	}
	return 0;
}

static void
ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof buf);
	snprintf(err, errlen, "%s: %s", what, e ? buf : "unknown OpenSSL error");
}

int
sim_cert_generate(struct sim_cert *c, char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	X509_EXTENSION *ext = NULL;
	X509V3_CTX ctx;
	BIO *bc = NULL, *bk = NULL;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int r = -1;

	memset(c, 0, sizeof *c);
	if ((pkey = EVP_EC_gen("P-256")) == NULL) {
		ssl_error(err, errlen, "generating the EC P-256 key");
		goto out;
	}
	if ((x = X509_new()) == NULL)
		goto oom;
	X509_set_version(x, 2);
	/* A random serial: two simulator runs never present the same cert. */
	if (RAND_bytes(serial, sizeof serial) != 1)
		goto oom;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof serial, NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto oom;
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * 365 * 2);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"proximo-sim", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
	    "IP:127.0.0.1,IP:::1,DNS:localhost")) == NULL ||
	    !X509_add_ext(x, ext, -1)) {
		ssl_error(err, errlen, "adding subjectAltName");
		goto out;
	}
	X509_EXTENSION_free(ext);
	ext = NULL;
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    "critical,CA:FALSE")) != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		ext = NULL;
	}
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage,
	    "serverAuth")) != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		ext = NULL;
	}
	if (!X509_sign(x, pkey, EVP_sha256())) {
		ssl_error(err, errlen, "signing the certificate");
		goto out;
	}
	if ((bc = BIO_new(BIO_s_mem())) == NULL || (bk = BIO_new(BIO_s_mem())) == NULL)
		goto oom;
	if (!PEM_write_bio_X509(bc, x) ||
	    !PEM_write_bio_PrivateKey(bk, pkey, NULL, NULL, 0, NULL, NULL))
		goto oom;
	if ((c->cert_pem = bio_string(bc)) == NULL || (c->key_pem = bio_string(bk)) == NULL)
		goto oom;
	if (fingerprint(c, x) != 0)
		goto oom;
	r = 0;
	goto out;
oom:
	ssl_error(err, errlen, "building the certificate");
out:
	if (r != 0)
		sim_cert_free(c);
	X509_EXTENSION_free(ext);
	BN_free(bn);
	BIO_free(bc);
	BIO_free_all(bk);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return r;
}

static char *
slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s: %m", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 1024 * 1024 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: not a readable PEM file of at most 1 MiB", path);
		fclose(f);
		return NULL;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "cannot read %s", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int
sim_cert_load(struct sim_cert *c, const char *cert_file, const char *key_file,
    char *err, size_t errlen)
{
	struct pxm_error e;
	BIO *b = NULL;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int r = -1;

	memset(c, 0, sizeof *c);
	memset(&e, 0, sizeof e);
	/* The private key is a secret: refuse one the whole box can read. */
	if (pxm_secret_file_check(&e, key_file, "--key") != PXM_OK) {
		snprintf(err, errlen, "%s", e.text);
		goto out;
	}
	if ((c->cert_pem = slurp(cert_file, err, errlen)) == NULL ||
	    (c->key_pem = slurp(key_file, err, errlen)) == NULL)
		goto out;
	if ((b = BIO_new_mem_buf(c->cert_pem, -1)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "--cert %s: not a PEM certificate", cert_file);
		goto out;
	}
	BIO_free(b);
	if ((b = BIO_new_mem_buf(c->key_pem, -1)) == NULL ||
	    (k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "--key %s: not an unencrypted PEM private key", key_file);
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		snprintf(err, errlen, "--key %s does not belong to --cert %s", key_file, cert_file);
		goto out;
	}
	if (fingerprint(c, x) != 0) {
		snprintf(err, errlen, "cannot compute the certificate fingerprint");
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		sim_cert_free(c);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

void
sim_cert_free(struct sim_cert *c)
{
	if (c->key_pem) {
		OPENSSL_cleanse(c->key_pem, strlen(c->key_pem));
		free(c->key_pem);
	}
	free(c->cert_pem);
	c->key_pem = c->cert_pem = NULL;
}
