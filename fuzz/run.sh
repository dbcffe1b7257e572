#!/bin/sh
# fuzz/run.sh -- build the libFuzzer targets, then replay or fuzz them.
#
#   sh fuzz/run.sh -replay          every target: each committed input once
#   sh fuzz/run.sh                  every target, FUZZ_TIME seconds of mutation each (20)
#   FUZZ_TIME=60 sh fuzz/run.sh http1
#
# Each target is built with clang (-fsanitize=fuzzer,address,undefined) from
# fuzz/fuzz_<name>.c and the src/*.c it needs, into build/fuzz/ (two builds
# at a time; a target newer than its sources is not rebuilt).
#
# -replay (what `make test` runs): libFuzzer runs each file of the committed
# seed corpus fuzz/corpus/<name>/ and of fuzz/crashers/<name>/ (inputs that
# once failed, kept as regressions) exactly once, no mutation: the same
# inputs and the same verdict on every run.
#
# Otherwise (`make fuzz`): mutation for FUZZ_TIME seconds per target.  The
# committed corpus is read but never written: new inputs go to
# build/fuzz/corpus-<name>/, crash and leak reproducers to build/fuzz/
# (printed at the end; copy one into fuzz/crashers/<name>/ once fixed).
# Exits non-zero if a target failed.
set -eu
cd "$(dirname "$0")/.."

CC=${CLANG:-clang}
TIME=${FUZZ_TIME:-20}
OUT=build/fuzz
FLAGS="-std=c11 -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -Isrc"
REPLAY=0
if [ "${1:-}" = -replay ]; then
	REPLAY=1
	shift
fi

# target name -> the src/*.c it links: the module alone, or (like `make
# unit`) every module but main.c with the libraries they use
srcs() {
	case $1 in
	http1) echo src/http1_parse.c ;;
	grpc_proto) echo src/grpc_proto.c ;;
	x509) echo src/x509.c ;;
	alloc) echo src/arena.c ;;
	config | exchange) ls src/*.c | grep -v -e '^src/main\.c$' -e '^src/fortify_shims\.c$' -e '^src/alloc\.c$' \
		-e '^src/tls_openssl\.c$' -e '^src/openssl_' ;; # the BearSSL build's sources
	*) echo "unknown target $1" >&2; exit 2 ;;
	esac
}
libs() {
	case $1 in
	config) echo -lbearssl -lnghttp2 -lz ;;
	# the probe loop's poll(2) and its socket's read(2) are counted
	exchange) echo -lbearssl -lnghttp2 -lz -lpthread -Wl,--wrap=poll -Wl,--wrap=read ;;
	grpc_proto) echo -lz ;;
	esac
}

build() {
	bin="$OUT/fuzz_$1"
	# shellcheck disable=SC2046
	if [ -e "$bin" ] && [ -z "$(find "fuzz/fuzz_$1.c" $(srcs "$1") src/*.h -newer "$bin")" ]; then
		return 0
	fi
	echo "== fuzz_$1: build"
	# shellcheck disable=SC2046
	$CC $FLAGS -o "$bin" "fuzz/fuzz_$1.c" $(srcs "$1") $(libs "$1")
}

targets=${*:-http1 config grpc_proto x509 alloc exchange}
mkdir -p "$OUT"
set -- $targets
while [ $# -gt 0 ]; do # two at a time: the machine has two cores
	build "$1" &
	a=$!
	b=
	if [ $# -gt 1 ]; then
		build "$2" &
		b=$!
		shift
	fi
	shift
	wait $a
	[ -z "$b" ] || wait $b
done

status=0
for t in $targets; do
	max_len=4096
	[ "$t" = http1 ] && max_len=16384
	[ "$t" = exchange ] && max_len=65537 # variant byte + 64 KiB of peer bytes
	if [ $REPLAY = 1 ]; then
		# shellcheck disable=SC2046
		set -- $(ls -d fuzz/corpus/"$t"/* fuzz/crashers/"$t"/* 2>/dev/null)
		echo "== fuzz_$t: replay $# inputs"
		if ! "$OUT/fuzz_$t" -rss_limit_mb=1024 -timeout=10 "$@" \
			>"$OUT/fuzz_$t.log" 2>&1; then
			status=1
			echo "!! fuzz_$t FAILED; see $OUT/fuzz_$t.log" >&2
			grep -E "ERROR|invariant|runtime error|SUMMARY|Running" "$OUT/fuzz_$t.log" | tail -20 >&2 || true
		fi
		continue
	fi
	mkdir -p "$OUT/corpus-$t"
	echo "== fuzz_$t: run ${TIME}s"
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
[ $REPLAY = 1 ] || ls "$OUT"/crash-* "$OUT"/leak-* "$OUT"/timeout-* 2>/dev/null || true
exit $status
