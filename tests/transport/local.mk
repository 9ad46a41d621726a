# tests/transport/: the HTTPS transport against a real TLS server on
# 127.0.0.1 (tls_fixture, started by each test that needs it).
transport_suites = %reldir%/path_test %reldir%/http_test \
	%reldir%/tls_test %reldir%/deadline_test %reldir%/endpoint_test
check_PROGRAMS += %reldir%/tls_fixture $(transport_suites)
TESTS += $(transport_suites)
noinst_HEADERS += %reldir%/fixture.h

%canon_reldir%_tls_fixture_SOURCES = %reldir%/tls_fixture.c
%canon_reldir%_tls_fixture_CFLAGS = $(AM_CFLAGS) $(LIBSSL_CFLAGS) -pthread
%canon_reldir%_tls_fixture_LDADD = $(LIBSSL_LIBS) $(LIBCRYPTO_LIBS) -lpthread

%canon_reldir%_path_test_SOURCES = %reldir%/path_test.c %reldir%/fixture.c
%canon_reldir%_http_test_SOURCES = %reldir%/http_test.c %reldir%/fixture.c
%canon_reldir%_tls_test_SOURCES = %reldir%/tls_test.c %reldir%/fixture.c
%canon_reldir%_deadline_test_SOURCES = %reldir%/deadline_test.c %reldir%/fixture.c
%canon_reldir%_endpoint_test_SOURCES = %reldir%/endpoint_test.c %reldir%/fixture.c
