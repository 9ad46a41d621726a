# tests/exec/: the exec plugin.  check_exec_classify compiles the plugin's
# pure parts (classifiers, fingerprints) into a Check program;
# check_exec drives the real proximo with pve.so and exec.so against
# proximo-sim and a real sshd with the pct stand-in (tests/ssh/).
if BUILD_PLUGIN_EXEC
check_PROGRAMS += exec/check_exec_classify
exec_check_exec_classify_SOURCES = exec/check_exec_classify.c exec/plugin_parts.c
exec_check_exec_classify_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/exec $(PCRE2_CFLAGS)
exec_check_exec_classify_LDADD = lib/libpxmtest.la $(LDADD) $(PCRE2_LIBS)
TESTS += exec/check_exec_classify

if BUILD_SIM
if BUILD_PLUGIN_PVE
check_PROGRAMS += exec/check_exec
exec_check_exec_SOURCES = exec/check_exec.c ssh/sshtest.c ssh/sshtest.h
exec_check_exec_LDADD = lib/libpxmtest.la lib/libsimharness.la $(LDADD) $(LIBSSH2_LIBS)
TESTS += exec/check_exec
endif
endif
endif

EXTRA_DIST += exec/exec-profile.json
