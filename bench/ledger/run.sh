#!/bin/sh
# bench/ledger/run.sh [BUILDDIR]: ledger throughput against baselines measured
# in the same run on the same machine; writes bench/results/ledger.md.
#   append: durable appends/s (flock + one write + fdatasync) vs a raw
#           write+fdatasync loop of same-length lines on the same disk
#   verify: MB/s and entries/s on a 1,000,000-entry ledger vs
#           `openssl speed -hmac sha256` at the ledger's average line length
# Targets: append >= 0.8 of raw, verify >= 0.5 of raw HMAC.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
B=${1:-$TOP}
N_APPEND=${N_APPEND:-2000}
N_VERIFY=${N_VERIFY:-1000000}
W=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/pxm-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
CC=${CC:-cc}
$CC -O2 -std=gnu11 -I"$B" -I"$TOP/include" -I"$TOP/core" -o "$W/bench-ledger" \
    "$HERE/bench-ledger.c" "$B/core/.libs/libpxmcore.a" \
    $(pkg-config --cflags --libs jansson libcrypto libssl libcurl libssh2 2>/dev/null || pkg-config --libs jansson libcrypto) \
    -lltdl -lpthread
export HOME="$W" PROXIMO_ENV_FILE=/dev/null
ours=""; raw=""
for run in 1 2 3; do
	mkdir -p "$W/a$run"
	out=$("$W/bench-ledger" append "$W/a$run" "$N_APPEND")
	ours="$ours $(echo "$out" | sed -n 's/^ours //p')"
	raw="$raw $(echo "$out" | sed -n 's/^raw //p')"
	line=$(echo "$out" | sed -n 's/^line //p')
done
med() { echo "$@" | tr ' ' '\n' | grep . | sort -g | sed -n 2p; }
ours_m=$(med $ours); raw_m=$(med $raw)
"$W/bench-ledger" build "$W/big.log" "$N_VERIFY"
v=$("$W/bench-ledger" verify "$W/big.log")
v2=$("$W/bench-ledger" verify "$W/big.log")
mbps=$(printf '%s\n%s\n' "$v" "$v2" | sed -n 's/^mbps //p' | sort -g | tail -1)
eps=$(printf '%s\n%s\n' "$v" "$v2" | sed -n 's/^entries_per_s //p' | sort -g | tail -1)
avg=$(echo "$v" | sed -n 's/^avg_line //p')
bytes=$(echo "$v" | sed -n 's/^bytes //p')
hmac_k=$(openssl speed -seconds 3 -bytes "$avg" -hmac sha256 2>/dev/null | awk '/^hmac\(sha256\)/{print $2}' | tr -d k)
hmac_mbps=$(echo "$hmac_k" | awk '{printf "%.1f", $1 * 1000 / 1e6}')
ra=$(echo "$ours_m $raw_m" | awk '{printf "%.2f", $1 / $2}')
rv=$(echo "$mbps $hmac_mbps" | awk '{printf "%.2f", $1 / $2}')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
fs=$(df -T "$W" | awk 'NR==2{print $2}')
cat > "$TOP/bench/results/ledger.md" <<MD
# Ledger benchmarks

Recorded by \`bench/ledger/run.sh\` on $(date -u +%Y-%m-%d): $cpu, $(nproc) cores,
$(uname -sr), $(openssl version | cut -d' ' -f1-2), temp dir on $fs. Baselines are
measured in the same run on the same machine and disk; read the ratios, not the
absolute numbers.

| measure | ours | baseline | ratio | target |
|---|---|---|---|---|
| durable appends/s (flock + write + fdatasync, median of 3 x $N_APPEND) | $ours_m | raw write+fdatasync loop, same line length ($line B): $raw_m | **$ra** | >= 0.8 |
| verify MB/s, $N_VERIFY entries ($bytes bytes, avg line $avg B) | $mbps | \`openssl speed -hmac sha256 -bytes $avg\`: $hmac_mbps | **$rv** | >= 0.5 |
| verify entries/s | $eps | | | |

Runs: appends ours [$ours ] raw [$raw ].
Verify is the full check of docs/LEDGER.md section 3 (strict line rule,
canonical form, HMAC, chain), single-threaded.
MD
cat "$TOP/bench/results/ledger.md"
