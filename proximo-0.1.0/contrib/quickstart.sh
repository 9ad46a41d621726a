#!/bin/sh
# Quick start on a fresh Debian machine: install what is needed, build
# Proximo, and run its main job.  Usage: contrib/quickstart.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

echo "=== installing build dependencies" >&2
contrib/deps/install-debian
echo "=== building" >&2
[ -x configure ] || autoreconf -fi
mkdir -p _build && cd _build
[ -f Makefile ] || ../configure --enable-silent-rules >/dev/null
make -j"$jobs" >/dev/null

state=${PROXIMO_QUICKSTART_DIR:-$top/_build/quickstart}
mkdir -p "$state"
export PROXIMO_PLUGIN_DIR="$top/_build/plugins/staged"
export PROXIMO_AUDIT_LOG="$state/audit.log"

echo "=== a short MCP session with the freshly built server" >&2
printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"quickstart","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"proximo_status","arguments":{}}}' \
  | ./core/proximo

cat >&2 <<EOT

=== Proximo is built.  Point an MCP client at it:
{
  "mcpServers": {
    "proximo": {
      "command": "$top/_build/core/proximo",
      "env": { "PROXIMO_PLUGIN_DIR": "$PROXIMO_PLUGIN_DIR",
               "PROXIMO_AUDIT_LOG": "$PROXIMO_AUDIT_LOG" }
    }
  }
}
EOT
