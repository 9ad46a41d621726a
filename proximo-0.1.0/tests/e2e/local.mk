# e2e/: the real binary over stdio, with real plugins.
E2E_TESTS = e2e/check_stdio
check_PROGRAMS += $(E2E_TESTS)
TESTS += $(E2E_TESTS)
e2e_check_stdio_LDADD = lib/libpxmtest.la $(LDADD)
