# meta/: the core's own "proximo" tools.
libpxmcore_la_SOURCES += %reldir%/status.c %reldir%/audit.c
noinst_HEADERS += %reldir%/meta.h
