/**
 * @file http_auth.c
 * @brief Credentials per product: API token headers (PVE, PBS) read from
 * the token file at every call, and PMG's ticket session.
 *
 * Secrets live in buffers reserved up front (no realloc copies), are wiped
 * after use, and never reach a message: errors name the variable that
 * points at the file, never what the file holds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "transport/http_int.h"
#include "transport/path.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"

/* Re-login before PMG's two-hour ticket lifetime runs out. */
#define PMG_TICKET_MAX_AGE	(2 * 3600 - 10 * 60)
#define TICKET_MAX		4096

static void
wipe_free(char **p)
{
	if (*p != NULL) {
		OPENSSL_cleanse(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void
pxm_http_auth_clear(struct pxm_http_auth *a)
{
	if (a == NULL)
		return;
	wipe_free(&a->authorization);
	wipe_free(&a->cookie);
	wipe_free(&a->csrf);
	a->token_id[0] = '\0';
}

void
pxm_http_session_clear(struct pxm_endpoint *ep)
{
	wipe_free(&ep->ticket);
	wipe_free(&ep->csrf);
	ep->ticket_time = 0;
}

/* A header value must be printable ASCII without spaces: anything else
 * could split the header or inject another one. */
static int
header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/*
 * Check the token's shape and find where its id ends.  PVE:
 * USER@REALM!TOKENID=SECRET, PBS: USER@REALM!TOKENID:SECRET.
 */
static int
token_shape(size_t *id_len, struct pxm_error *err, const struct pxm_endpoint *ep,
    const char *tok)
{
	const char sep = ep->info->auth == PXM_AUTH_PVE_TOKEN ? '=' : ':';
	const char *form = ep->info->auth == PXM_AUTH_PVE_TOKEN ?
	    "USER@REALM!TOKENID=SECRET" : "USER@REALM!TOKENID:SECRET";
	const char *at, *bang, *end;

	at = strchr(tok, '@');
	bang = at ? strchr(at, '!') : NULL;
	end = bang ? strchr(bang, sep) : NULL;
	if (!header_safe(tok) || at == NULL || at == tok || bang == NULL ||
	    bang == at + 1 || end == NULL || end == bang + 1 || end[1] == '\0')
		return pxm_error_set(err, PXM_E_CONFIG, "bad_token",
		    "%s: %s does not hold a %s API token; the file must hold exactly "
		    "%s on one line, without quotes or spaces", ep->info->cred_var,
		    ep->cred_path, ep->info->label, form);
	*id_len = (size_t)(end - tok);
	return PXM_OK;
}

int
pxm_http_token_id(char *buf, size_t size, struct pxm_error *err,
    const struct pxm_endpoint *ep)
{
	char *tok = NULL;
	size_t n;
	int r;

	buf[0] = '\0';
	if (ep->info->auth == PXM_AUTH_PMG_TICKET)
		return pxm_error_set(err, PXM_E_INVAL, "no_token",
		    "PMG logs in with a password, not a token");
	if ((r = pxm_secret_file_read(&tok, err, ep->cred_path,
	    ep->info->cred_var)) != PXM_OK)
		return r;
	if ((r = token_shape(&n, err, ep, tok)) == PXM_OK) {
		if (n >= size)
			r = pxm_error_set(err, PXM_E_CONFIG, "bad_token",
			    "%s: the token id is longer than %zu bytes",
			    ep->info->cred_var, size - 1);
		else
			snprintf(buf, size, "%.*s", (int)n, tok);
	}
	pxm_secret_free(tok);
	return r;
}

/* "<prefix><value>" into a new string reserved in one go. */
static int
secret_header(char **out, const char *prefix, const char *value)
{
	struct pxm_buf b = PXM_BUF_INIT;
	int r;

	*out = NULL;
	if ((r = pxm_buf_reserve(&b, strlen(prefix) + strlen(value) + 1)) != PXM_OK)
		return r;
	pxm_buf_puts(&b, prefix);
	pxm_buf_puts(&b, value);
	*out = pxm_buf_steal(&b);
	return PXM_OK;
}

static int
token_auth(struct pxm_http_auth *a, struct pxm_error *err, struct pxm_endpoint *ep)
{
	char *tok = NULL;
	size_t n;
	int r;

	if ((r = pxm_secret_file_read(&tok, err, ep->cred_path,
	    ep->info->cred_var)) != PXM_OK)
		goto out;
	if ((r = token_shape(&n, err, ep, tok)) != PXM_OK)
		goto out;
	if (n < sizeof a->token_id)
		snprintf(a->token_id, sizeof a->token_id, "%.*s", (int)n, tok);
	r = secret_header(&a->authorization,
	    ep->info->auth == PXM_AUTH_PVE_TOKEN ? "Authorization: PVEAPIToken="
	    : "Authorization: PBSAPIToken=", tok);
out:
	pxm_secret_free(tok);
	return r;
}

/* A value from the login answer that goes into a header. */
static int
take_session_value(char **out, const json_t *data, const char *key)
{
	const char *v = json_string_value(json_object_get(data, key));

	*out = NULL;
	if (v == NULL || *v == '\0' || strlen(v) > TICKET_MAX || !header_safe(v))
		return PXM_E_REMOTE;
	if ((*out = strdup(v)) == NULL)
		return PXM_E_NOMEM;
	return PXM_OK;
}

static int
pmg_login(struct pxm_endpoint *ep, struct pxm_error *err,
    const struct pxm_http_hooks *hooks)
{
	struct pxm_http_response resp = { sizeof resp, 0, NULL, NULL, "" };
	struct pxm_xfer x, *xs[1];
	char *pw = NULL, *ticket = NULL, *csrf = NULL;
	int r = PXM_E_INTERNAL;

	memset(&x, 0, sizeof x);
	if ((r = pxm_secret_file_read(&pw, err, ep->cred_path,
	    "PROXIMO_PMG_PASSWORD_PATH")) != PXM_OK)
		goto out;
	x.method = "POST";
	if ((x.path = strdup("/access/ticket")) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	x.login = 1;
	x.timeout_ms = ep->timeout_ms;
	x.content_type = "application/x-www-form-urlencoded";
	x.resp = &resp;
	x.err = err;
	x.ep = ep;
	/* Reserve once: the password must not be left behind by a realloc. */
	if ((r = pxm_buf_reserve(&x.body_out, 3 * (strlen(pw) +
	    strlen(ep->username)) + 32)) != PXM_OK)
		goto out;
	pxm_buf_puts(&x.body_out, "username=");
	pxm_path_encode(&x.body_out, ep->username, strlen(ep->username));
	pxm_buf_puts(&x.body_out, "&password=");
	pxm_path_encode(&x.body_out, pw, strlen(pw));
	xs[0] = &x;
	pxm_http_engine_run(ep, xs, 1, NULL, hooks);
	if ((r = x.rc) != PXM_OK) {
		/* 401 was mapped with the login wording; prefix the others. */
		if (resp.status != 401)
			pxm_error_prefix(err, "PMG login as %s failed", ep->username);
		goto out;
	}
	if (take_session_value(&ticket, resp.data, "ticket") != PXM_OK ||
	    take_session_value(&csrf, resp.data, "CSRFPreventionToken") != PXM_OK) {
		r = pxm_error_set(err, PXM_E_REMOTE, "bad_response",
		    "PMG login as %s answered without a usable ticket and "
		    "CSRFPreventionToken; is %s really a PMG API?", ep->username,
		    ep->info->base_var);
		goto out;
	}
	pxm_http_session_clear(ep);
	pxm_secret_register(ticket);
	pxm_secret_register(csrf);
	ep->ticket = ticket;
	ep->csrf = csrf;
	ticket = csrf = NULL;
	ep->ticket_time = time(NULL);
	ep->logins++;
	pxm_debug("PMG: logged in as %s", ep->username);
	r = PXM_OK;
out:
	wipe_free(&ticket);
	wipe_free(&csrf);
	pxm_secret_free(pw);
	pxm_buf_free_secret(&x.body_out);
	pxm_buf_free(&x.query);
	pxm_buf_free(&x.url);
	pxm_buf_free(&x.body_in);
	free(x.path);
	pxm_http_response_clear(&resp);
	return r;
}

int
pxm_http_auth_prepare(struct pxm_http_auth *a, struct pxm_error *err,
    struct pxm_endpoint *ep, const struct pxm_http_hooks *hooks)
{
	int r;

	memset(a, 0, sizeof *a);
	if (ep->info->auth != PXM_AUTH_PMG_TICKET)
		return token_auth(a, err, ep);
	if (ep->ticket != NULL && time(NULL) - ep->ticket_time > PMG_TICKET_MAX_AGE)
		pxm_http_session_clear(ep);
	if (ep->ticket == NULL && (r = pmg_login(ep, err, hooks)) != PXM_OK)
		return r;
	if ((r = secret_header(&a->cookie, "Cookie: PMGAuthCookie=", ep->ticket)) != PXM_OK ||
	    (r = secret_header(&a->csrf, "CSRFPreventionToken: ", ep->csrf)) != PXM_OK) {
		pxm_http_auth_clear(a);
		return r;
	}
	return PXM_OK;
}
