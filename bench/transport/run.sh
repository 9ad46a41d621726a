#!/bin/sh
# Benchmark the HTTPS transport against tls_fixture on 127.0.0.1.
#
#   bench/transport/run.sh [--record] [BUILDDIR]
#
# BUILDDIR is a configured build tree (default: the source tree, for
# in-tree builds).  Builds libpxmcore and the fixture if needed, links
# bench_http with the build's libtool, runs it, prints Markdown; with
# --record also writes bench/results/transport.md in the source tree.
set -eu

record=no
if [ "${1:-}" = "--record" ]; then
	record=yes
	shift
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top}" && pwd)
rounds=${BENCH_ROUNDS:-5}

[ -f "$build/config.h" ] || { echo "run.sh: $build is not a configured build tree" >&2; exit 1; }
make -s -C "$build/core" libpxmcore.la
make -s -C "$build/tests" transport/tls_fixture
cc=$(sed -n 's/^CC = //p' "$build/Makefile")
cflags=$(pkg-config --cflags jansson libcurl libssl libcrypto)
libs=$(pkg-config --libs jansson libcurl libssl libcrypto)
out="$build/bench/transport"
mkdir -p "$out"
"$build/libtool" --quiet --mode=link --tag=CC $cc -std=gnu11 -O2 \
	-I"$build" -I"$top/include" -I"$top/core" $cflags \
	-o "$out/bench_http" "$top/bench/transport/bench_http.c" \
	"$build/core/libpxmcore.la" $libs -lltdl

table=$("$out/bench_http" "$build/tests/transport/tls_fixture" "$rounds")
echo "$table"
if [ "$record" = yes ]; then
	mkdir -p "$top/bench/results"
	{
		echo "# HTTPS transport benchmark"
		echo
		echo "Recorded $(date -u +%Y-%m-%d) with \`bench/transport/run.sh --record\`"
		echo "on $(uname -srm), $(nproc) CPU(s), against \`tls_fixture\` (TLS on"
		echo "127.0.0.1, pinned certificate, token auth, one thread per connection)."
		echo "Absolute numbers depend on the machine; the ratios compare each"
		echo "measurement with a baseline measured in the same run."
		echo
		echo "$table"
		echo
		echo "- Reuse vs fresh: what the per-endpoint connection pool saves (a TLS"
		echo "  handshake and TCP setup per request)."
		echo "- request_many vs sequential: with instant answers the gain comes"
		echo "  from overlapping client and fixture work (both share the machine's"
		echo "  CPUs, so it is bounded by them); with server latency the 8 parallel"
		echo "  connections overlap the waits, which is the case against a real"
		echo "  Proxmox (bounded by PROXIMO_HTTP_PARALLEL)."
		echo "- Run to run, absolute rates on this machine vary by up to ~30%;"
		echo "  compare ratios, and re-record rather than compare across runs."
	} > "$top/bench/results/transport.md"
	echo "wrote $top/bench/results/transport.md" >&2
fi
