# pipeline/: the governed call path (plans, gates, undo, task waits).
libpxmcore_la_SOURCES += %reldir%/pipeline.c %reldir%/plan.c %reldir%/call.c \
	%reldir%/api_exec.c
noinst_HEADERS += %reldir%/pipeline.h %reldir%/plan.h %reldir%/call.h \
	%reldir%/api_exec.h
