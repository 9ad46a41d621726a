/**
 * @file http.h
 * @brief The HTTPS transport: requests to a PVE/PBS/PMG endpoint over
 * libcurl, with connection reuse, parallel fetches, deadlines, the TLS pin,
 * per-product authentication and errors an agent can act on.
 *
 * Rules (docs/TRANSPORT.md has the long form):
 *  - GET and DELETE send params as the query, POST and PUT as an
 *    application/x-www-form-urlencoded body: booleans become 1/0, JSON null
 *    is dropped, arrays repeat the key, nested objects are refused.
 *  - The token file is read at every call (it may be rotated) and refused
 *    when group/world-accessible; header buffers are wiped after use.
 *  - GETs are retried once on a connection-level failure (never on an HTTP
 *    error or a timeout) within the original deadline; POST, PUT and DELETE
 *    are never retried, and always use a fresh connection so that libcurl's
 *    own stale-connection resend cannot repeat them.  PMG's expired ticket
 *    (HTTP 401) is the exception: clear, log in again once, retry once.
 *  - Every error text passes the secret scrubber and names method and path,
 *    never the query string or a header.
 *
 * Ownership: requests and params are borrowed; responses hold new
 * references the caller drops with pxm_http_response_clear().
 */
#ifndef PXM_TRANSPORT_HTTP_H
#define PXM_TRANSPORT_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "proximo/sdk.h"
#include "util/buf.h"

struct pxm_endpoint;

/**
 * Internal request flag (not in sdk.h yet): send params as a JSON body
 * instead of a form (PBS/PMG calls that need typed values).
 */
#define PXM_HTTP_BODY_JSON	(1u << 16)

/** Polled at least every 100 ms while a request runs; nonzero aborts it
 *  with PXM_E_CANCELLED (reason "cancelled"). */
typedef int pxm_http_cancel_fn(void *arg);

struct pxm_http_hooks {
	pxm_http_cancel_fn *cancelled;
	void		*arg;
};

/**
 * One request.  PXM_OK on a 2xx, with out->data a new reference (the body's
 * "data" member, or the body).  Otherwise an error code with err filled
 * (reason http_401, http_403, http_400, http_404, http_5xx,
 * timeout_connect, timeout_request, tls_pin, tls_verify, connect,
 * not_configured, cancelled, too_large, bad_response, bad_request, ...)
 * and, when an HTTP answer arrived, out->status, out->message and (400)
 * out->errors.
 */
int	pxm_http_request(struct pxm_http_response *out, struct pxm_error *err,
	    struct pxm_endpoint *ep, const struct pxm_http_request *req);
/** The same, aborting promptly when hooks->cancelled says so (NULL: never). */
int	pxm_http_request_ex(struct pxm_http_response *out, struct pxm_error *err,
	    struct pxm_endpoint *ep, const struct pxm_http_request *req,
	    const struct pxm_http_hooks *hooks);

/**
 * n requests over the endpoint's pool, at most PROXIMO_HTTP_PARALLEL at a
 * time.  out[] and errs[] have n elements, each filled as by
 * pxm_http_request().  PXM_OK when every request got a 2xx, else the code
 * of the first failed one.
 */
int	pxm_http_request_many(struct pxm_http_response *out, struct pxm_error *errs,
	    struct pxm_endpoint *ep, const struct pxm_http_request *reqs, size_t n);
int	pxm_http_request_many_ex(struct pxm_http_response *out, struct pxm_error *errs,
	    struct pxm_endpoint *ep, const struct pxm_http_request *reqs, size_t n,
	    const struct pxm_http_hooks *hooks);

/** Drop data/errors and zero the response (size kept). */
void	pxm_http_response_clear(struct pxm_http_response *r);

/**
 * Encode params as "k=v&k=v" (percent-encoding, booleans 1/0, null
 * dropped, arrays repeated); PXM_E_INVAL names the parameter when a value
 * cannot be encoded.  Exposed for tests and for the plan's display.
 */
int	pxm_http_form_encode(struct pxm_buf *out, struct pxm_error *err,
	    const json_t *params);

/** curl_global_cleanup() for tools like valgrind; call once at exit, after
 *  every endpoint was freed. */
void	pxm_http_global_cleanup(void);

#endif
