# tests/sim/: proximo-sim's own tests (over real HTTPS), and the harness
# other suites use to start the simulator (lib/sim_harness.h).
check_LTLIBRARIES += lib/libsimharness.la
lib_libsimharness_la_SOURCES = lib/sim_harness.c lib/sim_harness.h
lib_libsimharness_la_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS)
lib_libsimharness_la_LIBADD = $(LIBCURL_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += sim/check_sim
sim_check_sim_SOURCES = sim/check_sim.c sim/simtest.c sim/simtest.h
sim_check_sim_LDADD = lib/libsimharness.la $(LDADD)
TESTS += sim/check_sim

check_PROGRAMS += sim/check_sim_pve
sim_check_sim_pve_SOURCES = sim/check_sim_pve.c sim/simtest.c sim/simtest.h
sim_check_sim_pve_LDADD = lib/libsimharness.la $(LDADD)
TESTS += sim/check_sim_pve

check_PROGRAMS += sim/check_sim_pbs_pmg
sim_check_sim_pbs_pmg_SOURCES = sim/check_sim_pbs_pmg.c sim/simtest.c sim/simtest.h
sim_check_sim_pbs_pmg_LDADD = lib/libsimharness.la $(LDADD)
TESTS += sim/check_sim_pbs_pmg
