#!/bin/sh
# Quick start on a fresh Debian machine: install what is needed, build
# Proximo, start proximo-sim with a small demo estate (a simulated Proxmox
# VE cluster over real HTTPS on 127.0.0.1), run the scripted demo against
# it, and leave the simulator running so an MCP client can connect.
# Usage: contrib/quickstart.sh            (PROXIMO_QUICKSTART_DIR to relocate state)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

echo "=== installing build dependencies" >&2
contrib/deps/install-debian
echo "=== building (a minute or two)" >&2
[ -x configure ] || autoreconf -fi
mkdir -p _build && cd _build
[ -f Makefile ] || ../configure --enable-silent-rules >/dev/null
make -j"$jobs" >/dev/null
build=$PWD

state=${PROXIMO_QUICKSTART_DIR:-$build/quickstart}
mkdir -p "$state" && chmod 700 "$state"
if [ -f "$state/sim.pid" ] && kill -0 "$(cat "$state/sim.pid")" 2>/dev/null; then
	kill "$(cat "$state/sim.pid")" && sleep 1
fi
rm -f "$state/ready" "$state/pve.token"

echo "=== starting proximo-sim (demo estate: 3 nodes, 12 guests)" >&2
"$build/contrib/sim/proximo-sim" --port 0 --datadir "$top/data" \
    --profile "$top/contrib/sim/profiles/demo.json" --write-token "$state/pve.token" \
    --ready-file "$state/ready" --request-log "$state/requests.log" \
    >"$state/sim.out" 2>"$state/sim.err" &
echo $! > "$state/sim.pid"
i=0
while [ ! -s "$state/ready" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "proximo-sim did not start; see $state/sim.err" >&2; exit 1; }
	sleep 0.1
done
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["surfaces"]["pve"]["url"])' "$state/ready")
fp=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$state/ready")

# Proximo reads PROXIMO_* settings from an env file: the one a client uses too.
cat > "$state/proximo.env" <<EOT
PROXIMO_API_BASE_URL=$url
PROXIMO_TOKEN_PATH=$state/pve.token
PROXIMO_FINGERPRINT=$fp
PROXIMO_NODE=pve1
PROXIMO_PLUGIN_DIR=$build/plugins/staged
PROXIMO_DATA_DIR=$top/data
PROXIMO_AUDIT_LOG=$state/audit.log
EOT
chmod 600 "$state/proximo.env"

echo "=== the demo: plan, decline, snapshot, change, revert, verify" >&2
PROXIMO_ENV_FILE="$state/proximo.env" "$build/core/proximo" demo

cat <<EOT

=== Proximo is ready.  The simulator keeps running (pid $(cat "$state/sim.pid")).
Point an MCP client at the server (the certificate is pinned, the token is a file):

{
  "mcpServers": {
    "proximo": {
      "command": "$build/core/proximo",
      "env": { "PROXIMO_ENV_FILE": "$state/proximo.env" }
    }
  }
}

Verify the ledger any time:  PROXIMO_ENV_FILE=$state/proximo.env $build/core/proximo audit verify
Stop the simulator:          kill \$(cat $state/sim.pid)
EOT
