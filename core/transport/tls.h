/**
 * @file tls.h
 * @brief TLS policy for the HTTPS transport: certificate fingerprints, the
 * exact-certificate pin enforced inside the handshake, and the pre-request
 * re-check.
 *
 * Three modes (chosen per endpoint, see endpoint.h):
 *  - pinned:    the SHA-256 of the leaf certificate's DER must equal the pin.
 *               Checked by an OpenSSL verify callback during the handshake
 *               (so a wrong certificate never sees an HTTP byte), and again
 *               on every request before it is sent (covers reused
 *               connections).  Chain and hostname checks are replaced by the
 *               pin.  No build-time or runtime switch turns it off.
 *  - ca_bundle: chain and hostname verified against the given PEM file; a
 *               certificate in the file is a trust anchor even if it is not
 *               self-signed (X509_V_FLAG_PARTIAL_CHAIN), so pointing the
 *               setting at the node's own certificate works.
 *  - system:    chain and hostname verified against the system store.
 *  - UNVERIFIED only when explicitly asked for (VERIFY_TLS=false).
 */
#ifndef PXM_TRANSPORT_TLS_H
#define PXM_TRANSPORT_TLS_H

#include "transport/curl_api.h"

#include "proximo/sdk.h"

#define PXM_TLS_FP_HEXLEN	64	/* SHA-256 as lowercase hex */
#define PXM_TLS_MAX_PINS	2	/* the current and the next certificate */

enum pxm_tls_mode {
	PXM_TLS_SYSTEM = 0,
	PXM_TLS_CA_BUNDLE,
	PXM_TLS_PINNED,
	PXM_TLS_UNVERIFIED,
};

/** "system", "ca_bundle", "pinned", "UNVERIFIED". */
const char *pxm_tls_mode_name(enum pxm_tls_mode mode);

/**
 * Per-endpoint TLS state.  It is referenced by every TLS connection of the
 * endpoint (SSL_CTX ex_data), so it must live as long as the endpoint's
 * connections, i.e. as long as the endpoint.
 */
struct pxm_tls_policy {
	enum pxm_tls_mode mode;
	/* Pinned mode: the accepted fingerprints.  Two allow a planned
	 * certificate renewal without an outage. */
	char		pins[PXM_TLS_MAX_PINS][PXM_TLS_FP_HEXLEN + 1];
	size_t		npins;
	/* Written by the callbacks: a counter so a transfer can tell whether
	 * a mismatch happened during its own attempt. */
	unsigned long	mismatches;
	char		last_observed[PXM_TLS_FP_HEXLEN + 1];
	/* Chain/name verification failures (ca_bundle, system), counted the
	 * same way, with OpenSSL's reason for the last one. */
	unsigned long	verify_failures;
	char		last_verify_error[128];
};

/**
 * Normalise a fingerprint written as "AA:BB:..." (the Proxmox GUI form) or
 * bare hex into 64 lowercase hex digits.  On error the text names `var` and
 * gives the openssl command that prints the right value.
 */
int	pxm_tls_fingerprint_parse(char out[PXM_TLS_FP_HEXLEN + 1],
	    struct pxm_error *err, const char *var, const char *value);

/**
 * Parse a pin setting into pol->pins: one fingerprint, or two separated by
 * ',' (the current certificate and its replacement, during a renewal).
 */
int	pxm_tls_pins_parse(struct pxm_tls_policy *pol, struct pxm_error *err,
	    const char *var, const char *value);
/** "X" or "X or Y", for messages. */
void	pxm_tls_pins_text(char *buf, size_t size, const struct pxm_tls_policy *pol);

/** SHA-256 of a certificate's DER (`cert` is an X509 *). */
int	pxm_tls_cert_fingerprint(char out[PXM_TLS_FP_HEXLEN + 1], const void *cert);

/** PXM_OK when libcurl does TLS with OpenSSL (the pin needs it). */
int	pxm_tls_backend_check(struct pxm_error *err);

/** Check that a PEM file holds at least one certificate (eager load). */
int	pxm_tls_ca_file_check(struct pxm_error *err, const char *var, const char *path);

/**
 * CURLOPT_SSL_CTX_FUNCTION; CURLOPT_SSL_CTX_DATA is the endpoint's
 * struct pxm_tls_policy.  Installs the pin callback (pinned), the partial
 * chain flag (ca_bundle), and refuses renegotiation (all modes).
 */
CURLcode pxm_tls_sslctx_setup(CURL *curl, void *sslctx, void *policy);

/**
 * Re-check the connection a transfer is about to use, just before the
 * request is sent: in pinned mode the peer certificate's fingerprint must
 * equal the pin; in verifying modes the verify result must be OK.  Returns
 * 1 when the request may go, 0 when it must be aborted (and, on a pin
 * mismatch, counts it in the policy).
 */
int	pxm_tls_connection_ok(struct pxm_tls_policy *policy, CURL *curl);

#endif
