#!/usr/bin/python3
"""The `make bench` driver (started by bench/run.sh, which checks the tools and
builds lprobe and the floor clients first).

Starts nginx (HTTP and HTTPS) and the gRPC health server on 127.0.0.1, then for
every client and mode measures one probe (fork + exec + probe + exit):

  wall time      bench/timer.c, BENCH_RUNS runs after BENCH_WARMUP warm-up runs;
  and CPU time   every client of a table is measured together, interleaved
                 process by process; CPU (user+sys) and minor page faults
                 per process from wait4
  instructions   valgrind --tool=callgrind (user space, repeatable); perf stat
                 instructions:u as well where the machine exposes the counter
  syscalls       strace -c -f
  peak RSS       bench/build/maxrss (VmHWM at exit, the max of BENCH_RSS_RUNS)
  size           the binary, and what a scratch image must add (shared libraries)

and writes docs/BENCHMARKS.md and docs/bench.svg.  Servers are stopped on exit.
"""
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.getcwd()
LPROBE = os.environ.get("LPROBE", "build/lprobe")
RUNS = int(os.environ.get("BENCH_RUNS", "400"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))
RSS_RUNS = int(os.environ.get("BENCH_RSS_RUNS", "10"))
STRACE_RUNS = 3
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
OUT = os.environ.get("BENCH_OUT", "docs")
BB = "bench/build"
PY = "/usr/bin/python3"

# Targets (reported against, not asserted).
T_WALL_VS_FLOOR = 1.2
T_INSTR = 20_000
T_SYSCALLS = 24
T_RSS_OVER_TRUE_KIB = 64
T_GRPC_OWN_MS = 0.2
T_SIZE_KIB = 300
# Goals of issue 8 (section 3) and issue 10.
G_SANDBOX_US = 10          # the sandbox adds at most this much wall time per probe
G_WALL_VS_FLOOR = 1.15     # HTTP probe wall time ÷ floor-http's
G_CPU_VS_FLOOR = 1.25      # HTTP probe CPU time (user+sys) ÷ floor-http's
G_GRPC_OVER_FLOOR_US = 150  # gRPC probe wall time − floor-grpc's
SANDBOX_RUNS = int(os.environ.get("BENCH_SANDBOX_RUNS", "3000"))
MULTI_RUNS = int(os.environ.get("BENCH_MULTI_RUNS", "600"))

T0 = time.monotonic()


def log(msg):
    print("bench [%5.1fs] %s" % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


def run(argv, timeout=60, **kw):
    return subprocess.run(argv, timeout=timeout, capture_output=True, text=True, **kw)


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def wait_port(port, proc, what, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench: %s exited early (status %s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench: %s did not listen on 127.0.0.1:%d within %ds" % (what, port, timeout))


# --------------------------------------------------------------------------
# Servers

class Servers:
    def __init__(self, work):
        self.w = work
        self.procs = []
        self.http, self.https, self.grpc = free_ports(3)

    def make_tls(self):
        d = os.path.join(self.w, "tls")
        os.makedirs(d)
        ossl = lambda *a: subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
        ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=lprobe bench CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        with open(os.path.join(d, "server.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n")
        for kind, newkey in (("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                             ("rsa", ["-newkey", "rsa:2048"])):
            ossl("req", *newkey, "-nodes", "-keyout", "server-%s.key" % kind,
                 "-out", "server-%s.csr" % kind, "-subj", "/CN=127.0.0.1")
            ossl("x509", "-req", "-in", "server-%s.csr" % kind, "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
                 "-extfile", "server.ext", "-out", "server-%s.pem" % kind)
        for f in os.listdir(d):
            os.chmod(os.path.join(d, f), 0o644)
        self.ca = os.path.join(d, "ca.pem")

    def make_content(self):
        www = os.path.join(self.w, "www")
        os.makedirs(www)
        for name, size in (("0", 0), ("64k", 64 << 10), ("10m", 10 << 20)):
            with open(os.path.join(www, name), "wb") as f:
                f.write(b"x" * size)
            os.chmod(os.path.join(www, name), 0o644)
        # Response headers of ~1 KiB and ~60 KiB in all (nginx adds ~150 bytes of its own).
        with open(os.path.join(self.w, "hdr1k.conf"), "w") as f:
            f.write('add_header X-Pad-00 "%s" always;\n' % ("p" * 850))
        with open(os.path.join(self.w, "hdr60k.conf"), "w") as f:
            for i in range(60):
                f.write('add_header X-Pad-%02d "%s" always;\n' % (i, "p" * 1010))

    def start(self):
        self.make_tls()
        self.make_content()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.w, "tmp", sub))
        subst = {"@W@": self.w, "@HTTP_PORT@": str(self.http), "@HTTPS_PORT@": str(self.https)}
        for src, dst in (("bench/nginx.conf.in", "nginx.conf"), ("bench/locations.conf.in", "locations.conf")):
            text = open(src).read()
            for k, v in subst.items():
                text = text.replace(k, v)
            with open(os.path.join(self.w, dst), "w") as f:
                f.write(text)
        conf = os.path.join(self.w, "nginx.conf")
        t = run(["nginx", "-t", "-q", "-p", self.w, "-c", conf])
        if t.returncode != 0:
            raise SystemExit("bench: nginx -t failed:\n" + t.stderr)
        nginx = subprocess.Popen(["nginx", "-p", self.w, "-c", conf],
                                 stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.w, "nginx.out"), "w"))
        self.procs.append(("nginx", nginx))
        grpc = subprocess.Popen([PY, "bench/grpc_server.py", str(self.grpc)], stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(self.w, "grpc.out"), "w"))
        self.procs.append(("grpc server", grpc))
        wait_port(self.http, nginx, "nginx")
        wait_port(self.https, nginx, "nginx")
        wait_port(self.grpc, grpc, "grpc server")
        # A first request each, so that no measurement pays for a cold server.
        run([BB + "/floor-http", "127.0.0.1", str(self.http), "/"])
        run([BB + "/floor-grpc", "127.0.0.1", str(self.grpc)])
        log("servers up: nginx http :%d https :%d, grpc :%d (%s)" % (
            self.http, self.https, self.grpc, open(os.path.join(self.w, "grpc.out")).read().strip()))

    def stop(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []


# --------------------------------------------------------------------------
# Clients

class Client:
    def __init__(self, key, name, binary, argv, note="", alt=None, seq=None):
        self.key, self.name, self.binary, self.argv, self.note = key, name, binary, argv, note
        self.alt = alt   # another spelling of the same probe, tried if argv fails
        self.seq = seq   # several programs, one after the other (`a && b`); argv is the first
        self.ok, self.why = None, ""
        self.m = {}   # measurements

    @property
    def steps(self):
        return self.seq or [self.argv]

    @property
    def cmd(self):
        return " && ".join(" ".join(shlex.quote(a) for a in argv) for argv in self.steps)

    def check(self):
        """Measured only if one probe against the live server exits 0."""
        if self._check() or not self.alt:
            return self.ok
        first, self.argv = (self.argv, self.why), self.alt
        if not self._check():
            self.argv, self.why = first
        return self.ok

    def _check(self):
        if self.seq:
            for argv in self.seq:
                one = Client(self.key, self.name, self.binary, argv)
                if not one.check():
                    self.ok, self.why = False, one.why
                    return False
            self.ok = True
            return True
        try:
            r = run(self.argv, timeout=20)
        except subprocess.TimeoutExpired:
            self.ok, self.why = False, "not measured (probe timed out)"
            return False
        err = (r.stderr.strip().splitlines() or [""])[0][:160]
        if r.returncode == 0:
            self.ok = True
        elif "not supported" in r.stderr:
            self.ok, self.why = False, "not measured (not supported by this build)"
        else:
            self.ok, self.why = False, "not measured (probe failed, exit %d: %s)" % (r.returncode, err or "no message")
        return self.ok


def clients(s):
    H, S, G = str(s.http), str(s.https), str(s.grpc)
    url, surl = "http://127.0.0.1:%s/" % H, "https://127.0.0.1:%s/" % S
    grpc_req = os.path.join(s.w, "grpc-req.bin")
    with open(grpc_req, "wb") as f:
        f.write(b"\0\0\0\0\0")
    lp = LPROBE
    groups = {
        "http": [
            Client("lprobe", "lprobe", lp, [lp, "-port=" + H]),
            Client("floor", "floor-http", BB + "/floor-http", [BB + "/floor-http", "127.0.0.1", H, "/"]),
            Client("curl", "curl", "/usr/bin/curl", ["curl", "-fsS", "-o", "/dev/null", url]),
            Client("wget", "wget", "/usr/bin/wget", ["wget", "-q", "-O", "/dev/null", url]),
            Client("busybox", "busybox wget", "/usr/bin/busybox", ["busybox", "wget", "-q", "-O", "/dev/null", url]),
            Client("noseccomp", "lprobe, no seccomp", BB + "/lprobe-twin/lprobe",
                   [BB + "/lprobe-twin/lprobe", "-port=" + H],
                   "the same sources built with -DLP_NO_SECCOMP (never shipped): the difference is what the seccomp sandbox costs"),
            Client("version", "lprobe -version", lp, [lp, "-version"],
                   "fork + exec + exit of lprobe without a probe: what its binary costs before any I/O"),
            Client("true", "static true", BB + "/true-static", [BB + "/true-static"],
                   "fork + exec + exit of a static binary that does nothing: the cost every client pays"),
        ],
        "https": [
            Client("lprobe", "lprobe -tls", lp, [lp, "-tls", "-tls-ca-cert=" + s.ca, "-port=" + S]),
            Client("curl", "curl", "/usr/bin/curl", ["curl", "-fsS", "--cacert", s.ca, "-o", "/dev/null", surl]),
            Client("wget", "wget", "/usr/bin/wget", ["wget", "-q", "--ca-certificate=" + s.ca, "-O", "/dev/null", surl]),
            Client("busybox", "busybox wget", "/usr/bin/busybox",
                   ["busybox", "wget", "-q", "--no-check-certificate", "-O", "/dev/null", surl],
                   "Debian's busybox wget runs `openssl s_client` for HTTPS (a second program, counted in "
                   "every column; its image needs openssl and its libraries) and does not verify the certificate"),
        ],
        "grpc": [
            Client("lprobe", "lprobe -mode=grpc", lp, [lp, "-mode=grpc", "-port=" + G],
                   alt=[lp, "-addr=127.0.0.1:" + G]),
            Client("floor", "floor-grpc", BB + "/floor-grpc", [BB + "/floor-grpc", "127.0.0.1", G]),
            Client("curl", "curl (h2c POST)", "/usr/bin/curl",
                   ["curl", "-fsS", "--http2-prior-knowledge", "-H", "content-type: application/grpc",
                    "-H", "te: trailers", "--data-binary", "@" + grpc_req, "-o", "/dev/null",
                    "http://127.0.0.1:%s/grpc.health.v1.Health/Check" % G],
                   "checks the HTTP status only, not grpc-status nor SERVING"),
        ],
        "tcp": [
            Client("lprobe", "lprobe -mode=tcp", lp, [lp, "-mode=tcp", "-port=" + H]),
            Client("floor", "floor-http", BB + "/floor-http", [BB + "/floor-http", "127.0.0.1", H, "/"],
                   "connect plus one HTTP request: more work than a TCP probe"),
            Client("true", "static true", BB + "/true-static", [BB + "/true-static"]),
        ],
    }
    return groups


def extra_clients(s):
    """The sandbox's cost (issue 8) and one process for two probes (issue 10)."""
    H, G = str(s.http), str(s.grpc)
    lp, ns = LPROBE, BB + "/lprobe-twin/lprobe"
    return {
        "sandbox": [
            Client("lprobe", "lprobe (seccomp filter)", lp, [lp, "-port=" + H]),
            Client("noseccomp", "lprobe, no seccomp", ns, [ns, "-port=" + H],
                   "built with -DLP_NO_SECCOMP (never shipped): PR_SET_NO_NEW_PRIVS only"),
            Client("floor", "floor-http", BB + "/floor-http", [BB + "/floor-http", "127.0.0.1", H, "/"]),
        ],
        "null": [Client(m, "confine-null " + m, BB + "/confine-null", [BB + "/confine-null", m])
                 for m in ("none", "strict", "filter", "notsc")],
        "multi": [
            Client("one", "one process, two groups", lp, [lp, "-port=" + H, "--", "-mode=grpc", "-port=" + G],
                   "`lprobe -port=H -- -mode=grpc -port=G`: both probes connect, then one seccomp filter, then both talk"),
            Client("two", "two processes, one after the other", lp, [lp, "-port=" + H],
                   seq=[[lp, "-port=" + H], [lp, "-mode=grpc", "-port=" + G]],
                   note="what `lprobe -port=H && lprobe -mode=grpc -port=G` costs, less the shell: the timer "
                        "runs the two execs in sequence, the second only if the first exits 0"),
            Client("http", "HTTP alone", lp, [lp, "-port=" + H]),
            Client("grpc", "gRPC alone", lp, [lp, "-mode=grpc", "-port=" + G]),
        ],
    }


# --------------------------------------------------------------------------
# Measurements

def quant(v):
    """median, p25, p75 of a list"""
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    return statistics.median(v), q[0], q[2]


def timed(tag, cs, work, runs=None, warmup=None):
    """All clients of a table in one measurement, interleaved process by process
    (bench/timer.c): run i runs every command once, in the table's order when i
    is even and reversed when odd, so that a burst of noise on the machine hits
    every client alike.  Wall time per run, and each process's CPU time
    (user+sys, from wait4) and minor page faults."""
    cs = [c for c in cs if c.ok]
    if not cs:
        return
    runs, warmup = runs or RUNS, WARMUP if warmup is None else warmup
    log("timer %s (%d runs): %s" % (tag, runs, ", ".join(c.name for c in cs)))
    spec = os.path.join(work, "timer-%s.spec" % tag)
    with open(spec, "w") as f:
        for i, c in enumerate(cs):
            steps = ["\x1f".join([os.path.realpath(shutil.which(a[0]) or a[0])] + a[1:]) for a in c.steps]
            f.write("%d\x1f%s\n" % (i, "\x1e".join(steps)))
    out = os.path.join(work, "timer-%s.tsv" % tag)
    with open(out, "w") as f:
        r = subprocess.run([BB + "/timer", str(runs), str(warmup), spec], stdout=f, stderr=subprocess.PIPE,
                           text=True, timeout=900)
    if r.returncode != 0:
        raise SystemExit("bench: timer failed:\n" + r.stderr)
    raw = {i: [] for i in range(len(cs))}
    for line in open(out):
        f = line.split("\t")
        raw[int(f[0])].append([int(x) for x in f[2:]])
    nb = max(1, min(ROUNDS, runs // 10))
    for i, c in enumerate(cs):
        v = raw[i]
        bad = sum(1 for x in v if x[6] != 0)
        wall = [x[0] / 1e6 for x in v]                 # ms
        cpu = [(x[1] + x[2]) / 1000 for x in v]        # ms
        t = sorted(wall)
        q20 = statistics.quantiles(t, n=20)
        blk = lambda xs: [statistics.median(xs[k * len(xs) // nb:(k + 1) * len(xs) // nb]) for k in range(nb)]
        med, p25, p75 = quant(wall)
        cmed, c25, c75 = quant(cpu)
        c.m.update(median=med, p25=p25, p75=p75, p5=q20[0], p95=q20[18], min=t[0],
                   mean=statistics.fmean(t), stddev=statistics.stdev(t), runs=len(t),
                   wall=wall, cpu=cpu, rounds=blk(wall), cpu_rounds=blk(cpu),
                   cpu_median=cmed, cpu_p25=c25, cpu_p75=c75,
                   minflt_run=statistics.median(x[3] for x in v), failed_runs=bad)
        if bad:
            log("  %s: %d of %d runs exited non-zero" % (c.name, bad, len(v)))


def callgrind(argv):
    # Children are followed and counted (busybox wget runs openssl for HTTPS).
    # bench/noseccomp makes lprobe's seccomp (strict or filter) a no-op: it would kill valgrind.
    r = run([BB + "/noseccomp", "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--cache-sim=no",
             "--branch-sim=no", "--trace-children=yes"] + argv, timeout=300)
    n = [int(x) for x in re.findall(r"Collected\s*:\s*(\d+)", r.stderr)]
    if r.returncode != 0 or not n:
        return None, (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1][:160]
    m = re.search(r"noseccomp: (\d+) seccomp", r.stderr)
    return sum(n), ("seccomp skipped" if m and m.group(1) != "0" else "")


PERF = None
SECCOMP_SKIPPED = set()


def perf_supported():
    global PERF
    if PERF is None:
        PERF = False
        if shutil.which("perf"):
            r = run(["perf", "stat", "-x,", "-e", "instructions:u", BB + "/true-static"])
            PERF = r.returncode == 0 and re.match(r"^\d+,", r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "") is not None
    return PERF


def perf_instr(argv, reps=20):
    r = run(["perf", "stat", "-x,", "-r", str(reps), "-e", "instructions:u", "--"] + argv, timeout=120)
    for line in r.stderr.splitlines():
        f = line.split(",")
        if len(f) > 2 and "instructions" in line and f[0].isdigit():
            return int(f[0])
    return None


def strace_count(argv, work):
    out = os.path.join(work, "strace.txt")
    r = run(["strace", "-c", "-f", "-o", out] + argv, timeout=120)
    if r.returncode != 0:
        return None, {}
    calls, total = {}, None
    for line in open(out):
        f = line.split()
        if not f or not f[0][0].isdigit():
            continue
        # % time, seconds, usecs/call, calls, [errors], syscall
        if f[-1] == "total":
            total = int(f[3])
        else:
            calls[f[-1]] = int(f[3])
    return total, calls


def maxrss(argv):
    """(peak RSS, anonymous RSS at exit, file-backed RSS at exit) in KiB, minor page faults."""
    r = run([BB + "/maxrss", str(RSS_RUNS)] + argv, timeout=120)
    f = r.stdout.split()
    return tuple(int(x) for x in f) if r.returncode == 0 and len(f) == 4 else (None,) * 4


def gnu_time_maxrss(argv):
    """The largest ru_maxrss GNU time reports over RSS_RUNS runs (KiB), or None."""
    best = None
    for _ in range(RSS_RUNS):
        r = run(["/usr/bin/time", "-f", "%M"] + argv, timeout=60)
        try:
            v = int(r.stderr.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return None
        best = v if best is None else max(best, v)
    return best


def size_info(binary):
    path = os.path.realpath(shutil.which(binary) or binary)
    size = os.path.getsize(path)
    libs = []
    r = run(["ldd", path])
    if r.returncode == 0 and "not a dynamic executable" not in (r.stdout + r.stderr) \
            and "statically linked" not in r.stdout:
        for line in r.stdout.splitlines():
            m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
            if m:
                lib = os.path.realpath(m.group(1))
                libs.append((m.group(1), os.path.getsize(lib)))
    return dict(path=path, size=size, libs=libs, image=size + sum(s for _, s in libs))


def measure_all(c, work):
    if not c.ok:
        return
    if c.seq:   # the programs of a sequence one by one: counts add up, peak RSS is the largest
        parts = [Client(c.key, c.name, c.binary, argv) for argv in c.seq]
        for p in parts:
            p.ok = True
            measure_all(p, work)
        add = lambda k: None if any(p.m.get(k) is None for p in parts) else sum(p.m[k] for p in parts)
        c.m.update(instr=add("instr"), syscalls=add("syscalls"), minflt=add("minflt"),
                   rss=max(p.m["rss"] or 0 for p in parts) or None,
                   rss_anon=max(p.m["rss_anon"] or 0 for p in parts), rss_file=max(p.m["rss_file"] or 0 for p in parts),
                   syscalls_range=tuple(add_r for add_r in (
                       sum(p.m["syscalls_range"][0] or 0 for p in parts), sum(p.m["syscalls_range"][1] or 0 for p in parts))),
                   syscall_list={})
        for p in parts:
            for k, v in (p.m.get("syscall_list") or {}).items():
                c.m["syscall_list"][k] = c.m["syscall_list"].get(k, 0) + v
        return
    n, err = callgrind(c.argv)
    c.m["instr"] = n
    if n is None:
        c.m["instr_err"] = err
    elif err:
        SECCOMP_SKIPPED.add(c.name)
    if perf_supported():
        c.m["perf_instr"] = perf_instr(c.argv)
    # Counts can depend on timing (a non-blocking read that comes too early): 3 runs, the median.
    runs = sorted((strace_count(c.argv, work) for _ in range(STRACE_RUNS)), key=lambda r: r[0] or 0)
    c.m["syscalls"], c.m["syscall_list"] = runs[len(runs) // 2]
    c.m["syscalls_range"] = (runs[0][0], runs[-1][0])
    c.m["rss"], c.m["rss_anon"], c.m["rss_file"], c.m["minflt"] = maxrss(c.argv)
    log("  %-20s instr %-10s syscalls %-5s rss %s KiB" % (c.name, n if n else "-", c.m["syscalls"], c.m["rss"]))


# --------------------------------------------------------------------------
# Report

def fnum(x, fmt="{:,}"):
    return "—" if x is None else fmt.format(x)


def sysc(c):
    """The median syscall count, with the range when the runs differed."""
    n, (lo, hi) = c.m.get("syscalls"), c.m.get("syscalls_range", (None, None))
    if n is None:
        return "—"
    return "{:,}".format(n) if lo == hi else "{:,} ({:,}–{:,})".format(n, lo, hi)


def kib(n):
    return "{:,.0f} KiB".format(n / 1024) if n < 10 << 20 else "%.1f MiB" % (n / 1048576)


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = "?"
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = "%.0f GiB" % (int(line.split()[1]) / 1048576)
    osr = "Linux"
    if os.path.exists("/etc/os-release"):
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osr = line.split("=", 1)[1].strip().strip('"')
    virt = run(["systemd-detect-virt"]).stdout.strip() if shutil.which("systemd-detect-virt") else ""

    def ver(argv):
        try:
            r = run(argv)
        except Exception:
            return "?"
        text = (r.stdout + r.stderr).strip().splitlines()
        return text[0].strip() if text else "?"
    return dict(
        cpu=cpu, cores=os.cpu_count(), mem=mem, os=osr, kernel=platform.release(), arch=platform.machine(),
        virt=virt, date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        lprobe=ver([LPROBE, "-version"]), curl=ver(["curl", "--version"]),
        wget=ver(["wget", "--version"]), busybox=ver(["busybox"]), nginx=ver(["nginx", "-v"]),
        valgrind=ver(["valgrind", "--version"]),
        strace=ver(["strace", "-V"]), musl=ver(["dpkg-query", "-W", "-f=musl-tools ${Version}", "musl-tools"]),
        grpcio=ver([PY, "-c", "import grpc; print('python3-grpcio', grpc.__version__)"]),
        commit=(run(["git", "rev-parse", "--short", "HEAD"]).stdout.strip() or "(no commit)"),
        dirty=bool(run(["git", "status", "--porcelain", "--", "src", "Makefile"]).stdout.strip()),
    )


def spread_of(a, b, op, key="rounds"):
    """op(a, b) of the medians over all runs, and its 95 % half-interval and
    25th–75th percentile over the blocks of consecutive runs (the same runs
    for every client of a table: they are interleaved)."""
    whole = {"rounds": "median", "cpu_rounds": "cpu_median"}[key]
    v = [op(x, y) for x, y in zip(a.m.get(key, []), b.m.get(key, []))]
    mid = op(a.m[whole], b.m[whole])
    if len(v) < 2:
        return mid, None, None, None
    q = statistics.quantiles(v, n=4)
    return mid, 1.96 * statistics.stdev(v) / len(v) ** 0.5, q[0], q[2]


def fmt_delta(t, scale=1000, unit="µs", fmt="{:+.1f}"):
    mid, ci, lo, hi = t
    f = lambda v, sign=True: (fmt if sign else fmt.replace("+", "")).format(v * scale)
    sp = "" if unit == "×" else " "
    txt = f(mid) + sp + unit
    if ci is not None:
        txt += " ± %s (blocks %s to %s)" % (f(ci, False), f(lo), f(hi))
    return txt


def goals(w, g, x):
    sb, mu = x["sandbox"], x["multi"]
    usable = lambda *cs: all(c.ok and c.m.get("median") is not None for c in cs)
    w("## Goals: the sandbox's cost, and the probe against the floor (issues 8 and 10)")
    w("")
    lp, ns = sb["lprobe"], sb["noseccomp"]
    nb = len(lp.m.get("rounds", []))
    w("Measured with `bench/timer.c`: %d runs, each running every command of the table once, one after" % lp.m.get("runs", 0))
    w("the other (reversed on odd runs), after %d warm-up runs. Per process: wall time (vfork to wait4)," % WARMUP)
    w("CPU time (user+sys from wait4: the kernel's run time of the process, exec to exit, exact to the µs;")
    w("its user/sys split is sampled at the tick and not shown), minor page faults. Differences and ratios")
    w("are of the medians over all runs; ± is a 95 %% interval from the same figure over %d blocks of" % nb)
    w("consecutive runs (1.96 × their standard deviation ÷ √%d), *blocks* its 25th–75th percentile there." % nb)
    w("")
    w("| goal | measured | verdict |")
    w("|---|---|---|")

    def goal(name, text, ok):
        w("| %s | %s | %s |" % (name, text if text else "—", "not measured" if ok is None else "meets" if ok else "**MISSES**"))
    verdicts = []
    if usable(lp, ns):
        d = spread_of(lp, ns, lambda a, b: a - b)
        dc = spread_of(lp, ns, lambda a, b: a - b, "cpu_rounds")
        ok = d[0] * 1000 <= G_SANDBOX_US
        verdicts.append(("sandbox ≤ %d µs" % G_SANDBOX_US, ok, "%+.1f µs" % (d[0] * 1000)))
        goal("the sandbox adds ≤ %d µs wall per probe: lprobe − no-seccomp twin" % G_SANDBOX_US,
             "wall %s; CPU %s" % (fmt_delta(d), fmt_delta(dc)), ok)
    else:
        goal("the sandbox adds ≤ %d µs wall per probe" % G_SANDBOX_US, lp.why or ns.why, None)
    fl = sb["floor"]
    if usable(lp, fl):
        r = spread_of(lp, fl, lambda a, b: a / b)
        rc = spread_of(lp, fl, lambda a, b: a / b, "cpu_rounds")
        ok = r[0] <= G_WALL_VS_FLOOR
        verdicts.append(("HTTP wall ≤ %.2f× floor" % G_WALL_VS_FLOOR, ok, "%.2f×" % r[0]))
        goal("HTTP probe's wall time ≤ %.2f× floor-http's" % G_WALL_VS_FLOOR,
             "%s (%.0f vs %.0f µs)" % (fmt_delta(r, 1, "×", "{:.3f}"), lp.m["median"] * 1000, fl.m["median"] * 1000), ok)
        ok = rc[0] <= G_CPU_VS_FLOOR
        verdicts.append(("HTTP CPU ≤ %.2f× floor" % G_CPU_VS_FLOOR, ok, "%.2f×" % rc[0]))
        goal("HTTP probe's CPU time ≤ %.2f× floor-http's" % G_CPU_VS_FLOOR,
             "%s (%.0f vs %.0f µs)" % (fmt_delta(rc, 1, "×", "{:.3f}"), lp.m["cpu_median"] * 1000, fl.m["cpu_median"] * 1000), ok)
    lg, fg = g["grpc"]["lprobe"], g["grpc"]["floor"]
    if usable(lg, fg):
        d = spread_of(lg, fg, lambda a, b: a - b)
        dc = spread_of(lg, fg, lambda a, b: a - b, "cpu_rounds")
        ok = d[0] * 1000 <= G_GRPC_OVER_FLOOR_US
        verdicts.append(("gRPC ≤ +%d µs over floor" % G_GRPC_OVER_FLOOR_US, ok, "%+.0f µs" % (d[0] * 1000)))
        goal("gRPC probe's wall time ≤ floor-grpc's + %d µs (the gRPC table below)" % G_GRPC_OVER_FLOOR_US,
             "wall %s (%.0f vs %.0f µs); CPU %s" % (fmt_delta(d, fmt="{:+.0f}"), lg.m["median"] * 1000, fg.m["median"] * 1000,
                                                    fmt_delta(dc, fmt="{:+.0f}")), ok)
    w("")
    miss = ["%s (%s)" % (n, v) for n, ok, v in verdicts if ok is False]
    w("**Missed: %s.**" % "; ".join(miss) if miss else "Every goal measured is met.")
    w("")
    GOAL_VERDICTS[:] = verdicts

    w("### The sandbox's cost: one plaintext HTTP probe, three builds, interleaved")
    w("")
    w("| build | wall µs, median (p25–p75) | CPU µs, median (p25–p75) | Δ wall vs no seccomp | Δ CPU vs no seccomp | minor page faults | syscalls | instructions |")
    w("|---|--:|--:|--:|--:|--:|--:|--:|")
    marks = {}
    for c in sb.values():
        if not c.ok or c.m.get("median") is None:
            w("| %s | %s | | | | | | |" % (c.name, c.why or "—"))
            continue
        if c.note:
            marks[c.key] = "¹²³⁴⁵"[len(marks)]
        dd = "—" if c.key in ("noseccomp", "floor") or not usable(ns) else "%+.1f" % ((c.m["median"] - ns.m["median"]) * 1000)
        dcpu = "—" if c.key in ("noseccomp", "floor") or not usable(ns) else "%+.1f" % ((c.m["cpu_median"] - ns.m["cpu_median"]) * 1000)
        w("| %s%s | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %s | %s | %s | %s | %s |" % (
            "**%s**" % c.name if c.key == "lprobe" else c.name, " " + marks[c.key] if c.key in marks else "",
            c.m["median"] * 1000, c.m["p25"] * 1000, c.m["p75"] * 1000,
            c.m["cpu_median"] * 1000, c.m["cpu_p25"] * 1000, c.m["cpu_p75"] * 1000, dd, dcpu,
            "%g" % c.m["minflt_run"], sysc(c), fnum(c.m.get("instr"))))
    w("")
    for c in sb.values():
        if c.key in marks:
            w("%s %s: %s.  " % (marks[c.key], c.name, c.note))
    w("Minor page faults: the median per process from wait4 (the timer forks with vfork: nothing of its own is")
    w("counted). Syscalls: `strace -c -f` as in the tables below.")
    w("")
    for key in ("lprobe", "noseccomp", "floor"):
        c = sb[key]
        if c.ok and c.m.get("syscall_list"):
            lst = ", ".join("%s %d" % (k, v) for k, v in sorted(c.m["syscall_list"].items(), key=lambda kv: (-kv[1], kv[0])))
            w("- %s (%d): %s" % (c.name, c.m["syscalls"], lst))
    w("")

    nu = x["null"]
    if usable(*nu.values()):
        base = nu["none"]
        w("Where it goes: the same confinements in a static program that does nothing else (`bench/confine_null.c`:")
        w("PR_SET_NO_NEW_PRIVS, then the confinement, then exit), interleaved, %d runs:" % base.m["runs"])
        w("")
        w("| confine-null | wall µs, median | CPU µs, median | Δ wall vs none | Δ CPU vs none |")
        w("|---|--:|--:|--:|--:|")
        what = {"none": "none (no_new_privs only)", "strict": "strict (SECCOMP_MODE_STRICT)",
                "filter": "filter (one instruction, RET ALLOW)", "notsc": "notsc (PR_SET_TSC → SIGSEGV, no seccomp)"}
        for k, c in nu.items():
            w("| %s | %.1f | %.1f | %s | %s |" % (
                what[k], c.m["median"] * 1000, c.m["cpu_median"] * 1000,
                "—" if k == "none" else fmt_delta(spread_of(c, base, lambda a, b: a - b)),
                "—" if k == "none" else fmt_delta(spread_of(c, base, lambda a, b: a - b, "cpu_rounds"))))
        w("")
        w("On x86 the kernel also disables the time-stamp counter for a process in strict mode")
        w("(`disable_TSC()` in `seccomp_set_mode_strict`): CR4.TSD is then flipped at every context switch")
        w("into or out of the process — a probe blocked in read(2) waiting for its server switches out and")
        w("back in — and in a VM a CR4 write is a trap to the hypervisor. *notsc* is that alone, without seccomp.")
        w("A filter instead costs its allocation and JIT compilation at attach and its release at exit.")
        w("lprobe used strict mode for a single probe at first; measured side by side with the filter in the")
        w("probe itself it cost the same (+33.9 vs +33.1 µs over the no-seccomp twin, 3,000 runs), because the")
        w("probe blocks in read(2) and pays the CR4 trap at each switch, so only the filter is kept (one path).")
        w("")

    w("### One process for HTTP + gRPC, or two (issue 10)")
    w("")
    w("| | wall ms, median (p25–p75) | CPU ms, median (p25–p75) | peak RSS KiB | minor page faults | syscalls | instructions |")
    w("|---|--:|--:|--:|--:|--:|--:|")
    marks = {}
    for c in mu.values():
        if not c.ok or c.m.get("median") is None:
            w("| %s | %s | | | | | |" % (c.name, c.why or "—"))
            continue
        if c.note:
            marks[c.key] = "¹²³⁴⁵"[len(marks)]
        w("| %s%s | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) | %s | %g | %s | %s |" % (
            c.name, " " + marks[c.key] if c.key in marks else "", c.m["median"], c.m["p25"], c.m["p75"],
            c.m["cpu_median"], c.m["cpu_p25"], c.m["cpu_p75"], fnum(c.m.get("rss")), c.m["minflt_run"],
            sysc(c), fnum(c.m.get("instr"))))
    w("")
    for c in mu.values():
        if c.key in marks:
            w("%s %s: %s.  " % (marks[c.key], c.name, c.note))
    w("Peak RSS of the two processes is the larger of the two (they do not run at the same time); their")
    w("page faults, syscalls and instructions add up.")
    w("")
    one, two = mu["one"], mu["two"]
    if usable(one, two):
        d = spread_of(two, one, lambda a, b: a - b)
        dc = spread_of(two, one, lambda a, b: a - b, "cpu_rounds")
        w("One process instead of two saves %s of wall time (%.0f %%) and %s of CPU (%.0f %%); peak RSS %s KiB vs %s KiB." % (
            fmt_delta(d, fmt="{:.1f}"), 100 * d[0] / two.m["median"], fmt_delta(dc, fmt="{:.1f}"), 100 * dc[0] / two.m["cpu_median"],
            fnum(one.m.get("rss")), fnum(two.m.get("rss"))))
        w("")


GOAL_VERDICTS = []


def report(groups, extra, scaling, sizes, true_rss, mach, elapsed, work):
    g = {k: {c.key: c for c in v} for k, v in groups.items()}
    L = []
    w = L.append
    lp_http = g["http"]["lprobe"]

    def ratio(a, b, key="median"):
        if a.ok and b.ok and a.m.get(key) and b.m.get(key):
            return a.m[key] / b.m[key]
        return None

    w("# Benchmarks")
    w("")
    w("<!-- Generated by `make bench` (bench/run.sh); do not edit by hand. -->")
    w("")
    w("What one health probe costs — fork + exec + probe + exit, the way Docker `HEALTHCHECK`, a")
    w("Kubernetes `exec` probe or ECS runs it — for lprobe, the two minimal static C clients kept in")
    w("`bench/` as the floor, curl, wget and busybox wget, against the same servers on loopback, in the")
    w("same run. The machines are noisy: read the **ratios** (the clients of a table are measured")
    w("together, interleaved), not the absolute times.")
    w("")
    w("Produced by:")
    w("")
    w("```sh")
    w("make bench        # = bash bench/run.sh  (BENCH_RUNS=%d BENCH_WARMUP=%d BENCH_ROUNDS=%d BENCH_RSS_RUNS=%d" % (RUNS, WARMUP, ROUNDS, RSS_RUNS))
    w("                  #   BENCH_SANDBOX_RUNS=%d BENCH_MULTI_RUNS=%d)" % (SANDBOX_RUNS, MULTI_RUNS))
    w("```")
    w("")
    w("| machine | |")
    w("|---|---|")
    w("| CPU | %s, %s cores%s |" % (mach["cpu"], mach["cores"], " (%s VM)" % mach["virt"] if mach["virt"] and mach["virt"] != "none" else ""))
    w("| memory | %s |" % mach["mem"])
    w("| OS, kernel | %s, Linux %s (%s) |" % (mach["os"], mach["kernel"], mach["arch"]))
    w("| date | %s (whole run: %.0f s) |" % (mach["date"], elapsed))
    w("| lprobe | `%s`, commit %s%s |" % (mach["lprobe"], mach["commit"], " + uncommitted changes" if mach["dirty"] else ""))
    w("| clients | %s; %s; %s |" % (mach["curl"].split(" (")[0], mach["wget"].split(" built")[0], mach["busybox"].split(" multi")[0]))
    w("| servers | %s; %s (generic handler, `bench/grpc_server.py`) |" % (mach["nginx"].replace("nginx version: ", ""), mach["grpcio"]))
    w("| tools | bench/timer.c; %s; %s; %s |" % (mach["valgrind"], mach["strace"].replace(" -- version", ""), mach["musl"]))
    w("")

    # ---- summary, for the README to quote
    w("## Summary")
    w("")
    hc = [g["http"][k] for k in ("lprobe", "floor", "busybox", "wget", "curl")]
    skey = {"lprobe": "lprobe", "floor": "floor-http", "busybox": "busybox", "wget": "wget", "curl": "curl"}
    w("One plaintext HTTP probe (`GET /` → 200 from nginx on loopback), all clients in the same run:")
    w("")
    w("| | " + " | ".join("**lprobe**" if c.key == "lprobe" else c.name for c in hc) + " |")
    w("|---|" + "--:|" * len(hc))
    row = lambda name, f: w("| %s | %s |" % (name, " | ".join(f(c) if c.ok else "—" for c in hc)))
    row("median wall time", lambda c: "%.2f ms" % c.m["median"])
    row("lprobe's time ÷ this", lambda c: "—" if c.key == "lprobe" else fnum(ratio(lp_http, c), "{:.2f}×"))
    row("user-space instructions", lambda c: fnum(c.m.get("instr")))
    row("syscalls", sysc)
    row("peak RSS", lambda c: "%s KiB" % fnum(c.m.get("rss")))
    w("| size in a scratch image | %s |" % " | ".join(kib(sizes[skey[c.key]]["image"]) for c in hc))
    w("")
    for mode, other in (("https", "curl"), ("grpc", "floor")):
        a, b = g[mode]["lprobe"], g[mode][other]
        if a.ok and b.ok:
            w("- %s: %.2f ms per probe, %.2f× %s's %.2f ms." % (a.name, a.m["median"], ratio(a, b), b.name, b.m["median"]))
        else:
            w("- %s: %s." % (a.name, a.why))
    w("")

    goals(w, g, {k: {c.key: c for c in v} for k, v in extra.items()})

    # ---- targets
    w("## Targets")
    w("")
    w("Reported against, not asserted. Measured on plaintext HTTP unless the row says otherwise. For the")
    w("two wall-time targets, *per block* is the range of the same figure over %d blocks of consecutive runs:" % ROUNDS)
    w("a target inside that range can go either way from one run to the next.")
    w("")
    w("| target | lprobe | verdict |")
    w("|---|---|---|")
    verdicts = []

    def target(name, value, ok, unmeasured_why=None, short=None):
        short = short or name
        if value is None:
            v = unmeasured_why or "not measured"
            if not v.startswith("not measured"):
                v = "not measured (%s)" % v
            verdicts.append((short, None))
        else:
            v = "meets" if ok else "**MISSES**"
            verdicts.append((short, ok))
        w("| %s | %s | %s |" % (name, value if value is not None else "—", v))

    def spread(a, b, op):
        """op over the per-round medians of a and b (same round): min–max across rounds."""
        v = [op(x, y) for x, y in zip(a.m.get("rounds", []), b.m.get("rounds", []))]
        return (min(v), max(v)) if len(v) > 1 else None

    fl = g["http"]["floor"]
    r = ratio(lp_http, fl)
    sp = spread(lp_http, fl, lambda x, y: x / y) if r is not None else None
    target("wall time ≤ %.1f× the floor (floor-http)" % T_WALL_VS_FLOOR,
           None if r is None else "%.2f× (%.3f vs %.3f ms; per block %.2f–%.2f×)" % (
               r, lp_http.m["median"], fl.m["median"], *(sp or (r, r))),
           r is not None and r <= T_WALL_VS_FLOOR, lp_http.why,
           "HTTP wall time vs the floor (%s)" % fnum(r, "{:.2f}×"))
    n = lp_http.m.get("instr") if lp_http.ok else None
    target("≤ %s user-space instructions (callgrind)" % "{:,}".format(T_INSTR), fnum(n) if n else None,
           n is not None and n <= T_INSTR, lp_http.why or lp_http.m.get("instr_err"),
           "HTTP instructions (%s)" % fnum(n))
    n = lp_http.m.get("syscalls") if lp_http.ok else None
    target("≤ %d syscalls (strace -c -f, execve included; median of %d)" % (T_SYSCALLS, STRACE_RUNS),
           sysc(lp_http) if n is not None else None, n is not None and n <= T_SYSCALLS, lp_http.why,
           "HTTP syscalls (%s)" % fnum(n))
    for mode in ("http", "https", "grpc", "tcp"):
        c = g[mode]["lprobe"]
        rss = c.m.get("rss") if c.ok else None
        val = None if rss is None or true_rss is None else "%d KiB (+%d KiB over static `true`'s %d KiB)" % (rss, rss - true_rss, true_rss)
        target("peak RSS ≤ static `true` + %d KiB — %s" % (T_RSS_OVER_TRUE_KIB, c.name),
               val, rss is not None and true_rss is not None and rss - true_rss <= T_RSS_OVER_TRUE_KIB, c.why,
               "peak RSS of %s (+%s KiB)" % (c.name, fnum(None if rss is None or true_rss is None else rss - true_rss)))
    lg, fg = g["grpc"]["lprobe"], g["grpc"]["floor"]
    own = lg.m["median"] - fg.m["median"] if lg.ok and fg.ok else None
    sp = spread(lg, fg, lambda x, y: x - y) if own is not None else None
    target("gRPC probe's own cost (lprobe − floor-grpc, same server, same run) ≤ %.1f ms" % T_GRPC_OWN_MS,
           None if own is None else "%+.3f ms (%.3f vs %.3f ms; per block %+.3f to %+.3f)" % (
               own, lg.m["median"], fg.m["median"], *(sp or (own, own))),
           own is not None and own <= T_GRPC_OWN_MS, lg.why,
           "gRPC own cost (%s ms)" % fnum(own, "{:+.3f}"))
    sz = sizes["lprobe"]["size"]
    target("binary ≤ %d KiB" % T_SIZE_KIB, "%.1f KiB (%s bytes)" % (sz / 1024, "{:,}".format(sz)), sz <= T_SIZE_KIB * 1024,
           short="binary size (%.0f KiB)" % (sz / 1024))
    w("")
    misses = [n for n, ok in verdicts if ok is False]
    unmeasured = [n for n, ok in verdicts if ok is None]
    if misses:
        w("**lprobe misses %d target%s:** %s." % (len(misses), "s" if len(misses) > 1 else "", "; ".join(misses)))
    else:
        w("lprobe meets every target that was measured.")
    if unmeasured:
        w("Not measured: %s." % "; ".join(unmeasured))
    w("")
    ver, tru = g["http"]["version"], g["http"]["true"]
    if all(c.ok and c.m.get("median") for c in (lp_http, fl, ver, tru)):
        w("Where the HTTP probe's time over the floor goes: lprobe takes %+.3f ms more than floor-http;" % (
            lp_http.m["median"] - fl.m["median"]))
        w("`lprobe -version` (exec, start-up and exit, no I/O) already takes %+.3f ms more than a static" % (
            ver.m["median"] - tru.m["median"]))
        w("`true`: that part is the size of what the kernel maps for the binary, not the probe's work.")
        ns = g["http"].get("noseccomp")
        if ns is not None and ns.ok and ns.m.get("median"):
            d = lp_http.m["median"] - ns.m["median"]
            if d > 0:
                w("The seccomp sandbox (SPEC guarantee 4) accounts for %+.3f ms here: the" % d)
                w("same build without it takes %.3f ms (%.2f× the floor); the Goals section has the finer measurement." % (
                    ns.m["median"], ns.m["median"] / fl.m["median"]))
            else:
                w("The same build without seccomp took %.3f ms (%.2f× the floor): in this run the" % (
                    ns.m["median"], ns.m["median"] / fl.m["median"]))
                w("sandbox's cost is lost in the machine's noise.")
        w("")
    w("![binary size and per-probe time](bench.svg)")
    w("")

    # ---- per-protocol tables
    titles = {
        "http": "Plaintext HTTP (`GET /` → 200, body `ok`)",
        "https": "HTTPS (TLS, same nginx, verified against the bench CA unless noted)",
        "grpc": "gRPC (`grpc.health.v1.Health/Check` over h2c, Python grpcio server)",
        "tcp": "TCP (connect only, against nginx's HTTP port)",
    }
    w("## Per probe")
    w("")
    w("Wall time: `bench/timer.c`, %d runs after %d warm-up runs, median and 25th–75th percentile; all rows of a" % (RUNS, WARMUP))
    w("table measured together (interleaved). *lprobe ÷* is lprobe's median divided by that row's. Instructions:")
    w("`valgrind --tool=callgrind` (user space, dynamic loading included)%s." % (
        "; perf stat `instructions:u` in brackets" if perf_supported() else
        " (`perf stat` cannot count instructions on this machine)"))
    w("Syscalls: `strace -c -f` (execve included), the median of %d runs, with the range when they differ." % STRACE_RUNS)
    w("Peak RSS: VmHWM at exit, the max of %d runs (`bench/maxrss.c`; a static" % RSS_RUNS)
    w("`true` is %s KiB)." % true_rss)
    w("")
    for mode, cs in groups.items():
        lpc = g[mode]["lprobe"]
        w("### " + titles[mode])
        w("")
        w("| client | median ms | p25–p75 ms | lprobe ÷ | instructions | syscalls | peak RSS KiB | command |")
        w("|---|--:|--:|--:|--:|--:|--:|---|")
        marks = {}
        for c in cs:
            if c.note:
                marks[c.key] = "¹²³⁴⁵"[len(marks)]
        for c in cs:
            cmd = "`%s`" % c.cmd.replace(ROOT + "/", "").replace(work, "$W").replace("|", "\\|")
            if not c.ok:
                w("| %s | %s | | | | | | %s |" % (c.name, c.why, cmd))
                continue
            rr = ratio(lpc, c)
            ins = fnum(c.m.get("instr"))
            if c.m.get("perf_instr"):
                ins += " [%s]" % fnum(c.m["perf_instr"])
            if c.m.get("instr") is None and c.m.get("instr_err"):
                ins = "failed under valgrind"
            w("| %s%s | %.3f | %.3f–%.3f | %s | %s | %s | %s | %s |" % (
                "**%s**" % c.name if c.key == "lprobe" else c.name,
                " " + marks[c.key] if c.note else "", c.m["median"], c.m["p25"], c.m["p75"],
                "—" if c.key == "lprobe" else fnum(rr, "{:.2f}×"), ins, sysc(c),
                fnum(c.m.get("rss")), cmd))
        notes = [c for c in cs if c.note]
        if notes:
            w("")
            for c in notes:
                w("%s %s: %s.  " % (marks[c.key], c.name, c.note))
        w("")

    # ---- sizes
    w("## Size, and what a scratch image must add")
    w("")
    w("| client | binary | shared libraries a `FROM scratch` image must add | image total |")
    w("|---|--:|---|--:|")
    for key, name in (("lprobe", "lprobe"), ("floor-http", "floor-http"), ("floor-grpc", "floor-grpc"),
                      ("curl", "curl"), ("wget", "wget"), ("busybox", "busybox (static)")):
        s = sizes[key]
        libs = "none (static)" if not s["libs"] else "%d: %s" % (
            len(s["libs"]), ", ".join(os.path.basename(p) for p, _ in s["libs"]))
        w("| %s | %s | %s | %s |" % (name, kib(s["size"]), libs, kib(s["image"])))
    o = sizes["openssl"]
    w("| busybox, for HTTPS | + openssl %s | + %d: %s | %s |" % (
        kib(o["size"]), len(o["libs"]), ", ".join(os.path.basename(p) for p, _ in o["libs"]),
        kib(sizes["busybox"]["image"] + o["image"])))
    w("")
    w("Sizes are of the files as installed (`ldd` resolves the libraries, symlinks followed). For HTTPS")
    w("every client also needs a CA file (lprobe: `-tls-ca-cert` or the system bundle); curl and wget")
    w("also read OpenSSL/GnuTLS configuration when present.")
    w("")

    # ---- scaling
    w("## Scaling: the cost of one probe as the response grows")
    w("")
    w("Same nginx, plaintext HTTP; the three clients of each response size are measured together. lprobe stops")
    w("reading once it has the status line and headers it needs; curl reads (and discards) the whole")
    w("body. A probe must read every header line to find the end of the headers, so header size is")
    w("expected to cost something; body size should not.")
    w("")
    w("| response | client | median ms | p25–p75 ms | lprobe ÷ | instructions | syscalls | peak RSS KiB |")
    w("|---|---|--:|--:|--:|--:|--:|--:|")
    for _, label, cs in scaling:
        lpc = next(c for c in cs if c.key == "lprobe")
        for c in cs:
            if not c.ok:
                w("| %s | %s | %s | | | | | |" % (label, c.name, c.why))
                continue
            w("| %s | %s | %.3f | %.3f–%.3f | %s | %s | %s | %s |" % (
                label, "**lprobe**" if c.key == "lprobe" else c.name, c.m["median"], c.m["p25"], c.m["p75"],
                "—" if c.key == "lprobe" else fnum(ratio(lpc, c), "{:.2f}×"),
                fnum(c.m.get("instr")), sysc(c), fnum(c.m.get("rss"))))
    w("")
    by = {key: {c.key: c for c in cs} for key, _, cs in scaling}

    def grow(key, a, b, metric):
        x, y = by[a][key], by[b][key]
        if not (x.ok and y.ok) or not x.m.get(metric) or not y.m.get(metric):
            return None
        return y.m[metric] / x.m[metric]
    lines = []
    for key, name in (("lprobe", "lprobe"), ("curl", "curl"), ("floor", "floor-http")):
        parts = []
        for metric, mname in (("median", "wall"), ("instr", "instructions"), ("syscalls", "syscalls"), ("rss", "peak RSS")):
            gb, gh = grow(key, "0 B body", "10 MiB body", metric), grow(key, "1 KiB headers", "60 KiB headers", metric)
            parts.append("%s / %s" % (fnum(gb, "{:.2f}×"), fnum(gh, "{:.2f}×")))
        lines.append("| %s | %s |" % (name, " | ".join(parts)))
    w("Growth, as *10 MiB body ÷ 0 B body* / *60 KiB headers ÷ 1 KiB headers*:")
    w("")
    w("| client | wall | instructions | syscalls | peak RSS |")
    w("|---|--:|--:|--:|--:|")
    for line in lines:
        w(line)
    w("")
    gi = grow("lprobe", "0 B body", "10 MiB body", "instr")
    gs = grow("lprobe", "0 B body", "10 MiB body", "syscalls")
    gw = grow("lprobe", "0 B body", "10 MiB body", "median")
    gr = grow("lprobe", "0 B body", "10 MiB body", "rss")
    if None not in (gi, gs, gw, gr):
        flat = gi <= 1.10 and gs <= 1.10 and gr <= 1.10 and gw <= 1.5
        w("**Body size: %s.** From a 0 B to a 10 MiB body lprobe's instructions change %.2f×, its syscalls %.2f×," % (
            "flat" if flat else "not flat", gi, gs))
        w("its peak RSS %.2f× and its median wall time %.2f× (curl: %s instructions, %s syscalls, %s wall)." % (
            gr, gw, fnum(grow("curl", "0 B body", "10 MiB body", "instr"), "{:.2f}×"),
            fnum(grow("curl", "0 B body", "10 MiB body", "syscalls"), "{:.2f}×"),
            fnum(grow("curl", "0 B body", "10 MiB body", "median"), "{:.2f}×")))
        w("")
    a, b = by["1 KiB headers"], by["60 KiB headers"]
    hb = {k: by[k]["curl"].m.get("hdr_bytes") for k in ("1 KiB headers", "60 KiB headers")}
    if a["lprobe"].ok and b["lprobe"].ok and a["lprobe"].m.get("instr") and b["lprobe"].m.get("instr") \
            and None not in hb.values():
        per = lambda k: (b[k].m["instr"] - a[k].m["instr"]) / (hb["60 KiB headers"] - hb["1 KiB headers"])
        w("**Header size:** lprobe must read to the end of the headers, so this cannot be free; from 1 KiB")
        w("to 60 KiB of headers lprobe's instructions grow %.1f× (%.0f per extra header byte; curl: %s per" % (
            b["lprobe"].m["instr"] / a["lprobe"].m["instr"], per("lprobe"),
            "%.0f" % per("curl") if b["curl"].ok and a["curl"].ok and b["curl"].m.get("instr") and a["curl"].m.get("instr") else "—"))
        w("byte), its syscalls %s and its median wall time %s." % (
            fnum(grow("lprobe", "1 KiB headers", "60 KiB headers", "syscalls"), "{:.2f}×"),
            fnum(grow("lprobe", "1 KiB headers", "60 KiB headers", "median"), "{:.2f}×")))
        w("")

    # ---- lprobe's syscalls and memory
    w("## lprobe per mode: system calls and memory")
    w("")
    w("Peak RSS, and what is resident at exit: anonymous memory (stack, heap, .data/.bss written) and")
    w("file-backed pages (the binary itself: the kernel maps up to 64 KiB around each page fault in")
    w("the binary, so touching a little code makes much of a small binary resident).")
    w("")
    w("| mode | peak RSS | anonymous at exit | file-backed at exit | minor page faults | binary |")
    w("|---|--:|--:|--:|--:|--:|")
    base = g["http"]["true"]
    for c in [g[m]["lprobe"] for m in ("http", "https", "grpc", "tcp")] + [base]:
        if c.ok and c.m.get("rss"):
            w("| %s | %d KiB | %d KiB | %d KiB | %d | %s |" % (
                c.name, c.m["rss"], c.m["rss_anon"], c.m["rss_file"], c.m["minflt"],
                kib(os.path.getsize(os.path.realpath(c.binary)))))
        else:
            w("| %s | %s | | | | |" % (c.name, c.why or "—"))
    fl = g["http"]["floor"]
    if fl.ok and fl.m.get("minflt") is not None:
        w("| *floor-http* | %d KiB | %d KiB | %d KiB | %d | %s |" % (
            fl.m["rss"], fl.m["rss_anon"], fl.m["rss_file"], fl.m["minflt"],
            kib(os.path.getsize(os.path.realpath(fl.binary)))))
    w("")
    gt = [(c.name, c.m.get("gnu_rss")) for c in [g[m]["lprobe"] for m in ("http", "https", "grpc", "tcp")] + [base]
          if c.ok and c.m.get("gnu_rss")]
    if gt:
        w("Measured the way the issue's \"a static `true` has ~444 KiB\" was (GNU `time`'s `ru_maxrss`,")
        w("the max of %d runs), which also counts the measuring process's pre-exec fork: %s." % (
            RSS_RUNS, ", ".join("%s %d KiB" % (n, v) for n, v in gt)))
        w("By that measure every mode is within %d KiB of a static `true`; VmHWM above is the finer view." % T_RSS_OVER_TRUE_KIB
          if all(v - gt[-1][1] <= T_RSS_OVER_TRUE_KIB for _, v in gt) else
          "By that measure not every mode is within %d KiB of a static `true`." % T_RSS_OVER_TRUE_KIB)
        w("")
    w("Every page fault and every page mapped is kernel time in each probe's wall time, so the resident")
    w("size of the binary shows up in the wall-time ratio to the floor as well as in the RSS target.")
    w("")
    w("System calls, from `strace -c -f` (counts; execve is the exec of lprobe itself):")
    w("")
    for mode in ("http", "https", "grpc", "tcp"):
        c = g[mode]["lprobe"]
        if c.ok and c.m.get("syscall_list"):
            lst = ", ".join("%s %d" % (k, v) for k, v in sorted(c.m["syscall_list"].items(), key=lambda kv: (-kv[1], kv[0])))
            w("- **%s** (%d): %s" % (c.name, c.m["syscalls"], lst))
        else:
            w("- **%s**: %s" % (c.name, c.why or "—"))
    w("")

    # ---- method
    w("## Method and caveats")
    w("")
    w("- Servers: nginx (one worker, `access_log off`, `sendfile`) for HTTP and HTTPS, with an ECDSA")
    w("  P-256 and an RSA-2048 certificate from a CA made by `openssl` at bench time (SAN 127.0.0.1,")
    w("  localhost); the gRPC server is `bench/grpc_server.py` (python3-grpcio, SERVING). All on")
    w("  127.0.0.1, started and stopped by the script.")
    w("- The floors `bench/floor_http.c` and `bench/floor_grpc.c` are static musl binaries (`-Os`,")
    w("  stripped) that do the least a probe can: no timeouts, no parsing beyond the status code (HTTP)")
    w("  or the SERVING bytes and the trailers' END_STREAM (gRPC). lprobe does strictly more (flags and")
    w("  environment, deadlines, header parsing, its sandbox), so a ratio near 1 is the best possible.")
    seen = set()
    for mode in ("http", "https", "grpc", "tcp"):
        seen |= set(g[mode]["lprobe"].m.get("syscall_list") or {})
    if seen and not seen & {"seccomp", "prctl"}:
        w("- This build of lprobe made no `prctl`/`seccomp` call in any mode measured: it ran without its")
        w("  seccomp sandbox, whose cost is therefore not in these numbers.")
    w("- The wall times of one table come from one `bench/timer` run (vfork + exec, no shell): %d runs" % RUNS)
    w("  after %d warm-up runs, each running every command of the table once, in the table's order on" % WARMUP)
    w("  even runs and reversed on odd ones: a burst of noise on the machine hits every client alike.")
    w("  Each probe is a new process and a new connection. Its CPU time is wait4's user+sys of that")
    w("  process (exact in sum; the kernel samples only its split at the tick).")
    w("- Instructions are callgrind's `Collected` count: user space only, the kernel's work is not in")
    w("  it. For dynamic clients it includes the dynamic loader and library initialisation, which a")
    w("  probe pays on every run.")
    w("- Peak RSS is VmHWM read from `/proc/PID/status` while the probe is stopped at exit")
    w("  (ptrace `PTRACE_O_TRACEEXIT`). `getrusage`/`/usr/bin/time -v` are not used: on this kernel")
    w("  their `ru_maxrss` for a tiny static process reads 0 (per-CPU RSS counters read")
    w("  approximately), and it also counts the pre-exec fork of the measuring process.")
    if SECCOMP_SKIPPED:
        w("- lprobe confines itself with a seccomp filter once connected, which")
        w("  would also kill valgrind (valgrind makes its own system calls in the same process). Under")
        w("  callgrind only, `bench/noseccomp.c` (a ptrace tracer) turns every `prctl(PR_SET_SECCOMP)` and")
        w("  `seccomp(2)`, strict or filter, into a no-op that returns success, so the count is of lprobe's")
        w("  own code, filter construction included (%s)." % ", ".join(sorted(SECCOMP_SKIPPED)))
    w("- A mode is measured only if a probe against the live server exits 0; otherwise the row says why.")
    w("")
    return "\n".join(L) + "\n"


def chart(groups, sizes, work):
    """Data for bench/chart.gp: sizes, and per-probe median wall time per client and mode."""
    sz = os.path.join(work, "sizes.dat")
    with open(sz, "w") as f:
        f.write("# label binary_KiB image_KiB\n")
        for key, label in (("lprobe", "lprobe"), ("floor-http", "floor-http"), ("floor-grpc", "floor-grpc"),
                           ("busybox", "busybox"), ("wget", "wget"), ("curl", "curl")):
            s = sizes[key]
            f.write('"%s" %.1f %.1f\n' % (label, s["size"] / 1024, s["image"] / 1024))
            if key == "busybox":   # Debian's busybox wget runs openssl for HTTPS
                f.write('"busybox (HTTPS)" %.1f %.1f\n' % (s["size"] / 1024, (s["image"] + sizes["openssl"]["image"]) / 1024))
    tm = os.path.join(work, "times.dat")
    color = {"lprobe": 1, "floor": 2, "true": 2, "curl": 3, "wget": 4, "busybox": 5}
    with open(tm, "w") as f:
        f.write("# label median_ms p25 p75 color\n")
        for mode, cs in groups.items():
            for c in cs:
                if not c.ok or (mode == "tcp" and c.key != "lprobe") or c.key in ("version", "noseccomp"):
                    continue
                if c.key == "true" and mode != "http":
                    continue
                name = {"lprobe": "lprobe", "floor": c.name, "curl": "curl", "wget": "wget",
                        "busybox": "busybox wget", "true": "static true"}[c.key]
                m = {"http": "HTTP", "https": "HTTPS", "grpc": "gRPC", "tcp": "TCP"}[mode]
                name = name.replace("busybox wget", "busybox")
                label = name.replace(" ", "\\n") if c.key in ("true", "floor") else "%s\\n%s" % (name, m)
                f.write('"%s" %.4f %.4f %.4f %d\n' % (label, c.m["median"], c.m["p25"], c.m["p75"], color[c.key]))
    os.makedirs(OUT, exist_ok=True)
    svg = os.path.join(OUT, "bench.svg")
    for term, out in (("svg", svg), ("png", os.path.join(work, "bench.png"))):
        r = run(["gnuplot", "-e", "sizes='%s'; times='%s'; out='%s'; term='%s'" % (sz, tm, out, term),
                 "bench/chart.gp"])
        if r.returncode != 0:
            raise SystemExit("bench: gnuplot failed:\n" + r.stderr)
    return svg


# --------------------------------------------------------------------------

def main():
    work = tempfile.mkdtemp(prefix="lprobe-bench.")
    os.chmod(work, 0o755)   # nginx's worker may run as nobody
    servers = Servers(work)

    def on_signal(sig, frame):
        raise SystemExit("bench: interrupted (signal %d)" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        servers.start()
        groups = clients(servers)

        log("checking which clients and modes work")
        for mode, cs in groups.items():
            for c in cs:
                if c.ok is None:
                    c.check()
                if not c.ok:
                    log("  %s %s: %s" % (mode, c.name, c.why))

        for mode, cs in groups.items():
            timed(mode, cs, work)
        log("instructions, syscalls, peak RSS")
        for mode, cs in groups.items():
            for c in cs:
                measure_all(c, work)
        extra = extra_clients(servers)
        for cs in extra.values():
            for c in cs:
                c.check()
                if not c.ok:
                    log("  %s: %s" % (c.name, c.why))
        timed("sandbox", extra["sandbox"], work, runs=SANDBOX_RUNS)
        timed("multi", extra["multi"], work, runs=MULTI_RUNS)
        timed("null", extra["null"], work, runs=SANDBOX_RUNS)
        # counts do not depend on the interleaving: reuse the per-mode tables' where they have the client
        same = {("sandbox", "lprobe"): ("http", "lprobe"), ("sandbox", "floor"): ("http", "floor"),
                ("sandbox", "noseccomp"): ("http", "noseccomp"), ("multi", "http"): ("http", "lprobe"),
                ("multi", "grpc"): ("grpc", "lprobe")}
        for tab, cs in extra.items():
            for c in cs if tab != "null" else ():
                src = same.get((tab, c.key))
                src = next((x for x in groups[src[0]] if x.key == src[1]), None) if src else None
                if src is not None and src.ok and c.ok:
                    for k in ("instr", "instr_err", "perf_instr", "syscalls", "syscall_list", "syscalls_range",
                              "rss", "rss_anon", "rss_file", "minflt"):
                        if k in src.m:
                            c.m[k] = src.m[k]
                else:
                    measure_all(c, work)
        true_rss = next(c for c in groups["http"] if c.key == "true").m.get("rss")
        # The "static true has ~444 KiB" comes from GNU time's ru_maxrss,
        # which counts the pre-exec fork: record that view too, for comparison.
        if os.access("/usr/bin/time", os.X_OK):
            for mode in ("http", "https", "grpc", "tcp"):
                for c in groups[mode]:
                    if c.key in ("lprobe", "true") and c.ok:
                        c.m["gnu_rss"] = gnu_time_maxrss(c.argv)

        # Scaling: lprobe, the floor and curl against growing responses.
        H = str(servers.http)
        scaling = []
        for key, path in (("0 B body", "/body/0"), ("64 KiB body", "/body/64k"), ("10 MiB body", "/body/10m"),
                          ("1 KiB headers", "/hdr1k"), ("60 KiB headers", "/hdr60k")):
            url = "http://127.0.0.1:%s%s" % (H, path)
            label = key
            hb = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{size_header}", url]).stdout.strip()
            if "headers" in key:   # the real size of the header block
                label = "%s (%s B)" % (key, "{:,}".format(int(hb)) if hb.isdigit() else "?")
            cs = [Client("lprobe", "lprobe", LPROBE, [LPROBE, "-port=" + H, "-endpoint=" + path]),
                  Client("floor", "floor-http", BB + "/floor-http", [BB + "/floor-http", "127.0.0.1", H, path]),
                  Client("curl", "curl", "/usr/bin/curl", ["curl", "-fsS", "-o", "/dev/null", url])]
            for c in cs:
                c.check()
            timed("scale-" + path.strip("/").replace("/", "-"), cs, work)
            for c in cs:
                measure_all(c, work)
                c.m["hdr_bytes"] = int(hb) if hb.isdigit() else None
            scaling.append((key, label, cs))
    finally:
        servers.stop()
        log("servers stopped")

    sizes = {k: size_info(b) for k, b in (("lprobe", LPROBE), ("floor-http", BB + "/floor-http"),
                                          ("floor-grpc", BB + "/floor-grpc"), ("curl", "curl"),
                                          ("wget", "wget"), ("busybox", "busybox"), ("openssl", "openssl"))}
    mach = machine()
    elapsed = time.monotonic() - T0
    os.makedirs(OUT, exist_ok=True)
    md = report(groups, extra, scaling, sizes, true_rss, mach, elapsed, work)
    with open(os.path.join(OUT, "BENCHMARKS.md"), "w") as f:
        f.write(md)
    svg = chart(groups, sizes, work)
    keep = os.path.join(BB, "last-run")
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(work, keep, ignore=shutil.ignore_patterns("www", "tmp", "*.key"))
    shutil.rmtree(work, ignore_errors=True)
    log("wrote %s/BENCHMARKS.md and %s (raw data and a PNG preview in %s)" % (OUT, svg, keep))


if __name__ == "__main__":
    main()
