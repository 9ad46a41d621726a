# core/transport/: what every build has, transports or not: API paths
# (expanding, matching, checking) are the keys classifiers attach to;
# libs.c opens libcurl and libssh2 when a transport first needs them.
libpxmcore_la_SOURCES += %reldir%/path.c %reldir%/libs.c
noinst_HEADERS += %reldir%/path.h %reldir%/libs.h
