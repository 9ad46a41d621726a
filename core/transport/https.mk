# core/transport/: the HTTPS transport (libcurl + OpenSSL) to PVE, PBS, PMG.
# Included by core/Makefile.am when libcurl is built; paths relative to core/.
libpxmcore_la_SOURCES += %reldir%/tls.c %reldir%/endpoint.c \
	%reldir%/http.c %reldir%/http_engine.c %reldir%/http_auth.c \
	%reldir%/http_encode.c %reldir%/http_errors.c
noinst_HEADERS += %reldir%/tls.h %reldir%/endpoint.h \
	%reldir%/endpoint_int.h %reldir%/http.h %reldir%/http_int.h \
	%reldir%/curl_api.h
