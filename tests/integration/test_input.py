"""Input that would reach the wire or the terminal malformed (SPEC "Exit status and
output"): control bytes or bytes >= 0x80 in -host, -endpoint and header values, and a
-tls-server-name that is not a DNS name or IP, are usage errors -- exit 1 (even with
-exit-codes=detailed), one printable line, and no socket created. Values of the user's
echoed in a message are shown as printable ASCII, so the line stays one line.

Bytes >= 0x80 are passed as lone surrogates ("\\udce9"), which Python turns back into
the raw byte 0xe9 in argv (os.fsencode, surrogateescape).
"""

import os
import re
import shutil
import socket
import subprocess
import time

import pytest

import servers

HAS_STRACE = shutil.which("strace") is not None and os.environ.get("LPROBE_INSTRUMENTED") != "1"


@pytest.fixture
def recorder(serve):
    """A server that answers 200: a probe that gets past validation is healthy, or at
    least shows up in `connections`."""
    return serve(servers.recording)


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory):
    """Any valid CA certificate, so that -tls without -tls-no-verify gets past loading."""
    directory = tmp_path_factory.mktemp("ca")
    cert = directory / "ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=lprobe test CA",
                    "-days", "2", "-keyout", str(directory / "ca.key"), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert


def assert_usage_error(lprobe, tmp_path, server, *args, env=None):
    """Exit 1 under -exit-codes=detailed, one printable `lprobe: usage: ` line, and the
    server never sees a connection (nor strace a socket(2), where strace is present)."""
    # first, so that a bad value of either flag under test still comes last and counts
    args = ["-exit-codes=detailed", "-connect-timeout=300ms", *args]
    prefix = ()
    trace = tmp_path / "socket.trace"
    if HAS_STRACE:
        prefix = ("strace", "-f", "-qq", "-o", str(trace), "-e", "trace=socket,connect")
    run = lprobe(*args, env=env, prefix=prefix)
    message = run.assert_failed(exit_code=1)    # one line, printable ASCII only
    assert message.startswith("lprobe: usage: "), f"not a usage error\n{run}"
    run.assert_within(1.0)
    if HAS_STRACE:
        calls = [line for line in trace.read_text().splitlines()
                 if re.search(r"\b(socket|connect)\(", line)]
        assert calls == [], f"a socket was made before the usage error\n{run}\n{calls}"
    time.sleep(0.05)
    assert server.connections == 0, f"the probe connected\n{run}"
    return message


# -- -tls-server-name ----------------------------------------------------------------------

BAD_SERVER_NAMES = {
    "cr": "app\r.example",
    "lf": "app\n.example",
    "esc": "app\x1b[31m.example",
    "space": "app .example",
    "tab": "app\t.example",
    "empty-label": "a..b",
    "leading-dot": ".example.com",
    "two-trailing-dots": "example.com..",
    "label-over-63": "a" * 64 + ".example",
    "over-253": ".".join(["a" * 63] * 4),           # 255 bytes
    "byte-0x80-or-more": "b\udcfccher.example",
    "utf-8": "b\udcc3\udcbccher.example",
}

GOOD_SERVER_NAMES = {
    "dns": "example.com",
    "localhost": "localhost",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "punycode": "xn--bcher-kva.example",
    "trailing-dot": "example.com.",   # a fully qualified name: valid DNS
    "label-of-63": "a" * 63 + ".example",
    "253-bytes": ".".join(["a" * 63] * 3 + ["a" * 61]),
}


@pytest.mark.parametrize("name", BAD_SERVER_NAMES.values(), ids=BAD_SERVER_NAMES.keys())
def test_server_name_that_is_not_a_dns_name_or_ip_is_a_usage_error(lprobe, tmp_path,
                                                                  recorder, ca_file, name):
    assert_usage_error(lprobe, tmp_path, recorder, f"-port={recorder.port}", "-tls",
                       f"-tls-ca-cert={ca_file}", f"-tls-server-name={name}")


@pytest.mark.parametrize("name", GOOD_SERVER_NAMES.values(), ids=GOOD_SERVER_NAMES.keys())
def test_valid_server_name_is_accepted(lprobe, closed_port, ca_file, name):
    run = lprobe(f"-port={closed_port}", "-tls", f"-tls-ca-cert={ca_file}",
                 f"-tls-server-name={name}", "-exit-codes=detailed")
    run.assert_failed("connection refused", exit_code=2)   # got as far as connecting


# -- -host ---------------------------------------------------------------------------------

BAD_HOSTS = {
    "tab": "app\tinternal",
    "cr": "app\rinternal",
    "lf": "app\ninternal",
    "control-byte": "app\x01internal",
    "del": "app\x7finternal",
    "esc": "app\x1b[2Jinternal",
    "byte-0x80-or-more": "caf\udce9.internal",
    "over-255-bytes": "h" * 256,
}


@pytest.mark.parametrize("mode", ["http", "grpc"])
@pytest.mark.parametrize("host", BAD_HOSTS.values(), ids=BAD_HOSTS.keys())
def test_host_that_would_be_malformed_on_the_wire_is_a_usage_error(lprobe, tmp_path,
                                                                  recorder, mode, host):
    assert_usage_error(lprobe, tmp_path, recorder, f"-mode={mode}", f"-port={recorder.port}",
                       f"-host={host}")


def test_host_of_255_bytes_is_sent_whole(lprobe, recorder):
    host = "h" * 255
    lprobe(f"-port={recorder.port}", f"-host={host}").assert_healthy()
    assert f"\r\nHost: {host}\r\n".encode() in recorder.requests[0], recorder.requests


# -- -endpoint, -http-header, -rpc-header --------------------------------------------------

BAD_ENDPOINTS = {
    "byte-0x80-or-more": "/caf\udce9",
    "utf-8": "/caf\udcc3\udca9",
    "space": "/a b",
    "tab": "/a\tb",
    "control-byte": "/a\x01b",
    "esc": "/a\x1b[31m",
    "del": "/a\x7f",
}


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS.values(), ids=BAD_ENDPOINTS.keys())
def test_endpoint_that_would_be_malformed_on_the_wire_is_a_usage_error(lprobe, tmp_path,
                                                                      recorder, endpoint):
    assert_usage_error(lprobe, tmp_path, recorder, f"-port={recorder.port}",
                       f"-endpoint={endpoint}")


BAD_HTTP_HEADERS = {
    "cr": "X-Check: a\rb",
    "lf": "X-Check: a\nb",
    "crlf-injection": "X-Check: a\r\nEvil: 1",
    "byte-0x80-or-more": "X-Check: caf\udce9",
    "esc": "X-Check: \x1b[31mred",
}


@pytest.mark.parametrize("header", BAD_HTTP_HEADERS.values(), ids=BAD_HTTP_HEADERS.keys())
def test_http_header_value_that_would_be_malformed_is_a_usage_error(lprobe, tmp_path,
                                                                   recorder, header):
    assert_usage_error(lprobe, tmp_path, recorder, f"-port={recorder.port}",
                       f"-http-header={header}")


BAD_RPC_HEADERS = {
    "cr": "x-check: a\rb",
    "lf": "x-check: a\nb",
    "byte-0x80-or-more": "x-check: caf\udce9",
}


@pytest.mark.parametrize("header", BAD_RPC_HEADERS.values(), ids=BAD_RPC_HEADERS.keys())
def test_rpc_header_value_that_would_be_malformed_is_a_usage_error(lprobe, tmp_path,
                                                                  recorder, header):
    assert_usage_error(lprobe, tmp_path, recorder, "-mode=grpc", f"-port={recorder.port}",
                       f"-rpc-header={header}")


# -- echoed values stay one printable line -------------------------------------------------

ECHOED = {
    "port": (["-port=80\n\x1b[31m"], None),
    "unknown-flag": (["-no\nsuch-flag=1"], None),
    "unknown-flag-with-escape": (["-\x1b[2Jflag"], None),
    "mode-from-environment": ([], {"LPROBE_MODE": "grpc\n"}),
    "port-from-environment": ([], {"LPROBE_PORT": "80\r\n\x1b[31mlprobe: fake"}),
    "http-codes": (["-http-codes=200\x1b[31m"], None),
    "method": (["-method=G\x1bET"], None),
    "duration": (["-connect-timeout=1s\n2"], None),
    "exit-codes": (["-exit-codes=doc\x07ker"], None),
    "bad-byte": (["-port=8\udcff0"], None),
}


@pytest.mark.parametrize("args, env", ECHOED.values(), ids=ECHOED.keys())
def test_usage_error_echoing_a_value_stays_one_printable_line(lprobe, tmp_path, recorder,
                                                             args, env):
    # run.message (in assert_failed) asserts: exactly one line, printable ASCII only
    assert_usage_error(lprobe, tmp_path, recorder, *args, env=env)


def test_unix_path_with_control_bytes_is_echoed_as_one_printable_line(lprobe, socket_dir):
    path = socket_dir / "no\n\x1b[2Japp.sock"      # does not exist
    run = lprobe(f"-unix={path}")
    run.assert_failed()                            # one line, printable ASCII only
    run.assert_within(1.0)


# -- misreports ----------------------------------------------------------------------------

def test_100_kb_rpc_header_is_a_usage_error(lprobe, tmp_path, recorder):
    message = assert_usage_error(lprobe, tmp_path, recorder, "-mode=grpc",
                                 f"-port={recorder.port}",
                                 "-rpc-header=x-big: " + "a" * 100_000)
    assert "reset" not in message, message


class FullUnixBacklog:
    """A unix listener with backlog 0 whose queue is filled by connections it never
    accepts: a new connect(2) gets EAGAIN at once, for as long as the queue stays full."""

    def __init__(self, path):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(0)
        self.fillers = []
        for _ in range(4):
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.setblocking(False)
            try:
                filler.connect(str(path))
            except BlockingIOError:
                filler.close()
                break
            self.fillers.append(filler)

    def close(self):
        for sock in self.fillers + [self.listener]:
            sock.close()


def test_unix_socket_with_full_backlog_is_reported_as_such(lprobe, socket_dir):
    path = socket_dir / "busy.sock"
    busy = FullUnixBacklog(path)
    try:
        assert busy.fillers, "could not fill the listen queue"
        run = lprobe(f"-unix={path}", "-connect-timeout=300ms")
    finally:
        busy.close()
    message = run.assert_failed()
    run.assert_within(1.0)
    assert "not connected" not in message.lower(), f"misreported\n{run}"
    assert any(word in message.lower() for word in ("timeout", "backlog", "busy", "full")), (
        f"the message does not say the listener is not taking connections\n{run}")
