#!/bin/sh
# bench-startup.sh - how fast proximo-sim starts, and how /cluster/resources
# scales, as ratios against baselines measured in the same run (machines
# are noisy; ratios travel better than milliseconds).
#
#   contrib/sim/bench-startup.sh [BUILDDIR] [SRCDIR]
#
# Needs hyperfine and curl.  Prints a Markdown table for docs/SIMULATOR.md.
set -eu

build=${1:-.}
src=${2:-.}
sim="$build/contrib/sim/proximo-sim"
data="$src/data"
minimal="$src/contrib/sim/profiles/minimal.json"
tmp=$(mktemp -d /tmp/pxm-simbench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v hyperfine >/dev/null 2>&1 || { echo "bench-startup.sh: hyperfine not found" >&2; exit 77; }
[ -x "$sim" ] || { echo "bench-startup.sh: $sim not built" >&2; exit 1; }

# Start to ready line (listening on 127.0.0.1), then stop.
cat > "$tmp/ready-once.sh" <<'EOF'
#!/bin/sh
rf="$1"; shift
rm -f "$rf"
"$@" --port 0 --ready-file "$rf" >/dev/null 2>&1 &
pid=$!
while [ ! -s "$rf" ]; do
	kill -0 "$pid" 2>/dev/null || exit 1
	sleep 0.005
done
kill "$pid"
wait "$pid"
EOF
chmod +x "$tmp/ready-once.sh"

hyperfine -N --warmup 2 --runs 15 --export-json "$tmp/check.json" \
	-n minimal "$sim --check --datadir $data --profile $minimal" \
	-n 1k "$sim --check --datadir $data --generate nodes=10,guests=1000" \
	-n 10k "$sim --check --datadir $data --generate nodes=100,guests=10000" >&2
hyperfine --warmup 1 --runs 10 --export-json "$tmp/ready.json" \
	-n minimal "$tmp/ready-once.sh $tmp/r $sim --datadir $data --profile $minimal" \
	-n 1k "$tmp/ready-once.sh $tmp/r $sim --datadir $data --generate nodes=10,guests=1000" \
	-n 10k "$tmp/ready-once.sh $tmp/r $sim --datadir $data --generate nodes=100,guests=10000" >&2

# /cluster/resources on 10,000 guests against /version on the same server.
"$sim" --port 0 --datadir "$data" --generate nodes=100,guests=10000 \
	--write-token "$tmp/token" --ready-file "$tmp/big" >/dev/null 2>&1 &
bigpid=$!
while [ ! -s "$tmp/big" ]; do sleep 0.05; done
url=$(sed -n 's/.*"pve":{"url":"\([^"]*\)".*/\1/p' "$tmp/big")
printf 'header = "Authorization: PVEAPIToken=%s"\n' "$(cat "$tmp/token")" > "$tmp/curlrc"
chmod 600 "$tmp/curlrc"
hyperfine -N --warmup 2 --runs 20 --export-json "$tmp/res.json" \
	-n version "curl -sk -K $tmp/curlrc -o /dev/null $url/version" \
	-n resources "curl -sk -K $tmp/curlrc -o /dev/null $url/cluster/resources" \
	-n config "curl -sk -K $tmp/curlrc -o /dev/null $url/nodes/pve1/qemu/100/config" >&2
kill "$bigpid"
wait "$bigpid" || true

python3 - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
def table(name, title, base):
    r = {x["command"]: x for x in json.load(open("%s/%s.json" % (tmp, name)))["results"]}
    b = r[base]["mean"]
    print("\n%s (baseline: %s = 1.00)\n" % (title, base))
    print("| case | mean | ratio |")
    print("|---|---:|---:|")
    for k, v in r.items():
        print("| %s | %.1f ms | %.2f |" % (k, v["mean"] * 1000, v["mean"] / b))
table("check", "Load schemas + profile + certificate (--check)", "minimal")
table("ready", "Start to ready line, then SIGTERM", "minimal")
table("res", "Requests against 10,000 guests (one curl process each)", "version")
EOF
