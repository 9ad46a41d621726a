# tests/ssh/: the ssh transport against a real OpenSSH server on 127.0.0.1
# (tests/ssh/sshd_fixture.sh) with a pct stand-in, and the quoting of
# pct exec command lines (against dash and bash).  Every program speaks TAP
# and skips itself ("1..0 # SKIP") when sshd is not installed.
ssh_common_sources = %reldir%/sshtest.c %reldir%/sshtest.h

check_PROGRAMS += %reldir%/test_shellquote %reldir%/test_ssh_exec \
	%reldir%/test_ssh_hostkey %reldir%/test_ssh_timeouts
%canon_reldir%_test_shellquote_SOURCES = %reldir%/test_shellquote.c $(ssh_common_sources)
%canon_reldir%_test_ssh_exec_SOURCES = %reldir%/test_ssh_exec.c $(ssh_common_sources)
%canon_reldir%_test_ssh_hostkey_SOURCES = %reldir%/test_ssh_hostkey.c $(ssh_common_sources)
%canon_reldir%_test_ssh_timeouts_SOURCES = %reldir%/test_ssh_timeouts.c $(ssh_common_sources)

TESTS += %reldir%/test_shellquote %reldir%/test_ssh_timeouts %reldir%/test_ssh_hostkey %reldir%/test_ssh_exec

dist_check_SCRIPTS += %reldir%/sshd_fixture.sh %reldir%/pct-standin

# The benchmark program (bench/ssh/run.sh runs it and records
# bench/results/ssh.md): built with the tests so it keeps compiling, never
# run by make check.
check_PROGRAMS += %reldir%/ssh_bench
%canon_reldir%_ssh_bench_SOURCES = %reldir%/ssh_bench.c $(ssh_common_sources)
