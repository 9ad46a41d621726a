# fuzz/: libFuzzer targets (reliability goal G7) and the replay of their
# corpora.  Each target is one file, linked twice:
#  - fuzz/replay_<t>: with replay.c, by the ordinary compiler, run by
#    `make check` over fuzz/corpus/<t>/ (every seed and every past crasher);
#  - fuzz/fuzz_<t>: with libFuzzer, built and run by `make fuzz` in a clang
#    tree of its own (fuzz/run-fuzzers.sh; docs/HARDENING.md).
FUZZ_NAMES = framer schema ledger dispatch path
FUZZ_REPLAY = fuzz/replay_framer fuzz/replay_schema fuzz/replay_ledger \
	fuzz/replay_dispatch fuzz/replay_path
check_PROGRAMS += $(FUZZ_REPLAY)
TESTS += $(FUZZ_REPLAY)
noinst_HEADERS += fuzz/fuzz.h fuzz/fuzzenv.h
FUZZ_REPLAY_SOURCES = fuzz/replay.c fuzz/fuzz.h
# Targets that need a registry find the fixture plugins here (or under
# $PXM_TOP_BUILDDIR when set, as make check and make fuzz do).
FUZZ_ENV_SOURCES = fuzz/fuzzenv.c fuzz/fuzzenv.h
FUZZ_ENV_CPPFLAGS = -DFUZZ_BUILDDIR='"$(abs_top_builddir)"' -DFUZZ_SRCDIR='"$(abs_top_srcdir)"'

fuzz_replay_framer_SOURCES = fuzz/fuzz_framer.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_framer_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"framer"'
fuzz_replay_schema_SOURCES = fuzz/fuzz_schema.c $(FUZZ_ENV_SOURCES) $(FUZZ_REPLAY_SOURCES)
fuzz_replay_schema_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_ENV_CPPFLAGS) -DFUZZ_TARGET='"schema"'
fuzz_replay_ledger_SOURCES = fuzz/fuzz_ledger.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_ledger_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"ledger"'
fuzz_replay_dispatch_SOURCES = fuzz/fuzz_dispatch.c $(FUZZ_ENV_SOURCES) $(FUZZ_REPLAY_SOURCES)
fuzz_replay_dispatch_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_ENV_CPPFLAGS) -DFUZZ_TARGET='"dispatch"'
fuzz_replay_path_SOURCES = fuzz/fuzz_path.c $(FUZZ_REPLAY_SOURCES)
fuzz_replay_path_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"path"'

# The libFuzzer binaries: only ever built on request, in the clang tree.
PXM_FUZZERS = fuzz/fuzz_framer fuzz/fuzz_schema fuzz/fuzz_ledger fuzz/fuzz_dispatch \
	fuzz/fuzz_path
EXTRA_PROGRAMS = $(PXM_FUZZERS)
FUZZ_LINK = -fsanitize=fuzzer
fuzz_fuzz_framer_SOURCES = fuzz/fuzz_framer.c
fuzz_fuzz_framer_CFLAGS = $(AM_CFLAGS)
fuzz_fuzz_framer_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_schema_SOURCES = fuzz/fuzz_schema.c $(FUZZ_ENV_SOURCES)
fuzz_fuzz_schema_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_ENV_CPPFLAGS)
fuzz_fuzz_schema_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_ledger_SOURCES = fuzz/fuzz_ledger.c
fuzz_fuzz_ledger_CFLAGS = $(AM_CFLAGS)
fuzz_fuzz_ledger_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_dispatch_SOURCES = fuzz/fuzz_dispatch.c $(FUZZ_ENV_SOURCES)
fuzz_fuzz_dispatch_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_ENV_CPPFLAGS)
fuzz_fuzz_dispatch_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_path_SOURCES = fuzz/fuzz_path.c
fuzz_fuzz_path_CFLAGS = $(AM_CFLAGS)
fuzz_fuzz_path_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# What the fuzzing tree builds: the targets and the fixture plugins that
# fuzz_dispatch loads.
fuzz-targets: $(PXM_FUZZERS) fixtures/good.la fixtures/pipetest.la

EXTRA_DIST += fuzz/corpus fuzz/dict fuzz/keys fuzz/run-fuzzers.sh fuzz/make-seeds.py \
	fuzz/make-ledger-seeds.sh

# make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="framer ..."] [FUZZ_TIMEOUT=5]
# make fuzz-merge: fold coverage-increasing inputs found into fuzz/corpus/.
FUZZ_SECONDS = 60
FUZZ_TIMEOUT = 5
FUZZ_RSS_MB = 2048
FUZZ_TARGETS = $(FUZZ_NAMES)
FUZZ_WORKDIR = $(abs_top_builddir)/_fuzz
fuzz fuzz-merge:
	@FUZZ_CC='$(FUZZ_CC)' FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_TIMEOUT='$(FUZZ_TIMEOUT)' \
	FUZZ_RSS_MB='$(FUZZ_RSS_MB)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	FUZZ_WORKDIR='$(FUZZ_WORKDIR)' MAKE='$(MAKE)' \
	$(SHELL) $(srcdir)/fuzz/run-fuzzers.sh $@ '$(abs_top_srcdir)' '$(abs_top_builddir)'
.PHONY: fuzz fuzz-merge fuzz-targets

# Targets over code that only some configurations build: the PVE plugin's
# answers (HTTPS transport + pve.so + a certificate from contrib/sim/tls.c).
if BUILD_SIM
FUZZ_NAMES += pve_response
FUZZ_REPLAY += fuzz/replay_pve_response
FUZZ_PVE_RESPONSE_SOURCES = fuzz/fuzz_pve_response.c ../contrib/sim/tls.c \
	$(FUZZ_ENV_SOURCES)
FUZZ_PVE_RESPONSE_CPPFLAGS = $(AM_CPPFLAGS) $(FUZZ_ENV_CPPFLAGS) -I$(top_srcdir)/contrib/sim
fuzz_replay_pve_response_SOURCES = $(FUZZ_PVE_RESPONSE_SOURCES) $(FUZZ_REPLAY_SOURCES)
fuzz_replay_pve_response_CPPFLAGS = $(FUZZ_PVE_RESPONSE_CPPFLAGS) -DFUZZ_TARGET='"pve_response"'
fuzz_replay_pve_response_LDADD = $(LDADD) $(LIBSSL_LIBS) -lpthread
PXM_FUZZERS += fuzz/fuzz_pve_response
fuzz_fuzz_pve_response_SOURCES = $(FUZZ_PVE_RESPONSE_SOURCES)
fuzz_fuzz_pve_response_CPPFLAGS = $(FUZZ_PVE_RESPONSE_CPPFLAGS)
fuzz_fuzz_pve_response_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_pve_response_LDADD = $(LDADD) $(LIBSSL_LIBS) -lpthread

# The simulator's request path: contrib/sim without its daemon (main.c,
# server.c).
FUZZ_NAMES += sim_request
FUZZ_REPLAY += fuzz/replay_sim_request
include $(top_srcdir)/contrib/sim/engine.mk
FUZZ_SIM_SOURCES = fuzz/fuzz_sim_request.c $(SIM_ENGINE_SOURCES)
FUZZ_SIM_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/contrib/sim \
	-DFUZZ_SRCDIR='"$(abs_top_srcdir)"' -DPXM_PKGDATADIR='"$(pkgdatadir)"'
FUZZ_SIM_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS) $(LIBMICROHTTPD_CFLAGS) -pthread
FUZZ_SIM_LIBS = $(LDADD) $(PCRE2_LIBS) -lpthread
fuzz_replay_sim_request_SOURCES = $(FUZZ_SIM_SOURCES) $(FUZZ_REPLAY_SOURCES)
fuzz_replay_sim_request_CPPFLAGS = $(FUZZ_SIM_CPPFLAGS) -DFUZZ_TARGET='"sim_request"'
fuzz_replay_sim_request_CFLAGS = $(FUZZ_SIM_CFLAGS)
fuzz_replay_sim_request_LDADD = $(FUZZ_SIM_LIBS)
PXM_FUZZERS += fuzz/fuzz_sim_request
fuzz_fuzz_sim_request_SOURCES = $(FUZZ_SIM_SOURCES)
fuzz_fuzz_sim_request_CPPFLAGS = $(FUZZ_SIM_CPPFLAGS)
fuzz_fuzz_sim_request_CFLAGS = $(FUZZ_SIM_CFLAGS)
fuzz_fuzz_sim_request_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
fuzz_fuzz_sim_request_LDADD = $(FUZZ_SIM_LIBS)
endif
