#!/bin/sh
# Installs the Debian packages (and the committed npm lockfile's packages)
# that lprobe's build, tests and benchmark need.  Idempotent: does nothing
# when everything is present.  Needs root (or sudo) for apt-get.
set -eu

PKGS="musl-tools libbearssl-dev libnghttp2-dev zlib1g-dev libssl-dev
      make gcc clang libclang-rt-14-dev libcmocka-dev valgrind
      python3 python3-pytest python3-grpcio nginx-light openssl
      hyperfine strace time gnuplot-nox busybox-static curl wget"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

# Node.js may come from Debian (nodejs + npm) or be preinstalled with npm.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# nginx's package starts a system nginx on :80; the tests run their own.
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	if command -v service >/dev/null 2>&1; then
		$SUDO service nginx stop >/dev/null 2>&1 || true
	fi
fi

# Node packages for the grpc-js test server, from the committed lockfile.
if [ -f package-lock.json ] && [ ! -d node_modules/@grpc/grpc-js ]; then
	echo "deps: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
echo "deps: ok"
