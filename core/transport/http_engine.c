/**
 * @file http_engine.c
 * @brief Running transfers over an endpoint's curl multi handle.
 *
 * Single requests and batches take the same path: a window of at most
 * PROXIMO_HTTP_PARALLEL transfers on the endpoint's multi handle, whose
 * connection cache is the endpoint's pool (so sequential calls reuse
 * connections, and a batch fans out over several).  The loop wakes at
 * least every 100 ms to honour cancellation.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "transport/http_int.h"
#include "transport/tls.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"

#define POLL_MS			100
/* A GET is retried only if this much of its deadline is left. */
#define RETRY_MIN_LEFT_MS	50u

enum outcome { DONE, RETRY };

/* ------------------------------------------------------------ handles */

static int
ensure_multi(struct pxm_endpoint *ep)
{
	if (ep->multi != NULL)
		return PXM_OK;
	if ((ep->idle = calloc(ep->parallel, sizeof *ep->idle)) == NULL)
		return PXM_E_NOMEM;
	ep->idle_cap = ep->parallel;
	if ((ep->multi = curl_multi_init()) == NULL) {
		free(ep->idle);
		ep->idle = NULL;
		return PXM_E_NOMEM;
	}
	curl_multi_setopt(ep->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)ep->parallel);
	curl_multi_setopt(ep->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)ep->parallel);
	curl_multi_setopt(ep->multi, CURLMOPT_MAXCONNECTS, (long)ep->parallel);
	curl_multi_setopt(ep->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	return PXM_OK;
}

static CURL *
take_handle(struct pxm_endpoint *ep)
{
	if (ep->nidle > 0)
		return ep->idle[--ep->nidle];
	return curl_easy_init();
}

static void
wipe_headers(struct curl_slist **h)
{
	struct curl_slist *s;

	/* libcurl copied our header strings; wipe its copies too. */
	for (s = *h; s != NULL; s = s->next)
		if (s->data != NULL)
			OPENSSL_cleanse(s->data, strlen(s->data));
	curl_slist_free_all(*h);
	*h = NULL;
}

/* End an attempt: the handle goes back to the pool, headers are wiped. */
static void
release_attempt(struct pxm_xfer *x)
{
	struct pxm_endpoint *ep = x->ep;

	if (x->easy != NULL) {
		curl_easy_reset(x->easy);	/* drop pointers into x */
		if (ep->nidle < ep->idle_cap)
			ep->idle[ep->nidle++] = x->easy;
		else
			curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	wipe_headers(&x->headers);
}

void
pxm_http_engine_free(struct pxm_endpoint *ep)
{
	size_t i;

	for (i = 0; i < ep->nidle; i++)
		curl_easy_cleanup(ep->idle[i]);
	free(ep->idle);
	ep->idle = NULL;
	ep->nidle = ep->idle_cap = 0;
	if (ep->multi != NULL)
		curl_multi_cleanup(ep->multi);
	ep->multi = NULL;
}

void
pxm_http_xfer_rearm(struct pxm_xfer *x)
{
	pxm_http_response_clear(x->resp);
	pxm_error_clear(x->err);
	x->rc = PXM_OK;
	x->done = 0;
	x->attempts = 0;
}

/* ---------------------------------------------------------- callbacks */

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct pxm_xfer *x = ud;
	size_t n = size * nmemb;

	if (x->body_in.len + n > x->ep->max_response) {
		x->too_large = 1;
		return 0;
	}
	if (pxm_buf_append(&x->body_in, ptr, n) != PXM_OK)
		return 0;
	return n;
}

/* Keep the reason phrase: PVE puts its error message there
 * ("HTTP/1.1 403 Permission check failed (/vms/100, VM.PowerMgmt)"). */
static size_t
header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct pxm_xfer *x = ud;
	size_t n = size * nitems, i = 0, o = 0;

	if (n < 12 || memcmp(buf, "HTTP/", 5) != 0)
		return n;
	while (i < n && buf[i] != ' ')		/* version */
		i++;
	while (i < n && buf[i] == ' ')
		i++;
	while (i < n && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
		i++;				/* status code */
	while (i < n && buf[i] == ' ')
		i++;
	while (i < n && buf[i] != '\r' && buf[i] != '\n' &&
	    o < sizeof x->reason_phrase - 1) {
		x->reason_phrase[o++] = ((unsigned char)buf[i] < 0x20) ? ' ' : buf[i];
		i++;
	}
	x->reason_phrase[o] = '\0';
	return n;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* Last word before the request leaves: the connection it will use (new or
 * reused) must still present the pinned certificate. */
static int
prereq_cb(void *ud, char *conn_primary_ip, char *conn_local_ip,
    int conn_primary_port, int conn_local_port)
{
	struct pxm_xfer *x = ud;

	(void)conn_primary_ip;
	(void)conn_local_ip;
	(void)conn_primary_port;
	(void)conn_local_port;
	if (!pxm_tls_connection_ok(&x->ep->tls, x->easy)) {
		x->prereq_refused = 1;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}
#endif

/* ------------------------------------------------------------ attempts */

static uint32_t
remaining_ms(const struct pxm_xfer *x)
{
	uint64_t el = pxm_http_now_ms() - x->t_start_ms;

	return el >= x->timeout_ms ? 0 : (uint32_t)(x->timeout_ms - el);
}

static int
build_headers(struct pxm_xfer *x, const struct pxm_http_auth *auth)
{
	struct curl_slist *h = NULL, *t;
	char ct[96];
	const char *add[6];
	size_t n = 0, i;

	add[n++] = "Accept: application/json";
	add[n++] = "Expect:";		/* no 100-continue round trip */
	if (x->content_type != NULL) {
		snprintf(ct, sizeof ct, "Content-Type: %s", x->content_type);
		add[n++] = ct;
	}
	if (!x->login && auth != NULL) {
		if (auth->authorization)
			add[n++] = auth->authorization;
		if (auth->cookie)
			add[n++] = auth->cookie;
		/* PMG wants the CSRF token on everything but GET. */
		if (auth->csrf && strcmp(x->method, "GET") != 0)
			add[n++] = auth->csrf;
	}
	for (i = 0; i < n; i++) {
		if ((t = curl_slist_append(h, add[i])) == NULL) {
			wipe_headers(&h);
			return PXM_E_NOMEM;
		}
		h = t;
	}
	x->headers = h;
	return PXM_OK;
}

static int
set_options(struct pxm_xfer *x)
{
	struct pxm_endpoint *ep = x->ep;
	CURL *c = x->easy;
	CURLcode e = CURLE_OK;

#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, x->url.data);
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_VERBOSE, 0L);		/* it would print the token */
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* "" disables proxies from the environment: only an explicit
	 * PROXIMO_HTTP_PROXY is used. */
	SET(CURLOPT_PROXY, ep->proxy ? ep->proxy : "");
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)x->attempt_connect_ms);
	SET(CURLOPT_TIMEOUT_MS, (long)x->attempt_timeout_ms);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ep->max_response);
	SET(CURLOPT_USERAGENT, "proximo/" PACKAGE_VERSION);
	SET(CURLOPT_HTTPHEADER, x->headers);
	SET(CURLOPT_SSL_CTX_FUNCTION, pxm_tls_sslctx_setup);
	SET(CURLOPT_SSL_CTX_DATA, &ep->tls);
#if LIBCURL_VERSION_NUM >= 0x075000
	SET(CURLOPT_PREREQFUNCTION, prereq_cb);
	SET(CURLOPT_PREREQDATA, x);
#endif
	switch (ep->tls.mode) {
	case PXM_TLS_PINNED:
		/* The pin replaces chain and name checks (tls.c); no session
		 * resumption, so every connection shows its certificate. */
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
		SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
		break;
	case PXM_TLS_CA_BUNDLE:
		/* The bundle alone: without clearing CAPATH, a libcurl built
		 * with a CA directory would trust the system CAs as well. */
		SET(CURLOPT_CAINFO, ep->ca_bundle);
		SET(CURLOPT_CAPATH, NULL);
		SET(CURLOPT_SSL_VERIFYPEER, 1L);
		SET(CURLOPT_SSL_VERIFYHOST, 2L);
		break;
	case PXM_TLS_SYSTEM:
		SET(CURLOPT_SSL_VERIFYPEER, 1L);
		SET(CURLOPT_SSL_VERIFYHOST, 2L);
		break;
	case PXM_TLS_UNVERIFIED:
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
		break;
	}
	if (strcmp(x->method, "GET") == 0) {
		SET(CURLOPT_HTTPGET, 1L);
	} else {
		/* A mutation never rides a reused connection: libcurl resends a
		 * request whose reused connection died before any answer, and a
		 * mutation must not be sent twice. */
		SET(CURLOPT_FRESH_CONNECT, 1L);
		if (strcmp(x->method, "POST") == 0 || strcmp(x->method, "PUT") == 0) {
			SET(CURLOPT_POSTFIELDS, x->body_out.data ? x->body_out.data : "");
			SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_out.len);
		}
		if (strcmp(x->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, x->method);
	}
#undef SET
	return e == CURLE_OK ? PXM_OK : PXM_E_INTERNAL;
}

static int
start_attempt(struct pxm_xfer *x, const struct pxm_http_auth *auth)
{
	struct pxm_endpoint *ep = x->ep;
	uint32_t left;
	int r;

	x->attempts++;
	pxm_buf_reset(&x->body_in);
	x->reason_phrase[0] = '\0';
	x->errbuf[0] = '\0';
	x->too_large = 0;
	x->prereq_refused = 0;
	left = remaining_ms(x);
	if (left == 0)
		left = 1;
	x->attempt_timeout_ms = left;
	x->attempt_connect_ms = ep->connect_timeout_ms < left ?
	    ep->connect_timeout_ms : left;
	x->mismatches_before = ep->tls.mismatches;
	x->verify_failures_before = ep->tls.verify_failures;
	if (x->url.len == 0) {
		if ((r = pxm_buf_printf(&x->url, "%s%s", ep->base_url, x->path)) != PXM_OK ||
		    (x->query.len > 0 &&
		    (r = pxm_buf_printf(&x->url, "?%s", x->query.data)) != PXM_OK)) {
			pxm_http_fail(x, r, "internal", "out of memory");
			return r;
		}
	}
	if ((x->easy = take_handle(ep)) == NULL) {
		pxm_http_fail(x, PXM_E_NOMEM, "internal", "cannot create a curl handle");
		return PXM_E_NOMEM;
	}
	if ((r = build_headers(x, auth)) != PXM_OK ||
	    (r = set_options(x)) != PXM_OK) {
		pxm_http_fail(x, r, "internal", "cannot set up the request (%s)",
		    pxm_strerror(r));
		release_attempt(x);
		return r;
	}
	if (curl_multi_add_handle(ep->multi, x->easy) != CURLM_OK) {
		pxm_http_fail(x, PXM_E_INTERNAL, "internal", "cannot start the request");
		release_attempt(x);
		return PXM_E_INTERNAL;
	}
	return PXM_OK;
}

/* ------------------------------------------------------------- answers */

static void
trim_message(char *m)
{
	size_t n = strlen(m), i;

	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r' || m[n - 1] == ' ' ||
	    m[n - 1] == '\t'))
		m[--n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)m[i] < 0x20 || m[i] == 0x7f)
			m[i] = ' ';
}

static void
parse_answer(struct pxm_xfer *x, const struct pxm_http_auth *auth)
{
	struct pxm_http_response *resp = x->resp;
	const char *msg = NULL;
	json_error_t je;
	json_t *root = NULL, *v;
	long st = 0;
	int ok;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
	resp->status = st;
	ok = st >= 200 && st < 300;
	if (x->body_in.len > 0)
		root = json_loadb(x->body_in.data, x->body_in.len, JSON_DECODE_ANY, &je);
	if (json_is_object(root)) {
		v = (x->flags & PXM_HTTP_WHOLE_ANSWER) ? NULL : json_object_get(root, "data");
		resp->data = json_incref(v ? v : root);
		if (json_is_object(v = json_object_get(root, "errors")))
			resp->errors = json_incref(v);
		msg = json_string_value(json_object_get(root, "message"));
	} else if (root != NULL) {
		resp->data = json_incref(root);
	} else if (x->body_in.len == 0) {
		if (ok)
			resp->data = json_null();
	} else if (!ok && x->body_in.data[0] != '<') {
		msg = x->body_in.data;		/* PBS: the bare message text */
	}				/* (an HTML page says less than the status line) */
	snprintf(resp->message, sizeof resp->message, "%s",
	    msg && *msg ? msg : ok ? "" : x->reason_phrase);
	trim_message(resp->message);
	pxm_secret_scrub_buf(resp->message, sizeof resp->message);
	json_decref(root);

	if (ok && root == NULL && x->body_in.len > 0) {
		pxm_http_fail(x, PXM_E_REMOTE, "bad_response",
		    "%s answered HTTP %ld with a body that is not JSON; is %s "
		    "really its API (https://HOST:PORT/api2/json)?",
		    x->ep->info->label, st, x->ep->info->base_var);
		return;
	}
	if (ok) {
		x->rc = PXM_OK;
		pxm_error_clear(x->err);
		return;
	}
	pxm_http_map_status(x, auth);
}

/* Printable duration for messages. */
static void
fmt_ms(char *buf, size_t size, uint32_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%u s", ms / 1000);
	else
		snprintf(buf, size, "%u ms", ms);
}

/* Was the failure below HTTP, where a GET may safely be sent again? */
static int
connection_level(const struct pxm_xfer *x, CURLcode res, long os_err, int pin_fail)
{
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		/* A reset during the handshake, not a certificate problem. */
		return !pin_fail &&
		    x->ep->tls.verify_failures == x->verify_failures_before &&
		    (os_err == ECONNRESET || os_err == EPIPE ||
		    os_err == ECONNABORTED || strstr(x->errbuf, "reset") != NULL ||
		    strstr(x->errbuf, "unexpected eof") != NULL);
	default:
		return 0;
	}
}

static void
map_curl_error(struct pxm_xfer *x, CURLcode res, long os_err, int pin_fail,
    int cancelled)
{
	const struct pxm_endpoint *ep = x->ep;
	const struct pxm_product_info *pi = ep->info;
	int mutation = strcmp(x->method, "GET") != 0;
	curl_off_t appconnect = 0;
	long nconnects = 0;
	char d[32], detail[CURL_ERROR_SIZE + 8], pins[2 * PXM_TLS_FP_HEXLEN + 8];

	snprintf(detail, sizeof detail, "%s",
	    x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
	if (cancelled) {
		pxm_http_fail(x, PXM_E_CANCELLED, "cancelled",
		    "cancelled by the client%s", mutation ? "; the request may "
		    "already have reached the server: check before repeating it" : "");
		return;
	}
	if (pin_fail) {
		pxm_tls_pins_text(pins, sizeof pins, &ep->tls);
		pxm_http_fail(x, PXM_E_TLS, "tls_pin",
		    "server certificate fingerprint mismatch: pinned %s, observed %s "
		    "\xe2\x80\x94 refusing before any request (token never sent). If %s "
		    "renewed its certificate on purpose, update %s (openssl x509 "
		    "-fingerprint -sha256 -noout -in /etc/pve/local/pve-ssl.pem).",
		    pins, ep->tls.last_observed[0] ? ep->tls.last_observed :
		    "(none)", ep->host, pi->fp_var);
		return;
	}
	if (ep->tls.verify_failures != x->verify_failures_before)
		snprintf(detail, sizeof detail, "%s", ep->tls.last_verify_error);
	if (x->prereq_refused || res == CURLE_PEER_FAILED_VERIFICATION ||
	    ep->tls.verify_failures != x->verify_failures_before
#if LIBCURL_VERSION_NUM < 0x073e00
	    || res == CURLE_SSL_CACERT
#endif
	    ) {
		pxm_http_fail(x, PXM_E_TLS, "tls_verify",
		    "cannot verify the server certificate of %s (%s); nothing was "
		    "sent. Trust the node's certificate with %s=/path/to/pve-ssl.pem "
		    "or pin it with %s=<sha256> (openssl x509 -fingerprint -sha256 "
		    "-noout -in cert.pem); do not turn verification off.",
		    ep->host, detail, pi->ca_var, pi->fp_var);
		return;
	}
	if (res == CURLE_OPERATION_TIMEDOUT) {
		curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &appconnect);
		curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nconnects);
		/* Connected = a reused connection, or a finished handshake. */
		if (nconnects > 0 && appconnect == 0) {
			if (x->attempt_connect_ms < x->attempt_timeout_ms) {
				fmt_ms(d, sizeof d, x->attempt_connect_ms);
				pxm_http_fail(x, PXM_E_TIMEOUT, "timeout_connect",
				    "no connection to %s within the connect deadline "
				    "of %s (PROXIMO_HTTP_CONNECT_TIMEOUT); the request "
				    "was not sent. Check that the host is up and its "
				    "port reachable from here.", ep->host, d);
			} else {
				fmt_ms(d, sizeof d, x->attempt_timeout_ms);
				pxm_http_fail(x, PXM_E_TIMEOUT, "timeout_request",
				    "the request deadline of %s (PROXIMO_HTTP_TIMEOUT or "
				    "this call's timeout) passed while still connecting "
				    "to %s; the request was not sent.", d, ep->host);
			}
			return;
		}
		fmt_ms(d, sizeof d, x->attempt_timeout_ms);
		pxm_http_fail(x, PXM_E_TIMEOUT, "timeout_request",
		    "no complete answer within the request deadline of %s "
		    "(PROXIMO_HTTP_TIMEOUT or this call's timeout); %s", d,
		    mutation ? "the request was sent and may still complete on "
		    "the server: check its state or task list before repeating it."
		    : "retry later or with a longer timeout.");
		return;
	}
	if (x->too_large || res == CURLE_FILESIZE_EXCEEDED) {
		pxm_http_fail(x, PXM_E_REMOTE, "too_large",
		    "the answer is larger than PROXIMO_HTTP_MAX_BYTES (%zu bytes); "
		    "narrow the request (filters, a shorter time range) or raise "
		    "the limit.", ep->max_response);
		return;
	}
	if (connection_level(x, res, os_err, 0)) {
		if (res == CURLE_COULDNT_RESOLVE_HOST)
			pxm_http_fail(x, PXM_E_TRANSPORT, "connect",
			    "cannot resolve the host of %s (%s).", pi->base_var, detail);
		else if (res == CURLE_COULDNT_CONNECT)
			pxm_http_fail(x, PXM_E_TRANSPORT, "connect",
			    "cannot connect to %s (%s)%s. Check that %s is up and its "
			    "API port is reachable from here.", ep->host, detail,
			    x->attempts > 1 ? ", also on a retry" : "", pi->label);
		else
			pxm_http_fail(x, PXM_E_TRANSPORT, "connect",
			    "the connection to %s broke (%s)%s%s", ep->host, detail,
			    x->attempts > 1 ? ", also on a retry" : "",
			    mutation ? "; the request may or may not have reached "
			    "the server: check before repeating it." : ".");
		return;
	}
	if (res == CURLE_SSL_CONNECT_ERROR) {
		pxm_http_fail(x, PXM_E_TLS, "tls_handshake",
		    "TLS handshake with %s failed (%s); nothing was sent. Is it "
		    "serving HTTPS on that port?", ep->host, detail);
		return;
	}
	pxm_http_fail(x, PXM_E_TRANSPORT, "transport",
	    "transport error talking to %s: %s", ep->host, detail);
}

static enum outcome
finish_attempt(struct pxm_xfer *x, CURLcode res, const struct pxm_http_auth *auth,
    int cancelled)
{
	struct pxm_endpoint *ep = x->ep;
	long os_err = 0;
	int pin_fail, retry = 0;

	if (res == CURLE_OK && !cancelled) {
		parse_answer(x, auth);
	} else {
		curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_err);
		pin_fail = ep->tls.mode == PXM_TLS_PINNED &&
		    (ep->tls.mismatches != x->mismatches_before || x->prereq_refused);
		retry = !cancelled && strcmp(x->method, "GET") == 0 &&
		    !(x->flags & PXM_HTTP_NO_RETRY) && x->attempts == 1 &&
		    remaining_ms(x) >= RETRY_MIN_LEFT_MS &&
		    connection_level(x, res, os_err, pin_fail);
		if (!retry)
			map_curl_error(x, res, os_err, pin_fail, cancelled);
	}
	pxm_debug("%s %s %s: %s%s (attempt %d, %lu ms)", ep->info->label, x->method,
	    x->path, res == CURLE_OK ? "answered" : curl_easy_strerror(res),
	    retry ? ", retrying once" : "", x->attempts,
	    (unsigned long)(pxm_http_now_ms() - x->t_start_ms));
	release_attempt(x);
	if (retry)
		return RETRY;
	x->done = 1;
	return DONE;
}

/* ------------------------------------------------------------------ run */

void
pxm_http_engine_run(struct pxm_endpoint *ep, struct pxm_xfer **xs, size_t n,
    const struct pxm_http_auth *auth, const struct pxm_http_hooks *hooks)
{
	size_t next = 0, active = 0, i;
	struct pxm_xfer *x;
	int running, cancelled = 0, q;
	CURLMsg *m;

	if (ensure_multi(ep) != PXM_OK) {
		for (i = 0; i < n; i++) {
			xs[i]->done = 1;
			pxm_http_fail(xs[i], PXM_E_NOMEM, "internal", "out of memory");
		}
		return;
	}
	for (;;) {
		while (!cancelled && active < ep->parallel && next < n) {
			x = xs[next++];
			x->t_start_ms = pxm_http_now_ms();
			x->attempts = 0;
			if (start_attempt(x, auth) == PXM_OK)
				active++;
			else
				x->done = 1;
		}
		if (active == 0)
			break;
		curl_multi_perform(ep->multi, &running);
		while ((m = curl_multi_info_read(ep->multi, &q)) != NULL) {
			CURLcode res;

			if (m->msg != CURLMSG_DONE)
				continue;
			x = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			if (x == NULL)
				continue;
			/* The message is invalid once its handle is removed. */
			res = m->data.result;
			curl_multi_remove_handle(ep->multi, x->easy);
			if (finish_attempt(x, res, auth, 0) == RETRY &&
			    start_attempt(x, auth) == PXM_OK)
				continue;
			x->done = 1;
			active--;
		}
		if (active == 0)
			continue;
		if (hooks != NULL && hooks->cancelled != NULL &&
		    hooks->cancelled(hooks->arg)) {
			cancelled = 1;
			for (i = 0; i < next; i++) {
				x = xs[i];
				if (x->done || x->easy == NULL)
					continue;
				curl_multi_remove_handle(ep->multi, x->easy);
				finish_attempt(x, CURLE_ABORTED_BY_CALLBACK, auth, 1);
				active--;
			}
			break;
		}
		curl_multi_poll(ep->multi, NULL, 0, POLL_MS, NULL);
	}
	for (i = next; i < n; i++) {
		xs[i]->done = 1;
		pxm_http_fail(xs[i], PXM_E_CANCELLED, "cancelled",
		    "cancelled by the client before it was sent");
	}
}
