/**
 * @file endpoint.c
 * @brief Endpoints: settings, TLS mode, description (see endpoint.h).
 *
 * Configuration problems are collected, logged once, and reported by every
 * request rather than refusing to start: a box without Proxmox still serves
 * the ledger tools, and a broken setting is never silently ignored.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "transport/endpoint.h"
#include "transport/endpoint_int.h"
#include "transport/http_int.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/settings.h"

#define DEFAULT_CONNECT_TIMEOUT_MS	10000u
#define DEFAULT_PARALLEL		8u
#define MAX_PARALLEL			64u
#define DEFAULT_MAX_RESPONSE		(64u * 1024 * 1024)

static const struct pxm_product_info products[] = {
	{ "pve", "PVE", "PROXIMO_API_BASE_URL", "PROXIMO_TOKEN_PATH",
	  "PROXIMO_NODE", NULL, "PROXIMO_VERIFY_TLS", "PROXIMO_CA_BUNDLE",
	  "PROXIMO_FINGERPRINT", PXM_AUTH_PVE_TOKEN, 30000 },
	{ "pbs", "PBS", "PROXIMO_PBS_BASE_URL", "PROXIMO_PBS_TOKEN_PATH",
	  NULL, "localhost", "PROXIMO_PBS_VERIFY_TLS", "PROXIMO_PBS_CA_BUNDLE",
	  "PROXIMO_PBS_FINGERPRINT", PXM_AUTH_PBS_TOKEN, 60000 },
	{ "pmg", "PMG", "PROXIMO_PMG_BASE_URL", "PROXIMO_PMG_PASSWORD_PATH",
	  "PROXIMO_PMG_NODE", "pmg", "PROXIMO_PMG_VERIFY_TLS",
	  "PROXIMO_PMG_CA_BUNDLE", "PROXIMO_PMG_FINGERPRINT",
	  PXM_AUTH_PMG_TICKET, 60000 },
};

/* Record the first configuration error; later ones are logged only. */
static void
config_error(struct pxm_endpoint *ep, const struct pxm_error *e)
{
	pxm_log(PXM_LOG_ERROR, "%s configuration error: %s (every %s request "
	    "fails until this is fixed)", ep->info->label, e->text, ep->info->label);
	if (ep->config_err.code == PXM_OK)
		ep->config_err = *e;
}

static void
add_missing(struct pxm_endpoint *ep, const char *var)
{
	if (ep->nmissing < sizeof ep->missing / sizeof ep->missing[0])
		ep->missing[ep->nmissing++] = var;
}

/*
 * Durations: seconds, with an optional fraction ("10", "2.5", "0.25").
 * strtod is avoided so that "1e3", "inf" and locale decimal commas are not
 * accepted by accident.
 */
static int
config_seconds(uint32_t *out_ms, struct pxm_error *err, const char *var,
    uint32_t def_ms)
{
	const char *v = pxm_config_get(var), *p;
	uint64_t ms = 0, scale = 1000;
	int digits = 0;

	*out_ms = def_ms;
	if (v == NULL)
		return PXM_OK;
	for (p = v; isdigit((unsigned char)*p); p++, digits++) {
		ms = ms * 10 + (uint64_t)(*p - '0') * 1000;
		if (ms > 86400000ull)
			goto bad;
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++) {
			scale /= 10;
			if (scale == 0)
				goto bad;	/* finer than a millisecond */
			ms += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p != '\0' || digits == 0 || ms < 1 || ms > 86400000ull)
		goto bad;
	*out_ms = (uint32_t)ms;
	return PXM_OK;
bad:
	return pxm_error_set(err, PXM_E_CONFIG, "config",
	    "%s='%s' is not a duration; accepted: seconds from 0.001 to 86400, "
	    "e.g. 30 or 2.5", var, v);
}

/* Validate and normalise the base URL: https only, a host, no user info,
 * query or fragment; trailing '/' stripped. */
static int
parse_base_url(struct pxm_endpoint *ep, struct pxm_error *err, const char *var,
    const char *value)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL,
	    *query = NULL, *frag = NULL, *path = NULL, *trimmed = NULL;
	struct pxm_buf hb = PXM_BUF_INIT;
	size_t n;
	int r = PXM_E_INTERNAL;

	/* libcurl's own URL parser, so the URL checked is the URL requested;
	 * without libcurl there is nothing to free (out: calls into it). */
	if ((r = pxm_libcurl_load(err)) != PXM_OK)
		return r;
	if ((trimmed = strdup(value)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	for (n = strlen(trimmed); n > 0 && trimmed[n - 1] == '/'; )
		trimmed[--n] = '\0';
	if ((u = curl_url()) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, trimmed, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "%s is not a URL; accepted: https://HOST[:PORT]/api2/json", var);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0) {
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "%s uses %s://; only https:// is accepted (the API token must "
		    "never cross the network in clear text)", var, scheme);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		r = pxm_error_set(err, PXM_E_CONFIG, "config",
		    "%s may not hold user info, a query or a fragment; accepted: "
		    "https://HOST[:PORT]/api2/json (credentials go in the token or "
		    "password file)", var);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    (strlen(path) < 10 || strcmp(path + strlen(path) - 10, "/api2/json") != 0))
		pxm_warn("%s: %s does not end in /api2/json; Proxmox serves its API "
		    "there (e.g. https://pve:8006/api2/json)", ep->info->label, var);
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
		r = pxm_buf_printf(&hb, "%s:%s", host, port);
	else
		r = pxm_buf_puts(&hb, host);
	if (r != PXM_OK)
		goto out;
	ep->host = pxm_buf_steal(&hb);
	ep->base_url = trimmed;
	trimmed = NULL;
	r = PXM_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_free(path);
	curl_url_cleanup(u);
	free(trimmed);
	pxm_buf_free(&hb);
	return r;
}

static int
dup_setting(char **out, const char *var)
{
	const char *v = pxm_config_get(var);

	*out = NULL;
	if (v != NULL && (*out = strdup(v)) == NULL)
		return PXM_E_NOMEM;
	return PXM_OK;
}

static int
read_tls(struct pxm_endpoint *ep)
{
	const struct pxm_product_info *pi = ep->info;
	struct pxm_error e = { 0 };
	const char *fp = pxm_config_get(pi->fp_var);
	int verify = 1, r;

	if ((r = dup_setting(&ep->ca_bundle, pi->ca_var)) != PXM_OK)
		return r;
	if (pxm_config_bool(&verify, &e, pi->verify_var, 1) != PXM_OK) {
		/* Unrecognised: stay verified, and say so. */
		pxm_warn("%s; TLS verification stays ON", e.text);
		verify = 1;
	}
	if (fp != NULL) {
		ep->tls.mode = PXM_TLS_PINNED;
		if (pxm_tls_pins_parse(&ep->tls, &e, pi->fp_var, fp) != PXM_OK)
			config_error(ep, &e);
		if (ep->ca_bundle != NULL)
			pxm_info("%s: %s is set, so the certificate pin replaces %s",
			    pi->label, pi->fp_var, pi->ca_var);
	} else if (ep->ca_bundle != NULL) {
		ep->tls.mode = PXM_TLS_CA_BUNDLE;
		if (pxm_tls_ca_file_check(&e, pi->ca_var, ep->ca_bundle) != PXM_OK)
			config_error(ep, &e);
	} else if (!verify) {
		ep->tls.mode = PXM_TLS_UNVERIFIED;
	} else {
		ep->tls.mode = PXM_TLS_SYSTEM;
	}
	if (!verify && ep->tls.mode != PXM_TLS_UNVERIFIED)
		pxm_info("%s: %s=false is ignored: %s is set and verifies the server",
		    pi->label, pi->verify_var,
		    ep->tls.mode == PXM_TLS_PINNED ? pi->fp_var : pi->ca_var);
	return PXM_OK;
}

int
pxm_endpoint_new(struct pxm_endpoint **out, struct pxm_error *err,
    const char *product)
{
	const struct pxm_product_info *pi = NULL;
	struct pxm_endpoint *ep = NULL;
	struct pxm_error e = { 0 };
	const char *v;
	uint64_t n;
	size_t i;
	int r = PXM_E_INTERNAL;

	*out = NULL;
	for (i = 0; product && i < sizeof products / sizeof products[0]; i++)
		if (strcmp(products[i].name, product) == 0)
			pi = &products[i];
	if (pi == NULL) {
		r = pxm_error_set(err, PXM_E_INVAL, "bad_product",
		    "unknown product '%s'; accepted: pve, pbs, pmg",
		    product ? product : "(null)");
		goto out;
	}
	if ((ep = calloc(1, sizeof *ep)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	ep->info = pi;

	if ((v = pxm_config_get(pi->base_var)) == NULL)
		add_missing(ep, pi->base_var);
	else if ((r = parse_base_url(ep, &e, pi->base_var, v)) == PXM_E_NOMEM)
		goto out;
	else if (r != PXM_OK)
		config_error(ep, &e);
	if ((r = dup_setting(&ep->cred_path, pi->cred_var)) != PXM_OK)
		goto out;
	if (ep->cred_path == NULL)
		add_missing(ep, pi->cred_var);
	if (pi->auth == PXM_AUTH_PMG_TICKET) {
		v = pxm_config_get("PROXIMO_PMG_USERNAME");
		if ((ep->username = strdup(v ? v : "root@pam")) == NULL) {
			r = PXM_E_NOMEM;
			goto out;
		}
	}
	v = pi->node_var ? pxm_config_get(pi->node_var) : NULL;
	if (v == NULL)
		v = pi->node_default;
	if (v != NULL && (ep->node = strdup(v)) == NULL) {
		r = PXM_E_NOMEM;
		goto out;
	}
	if ((r = read_tls(ep)) != PXM_OK)
		goto out;
	if ((r = dup_setting(&ep->proxy, "PROXIMO_HTTP_PROXY")) != PXM_OK)
		goto out;

	if (config_seconds(&ep->connect_timeout_ms, &e,
	    "PROXIMO_HTTP_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_MS) != PXM_OK)
		config_error(ep, &e);
	if (config_seconds(&ep->timeout_ms, &e, "PROXIMO_HTTP_TIMEOUT",
	    pi->default_timeout_ms) != PXM_OK)
		config_error(ep, &e);
	if (pxm_config_uint(&n, &e, "PROXIMO_HTTP_PARALLEL", DEFAULT_PARALLEL, 1,
	    MAX_PARALLEL) != PXM_OK)
		config_error(ep, &e);
	ep->parallel = (uint32_t)n;
	if (pxm_config_uint(&n, &e, "PROXIMO_HTTP_MAX_BYTES", DEFAULT_MAX_RESPONSE,
	    1024, (uint64_t)1 << 30) != PXM_OK)
		config_error(ep, &e);
	ep->max_response = (size_t)n;

	if (ep->tls.mode == PXM_TLS_UNVERIFIED && ep->base_url != NULL)
		pxm_log(PXM_LOG_WARNING, "!!! %s TLS VERIFICATION IS OFF (%s=false) "
		    "for %s: anyone on the network path can impersonate the server "
		    "and capture the credential. Pin the certificate with %s "
		    "(openssl x509 -fingerprint -sha256 -noout -in "
		    "/etc/pve/local/pve-ssl.pem) or trust it with %s instead. "
		    "`proximo doctor` reports this endpoint as UNVERIFIED !!!",
		    pi->label, pi->verify_var, ep->host, pi->fp_var, pi->ca_var);
	*out = ep;
	ep = NULL;
	r = PXM_OK;
out:
	pxm_endpoint_free(ep);
	return r;
}

void
pxm_endpoint_free(struct pxm_endpoint *ep)
{
	if (ep == NULL)
		return;
	/* Connections go first: their TLS state points at ep->tls. */
	pxm_http_engine_free(ep);
	pxm_http_session_clear(ep);
	free(ep->base_url);
	free(ep->host);
	free(ep->cred_path);
	free(ep->username);
	free(ep->node);
	free(ep->ca_bundle);
	free(ep->proxy);
	OPENSSL_cleanse(ep, sizeof *ep);
	free(ep);
}

int
pxm_endpoint_configured(const struct pxm_endpoint *ep, struct pxm_error *err)
{
	char list[256];
	size_t i, n = 0;

	if (ep->nmissing > 0) {
		list[0] = '\0';
		for (i = 0; i < ep->nmissing && n < sizeof list; i++)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
			    i ? ", " : "", ep->missing[i]);
		return pxm_error_set(err, PXM_E_CONFIG, "not_configured",
		    "%s is not configured: set %s", ep->info->label, list);
	}
	if (ep->config_err.code != PXM_OK) {
		if (err != NULL)
			*err = ep->config_err;
		return ep->config_err.code;
	}
	return PXM_OK;
}

const char *
pxm_endpoint_node(const struct pxm_endpoint *ep)
{
	return ep->node;
}

const char *
pxm_endpoint_product(const struct pxm_endpoint *ep)
{
	return ep->info->name;
}

const char *
pxm_endpoint_label(const struct pxm_endpoint *ep)
{
	return ep->info->label;
}

int
pxm_endpoint_tls_unverified(const struct pxm_endpoint *ep)
{
	return ep->tls.mode == PXM_TLS_UNVERIFIED;
}

static int
set_str(json_t *o, const char *key, const char *v)
{
	return json_object_set_new(o, key, v ? json_string(v) : json_null());
}

int
pxm_endpoint_describe(json_t **out, const struct pxm_endpoint *ep)
{
	const struct pxm_product_info *pi = ep->info;
	struct pxm_error e = { 0 };
	char token_id[256];
	json_t *o = NULL, *missing = NULL;
	size_t i;
	int r = PXM_E_NOMEM, fail = 0;

	*out = NULL;
	if ((o = json_object()) == NULL || (missing = json_array()) == NULL)
		goto out;
	for (i = 0; i < ep->nmissing; i++)
		fail |= json_array_append_new(missing, json_string(ep->missing[i]));
	fail |= set_str(o, "product", pi->name);
	fail |= json_object_set_new(o, "configured", json_boolean(
	    ep->nmissing == 0 && ep->config_err.code == PXM_OK));
	fail |= json_object_set(o, "missing", missing);
	fail |= set_str(o, "config_error",
	    ep->config_err.code != PXM_OK ? ep->config_err.text : NULL);
	fail |= set_str(o, "base_url", ep->base_url);
	fail |= set_str(o, "host", ep->host);
	fail |= set_str(o, "node", ep->node);
	fail |= set_str(o, "tls", pxm_tls_mode_name(ep->tls.mode));
	fail |= json_object_set_new(o, "tls_unverified",
	    json_boolean(ep->tls.mode == PXM_TLS_UNVERIFIED));
	fail |= set_str(o, "fingerprint", ep->tls.mode == PXM_TLS_PINNED &&
	    ep->tls.npins > 0 ? ep->tls.pins[0] : NULL);
	if (ep->tls.npins > 1)
		fail |= set_str(o, "fingerprint_next", ep->tls.pins[1]);
	fail |= set_str(o, "ca_bundle", ep->ca_bundle);
	fail |= set_str(o, "credential_file", ep->cred_path);
	if (pi->auth == PXM_AUTH_PMG_TICKET) {
		fail |= set_str(o, "auth", "ticket");
		fail |= set_str(o, "username", ep->username);
		fail |= json_object_set_new(o, "logged_in", json_boolean(ep->ticket != NULL));
	} else {
		fail |= set_str(o, "auth", "api_token");
		if (ep->cred_path != NULL &&
		    pxm_http_token_id(token_id, sizeof token_id, &e, ep) == PXM_OK) {
			fail |= set_str(o, "token_id", token_id);
		} else {
			fail |= set_str(o, "token_id", NULL);
			if (ep->cred_path != NULL)
				fail |= set_str(o, "token_error", e.text);
		}
	}
	fail |= json_object_set_new(o, "connect_timeout_ms",
	    json_integer(ep->connect_timeout_ms));
	fail |= json_object_set_new(o, "timeout_ms", json_integer(ep->timeout_ms));
	fail |= json_object_set_new(o, "parallel", json_integer(ep->parallel));
	fail |= json_object_set_new(o, "max_response_bytes",
	    json_integer((json_int_t)ep->max_response));
	fail |= json_object_set_new(o, "proxy", json_boolean(ep->proxy != NULL));
	if (fail)
		goto out;
	*out = o;
	o = NULL;
	r = PXM_OK;
out:
	json_decref(missing);
	json_decref(o);
	return r;
}
