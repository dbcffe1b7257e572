#!/bin/sh
# make dist is reproducible: the same commit, cloned into two directories of
# different names and depths, gives byte-identical release archives (and so
# identical SHA256SUMS) and identical binaries.  Builds HEAD, i.e. what is
# committed.
set -eu
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
a=$tmp/a
b=$tmp/second/clone-with-a-longer-name
start=$(date +%s)
for d in "$a" "$b"; do
	git clone -q --no-hardlinks "$root" "$d"
	make -s -C "$d" dist >"$d.log" 2>&1 || { cat "$d.log"; echo "dist-repro: make dist failed in $d"; exit 1; }
done
fail=0
for f in SHA256SUMS; do
	cmp "$a/build/dist/$f" "$b/build/dist/$f" || fail=1
done
for f in build/lprobe build/arm64/lprobe build/openssl/lprobe build/arm64/openssl/lprobe; do
	cmp "$a/$f" "$b/$f" || { echo "dist-repro: $f differs between the two directories"; fail=1; }
done
cat "$a/build/dist/SHA256SUMS"
if [ "$fail" -eq 0 ]; then
	echo "dist-repro: two builds in different directories gave identical archives ($(($(date +%s) - start))s): 1 passed, 0 failed"
else
	diff "$a/build/dist/SHA256SUMS" "$b/build/dist/SHA256SUMS" || true
	echo "dist-repro: 0 passed, 1 failed"
fi
exit "$fail"
