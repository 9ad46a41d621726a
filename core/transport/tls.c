/**
 * @file tls.c
 * @brief Certificate fingerprints and the in-handshake pin (see tls.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "transport/tls.h"
#include "util/error.h"

#define FP_HINT	"openssl x509 -fingerprint -sha256 -noout -in cert.pem"

const char *
pxm_tls_mode_name(enum pxm_tls_mode mode)
{
	switch (mode) {
	case PXM_TLS_PINNED:	return "pinned";
	case PXM_TLS_CA_BUNDLE:	return "ca_bundle";
	case PXM_TLS_UNVERIFIED: return "UNVERIFIED";
	case PXM_TLS_SYSTEM:
	default:		return "system";
	}
}

int
pxm_tls_fingerprint_parse(char out[PXM_TLS_FP_HEXLEN + 1], struct pxm_error *err,
    const char *var, const char *value)
{
	size_t n = 0, i;
	const char *p;

	out[0] = '\0';
	if (value == NULL)
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "%s is not set", var);
	/* An optional "sha256//" or "SHA256 Fingerprint=" style prefix is not
	 * guessed at: only hex digits and ':' separators are accepted. */
	for (p = value; *p; p++) {
		if (*p == ':' && p != value && p[1] != '\0' && p[1] != ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= PXM_TLS_FP_HEXLEN)
			goto bad;
		out[n++] = (char)tolower((unsigned char)*p);
	}
	if (n != PXM_TLS_FP_HEXLEN)
		goto bad;
	/* With separators they must split the digits into pairs. */
	if (strchr(value, ':') != NULL) {
		for (i = 0, p = value; *p; p++, i++)
			if ((i % 3 == 2) != (*p == ':'))
				goto bad;
	}
	out[n] = '\0';
	return PXM_OK;
bad:
	out[0] = '\0';
	return pxm_error_set(err, PXM_E_CONFIG, "config",
	    "%s is not a SHA-256 certificate fingerprint; accepted: 64 hex digits, "
	    "bare or as AA:BB:... pairs (as the Proxmox GUI shows it). Print it "
	    "with: " FP_HINT, var);
}

int
pxm_tls_pins_parse(struct pxm_tls_policy *pol, struct pxm_error *err,
    const char *var, const char *value)
{
	char one[256];
	const char *p = value;
	size_t n;
	int r;

	pol->npins = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (pol->npins == PXM_TLS_MAX_PINS)
			return pxm_error_set(err, PXM_E_CONFIG, "config",
			    "%s holds more than %d fingerprints; accepted: the "
			    "certificate's fingerprint, or two separated by ',' while "
			    "a renewal is under way", var, PXM_TLS_MAX_PINS);
		snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : 0), p);
		if ((r = pxm_tls_fingerprint_parse(pol->pins[pol->npins], err, var,
		    one)) != PXM_OK) {
			pol->npins = 0;
			return r;
		}
		pol->npins++;
		p += strcspn(p, ",");
		if (*p != ',')
			break;
		p++;
	}
	return PXM_OK;
}

void
pxm_tls_pins_text(char *buf, size_t size, const struct pxm_tls_policy *pol)
{
	if (pol->npins == 2)
		snprintf(buf, size, "%s or %s", pol->pins[0], pol->pins[1]);
	else
		snprintf(buf, size, "%s", pol->npins ? pol->pins[0] : "(none)");
}

static int
pin_matches(const struct pxm_tls_policy *pol, const char *fp)
{
	size_t i;
	int ok = 0;

	for (i = 0; i < pol->npins; i++)
		ok |= CRYPTO_memcmp(fp, pol->pins[i], PXM_TLS_FP_HEXLEN) == 0;
	return ok;
}

int
pxm_tls_cert_fingerprint(char out[PXM_TLS_FP_HEXLEN + 1], const void *cert)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (cert == NULL ||
	    X509_digest((const X509 *)cert, EVP_sha256(), md, &mdlen) != 1 ||
	    mdlen * 2 != PXM_TLS_FP_HEXLEN)
		return PXM_E_TLS;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[PXM_TLS_FP_HEXLEN] = '\0';
	return PXM_OK;
}

int
pxm_tls_backend_check(struct pxm_error *err)
{
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);

	if (vi == NULL || vi->ssl_version == NULL ||
	    strncmp(vi->ssl_version, "OpenSSL", 7) != 0)
		return pxm_error_set(err, PXM_E_UNSUPPORTED, "tls_backend",
		    "libcurl uses %s for TLS; certificate pinning needs libcurl "
		    "built with OpenSSL (Debian: libcurl4-openssl-dev / libcurl4)",
		    vi && vi->ssl_version ? vi->ssl_version : "no TLS library");
	return PXM_OK;
}

int
pxm_tls_ca_file_check(struct pxm_error *err, const char *var, const char *path)
{
	X509 *x = NULL;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "%s: cannot read %s: %s", var, path, strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (x == NULL)
		return pxm_error_set(err, PXM_E_CONFIG, "config",
		    "%s: %s holds no PEM certificate; point it at the node's "
		    "certificate (e.g. /etc/pve/nodes/<node>/pve-ssl.pem) or at the "
		    "CA that signed it", var, path);
	X509_free(x);
	return PXM_OK;
}

/* The SSL_CTX ex_data slot holding the endpoint's policy. */
static int
policy_index(void)
{
	static int idx = -1;

	if (idx < 0)
		idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	return idx;
}

static void
note_mismatch(struct pxm_tls_policy *pol, const char *observed)
{
	pol->mismatches++;
	snprintf(pol->last_observed, sizeof pol->last_observed, "%s", observed);
}

/*
 * Pinned mode's verify callback.  The pin replaces chain and hostname
 * validation, so errors above the leaf are ignored and the leaf is accepted
 * exactly when its fingerprint equals the pin.  Returning 0 aborts the
 * handshake: the client sends an alert and never an HTTP byte.
 */
static int
pin_verify_cb(int preverify_ok, X509_STORE_CTX *sctx)
{
	struct pxm_tls_policy *pol;
	char fp[PXM_TLS_FP_HEXLEN + 1];
	SSL *ssl;
	X509 *cert;

	(void)preverify_ok;
	ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL)
		return 0;
	pol = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), policy_index());
	if (pol == NULL || pol->mode != PXM_TLS_PINNED)
		return 0;	/* fail closed: no policy, no trust */
	if (X509_STORE_CTX_get_error_depth(sctx) > 0)
		return 1;
	cert = X509_STORE_CTX_get_current_cert(sctx);
	if (pxm_tls_cert_fingerprint(fp, cert) != PXM_OK) {
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	if (!pin_matches(pol, fp)) {
		note_mismatch(pol, fp);
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	X509_STORE_CTX_set_error(sctx, X509_V_OK);
	return 1;
}

/*
 * Verifying modes: OpenSSL decides; the callback only records why it
 * refused, so the error can say so even when libcurl reports the failed
 * handshake generically.
 */
static int
record_verify_cb(int preverify_ok, X509_STORE_CTX *sctx)
{
	struct pxm_tls_policy *pol;
	SSL *ssl;

	if (preverify_ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl != NULL &&
	    (pol = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), policy_index())) != NULL) {
		pol->verify_failures++;
		snprintf(pol->last_verify_error, sizeof pol->last_verify_error,
		    "%s (depth %d)", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(sctx)),
		    X509_STORE_CTX_get_error_depth(sctx));
	}
	return 0;
}

CURLcode
pxm_tls_sslctx_setup(CURL *curl, void *sslctx, void *policy)
{
	struct pxm_tls_policy *pol = policy;
	SSL_CTX *ctx = sslctx;

	(void)curl;
	if (pol == NULL || ctx == NULL || policy_index() < 0)
		return CURLE_SSL_CERTPROBLEM;
	if (!SSL_CTX_set_ex_data(ctx, policy_index(), pol))
		return CURLE_SSL_CERTPROBLEM;
	/* Proxmox never needs renegotiation; refusing it means the
	 * certificate cannot change under an established connection. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	switch (pol->mode) {
	case PXM_TLS_PINNED:
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, pin_verify_cb);
		break;
	case PXM_TLS_CA_BUNDLE:
		X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx),
		    X509_V_FLAG_PARTIAL_CHAIN);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, record_verify_cb);
		break;
	case PXM_TLS_SYSTEM:
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, record_verify_cb);
		break;
	case PXM_TLS_UNVERIFIED:
		break;
	}
	return CURLE_OK;
}

int
pxm_tls_connection_ok(struct pxm_tls_policy *pol, CURL *curl)
{
	struct curl_tlssessioninfo *ti = NULL;
	char fp[PXM_TLS_FP_HEXLEN + 1];
	const X509 *cert;
	SSL *ssl;
	int ok;

	if (pol->mode == PXM_TLS_UNVERIFIED)
		return 1;
	if (curl_easy_getinfo(curl, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK ||
	    ti == NULL || ti->backend != CURLSSLBACKEND_OPENSSL ||
	    (ssl = ti->internals) == NULL)
		return 0;
	if (pol->mode != PXM_TLS_PINNED)
		return SSL_get_verify_result(ssl) == X509_V_OK;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	cert = SSL_get0_peer_certificate(ssl);
	ok = pxm_tls_cert_fingerprint(fp, cert) == PXM_OK && pin_matches(pol, fp);
#else
	{
		X509 *c = SSL_get_peer_certificate(ssl);
		cert = c;
		ok = pxm_tls_cert_fingerprint(fp, cert) == PXM_OK &&
		    pin_matches(pol, fp);
		X509_free(c);
	}
#endif
	if (!ok)
		note_mismatch(pol, fp[0] ? fp : "(no certificate)");
	return ok;
}
