# mcp/: stdio framing, JSON-RPC and the MCP dispatcher.
libpxmcore_la_SOURCES += %reldir%/framing.c %reldir%/jsonrpc.c %reldir%/server.c
noinst_HEADERS += %reldir%/framing.h %reldir%/jsonrpc.h %reldir%/server.h
