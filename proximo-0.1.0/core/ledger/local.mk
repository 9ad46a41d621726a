# core/ledger/: PROVE, the HMAC-chained ledger: canonical JSON, the chain
# walker (verify), durable appends, anchors, signed checkpoints, redaction,
# and the `proximo audit` verb (cli/audit.c).
libpxmcore_la_SOURCES += %reldir%/canon.c %reldir%/walk.c %reldir%/ledger.c \
	%reldir%/report.c %reldir%/anchor.c %reldir%/checkpoint.c \
	%reldir%/redact.c %reldir%/io.c
noinst_HEADERS += %reldir%/ledger.h %reldir%/canon.h %reldir%/internal.h \
	%reldir%/io.h
libpxmcore_la_SOURCES += cli/audit.c
noinst_HEADERS += cli/audit.h
