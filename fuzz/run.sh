#!/bin/sh
# fuzz/run.sh -- build and run the libFuzzer targets for a bounded time.
#
#   sh fuzz/run.sh                 every target, FUZZ_TIME seconds each (20)
#   FUZZ_TIME=60 sh fuzz/run.sh http1
#
# Each target is built with clang (-fsanitize=fuzzer,address,undefined) from
# fuzz/fuzz_<name>.c and the src/*.c it needs, into build/fuzz/.  The
# committed seed corpus fuzz/corpus/<name>/ is read but never written: new
# inputs go to build/fuzz/corpus-<name>/, crash and leak reproducers to
# build/fuzz/ (printed at the end).  Exits non-zero if a target failed.
set -eu
cd "$(dirname "$0")/.."

CC=${CLANG:-clang}
TIME=${FUZZ_TIME:-20}
OUT=build/fuzz
FLAGS="-std=c11 -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -Isrc"

# target name -> the src/*.c it links: the parser alone, or (like `make
# unit`) every module but main.c with the libraries they use
srcs() {
	case $1 in
	http1) echo src/http1_parse.c ;;
	grpc_proto) echo src/grpc_proto.c ;;
	x509) echo src/x509.c ;;
	config) ls src/*.c | grep -v -e '^src/main\.c$' -e '^src/fortify_shims\.c$' -e '^src/alloc\.c$' \
		-e '^src/tls_openssl\.c$' -e '^src/openssl_' ;; # the BearSSL build's sources
	*) echo "unknown target $1" >&2; exit 2 ;;
	esac
}
libs() {
	case $1 in
	config) echo -lbearssl -lnghttp2 -lz ;;
	grpc_proto) echo -lz ;;
	esac
}

targets=${*:-http1 config grpc_proto x509}
mkdir -p "$OUT"
status=0
for t in $targets; do
	echo "== fuzz_$t: build"
	# shellcheck disable=SC2046
	$CC $FLAGS -o "$OUT/fuzz_$t" "fuzz/fuzz_$t.c" $(srcs "$t") $(libs "$t")
	mkdir -p "$OUT/corpus-$t"
	echo "== fuzz_$t: run ${TIME}s"
	max_len=4096
	[ "$t" = http1 ] && max_len=16384
	if ! "$OUT/fuzz_$t" -max_total_time="$TIME" -max_len="$max_len" -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$OUT/" \
		"$OUT/corpus-$t" "fuzz/corpus/$t" 2>"$OUT/fuzz_$t.log"; then
		status=1
		echo "!! fuzz_$t FAILED; see $OUT/fuzz_$t.log" >&2
		grep -E "ERROR|invariant|runtime error|SUMMARY" "$OUT/fuzz_$t.log" | head -20 >&2 || true
	fi
	grep -E "^(stat::number_of_executed_units|stat::new_units_added)|^#[0-9]+ *DONE" \
		"$OUT/fuzz_$t.log" || true
done
ls "$OUT"/crash-* "$OUT"/leak-* "$OUT"/timeout-* 2>/dev/null || true
exit $status
