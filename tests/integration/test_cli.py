"""The command line: the request it produces, Go flag syntax, usage errors, environment."""

import re
import time

import pytest

import servers


def request(host, *, line="GET / HTTP/1.1", agent="lprobe", headers=()):
    """The exact bytes lprobe should send to `host`."""
    lines = [line, f"Host: {host}", f"User-Agent: {agent}", "Accept: */*",
             "Connection: close", *headers]
    return "".join(f"{text}\r\n" for text in lines).encode() + b"\r\n"


@pytest.fixture
def recorder(serve):
    """A server on 127.0.0.1 that records requests and answers 200."""
    return serve(servers.recording)


def only_request(server):
    assert len(server.requests) == 1, server.requests
    return server.requests[0]


# -- the request ---------------------------------------------------------------------------

def test_default_request_is_minimal_http_1_1(lprobe, recorder):
    lprobe(f"-port={recorder.port}").assert_healthy()
    assert only_request(recorder) == request(recorder.address)


@pytest.mark.parametrize("flags, expected", [
    (["-endpoint=/healthz?full=1"], {"line": "GET /healthz?full=1 HTTP/1.1"}),
    (["-endpoint=healthz"], {"line": "GET /healthz HTTP/1.1"}),
    (["-method=HEAD"], {"line": "HEAD / HTTP/1.1"}),
    (["-method=GET"], {}),
    (["-host=service.internal"], {"host": "service.internal"}),
    (["-host=169.254.169.254"], {"host": "169.254.169.254"}),
    (["-user-agent=kube-probe/1.30"], {"agent": "kube-probe/1.30"}),
    (["-http-header=X-One: 1", "-http-header=X-Two: two words"],
     {"headers": ["X-One: 1", "X-Two: two words"]}),
    (["-http-header=Authorization: Bearer abc"], {"headers": ["Authorization: Bearer abc"]}),
], ids=["endpoint-with-query", "endpoint-without-slash", "head", "get", "host",
        "host-is-only-a-header", "user-agent", "headers-in-order", "authorization"])
def test_flag_shapes_the_request(lprobe, recorder, flags, expected):
    lprobe(f"-port={recorder.port}", *flags).assert_healthy()
    assert only_request(recorder) == request(**{"host": recorder.address, **expected})


def test_unix_socket_request_has_host_localhost(lprobe, serve, socket_dir):
    server = serve(servers.recording, unix_path=str(socket_dir / "app.sock"))
    lprobe(f"-unix={server.unix_path}").assert_healthy()
    assert only_request(server) == request("localhost")


def test_ipv6_request_has_bracketed_host(lprobe, serve):
    server = serve(servers.recording, host="::1")
    lprobe(f"-port={server.port}", "-ipv6").assert_healthy()
    assert only_request(server) == request(f"[::1]:{server.port}")


# -- Go flag syntax ------------------------------------------------------------------------

@pytest.mark.parametrize("form", [
    ["-port={port}", "-endpoint=/x"],
    ["-port", "{port}", "-endpoint", "/x"],
    ["--port={port}", "--endpoint=/x"],
    ["--port", "{port}", "--endpoint", "/x"],
], ids=["-flag=value", "-flag value", "--flag=value", "--flag value"])
def test_flag_forms_are_equivalent(lprobe, recorder, form):
    lprobe(*[arg.format(port=recorder.port) for arg in form]).assert_healthy()
    assert only_request(recorder) == request(recorder.address, line="GET /x HTTP/1.1")


@pytest.mark.parametrize("flag", ["-ipv6", "--ipv6", "-ipv6=true", "-ipv6=1", "-ipv6=t",
                                  "-ipv6=TRUE", "-ipv6=True"])
def test_boolean_set_to_true(lprobe, recorder, flag):
    # The recorder listens on 127.0.0.1 only: with -ipv6 the probe goes to ::1 and is refused.
    lprobe(f"-port={recorder.port}", flag).assert_failed("connection refused", "[::1]")


@pytest.mark.parametrize("flag", ["-ipv6=false", "--ipv6=false", "-ipv6=0", "-ipv6=f",
                                  "-ipv6=FALSE", "-ipv6=False"])
def test_boolean_set_to_false(lprobe, recorder, flag):
    lprobe(f"-port={recorder.port}", flag).assert_healthy()


@pytest.mark.parametrize("duration", ["250ms", "1s", "1m30s", "2", "1.5s", "1h",
                                      "500000us", "2000ms", "0.5"])
def test_duration_forms_are_accepted(lprobe, recorder, duration):
    lprobe(f"-port={recorder.port}", f"-connect-timeout={duration}").assert_healthy()


@pytest.mark.parametrize("args, seconds, printed", [
    (["-connect-timeout=250ms"], 0.25, "250ms"),
    (["--connect-timeout", "300ms"], 0.3, "300ms"),
    (["-connect-timeout=1"], 1.0, "1s"),
], ids=["250ms", "300ms-spaced", "bare-seconds"])
def test_duration_bounds_the_wait(lprobe, serve, args, seconds, printed):
    server = serve(servers.silent)
    run = lprobe(f"-port={server.port}", *args)
    run.assert_failed(f"timeout after {printed}")
    assert seconds <= run.elapsed < seconds + 0.15, run


def test_repeated_flag_last_one_wins(lprobe, recorder, closed_port):
    lprobe(f"-port={closed_port}", f"-port={recorder.port}").assert_healthy()


# -- usage errors --------------------------------------------------------------------------

USAGE_ERRORS = {
    "unknown-flag": ["-no-such-flag"],
    "unknown-flag-double-dash": ["--no-such-flag=1"],
    "stray-argument": ["extra"],
    "stray-argument-after-flags": ["-port=8080", "extra"],
    "boolean-with-spaced-value": ["-ipv6", "false"],
    "boolean-empty": ["-ipv6="],
    "flag-after-double-dash": ["--", "-port=8080"],
    "triple-dash": ["---port=8080"],
    "missing-value": ["-port"],
    "port-0": ["-port=0"],
    "port-65536": ["-port=65536"],
    "port-negative": ["-port=-1"],
    "port-abc": ["-port=abc"],
    "port-empty": ["-port="],
    "bad-boolean": ["-ipv6=maybe"],
    "duration-abc": ["-connect-timeout=abc"],
    "duration-unit": ["-connect-timeout=10x"],
    "duration-zero": ["-connect-timeout=0s"],
    "duration-negative": ["-connect-timeout=-1s"],
    "rpc-duration-abc": ["-rpc-timeout=abc"],
    "codes-abc": ["-http-codes=abc"],
    "codes-reversed-range": ["-http-codes=300-200"],
    "codes-99": ["-http-codes=99"],
    "codes-1000": ["-http-codes=1000"],
    "method-post": ["-method=POST"],
    "mode-foo": ["-mode=foo"],
    "exit-codes-foo": ["-exit-codes=foo"],
    "tls-ca-cert-without-tls": ["-tls-ca-cert=/etc/ssl/certs/ca-certificates.crt"],
    "tls-no-verify-without-tls": ["-tls-no-verify"],
    "tls-server-name-without-tls": ["-tls-server-name=service.internal"],
    "tls-client-pair-without-tls": ["-tls-client-cert=/c.pem", "-tls-client-key=/k.pem"],
    "header-injection-crlf": ["-http-header=X: a\r\nEvil: 1"],
    "header-injection-lf": ["-http-header=X: a\nEvil: 1"],
    "header-without-colon": ["-http-header=NoColon"],
    "header-empty-name": ["-http-header=: value"],
    "host-injection": ["-host=a\r\nEvil: 1"],
    "user-agent-injection": ["-user-agent=a\r\nEvil: 1"],
    "endpoint-injection": ["-endpoint=/\r\nEvil: 1"],
    "endpoint-with-space": ["-endpoint=/a HTTP/1.0"],
    "unix-and-addr": ["-unix=/run/app.sock", "-addr=:5000"],
    "request-over-8-kib": ["-http-header=X-Big: " + "a" * 5000, "-http-header=X-Big2: " + "a" * 5000],
    "rpc-bin-value-too-long": ["-mode=grpc", "-rpc-header=x-bin: " + "a" * 2000],
}


@pytest.mark.parametrize("args", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_error(lprobe, args):
    run = lprobe(*args)
    message = run.assert_failed()
    assert message.startswith("lprobe: usage: "), run
    run.assert_within(0.5)


@pytest.mark.parametrize("args, mentions", [
    (["-alts"], "alts"),
    (["-spiffe"], "spiffe"),
    (["-tls", "-tls-client-cert=/c.pem"], "tls-client-key"),
    (["-tls", "-tls-client-key=/k.pem"], "tls-client-cert"),
], ids=["alts", "spiffe", "client-cert-without-key", "client-key-without-cert"])
def test_refused_option_is_explained(lprobe, args, mentions):
    lprobe(*args).assert_failed(mentions)


def test_usage_error_is_exit_1_even_with_detailed_exit_codes(lprobe):
    lprobe("-exit-codes=detailed", "-port=abc").assert_failed("usage", exit_code=1)


def test_usage_error_does_not_probe(lprobe, recorder):
    lprobe(f"-port={recorder.port}", "-method=POST").assert_failed("usage")
    time.sleep(0.2)
    assert recorder.connections == 0


@pytest.mark.parametrize("flag", ["-h", "-help", "--help"])
def test_help_exits_0_and_lists_flags(lprobe, flag):
    run = lprobe(flag)
    assert run.returncode == 0, run
    assert b"-port" in run.stdout + run.stderr, run


@pytest.mark.parametrize("flag", ["-version", "--version"])
def test_version_exits_0_and_names_lprobe(lprobe, flag):
    run = lprobe(flag)
    assert run.returncode == 0, run
    assert b"lprobe" in run.stdout + run.stderr, run


def test_version_names_the_tls_backend(lprobe):
    # "lprobe 0.1.0 (BearSSL 0.6; TLS 1.2)" or "lprobe 0.1.0 (OpenSSL 3.0.x; TLS 1.2, 1.3)"
    run = lprobe("-version")
    assert re.fullmatch(rb"lprobe \d+\.\d+\.\d+ \((BearSSL \d+\.\d+; TLS 1\.2|"
                        rb"OpenSSL 3\.\d+\.\d+; TLS 1\.2, 1\.3)\)\n", run.stdout), run


# -- environment ---------------------------------------------------------------------------

@pytest.mark.parametrize("env, expected", [
    ({"LPROBE_ENDPOINT": "/from-env"}, {"line": "GET /from-env HTTP/1.1"}),
    ({"LPROBE_METHOD": "HEAD"}, {"line": "HEAD / HTTP/1.1"}),
    ({"LPROBE_HOST": "env.internal"}, {"host": "env.internal"}),
    ({"LPROBE_USER_AGENT": "env-agent"}, {"agent": "env-agent"}),
    ({"LPROBE_HTTP_HEADER": "X-Env: 1"}, {"headers": ["X-Env: 1"]}),
], ids=["endpoint", "method", "host", "user-agent", "http-header"])
def test_flag_from_the_environment(lprobe, recorder, env, expected):
    lprobe(f"-port={recorder.port}", env=env).assert_healthy()
    assert only_request(recorder) == request(**{"host": recorder.address, **expected})


def test_port_from_the_environment(lprobe, recorder):
    lprobe(env={"LPROBE_PORT": str(recorder.port)}).assert_healthy()


def test_boolean_from_the_environment(lprobe, recorder):
    lprobe(f"-port={recorder.port}", env={"LPROBE_IPV6": "true"}).assert_failed(
        "connection refused")


def test_command_line_wins_over_the_environment(lprobe, recorder, closed_port):
    env = {"LPROBE_PORT": str(closed_port), "LPROBE_ENDPOINT": "/from-env",
           "LPROBE_IPV6": "true"}
    lprobe(f"-port={recorder.port}", "-endpoint=/from-cli", "-ipv6=false",
           env=env).assert_healthy()
    assert only_request(recorder) == request(recorder.address, line="GET /from-cli HTTP/1.1")


def test_command_line_headers_replace_environment_headers(lprobe, recorder):
    lprobe(f"-port={recorder.port}", "-http-header=X-Cli: 2",
           env={"LPROBE_HTTP_HEADER": "X-Env: 1"}).assert_healthy()
    assert only_request(recorder) == request(recorder.address, headers=["X-Cli: 2"])


def test_malformed_environment_value_is_a_usage_error(lprobe):
    lprobe(env={"LPROBE_PORT": "abc"}).assert_failed("usage")


def test_exit_codes_from_the_environment(lprobe, closed_port):
    lprobe(f"-port={closed_port}", env={"LPROBE_EXIT_CODES": "detailed"}).assert_failed(
        "connection refused", exit_code=2)
