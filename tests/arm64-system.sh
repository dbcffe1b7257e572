#!/bin/sh
# The linux/arm64 binary on a real arm64 Linux kernel (make arm64-system).
#
# qemu-user (tests/arm64-smoke.sh) cannot apply a seccomp filter, so there the
# shipped arm64 binary only shows that it fails closed.  Here it runs as
# built, sandbox and all, under full-system emulation: qemu-system-aarch64
# boots Debian's arm64 kernel (linux-image-arm64:arm64, unpacked with
# dpkg-deb -x, never installed) with an initramfs of busybox-static:arm64,
# build/arm64/lprobe and build/arm64/demo-server.  The guest's /init probes
# the demo server healthy and unhealthy, a closed port, and a server that
# accepts and never answers while it reads the probe's /proc/PID/status
# (Seccomp: 2, the filter, for one probe and for two groups), runs
# build/arm64/confine-check (lprobe's sandbox.c in a child that then makes a
# forbidden call: the kernel must kill it), and prints RESULT lines on the serial
# console, which this script checks.  Everything comes from apt; the VM is
# bounded by a timeout.
set -eu
ARM=${1:-build/arm64}
WORK=build/arm64-system
TIMEOUT=${ARM64_SYSTEM_TIMEOUT:-180}

command -v qemu-system-aarch64 >/dev/null && command -v cpio >/dev/null ||
	{ echo "arm64-system: run scripts/deps-arm64.sh first (qemu-system-arm, cpio)"; exit 1; }
[ -x "$ARM/lprobe" ] && [ -x "$ARM/demo-server" ] && [ -x "$ARM/confine-check" ] ||
	{ echo "arm64-system: build $ARM first (make arm64-system)"; exit 1; }

# Debian's arm64 kernel and busybox, as .debs from apt (cached in $WORK/debs).
mkdir -p "$WORK/debs"
kpkg=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/.*Depends: \(linux-image-[^ ]*\)/\1/p' | head -1)
[ -n "$kpkg" ] || { apt-get update -qq; kpkg=$(apt-cache depends linux-image-arm64:arm64 |
	sed -n 's/.*Depends: \(linux-image-[^ ]*\)/\1/p' | head -1); }
for pkg in "$kpkg" busybox-static:arm64; do
	name=${pkg%%:*}
	ls "$WORK/debs/${name}_"*_arm64.deb >/dev/null 2>&1 ||
		(cd "$WORK/debs" && apt-get download -qq "$pkg" 2>/dev/null) ||
		(apt-get update -qq && cd "$WORK/debs" && apt-get download -qq "$pkg")
done
rm -rf "$WORK/kernel" "$WORK/busybox" "$WORK/root"
dpkg-deb -x "$(ls "$WORK/debs/${kpkg%%:*}_"*_arm64.deb | head -1)" "$WORK/kernel"
dpkg-deb -x "$(ls "$WORK/debs/busybox-static_"*_arm64.deb | head -1)" "$WORK/busybox"
vmlinuz=$(ls "$WORK/kernel/boot/vmlinuz-"* | head -1)

# The initramfs: busybox, the two arm64 binaries, and /init.
R=$WORK/root
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp "$WORK/busybox/bin/busybox" "$R/bin/busybox"
cp "$ARM/lprobe" "$R/lprobe"
cp "$ARM/demo-server" "$R/demo-server"
cp "$ARM/confine-check" "$R/confine-check"
cat >"$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev 2>/dev/null
ip link set lo up
echo "RESULT kernel $(uname -m) $(uname -r)"
/demo-server -bind 127.0.0.1 -port 8080 2>/dev/null &
i=0; while [ $i -lt 50 ] && ! nc -z 127.0.0.1 8080 2>/dev/null; do sleep 0.1; i=$((i+1)); done
/lprobe -port=8080 -endpoint=/healthz -expect-body=ok >/tmp/out 2>&1
echo "RESULT healthy rc=$? $(cat /tmp/out)"
/lprobe -port=8080 -endpoint=/missing >/tmp/out 2>&1
echo "RESULT unhealthy rc=$? $(cat /tmp/out)"
/lprobe -port=8081 >/tmp/out 2>&1
echo "RESULT closed rc=$? $(cat /tmp/out)"
/lprobe -mode=http -addr=10.0.0.1:80 >/tmp/out 2>&1
echo "RESULT refused-target rc=$? $(cat /tmp/out)"
# a listener that accepts and never answers: the probe sits in its sandbox
sleep 10 | nc -l -p 8082 >/dev/null 2>&1 &
sleep 0.3
/lprobe -port=8082 -connect-timeout=2s >/tmp/out 2>&1 &
pid=$!
sleep 1
echo "RESULT status $(grep -E '^(Seccomp|NoNewPrivs):' /proc/$pid/status | tr '\n\t' '  ')"
wait $pid
echo "RESULT silent rc=$? $(cat /tmp/out)"
sleep 10 | nc -l -p 8083 >/dev/null 2>&1 &
sleep 0.3
/lprobe -port=8083 -connect-timeout=2s -- -mode=tcp -port=8080 >/tmp/out 2>&1 &
pid=$!
sleep 1
echo "RESULT groups-status $(grep -E '^(Seccomp|NoNewPrivs):' /proc/$pid/status | tr '\n\t' '  ')"
wait $pid
/confine-check | while read -r line; do echo "RESULT confine $line"; done
echo "RESULT done"
poweroff -f
EOF
chmod 0755 "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 >"$WORK/initrd.gz"

start=$(date +%s)
timeout "$TIMEOUT" qemu-system-aarch64 -machine virt -cpu cortex-a57 -m 256 -nographic -nic none \
	-no-reboot -kernel "$vmlinuz" -initrd "$WORK/initrd.gz" \
	-append "console=ttyAMA0 rdinit=/init panic=-1 quiet" </dev/null >"$WORK/console.log" 2>&1 || true
took=$(($(date +%s) - start))
tr -d '\r' <"$WORK/console.log" | grep '^RESULT' >"$WORK/results" || true
cat "$WORK/results"

pass=0
fail=0
expect() { # name, extended regexp a RESULT line must match
	if grep -Eq "^RESULT $2" "$WORK/results"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: no line matching 'RESULT $2'"
	fi
}
expect "arm64 kernel" "kernel aarch64 "
expect "healthy probe" "healthy rc=0 *$"
expect "unhealthy probe" "unhealthy rc=1 lprobe: unhealthy: HTTP 404 from 127.0.0.1:8080/missing$"
expect "closed port" "closed rc=1 lprobe: connect 127.0.0.1:8081: connection refused"
expect "refused target" "refused-target rc=1 lprobe: refusing target"
expect "seccomp filter in force (one probe)" "status .*NoNewPrivs: *1 .*Seccomp: *2"
expect "seccomp filter in force (two groups)" "groups-status .*NoNewPrivs: *1 .*Seccomp: *2"
expect "the filter kills a new socket" "confine filter socket: killed by signal 31"
expect "the filter lets a held fd be read" "confine filter read: NOT killed \\(exit 0\\)"
expect "silent server times out" "silent rc=1 lprobe: timeout after 2s"
expect "guest finished" "done"
[ "$fail" -eq 0 ] || { echo "arm64-system: console log in $WORK/console.log"; tail -20 "$WORK/console.log"; }
echo "arm64 system (qemu-system-aarch64, ${took}s): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
