#!/bin/sh
# valgrind-wrapper.sh PROGRAM [ARGS...]: the LOG_COMPILER of
# `make check-valgrind`.  Runs a test program under valgrind (memcheck,
# definite and indirect leaks are errors), following the processes it execs
# (the real proximo of the end-to-end suites, plugins loaded), and fails the
# test when valgrind reported anything in ANY of those processes, whatever
# their exit status: a report in a child that exited 0 still fails.
#
# Valgrind writes one log per process into $PXM_VALGRIND_LOGDIR (default: a
# directory beside the test); system programs a test runs (/usr/bin, /bin, ...) are
# not traced.  Check suites run without fork (CK_FORK=no) so the test cases
# themselves are under valgrind.
vg=${VALGRIND:-valgrind}
prog=$1
logdir=${PXM_VALGRIND_LOGDIR:-$(dirname "$prog")/valgrind-logs}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$logdir" || exit 99
tag="$logdir/$(basename "$prog").$$"
CK_FORK=no
export CK_FORK
supp=""
[ -f "$here/valgrind.supp" ] && supp="--suppressions=$here/valgrind.supp"
# shellcheck disable=SC2086
"$vg" --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --trace-children=yes \
    --trace-children-skip='/usr/bin/*,/usr/sbin/*,/usr/lib/*,/usr/libexec/*,/bin/*,/sbin/*,/lib/*,/lib64/*' \
    --child-silent-after-fork=yes --num-callers=30 $supp \
    --log-file="$tag.%p.vg" "$@"
rc=$?
bad=""
for f in "$tag".*.vg; do
	[ -f "$f" ] || continue
	if grep -Eq 'ERROR SUMMARY: [1-9]' "$f"; then
		bad="$bad $f"
	fi
done
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "valgrind-wrapper: valgrind reported errors in $(sed -n 's/^==[0-9]*== Command: //p' "$f" | head -1) ($f):" >&2
		cat "$f" >&2
	done
	exit 99
fi
if [ "$rc" -eq 99 ]; then
	echo "valgrind-wrapper: valgrind exited 99 (errors) with no log naming them" >&2
fi
exit "$rc"
