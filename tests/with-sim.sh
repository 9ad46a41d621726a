#!/bin/sh
# Run a command with proximo wired to a fresh proximo-sim (demo estate):
#   tests/with-sim.sh <builddir> command [args...]
# Exports the PROXIMO_* settings a client would use; stops the simulator
# afterwards and returns the command's status.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
shift
state=$(mktemp -d)
"$build/contrib/sim/proximo-sim" --port 0 --datadir "$top/data" \
    --profile "$top/contrib/sim/profiles/demo.json" --write-token "$state/pve.token" \
    --ready-file "$state/ready" >"$state/sim.out" 2>"$state/sim.err" &
sim=$!
i=0
while [ ! -s "$state/ready" ]; do
	i=$((i + 1))
	if [ $i -ge 100 ]; then
		echo "proximo-sim did not start:" >&2
		cat "$state/sim.err" >&2
		kill $sim 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
PROXIMO_API_BASE_URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["surfaces"]["pve"]["url"])' "$state/ready")
PROXIMO_FINGERPRINT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$state/ready")
PROXIMO_TOKEN_PATH=$state/pve.token
PROXIMO_NODE=pve1
PROXIMO_PLUGIN_DIR=$build/plugins/staged
PROXIMO_DATA_DIR=$top/data
PROXIMO_AUDIT_LOG=$state/audit.log
PROXIMO_ENV_FILE=/dev/null
export PROXIMO_API_BASE_URL PROXIMO_FINGERPRINT PROXIMO_TOKEN_PATH PROXIMO_NODE \
    PROXIMO_PLUGIN_DIR PROXIMO_DATA_DIR PROXIMO_AUDIT_LOG PROXIMO_ENV_FILE
"$@"
rc=$?
kill $sim 2>/dev/null
wait $sim 2>/dev/null
rm -rf "$state"
exit $rc
