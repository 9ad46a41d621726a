/**
 * @file tls_test.c
 * @brief TLS modes against tls_fixture: the exact-certificate pin (and
 * proof from the server's own capture that a refused connection carried no
 * byte of the token), CA bundles, the system store, and verification
 * explicitly turned off.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "fixture.h"
#include "transport/endpoint.h"
#include "transport/http.h"

#define SECRET	"c4a9e1f0-7d2b-4e55-9a31-0b6f2d8e7c11"
#define TOKENID	"proximo@pve!agent"
#define TOKEN	TOKENID "=" SECRET

static struct pxm_endpoint *
endpoint_for(const struct fixture *f, const char *fp, const char *ca)
{
	struct pxm_endpoint *ep = NULL;
	struct pxm_error err;

	fx_write(f, "expected", TOKEN, 0600);
	fx_write(f, "token", TOKEN, 0600);
	fx_env_pve(f, "token");
	unsetenv("PROXIMO_FINGERPRINT");
	if (fp != NULL)
		setenv("PROXIMO_FINGERPRINT", fp, 1);
	if (ca != NULL)
		setenv("PROXIMO_CA_BUNDLE", ca, 1);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	ck_assert_msg(pxm_endpoint_configured(ep, &err) == PXM_OK, "%s", err.text);
	return ep;
}

static int
get(struct pxm_endpoint *ep, struct pxm_error *err)
{
	struct pxm_http_request req = { sizeof req, 0, 0, "GET", "/version", NULL };
	struct pxm_http_response resp;
	int r;

	memset(&resp, 0, sizeof resp);
	r = pxm_http_request(&resp, err, ep, &req);
	pxm_http_response_clear(&resp);
	if (r != PXM_OK)	/* the log shows what an agent would read */
		fprintf(stderr, "[%s] %s\n", err->reason, err->text);
	return r;
}

/* The server captured nothing of the credential: no decrypted byte at
 * all, and neither the header name, the token id nor the secret in the
 * raw stream (TLS would hide them anyway; this guards a plain fallback). */
static void
assert_nothing_sent(const struct fixture *f)
{
	size_t nplain, nraw;
	char *plain, *raw;

	ck_assert_msg(fx_wait_closed(f, 5000), "fixture connections did not close");
	plain = fx_slurp(f, "plain.bin", &nplain);
	raw = fx_slurp(f, "raw.bin", &nraw);
	ck_assert_uint_eq(nplain, 0);
	ck_assert_uint_gt(nraw, 0);	/* a handshake was attempted */
	ck_assert(!fx_contains(raw, nraw, "Authorization"));
	ck_assert(!fx_contains(raw, nraw, TOKENID));
	ck_assert(!fx_contains(raw, nraw, SECRET));
	ck_assert(!fx_contains(raw, nraw, "GET /"));
	ck_assert_int_eq(fx_count(f, "req "), 0);
	ck_assert_int_eq(fx_count(f, "tlsok "), 0);
	ck_assert_int_eq(fx_count(f, "tlsfail "), fx_count(f, "accept "));
	free(plain);
	free(raw);
}

START_TEST(right_pin_sends)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	size_t n;
	char *plain;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = endpoint_for(&f, f.fp, NULL);
	ck_assert_int_eq(get(ep, &err), PXM_OK);
	/* The capture works: on an accepted connection the header is seen. */
	plain = fx_slurp(&f, "plain.bin", &n);
	ck_assert(fx_contains(plain, n, "Authorization: PVEAPIToken=" TOKEN));
	free(plain);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(wrong_pin_refused_before_any_byte)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f, other;
	char want[256];

	/* A real, different certificate: another fixture's. */
	fx_start(&other, NULL);
	fx_start(&f, "--token-file", "@/expected", NULL);
	ck_assert_str_ne(f.fp, other.fp);
	ep = endpoint_for(&f, other.fp, NULL);
	ck_assert_int_eq(get(ep, &err), PXM_E_TLS);
	ck_assert_str_eq(err.reason, "tls_pin");
	snprintf(want, sizeof want, "server certificate fingerprint mismatch: pinned "
	    "%s, observed %s \xe2\x80\x94 refusing before any request (token never "
	    "sent)", other.fp, f.fp);
	ck_assert_msg(strstr(err.text, want) != NULL, "%s", err.text);
	ck_assert_ptr_null(strstr(err.text, SECRET));
	assert_nothing_sent(&f);	/* waits for the fixture to finish */
	ck_assert_int_eq(fx_count(&f, "tlsfail "), 1);
	pxm_endpoint_free(ep);
	fx_stop(&f);
	fx_stop(&other);
}
END_TEST

/* G12: every connection to a server with another certificate is refused
 * before any byte of the Authorization header, single and parallel. */
START_TEST(g12_hundred_connections)
{
	enum { BATCH = 5 };
	struct pxm_http_request reqs[BATCH];
	struct pxm_http_response out[BATCH];
	struct pxm_error err, errs[BATCH];
	struct pxm_endpoint *ep;
	struct fixture f, other;
	int i, j, refused = 0;

	fx_start(&other, NULL);
	fx_start(&f, "--token-file", "@/expected", NULL);
	for (i = 0; i < BATCH; i++)
		reqs[i] = (struct pxm_http_request){ sizeof reqs[i], 0, 0, "GET",
		    "/version", NULL };
	for (i = 0; i < 50; i++) {
		/* A fresh endpoint each time: no state carried over. */
		ep = endpoint_for(&f, other.fp, NULL);
		refused += get(ep, &err) == PXM_E_TLS && strcmp(err.reason, "tls_pin") == 0;
		pxm_endpoint_free(ep);
	}
	ep = endpoint_for(&f, other.fp, NULL);
	for (i = 0; i < 10; i++) {
		memset(out, 0, sizeof out);
		ck_assert_int_eq(pxm_http_request_many(out, errs, ep, reqs, BATCH),
		    PXM_E_TLS);
		for (j = 0; j < BATCH; j++) {
			refused += errs[j].code == PXM_E_TLS &&
			    strcmp(errs[j].reason, "tls_pin") == 0;
			pxm_http_response_clear(&out[j]);
		}
	}
	pxm_endpoint_free(ep);
	ck_assert_int_eq(refused, 100);
	ck_assert_int_eq(fx_wait_count(&f, "accept ", 100), 100);
	assert_nothing_sent(&f);
	fx_stop(&f);
	fx_stop(&other);
}
END_TEST

/* Renewal: the current and the next certificate may both be pinned. */
START_TEST(two_pins_during_a_renewal)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f, next, third;
	char pins[200], want[300];
	json_t *d;

	fx_start(&f, "--token-file", "@/expected", NULL);
	fx_start(&next, NULL);
	fx_start(&third, NULL);
	snprintf(pins, sizeof pins, "%s, %s", next.fp, f.fp);
	ep = endpoint_for(&f, pins, NULL);
	ck_assert_int_eq(get(ep, &err), PXM_OK);
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(d, "fingerprint")), next.fp);
	ck_assert_str_eq(json_string_value(json_object_get(d, "fingerprint_next")), f.fp);
	json_decref(d);
	pxm_endpoint_free(ep);
	snprintf(pins, sizeof pins, "%s,%s", f.fp, next.fp);
	ep = endpoint_for(&f, pins, NULL);
	ck_assert_int_eq(get(ep, &err), PXM_OK);
	pxm_endpoint_free(ep);
	/* Neither matches: refused, and the text names both. */
	snprintf(pins, sizeof pins, "%s,%s", next.fp, third.fp);
	ep = endpoint_for(&f, pins, NULL);
	ck_assert_int_eq(get(ep, &err), PXM_E_TLS);
	snprintf(want, sizeof want, "pinned %s or %s, observed %s", next.fp, third.fp,
	    f.fp);
	ck_assert_msg(strstr(err.text, want) != NULL, "%s", err.text);
	pxm_endpoint_free(ep);
	/* Three are refused as configuration. */
	snprintf(pins, sizeof pins, "%s,%s,%s", f.fp, next.fp, third.fp);
	fx_env_pve(&f, "token");
	setenv("PROXIMO_FINGERPRINT", pins, 1);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	ck_assert_int_eq(pxm_endpoint_configured(ep, &err), PXM_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.text, "more than 2 fingerprints"));
	pxm_endpoint_free(ep);
	ck_assert_int_eq(fx_count(&f, "req "), 2);
	fx_stop(&third);
	fx_stop(&next);
	fx_stop(&f);
}
END_TEST

START_TEST(pin_survives_reuse_and_is_checked_per_endpoint)
{
	struct pxm_endpoint *good, *bad;
	struct pxm_error err;
	struct fixture f;
	int i;

	fx_start(&f, "--token-file", "@/expected", NULL);
	good = endpoint_for(&f, f.fp, NULL);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(get(good, &err), PXM_OK);
	ck_assert_int_eq(fx_count(&f, "accept "), 1);
	/* Another endpoint with another pin does not ride the good one's
	 * connections. */
	bad = endpoint_for(&f,
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", NULL);
	ck_assert_int_eq(get(bad, &err), PXM_E_TLS);
	ck_assert_str_eq(err.reason, "tls_pin");
	ck_assert_ptr_nonnull(strstr(err.text, "pinned "
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
	ck_assert_int_eq(fx_count(&f, "req "), 5);
	ck_assert_int_eq(get(good, &err), PXM_OK);
	pxm_endpoint_free(good);
	pxm_endpoint_free(bad);
	fx_stop(&f);
}
END_TEST

START_TEST(ca_bundle_modes)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f, other;
	char ca[512], leaf[512], other_leaf[512];
	json_t *d;

	fx_start(&f, "--ca", "--token-file", "@/expected", NULL);
	fx_start(&other, "--ca", NULL);
	snprintf(ca, sizeof ca, "%s", fx_path(&f, "ca.pem"));
	snprintf(leaf, sizeof leaf, "%s", fx_path(&f, "cert.pem"));
	snprintf(other_leaf, sizeof other_leaf, "%s", fx_path(&other, "ca.pem"));

	/* The CA that signed the node certificate. */
	ep = endpoint_for(&f, NULL, ca);
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(d, "tls")), "ca_bundle");
	json_decref(d);
	ck_assert_msg(get(ep, &err) == PXM_OK, "%s", err.text);
	pxm_endpoint_free(ep);
	/* The node certificate itself (not self-signed): a trust anchor. */
	ep = endpoint_for(&f, NULL, leaf);
	ck_assert_msg(get(ep, &err) == PXM_OK, "%s", err.text);
	pxm_endpoint_free(ep);
	ck_assert_int_eq(fx_count(&f, "req "), 2);
	/* Another CA: refused before the request, naming the fixes. */
	ep = endpoint_for(&f, NULL, other_leaf);
	ck_assert_int_eq(get(ep, &err), PXM_E_TLS);
	ck_assert_msg(strcmp(err.reason, "tls_verify") == 0, "%s: %s", err.reason,
	    err.text);
	ck_assert_ptr_nonnull(strstr(err.text, "PROXIMO_CA_BUNDLE"));
	ck_assert_ptr_nonnull(strstr(err.text, "PROXIMO_FINGERPRINT"));
	ck_assert_ptr_nonnull(strstr(err.text, "nothing was sent"));
	pxm_endpoint_free(ep);
	ck_assert_int_eq(fx_count(&f, "req "), 2);
	fx_stop(&f);
	fx_stop(&other);
}
END_TEST

START_TEST(system_store_refuses_self_signed)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	json_t *d;

	fx_start(&f, "--token-file", "@/expected", NULL);
	ep = endpoint_for(&f, NULL, NULL);
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(d, "tls")), "system");
	json_decref(d);
	ck_assert_int_eq(get(ep, &err), PXM_E_TLS);
	ck_assert_str_eq(err.reason, "tls_verify");
	assert_nothing_sent(&f);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(unverified_only_when_asked_and_loudly)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	json_t *d;
	char *log;

	fx_start(&f, "--token-file", "@/expected", NULL);
	fx_write(&f, "expected", TOKEN, 0600);
	fx_write(&f, "token", TOKEN, 0600);
	fx_env_pve(&f, "token");
	unsetenv("PROXIMO_FINGERPRINT");
	setenv("PROXIMO_VERIFY_TLS", "false", 1);
	fx_stderr_begin();
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	log = fx_stderr_end();
	ck_assert_ptr_nonnull(strstr(log, "TLS VERIFICATION IS OFF"));
	ck_assert_ptr_nonnull(strstr(log, "PROXIMO_VERIFY_TLS=false"));
	ck_assert_ptr_nonnull(strstr(log, "PROXIMO_FINGERPRINT"));
	free(log);
	ck_assert_int_eq(pxm_endpoint_tls_unverified(ep), 1);
	ck_assert_int_eq(pxm_endpoint_describe(&d, ep), PXM_OK);
	ck_assert_str_eq(json_string_value(json_object_get(d, "tls")), "UNVERIFIED");
	ck_assert(json_is_true(json_object_get(d, "tls_unverified")));
	json_decref(d);
	ck_assert_int_eq(get(ep, &err), PXM_OK);
	pxm_endpoint_free(ep);

	/* A pin wins over VERIFY_TLS=false: still verified, no warning. */
	setenv("PROXIMO_FINGERPRINT", f.fp, 1);
	fx_stderr_begin();
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	log = fx_stderr_end();
	ck_assert_ptr_null(strstr(log, "VERIFICATION IS OFF"));
	free(log);
	ck_assert_int_eq(pxm_endpoint_tls_unverified(ep), 0);
	pxm_endpoint_free(ep);

	/* A value that is not a boolean keeps verification on. */
	unsetenv("PROXIMO_FINGERPRINT");
	setenv("PROXIMO_VERIFY_TLS", "nope", 1);
	fx_stderr_begin();
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	log = fx_stderr_end();
	ck_assert_ptr_nonnull(strstr(log, "stays ON"));
	free(log);
	ck_assert_int_eq(pxm_endpoint_tls_unverified(ep), 0);
	ck_assert_int_eq(get(ep, &err), PXM_E_TLS);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transport-tls");
	TCase *tc = tcase_create("tls");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, right_pin_sends);
	tcase_add_test(tc, wrong_pin_refused_before_any_byte);
	tcase_add_test(tc, g12_hundred_connections);
	tcase_add_test(tc, two_pins_during_a_renewal);
	tcase_add_test(tc, pin_survives_reuse_and_is_checked_per_endpoint);
	tcase_add_test(tc, ca_bundle_modes);
	tcase_add_test(tc, system_store_refuses_self_signed);
	tcase_add_test(tc, unverified_only_when_asked_and_loudly);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
