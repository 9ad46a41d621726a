/**
 * @file http_int.h
 * @brief Internals shared by the HTTPS transport's files: the transfer
 * record, the engine (http_engine.c), authentication (http_auth.c) and
 * error mapping (http_errors.c).
 */
#ifndef PXM_TRANSPORT_HTTP_INT_H
#define PXM_TRANSPORT_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "transport/curl_api.h"
#include <jansson.h>

#include "proximo/sdk.h"
#include "transport/endpoint_int.h"
#include "transport/http.h"
#include "util/buf.h"

/** Credentials for one call, built from the token file or the PMG session
 *  at call time; every string is secret and wiped by auth_clear. */
struct pxm_http_auth {
	char	*authorization;	/* "Authorization: PVEAPIToken=..." */
	char	*cookie;	/* "Cookie: PMGAuthCookie=..." */
	char	*csrf;		/* "CSRFPreventionToken: ..." */
	char	token_id[256];	/* "user@pam!proximo" (not secret) */
};

/** One request through the engine, from validation to its result. */
struct pxm_xfer {
	/* The request, validated and encoded before anything is sent. */
	const char	*method;	/* static "GET", "POST", "PUT", "DELETE" */
	char		*path;
	uint32_t	flags;
	uint32_t	timeout_ms;	/* the whole operation, retries included */
	int		login;		/* PMG login: no auth headers */
	struct pxm_buf	query;		/* GET/DELETE: encoded params */
	struct pxm_buf	body_out;	/* POST/PUT: encoded params (may be secret) */
	const char	*content_type;

	/* Where the result goes. */
	struct pxm_http_response *resp;
	struct pxm_error *err;
	int		rc;
	int		done;

	/* Engine state for the current attempt. */
	CURL		*easy;
	struct curl_slist *headers;
	struct pxm_buf	url;
	struct pxm_buf	body_in;
	char		reason_phrase[256];
	char		errbuf[CURL_ERROR_SIZE];
	int		too_large;
	int		prereq_refused;
	int		attempts;
	uint64_t	t_start_ms;
	uint32_t	attempt_timeout_ms;
	uint32_t	attempt_connect_ms;
	unsigned long	mismatches_before;
	unsigned long	verify_failures_before;
	struct pxm_endpoint *ep;
};

/* http.c */
int	pxm_http_global_init(struct pxm_error *err);
uint64_t pxm_http_now_ms(void);

/* http_engine.c: run xs[0..n) to completion (each gets rc/err/resp). */
void	pxm_http_engine_run(struct pxm_endpoint *ep, struct pxm_xfer **xs,
	    size_t n, const struct pxm_http_auth *auth,
	    const struct pxm_http_hooks *hooks);
/** Close the endpoint's connections and free its handles. */
void	pxm_http_engine_free(struct pxm_endpoint *ep);
/** Forget an attempt's results so the transfer can run again. */
void	pxm_http_xfer_rearm(struct pxm_xfer *x);

/* http_auth.c */
int	pxm_http_auth_prepare(struct pxm_http_auth *a, struct pxm_error *err,
	    struct pxm_endpoint *ep, const struct pxm_http_hooks *hooks);
void	pxm_http_auth_clear(struct pxm_http_auth *a);
/** The token id (USER@REALM!TOKENID) from the token file; never the secret. */
int	pxm_http_token_id(char *buf, size_t size, struct pxm_error *err,
	    const struct pxm_endpoint *ep);
/** Drop the PMG ticket and CSRF token (wiped). */
void	pxm_http_session_clear(struct pxm_endpoint *ep);

/* http_errors.c */
/** Fill x->err as "<PRODUCT> <METHOD> <path>: <text>", scrubbed; sets x->rc. */
void	pxm_http_fail(struct pxm_xfer *x, int code, const char *reason,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/** Map a non-2xx answer (x->resp filled) to x->err. */
void	pxm_http_map_status(struct pxm_xfer *x, const struct pxm_http_auth *auth);
/** The smallest built-in PVE role granting `priv` (Administrator for the
 *  root-only ones), or NULL for an unknown privilege. */
const char *pxm_pve_role_for(const char *priv);

#endif
