/**
 * @file http_test.c
 * @brief The transport against tls_fixture over real TLS on 127.0.0.1:
 * answers and error mapping, encoding on the wire, refusals before
 * sending, token files, connection reuse, parallel requests, retries,
 * PMG's ticket session, cancellation.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "fixture.h"
#include "transport/endpoint.h"
#include "transport/http.h"
#include "util/log.h"
#include "util/secret.h"

#define SECRET		"5ecret-0123-4567-89ab-cdef01234567"
#define TOKEN		"root@pam!tok=" SECRET
#define PBS_TOKEN	"root@pam!tok:" SECRET
#define PMG_PASSWORD	"pmg-Pa55word-for-tests"

static struct pxm_endpoint *
pve_setup(struct fixture *f)
{
	struct pxm_endpoint *ep = NULL;
	struct pxm_error err;

	fx_write(f, "expected", TOKEN, 0600);
	fx_write(f, "token", TOKEN "\n", 0600);
	fx_env_pve(f, "token");
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	return ep;
}

static int
call(struct pxm_endpoint *ep, struct pxm_http_response *resp,
    struct pxm_error *err, const char *method, const char *path,
    const json_t *params, uint32_t flags, uint32_t timeout_ms)
{
	struct pxm_http_request req = { sizeof req, flags, timeout_ms, method,
	    path, params };

	memset(resp, 0, sizeof *resp);
	resp->size = sizeof *resp;
	memset(err, 0, sizeof *err);
	return pxm_http_request(resp, err, ep, &req);
}

static void
no_secret(const char *s)
{
	ck_assert_msg(strstr(s, SECRET) == NULL, "secret leaked: %s", s);
	ck_assert_msg(strstr(s, PMG_PASSWORD) == NULL, "password leaked: %s", s);
}

/* Expect an error with `reason` whose text holds every one of the
 * NULL-terminated strings. */
static void
expect_error(const struct pxm_error *err, int rc, int code, const char *reason, ...)
{
	const char *s;
	va_list ap;

	fprintf(stderr, "[%s] %s\n", err->reason, err->text);
	ck_assert_msg(rc == code, "rc %d, wanted %d: %s", rc, code, err->text);
	ck_assert_int_eq(err->code, code);
	ck_assert_str_eq(err->reason, reason);
	va_start(ap, reason);
	while ((s = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(err->text, s) != NULL, "'%s' not in: %s", s,
		    err->text);
	va_end(ap);
	no_secret(err->text);
}

START_TEST(get_answers_data)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;

	fx_start(&f, "--token-file", "@/expected", NULL);
	/* Proxies from the environment are ignored (only PROXIMO_HTTP_PROXY
	 * counts): these point at a closed port and would fail the call. */
	setenv("https_proxy", "http://127.0.0.1:1", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:1", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
	ep = pve_setup(&f);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(json_string_value(json_object_get(resp.data, "version")), "8.2.4");
	ck_assert_ptr_null(resp.errors);
	ck_assert_str_eq(resp.message, "");
	ck_assert_int_eq(err.code, PXM_OK);
	pxm_http_response_clear(&resp);
	ck_assert_ptr_null(resp.data);
	ck_assert_uint_eq(resp.size, sizeof resp);
	/* The fixture saw the token header exactly as Proxmox wants it. */
	{
		size_t n;
		char *plain = fx_slurp(&f, "plain.bin", &n);
		ck_assert(fx_contains(plain, n, "Authorization: PVEAPIToken=" TOKEN "\r\n"));
		free(plain);
	}
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(pve_error_mapping)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int rc;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);

	rc = call(ep, &resp, &err, "GET", "/err/401", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_AUTH, "http_401", "PROXIMO_TOKEN_PATH",
	    "root@pam!tok ", "USER@REALM!TOKENID=SECRET", "invalid token value!",
	    "pveum user token list root@pam", "GET /err/401", NULL);
	ck_assert_int_eq(resp.status, 401);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "POST", "/err/403", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_403", "VM.PowerMgmt on /vms/100",
	    "PVEVMUser", "pveum acl modify /vms/100 --tokens 'root@pam!tok' --roles "
	    "PVEVMUser", "root@pam", NULL);
	ck_assert_str_eq(resp.message, "Permission check failed (/vms/100, VM.PowerMgmt)");
	pxm_http_response_clear(&resp);

	/* Older PVE: the message only in the status line. */
	rc = call(ep, &resp, &err, "GET", "/err/403-reason-only", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_403", "Datastore.AllocateSpace",
	    "/storage/local", "--roles PVEDatastoreUser", NULL);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/err/403-sys", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_403", "Sys.Modify on /nodes/pve1",
	    "only Administrator", "pveum role add Proximo-Sys.Modify --privs Sys.Modify",
	    NULL);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/err/403-any", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_403",
	    "VM.Config.Disk|VM.Config.CDROM", "any one would do",
	    "PVEVMUser grants VM.Config.CDROM", "--roles PVEVMUser", NULL);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/err/403-user", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_403", "user != root@pam",
	    "pveum user token permissions root@pam tok", NULL);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "POST", "/err/400", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_400",
	    "Parameter verification failed.", "vmid: value must be at least 100",
	    "cores: type check ('integer') failed - got 'abc'", NULL);
	ck_assert(json_is_object(resp.errors));
	ck_assert_int_eq(json_object_size(resp.errors), 2);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/err/500", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_5xx", "HTTP 500",
	    "VM 100 is locked (backup)", NULL);
	ck_assert_str_eq(resp.message, "VM 100 is locked (backup)");
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/err/501", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_5xx", "does not implement", NULL);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/err/503", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_5xx", "retry in a moment", NULL);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/err/404", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_404", "no such resource", NULL);
	pxm_http_response_clear(&resp);

	rc = call(ep, &resp, &err, "GET", "/notjson", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "bad_response", "not JSON",
	    "PROXIMO_API_BASE_URL", NULL);
	pxm_http_response_clear(&resp);

	/* Redirects are reported, not followed. */
	rc = call(ep, &resp, &err, "GET", "/redirect", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_3xx", "not followed", NULL);
	pxm_http_response_clear(&resp);
	ck_assert_int_eq(fx_count(&f, "req "), 13);

	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(pbs_error_mapping)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int rc;

	fx_start(&f, "--token-file", "@/expected", NULL);
	fx_write(&f, "expected", PBS_TOKEN, 0600);
	fx_write(&f, "token", PBS_TOKEN, 0600);
	fx_clear_env();
	setenv("PROXIMO_PBS_BASE_URL", f.base_url, 1);
	setenv("PROXIMO_PBS_TOKEN_PATH", fx_path(&f, "token"), 1);
	setenv("PROXIMO_PBS_FINGERPRINT", f.fp, 1);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pbs"), PXM_OK);
	ck_assert_str_eq(pxm_endpoint_node(ep), "localhost");

	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
	pxm_http_response_clear(&resp);
	rc = call(ep, &resp, &err, "GET", "/pbs/err/403", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_403", "permission check failed",
	    "proxmox-backup-manager acl update", "--auth-id 'root@pam!tok'", NULL);
	ck_assert_str_eq(resp.message, "permission check failed");
	pxm_http_response_clear(&resp);
	rc = call(ep, &resp, &err, "POST", "/pbs/err/400", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_400",
	    "parameter 'store': schema does not match", NULL);
	pxm_http_response_clear(&resp);
	rc = call(ep, &resp, &err, "GET", "/pbs/err/500", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_REMOTE, "http_5xx",
	    "unable to open chunk store 'store1'", NULL);
	pxm_http_response_clear(&resp);
	rc = call(ep, &resp, &err, "GET", "/err/401", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_AUTH, "http_401", "PROXIMO_PBS_TOKEN_PATH",
	    "USER@REALM!TOKENID:SECRET", "proxmox-backup-manager user list-tokens",
	    NULL);
	pxm_http_response_clear(&resp);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(wrong_token_is_401)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int rc;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
	pxm_http_response_clear(&resp);
	/* The file is read at every call: a rotated token takes effect at
	 * once, here a wrong one... */
	fx_write(&f, "token", "root@pam!tok=11111111-2222-3333-4444-555555555555", 0600);
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_AUTH, "http_401", "PROXIMO_TOKEN_PATH", NULL);
	ck_assert_ptr_null(strstr(err.text, "11111111-2222"));
	pxm_http_response_clear(&resp);
	/* ...and once the server has it too, calls work again. */
	fx_write(&f, "expected", "root@pam!tok=11111111-2222-3333-4444-555555555555", 0600);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
	pxm_http_response_clear(&resp);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(token_file_refusals)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int rc;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	fx_write(&f, "token", TOKEN, 0644);
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_CONFIG, "secret_file", "PROXIMO_TOKEN_PATH",
	    "group/other-accessible", "chmod 600", NULL);
	fx_write(&f, "token", TOKEN, 0640);
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_CONFIG, "secret_file", "chmod 600", NULL);
	unlink(fx_path(&f, "token"));
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_CONFIG, "secret_file", "PROXIMO_TOKEN_PATH",
	    "cannot open", NULL);
	/* Wrong shapes: a bare secret, the PBS form, a header-splitting value. */
	fx_write(&f, "token", SECRET, 0600);
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_CONFIG, "bad_token", "USER@REALM!TOKENID=SECRET",
	    NULL);
	fx_write(&f, "token", PBS_TOKEN, 0600);
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_CONFIG, "bad_token", NULL);
	fx_write(&f, "token", "root@pam!tok=" SECRET " X-Evil: 1", 0600);
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_CONFIG, "bad_token", NULL);
	/* Nothing was sent for any of them. */
	ck_assert_int_eq(fx_wait_count(&f, "accept ", 0), 0);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(refused_before_sending)
{
	static const char *const paths[] = {
		"/nodes/../access", "/nodes/pve1/qemu/100%2F..%2F..", "/nodes/a%00b",
		"/nodes/a%0D%0AX-Evil:%201", "nodes/pve1", "/nodes/pve1?x=1",
		"/a\r\nX-Evil: 1",
	};
	struct pxm_http_request req = { sizeof req, 0, 0, "GET", "/version", NULL };
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	json_t *nested;
	size_t i;
	int rc;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		rc = call(ep, &resp, &err, "GET", paths[i], NULL, 0, 0);
		expect_error(&err, rc, PXM_E_INVAL, "bad_path", "refused before sending",
		    NULL);
	}
	rc = call(ep, &resp, &err, "PATCH", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_INVAL, "bad_request", "GET, POST, PUT, DELETE", NULL);
	rc = call(ep, &resp, &err, "get", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_INVAL, "bad_request", NULL);
	nested = json_pack("{s:{s:i}}", "net0", "a", 1);
	rc = call(ep, &resp, &err, "POST", "/echo", nested, 0, 0);
	expect_error(&err, rc, PXM_E_INVAL, "bad_param", "'net0'",
	    "refused before sending", NULL);
	json_decref(nested);
	req.size = 0;
	memset(&resp, 0, sizeof resp);
	ck_assert_int_eq(pxm_http_request(&resp, &err, ep, &req), PXM_E_ABI);
	ck_assert_int_eq(fx_wait_count(&f, "accept ", 0), 0);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

static json_t *
echo(struct pxm_endpoint *ep, const char *method, const char *path,
    const char *params_json, uint32_t flags)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	json_t *params = params_json ? json_loads(params_json, 0, NULL) : NULL, *d;

	ck_assert_msg(call(ep, &resp, &err, method, path, params, flags, 0) == PXM_OK,
	    "%s", err.text);
	d = json_incref(resp.data);
	pxm_http_response_clear(&resp);
	json_decref(params);
	return d;
}

START_TEST(encoding_on_the_wire)
{
	static const char params[] = "{\"a\":\"x y\",\"b\":true,\"c\":false,"
	    "\"n\":null,\"arr\":[1,\"t&u\"],\"u\":\"\\u00fc\"}";
	static const char enc[] = "a=x%20y&b=1&c=0&arr=1&arr=t%26u&u=%C3%BC";
	struct pxm_endpoint *ep;
	struct fixture f;
	json_t *d;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	d = echo(ep, "GET", "/echo/q", params, 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "method")), "GET");
	ck_assert_str_eq(json_string_value(json_object_get(d, "query")), enc);
	ck_assert_str_eq(json_string_value(json_object_get(d, "body")), "");
	json_decref(d);
	d = echo(ep, "DELETE", "/echo/q", params, 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "method")), "DELETE");
	ck_assert_str_eq(json_string_value(json_object_get(d, "query")), enc);
	json_decref(d);
	d = echo(ep, "POST", "/echo/b", params, 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "method")), "POST");
	ck_assert_str_eq(json_string_value(json_object_get(d, "query")), "");
	ck_assert_str_eq(json_string_value(json_object_get(d, "body")), enc);
	ck_assert_str_eq(json_string_value(json_object_get(d, "content_type")),
	    "application/x-www-form-urlencoded");
	json_decref(d);
	d = echo(ep, "PUT", "/echo/b", params, 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "method")), "PUT");
	ck_assert_str_eq(json_string_value(json_object_get(d, "body")), enc);
	json_decref(d);
	d = echo(ep, "POST", "/echo/empty", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "body")), "");
	json_decref(d);
	d = echo(ep, "POST", "/echo/json", "{\"a\":true,\"n\":[1,2]}", PXM_HTTP_BODY_JSON);
	ck_assert_str_eq(json_string_value(json_object_get(d, "body")),
	    "{\"a\":true,\"n\":[1,2]}");
	ck_assert_str_eq(json_string_value(json_object_get(d, "content_type")),
	    "application/json");
	json_decref(d);
	/* An encoded path arrives as sent. */
	d = echo(ep, "GET", "/echo/pve%201/user%40pam", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "path")),
	    "/api2/json/echo/pve%201/user%40pam");
	json_decref(d);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(response_size_cap)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int rc;

	fx_start(&f, "--token-file", "@/expected", NULL);
	fx_write(&f, "expected", TOKEN, 0600);
	fx_write(&f, "token", TOKEN, 0600);
	fx_env_pve(&f, "token");
	setenv("PROXIMO_HTTP_MAX_BYTES", "4096", 1);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/big?bytes=1000", NULL, 0, 0),
	    PXM_E_INVAL);	/* '?' is refused in paths: params carry queries */
	{
		json_t *p = json_pack("{s:i}", "bytes", 1000);
		ck_assert_int_eq(call(ep, &resp, &err, "GET", "/big", p, 0, 0), PXM_OK);
		ck_assert_uint_eq(strlen(json_string_value(resp.data)), 1000);
		pxm_http_response_clear(&resp);
		json_object_set_new(p, "bytes", json_integer(100000));
		rc = call(ep, &resp, &err, "GET", "/big", p, 0, 0);
		expect_error(&err, rc, PXM_E_REMOTE, "too_large",
		    "PROXIMO_HTTP_MAX_BYTES (4096 bytes)", NULL);
		pxm_http_response_clear(&resp);
		json_decref(p);
	}
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(connection_reuse)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int i;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
		pxm_http_response_clear(&resp);
	}
	ck_assert_int_eq(fx_count(&f, "req "), 100);
	ck_assert_int_eq(fx_count(&f, "accept "), 1);
	/* A mutation never rides a reused connection. */
	ck_assert_int_eq(call(ep, &resp, &err, "POST", "/echo", NULL, 0, 0), PXM_OK);
	pxm_http_response_clear(&resp);
	ck_assert_int_eq(fx_count(&f, "accept "), 2);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(many_in_parallel)
{
	enum { N = 200 };
	struct pxm_http_request reqs[N];
	struct pxm_http_response out[N];
	struct pxm_error errs[N];
	static char paths[N][32];
	struct pxm_endpoint *ep;
	struct fixture f;
	char want[64];
	int i;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	memset(out, 0, sizeof out);
	for (i = 0; i < N; i++) {
		snprintf(paths[i], sizeof paths[i], "/echo/%d", i);
		reqs[i] = (struct pxm_http_request){ sizeof reqs[i], 0, 0, "GET",
		    paths[i], NULL };
	}
	ck_assert_int_eq(pxm_http_request_many(out, errs, ep, reqs, N), PXM_OK);
	for (i = 0; i < N; i++) {
		snprintf(want, sizeof want, "/api2/json/echo/%d", i);
		ck_assert_int_eq(errs[i].code, PXM_OK);
		ck_assert_int_eq(out[i].status, 200);
		ck_assert_str_eq(json_string_value(json_object_get(out[i].data, "path")), want);
		pxm_http_response_clear(&out[i]);
	}
	ck_assert_int_eq(fx_count(&f, "req "), N);
	/* Several connections, never more than PROXIMO_HTTP_PARALLEL (8). */
	ck_assert_int_gt(fx_count(&f, "accept "), 1);
	ck_assert_int_le(fx_count(&f, "accept "), 8);

	/* Mixed results: each gets its own answer, the first error returns. */
	snprintf(paths[3], sizeof paths[3], "/err/403");
	snprintf(paths[7], sizeof paths[7], "/err/500");
	ck_assert_int_eq(pxm_http_request_many(out, errs, ep, reqs, 10),
	    PXM_E_REMOTE);
	for (i = 0; i < 10; i++) {
		if (i == 3)
			ck_assert_str_eq(errs[i].reason, "http_403");
		else if (i == 7)
			ck_assert_str_eq(errs[i].reason, "http_5xx");
		else
			ck_assert_int_eq(errs[i].code, PXM_OK);
		pxm_http_response_clear(&out[i]);
	}
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(get_retried_once_post_never)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int rc;

	/* Reset at accept: a GET goes again on a new connection. */
	fx_start(&f, "--token-file", "@/expected", "--reset-first", "1", NULL);
	ep = pve_setup(&f);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
	pxm_http_response_clear(&resp);
	ck_assert_int_eq(fx_count(&f, "accept "), 2);
	pxm_endpoint_free(ep);
	fx_stop(&f);

	/* The request arrived, then the connection was reset unanswered. */
	fx_start(&f, "--token-file", "@/expected", "--drop-first", "1", NULL);
	ep = pve_setup(&f);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
	pxm_http_response_clear(&resp);
	ck_assert_int_eq(fx_count(&f, "req "), 2);
	pxm_endpoint_free(ep);
	fx_stop(&f);

	/* A POST in the same situation is not sent again. */
	fx_start(&f, "--token-file", "@/expected", "--drop-first", "1", NULL);
	ep = pve_setup(&f);
	rc = call(ep, &resp, &err, "POST", "/echo", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_TRANSPORT, "connect", "may or may not have reached",
	    NULL);
	pxm_http_response_clear(&resp);
	ck_assert_int_eq(fx_wait_count(&f, "req ", 1), 1);
	ck_assert_int_eq(fx_wait_count(&f, "accept ", 1), 1);
	/* Neither PUT nor DELETE. */
	fx_stop(&f);
	pxm_endpoint_free(ep);
	fx_start(&f, "--token-file", "@/expected", "--drop-first", "2", NULL);
	ep = pve_setup(&f);
	ck_assert_int_eq(call(ep, &resp, &err, "PUT", "/echo", NULL, 0, 0), PXM_E_TRANSPORT);
	ck_assert_int_eq(call(ep, &resp, &err, "DELETE", "/echo", NULL, 0, 0),
	    PXM_E_TRANSPORT);
	ck_assert_int_eq(fx_wait_count(&f, "req ", 2), 2);
	/* A GET marked PXM_HTTP_NO_RETRY is not retried either. */
	fx_stop(&f);
	pxm_endpoint_free(ep);
	fx_start(&f, "--token-file", "@/expected", "--drop-first", "1", NULL);
	ep = pve_setup(&f);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL,
	    PXM_HTTP_NO_RETRY, 0), PXM_E_TRANSPORT);
	ck_assert_int_eq(fx_wait_count(&f, "req ", 1), 1);
	pxm_endpoint_free(ep);
	fx_stop(&f);

	/* Always reset: exactly one retry, then a clear error. */
	fx_start(&f, "--token-file", "@/expected", "--mode", "reset", NULL);
	ep = pve_setup(&f);
	rc = call(ep, &resp, &err, "GET", "/version", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_TRANSPORT, "connect", "also on a retry", NULL);
	ck_assert_int_eq(fx_wait_count(&f, "accept ", 2), 2);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(not_configured)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct pxm_http_request reqs[2] = {
		{ sizeof reqs[0], 0, 0, "GET", "/version", NULL },
		{ sizeof reqs[1], 0, 0, "GET", "/version", NULL },
	};
	struct pxm_http_response out[2];
	struct pxm_error errs[2];

	fx_clear_env();
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0),
	    PXM_E_CONFIG);
	ck_assert_str_eq(err.text,
	    "PVE is not configured: set PROXIMO_API_BASE_URL, PROXIMO_TOKEN_PATH");
	ck_assert_str_eq(err.reason, "not_configured");
	memset(out, 0, sizeof out);
	ck_assert_int_eq(pxm_http_request_many(out, errs, ep, reqs, 2), PXM_E_CONFIG);
	ck_assert_str_eq(errs[1].reason, "not_configured");
	pxm_endpoint_free(ep);
}
END_TEST

static void
pmg_env(struct fixture *f)
{
	fx_write(f, "pmgpass", PMG_PASSWORD "\n", 0600);
	fx_clear_env();
	setenv("PROXIMO_PMG_BASE_URL", f->base_url, 1);
	setenv("PROXIMO_PMG_PASSWORD_PATH", fx_path(f, "pmgpass"), 1);
	setenv("PROXIMO_PMG_FINGERPRINT", f->fp, 1);
}

START_TEST(pmg_ticket_session)
{
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	json_t *d;
	size_t n;
	char *plain;

	fx_start(&f, "--pmg-password-file", "@/pmgpass", NULL);
	pmg_env(&f);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pmg"), PXM_OK);
	ck_assert_str_eq(pxm_endpoint_node(ep), "pmg");
	d = echo(ep, "GET", "/echo/1", NULL, 0);
	json_decref(d);
	ck_assert_int_eq(fx_count(&f, "login ok"), 1);
	/* The session is kept: no new login; non-GET carries the CSRF token. */
	d = echo(ep, "POST", "/echo/2", "{\"x\":1}", 0);
	json_decref(d);
	d = echo(ep, "DELETE", "/echo/3", NULL, 0);
	json_decref(d);
	ck_assert_int_eq(fx_count(&f, "login ok"), 1);
	/* The server forgets the ticket: one 401, one new login, one retry. */
	d = echo(ep, "POST", "/pmg/expire", NULL, 0);
	json_decref(d);
	d = echo(ep, "GET", "/echo/4", NULL, 0);
	json_decref(d);
	ck_assert_int_eq(fx_count(&f, "login ok"), 2);
	ck_assert_int_eq(fx_count(&f, "req "), 8);
	plain = fx_slurp(&f, "plain.bin", &n);
	ck_assert(fx_contains(plain, n, "Cookie: PMGAuthCookie=PMG:root@pam:"));
	ck_assert(fx_contains(plain, n, "CSRFPreventionToken: "));
	ck_assert(fx_contains(plain, n, "username=root%40pam&password=" PMG_PASSWORD));
	free(plain);
	/* The ticket never shows in the description. */
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert(json_is_true(json_object_get(d, "logged_in")));
	{
		char *s = json_dumps(d, 0);
		ck_assert_ptr_null(strstr(s, "PMG:root@pam:"));
		no_secret(s);
		free(s);
	}
	json_decref(d);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(pmg_relogin_only_once)
{
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	int rc;

	fx_start(&f, "--pmg-password-file", "@/pmgpass", "--pmg-reject-all", NULL);
	pmg_env(&f);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pmg"), PXM_OK);
	rc = call(ep, &resp, &err, "GET", "/echo", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_AUTH, "http_401", "even after logging in again",
	    NULL);
	pxm_http_response_clear(&resp);
	ck_assert_int_eq(fx_count(&f, "login ok"), 2);
	ck_assert_int_eq(fx_wait_count(&f, "req ", 4), 4);
	pxm_endpoint_free(ep);
	fx_stop(&f);

	/* A wrong password: one failed login, no loop, no password in the text. */
	fx_start(&f, "--pmg-password-file", "@/pmgpass", NULL);
	pmg_env(&f);
	fx_write(&f, "clientpass", "not-" PMG_PASSWORD, 0600);
	setenv("PROXIMO_PMG_PASSWORD_PATH", fx_path(&f, "clientpass"), 1);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pmg"), PXM_OK);
	rc = call(ep, &resp, &err, "GET", "/echo", NULL, 0, 0);
	expect_error(&err, rc, PXM_E_AUTH, "http_401", "PROXIMO_PMG_PASSWORD_PATH",
	    "root@pam", NULL);
	pxm_http_response_clear(&resp);
	ck_assert_int_eq(fx_count(&f, "login fail"), 1);
	ck_assert_int_eq(fx_wait_count(&f, "req ", 1), 1);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

static int polls;

static int
cancel_after_some(void *arg)
{
	(void)arg;
	return ++polls > 3;
}

START_TEST(cancellation)
{
	struct pxm_http_hooks hooks = { cancel_after_some, NULL };
	struct pxm_http_request req = { sizeof req, 0, 0, "POST", "/slow", NULL };
	struct pxm_http_request reqs[20];
	struct pxm_http_response resp, out[20];
	struct pxm_error err, errs[20];
	struct pxm_endpoint *ep;
	struct fixture f;
	json_t *p = json_pack("{s:i}", "ms", 5000);
	long long t0;
	int i, cancelled = 0;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	req.params = p;
	memset(&resp, 0, sizeof resp);
	t0 = fx_now_ms();
	polls = 0;
	ck_assert_int_eq(pxm_http_request_ex(&resp, &err, ep, &req, &hooks), PXM_E_CANCELLED);
	ck_assert_str_eq(err.reason, "cancelled");
	ck_assert_ptr_nonnull(strstr(err.text, "may already have reached"));
	ck_assert_int_lt(fx_now_ms() - t0, 4000);
	pxm_http_response_clear(&resp);

	for (i = 0; i < 20; i++)
		reqs[i] = (struct pxm_http_request){ sizeof reqs[i], 0, 0, "GET",
		    "/slow", p };
	polls = 0;
	memset(out, 0, sizeof out);
	ck_assert_int_eq(pxm_http_request_many_ex(out, errs, ep, reqs, 20, &hooks),
	    PXM_E_CANCELLED);
	for (i = 0; i < 20; i++) {
		cancelled += errs[i].code == PXM_E_CANCELLED;
		pxm_http_response_clear(&out[i]);
	}
	ck_assert_int_eq(cancelled, 20);
	json_decref(p);
	/* The endpoint still works afterwards. */
	ck_assert_int_eq(call(ep, &resp, &err, "GET", "/version", NULL, 0, 0), PXM_OK);
	pxm_http_response_clear(&resp);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(secrets_stay_out_of_logs)
{
	static const char *const paths[] = { "/err/401", "/err/403", "/err/400",
	    "/err/500", "/notjson", "/version" };
	struct pxm_http_response resp;
	struct pxm_error err;
	struct pxm_endpoint *ep;
	struct fixture f;
	json_t *d;
	char *log, *s;
	size_t i;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = pve_setup(&f);
	pxm_log_set_level(PXM_LOG_DEBUG);
	fx_stderr_begin();
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		call(ep, &resp, &err, "GET", paths[i], NULL, 0, 0);
		no_secret(err.text);
		no_secret(resp.message);
		pxm_http_response_clear(&resp);
	}
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	log = fx_stderr_end();
	ck_assert_ptr_nonnull(strstr(log, "GET /err/403"));	/* debug lines ran */
	no_secret(log);
	free(log);
	ck_assert_str_eq(json_string_value(json_object_get(d, "token_id")), "root@pam!tok");
	ck_assert_str_eq(json_string_value(json_object_get(d, "tls")), "pinned");
	s = json_dumps(d, 0);
	no_secret(s);
	free(s);
	json_decref(d);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transport-http");
	TCase *tc = tcase_create("http");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, get_answers_data);
	tcase_add_test(tc, pve_error_mapping);
	tcase_add_test(tc, pbs_error_mapping);
	tcase_add_test(tc, wrong_token_is_401);
	tcase_add_test(tc, token_file_refusals);
	tcase_add_test(tc, refused_before_sending);
	tcase_add_test(tc, encoding_on_the_wire);
	tcase_add_test(tc, response_size_cap);
	tcase_add_test(tc, connection_reuse);
	tcase_add_test(tc, many_in_parallel);
	tcase_add_test(tc, get_retried_once_post_never);
	tcase_add_test(tc, not_configured);
	tcase_add_test(tc, pmg_ticket_session);
	tcase_add_test(tc, pmg_relogin_only_once);
	tcase_add_test(tc, cancellation);
	tcase_add_test(tc, secrets_stay_out_of_logs);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
