# Sourced by scripts/demo.sh and tests/arm64-smoke.sh: throwaway servers on
# loopback, started in the background and stopped by lb_cleanup (set as the
# EXIT trap).  Needs $PY (Debian's /usr/bin/python3) and $lb_tmp (a temp dir).

lb_pids=""

lb_cleanup() {
	exec 3>&- 2>/dev/null # closing the fifo stops the gRPC server
	for p in $lb_pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$lb_tmp"
}

free_port() { # a port nothing listens on now
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port: wait up to 5 s for a listener on 127.0.0.1
	i=0
	while [ $i -lt 50 ]; do
		$PY -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "no server came up on 127.0.0.1:$1" >&2
	exit 1
}

start_http_server() { # directory: python3's http.server on a free port; sets $http
	http=$(free_port)
	$PY -m http.server "$http" --bind 127.0.0.1 --directory "$1" >/dev/null 2>&1 &
	lb_pids="$lb_pids $!"
	wait_port "$http"
}

start_grpc_server() { # status arguments: the grpcio health server; sets $grpc
	grpc=$(free_port)
	# the server stops when its stdin closes: hold a fifo open on fd 3
	mkfifo "$lb_tmp/grpc-stdin"
	$PY tests/integration/grpc_servers/py_health_server.py --port "$grpc" "$@" \
		<"$lb_tmp/grpc-stdin" >/dev/null 2>&1 &
	lb_pids="$lb_pids $!"
	exec 3>"$lb_tmp/grpc-stdin"
	wait_port "$grpc"
}
