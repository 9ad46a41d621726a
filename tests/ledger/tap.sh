# tap.sh: tiny TAP helpers for the ledger's shell tests (sourced).
TAP_N=0
TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=1; echo "not ok $TAP_N - $*"; }
check() { desc=$1; shift; if "$@" >&2; then ok "$desc"; else not_ok "$desc"; fi; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$TAP_N"; exit $TAP_FAILED; }
TOOL=${PXM_TOP_BUILDDIR:-../..}/tests/ledger/ledger-tool
SRC=${PXM_TOP_SRCDIR:-../..}
PY=${PYTHON3:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pxm-ledger-sh-XXXXXX")
trap '[ -n "$KEEP" ] || rm -rf "$WORK"' EXIT
unset $(env | sed -n 's/^\(PROXIMO_[A-Z_]*\)=.*/\1/p')
export HOME="$WORK/home" PROXIMO_ENV_FILE=/dev/null
mkdir -p "$HOME"
