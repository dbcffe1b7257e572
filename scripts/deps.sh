#!/bin/sh
# Installs the Debian packages (and the committed npm lockfile's packages)
# that lprobe's build, tests and benchmark need.  Idempotent: does nothing
# when everything is present.  Needs root (or sudo) for apt-get.
set -eu

PKGS="musl-tools libbearssl-dev libnghttp2-dev zlib1g-dev libssl-dev
      make gcc clang libclang-rt-14-dev libcmocka-dev valgrind
      python3 python3-pytest python3-grpcio nginx-light openssl
      strace time gnuplot-nox busybox-static curl wget
      podman runc catatonit uidmap fuse-overlayfs slirp4netns
      qemu-user-static"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

# Node.js may come from Debian (nodejs + npm) or be preinstalled with npm.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# nginx's package starts a system nginx on :80; the tests run their own.
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	if command -v service >/dev/null 2>&1; then
		$SUDO service nginx stop >/dev/null 2>&1 || true
	fi
fi

# podman without systemd (tests/integration/test_podman.py): cgroupfs, a file
# event log, runc; and explicit ulimits, because podman as root otherwise
# raises RLIMIT_NOFILE/NPROC, which fails where the machine is itself a
# container without CAP_SYS_RESOURCE.  An existing file is left alone unless
# this script wrote it.
CONF=/etc/containers/containers.conf
MARK="# written by lprobe scripts/deps.sh"
if [ ! -f "$CONF" ] || { head -1 "$CONF" | grep -qxF "$MARK" &&
	! grep -q '^default_ulimits = \["nofile=1024:1024", "nproc=4096:4096"\]' "$CONF"; }; then
	echo "deps: writing $CONF"
	${SUDO:-} mkdir -p /etc/containers
	printf '%s\n%s\n%s\n%s\n%s\n%s\n%s\n' "$MARK" "[containers]" \
		'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]' "[engine]" \
		'cgroup_manager = "cgroupfs"' 'events_logger = "file"' 'runtime = "runc"' |
		${SUDO:-} tee "$CONF" >/dev/null
else
	for k in cgroup_manager events_logger runtime default_ulimits; do
		grep -q "^$k *=" "$CONF" || echo "deps: note: $CONF has no $k (podman tests may skip)"
	done
fi

# Node packages for the grpc-js test server, from the committed lockfile.
if [ -f package-lock.json ] && [ ! -d node_modules/@grpc/grpc-js ]; then
	echo "deps: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
echo "deps: ok"
