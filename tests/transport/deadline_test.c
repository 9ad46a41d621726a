/**
 * @file deadline_test.c
 * @brief Bounded time and resources: against fixtures that accept and
 * never answer, answer one byte a second, send headers forever or never
 * answer a request, every operation fails within its deadline plus a
 * second, the error names the deadline that passed, and 1,000 consecutive
 * timeouts leave the process's descriptors and memory where they were.
 *
 * The only timing assertion is that upper bound (deadline + slack, slack
 * 1 s unless PXM_TIME_SLACK_MS says otherwise for slow instrumented runs).
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

#define TOKEN	"root@pam!tok=d3adl1ne-0000-1111-2222-333344445555"

static long long
slack_ms(void)
{
	const char *s = getenv("PXM_TIME_SLACK_MS");

	return s && *s ? strtoll(s, NULL, 10) : 1000;
}

static struct pxm_endpoint *
endpoint_for(const struct fixture *f)
{
	struct pxm_endpoint *ep = NULL;
	struct pxm_error err;

	fx_write(f, "token", TOKEN, 0600);
	fx_env_pve(f, "token");
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	ck_assert_msg(pxm_endpoint_configured(ep, &err) == PXM_OK, "%s", err.text);
	return ep;
}

/* Run one request; returns its code and how long it took. */
static int
timed(struct pxm_endpoint *ep, struct pxm_error *err, const char *method,
    uint32_t timeout_ms, long long *elapsed)
{
	struct pxm_http_request req = { sizeof req, 0, timeout_ms, method,
	    "/version", NULL };
	struct pxm_http_response resp;
	long long t0 = fx_now_ms();
	int r;

	memset(&resp, 0, sizeof resp);
	r = pxm_http_request(&resp, err, ep, &req);
	*elapsed = fx_now_ms() - t0;
	pxm_http_response_clear(&resp);
	fprintf(stderr, "[%s] %lld ms: %s\n", err->reason, *elapsed, err->text);
	return r;
}

static void
expect_deadline(const struct pxm_error *err, int rc, const char *reason,
    const char *says, long long elapsed, long long deadline_ms)
{
	ck_assert_int_eq(rc, PXM_E_TIMEOUT);
	ck_assert_str_eq(err->reason, reason);
	ck_assert_msg(strstr(err->text, says) != NULL, "'%s' not in: %s", says,
	    err->text);
	ck_assert_msg(elapsed <= deadline_ms + slack_ms(),
	    "took %lld ms for a %lld ms deadline", elapsed, deadline_ms);
}

START_TEST(blackhole_hits_the_connect_deadline)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	long long el;
	int rc;

	fx_start(&f, "--mode", "blackhole", NULL);
	fx_write(&f, "token", TOKEN, 0600);
	fx_env_pve(&f, "token");
	setenv("PROXIMO_HTTP_CONNECT_TIMEOUT", "1", 1);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	rc = timed(ep, &err, "GET", 0, &el);
	expect_deadline(&err, rc, "timeout_connect",
	    "connect deadline of 1 s (PROXIMO_HTTP_CONNECT_TIMEOUT)", el, 1000);
	ck_assert_ptr_nonnull(strstr(err.text, "was not sent"));
	/* A timeout is not a connection failure: no retry, even for a GET. */
	ck_assert_int_eq(fx_wait_count(&f, "accept ", 1), 1);
	rc = timed(ep, &err, "POST", 0, &el);
	expect_deadline(&err, rc, "timeout_connect", "connect deadline", el, 1000);
	ck_assert_int_eq(fx_wait_count(&f, "accept ", 2), 2);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(blackhole_with_a_shorter_request_deadline)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	long long el;
	int rc;

	fx_start(&f, "--mode", "blackhole", NULL);
	ep = endpoint_for(&f);
	rc = timed(ep, &err, "GET", 300, &el);
	expect_deadline(&err, rc, "timeout_request",
	    "request deadline of 300 ms", el, 300);
	ck_assert_ptr_nonnull(strstr(err.text, "while still connecting"));
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(unanswered_request_hits_the_request_deadline)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	long long el;
	int rc;

	fx_start(&f, "--mode", "hang", NULL);
	ep = endpoint_for(&f);
	rc = timed(ep, &err, "GET", 500, &el);
	expect_deadline(&err, rc, "timeout_request", "request deadline of 500 ms",
	    el, 500);
	ck_assert_int_eq(fx_wait_count(&f, "req ", 1), 1);
	rc = timed(ep, &err, "POST", 500, &el);
	expect_deadline(&err, rc, "timeout_request", "may still complete", el, 500);
	ck_assert_int_eq(fx_wait_count(&f, "req ", 2), 2);
	/* The endpoint's own default, from the environment. */
	setenv("PROXIMO_HTTP_TIMEOUT", "0.7", 1);
	pxm_endpoint_free(ep);
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	rc = timed(ep, &err, "GET", 0, &el);
	expect_deadline(&err, rc, "timeout_request",
	    "request deadline of 700 ms (PROXIMO_HTTP_TIMEOUT", el, 700);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

START_TEST(drip_and_slow_headers)
{
	static const char *const modes[] = { "drip", "slow-headers" };
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	long long el;
	size_t i;
	int rc;

	for (i = 0; i < 2; i++) {
		fx_start(&f, "--mode", modes[i], NULL);
		ep = endpoint_for(&f);
		rc = timed(ep, &err, "GET", 1500, &el);
		expect_deadline(&err, rc, "timeout_request",
		    "request deadline of 1500 ms", el, 1500);
		ck_assert_int_eq(fx_wait_count(&f, "req ", 1), 1);
		pxm_endpoint_free(ep);
		fx_stop(&f);
	}
}
END_TEST

START_TEST(parallel_timeouts)
{
	enum { N = 20 };
	struct pxm_http_request reqs[N];
	struct pxm_http_response out[N];
	struct pxm_error errs[N];
	struct pxm_endpoint *ep;
	struct fixture f;
	long long t0, el;
	int i;

	fx_start(&f, "--mode", "blackhole", NULL);
	ep = endpoint_for(&f);
	for (i = 0; i < N; i++)
		reqs[i] = (struct pxm_http_request){ sizeof reqs[i], 0, 300, "GET",
		    "/version", NULL };
	memset(out, 0, sizeof out);
	t0 = fx_now_ms();
	ck_assert_int_eq(pxm_http_request_many(out, errs, ep, reqs, N),
	    PXM_E_TIMEOUT);
	el = fx_now_ms() - t0;
	for (i = 0; i < N; i++) {
		ck_assert_str_eq(errs[i].reason, "timeout_request");
		pxm_http_response_clear(&out[i]);
	}
	/* Eight at a time: three windows of 300 ms. */
	ck_assert_msg(el <= 3 * 300 + slack_ms(), "took %lld ms", el);
	pxm_endpoint_free(ep);
	fx_stop(&f);
}
END_TEST

static int
rss_meaningful(void)
{
	const char *pre = getenv("LD_PRELOAD");

#if defined(__SANITIZE_ADDRESS__)
	return 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return 0;
#endif
#endif
	return !(pre && strstr(pre, "vgpreload")) && getenv("PXM_SKIP_RSS") == NULL;
}

START_TEST(thousand_timeouts_leave_no_trace)
{
	struct pxm_endpoint *ep;
	struct pxm_error err;
	struct fixture f;
	long fd0, fd1, fd2, rss1, rss2;
	long long el, worst = 0;
	int i, timeouts = 0;

	fx_start(&f, "--mode", "blackhole", NULL);
	fx_write(&f, "token", TOKEN, 0600);
	fx_env_pve(&f, "token");
	fd0 = fx_fd_count();
	ck_assert_int_eq(pxm_endpoint_new(&ep, &err, "pve"), PXM_OK);
	/* Warm up: the first calls create the pool, caches, curl's wakeup
	 * pair; the baseline is taken after them. */
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(timed(ep, &err, "GET", 5, &el), PXM_E_TIMEOUT);
	fd1 = fx_fd_count();
	rss1 = fx_rss_kb();
	for (i = 0; i < 1000; i++) {
		struct pxm_http_request req = { sizeof req, 0, 5, "GET", "/version", NULL };
		struct pxm_http_response resp;
		long long t0 = fx_now_ms();

		memset(&resp, 0, sizeof resp);
		timeouts += pxm_http_request(&resp, &err, ep, &req) == PXM_E_TIMEOUT;
		el = fx_now_ms() - t0;
		worst = el > worst ? el : worst;
		pxm_http_response_clear(&resp);
	}
	fd2 = fx_fd_count();
	rss2 = fx_rss_kb();
	fprintf(stderr, "fds: %ld before, %ld baseline, %ld after; rss %ld -> %ld KiB; "
	    "slowest %lld ms\n", fd0, fd1, fd2, rss1, rss2, worst);
	ck_assert_int_eq(timeouts, 1000);
	ck_assert_msg(worst <= 5 + slack_ms(), "a 5 ms deadline took %lld ms", worst);
	ck_assert_int_eq(fd2, fd1);
	if (rss_meaningful())
		ck_assert_msg(rss2 <= rss1 + rss1 / 20, "RSS grew from %ld to %ld KiB",
		    rss1, rss2);
	pxm_endpoint_free(ep);
	/* And freeing the endpoint gives back everything it held. */
	ck_assert_int_eq(fx_fd_count(), fd0);
	fx_stop(&f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("transport-deadlines");
	TCase *tc = tcase_create("deadlines");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, blackhole_hits_the_connect_deadline);
	tcase_add_test(tc, blackhole_with_a_shorter_request_deadline);
	tcase_add_test(tc, unanswered_request_hits_the_request_deadline);
	tcase_add_test(tc, drip_and_slow_headers);
	tcase_add_test(tc, parallel_timeouts);
	tcase_add_test(tc, thousand_timeouts_leave_no_trace);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
