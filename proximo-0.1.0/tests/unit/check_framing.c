/**
 * @file check_framing.c
 * @brief The stdio framer: split messages, pipelining, oversized lines, EOF.
 */
#include "config.h"

#include <string.h>

#include "mcp/framing.h"
#include "pxmcheck.h"

static struct pxm_framer f;

static void
setup(void)
{
	pxm_framer_init(&f, 64);
}

static void
teardown(void)
{
	pxm_framer_free(&f);
}

static void
expect_line(const char *want)
{
	char *line;
	size_t len;

	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_LINE);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq(line, want);
}

START_TEST(test_split_across_feeds)
{
	char *line;
	size_t len;

	pxm_framer_feed(&f, "{\"a\":", 5);
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_NONE);
	pxm_framer_feed(&f, "1}", 2);
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_NONE);
	pxm_framer_feed(&f, "\n", 1);
	expect_line("{\"a\":1}");
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_NONE);
}
END_TEST

START_TEST(test_pipelined)
{
	char *line;
	size_t len;

	pxm_framer_feed(&f, "one\ntwo\r\n\nthree\n", 16);
	expect_line("one");
	expect_line("two");	/* CRLF tolerated */
	expect_line("");
	expect_line("three");
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_NONE);
}
END_TEST

START_TEST(test_oversized_line_is_dropped_and_stream_resyncs)
{
	char big[200], *line;
	size_t len;

	memset(big, 'x', sizeof big);
	pxm_framer_feed(&f, big, sizeof big);
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_OVERSIZED);
	ck_assert_uint_eq(len, sizeof big);
	/* The rest of the oversized line is discarded as it arrives... */
	pxm_framer_feed(&f, big, sizeof big);
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_NONE);
	/* ...up to its newline; then messages flow again. */
	pxm_framer_feed(&f, "xx\nok\n", 6);
	expect_line("ok");
}
END_TEST

START_TEST(test_oversized_complete_line)
{
	char big[100], *line;
	size_t len;

	memset(big, 'y', sizeof big);
	big[90] = '\n';
	pxm_framer_feed(&f, big, 91);
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_OVERSIZED);
	pxm_framer_feed(&f, "next\n", 5);
	expect_line("next");
}
END_TEST

START_TEST(test_final_line_without_newline_at_eof)
{
	char *line;
	size_t len;

	pxm_framer_feed(&f, "last", 4);
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_NONE);
	pxm_framer_set_eof(&f);
	expect_line("last");
	ck_assert_int_eq(pxm_framer_next(&f, &line, &len), PXM_FRAME_NONE);
}
END_TEST

START_TEST(test_many_small_lines_one_feed)
{
	static char data[20000 * 3];
	char *line;
	size_t len, i, n = 0;

	for (i = 0; i < 20000; i++)
		memcpy(data + 3 * i, "ab\n", 3);
	pxm_framer_feed(&f, data, sizeof data);
	while (pxm_framer_next(&f, &line, &len) == PXM_FRAME_LINE) {
		ck_assert_str_eq(line, "ab");
		n++;
	}
	ck_assert_uint_eq(n, 20000);
	ck_assert_uint_eq(pxm_framer_pending(&f), 0);
}
END_TEST

static Suite *
framing_suite(void)
{
	Suite *s = suite_create("framing");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_split_across_feeds);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_oversized_line_is_dropped_and_stream_resyncs);
	tcase_add_test(tc, test_oversized_complete_line);
	tcase_add_test(tc, test_final_line_without_newline_at_eof);
	tcase_add_test(tc, test_many_small_lines_one_feed);
	suite_add_tcase(s, tc);
	return s;
}

PXM_CHECK_MAIN(framing_suite)
