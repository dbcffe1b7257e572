"""SPEC security guarantees 2 and 4, observed with strace on the real binary:
the seccomp filter is in place before the first socket, no file is opened but
the TLS files named, randomness comes from getrandom(2), nothing is executed."""

import os
import re
import shutil
import socket
import ssl
import threading

import pytest

import certs

pytestmark = [
    pytest.mark.skipif(not shutil.which("strace"), reason="strace is needed (make deps)"),
    # make sanitize: a sanitizer build cannot run under seccomp (see src/sandbox.c)
    pytest.mark.skipif(os.environ.get("LPROBE_INSTRUMENTED") == "1",
                       reason="sanitizer/valgrind build: no seccomp filter, traced already"),
]


def traced(lprobe, tmp_path, *args, calls):
    trace = tmp_path / "trace"
    run = lprobe(*args, prefix=["strace", "-f", "-qq", "-o", str(trace), "-e", f"trace={calls}"])
    return run, trace.read_text().splitlines()


def first_index(lines, pattern):
    for i, line in enumerate(lines):
        if re.search(pattern, line):
            return i
    return None


@pytest.mark.parametrize("extra", [[], ["-v"], ["--", "-mode=tcp", "-port={port}"]],
                         ids=["one-probe", "verbose", "two-groups"])
def test_confined_after_connecting_and_before_reading_any_peer_byte(lprobe, tmp_path, nginx,
                                                                   extra):
    """SPEC guarantee 4 as the project states it: connect first (every group), then
    confine, before the first byte from any peer is read; no socket or connect after."""
    args = [f"-port={nginx.port}"] + [a.format(port=nginx.port) for a in extra]
    run, lines = traced(lprobe, tmp_path, *args,
                        calls="prctl,seccomp,socket,connect,read,recvfrom")
    if "-v" in extra:
        assert run.returncode == 0, run
    else:
        run.assert_healthy()
    seccomp = first_index(lines, r"PR_SET_SECCOMP|seccomp\(")
    no_new_privs = first_index(lines, r"PR_SET_NO_NEW_PRIVS")
    connects = [i for i, line in enumerate(lines) if re.search(r"\b(socket|connect)\(", line)]
    first_read = first_index(lines, r"\b(read|recvfrom)\([3-9]")
    assert None not in (no_new_privs, seccomp, first_read) and connects, lines
    assert no_new_privs < seccomp < first_read, lines
    assert max(connects) < seccomp, lines
    assert "SECCOMP_MODE_FILTER" in lines[seccomp], lines


@pytest.mark.parametrize("mode", ["http", "tcp", "grpc"])
def test_a_plaintext_probe_opens_no_file_and_runs_nothing(lprobe, tmp_path, closed_port, mode):
    run, lines = traced(lprobe, tmp_path, f"-mode={mode}", f"-port={closed_port}",
                        calls="open,openat,creat,execve,execveat,fork,vfork,clone,clone3")
    run.assert_failed("connection refused")
    execs = [line for line in lines if re.search(r"\bexecve\(", line)]
    calls = [line for line in lines if line not in execs]
    assert calls == [], lines
    assert len(execs) == 1, lines  # strace's own exec of lprobe


class OneTlsHandshake:
    """A loopback TLS 1.2 server that completes one handshake and closes."""

    def __init__(self, cert, key):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with self.ctx.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(2)
                tls.recv(1)
        except OSError:
            pass

    def close(self):
        self.sock.close()
        self.thread.join(5)


def test_tls_opens_only_the_named_ca_file_and_seeds_from_getrandom(lprobe, tmp_path):
    pki = certs.make_pki(tmp_path / "pki")
    server = OneTlsHandshake(pki["server_ec_cert"], pki["server_ec_key"])
    try:
        run, lines = traced(lprobe, tmp_path, "-mode=tcp", "-tls",
                            f"-tls-ca-cert={pki['ca_cert']}", f"-port={server.port}",
                            calls="open,openat,getrandom")
    finally:
        server.close()
    run.assert_healthy()
    opened = [re.search(r'"([^"]+)"', line).group(1) for line in lines if "open" in line]
    assert opened == [str(pki["ca_cert"])], lines
    assert any("getrandom(" in line for line in lines), lines


def test_only_the_openssl_build_calls_getpid_once_confined(lprobe, tmp_path):
    """OpenSSL's DRBG calls getpid(2) on every draw (fork detection): the OpenSSL build's
    filter allows it, and a TLS probe of that build makes the call under the filter and
    stays healthy. BearSSL draws nothing from the kernel once confined."""
    pki = certs.make_pki(tmp_path / "pki")
    openssl = b"OpenSSL" in lprobe("-version").stdout
    server = OneTlsHandshake(pki["server_ec_cert"], pki["server_ec_key"])
    try:
        run, lines = traced(lprobe, tmp_path, "-mode=tcp", "-tls",
                            f"-tls-ca-cert={pki['ca_cert']}", f"-port={server.port}",
                            calls="prctl,seccomp,getpid")
    finally:
        server.close()
    run.assert_healthy()
    seccomp = first_index(lines, r"PR_SET_SECCOMP|seccomp\(")
    assert seccomp is not None and "SECCOMP_MODE_FILTER" in lines[seccomp], lines
    confined_getpid = [line for line in lines[seccomp + 1:] if "getpid(" in line]
    if openssl:
        assert confined_getpid, lines
    else:
        assert confined_getpid == [], lines
