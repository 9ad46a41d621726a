# plugin/: the loader (libltdl wrapped in dl.c) and the host function table.
libpxmcore_la_SOURCES += %reldir%/dl.c %reldir%/loader.c %reldir%/host.c
noinst_HEADERS += %reldir%/dl.h %reldir%/loader.h %reldir%/host.h
