#!/bin/sh
# G10 for the ledger: a canary HMAC key never appears in any output, error,
# ledger or archive: not as hex, not as base64, not as any 8-char piece.
. "${PXM_TOP_SRCDIR:-../..}/tests/ledger/tap.sh"
command -v "$PY" >/dev/null 2>&1 || skip_all "python3 not found"
export PROXIMO_AUDIT_LOG="$WORK/audit.log"
CANARY=c0ffee5eedfacade7e1e9a70ca7a21e5d15ea5e0b5e55ed0ddba11ab1e5ca1ab
printf '%s\n' "$CANARY" > "$WORK/audit.key"; chmod 600 "$WORK/audit.key"
O="$WORK/out"; : > "$O"
run() { "$@" >> "$O" 2>&1; }
run "$TOOL" append 20
run "$TOOL" audit verify; run "$TOOL" audit verify --json
run "$TOOL" audit log --json --limit 50; run "$TOOL" audit head
run "$TOOL" audit checkpoint --json
run "$TOOL" audit verify --expected-head "$CANARY"
run "$TOOL" audit verify --expected-head "${CANARY}00"
chmod 644 "$WORK/audit.key"; run "$TOOL" audit verify; run "$TOOL" append 1; chmod 600 "$WORK/audit.key"
printf '%s\n' "${CANARY}zz" > "$WORK/bad.key"; chmod 600 "$WORK/bad.key"
PROXIMO_AUDIT_KEY_PATH="$WORK/bad.key" run "$TOOL" audit verify
printf 'partial' >> "$WORK/audit.log"; run "$TOOL" append 1; run "$TOOL" audit verify
PROXIMO_AUDIT_KEYED=off run "$TOOL" append 1
check "the runs produced output to search" test -s "$O"
check "error paths were exercised" grep -q "group/other" "$O"
cat "$O" "$WORK"/audit.log* > "$WORK/all"
"$PY" - "$CANARY" "$WORK/all" <<'PYEOF'
import base64, sys
key_hex, data = sys.argv[1], open(sys.argv[2], "rb").read()
raw = bytes.fromhex(key_hex)
needles = {key_hex.encode(), key_hex.upper().encode(), base64.b64encode(raw), raw}
needles |= {key_hex[i:i + 8].encode() for i in range(len(key_hex) - 7)}
needles |= {raw[i:i + 8] for i in range(len(raw) - 7)}
hits = [n for n in needles if n in data]
print("# searched %d bytes for %d needles: %d hits" % (len(data), len(needles), len(hits)))
sys.exit(1 if hits else 0)
PYEOF
check "the key appears nowhere (hex, base64, raw, any 8-char piece)" test $? -eq 0
done_testing
