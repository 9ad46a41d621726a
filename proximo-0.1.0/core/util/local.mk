# util/: buffers, errors, logging, configuration, secrets.
libpxmcore_la_SOURCES += %reldir%/buf.c %reldir%/error.c %reldir%/log.c \
	%reldir%/settings.c %reldir%/secret.c
noinst_HEADERS += %reldir%/buf.h %reldir%/error.h %reldir%/log.h \
	%reldir%/settings.h %reldir%/secret.h
