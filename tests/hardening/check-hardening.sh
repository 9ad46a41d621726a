#!/bin/sh
# check-hardening.sh: the release build carries the OpenSSF hardening
# properties (reliability goal G9), checked on the binaries themselves (TAP).
#
# For core/proximo, contrib/sim/proximo-sim (when built), every plugin under
# plugins/*/.libs/, the well-formed fixture plugins, and every ELF file of a
# `make install DESTDIR=...` of this build:
#   pie      executables are ET_DYN with DF_1_PIE; shared objects are ET_DYN
#   relro    a GNU_RELRO segment and BIND_NOW (full RELRO)
#   nx       a GNU_STACK segment without E
#   rpath    no DT_RPATH / DT_RUNPATH
#   ssp      __stack_chk_fail referenced, or (gcc debug info) every C unit
#            was compiled with -fstack-protector-strong, so no function
#            needed a canary; proximo itself must reference it
#   clash    every C unit compiled with -fstack-clash-protection (when the
#            build asked for it and debug info records the switches)
#   fortify  proximo calls _chk variants (FORTIFY_SOURCE took effect)
#
# Skipped (TAP "1..0 # SKIP") in the sanitizer build and with
# --disable-hardening: those builds leave the flags out by design.
# Environment (set by tests/Makefile): PXM_TOP_BUILDDIR, PXM_HARDENING,
# PXM_SANITIZERS, PXM_HARDEN_CFLAGS, READELF.  PXM_HARDENING_DESTDIR names an
# already-installed tree to check instead of installing one.
#
#   check-hardening.sh --check main|exe|so FILE...
# checks only the files named (the self-test uses it on binaries built
# without the flags, to prove each check can fail).
set -u
top=${PXM_TOP_BUILDDIR:-..}
readelf=${READELF:-readelf}
only_role=""
if [ "${1:-}" = --check ]; then
	only_role=${2:?--check needs a role: main, exe or so}
	shift 2
fi

if [ -n "$only_role" ]; then
	:
elif [ "${PXM_SANITIZERS:-no}" = yes ]; then
	echo "1..0 # SKIP sanitizer build: FORTIFY and the hardening flags are off by design"
	exit 0
elif [ "${PXM_HARDENING:-yes}" = no ]; then
	echo "1..0 # SKIP configured with --disable-hardening"
	exit 0
fi
command -v "$readelf" >/dev/null 2>&1 || { echo "1..0 # SKIP readelf not installed (binutils)"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pxmharden.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

# libtool may leave a wrapper script where the program should be; the real
# binary is then in .libs/ (as lt-NAME or NAME).
real_binary() {
	if is_elf "$1"; then
		echo "$1"
		return
	fi
	d=$(dirname "$1")
	b=$(basename "$1")
	for c in "$d/.libs/$b" "$d/.libs/lt-$b"; do
		if is_elf "$c"; then
			echo "$c"
			return
		fi
	done
	echo "$1"
}

# check FILE LABEL ROLE: ROLE is "main" (proximo: everything mandatory),
# "exe" or "so".
check() {
	f=$1 label=$2 role=$3
	if ! is_elf "$f"; then
		notok "$label: not an ELF file ($f)"
		return
	fi
	"$readelf" -hW "$f" >"$tmp/h" 2>&1
	"$readelf" -lW "$f" >"$tmp/l" 2>&1
	"$readelf" -dW "$f" >"$tmp/d" 2>&1
	"$readelf" --dyn-syms -W "$f" >"$tmp/s" 2>&1
	"$readelf" --debug-dump=info "$f" 2>/dev/null | grep DW_AT_producer |
	    sed 's/.*): //' | sort -u >"$tmp/p"
	if grep -q 'Requesting program interpreter' "$tmp/l"; then
		kind=executable
	else
		kind="shared object"
	fi

	# pie
	if ! grep -Eq 'Type:[[:space:]]+DYN' "$tmp/h"; then
		notok "$label: pie ($kind is not ET_DYN: $(grep 'Type:' "$tmp/h" | sed 's/.*Type: *//'))"
	elif [ "$kind" = executable ] && ! grep -Eq 'FLAGS_1.*PIE' "$tmp/d"; then
		notok "$label: pie (executable lacks DF_1_PIE: linked without -pie)"
	else
		ok "$label: pie ($kind, ET_DYN$( [ "$kind" = executable ] && echo ' + DF_1_PIE'))"
	fi

	# relro
	if ! grep -q 'GNU_RELRO' "$tmp/l"; then
		notok "$label: relro (no GNU_RELRO segment: linked without -z relro)"
	elif ! grep -Eq '\(BIND_NOW\)|FLAGS[^_].*BIND_NOW|FLAGS_1.*NOW' "$tmp/d"; then
		notok "$label: relro (partial: no BIND_NOW, linked without -z now)"
	else
		ok "$label: full relro (GNU_RELRO + BIND_NOW)"
	fi

	# nx
	stack=$(grep 'GNU_STACK' "$tmp/l")
	if [ -z "$stack" ]; then
		notok "$label: nx (no GNU_STACK segment: the stack defaults to executable)"
	elif echo "$stack" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^R?W?E$/ && $i ~ /E/) exit 0; exit 1 }'; then
		notok "$label: nx (GNU_STACK is executable: $stack)"
	else
		ok "$label: nx stack"
	fi

	# rpath
	rp=$(grep -E '\((RPATH|RUNPATH)\)' "$tmp/d")
	if [ -n "$rp" ]; then
		notok "$label: no rpath (has $(echo "$rp" | sed -E 's/.*\((R[A-Z]*PATH)\)[^[]*(\[.*\])/DT_\1 \2/' | tr '\n' ' '))"
	else
		ok "$label: no RPATH/RUNPATH"
	fi

	# compiler switches recorded in debug info (gcc's -grecord-gcc-switches)
	cunits=$(grep -c '^GNU C' "$tmp/p")
	ssp_all=0
	if [ "$cunits" -gt 0 ] && ! grep '^GNU C' "$tmp/p" | grep -Evq -- '-fstack-protector-(strong|all)'; then
		ssp_all=1
	fi

	# ssp
	if grep -q '__stack_chk_fail' "$tmp/s"; then
		ok "$label: stack protector (__stack_chk_fail referenced)"
	elif [ "$role" != main ] && [ "$ssp_all" -eq 1 ]; then
		ok "$label: stack protector (every C unit built with -fstack-protector-strong; no function needed a canary)"
	elif [ "$cunits" -gt 0 ] && [ "$ssp_all" -eq 0 ]; then
		notok "$label: stack protector (built without -fstack-protector-strong: $(grep '^GNU C' "$tmp/p" | grep -Ev -- '-fstack-protector-(strong|all)' | head -1))"
	else
		notok "$label: stack protector (__stack_chk_fail not referenced)"
	fi

	# clash: only when the build asked for it and the switches are recorded
	case " ${PXM_HARDEN_CFLAGS:-} " in
	*" -fstack-clash-protection "*)
		if [ "$cunits" -eq 0 ]; then
			:
		elif grep '^GNU C' "$tmp/p" | grep -vq -- '-fstack-clash-protection'; then
			notok "$label: stack clash protection (a C unit was built without -fstack-clash-protection)"
		else
			ok "$label: stack clash protection (every C unit)"
		fi
		;;
	esac

	# fortify
	if [ "$role" = main ]; then
		chk=$(grep -Eo '__[a-z_]+_chk' "$tmp/s" | grep -v '__stack_chk' | sort -u | tr '\n' ' ')
		if [ -n "$chk" ]; then
			ok "$label: FORTIFY_SOURCE (${chk% })"
		else
			notok "$label: FORTIFY_SOURCE (no __*_chk function referenced)"
		fi
	fi
}

echo "# hardening flags: ${PXM_HARDEN_CFLAGS:-?}"

if [ -n "$only_role" ]; then
	for f in "$@"; do
		check "$f" "$(basename "$f")" "$only_role"
	done
	echo "1..$n"
	exit $status
fi

# ---- the build tree
check "$(real_binary "$top/core/proximo")" "proximo (build tree)" main
if [ -e "$top/contrib/sim/proximo-sim" ]; then
	check "$(real_binary "$top/contrib/sim/proximo-sim")" "proximo-sim (build tree)" exe
fi
for so in "$top"/plugins/*/.libs/*.so; do
	[ -e "$so" ] || continue
	check "$so" "plugin $(basename "$so") (build tree)" so
done
for fx in good pipetest; do
	so="$top/tests/fixtures/.libs/$fx.so"
	if [ -e "$so" ]; then
		check "$so" "fixture $fx.so" so
	else
		notok "fixture $fx.so: not built ($so)"
	fi
done

# ---- the installed tree: libtool relinks at install time, and that is
# where an RPATH would creep in.
dest=${PXM_HARDENING_DESTDIR:-}
if [ -z "$dest" ]; then
	dest="$tmp/destdir"
	# A make nested under `make check` must not join its jobserver.
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -C "$top" install \
	    DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
		ok "make install DESTDIR=... succeeded"
	else
		notok "make install DESTDIR=... failed: $(tail -3 "$tmp/install.log" | tr '\n' ' ')"
	fi
fi
found=0
for f in $(find "$dest" -type f 2>/dev/null | sort); do
	is_elf "$f" || continue
	found=$((found + 1))
	case $f in
	*/bin/proximo) check "$f" "installed ${f#"$dest"}" main ;;
	*.so) check "$f" "installed ${f#"$dest"}" so ;;
	*) check "$f" "installed ${f#"$dest"}" exe ;;
	esac
done
if [ "$found" -gt 0 ]; then
	ok "installed tree holds $found ELF files, all checked"
else
	notok "installed tree holds no ELF file (install failed?)"
fi

echo "1..$n"
exit $status
