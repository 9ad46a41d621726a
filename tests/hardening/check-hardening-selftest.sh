#!/bin/sh
# check-hardening-selftest.sh: every property check-hardening.sh claims to
# check fails on a binary built without it (TAP).  Without this, a check that
# can never fail (a wrong readelf pattern) would pass forever.
set -u
here=$(cd "$(dirname "$0")" && pwd)
checker="$here/check-hardening.sh"
cc=${CC:-cc}
readelf=${READELF:-readelf}
command -v "$readelf" >/dev/null 2>&1 || { echo "1..0 # SKIP readelf not installed (binutils)"; exit 0; }
command -v "${cc%% *}" >/dev/null 2>&1 || { echo "1..0 # SKIP no C compiler ($cc)"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pxmhselftest.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/t.c" <<'C'
#include <stdio.h>
#include <string.h>
int work(const char *s);
int
work(const char *s)
{
	char buf[64];

	strncpy(buf, s, sizeof buf - 1);
	buf[sizeof buf - 1] = '\0';
	return printf("%s\n", buf);
}
int
main(int argc, char **argv)
{
	return work(argc > 1 ? argv[1] : "x") < 0;
}
C
cat >"$tmp/plain.c" <<'C'
int plain(int x);
int
plain(int x)
{
	return x + 1;
}
C

n=0
status=0
# expect NAME ROLE FLAGS PATTERN: build t.c (or plain.c for .so) with FLAGS
# and require the checker's output to contain "not ok ... PATTERN".
expect() {
	name=$1 role=$2 flags=$3 pattern=$4
	n=$((n + 1))
	src="$tmp/t.c"
	[ "$role" = so ] && src="$tmp/plain.c"
	out="$tmp/$name"
	# shellcheck disable=SC2086
	if ! $cc -g -O2 $flags -o "$out" "$src" >"$tmp/cc.log" 2>&1; then
		echo "ok $n - $name # SKIP the compiler refused: $flags"
		return
	fi
	"$checker" --check "$role" "$out" >"$tmp/res" 2>&1
	if grep -q "^not ok .*$pattern" "$tmp/res"; then
		echo "ok $n - $name: reported ($(grep "^not ok .*$pattern" "$tmp/res" | head -1 | sed 's/^not ok [0-9]* - //'))"
	else
		echo "not ok $n - $name: '$pattern' not reported"
		sed 's/^/# /' "$tmp/res"
		status=1
	fi
}

good="-fstack-protector-strong -fstack-clash-protection -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now,-z,noexecstack"
# The positive control: all flags, nothing reported.
n=$((n + 1))
# shellcheck disable=SC2086
$cc -g -O2 $good -o "$tmp/good" "$tmp/t.c" >"$tmp/cc.log" 2>&1
if "$checker" --check main "$tmp/good" >"$tmp/res" 2>&1 && ! grep -q '^not ok' "$tmp/res" &&
    [ "$(grep -c '^ok' "$tmp/res")" -ge 6 ]; then
	echo "ok $n - a binary with every flag passes every check"
else
	echo "not ok $n - a binary with every flag fails a check"
	sed 's/^/# /' "$tmp/res"
	status=1
fi

expect no-pie main "-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fno-pie -no-pie -Wl,-z,relro,-z,now" "pie"
expect partial-relro main "-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,lazy" "relro (partial"
expect no-relro main "-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,norelro,-z,now" "relro (no GNU_RELRO"
expect execstack main "-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now,-z,execstack" "nx"
expect rpath main "-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now -Wl,-rpath,/opt/evil,--disable-new-dtags" "no rpath"
expect runpath main "-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now -Wl,-rpath,/opt/evil,--enable-new-dtags" "no rpath"
expect no-ssp main "-fno-stack-protector -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now" "stack protector"
expect no-fortify main "-fstack-protector-strong -U_FORTIFY_SOURCE -O0 -fPIE -pie -Wl,-z,relro,-z,now" "FORTIFY_SOURCE"
# The stack clash check reads the switches gcc records in the debug info;
# a compiler that does not record them (clang) leaves it unchecked.
if "$readelf" --debug-dump=info "$tmp/good" 2>/dev/null | grep -q 'DW_AT_producer.*-fstack-clash-protection'; then
	PXM_HARDEN_CFLAGS="-fstack-clash-protection" expect no-clash main "-fstack-protector-strong -fno-stack-clash-protection -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now" "stack clash"
else
	n=$((n + 1))
	echo "ok $n - no-clash # SKIP $cc does not record its switches in the debug info"
fi
expect so-no-ssp so "-fno-stack-protector -fPIC -shared -Wl,-z,relro,-z,now" "stack protector"
expect so-lazy so "-fstack-protector-strong -fPIC -shared -Wl,-z,relro" "relro (partial"

echo "1..$n"
exit $status
