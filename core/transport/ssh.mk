# core/transport/: the ssh transport (libssh2) and the pct exec command line.
libpxmcore_la_SOURCES += %reldir%/ssh.c %reldir%/shellquote.c %reldir%/ssh_text.c
noinst_HEADERS += %reldir%/ssh.h %reldir%/shellquote.h %reldir%/ssh_text.h \
	%reldir%/ssh2_api.h
