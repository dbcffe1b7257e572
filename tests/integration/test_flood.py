"""SPEC guarantee 3 against peers that never stop sending valid-looking traffic.

Each flood is made of pieces that are each harmless -- TLS warning alerts, empty records,
HTTP/2 frames that call for no answer, chunk extensions -- so a probe that handles every
piece as it comes, and looks at its clock only when the socket runs dry, never ends. The
contract: whatever the peer sends, the probe ends within its timeout plus a little, with
one line and exit 1, and spends less CPU than the timeout.

Also here: TLS files that are not regular files (a FIFO nobody writes to would block
open(2) or read(2) for ever) are refused at once.
"""

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

import pytest

import h2_hostile
import servers
from conftest import INSTRUMENTED, LPROBE, ProbeRun, probe_environment

TIMEOUT_MS = 100
TIMEOUT = TIMEOUT_MS / 1000
WALL_BUDGET = TIMEOUT + 0.150   # seconds: the timeout plus start-up and a loaded machine
CPU_BUDGET = TIMEOUT            # SPEC: "CPU time below the timeouts"
KILL_AFTER = 3.0                # seconds: a probe that loops for ever is killed here


@dataclass
class MeasuredRun(ProbeRun):
    cpu: float = None           # seconds of user + system CPU of the probe process
    killed: bool = False

    def __str__(self):
        return (super().__str__() + f"\n  cpu {self.cpu * 1000:.0f} ms"
                + ("\n  KILLED: still running after %.0f s" % KILL_AFTER if self.killed
                   else ""))


def run_measured(*args, env=None):
    """Run lprobe and read its own CPU time from wait4(2)'s rusage."""
    if not LPROBE.is_file():
        pytest.fail(f"{LPROBE} is missing: run `make` first")
    args = [str(arg) for arg in args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen([str(LPROBE), *args], stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err, env=probe_environment(env))
        killed = threading.Event()

        def kill():
            killed.set()
            process.kill()

        watchdog = threading.Timer(KILL_AFTER, kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return MeasuredRun(args, process.returncode, out.read(), err.read(), elapsed,
                           cpu=usage.ru_utime + usage.ru_stime, killed=killed.is_set())


def assert_bounded_failure(run):
    """Exit 1 with one `lprobe: ` line, in time, and with less CPU than the timeout."""
    assert not run.killed, f"the probe never ended\n{run}"
    assert run.returncode == 1, f"expected exit 1 (a flood is not healthy)\n{run}"
    run.message     # exactly one printable `lprobe: ` line, nothing on stdout
    assert run.elapsed <= WALL_BUDGET, (
        f"took {run.elapsed * 1000:.0f} ms, over {WALL_BUDGET * 1000:.0f} ms\n{run}")
    assert run.cpu <= CPU_BUDGET, (
        f"used {run.cpu * 1000:.0f} ms of CPU, over the {TIMEOUT_MS} ms timeout\n{run}")


pytestmark = pytest.mark.skipif(INSTRUMENTED,
                                reason="a sanitizer/valgrind build's CPU time is its own")


# -- TLS: records before any ServerHello ---------------------------------------------------

@pytest.mark.parametrize("kind", servers.TLS_FLOOD_UNITS)
def test_tls_handshake_flood_ends_by_the_deadline(serve, kind):
    server = serve(servers.tls_flood(kind))
    run = run_measured(f"-port={server.port}", "-tls", "-tls-no-verify",
                       f"-connect-timeout={TIMEOUT_MS}ms")
    assert_bounded_failure(run)
    assert server.requests and server.requests[0][:1] == b"\x16", (
        f"the server never saw a ClientHello\n{run}")


# -- HTTP/2: frames that need no answer, for ever ------------------------------------------

@pytest.mark.parametrize("mode", h2_hostile.FLOOD_MODES)
def test_http2_frame_flood_ends_by_the_deadline(mode):
    with h2_hostile.HostilePeer(mode) as peer:
        run = run_measured("-mode=grpc", f"-port={peer.port}",
                           f"-connect-timeout={TIMEOUT_MS}ms", f"-rpc-timeout={TIMEOUT_MS}ms")
    assert_bounded_failure(run)
    assert ("request", 1) in peer.events, f"the peer never saw the request\n{run}\n{peer.events}"


# -- HTTP/1: a chunked body that is almost all chunk extension -----------------------------
# (endless header lines are test_hostile.py's huge-header-line case: the 64 KiB cap)

def test_chunk_extension_flood_ends_by_the_deadline(serve):
    server = serve(servers.chunk_extension_flood)
    run = run_measured(f"-port={server.port}", f"-connect-timeout={TIMEOUT_MS}ms",
                       "-expect-body=NEVERFOUND")
    assert_bounded_failure(run)


# -- TLS files that are not regular files --------------------------------------------------

@pytest.fixture
def fifo(tmp_path):
    """A FIFO nobody ever writes to: open(2) for reading blocks until a writer comes."""
    path = tmp_path / "ca.pem"
    os.mkfifo(path)
    return path


def assert_refused_file(run, path, *, words):
    run.assert_within(1.0)
    message = run.assert_failed(str(path))
    assert "timeout" not in message, run
    assert any(word in message.lower() for word in words), (
        f"the message does not say the file is not a regular file\n{run}")


NOT_REGULAR = ("regular file", "fifo", "pipe")


def test_fifo_as_ca_cert_is_refused_at_once(lprobe, closed_port, fifo):
    run = lprobe(f"-port={closed_port}", "-tls", f"-tls-ca-cert={fifo}", timeout=2)
    assert_refused_file(run, fifo, words=NOT_REGULAR)


def test_fifo_as_ssl_cert_file_is_refused_at_once(lprobe, closed_port, fifo):
    run = lprobe(f"-port={closed_port}", "-tls", env={"SSL_CERT_FILE": str(fifo)}, timeout=2)
    assert_refused_file(run, fifo, words=NOT_REGULAR)


@pytest.fixture(scope="module")
def client_pair(tmp_path_factory):
    """A real self-signed EC certificate and key, so that the FIFO is what fails."""
    directory = tmp_path_factory.mktemp("client")
    cert, key = directory / "client.pem", directory / "client.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=lprobe test client",
                    "-days", "2", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return {"cert": cert, "key": key}


@pytest.mark.parametrize("which", ["cert", "key"])
def test_fifo_as_client_certificate_file_is_refused_at_once(lprobe, closed_port, fifo,
                                                            client_pair, which):
    files = {**client_pair, which: fifo}
    run = lprobe(f"-port={closed_port}", "-tls", "-tls-no-verify",
                 f"-tls-client-cert={files['cert']}", f"-tls-client-key={files['key']}",
                 timeout=2)
    assert_refused_file(run, fifo, words=NOT_REGULAR)


def test_directory_as_ca_cert_is_refused_at_once(lprobe, closed_port, tmp_path):
    run = lprobe(f"-port={closed_port}", "-tls", f"-tls-ca-cert={tmp_path}", timeout=2)
    assert_refused_file(run, tmp_path, words=NOT_REGULAR + ("directory",))
