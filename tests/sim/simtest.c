/**
 * @file simtest.c
 * @brief Test-side HTTPS client for proximo-sim (libcurl, real TLS).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>

#include "simtest.h"

static const char *const *extra_headers;

void
st_headers(const char *const *h)
{
	extra_headers = h;
}

struct buf {
	char	*p;
	size_t	 n;
};

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t add = size * nmemb;
	char *np = realloc(b->p, b->n + add + 1);

	if (np == NULL)
		return 0;
	memcpy(np + b->n, ptr, add);
	b->p = np;
	b->n += add;
	b->p[b->n] = '\0';
	return add;
}

static size_t
header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct st_resp *r = ud;
	size_t n = size * nmemb;

	if (n > 13 && strncasecmp(ptr, "Content-Type:", 13) == 0) {
		const char *v = ptr + 13;
		size_t l = n - 13;
		while (l && (*v == ' '))
			v++, l--;
		while (l && (v[l - 1] == '\r' || v[l - 1] == '\n'))
			l--;
		free(r->ctype);
		r->ctype = strndup(v, l);
	}
	if (n >= 17 && strncasecmp(ptr, "Connection: close", 17) == 0)
		r->conn_close = 1;
	return n;
}

char *
st_token_header(struct pxm_sim *sim, const char *surface)
{
	char *tok, *out = NULL;

	if (strcmp(surface, "pbs") == 0) {
		if ((tok = pxm_sim_read_file(sim->pbs_token_file)) == NULL)
			return NULL;
		if (asprintf(&out, "Authorization: PBSAPIToken=%s", tok) < 0)
			out = NULL;
	} else {
		if ((tok = pxm_sim_read_file(sim->token_file)) == NULL)
			return NULL;
		if (asprintf(&out, "Authorization: PVEAPIToken=%s", tok) < 0)
			out = NULL;
	}
	free(tok);
	return out;
}

static const char *
base(struct pxm_sim *sim, const char *surface)
{
	if (strcmp(surface, "pbs") == 0)
		return sim->pbs_url;
	if (strcmp(surface, "pmg") == 0)
		return sim->pmg_url;
	return sim->pve_url;
}

static int
do_call(struct st_resp *r, struct pxm_sim *sim, const char *surface, const char *method,
    const char *path, const char *form, const char *json_body, enum st_auth auth,
    const char *raw)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf b = { NULL, 0 };
	char url[4096], *auth_hdr = NULL;
	size_t i;
	int get = strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0;

	memset(r, 0, sizeof *r);
	if (c == NULL)
		return -1;
	if (strncmp(path, "//", 2) == 0) {
		/* raw path on the surface's host: strip "/api2/json" from the base */
		const char *bu = base(sim, surface), *api = strstr(bu, "/api2/json");
		snprintf(url, sizeof url, "%.*s%s", api ? (int)(api - bu) : (int)strlen(bu), bu,
		    path + 1);
	} else {
		snprintf(url, sizeof url, "%s%s%s%s", base(sim, surface), path,
		    get && form && *form ? "?" : "", get && form ? form : "");
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	/* The tests trust the simulator's fresh self-signed certificate; the
	 * fingerprint itself is checked by test_ready_fingerprint. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (auth == ST_TOKEN && (auth_hdr = st_token_header(sim, surface)) != NULL)
		h = curl_slist_append(h, auth_hdr);
	else if (auth == ST_RAW && raw)
		h = curl_slist_append(h, raw);
	for (i = 0; extra_headers && extra_headers[i]; i++)
		h = curl_slist_append(h, extra_headers[i]);
	if (json_body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
	} else if (!get) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form ? form : "");
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	r->curl_error = (int)curl_easy_perform(c);
	if (r->curl_error == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = b.p ? b.p : strdup("");
	if (r->body && *r->body)
		r->json = json_loads(r->body, JSON_DECODE_ANY, NULL);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(auth_hdr);
	extra_headers = NULL;
	return 0;
}

int
st_call(struct st_resp *r, struct pxm_sim *sim, const char *surface, const char *method,
    const char *path, const char *form, enum st_auth auth, const char *raw)
{
	return do_call(r, sim, surface, method, path, form, NULL, auth, raw);
}

int
st_call_json(struct st_resp *r, struct pxm_sim *sim, const char *surface, const char *method,
    const char *path, const char *json_body, enum st_auth auth, const char *raw)
{
	return do_call(r, sim, surface, method, path, NULL, json_body, auth, raw);
}

void
st_resp_free(struct st_resp *r)
{
	free(r->body);
	free(r->ctype);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

json_t *
st_data(const struct st_resp *r)
{
	return json_object_get(r->json, "data");
}

int
st_login(struct pxm_sim *sim, const char *surface, const char *user, const char *password,
    char **cookie, char **csrf)
{
	struct st_resp r;
	char form[1024], *ue, *pe;
	CURL *c = curl_easy_init();
	const char *ticket, *token;
	int rc = -1;

	*cookie = *csrf = NULL;
	ue = curl_easy_escape(c, user, 0);
	pe = curl_easy_escape(c, password, 0);
	snprintf(form, sizeof form, "username=%s&password=%s", ue, pe);
	curl_free(ue);
	curl_free(pe);
	curl_easy_cleanup(c);
	st_call(&r, sim, surface, "POST", "/access/ticket", form, ST_NOAUTH, NULL);
	ticket = json_string_value(json_object_get(st_data(&r), "ticket"));
	token = json_string_value(json_object_get(st_data(&r), "CSRFPreventionToken"));
	if (r.status == 200 && ticket && token) {
		const char *name = strcmp(surface, "pmg") == 0 ? "PMGAuthCookie" :
		    strcmp(surface, "pbs") == 0 ? "PBSAuthCookie" : "PVEAuthCookie";
		if (asprintf(cookie, "Cookie: %s=%s", name, ticket) >= 0 &&
		    asprintf(csrf, "CSRFPreventionToken: %s", token) >= 0)
			rc = 0;
	}
	st_resp_free(&r);
	return rc;
}

json_t *
st_wait_task(struct pxm_sim *sim, const char *surface, const char *node, const char *upid,
    int timeout_ms)
{
	struct st_resp r;
	char path[1024], *esc;
	CURL *c = curl_easy_init();
	int waited = 0;
	json_t *out = NULL;

	esc = curl_easy_escape(c, upid, 0);
	snprintf(path, sizeof path, "/nodes/%s/tasks/%s/status", node, esc);
	curl_free(esc);
	curl_easy_cleanup(c);
	while (waited <= timeout_ms) {
		st_call(&r, sim, surface, "GET", path, NULL, ST_TOKEN, NULL);
		if (r.status == 200 && json_is_string(json_object_get(st_data(&r), "status")) &&
		    strcmp(json_string_value(json_object_get(st_data(&r), "status")), "stopped") == 0) {
			out = json_incref(st_data(&r));
			st_resp_free(&r);
			return out;
		}
		st_resp_free(&r);
		usleep(25000);
		waited += 25;
	}
	return NULL;
}

void
st_sim_up(struct pxm_sim **sim, const char *const *args)
{
	if (pxm_sim_start(sim, args) != 0) {
		fprintf(stderr, "cannot start proximo-sim\n");
		exit(1);
	}
}

void
st_sim_down(struct pxm_sim **sim)
{
	int rc = pxm_sim_stop(*sim);

	*sim = NULL;
	if (rc != 0) {
		fprintf(stderr, "proximo-sim exited with %d (valgrind error or unclean exit)\n", rc);
		exit(1);
	}
}

void
st_fresh(struct pxm_sim *sim)
{
	ck_assert_int_eq(pxm_sim_reset(sim), 0);
	ck_assert_int_eq(pxm_sim_faults(sim, NULL), 0);
	ck_assert_int_eq(pxm_sim_requests_clear(sim), 0);
}

void
st_demo_profile(char *buf, size_t size)
{
	snprintf(buf, size, "%s/contrib/sim/profiles/demo.json", getenv("PXM_TOP_SRCDIR"));
}

const char *
st_jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}
