#!/bin/sh
# The test command: set up a fresh Debian machine, build Proximo from this
# tree, and run every suite.  Usage: tests/run.sh [--quick]
#   --quick   skip valgrind, the sanitizer build and distcheck
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n=== %s\n' "$*"; }
# A test may skip on a machine that lacks one of its tools; here, where
# every dependency was installed, a skip is a failure.
no_skips() {
	n=$(sed -n 's/^# SKIP: *//p' tests/test-suite.log | head -1)
	if [ "${n:-0}" != 0 ]; then
		echo "$n test(s) skipped; every dependency is installed here, so that is a failure:" >&2
		grep -h '^SKIP:' tests/test-suite.log tests/*/*.trs 2>/dev/null | sort -u >&2 || true
		grep -l 'SKIP' tests/*/*.log 2>/dev/null >&2 || true
		exit 1
	fi
}

step "dependencies"
contrib/deps/install-debian

step "build (release, hardened)"
autoreconf -fi
rm -rf _build && mkdir _build && cd _build
../configure --enable-silent-rules
make -j"$jobs"

step "make check"
make -j"$jobs" check || { cat tests/test-suite.log; exit 1; }
no_skips

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
	step "valgrind: the whole suite, every test program and every proximo it runs"
	# (the hardened release build: valgrind wants no sanitizer runtime)
	make -j"$jobs" check-valgrind || { cat tests/test-suite.log; exit 1; }
	no_skips

	cd "$top"
	step "sanitizers (ASan + UBSan + LSan): the whole suite"
	rm -rf _build-asan && mkdir _build-asan && cd _build-asan
	../configure --enable-silent-rules --enable-sanitizers --disable-hardening
	make -j"$jobs"
	# The options reach every test and, through the environment, every
	# proximo a test spawns.  Reports go to files as well as failing the
	# process: a report in a child whose exit status nobody checks (a leak
	# at exit, say) still fails this step.
	sanlogs="$PWD/sanitizer-logs"
	rm -rf "$sanlogs" && mkdir "$sanlogs"
	ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$sanlogs/asan" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$sanlogs/ubsan" \
	    make -j"$jobs" check || { cat tests/test-suite.log; cat "$sanlogs"/* 2>/dev/null; exit 1; }
	no_skips
	if [ -n "$(ls -A "$sanlogs")" ]; then
		echo "sanitizer reports were written (the suite passed, a process did not):" >&2
		for f in "$sanlogs"/*; do echo "--- $f" >&2; cat "$f" >&2; done
		exit 1
	fi

	cd "$top/_build"
	step "make distcheck"
	make -j"$jobs" distcheck
fi
step "all tests passed"
