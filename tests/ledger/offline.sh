#!/bin/sh
# A stranger's view: the verifier printed in docs/LEDGER.md verifies our
# ledger, and a signed checkpoint verifies with stock `openssl pkeyutl`.
. "${PXM_TOP_SRCDIR:-../..}/tests/ledger/tap.sh"
command -v "$PY" >/dev/null 2>&1 || skip_all "python3 not found"
OPENSSL=$(command -v openssl) || skip_all "openssl not found"
export PROXIMO_AUDIT_LOG="$WORK/audit.log"
awk '/^```python verify-ledger.py/{f=1;next} /^```/{f=0} f' "$SRC/docs/LEDGER.md" > "$WORK/verify-ledger.py"
lines=$(wc -l < "$WORK/verify-ledger.py")
check "the documented verifier is at most 30 lines ($lines)" test "$lines" -le 30 -a "$lines" -gt 10
"$TOOL" append 40 2>/dev/null
out=$("$PY" "$WORK/verify-ledger.py" "$WORK/audit.log" "$WORK/audit.key")
head=$("$TOOL" audit head | cut -d' ' -f1)
check "documented verifier accepts our ledger ($out)" sh -c "echo '$out' | grep -q '^OK 41 entries, head $head'"
cp "$WORK/audit.log" "$WORK/t.log"
sed -i '7s/qemu/qemx/' "$WORK/t.log"
check "documented verifier rejects an edit" sh -c "! '$PY' '$WORK/verify-ledger.py' '$WORK/t.log' '$WORK/audit.key' 2>/dev/null"
check "documented verifier rejects the wrong key" sh -c "! '$PY' '$WORK/verify-ledger.py' '$WORK/audit.log' /dev/null 2>/dev/null"
mkdir "$WORK/dup"
cp "$WORK/audit.key" "$WORK/dup/"
sed '5s/,"alg":"hmac-sha256"}$/,"alg":"hmac-sha256","alg":"hmac-sha256"}/' "$WORK/audit.log" > "$WORK/dup/audit.log"
check "documented verifier rejects a duplicated unhashed member" sh -c "'$PY' '$WORK/verify-ledger.py' '$WORK/dup/audit.log' '$WORK/audit.key' 2>&1 | grep -q 'FAIL line 5: not canonical'"
check "and so do we, at the same line" sh -c "PROXIMO_AUDIT_LOG='$WORK/dup/audit.log' '$TOOL' audit verify | grep -q 'FAILED at line 5: line not in canonical form (duplicate key'"

check "checkpoint written" sh -c "'$TOOL' audit checkpoint --out '$WORK/cp.txt' >/dev/null"
check "public key exported" sh -c "'$TOOL' audit pubkey > '$WORK/pub.pem'"
check "stock openssl verifies the checkpoint" sh -c "'$OPENSSL' pkeyutl -verify -pubin -inkey '$WORK/pub.pem' -rawin -in '$WORK/cp.txt' -sigfile '$WORK/cp.txt.sig' | grep -q 'Signature Verified Successfully'"
check "checkpoint-verify: signature and ledger agree" "$TOOL" audit checkpoint-verify --pubkey "$WORK/pub.pem" --message "$WORK/cp.txt" --signature "$WORK/cp.txt.sig"
sed 's/^entries .*/entries 999/' "$WORK/cp.txt" > "$WORK/forged.txt"
check "stock openssl rejects an altered checkpoint" sh -c "! '$OPENSSL' pkeyutl -verify -pubin -inkey '$WORK/pub.pem' -rawin -in '$WORK/forged.txt' -sigfile '$WORK/cp.txt.sig' >/dev/null 2>&1"
"$TOOL" audit verify --json > "$WORK/v.json"
check "verify counts and checks the signed checkpoints" grep -q '"signatures_verified": 2' "$WORK/v.json"
head -c $(( $(wc -c < "$WORK/audit.log") - $(tail -n 3 "$WORK/audit.log" | wc -c) )) "$WORK/audit.log" > "$WORK/cut.log"
cp "$WORK/cut.log" "$WORK/audit.log"
"$TOOL" audit checkpoint-verify --pubkey "$WORK/pub.pem" --message "$WORK/cp.txt" --signature "$WORK/cp.txt.sig" >/dev/null 2>&1
check "checkpoint-verify catches a ledger cut below the checkpoint (exit 1)" test $? -eq 1
"$TOOL" audit verify --expected-head nothex >/dev/null 2>&1
check "a typo in --expected-head is a usage error (exit 2)" test $? -eq 2
done_testing
