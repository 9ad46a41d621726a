# cli/: the command-line verbs and the runtime they share.
libpxmcore_la_SOURCES += %reldir%/runtime.c %reldir%/serve.c %reldir%/inventory.c %reldir%/demo.c \
	%reldir%/doctor.c
noinst_HEADERS += %reldir%/runtime.h %reldir%/verbs.h
