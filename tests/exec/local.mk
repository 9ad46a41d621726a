# tests/exec/: the exec plugin.  check_exec_classify compiles the plugin's
# pure parts (classifiers, fingerprints) into a Check program.
if BUILD_PLUGIN_EXEC
check_PROGRAMS += exec/check_exec_classify
exec_check_exec_classify_SOURCES = exec/check_exec_classify.c exec/plugin_parts.c
exec_check_exec_classify_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/exec $(PCRE2_CFLAGS)
exec_check_exec_classify_LDADD = lib/libpxmtest.la $(LDADD) $(PCRE2_LIBS)
TESTS += exec/check_exec_classify

endif

