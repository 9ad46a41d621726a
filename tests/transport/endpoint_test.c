/**
 * @file endpoint_test.c
 * @brief Endpoint configuration from PROXIMO_* settings: what is missing,
 * what is garbled, defaults per product, and the description for doctor
 * and proximo_status (never the secret).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "fixture.h"
#include "transport/endpoint.h"
#include "transport/http.h"

static struct pxm_endpoint *
make(const char *product)
{
	struct pxm_endpoint *ep = NULL;
	struct pxm_error err;

	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, product), PXM_OK);
	ck_assert_ptr_nonnull(ep);
	return ep;
}

/* The configuration error an endpoint reports (and logs at creation). */
static void
expect_config_error(const char *product, const char *says1, const char *says2)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	char *log;

	fx_stderr_begin();
	ep = make(product);
	log = fx_stderr_end();
	ck_assert_int_eq(pxm_endpoint_configured(ep, &err), PXM_E_CONFIG);
	ck_assert_msg(strstr(err.text, says1) != NULL, "'%s' not in: %s", says1, err.text);
	if (says2 != NULL)
		ck_assert_msg(strstr(err.text, says2) != NULL, "'%s' not in: %s", says2,
		    err.text);
	/* Logged once at creation, so it is never silent. */
	ck_assert_ptr_nonnull(strstr(log, says1));
	free(log);
	pxm_endpoint_free(ep);
}

START_TEST(missing_settings_are_named)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;

	fx_clear_env();
	ep = make("pve");
	ck_assert_int_eq(pxm_endpoint_configured(ep, &err), PXM_E_CONFIG);
	ck_assert_str_eq(err.reason, "not_configured");
	ck_assert_str_eq(err.text,
	    "PVE is not configured: set PROXIMO_API_BASE_URL, PROXIMO_TOKEN_PATH");
	ck_assert_ptr_null(pxm_endpoint_node(ep));
	ck_assert_str_eq(pxm_endpoint_product(ep), "pve");
	pxm_endpoint_free(ep);

	ep = make("pbs");
	ck_assert_int_eq(pxm_endpoint_configured(ep, &err), PXM_E_CONFIG);
	ck_assert_str_eq(err.text,
	    "PBS is not configured: set PROXIMO_PBS_BASE_URL, PROXIMO_PBS_TOKEN_PATH");
	ck_assert_str_eq(pxm_endpoint_node(ep), "localhost");
	pxm_endpoint_free(ep);

	setenv("PROXIMO_PMG_BASE_URL", "https://pmg.example:8006/api2/json", 1);
	ep = make("pmg");
	ck_assert_int_eq(pxm_endpoint_configured(ep, &err), PXM_E_CONFIG);
	ck_assert_str_eq(err.text,
	    "PMG is not configured: set PROXIMO_PMG_PASSWORD_PATH");
	ck_assert_str_eq(pxm_endpoint_node(ep), "pmg");
	pxm_endpoint_free(ep);

	setenv("PROXIMO_PMG_NODE", "mail1", 1);
	ep = make("pmg");
	ck_assert_str_eq(pxm_endpoint_node(ep), "mail1");
	pxm_endpoint_free(ep);

	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pdm"), PXM_E_INVAL);
	ck_assert_ptr_null(ep);
	ck_assert_ptr_nonnull(strstr(err.text, "pve, pbs, pmg"));
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, NULL), PXM_E_INVAL);
}
END_TEST

START_TEST(garbled_settings_are_reported)
{
	fx_clear_env();
	setenv("PROXIMO_TOKEN_PATH", "/nonexistent/token", 1);

	setenv("PROXIMO_API_BASE_URL", "http://pve:8006/api2/json", 1);
	expect_config_error("pve", "PROXIMO_API_BASE_URL uses http://", "https://");
	setenv("PROXIMO_API_BASE_URL", "https://root:hunter2secret@pve:8006/api2/json", 1);
	expect_config_error("pve", "PROXIMO_API_BASE_URL may not hold user info", NULL);
	setenv("PROXIMO_API_BASE_URL", "https://pve:8006/api2/json?x=1", 1);
	expect_config_error("pve", "PROXIMO_API_BASE_URL may not hold", NULL);
	setenv("PROXIMO_API_BASE_URL", "not a url", 1);
	expect_config_error("pve", "PROXIMO_API_BASE_URL is not a URL", NULL);
	setenv("PROXIMO_API_BASE_URL", "https://pve:8006/api2/json/", 1);

	setenv("PROXIMO_FINGERPRINT", "AA:BB:CC", 1);
	expect_config_error("pve", "PROXIMO_FINGERPRINT is not a SHA-256",
	    "openssl x509 -fingerprint -sha256 -noout -in cert.pem");
	unsetenv("PROXIMO_FINGERPRINT");
	setenv("PROXIMO_PBS_BASE_URL", "https://pbs:8007/api2/json", 1);
	setenv("PROXIMO_PBS_TOKEN_PATH", "/nonexistent", 1);
	setenv("PROXIMO_PBS_FINGERPRINT", "zz", 1);
	expect_config_error("pbs", "PROXIMO_PBS_FINGERPRINT", NULL);

	setenv("PROXIMO_CA_BUNDLE", "/nonexistent/ca.pem", 1);
	expect_config_error("pve", "PROXIMO_CA_BUNDLE: cannot read /nonexistent/ca.pem",
	    NULL);
	unsetenv("PROXIMO_CA_BUNDLE");

	setenv("PROXIMO_HTTP_TIMEOUT", "30s", 1);
	expect_config_error("pve", "PROXIMO_HTTP_TIMEOUT='30s' is not a duration",
	    "e.g. 30 or 2.5");
	setenv("PROXIMO_HTTP_TIMEOUT", "0.0001", 1);
	expect_config_error("pve", "PROXIMO_HTTP_TIMEOUT", NULL);
	setenv("PROXIMO_HTTP_TIMEOUT", "1e3", 1);
	expect_config_error("pve", "PROXIMO_HTTP_TIMEOUT", NULL);
	unsetenv("PROXIMO_HTTP_TIMEOUT");
	setenv("PROXIMO_HTTP_CONNECT_TIMEOUT", "-1", 1);
	expect_config_error("pve", "PROXIMO_HTTP_CONNECT_TIMEOUT", NULL);
	unsetenv("PROXIMO_HTTP_CONNECT_TIMEOUT");
	setenv("PROXIMO_HTTP_PARALLEL", "0", 1);
	expect_config_error("pve", "PROXIMO_HTTP_PARALLEL", "1 to 64");
	unsetenv("PROXIMO_HTTP_PARALLEL");
	setenv("PROXIMO_HTTP_MAX_BYTES", "12", 1);
	expect_config_error("pve", "PROXIMO_HTTP_MAX_BYTES", NULL);
	unsetenv("PROXIMO_HTTP_MAX_BYTES");
}
END_TEST

START_TEST(garbled_endpoint_refuses_requests)
{
	struct pxm_http_request req = { sizeof req, 0, 0, "GET", "/version", NULL };
	struct pxm_http_response resp;
	struct pxm_endpoint *ep;
	struct pxm_error err;

	fx_clear_env();
	setenv("PROXIMO_API_BASE_URL", "https://127.0.0.1:1/api2/json", 1);
	setenv("PROXIMO_TOKEN_PATH", "/nonexistent/token", 1);
	setenv("PROXIMO_FINGERPRINT", "not-a-fingerprint", 1);
	fx_stderr_begin();
	ep = make("pve");
	free(fx_stderr_end());
	memset(&resp, 0, sizeof resp);
	ck_assert_int_eq(pxm_http_request(&resp, &err, ep, &req), PXM_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "PROXIMO_FINGERPRINT"));
	pxm_endpoint_free(ep);
}
END_TEST

START_TEST(settings_and_description)
{
	const char *fp = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
	    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
	char dir[] = "/tmp/pxm-ep-XXXXXX", path[256], *s;
	struct pxm_endpoint *ep;
	struct pxm_error err;
	FILE *f;
	json_t *d;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/token", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("automation@pve!proximo=ffeeddcc-bbaa-9988-7766-554433221100\n", f);
	fclose(f);
	chmod(path, 0600);

	fx_clear_env();
	setenv("PROXIMO_API_BASE_URL", "https://pve.example:8006/api2/json///", 1);
	setenv("PROXIMO_TOKEN_PATH", path, 1);
	setenv("PROXIMO_NODE", "pve1", 1);
	setenv("PROXIMO_FINGERPRINT", fp, 1);
	setenv("PROXIMO_HTTP_TIMEOUT", "2.5", 1);
	setenv("PROXIMO_HTTP_CONNECT_TIMEOUT", "3", 1);
	setenv("PROXIMO_HTTP_PARALLEL", "4", 1);
	setenv("PROXIMO_HTTP_PROXY", "http://user:proxypass@proxy:3128", 1);
	ep = make("pve");
	ck_assert_int_eq(pxm_endpoint_configured(ep, &err), PXM_OK);
	ck_assert_str_eq(pxm_endpoint_node(ep), "pve1");
	ck_assert_str_eq(pxm_endpoint_label(ep), "PVE");
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert(json_is_true(json_object_get(d, "configured")));
	ck_assert_int_eq(json_array_size(json_object_get(d, "missing")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "base_url")),
	    "https://pve.example:8006/api2/json");
	ck_assert_str_eq(json_string_value(json_object_get(d, "host")), "pve.example:8006");
	ck_assert_str_eq(json_string_value(json_object_get(d, "tls")), "pinned");
	ck_assert_str_eq(json_string_value(json_object_get(d, "fingerprint")),
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	ck_assert_str_eq(json_string_value(json_object_get(d, "token_id")),
	    "automation@pve!proximo");
	ck_assert_str_eq(json_string_value(json_object_get(d, "auth")), "api_token");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "timeout_ms")), 2500);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "connect_timeout_ms")), 3000);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "parallel")), 4);
	ck_assert(json_is_true(json_object_get(d, "proxy")));
	s = json_dumps(d, 0);
	ck_assert_ptr_null(strstr(s, "ffeeddcc"));	/* the secret */
	ck_assert_ptr_null(strstr(s, "proxypass"));	/* proxy credentials */
	free(s);
	json_decref(d);
	pxm_endpoint_free(ep);

	/* Defaults: 30 s for PVE, 60 s for PBS and PMG, 10 s to connect. */
	fx_clear_env();
	ep = make("pve");
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "timeout_ms")), 30000);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "connect_timeout_ms")), 10000);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "parallel")), 8);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "max_response_bytes")),
	    64 * 1024 * 1024);
	ck_assert(json_is_false(json_object_get(d, "configured")));
	ck_assert_int_eq(json_array_size(json_object_get(d, "missing")), 2);
	ck_assert(json_is_null(json_object_get(d, "token_id")));
	ck_assert_str_eq(json_string_value(json_object_get(d, "tls")), "system");
	json_decref(d);
	pxm_endpoint_free(ep);
	ep = make("pbs");
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "timeout_ms")), 60000);
	json_decref(d);
	pxm_endpoint_free(ep);

	/* An unreadable token file is described, not fatal. */
	setenv("PROXIMO_API_BASE_URL", "https://pve:8006/api2/json", 1);
	setenv("PROXIMO_TOKEN_PATH", path, 1);
	chmod(path, 0644);
	ep = make("pve");
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert(json_is_null(json_object_get(d, "token_id")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(d, "token_error")),
	    "chmod 600"));
	json_decref(d);
	pxm_endpoint_free(ep);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transport-endpoint");
	TCase *tc = tcase_create("endpoint");

	tcase_add_test(tc, missing_settings_are_named);
	tcase_add_test(tc, garbled_settings_are_reported);
	tcase_add_test(tc, garbled_endpoint_refuses_requests);
	tcase_add_test(tc, settings_and_description);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
