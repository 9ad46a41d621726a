#!/bin/sh
# The test command: set up a fresh Debian machine, build Proximo from this
# tree, and run every suite.  Usage: tests/run.sh [--quick]
#   --quick   skip the sanitizer build and distcheck
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
contrib/deps/install-debian

step "build (release, hardened)"
autoreconf -fi
rm -rf _build && mkdir _build && cd _build
../configure --enable-silent-rules
make -j"$jobs"

step "make check"
make -j"$jobs" check || { cat tests/test-suite.log; exit 1; }

step "MCP client check (official TypeScript SDK, --protocol --strict), every read tool called against proximo-sim"
node=$("$top/contrib/deps/node")
client=$(mktemp -d)
cp -r "$top/../shared/mcp-client/package.json" "$top/../shared/mcp-client/package-lock.json" \
    "$top/../shared/mcp-client/check-server.mjs" "$top/../shared/mcp-client/schema" "$client/"
(cd "$client" && PATH="$(dirname "$node"):$PATH" npm ci --silent --no-audit --no-fund)
"$top/tests/with-sim.sh" "$PWD" \
    "$node" "$client/check-server.mjs" --protocol --strict --call-readonly -- "$PWD/core/proximo"
rm -rf "$client"

if [ "$quick" -eq 0 ]; then
	cd "$top"
	step "sanitizers (ASan + UBSan): the whole suite"
	rm -rf _build-asan && mkdir _build-asan && cd _build-asan
	../configure --enable-silent-rules --enable-sanitizers --disable-hardening
	make -j"$jobs"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    make -j"$jobs" check || { cat tests/test-suite.log; exit 1; }

	cd "$top/_build"
	step "make distcheck"
	make -j"$jobs" distcheck
fi
step "all tests passed"
