#!/usr/bin/python3
"""HTTPS probe cost of the two TLS builds of lprobe, beside curl (issue 12).

    make all && make TLS=openssl all && /usr/bin/python3 bench/tls_backends.py

One loopback nginx (EC and RSA certificates, TLS 1.2 and 1.3, no session reuse) and, per
client, ROUNDS x RUNS probes `GET /` interleaved round by round (the client order rotates):
CPU time (user + sys of the child, from wait4), wall time (spawn to reap), then
user-space instructions (callgrind; bench/noseccomp lets valgrind run a process that
installs a seccomp filter), peak RSS (bench/maxrss: VmHWM, with its anonymous and file
parts) and binary size.  Prints a Markdown table.  Environment: BENCH_ROUNDS (20),
BENCH_RUNS (20).
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from certs import make_pki  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
BUILD = REPO / "build"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(work, pki):
    port = free_port()
    for d in ("b", "p", "f", "u", "s"):
        (work / d).mkdir()
    conf = work / "nginx.conf"
    conf.write_text(f"""daemon off; master_process off; worker_processes 1;
pid {work}/nginx.pid; error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {work}/b; proxy_temp_path {work}/p; fastcgi_temp_path {work}/f;
  uwsgi_temp_path {work}/u; scgi_temp_path {work}/s;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {pki['server_ec_cert']}; ssl_certificate_key {pki['server_ec_key']};
    ssl_certificate {pki['server_cert']}; ssl_certificate_key {pki['server_key']};
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;
    location / {{ return 200 "ok\\n"; }}
  }}
}}
""")
    proc = subprocess.Popen(["/usr/sbin/nginx", "-p", str(work), "-c", str(conf),
                             "-e", str(work / "error.log")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise SystemExit("nginx did not start")


def run_once(argv):
    """(cpu seconds, wall seconds) of one run; the run must succeed."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, {"PATH": "/usr/bin:/bin"},
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed: {status}")
    return ru.ru_utime + ru.ru_stime, wall


def instructions(argv, traced):
    out = tempfile.NamedTemporaryFile(delete=False)
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", *argv]
    if traced:
        cmd = [str(BUILD / "noseccomp"), *cmd]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env={"PATH": "/usr/bin:/bin", "NOSECCOMP_QUIET": "1"})
    os.unlink(out.name)
    m = re.search(rb"Collected : (\d+)", p.stderr)
    return int(m.group(1)) if m else None


def peak_rss(argv):
    p = subprocess.run([str(BUILD / "maxrss"), "10", *argv], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, check=True)
    return [int(x) for x in p.stdout.split()[:3]]  # VmHWM, RssAnon, RssFile (KiB)


def main():
    for tool in ("valgrind", "curl", "/usr/sbin/nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"tls_backends: {tool} missing (make deps)")
    subprocess.run(["make", "-s", "-C", str(REPO), "build/noseccomp"], check=True)
    subprocess.run(["cc", "-O2", "-o", str(BUILD / "maxrss"), str(REPO / "bench/maxrss.c")],
                   check=True)
    work = Path(tempfile.mkdtemp(prefix="lprobe-tlsbench-"))
    pki = make_pki(work / "pki")
    nginx, port = start_nginx(work, pki)
    ca = str(pki["ca_cert"])
    clients = {
        "lprobe (BearSSL)": ([str(BUILD / "lprobe"), "-tls", f"-tls-ca-cert={ca}",
                              f"-port={port}"], True),
        "lprobe (OpenSSL)": ([str(BUILD / "openssl" / "lprobe"), "-tls", f"-tls-ca-cert={ca}",
                              f"-port={port}"], True),
        "curl": ([shutil.which("curl"), "-s", "-o", "/dev/null", "--cacert", ca,
                  f"https://127.0.0.1:{port}/"], False),
    }
    try:
        cpu = {k: [] for k in clients}
        wall = {k: [] for k in clients}
        names = list(clients)
        for argv, _ in clients.values():
            for _ in range(5):  # warm-up
                run_once(argv)
        for r in range(ROUNDS):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                for _ in range(RUNS):
                    c, w = run_once(clients[name][0])
                    cpu[name].append(c)
                    wall[name].append(w)
        rows = {}
        for name, (argv, traced) in clients.items():
            rows[name] = {
                "cpu": statistics.mean(cpu[name]) * 1e3,
                "wall": statistics.median(wall[name]) * 1e3,
                "ins": instructions(argv, traced),
                "rss": peak_rss(argv),
                "size": os.path.getsize(argv[0]),
            }
    finally:
        nginx.terminate()
        nginx.wait(5)
        shutil.rmtree(work, ignore_errors=True)
    base = rows["lprobe (BearSSL)"]["cpu"]
    print(f"{ROUNDS} rounds x {RUNS} runs per client, interleaved; nginx TLS 1.2+1.3, EC+RSA\n")
    print("| | " + " | ".join(f"**{n}**" for n in rows) + " |")
    print("|---|" + "--:|" * len(rows))
    line = lambda label, f: print(f"| {label} | " + " | ".join(f(r) for r in rows.values()) + " |")
    line("CPU (user+sys) per probe, mean", lambda r: f"{r['cpu']:.2f} ms")
    line("CPU ÷ BearSSL build's", lambda r: f"{r['cpu'] / base:.2f}×")
    line("wall per probe, median", lambda r: f"{r['wall']:.2f} ms")
    line("user-space instructions", lambda r: f"{r['ins']:,}" if r["ins"] else "n/a")
    line("peak RSS (anon + file)",
         lambda r: f"{r['rss'][0]:,} KiB ({r['rss'][1]:,} + {r['rss'][2]:,})")
    line("binary size", lambda r: f"{r['size'] / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
