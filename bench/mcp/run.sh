#!/bin/sh
# Benchmark proximo's stdio server against the reference TypeScript server
# (@modelcontextprotocol/server-everything), measured in the same run on the
# same machine, and record the results with ratios in bench/results/mcp.md.
# usage: bench/mcp/run.sh <build dir>   (default: _build)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build}
out=$top/bench/results/mcp.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -o "$tmp/mcp_bench" "$top/bench/mcp/mcp_bench.c" $(pkg-config --cflags --libs jansson)
cc -O2 -o "$tmp/floor" "$top/bench/mcp/floor.c"
node=$("$top/contrib/deps/node")
client="$tmp/mcp-client"
mkdir -p "$client"
cp "$top/../shared/mcp-client/package.json" "$top/../shared/mcp-client/package-lock.json" "$client/"
(cd "$client" && PATH="$(dirname "$node"):$PATH" npm ci --silent --no-audit --no-fund)
everything="$client/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

export PROXIMO_PLUGIN_DIR="$build/plugins/staged" PROXIMO_ENV_FILE=/dev/null
export PROXIMO_AUDIT_LOG="$tmp/audit.log"
"$tmp/mcp_bench" --starts 50 --pings 20000 --calls 5000 --tool proximo_status \
    -- "$build/core/proximo" > "$tmp/ours.json"
"$tmp/mcp_bench" --starts 10 --pings 5000 --calls 2000 --tool echo --args '{"message":"hi"}' \
    -- "$node" "$everything" stdio > "$tmp/theirs.json"
# The floor: the same client and pipes against a responder that parses nothing.
"$tmp/mcp_bench" --starts 10 --pings 20000 -- "$tmp/floor" > "$tmp/floor.json"

python3 - "$tmp/ours.json" "$tmp/theirs.json" "$out" "$build" "$tmp/floor.json" <<'PY'
import json, sys, platform, os, subprocess, datetime, re
ours = json.load(open(sys.argv[1])); theirs = json.load(open(sys.argv[2]))
floor = json.load(open(sys.argv[5]))
# A hand-written "## Notes" section at the end survives a re-run.
try:
    old = open(sys.argv[3]).read()
    notes = old[old.index("\n## Notes"):] if "\n## Notes" in old else ""
except OSError:
    notes = ""
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
plugins = sorted(os.listdir(os.path.join(sys.argv[4], "plugins", "staged"))) if os.path.isdir(os.path.join(sys.argv[4], "plugins", "staged")) else []
def r(a, b): return f"{a / b:.2f}" if b else "n/a"
rows = [
 ("cold start to initialize response, median (ms)", ours["cold_start_median_ms"], theirs["cold_start_median_ms"], "lower is better", "< 20 ms"),
 ("cold start, p90 (ms)", ours["cold_start_p90_ms"], theirs["cold_start_p90_ms"], "lower is better", ""),
 ("peak RSS (KiB)", ours["peak_rss_kib"], theirs["peak_rss_kib"], "lower is better", "< 10 MB"),
 ("tools served", ours["tools"], theirs["tools"], "", ""),
 ("tools/list bytes (all pages)", ours["tools_list_bytes"], theirs["tools_list_bytes"], "", ""),
 ("tools/list tokens (bytes/4)", ours["tools_list_tokens_est"], theirs["tools_list_tokens_est"], "", ""),
 ("ping round trips per second", ours["ping_rps"], theirs["ping_rps"], "higher is better", ">= 5x theirs"),
 ("trivial tool call round trips per second", ours["call_rps"], theirs["call_rps"], "higher is better", ">= 5x theirs"),
 (f"ping round trips per second, {ours['window']} in flight", ours["ping_rps_pipelined"], theirs["ping_rps_pipelined"], "higher is better", ""),
 (f"trivial tool call round trips per second, {ours['window']} in flight", ours["call_rps_pipelined"], theirs["call_rps_pipelined"], "higher is better", ""),
]
with open(sys.argv[3], "w") as f:
    f.write("# MCP stdio server: proximo vs @modelcontextprotocol/server-everything\n\n")
    f.write(f"Measured {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC by `bench/mcp/run.sh`, both servers in the same run.\n\n")
    f.write(f"Machine: {cpu}, {os.cpu_count()} CPUs, {int(mem)//1024} MiB RAM, {platform.platform()}.\n")
    f.write(f"proximo plugins loaded: {', '.join(plugins) or 'none (core only)'}; trivial call: `proximo_status` vs `echo`.\n\n")
    f.write("| measure | proximo | server-everything | ours/theirs | | target |\n|---|---:|---:|---:|---|---|\n")
    for name, a, b, better, target in rows:
        fa = f"{a:.2f}" if isinstance(a, float) else str(a)
        fb = f"{b:.2f}" if isinstance(b, float) else str(b)
        f.write(f"| {name} | {fa} | {fb} | {r(a, b)} | {better} | {target} |\n")
    f.write(f"\nThe floor of a round trip here (the same client and pipes, a C responder "
            f"that parses nothing, `bench/mcp/floor.c`): {floor['ping_rps']:.0f}/s, cold start "
            f"{floor['cold_start_median_ms']:.2f} ms, peak RSS {floor['peak_rss_kib']} KiB. "
            f"Proximo's ping is {ours['ping_rps'] / floor['ping_rps']:.2f} of it; "
            f"server-everything's {theirs['ping_rps'] / floor['ping_rps']:.2f}. With "
            f"{floor['window']} in flight the floor answers {floor['ping_rps_pipelined']:.0f} pings/s.\n")
    if notes:
        f.write(notes if notes.endswith("\n") else notes + "\n")
print(open(sys.argv[3]).read())
PY
