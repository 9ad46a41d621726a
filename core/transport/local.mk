# core/transport/: what every build has, transports or not: API paths
# (expanding, matching, checking) are the keys classifiers attach to.
libpxmcore_la_SOURCES += %reldir%/path.c
noinst_HEADERS += %reldir%/path.h
