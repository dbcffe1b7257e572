#!/bin/sh
# make demo: start a throwaway HTTP server (and a gRPC health server) on
# loopback, probe them healthy and unhealthy, and stop them again.
set -u
cd "$(dirname "$0")/.."
LPROBE=build/lprobe
PY=/usr/bin/python3
tmp=$(mktemp -d)
pids=""
cleanup() {
	exec 3>&- 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { # port: wait up to 5 s for a listener
	i=0
	while [ $i -lt 50 ]; do
		$PY -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	echo "demo: server on port $1 did not start" >&2
	exit 1
}
run() { # show a probe and its exit status
	printf '\n$ %s\n' "$*"
	"$@"
	echo "exit status: $?"
}

echo ok >"$tmp/healthz"
http=$(free_port)
$PY -m http.server "$http" --bind 127.0.0.1 --directory "$tmp" >/dev/null 2>&1 &
pids="$pids $!"
wait_port "$http"
echo "demo: HTTP server on 127.0.0.1:$http (python3 http.server), serving /healthz"

run $LPROBE -port=$http -endpoint=/healthz
run $LPROBE -port=$http -endpoint=/healthz -expect-body=ok -v
run $LPROBE -port=$http -endpoint=/missing
closed=$(free_port)
run $LPROBE -port=$closed
run $LPROBE -port=$closed -exit-codes=detailed
run $LPROBE -mode=http -addr=169.254.169.254:80

if $PY -c 'import grpc' 2>/dev/null; then
	grpc=$(free_port)
	# the server stops when its stdin closes: hold a fifo open on fd 3
	mkfifo "$tmp/hold"
	$PY tests/integration/grpc_servers/py_health_server.py --port "$grpc" \
		--status =SERVING --status orders=NOT_SERVING <"$tmp/hold" >/dev/null 2>&1 &
	pids="$pids $!"
	exec 3>"$tmp/hold"
	wait_port "$grpc"
	echo
	echo "demo: gRPC health server on 127.0.0.1:$grpc (python3-grpcio)"
	run $LPROBE -addr=:$grpc
	run $LPROBE -addr=:$grpc -service=orders
fi
echo
echo "demo: done; servers stopped"
