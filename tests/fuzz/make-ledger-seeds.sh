#!/bin/sh
# make-ledger-seeds.sh BUILDDIR: write the seed corpus of fuzz_ledger into
# tests/fuzz/corpus/ledger/seed-*, chained with keys/audit.key and signed
# with keys/checkpoint.key (the keys the target holds).
#
# Sources: our writer (tests/ledger/ledger-tool append, with signed
# checkpoints), the independent reference writer (tests/ledger/refledger.py,
# keyed and unkeyed), and damaged copies (torn tail, flipped byte, swapped,
# dropped and duplicated lines, blank line, garbage prefix, CRLF).  The
# content changes with each run (timestamps): re-run only to refresh the
# corpus, and commit the result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: make-ledger-seeds.sh BUILDDIR}
tool="$build/tests/ledger/ledger-tool"
ref="$here/../ledger/refledger.py"
out="$here/corpus/ledger"
[ -x "$tool" ] || { echo "no $tool: build first (make check builds it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/keys/audit.key" "$tmp/audit.key"
cp "$here/keys/checkpoint.key" "$tmp/ck.key"
chmod 600 "$tmp/audit.key" "$tmp/ck.key"
mkdir -p "$out"
rm -f "$out"/seed-*

ours() { # ours NAME N [KEYED]
	rm -f "$tmp/l"
	env PROXIMO_AUDIT_LOG="$tmp/l" PROXIMO_AUDIT_KEY_PATH="$tmp/audit.key" \
	    PROXIMO_AUDIT_KEYED="${3:-on}" PROXIMO_AUDIT_CHECKPOINTS=on \
	    PROXIMO_AUDIT_CHECKPOINT_KEY_PATH="$tmp/ck.key" PROXIMO_AUDIT_CHECKPOINT_EVERY=3 \
	    PROXIMO_AUDIT_ANCHOR_SINK=none "$tool" append "$2" >/dev/null 2>&1
	cp "$tmp/l" "$out/seed-$1"
}
ours ours_keyed_1 1
ours ours_keyed_7 7
ours ours_unkeyed_4 4 off
python3 "$ref" write "$tmp/r" 8 --key "$tmp/audit.key" --seed 7
cp "$tmp/r" "$out/seed-ref_keyed_8"
python3 "$ref" write "$tmp/ru" 8 --seed 9
cp "$tmp/ru" "$out/seed-ref_unkeyed_8"
: >"$out/seed-empty"

src="$out/seed-ours_keyed_7"
n=$(wc -l <"$src")
head -c "$(($(wc -c <"$src") - 7))" "$src" >"$out/seed-damaged_torn_tail"
python3 - "$src" "$out" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
lines = data.split(b"\n")[:-1]
def w(name, b):
    open(out + "/seed-damaged_" + name, "wb").write(b)
flip = bytearray(data); flip[len(data) // 2] ^= 0x01; w("bit_flip", bytes(flip))
w("swapped", b"\n".join([lines[1], lines[0]] + lines[2:]) + b"\n")
w("dropped", b"\n".join(lines[:2] + lines[3:]) + b"\n")
w("duplicated", b"\n".join(lines[:3] + [lines[2]] + lines[3:]) + b"\n")
w("blank_line", b"\n".join(lines[:2] + [b""] + lines[2:]) + b"\n")
w("garbage_prefix", b"\x00\xffgarbage\n" + data)
w("crlf", data.replace(b"\n", b"\r\n"))
w("no_newline", data[:-1])
w("reformatted", data.replace(b'","', b'", "', 1))
w("spliced", b"\n".join(lines[:2]) + b"\n" + open(src.replace("ours_keyed_7", "ref_keyed_8"), "rb").read())
PY
chmod 644 "$out"/seed-*
echo "ledger seeds: $(ls "$out" | wc -l) files in $out"
