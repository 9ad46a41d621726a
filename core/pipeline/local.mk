# pipeline/: the governed call path (plans, gates, undo, task waits).
libpxmcore_la_SOURCES += %reldir%/pipeline.c %reldir%/plan.c %reldir%/call.c \
	%reldir%/api_exec.c %reldir%/gates.c %reldir%/plan_store.c %reldir%/undo.c \
	%reldir%/tasks.c %reldir%/approval.c %reldir%/ct_exec.c \
	%reldir%/read_call.c
noinst_HEADERS += %reldir%/pipeline.h %reldir%/plan.h %reldir%/call.h \
	%reldir%/api_exec.h %reldir%/gates.h %reldir%/plan_store.h %reldir%/undo.h \
	%reldir%/tasks.h %reldir%/approval.h %reldir%/ct_exec.h \
	%reldir%/read_call.h
