#!/bin/sh
# Every plugin exports exactly one symbol: pxm_plugin_descriptor (TAP).
top=${PXM_TOP_BUILDDIR:-..}
nm=${NM:-nm}
command -v "$nm" >/dev/null 2>&1 || { echo "1..0 # SKIP nm not installed"; exit 0; }
files=$(ls "$top"/plugins/*/.libs/*.so "$top"/tests/fixtures/.libs/good.so 2>/dev/null)
[ -n "$files" ] || { echo "Bail out! no plugin built"; exit 1; }
n=0
for f in $files; do n=$((n + 1)); done
echo "1..$n"
i=0
status=0
for f in $files; do
	i=$((i + 1))
	syms=$("$nm" -D --defined-only "$f" | awk '{print $NF}' | sort | tr '\n' ' ')
	if [ "$syms" = "pxm_plugin_descriptor " ]; then
		echo "ok $i - $(basename "$f") exports only pxm_plugin_descriptor"
	else
		echo "not ok $i - $(basename "$f") exports: $syms"
		status=1
	fi
done
exit $status
