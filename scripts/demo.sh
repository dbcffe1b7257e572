#!/bin/sh
# make demo: start a throwaway HTTP server (and a gRPC health server) on
# loopback, probe them healthy and unhealthy, and stop them again.
set -u
cd "$(dirname "$0")/.."
LPROBE=build/lprobe
PY=/usr/bin/python3
lb_tmp=$(mktemp -d)
. scripts/loopback.sh
trap lb_cleanup EXIT INT TERM

run() { # show a probe and its exit status
	printf '\n$ %s\n' "$*"
	"$@"
	echo "exit status: $?"
}

echo ok >"$lb_tmp/healthz"
start_http_server "$lb_tmp"
echo "demo: HTTP server on 127.0.0.1:$http (python3 http.server), serving /healthz"

run $LPROBE -port=$http -endpoint=/healthz
run $LPROBE -port=$http -endpoint=/healthz -expect-body=ok -v
run $LPROBE -port=$http -endpoint=/missing
closed=$(free_port)
run $LPROBE -port=$closed
run $LPROBE -port=$closed -exit-codes=detailed
run $LPROBE -mode=http -addr=169.254.169.254:80

if $PY -c 'import grpc' 2>/dev/null; then
	start_grpc_server --status =SERVING --status orders=NOT_SERVING
	echo
	echo "demo: gRPC health server on 127.0.0.1:$grpc (python3-grpcio)"
	run $LPROBE -addr=:$grpc
	run $LPROBE -addr=:$grpc -service=orders
	# several checks in one process: HTTP and gRPC together
	run $LPROBE -port=$http -endpoint=/healthz -- -mode=grpc -port=$grpc
	run $LPROBE -port=$http -endpoint=/healthz -- -mode=grpc -port=$grpc -service=orders
fi
# wait until healthy: a port nobody listens on, for 1 s
run $LPROBE -wait=1s -interval=250ms -port=$closed
echo
echo "demo: done; servers stopped"
