#!/bin/sh
# Interoperability with the reference ledger: an independent Python-stdlib
# writer/verifier (refledger.py) and ours append to one chain, each
# verifying what the other wrote, keyed and unkeyed.
. "${PXM_TOP_SRCDIR:-../..}/tests/ledger/tap.sh"
command -v "$PY" >/dev/null 2>&1 || skip_all "python3 not found"
REF="$SRC/tests/ledger/refledger.py"

for mode in keyed unkeyed; do
	D="$WORK/$mode"; mkdir -p "$D"
	export PROXIMO_AUDIT_LOG="$D/audit.log"
	if [ $mode = keyed ]; then
		KEYARG="--key $D/audit.key"
		"$PY" "$REF" mkkey "$D/audit.key"
		unset PROXIMO_AUDIT_KEYED
	else
		KEYARG=""
		export PROXIMO_AUDIT_KEYED=off
	fi
	check "$mode: reference writes 60 entries" "$PY" "$REF" write "$D/audit.log" 60 $KEYARG --seed 7
	check "$mode: ours verifies the reference's ledger" "$TOOL" audit verify
	check "$mode: ours appends 25 entries" sh -c "'$TOOL' append 25 2>/dev/null"
	out=$("$PY" "$REF" verify "$D/audit.log" $KEYARG)
	check "$mode: reference verifies what we appended ($out)" sh -c "echo '$out' | grep -q '\"ok\": true'"
	n=$(echo "$out" | sed -n 's/.*"entries": \([0-9]*\).*/\1/p')
	# 60 + 25 + a shutdown checkpoint (keyed and unkeyed alike)
	check "$mode: one chain of 86 entries (got $n)" test "$n" = 86
	check "$mode: reference appends after us" "$PY" "$REF" write "$D/audit.log" 15 $KEYARG --seed 8
	check "$mode: ours verifies the mixed chain" "$TOOL" audit verify
	head_ours=$("$TOOL" audit head | cut -d' ' -f1)
	head_ref=$("$PY" "$REF" verify "$D/audit.log" $KEYARG | sed -n 's/.*"head": "\([0-9a-f]*\)".*/\1/p')
	check "$mode: both see the same head" test "$head_ours" = "$head_ref"
	# An edit the reference's re-serialising walk misses, ours catches:
	sed -i '3s/"mutation":false/"mutation": false/;3s/"mutation":true/"mutation": true/' "$D/audit.log"
	check "$mode: reference still accepts a whitespace edit" sh -c "'$PY' '$REF' verify '$D/audit.log' $KEYARG >/dev/null"
	if "$TOOL" audit verify >/dev/null 2>&1; then not_ok "$mode: ours rejects it"; else ok "$mode: ours rejects it (line rule)"; fi
done
done_testing
