#!/bin/sh
# Installs what `make arm64` needs: an aarch64 cross compiler, musl and the
# static archives of BearSSL, OpenSSL (make TLS=openssl), nghttp2 and zlib
# for arm64 (Debian multiarch), qemu-user to smoke-test the result and
# qemu-system-arm to run it on an arm64 kernel (tests/arm64-system.sh).
# Adds the arm64 architecture to
# dpkg (foreign packages only; nothing of the host changes).  Idempotent.
set -eu

PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev:arm64 musl-dev:arm64
      libbearssl-dev:arm64 libnghttp2-dev:arm64 zlib1g-dev:arm64 libssl-dev:arm64
      qemu-user-static file qemu-system-arm cpio"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps-arm64: installing:$missing"
	dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "deps-arm64: ok"
