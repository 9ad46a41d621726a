/**
 * @file http.c
 * @brief The transport's entry points: validate, authenticate, run, and
 * PMG's one re-login (see http.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transport/endpoint.h"
#include "transport/http_int.h"
#include "transport/path.h"
#include "transport/tls.h"
#include "util/error.h"
#include "util/log.h"

static int curl_ready;

/* The first request opens libcurl (libs.h) and initialises it: a server
 * nobody asked to reach PVE, PBS or PMG never maps it.  Requests are made
 * from the main thread only, so curl_ready needs no lock.  The TLS backend
 * is checked at every request (a string compare), so a refusal stays one. */
int
pxm_http_global_init(struct pxm_error *err)
{
	int r;

	if (!curl_ready) {
		if ((r = pxm_libcurl_load(err)) != PXM_OK)
			return r;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return pxm_error_set(err, PXM_E_INTERNAL, "internal",
			    "libcurl failed to initialise");
		curl_ready = 1;
	}
	return pxm_tls_backend_check(err);
}

void
pxm_http_global_cleanup(void)
{
	if (curl_ready)
		curl_global_cleanup();
	curl_ready = 0;
}

uint64_t
pxm_http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
pxm_http_response_clear(struct pxm_http_response *r)
{
	uint32_t size;

	if (r == NULL)
		return;
	size = r->size;
	json_decref(r->data);
	json_decref(r->errors);
	memset(r, 0, sizeof *r);
	r->size = size;
}

static int
response_init(struct pxm_http_response *r, struct pxm_error *err)
{
	uint32_t size = r->size;

	/* A caller built against a smaller (older) struct cannot take ours. */
	if (size != 0 && size < sizeof *r)
		return pxm_error_set(err, PXM_E_ABI, "abi",
		    "struct pxm_http_response is %u bytes, the transport needs %zu",
		    size, sizeof *r);
	memset(r, 0, sizeof *r);
	r->size = size ? size : (uint32_t)sizeof *r;
	return PXM_OK;
}

static void
xfer_cleanup(struct pxm_xfer *x)
{
	free(x->path);
	x->path = NULL;
	pxm_buf_free_secret(&x->query);
	pxm_buf_free_secret(&x->body_out);
	pxm_buf_free_secret(&x->url);
	pxm_buf_free(&x->body_in);
}

/* Validate and encode a request; nothing is sent for a refused one. */
static int
xfer_init(struct pxm_xfer *x, struct pxm_http_response *resp,
    struct pxm_error *err, struct pxm_endpoint *ep,
    const struct pxm_http_request *req_in)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE" };
	const size_t min_size = offsetof(struct pxm_http_request, params) +
	    sizeof req_in->params;
	struct pxm_http_request req;
	const char *label = ep->info->label;
	size_t i;
	int r;

	memset(x, 0, sizeof *x);
	x->ep = ep;
	x->resp = resp;
	x->err = err;
	x->method = "?";
	pxm_error_clear(err);
	if ((r = response_init(resp, err)) != PXM_OK)
		goto fail;
	if (req_in == NULL || req_in->size < min_size) {
		r = pxm_error_set(err, PXM_E_ABI, "bad_request",
		    "%s request refused: struct pxm_http_request.size must be set "
		    "to sizeof (struct pxm_http_request)", label);
		goto fail;
	}
	memset(&req, 0, sizeof req);
	memcpy(&req, req_in, req_in->size < sizeof req ? req_in->size : sizeof req);
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (req.method != NULL && strcmp(req.method, methods[i]) == 0)
			x->method = methods[i];
	if (x->method[0] == '?') {
		r = pxm_error_set(err, PXM_E_INVAL, "bad_request",
		    "%s request refused before sending: the method is not accepted; "
		    "accepted: GET, POST, PUT, DELETE", label);
		goto fail;
	}
	if ((r = pxm_path_check(err, req.path)) != PXM_OK) {
		pxm_error_prefix(err, "%s %s refused before sending", label, x->method);
		goto fail;
	}
	if ((x->path = strdup(req.path)) == NULL) {
		r = pxm_error_set(err, PXM_E_NOMEM, "internal", "out of memory");
		goto fail;
	}
	x->flags = req.flags;
	x->timeout_ms = req.timeout_ms ? req.timeout_ms : ep->timeout_ms;
	if (strcmp(x->method, "GET") == 0 || strcmp(x->method, "DELETE") == 0) {
		r = pxm_http_form_encode(&x->query, err, req.params);
	} else if (x->flags & PXM_HTTP_BODY_JSON) {
		char *s = NULL;
		x->content_type = "application/json";
		if (req.params != NULL && !json_is_object(req.params))
			r = pxm_error_set(err, PXM_E_INVAL, "bad_param",
			    "request parameters must be a JSON object");
		else if (req.params == NULL)
			r = pxm_buf_puts(&x->body_out, "{}");
		else if ((s = json_dumps(req.params, JSON_COMPACT)) == NULL)
			r = pxm_error_set(err, PXM_E_NOMEM, "internal", "out of memory");
		else
			r = pxm_buf_puts(&x->body_out, s);
		free(s);
	} else {
		x->content_type = "application/x-www-form-urlencoded";
		r = pxm_http_form_encode(&x->body_out, err, req.params);
	}
	if (r != PXM_OK) {
		pxm_error_prefix(err, "%s %s %s refused before sending", label,
		    x->method, x->path);
		goto fail;
	}
	return PXM_OK;
fail:
	x->rc = r;
	x->done = 1;
	if (err != NULL && err->code == PXM_OK)
		err->code = r;
	return r;
}

static void
fail_all(struct pxm_xfer **xs, size_t n, const struct pxm_error *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		xs[i]->rc = e->code;
		xs[i]->done = 1;
		if (xs[i]->err != NULL)
			*xs[i]->err = *e;
	}
}

static int
is_cancelled(const struct pxm_http_hooks *hooks)
{
	return hooks != NULL && hooks->cancelled != NULL &&
	    hooks->cancelled(hooks->arg);
}

static void
perform(struct pxm_endpoint *ep, struct pxm_xfer **xs, size_t n,
    const struct pxm_http_hooks *hooks)
{
	struct pxm_http_auth auth;
	struct pxm_error e = { 0 };
	struct pxm_xfer **again = NULL;
	size_t nagain = 0, i;

	memset(&auth, 0, sizeof auth);
	if (n == 0)
		return;
	if (pxm_endpoint_configured(ep, &e) != PXM_OK ||
	    pxm_http_global_init(&e) != PXM_OK ||
	    pxm_http_auth_prepare(&auth, &e, ep, hooks) != PXM_OK) {
		fail_all(xs, n, &e);
		goto out;
	}
	pxm_http_engine_run(ep, xs, n, &auth, hooks);
	if (ep->info->auth != PXM_AUTH_PMG_TICKET || is_cancelled(hooks))
		goto out;
	/* PMG tickets expire: a 401 means log in again, once, and retry the
	 * refused requests once (they were refused, so none ran). */
	for (i = 0; i < n; i++)
		if (xs[i]->rc == PXM_E_AUTH && xs[i]->resp->status == 401)
			nagain++;
	if (nagain == 0)
		goto out;
	if ((again = calloc(nagain, sizeof *again)) == NULL) {
		goto out;
	}
	for (i = 0, nagain = 0; i < n; i++)
		if (xs[i]->rc == PXM_E_AUTH && xs[i]->resp->status == 401)
			again[nagain++] = xs[i];
	pxm_info("PMG: the session was refused (HTTP 401); logging in again once");
	pxm_http_session_clear(ep);
	pxm_http_auth_clear(&auth);
	if (pxm_http_auth_prepare(&auth, &e, ep, hooks) != PXM_OK) {
		fail_all(again, nagain, &e);
		goto out;
	}
	for (i = 0; i < nagain; i++)
		pxm_http_xfer_rearm(again[i]);
	pxm_http_engine_run(ep, again, nagain, &auth, hooks);
out:
	free(again);
	pxm_http_auth_clear(&auth);
}

int
pxm_http_request(struct pxm_http_response *out, struct pxm_error *err,
    struct pxm_endpoint *ep, const struct pxm_http_request *req)
{
	return pxm_http_request_ex(out, err, ep, req, NULL);
}

int
pxm_http_request_many(struct pxm_http_response *out, struct pxm_error *errs,
    struct pxm_endpoint *ep, const struct pxm_http_request *reqs, size_t n)
{
	return pxm_http_request_many_ex(out, errs, ep, reqs, n, NULL);
}

int
pxm_http_request_ex(struct pxm_http_response *out, struct pxm_error *err,
    struct pxm_endpoint *ep, const struct pxm_http_request *req,
    const struct pxm_http_hooks *hooks)
{
	struct pxm_xfer x, *xs[1];
	int r;

	if (out == NULL || ep == NULL)
		return pxm_error_set(err, PXM_E_INVAL, "bad_request",
		    "pxm_http_request needs a response and an endpoint");
	if ((r = xfer_init(&x, out, err, ep, req)) == PXM_OK) {
		xs[0] = &x;
		perform(ep, xs, 1, hooks);
		r = x.rc;
	}
	xfer_cleanup(&x);
	return r;
}

int
pxm_http_request_many_ex(struct pxm_http_response *out, struct pxm_error *errs,
    struct pxm_endpoint *ep, const struct pxm_http_request *reqs, size_t n,
    const struct pxm_http_hooks *hooks)
{
	struct pxm_xfer *xf = NULL, **xs = NULL;
	size_t i, m = 0;
	int r = PXM_OK;

	if (n == 0)
		return PXM_OK;
	if (out == NULL || reqs == NULL || ep == NULL)
		return PXM_E_INVAL;
	if ((xf = calloc(n, sizeof *xf)) == NULL ||
	    (xs = calloc(n, sizeof *xs)) == NULL) {
		free(xf);
		for (i = 0; i < n; i++)
			pxm_error_set(errs ? &errs[i] : NULL, PXM_E_NOMEM,
			    "internal", "out of memory");
		return PXM_E_NOMEM;
	}
	for (i = 0; i < n; i++)
		if (xfer_init(&xf[i], &out[i], errs ? &errs[i] : NULL, ep,
		    &reqs[i]) == PXM_OK)
			xs[m++] = &xf[i];
	perform(ep, xs, m, hooks);
	for (i = 0; i < n; i++) {
		if (r == PXM_OK && xf[i].rc != PXM_OK)
			r = xf[i].rc;
		xfer_cleanup(&xf[i]);
	}
	free(xs);
	free(xf);
	return r;
}
