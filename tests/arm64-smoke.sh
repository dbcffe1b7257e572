#!/bin/sh
# Smoke test of the linux/arm64 binary under qemu-user (make arm64).
#
# qemu-user refuses seccomp filters (it would have to apply them to its own
# host system calls), so the shipped binary is checked for what runs before
# the sandbox and for failing closed; the probes themselves run on a twin
# built with -DLP_NO_SECCOMP from the same sources, against real loopback
# servers: python3's http.server and, for TLS, openssl s_server.
# TLS=openssl: the OpenSSL flavour (make arm64-openssl), which must also
# complete a handshake with a TLS 1.3-only server.
set -u
BIN=${1:-build/arm64/lprobe}
QEMU=qemu-aarch64-static
PY=/usr/bin/python3
pass=0
fail=0
lb_tmp=$(mktemp -d)
. scripts/loopback.sh
trap lb_cleanup EXIT INT TERM

check() { # name, expected exit, expected output substring ("": no output), command...
	name=$1 want=$2 text=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ -z "$text" ]; then
		[ -z "$out" ]
	else
		printf '%s' "$out" | grep -qF -- "$text"
	fi
	if [ $? -eq 0 ] && [ "$rc" -eq "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name: exit $rc (want $want), output: $out"
	fi
}
file "$BIN" | grep -q "ARM aarch64.*statically linked" && pass=$((pass + 1)) ||
	{ fail=$((fail + 1)); echo "FAIL: $BIN is not a static aarch64 executable: $(file "$BIN")"; }
check "version" 0 "lprobe " $QEMU "$BIN" -version
check "usage error" 1 "lprobe: usage: flag provided but not defined: -nope" $QEMU "$BIN" -nope
check "refused target" 1 "refusing target" $QEMU "$BIN" -mode=http -addr=10.0.0.1:80
check "sandbox fails closed" 1 "seccomp" $QEMU "$BIN" -port=1

# the twin without the seccomp filter, for the probes
TWIN_DIR=build/arm64-noseccomp${TLS:+-$TLS}
make -s ARCH=arm64 TLS="${TLS:-}" BUILD=$TWIN_DIR CFLAGS="-Os -DLP_NO_SECCOMP" all >/dev/null
TWIN=$TWIN_DIR/lprobe

echo ok >"$lb_tmp/healthz"
start_http_server "$lb_tmp"
check "http healthy" 0 "" $QEMU $TWIN -port=$http -endpoint=/healthz -expect-body=ok
check "http 404" 1 "unhealthy: HTTP 404" $QEMU $TWIN -port=$http -endpoint=/missing
closed=$(free_port)
check "refused" 1 "connection refused" $QEMU $TWIN -port=$closed

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$lb_tmp/k.pem" -out "$lb_tmp/c.pem" -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
tls=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$tls" -cert "$lb_tmp/c.pem" -key "$lb_tmp/k.pem" -www \
	</dev/null >/dev/null 2>&1 &
lb_pids="$lb_pids $!"
wait_port "$tls"
check "https verified" 0 "" $QEMU $TWIN -tls -tls-ca-cert="$lb_tmp/c.pem" -port=$tls
check "https name mismatch" 1 "not valid for \"other.example\"" \
	$QEMU $TWIN -tls -tls-ca-cert="$lb_tmp/c.pem" -tls-server-name=other.example -port=$tls

if [ "${TLS:-}" = openssl ]; then
	check "version names OpenSSL" 0 "(OpenSSL 3." $QEMU "$BIN" -version
	tls13=$(free_port)
	openssl s_server -quiet -tls1_3 -accept "127.0.0.1:$tls13" -cert "$lb_tmp/c.pem" \
		-key "$lb_tmp/k.pem" -www </dev/null >/dev/null 2>&1 &
	lb_pids="$lb_pids $!"
	wait_port "$tls13"
	check "https TLS 1.3-only server" 0 "" $QEMU $TWIN -tls -tls-ca-cert="$lb_tmp/c.pem" -port=$tls13
fi

if $PY -c 'import grpc' 2>/dev/null; then
	start_grpc_server --status =SERVING --status orders=NOT_SERVING
	check "grpc serving" 0 "" $QEMU $TWIN -addr=:$grpc
	check "grpc not serving" 1 "is NOT_SERVING" $QEMU $TWIN -addr=:$grpc -service=orders
fi

echo "arm64 smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
