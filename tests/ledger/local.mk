# tests/ledger/: PROVE.  Check suites link the core library; the shell
# tests drive ledger-tool (the `audit` verb without main.c) and an
# independent Python-stdlib implementation of the reference ledger.
check_PROGRAMS += ledger/ledger-tool
ledger_ledger_tool_SOURCES = ledger/ledger-tool.c
dist_check_SCRIPTS += ledger/refledger.py
noinst_HEADERS += ledger/helpers.h ledger/tap.h
check_PROGRAMS += ledger/test_ledger
ledger_test_ledger_SOURCES = ledger/test_ledger.c
TESTS += ledger/test_ledger
check_PROGRAMS += ledger/test_canon
ledger_test_canon_SOURCES = ledger/test_canon.c
TESTS += ledger/test_canon
# The same test against canon.c's portable scanner (what non-SSE2 machines run).
check_PROGRAMS += ledger/test_canon_portable
ledger_test_canon_portable_SOURCES = ledger/test_canon.c ledger/canon_portable.c
ledger_test_canon_portable_CPPFLAGS = $(AM_CPPFLAGS) -DPXM_CANON_PORTABLE
TESTS += ledger/test_canon_portable
check_PROGRAMS += ledger/test_tamper
ledger_test_tamper_SOURCES = ledger/test_tamper.c
TESTS += ledger/test_tamper
check_PROGRAMS += ledger/test_durability
ledger_test_durability_SOURCES = ledger/test_durability.c
TESTS += ledger/test_durability
dist_check_SCRIPTS += ledger/interop.sh ledger/offline.sh ledger/canary.sh
dist_check_DATA += ledger/tap.sh
TESTS += ledger/interop.sh ledger/offline.sh ledger/canary.sh
