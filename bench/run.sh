#!/usr/bin/env bash
# make bench: measure one lprobe probe (fork + exec + probe + exit) against the
# floor clients, curl, wget and busybox wget, on loopback servers started here,
# and write docs/BENCHMARKS.md and docs/bench.svg.
#
#   bash bench/run.sh            (from the repo root; `make bench` calls it)
#
# Environment:
#   BENCH_RUNS=400 BENCH_WARMUP=20   runs per command of a table (after warm-up),
#                                    interleaved process by process (bench/timer.c)
#   BENCH_ROUNDS=20                  blocks of consecutive runs, for the spreads
#   BENCH_SANDBOX_RUNS=3000          runs of the sandbox-cost table (4 builds)
#   BENCH_MULTI_RUNS=600             runs of the one-process-or-two table
#   BENCH_RSS_RUNS=10                peak-RSS runs per command (the max is kept)
#   BENCH_OUT=docs                   where BENCHMARKS.md and bench.svg go
#   LPROBE=build/lprobe              the binary under test (built with `make`)
#
# Everything runs on 127.0.0.1; nginx and the gRPC server are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

case "$PWD" in *[[:space:]]*)
	echo "bench: the repository path must not contain spaces: $PWD" >&2; exit 1;;
esac

missing=()
for tool in valgrind strace gnuplot busybox curl wget nginx musl-gcc openssl; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ! -x /usr/bin/python3 ]; then
	missing+=(python3)
elif ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
	missing+=(python3-grpcio)
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench: missing: ${missing[*]}" >&2
	echo "bench: run 'make deps' (or: apt-get install valgrind strace gnuplot-nox busybox-static curl wget nginx-light musl-tools python3-grpcio openssl)" >&2
	exit 1
fi

LPROBE=${LPROBE:-build/lprobe}
if [ "$LPROBE" = build/lprobe ]; then
	echo "bench: building lprobe (make)" >&2
	make >&2
fi
if [ ! -x "$LPROBE" ]; then
	echo "bench: $LPROBE not found or not executable" >&2
	exit 1
fi

# The floors and helpers: static musl, -Os, stripped.
mkdir -p bench/build
build() { # output source
	if [ ! -x "bench/build/$1" ] || [ "bench/$2" -nt "bench/build/$1" ]; then
		musl-gcc -static -Os -Wall -Wextra -o "bench/build/$1" "bench/$2"
		strip "bench/build/$1"
	fi
}
build floor-http floor_http.c
build floor-grpc floor_grpc.c
build true-static true.c
build maxrss maxrss.c
build noseccomp noseccomp.c
build timer timer.c
build confine-null confine_null.c
# lprobe's twins (never shipped), for what the sandbox costs: without seccomp
# (PR_SET_NO_NEW_PRIVS only), and confining one probe with the filter of several
# groups instead of SECCOMP_MODE_STRICT
make -s BUILD=bench/build/lprobe-twin CFLAGS="-Os -DLP_NO_SECCOMP" all >/dev/null

export LPROBE
exec /usr/bin/python3 -B bench/bench.py "$@"
