"""Fixtures for the lprobe integration tests: the binary, a real nginx, loopback servers.

Run from the repository root after `make`:

    /usr/bin/python3 -m pytest tests/integration

Set LPROBE=/path/to/lprobe to test another build.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import servers

REPO = Path(__file__).resolve().parents[2]
LPROBE = Path(os.environ.get("LPROBE", REPO / "build" / "lprobe"))
TIME = "/usr/bin/time"
# make sanitize / make valgrind: an instrumented lprobe, whose memory and
# system calls are the instrumentation's (no RSS or strace assertions)
INSTRUMENTED = os.environ.get("LPROBE_INSTRUMENTED") == "1"

# Variables that must not leak from the developer's shell into a probe run.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

KIB = 1024
MIB = 1024 * KIB


# -- running lprobe ------------------------------------------------------------------------

@dataclass
class ProbeRun:
    """What one lprobe run did, with assertions on the shape of its output."""

    args: list
    returncode: int
    stdout: bytes
    stderr: bytes
    elapsed: float
    max_rss_kib: int = None

    def __str__(self):
        return (f"lprobe {' '.join(self.args)}\n  exit {self.returncode} "
                f"after {self.elapsed * 1000:.0f} ms\n  stdout {self.stdout!r}\n"
                f"  stderr {self.stderr!r}")

    @property
    def message(self):
        """The one `lprobe: ...` line on stderr (asserting there is exactly one)."""
        assert self.stdout == b"", f"failure wrote to stdout\n{self}"
        assert self.stderr.startswith(b"lprobe: "), f"stderr does not start 'lprobe: '\n{self}"
        assert self.stderr.count(b"\n") == 1 and self.stderr.endswith(b"\n"), (
            f"stderr is not exactly one line\n{self}")
        line = self.stderr[:-1]
        assert all(0x20 <= byte < 0x7F for byte in line), (
            f"stderr has bytes that are not printable ASCII\n{self}")
        return line.decode("ascii")

    def assert_healthy(self):
        assert (self.returncode, self.stdout, self.stderr) == (0, b"", b""), (
            f"expected healthy: exit 0 and no output\n{self}")

    def assert_failed(self, *fragments, exit_code=1):
        """Assert the exit status and one stderr line holding each fragment; return it."""
        assert self.returncode == exit_code, f"expected exit {exit_code}\n{self}"
        message = self.message
        for fragment in fragments:
            assert fragment in message, f"{fragment!r} missing from the message\n{self}"
        return message

    def assert_within(self, seconds):
        assert self.elapsed < seconds, (
            f"took {self.elapsed * 1000:.0f} ms, over {seconds * 1000:.0f} ms\n{self}")


def probe_environment(extra):
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("LPROBE_") and name.lower() not in PROXY_VARIABLES}
    env.update(extra or {})
    return env


@pytest.fixture
def lprobe():
    """Run the lprobe binary: `lprobe("-port=80", env={...})` returns a ProbeRun.

    The environment is scrubbed of LPROBE_* and proxy variables unless `env` sets them.
    `prefix` is a wrapper command such as strace. `measure_rss=True` runs lprobe under
    /usr/bin/time to learn its peak RSS: a child spawned straight from Python reports
    Python's own RSS, which the kernel carries over the vfork + exec.
    """
    if not LPROBE.is_file():
        pytest.fail(f"{LPROBE} is missing: run `make` in {REPO} first")

    def run(*args, env=None, timeout=10.0, measure_rss=False, prefix=()):
        args = [str(arg) for arg in args]
        command = [*prefix, str(LPROBE), *args]
        with tempfile.NamedTemporaryFile() as rss_file:
            if measure_rss:
                if INSTRUMENTED:
                    pytest.skip("peak RSS means nothing for a sanitizer/valgrind build")
                if not os.access(TIME, os.X_OK):
                    pytest.skip(f"{TIME} (package `time`) is needed to measure peak RSS")
                command = [TIME, "-o", rss_file.name, "-f", "%M", *command]
            started = time.monotonic()
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       env=probe_environment(env))
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                pytest.fail(f"lprobe {' '.join(args)} still running after {timeout} s")
            elapsed = time.monotonic() - started
            max_rss = None
            if measure_rss:
                max_rss = int(Path(rss_file.name).read_text().split()[-1])
        return ProbeRun(args, process.returncode, stdout, stderr, elapsed, max_rss)

    return run


# -- loopback servers ----------------------------------------------------------------------

@pytest.fixture
def serve():
    """Start a servers.Server: `serve(servers.silent, host="::1")`; stopped at teardown."""
    started = []

    def start(behaviour, **options):
        server = servers.Server(behaviour, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def closed_port():
    """A port number on which both 127.0.0.1 and ::1 refuse connections."""
    port = servers.ClosedPort()
    yield port.port
    port.close()


@pytest.fixture
def socket_dir():
    """A short-lived private directory for unix sockets (short path: sun_path is 108 bytes)."""
    path = tempfile.mkdtemp(prefix="lprobe-sock-")
    yield Path(path)
    shutil.rmtree(path, ignore_errors=True)


# -- nginx ---------------------------------------------------------------------------------

NGINX = "/usr/sbin/nginx"
BIG_SIZE = 10 * MIB
START_MARKER = b"BIG-START-MARKER"
LATE_MARKER = b"BIG-LATE-MARKER"        # starts 1 KiB after the first 64 KiB of the body
EDGE_MARKER = b"EDGE-MARKER"            # ends exactly at byte 64 KiB of the body
CHUNKED_MARKER = b"chunked-marker"

NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 128; }}
http {{
    log_format probe '$remote_addr "$request" $status';
    access_log {dir}/access.log probe;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    default_type text/plain;

    server {{
        listen 127.0.0.1:{port};
        listen [::1]:{port};
        listen unix:{dir}/nginx.sock;

        location = /        {{ return 200 "ok"; }}
        location = /healthz {{ return 200 "status: healthy"; }}
        location = /204     {{ return 204; }}
        location = /301     {{ return 301 http://169.254.169.254/; }}
        location = /302-local {{ return 302 http://127.0.0.1:{port}/healthz?$args; }}
        location = /404     {{ return 404; }}
        location = /503     {{ return 503; }}
        location = /big     {{ alias {dir}/www/big.txt; }}
        location = /edge    {{ alias {dir}/www/edge.txt; }}
        # sub_filter drops Content-Length, so nginx falls back to chunked encoding.
        location = /chunked {{
            alias {dir}/www/chunked.txt;
            sub_filter_types text/plain;
            sub_filter 'never-matches' 'x';
        }}
    }}

    server {{
        listen [::1]:{v6_only_port};
        location / {{ return 200 "ipv6 only"; }}
    }}
}}
"""


def write_site(www):
    www.mkdir()
    late_at = 64 * KIB + KIB
    big = START_MARKER + b"\n" + b"." * (late_at - len(START_MARKER) - 1) + LATE_MARKER
    (www / "big.txt").write_bytes(big + b"." * (BIG_SIZE - len(big)))
    edge = b"." * (64 * KIB - len(EDGE_MARKER)) + EDGE_MARKER
    (www / "edge.txt").write_bytes(edge + b"." * (4 * KIB))
    (www / "chunked.txt").write_bytes(b"hello " + CHUNKED_MARKER + b" world\n")


class Nginx:
    """A private nginx: 127.0.0.1 and [::1] on `port`, [::1] only on `v6_only_port`
    (127.0.0.1 refuses there), and `unix_path`."""

    start_marker = START_MARKER.decode()
    late_marker = LATE_MARKER.decode()
    edge_marker = EDGE_MARKER.decode()
    chunked_marker = CHUNKED_MARKER.decode()

    def __init__(self, directory):
        self.dir = directory
        self.unix_path = str(directory / "nginx.sock")
        self.access_log = directory / "access.log"
        (directory / "tmp").mkdir()
        write_site(directory / "www")

    def start(self):
        main, v6_only = servers.ClosedPort(), servers.ClosedPort()
        self.port, self.v6_only_port = main.port, v6_only.port
        self._guard = v6_only           # keeps 127.0.0.1:v6_only_port refusing
        main.close()
        v6_only.release("::1")
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.dir, port=self.port,
                                          v6_only_port=self.v6_only_port))
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self._wait_ready(deadline=time.monotonic() + 5)

    def _wait_ready(self, deadline):
        targets = [(socket.AF_INET, ("127.0.0.1", self.port)),
                   (socket.AF_INET6, ("::1", self.port)),
                   (socket.AF_INET6, ("::1", self.v6_only_port)),
                   (socket.AF_UNIX, self.unix_path)]
        while targets and time.monotonic() < deadline and self.process.poll() is None:
            family, address = targets[0]
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                try:
                    sock.connect(address)
                    targets.pop(0)
                    continue
                except OSError:
                    pass
            time.sleep(0.02)
        if not targets:
            return True
        self.stop()
        return False

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._guard.close()

    def requests_with(self, token, settle=0.2):
        """Access-log lines containing `token` (waiting briefly for nginx to write them)."""
        def matching():
            return [line for line in self.access_log.read_text().splitlines() if token in line]

        deadline = time.monotonic() + 2
        while not matching() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(settle)   # give a second (wrong) request, e.g. a followed redirect, time
        return matching()


@pytest.fixture(scope="session")
def nginx():
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} is missing: apt-get install nginx-light")
    directory = Path(tempfile.mkdtemp(prefix="lprobe-nginx-"))
    server = Nginx(directory)
    try:
        for _ in range(3):      # a port may be taken between choosing and binding it
            if server.start():
                break
        else:
            errors = (directory / "error.log").read_text(errors="replace")
            pytest.fail(f"nginx did not start:\n{errors}")
        yield server
        server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
