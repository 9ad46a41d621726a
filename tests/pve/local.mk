# tests/pve/: the PVE plugin end to end: the real proximo binary over stdio
# against proximo-sim over HTTPS with a pinned certificate (one simulator
# per test program, tests/pve/estate.json).
check_LTLIBRARIES += pve/libpvetest.la
pve_libpvetest_la_SOURCES = pve/pvetest.c pve/pvetest.h
pve_libpvetest_la_LIBADD = lib/libsimharness.la lib/libpxmtest.la $(CHECK_LIBS) $(JANSSON_LIBS)

PVE_TESTS = pve/check_pve_tools
check_PROGRAMS += $(PVE_TESTS)
TESTS += $(PVE_TESTS)
pve_check_pve_tools_LDADD = pve/libpvetest.la $(LDADD)

dist_check_DATA += pve/estate.json pve/tool_cases.json
