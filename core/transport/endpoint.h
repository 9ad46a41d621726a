/**
 * @file endpoint.h
 * @brief A configured remote: PVE, PBS or PMG, its base URL, credential,
 * TLS policy, timeouts and connection pool.
 *
 * An endpoint is created from the PROXIMO_* settings (docs/TRANSPORT.md)
 * and never fails because configuration is missing or wrong: that is
 * reported by every request (and by pxm_endpoint_configured()), so a box
 * with no Proxmox configured still serves the ledger tools.  Only
 * allocation failure makes pxm_endpoint_new() fail.
 *
 * Not thread-safe: one thread uses an endpoint at a time.
 */
#ifndef PXM_TRANSPORT_ENDPOINT_H
#define PXM_TRANSPORT_ENDPOINT_H

#include <jansson.h>

#include "proximo/sdk.h"

struct pxm_endpoint;	/* sdk.h's opaque type; defined in endpoint_int.h */

/**
 * Read the settings of `product` ("pve", "pbs" or "pmg") from the
 * environment.  A loud warning is logged when TLS verification was turned
 * off (PROXIMO_VERIFY_TLS=false with no pin and no CA bundle) and when a
 * setting is garbled.  PXM_E_INVAL for an unknown product, PXM_E_NOMEM.
 */
int	pxm_endpoint_new(struct pxm_endpoint **out, struct pxm_error *err,
	    const char *product);
/** Close its connections, wipe its session ticket, free it.  NULL is fine. */
void	pxm_endpoint_free(struct pxm_endpoint *ep);

/** PXM_OK, or PXM_E_CONFIG naming every missing variable ("PVE is not
 *  configured: set PROXIMO_API_BASE_URL, PROXIMO_TOKEN_PATH") or the
 *  garbled one. */
int	pxm_endpoint_configured(const struct pxm_endpoint *ep, struct pxm_error *err);

/** The default node (PROXIMO_NODE, PROXIMO_PMG_NODE or "pmg", PBS
 *  "localhost"); NULL when PVE has none configured. */
const char *pxm_endpoint_node(const struct pxm_endpoint *ep);
/** "pve", "pbs" or "pmg". */
const char *pxm_endpoint_product(const struct pxm_endpoint *ep);
/** "PVE", "PBS" or "PMG" (for messages). */
const char *pxm_endpoint_label(const struct pxm_endpoint *ep);

/** 1 when TLS verification is off (VERIFY_TLS=false, no pin, no CA): the
 *  `doctor` flag. */
int	pxm_endpoint_tls_unverified(const struct pxm_endpoint *ep);

/**
 * For doctor and proximo_status: a new object with product, configured,
 * missing[], config_error, base_url, host, node, tls ("pinned",
 * "ca_bundle", "system" or "UNVERIFIED"), fingerprint, ca_bundle, auth,
 * token_id or username, timeouts and limits.  The token file is read to
 * report the token id; the secret is never included.
 */
int	pxm_endpoint_describe(json_t **out, const struct pxm_endpoint *ep);

#endif
