# tests/pve/: the PVE plugin end to end: the real proximo binary over stdio
# against proximo-sim over HTTPS with a pinned certificate (one simulator
# per test program, tests/pve/estate.json).
check_LTLIBRARIES += pve/libpvetest.la
pve_libpvetest_la_SOURCES = pve/pvetest.c pve/pvetest.h
pve_libpvetest_la_LIBADD = lib/libsimharness.la lib/libpxmtest.la $(CHECK_LIBS) $(JANSSON_LIBS)

PVE_TESTS = pve/check_pve_tools pve/check_pve_schema pve/check_pve_door \
	pve/check_pve_failures pve/check_pve_guests pve/check_pve_tasks
check_PROGRAMS += $(PVE_TESTS)
TESTS += $(PVE_TESTS)
pve_check_pve_tools_LDADD = pve/libpvetest.la $(LDADD)
pve_check_pve_door_LDADD = pve/libpvetest.la $(LDADD)
pve_check_pve_failures_LDADD = pve/libpvetest.la $(LDADD)
pve_check_pve_tasks_LDADD = pve/libpvetest.la $(LDADD)
# (a thread edits the guest while the undo snapshot runs)
pve_check_pve_guests_CFLAGS = $(AM_CFLAGS) -pthread
pve_check_pve_guests_LDADD = pve/libpvetest.la $(LDADD) -lpthread

# the plugin's schema converter (what the door validates with), checked
# against data/pve.json operation by operation
pve_check_pve_schema_SOURCES = pve/check_pve_schema.c pve/apischema_incl.c
pve_check_pve_schema_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/pve
pve_check_pve_schema_LDADD = lib/libpxmtest.la $(LDADD)

dist_check_DATA += pve/estate.json pve/tool_cases.json
