#!/bin/sh
# @file run.sh
# Run the ssh transport benchmark and record it in bench/results/ssh.md.
#
#   bench/ssh/run.sh [BUILDDIR] [ROUNDS] [TRIALS]
#
# BUILDDIR is the configured build tree (default: the source tree).  The
# benchmark starts its own sshd on 127.0.0.1 (tests/ssh/sshd_fixture.sh);
# it needs openssh-server and openssh-client (for the ssh binary baseline).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top}" && pwd)
rounds=${2:-5}
trials=${3:-100}

make -C "$build/tests" ssh/ssh_bench >/dev/null
out="$top/bench/results/ssh.md"
mkdir -p "$top/bench/results"
tmp="$out.tmp.$$"
{
	echo "# ssh transport benchmark"
	echo
	echo "Recorded $(date -u +%Y-%m-%dT%H:%MZ) by \`bench/ssh/run.sh\` (commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown));"
	echo "OpenSSH: $(ssh -V 2>&1)."
	echo
	PXM_TOP_SRCDIR=$top "$build/tests/ssh/ssh_bench" "$rounds" "$trials"
} > "$tmp"
mv "$tmp" "$out"
cat "$out"
