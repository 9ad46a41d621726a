#!/bin/sh
# bench/ledger/run.sh [BUILDDIR]: ledger throughput against baselines measured
# in the same run on the same machine; writes bench/results/ledger.md.
#   append: durable appends/s (flock + one write + fdatasync) vs a raw
#           write+fdatasync loop of same-length lines on the same disk
#   verify: MB/s and entries/s on a 1,000,000-entry ledger vs
#           `openssl speed -hmac sha256` at the ledger's average line length,
#           per CPU second (openssl's own basis) and on the wall clock
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
# Verify against raw HMAC, in ROUNDS interleaved rounds (the machine may be
# shared: interleaving exposes both sides to the same load).  `openssl
# speed` divides by user CPU time unless -elapsed is given, so the primary
# ratio compares CPU time with CPU time (ours: user + system, the reads
# included); the wall-clock pair (ours vs -elapsed) is recorded beside it.
ROUNDS=${ROUNDS:-5}
mb() { awk -v k="$1" '$1 == "hmac(sha256)" { v = $(k + 1); sub(/k$/, "", v); printf "%.1f", v * 1000 / 1e6 }'; }
rc=""; rw=""; vc=""; vw=""; hc=""; hw=""; ec=""; ew=""
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
	v=$("$W/bench-ledger" verify "$W/big.log")
	avg=$(echo "$v" | sed -n 's/^avg_line //p')
	bytes=$(echo "$v" | sed -n 's/^bytes //p')
	c=$(echo "$v" | sed -n 's/^cpu_mbps //p'); w=$(echo "$v" | sed -n 's/^mbps //p')
	ec="$ec $(echo "$v" | sed -n 's/^cpu_entries_per_s //p')"
	ew="$ew $(echo "$v" | sed -n 's/^entries_per_s //p')"
	h=$(openssl speed -seconds 3 -bytes "$avg" -hmac sha256 2>/dev/null | mb 1)
	he=$(openssl speed -elapsed -seconds 3 -bytes "$avg" -hmac sha256 2>/dev/null | mb 1)
	vc="$vc $c"; vw="$vw $w"; hc="$hc $h"; hw="$hw $he"
	rc="$rc $(echo "$c $h" | awk '{printf "%.2f", $1 / $2}')"
	rw="$rw $(echo "$w $he" | awk '{printf "%.2f", $1 / $2}')"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
mid() { echo "$@" | tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ra=$(echo "$ours_m $raw_m" | awk '{printf "%.2f", $1 / $2}')
# A hand-written "## Notes" section at the end of the results survives a re-run.
notes=$(sed -n '/^## Notes/,$p' "$TOP/bench/results/ledger.md" 2>/dev/null || true)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
fs=$(df -T "$W" | awk 'NR==2{print $2}')
cat > "$TOP/bench/results/ledger.md" <<MD
# Ledger benchmarks

Recorded by \`bench/ledger/run.sh\` on $(date -u +%Y-%m-%d): $cpu, $(nproc) cores,
$(uname -sr), $(openssl version | cut -d' ' -f1-2), temp dir on $fs; load average
$load0 at the start of the verify rounds, $load1 at the end. Baselines are
measured in the same run on the same machine and disk; read the ratios, not
the absolute numbers.

| measure | ours | baseline | ratio | target |
|---|---|---|---|---|
| durable appends/s (flock + write + fdatasync, median of 3 x $N_APPEND) | $ours_m | raw write+fdatasync loop, same line length ($line B): $raw_m | **$ra** | >= 0.8 |
| verify MB/s per CPU second, $N_VERIFY entries ($bytes bytes, avg line $avg B), median of $ROUNDS | $(mid $vc) | \`openssl speed -hmac sha256 -bytes $avg\` (per user CPU second, its default): $(mid $hc) | **$(mid $rc)** | >= 0.5 |
| verify MB/s, wall clock, median of $ROUNDS | $(mid $vw) | the same with \`-elapsed\`: $(mid $hw) | $(mid $rw) | |
| verify entries/s (per CPU second; wall clock) | $(mid $ec); $(mid $ew) | | | |

Runs: appends ours [$ours ] raw [$raw ]. Verify rounds (ours, openssl,
ratio): CPU [$vc ] [$hc ] [$rc ]; wall [$vw ] [$hw ] [$rw ].
Verify is the full check of docs/LEDGER.md section 3 (strict line rule,
canonical form, duplicate keys, HMAC, chain), single-threaded, reading the
file through the page cache (written and synced just before); ours counts user and
system time, openssl user time.
MD
[ -z "$notes" ] || printf '\n%s\n' "$notes" >> "$TOP/bench/results/ledger.md"
cat "$TOP/bench/results/ledger.md"
