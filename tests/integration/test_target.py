"""Where lprobe may connect: loopback and unix sockets only, never anything else.

No test here ever connects to a non-loopback address: lprobe must refuse those before it
creates a socket, and the tests check it does so at once (a real connect attempt to
10.255.255.1 would hang until the timeout).
"""

import os
import shutil
import time

import pytest

import servers

# -addr implies -mode=grpc; -mode=http keeps these tests about the target alone.
HTTP = "-mode=http"

REFUSED_HOSTS = [
    "example.com:80",
    "metadata.google.internal:80",
    "localhost.localdomain:80",
    "localhost.:80",
    "127.0.0.1.nip.io:80",
    "0.0.0.0:80",
    "10.255.255.1:80",
    "169.254.169.254:80",
    "192.168.1.1:80",
    "126.255.255.255:80",
    "128.0.0.1:80",
    "[::ffff:8.8.8.8]:80",
    "[fe80::1%eth0]:80",
    "[::]:80",
    "[::2]:80",
    "[2001:db8::1]:80",
    # inet_aton shorthands for 127.0.0.1: not dotted-quad literals, so names (Go agrees)
    "127.1:80",
    "2130706433:80",
    "0x7f.0.0.1:80",
]


@pytest.mark.parametrize("addr", REFUSED_HOSTS)
def test_non_loopback_target_is_refused_at_once(lprobe, addr):
    run = lprobe(HTTP, f"-addr={addr}", "-connect-timeout=5s")
    run.assert_failed("refusing")
    run.assert_within(0.5)


@pytest.mark.parametrize("addr", [
    "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:",
    "127.0.0.1", "localhost:http", "[::1]", "[::1:80", "::1]:80",
])
def test_malformed_addr_is_rejected(lprobe, addr):
    run = lprobe(HTTP, f"-addr={addr}", "-connect-timeout=5s")
    run.assert_failed()
    run.assert_within(0.5)


@pytest.mark.parametrize("addr", ["10.255.255.1:80", "example.com:80"])
def test_refused_target_creates_no_socket(lprobe, tmp_path, addr):
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    if os.environ.get("LPROBE_INSTRUMENTED") == "1":
        pytest.skip("strace of an instrumented build")
    trace = tmp_path / "trace"
    run = lprobe(HTTP, f"-addr={addr}",
                 prefix=["strace", "-f", "-qq", "-o", str(trace), "-e", "trace=socket,connect"])
    run.assert_failed("refusing")
    calls = trace.read_text()
    assert "socket(" not in calls and "connect(" not in calls, calls


# -- accepted -addr forms ------------------------------------------------------------------

@pytest.mark.parametrize("host, addr", [
    ("127.0.0.1", ":{port}"),
    ("127.0.0.1", "localhost:{port}"),
    ("127.0.0.1", "127.0.0.1:{port}"),
    ("127.0.0.2", "127.0.0.2:{port}"),
    ("127.255.255.254", "127.255.255.254:{port}"),
    ("::1", "[::1]:{port}"),
], ids=["empty-host", "localhost", "127.0.0.1", "127.0.0.2", "127.255.255.254", "[::1]"])
def test_loopback_addr_is_probed(lprobe, serve, host, addr):
    server = serve(servers.recording, host=host)
    lprobe(HTTP, f"-addr={addr.format(port=server.port)}").assert_healthy()
    assert len(server.requests) == 1


@pytest.mark.parametrize("host, addr", [("127.0.0.2", "127.0.0.2:{port}"),
                                        ("::1", "[::1]:{port}")], ids=["127.0.0.2", "[::1]"])
def test_addr_literal_is_the_default_host_header(lprobe, serve, host, addr):
    server = serve(servers.recording, host=host)
    lprobe(HTTP, f"-addr={addr.format(port=server.port)}").assert_healthy()
    assert f"\r\nHost: {server.address}\r\n".encode() in server.requests[0]


@pytest.mark.parametrize("addr", [":{port}", "localhost:{port}"])
def test_addr_without_ip_literal_falls_back_to_ipv6(lprobe, serve, addr):
    server = serve(servers.recording, host="::1")
    lprobe(HTTP, f"-addr={addr.format(port=server.port)}").assert_healthy()


def test_addr_ipv4_literal_does_not_fall_back_to_ipv6(lprobe, serve):
    server = serve(servers.recording, host="::1")
    lprobe(HTTP, f"-addr=127.0.0.1:{server.port}").assert_failed("connection refused")
    assert server.connections == 0


def test_ipv6_flag_does_not_fall_back_to_ipv4(lprobe, serve):
    server = serve(servers.recording)
    lprobe(f"-port={server.port}", "-ipv6").assert_failed("connection refused")
    assert server.connections == 0


def test_host_flag_does_not_change_the_target(lprobe, serve):
    server = serve(servers.recording)
    lprobe(f"-port={server.port}", "-host=169.254.169.254").assert_healthy()
    assert b"\r\nHost: 169.254.169.254\r\n" in server.requests[0]


def test_proxy_variables_are_ignored(lprobe, serve):
    target, proxy = serve(servers.recording), serve(servers.recording)
    proxy_url = f"http://{proxy.address}"
    env = {name: proxy_url for name in ("http_proxy", "HTTP_PROXY", "https_proxy",
                                        "HTTPS_PROXY", "all_proxy", "ALL_PROXY")}
    env.update(NO_PROXY="", no_proxy="")
    lprobe(f"-port={target.port}", env=env).assert_healthy()
    assert target.requests[0].startswith(b"GET / HTTP/1.1\r\n")
    assert proxy.connections == 0


# -- unix sockets --------------------------------------------------------------------------

def test_missing_unix_socket_is_a_connection_failure(lprobe, socket_dir):
    path = socket_dir / "absent.sock"
    run = lprobe(f"-unix={path}", "-exit-codes=detailed")
    run.assert_failed(str(path), exit_code=2)


# -- TCP mode: connect, then hang up -------------------------------------------------------

def wait_for_requests(server, count=1, seconds=1.0):
    deadline = time.monotonic() + seconds
    while len(server.requests) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.requests


@pytest.mark.parametrize("behaviour", [servers.silent, servers.garbage, servers.reset],
                         ids=["silent", "garbage", "reset"])
def test_tcp_mode_is_healthy_once_connected(lprobe, serve, behaviour):
    server = serve(behaviour)
    run = lprobe("-mode=tcp", f"-port={server.port}")
    run.assert_healthy()
    run.assert_within(0.5)


def test_tcp_mode_sends_nothing(lprobe, serve):
    server = serve(servers.silent)
    lprobe("-mode=tcp", f"-port={server.port}").assert_healthy()
    assert wait_for_requests(server) == [b""]


def test_tcp_mode_falls_back_to_ipv6(lprobe, serve):
    server = serve(servers.silent, host="::1")
    lprobe("-mode=tcp", f"-port={server.port}").assert_healthy()


def test_tcp_mode_with_ipv6_flag(lprobe, serve):
    server = serve(servers.silent, host="::1")
    lprobe("-mode=tcp", "-ipv6", f"-port={server.port}").assert_healthy()


def test_tcp_mode_refused(lprobe, closed_port):
    lprobe("-mode=tcp", f"-port={closed_port}", "-exit-codes=detailed").assert_failed(
        f"connect 127.0.0.1:{closed_port}: connection refused", exit_code=2)


@pytest.mark.parametrize("mode", ["tcp", "http"])
def test_connect_timeout_is_a_connection_failure(lprobe, mode):
    listener = servers.Unaccepting()
    try:
        run = lprobe(f"-mode={mode}", f"-port={listener.port}", "-connect-timeout=300ms",
                     "-exit-codes=detailed")
    finally:
        listener.close()
    run.assert_failed("timeout", f"127.0.0.1:{listener.port}", exit_code=2)
    run.assert_within(0.3 + 0.15)
