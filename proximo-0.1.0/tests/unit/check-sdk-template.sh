#!/bin/sh
# sdk/template builds out of tree against include/ and proximo loads it (TAP).
set -u
src=${PXM_TOP_SRCDIR:-..}
prox=${PXM_PROXIMO:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..3"
cp "$src/sdk/template/hello.c" "$src/sdk/template/Makefile" "$tmp/"
chmod u+w "$tmp"/*
if make -s -C "$tmp" SDK_CFLAGS="-I$src/include" >"$tmp/build.log" 2>&1; then
	echo "ok 1 - the template builds out of tree with -z defs"
else
	echo "not ok 1 - the template does not build"; sed 's/^/# /' "$tmp/build.log"; exit 1
fi
mkdir "$tmp/plugins" && cp "$tmp/hello.so" "$tmp/plugins/" && chmod 0644 "$tmp/plugins/hello.so"
out=$(PROXIMO_PLUGIN_DIR="$tmp/plugins" PROXIMO_PLUGINS= PROXIMO_ENV_FILE=/dev/null "$prox" tools 2>&1)
case "$out" in
*"hello_greet"*"read"*) echo "ok 2 - proximo loads it and serves hello_greet" ;;
*) echo "not ok 2 - hello_greet not served"; echo "$out" | sed 's/^/# /'; exit 1 ;;
esac
case "$out" in
*"hello_set_greeting"*"mutate"*) echo "ok 3 - hello_set_greeting is served as a mutation" ;;
*) echo "not ok 3 - hello_set_greeting not served as a mutation"; exit 1 ;;
esac
