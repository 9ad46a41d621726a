# unit/: one Check suite per core module.
check_LTLIBRARIES += lib/libpxmtest.la
lib_libpxmtest_la_SOURCES = lib/pxmtest.c
lib_libpxmtest_la_LIBADD = $(CHECK_LIBS) $(JANSSON_LIBS)
noinst_HEADERS += lib/pxmtest.h lib/pxmcheck.h

UNIT_TESTS = unit/check_framing unit/check_schema unit/check_loader \
	unit/check_registry unit/check_settings
unit_check_loader_LDADD = lib/libpxmtest.la $(LDADD)
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
unit_check_settings_LDADD = lib/libpxmtest.la $(LDADD)

TESTS += unit/check-exports.sh
dist_check_SCRIPTS += unit/check-exports.sh

# The SDK's example plugin builds out of tree and loads.
TESTS += unit/check-sdk-template.sh
dist_check_SCRIPTS += unit/check-sdk-template.sh
