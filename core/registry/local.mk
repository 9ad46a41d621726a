# registry/: the tool registry and the JSON Schema validator.
libpxmcore_la_SOURCES += %reldir%/registry.c %reldir%/schema.c %reldir%/regex_cache.c
noinst_HEADERS += %reldir%/registry.h %reldir%/schema.h
