#!/bin/sh
# run-fuzzers.sh fuzz|fuzz-merge|build TOP_SRCDIR TOP_BUILDDIR
#
# `make fuzz`: build the libFuzzer targets with clang (ASan + UBSan) in a
# tree of their own, $FUZZ_WORKDIR/build, configured from a copy of the
# distributed sources (so it works whether the main build is in-tree or
# not), then run each of $FUZZ_TARGETS for $FUZZ_SECONDS.  New inputs go to
# $FUZZ_WORKDIR/corpus/<t>/; a crash, leak, timeout or OOM is copied into
# tests/fuzz/corpus/<t>/ as a regression input (the replay in `make check`
# then fails until it is fixed) and the run fails.
# `make fuzz-merge`: fold the inputs that add coverage into
# tests/fuzz/corpus/<t>/ (libFuzzer -merge=1).
set -eu
mode=$1
src=$2
top=$3
: "${FUZZ_CC:=}"
: "${FUZZ_SECONDS:=60}"
: "${FUZZ_TIMEOUT:=5}"
: "${FUZZ_RSS_MB:=2048}"
: "${FUZZ_TARGETS:=framer}"
: "${FUZZ_WORKDIR:=$top/_fuzz}"
: "${MAKE:=make}"
work=$FUZZ_WORKDIR

if [ -z "$FUZZ_CC" ]; then
	echo "make fuzz: configure found no clang that links libFuzzer targets." >&2
	echo "  On Debian: apt-get install clang, then re-run configure" >&2
	echo "  (or configure FUZZ_CC=/path/to/clang)." >&2
	exit 1
fi

build() {
	mkdir -p "$work"
	# A fresh copy of the distributed sources; cp -u keeps unchanged files'
	# times, so the fuzzing tree rebuilds only what changed.
	# distdir must be relative to the top build directory.
	tmpdist=".fuzz-src.$$"
	rm -rf "$work/src.new" "$top/$tmpdist"
	(cd "$top" && env -u MAKEFLAGS -u MFLAGS $MAKE -s distdir distdir="$tmpdist") >"$work/distdir.log" 2>&1 ||
	    { cat "$work/distdir.log" >&2; rm -rf "$top/$tmpdist"; exit 1; }
	mv "$top/$tmpdist" "$work/src.new"
	mkdir -p "$work/src"
	cp -pRu "$work/src.new/." "$work/src/"
	rm -rf "$work/src.new"
	mkdir -p "$work/build"
	if [ ! -f "$work/build/Makefile" ]; then
		echo "make fuzz: configuring the fuzzing tree ($FUZZ_CC, ASan + UBSan + libFuzzer) in $work/build"
		(cd "$work/build" && "$work/src/configure" --enable-silent-rules \
		    CC="$FUZZ_CC" CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link" \
		    --enable-sanitizers --disable-hardening) >"$work/configure.log" 2>&1 ||
		    { tail -30 "$work/configure.log" >&2; exit 1; }
	fi
	echo "make fuzz: building the targets"
	# Warnings are the gcc build's business (-Werror there); clang's own
	# set must not stop a fuzzing run.
	(cd "$work/build" && env -u MAKEFLAGS -u MFLAGS $MAKE -j"$(nproc 2>/dev/null || echo 2)" \
	    WARN_CFLAGS= >"$work/build.log" 2>&1 &&
	    env -u MAKEFLAGS -u MFLAGS $MAKE -C tests WARN_CFLAGS= fuzz-targets >>"$work/build.log" 2>&1) ||
	    { tail -30 "$work/build.log" >&2; exit 1; }
}

build
[ "$mode" = build ] && exit 0

status=0
summary="$work/summary.txt"
: >"$summary"
for t in $FUZZ_TARGETS; do
	bin="$work/build/tests/fuzz/fuzz_$t"
	seeds="$src/tests/fuzz/corpus/$t"
	[ -x "$bin" ] || { echo "make fuzz: no target fuzz_$t (known: see FUZZ_NAMES in tests/fuzz/local.mk)" >&2; exit 1; }
	mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/logs"
	dict=""
	[ -f "$src/tests/fuzz/dict/$t.dict" ] && dict="-dict=$src/tests/fuzz/dict/$t.dict"
	export PXM_TOP_SRCDIR="$src" PXM_TOP_BUILDDIR="$work/build"
	if [ "$mode" = fuzz-merge ]; then
		echo "make fuzz-merge: $t"
		"$bin" -merge=1 $dict "$seeds" "$work/corpus/$t" >"$work/logs/$t-merge.log" 2>&1 ||
		    { tail -20 "$work/logs/$t-merge.log" >&2; status=1; }
		continue
	fi
	echo "make fuzz: $t for ${FUZZ_SECONDS}s (log: $work/logs/$t.log)"
	rc=0
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" \
	    -rss_limit_mb="$FUZZ_RSS_MB" -print_final_stats=1 \
	    -artifact_prefix="$work/artifacts/$t/" $dict \
	    "$work/corpus/$t" "$seeds" >"$work/logs/$t.log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/logs/$t.log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/logs/$t.log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$work/logs/$t.log" | tail -1)
	line="$t: ${FUZZ_SECONDS}s, ${execs:-?} runs, ${rate:-?} exec/s, ${cov:-no coverage line}, exit $rc"
	found=0
	for a in "$work/artifacts/$t"/*; do
		[ -f "$a" ] || continue
		found=$((found + 1))
		kind=$(basename "$a" | sed 's/-.*//')
		sum=$(sha1sum "$a" | cut -c1-16)
		cp "$a" "$seeds/regress-$kind-$sum"
		echo "make fuzz: $t: $kind -> tests/fuzz/corpus/$t/regress-$kind-$sum" >&2
		rm -f "$a"
	done
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
		status=1
		line="$line, FAILED ($found new regression inputs)"
		grep -E 'ERROR|SUMMARY|property violated' "$work/logs/$t.log" | head -5 >&2 || true
	fi
	echo "make fuzz: $line"
	echo "$line" >>"$summary"
done
[ "$mode" = fuzz ] && echo "make fuzz: summary in $summary"
exit $status
