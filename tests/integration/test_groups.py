"""Several checks in one run (SPEC "Several checks in one run"): probe groups separated by a
lone `--`, each with its own flags, run concurrently in one process; healthy iff all are.

Against real peers: the session nginx (HTTP), the python3-grpcio health server of
test_grpc.py (gRPC), loopback servers of servers.py (TCP, silent peers, full accept
queues). Each group's request is looked for on its server, so a group that is parsed but
never probed fails the test.
"""

import json
import re
import shutil
import subprocess
import tempfile
import uuid

import pytest

import seccomp_bpf as bpf
import servers
import test_confinement as confinement
from conftest import LPROBE
from seccomp_bpf import Call
from test_confinement import seccomp_dump  # noqa: F401  (a fixture)
from test_grpc import Farm
from test_input import assert_usage_error

# The run-wide flags: only in the first group (a later group's is a usage error).
RUN_WIDE = ["-v", "-exit-codes=detailed", "-wait=1s", "-interval=1s", "-log=/dev/null",
            "-no-sandbox", "-h", "-version", "-licenses"]


@pytest.fixture(scope="module")
def grpc_server():
    """The python3-grpcio health server: "" and "svc" and "meta" SERVING, "orders"
    NOT_SERVING, anything unknown NOT_FOUND; every call logged (Farm.last_call)."""
    workdir = tempfile.mkdtemp(prefix="lpgrp-")
    farm = Farm(workdir)
    farm.get("python")
    yield farm
    farm.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def grpc_calls(farm, service):
    path = farm.meta_log("python", "plain")
    records = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    return [r for r in records if r["service"] == service]


def token():
    return uuid.uuid4().hex[:12]


@pytest.fixture
def tcp_peer(serve):
    """A TCP listener that accepts and holds: healthy for -mode=tcp."""
    return serve(servers.silent)


# -- healthy ------------------------------------------------------------------------------

def test_http_grpc_and_tcp_groups_together_are_healthy(lprobe, nginx, grpc_server, tcp_peer):
    tok = token()
    before = len(grpc_calls(grpc_server, "meta"))
    run = lprobe(f"-port={nginx.port}", f"-endpoint=/healthz?t={tok}",
                 "--", "-mode=grpc", f"-port={grpc_server.get('python').port}", "-service=meta",
                 "--", "-mode=tcp", f"-port={tcp_peer.port}")
    run.assert_healthy()
    run.assert_within(2.0)
    assert len(nginx.requests_with(tok, settle=0)) == 1, "the http group did not probe once"
    assert len(grpc_calls(grpc_server, "meta")) == before + 1, "the grpc group did not call"
    assert tcp_peer.connections == 1, "the tcp group did not connect"


def test_sixteen_groups_are_healthy_and_each_one_probes(lprobe, nginx, tcp_peer):
    tok = token()
    args = []
    for g in range(16):
        if g:
            args.append("--")
        if g % 4 == 3:
            args += ["-mode=tcp", f"-port={tcp_peer.port}"]
        else:
            args += [f"-port={nginx.port}", f"-endpoint=/healthz?t={tok}-{g}"]
    run = lprobe(*args)
    run.assert_healthy()
    run.assert_within(3.0)
    seen = nginx.requests_with(tok, settle=0.1)
    for g in range(16):
        if g % 4 != 3:
            assert len([x for x in seen if f"t={tok}-{g} " in x]) == 1, (g, seen)
    assert tcp_peer.connections == 4


def test_single_group_line_has_no_group_prefix(lprobe, nginx):
    run = lprobe(f"-port={nginx.port}", "-endpoint=/503")
    message = run.assert_failed()
    assert message == f"lprobe: unhealthy: HTTP 503 from 127.0.0.1:{nginx.port}/503", run


# -- one or more groups failing -----------------------------------------------------------

def test_failing_grpc_group_is_named_by_position_protocol_and_address(lprobe, nginx,
                                                                      grpc_server, tcp_peer):
    gport = grpc_server.get("python").port
    args = [f"-port={nginx.port}", "-endpoint=/healthz",
            "--", "-mode=grpc", f"-port={gport}", "-service=orders",
            "--", "-mode=tcp", f"-port={tcp_peer.port}"]
    message = lprobe(*args).assert_failed()
    assert message == (f'lprobe: group 2/3 (grpc 127.0.0.1:{gport} service "orders"): '
                       f'grpc: service "orders" is NOT_SERVING'), message
    lprobe("-exit-codes=detailed", *args).assert_failed(
        'group 2/3 (grpc 127.0.0.1:', "NOT_SERVING", exit_code=4)


@pytest.mark.parametrize("failing,code,fragment", [
    pytest.param(0, 4, "group 1/3 (http 127.0.0.1:{nginx}): unhealthy: HTTP 503", id="http-503"),
    pytest.param(1, 3, 'group 2/3 (grpc 127.0.0.1:{grpc} service "no-such-service"): ',
                 id="grpc-not-found"),
    pytest.param(2, 2, "group 3/3 (tcp ", id="tcp-refused"),
])
def test_one_failing_group_gives_its_own_detailed_code(lprobe, nginx, grpc_server,
                                                        closed_port, tcp_peer,
                                                        failing, code, fragment):
    gport = grpc_server.get("python").port
    groups = [
        [f"-port={nginx.port}", "-endpoint=" + ("/503" if failing == 0 else "/healthz")],
        ["-mode=grpc", f"-port={gport}",
         "-service=" + ("no-such-service" if failing == 1 else "svc")],
        ["-mode=tcp", f"-port={closed_port if failing == 2 else tcp_peer.port}",
         "-connect-timeout=500ms"],
    ]
    args = ["-exit-codes=detailed", *groups[0], "--", *groups[1], "--", *groups[2]]
    message = lprobe(*args).assert_failed(
        fragment.format(nginx=nginx.port, grpc=gport), exit_code=code)
    assert "other group" not in message, message
    if failing == 2:
        assert f":{closed_port})" in message and "connection refused" in message, message


def test_refused_group_is_named_by_the_address_it_was_given(lprobe, closed_port):
    """127.0.0.1 refused, ::1 refused too: the group is the 127.0.0.1 probe the user asked
    for, as the single-probe line says (`connect 127.0.0.1:P: ... (and on [::1]:P)`)."""
    message = lprobe(f"-port={closed_port}", "--", "-mode=tcp",
                     f"-port={closed_port}").assert_failed()
    assert message.startswith(f"lprobe: group 1/2 (http 127.0.0.1:{closed_port}): connect "
                              f"127.0.0.1:{closed_port}: connection refused"), message
    assert message.endswith(" (and 1 other group failed)"), message


def test_all_groups_failing_names_the_first_and_counts_the_others(lprobe, nginx, grpc_server,
                                                                   closed_port):
    gport = grpc_server.get("python").port
    args = [f"-port={nginx.port}", "-endpoint=/503",
            "--", "-mode=grpc", f"-port={gport}", "-service=orders",
            "--", "-mode=tcp", f"-port={closed_port}"]
    message = lprobe(*args).assert_failed()
    assert message.startswith(f"lprobe: group 1/3 (http 127.0.0.1:{nginx.port}): "
                              f"unhealthy: HTTP 503"), message
    assert message.endswith(" (and 2 other groups failed)"), message
    assert "NOT_SERVING" not in message, "only the first group's reason is on the line"
    # detailed: the earliest stage that failed anywhere, connection (2) < unhealthy (4)
    lprobe("-exit-codes=detailed", *args).assert_failed("group 1/3", exit_code=2)


def test_rpc_failure_outranks_unhealthy_in_detailed_mode(lprobe, nginx, grpc_server):
    gport = grpc_server.get("python").port
    lprobe("-exit-codes=detailed", f"-port={nginx.port}", "-endpoint=/404",
           "--", "-mode=grpc", f"-port={gport}", "-service=no-such-service").assert_failed(
        "group 1/2", "(and 1 other group failed)", exit_code=3)


# -- concurrency --------------------------------------------------------------------------

def test_silent_groups_time_out_concurrently(lprobe, serve):
    """Three peers that never answer, 300 ms each: the run takes ~300 ms, not 900."""
    peers = [serve(servers.silent) for _ in range(3)]
    args = []
    for i, peer in enumerate(peers):
        args += (["--"] if i else []) + [f"-port={peer.port}", "-connect-timeout=300ms"]
    run = lprobe(*args)
    message = run.assert_failed("group 1/3 (http 127.0.0.1:", "(and 2 other groups failed)")
    assert "timeout" in message, message
    assert run.elapsed >= 0.29, f"gave up before the 300 ms deadline\n{run}"
    run.assert_within(0.65)
    assert all(len(p.requests) == 1 for p in peers), "every group sent its request"


def test_unaccepted_connects_time_out_concurrently(lprobe):
    """Connects that never complete (full accept queues), in three tcp groups: the connect
    phase runs concurrently too."""
    queues = [servers.Unaccepting() for _ in range(3)]
    try:
        args = []
        for i, q in enumerate(queues):
            args += (["--"] if i else []) + ["-mode=tcp", f"-port={q.port}",
                                             "-connect-timeout=300ms"]
        run = lprobe("-exit-codes=detailed", *args)
        run.assert_failed("group 1/3 (tcp 127.0.0.1:", "(and 2 other groups failed)",
                          exit_code=2)
        assert run.elapsed >= 0.29, run
        run.assert_within(0.65)
    finally:
        for q in queues:
            q.close()


def test_each_group_keeps_its_own_deadline(lprobe, serve, nginx):
    """A fast healthy group and a silent one with a long deadline: the run lasts the long
    one's deadline, and a short-deadline silent group fails at its own."""
    slow = serve(servers.silent)
    run = lprobe(f"-port={nginx.port}", "-connect-timeout=200ms",
                 "--", f"-port={slow.port}", "-connect-timeout=600ms")
    run.assert_failed("group 2/2", "600ms")
    assert 0.59 <= run.elapsed < 0.9, run


# -- usage errors -------------------------------------------------------------------------

def test_seventeen_groups_are_a_usage_error_before_any_socket(lprobe, tmp_path, serve):
    server = serve(servers.recording)
    args = []
    for g in range(17):
        args += (["--"] if g else []) + [f"-port={server.port}"]
    message = assert_usage_error(lprobe, tmp_path, server, *args)
    assert "16" in message, message


def test_service_list_past_sixteen_groups_is_a_usage_error(lprobe, tmp_path, serve):
    server = serve(servers.recording)
    args = []
    for g in range(15):
        args += (["--"] if g else []) + [f"-port={server.port}"]
    args += ["--", "-mode=grpc", f"-port={server.port}", "-service=a,b"]
    message = assert_usage_error(lprobe, tmp_path, server, *args)
    assert "16" in message, message


@pytest.mark.parametrize("flag", RUN_WIDE)
def test_run_wide_flag_in_a_later_group_is_a_usage_error(lprobe, tmp_path, serve, flag):
    server = serve(servers.recording)
    message = assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}",
                                 "--", f"-port={server.port}",
                                 "--", f"-port={server.port}", flag)
    name = flag.split("=")[0]
    assert message.startswith(f"lprobe: usage: group 3: {name} "), message


@pytest.mark.parametrize("args", [
    pytest.param(["-port={p}", "--"], id="trailing"),
    pytest.param(["-port={p}", "--", "--", "-port={p}"], id="double"),
])
def test_empty_group_is_a_usage_error(lprobe, tmp_path, serve, args):
    server = serve(servers.recording)
    message = assert_usage_error(lprobe, tmp_path, server,
                                 *[a.format(p=server.port) for a in args])
    assert "empty probe group" in message, message


def test_empty_first_group_is_a_usage_error(lprobe, serve):
    server = serve(servers.recording)
    message = lprobe("--", f"-port={server.port}").assert_failed()
    assert message == 'lprobe: usage: empty probe group 1 (nothing around "--")', message
    assert server.connections == 0


def test_bad_flag_in_a_later_group_names_that_group(lprobe, tmp_path, serve):
    server = serve(servers.recording)
    message = assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}",
                                 "--", f"-port={server.port}", "-http-codes=abc")
    assert message.startswith("lprobe: usage: group 2: "), message
    assert "abc" in message, message


# -- environment defaults -----------------------------------------------------------------

def test_environment_values_are_every_groups_defaults(lprobe, nginx):
    tok = token()
    run = lprobe("-user-agent=first", "--", "-user-agent=second",
                 env={"LPROBE_PORT": str(nginx.port), "LPROBE_ENDPOINT": f"/healthz?t={tok}"})
    run.assert_healthy()
    assert len(nginx.requests_with(tok, settle=0.05)) == 2, "both groups used the env values"


def test_a_groups_flag_wins_over_the_environment(lprobe, nginx):
    tok = token()
    env = {"LPROBE_PORT": str(nginx.port), "LPROBE_ENDPOINT": "/503"}
    run = lprobe("-http-codes=200-599", "--", f"-endpoint=/healthz?t={tok}", env=env)
    run.assert_healthy()
    assert len(nginx.requests_with(tok, settle=0.05)) == 1, "group 2's -endpoint was not used"
    # without the first group's own -http-codes the environment's /503 fails it, alone
    message = lprobe("-method=GET", "--", "-endpoint=/healthz", env=env).assert_failed()
    assert message.startswith(f"lprobe: group 1/2 (http 127.0.0.1:{nginx.port}): "
                              "unhealthy: HTTP 503"), message
    assert "other group" not in message, message


def test_run_wide_value_from_the_environment_holds_for_every_group(lprobe, nginx, closed_port):
    """LPROBE_EXIT_CODES is not a flag given in a later group: it is the run's."""
    run = lprobe(f"-port={nginx.port}", "--", "-mode=tcp", f"-port={closed_port}",
                 env={"LPROBE_EXIT_CODES": "detailed"})
    run.assert_failed("group 2/2 (tcp ", exit_code=2)


# -- -service=a,b -------------------------------------------------------------------------

def test_service_list_checks_each_service_on_one_connection(lprobe, grpc_server):
    # issue 10: a -service list is one group per service "on one HTTP/2 connection":
    # one stream each, one peer address at the server
    gport = grpc_server.get("python").port
    before = len(grpc_calls(grpc_server, "meta"))
    lprobe("-mode=grpc", f"-port={gport}", "-service=meta,svc,meta").assert_healthy()
    calls = grpc_calls(grpc_server, "meta")[before:]
    assert len(calls) == 2, calls
    assert calls[0]["peer"] == calls[1]["peer"], f"two connections for one list: {calls}"


@pytest.mark.parametrize("kind", ["python", "node"])
def test_service_list_over_tls_shares_one_connection_with_a_verdict_each(lprobe, kind, closed_port):
    workdir = tempfile.mkdtemp(prefix="lpgrp-")
    farm = Farm(workdir)
    try:
        port = farm.get(kind, "tls").port
        ca = farm.pki["ca_cert"]
        run = lprobe("-v", "-mode=grpc", f"-port={port}", "-tls", f"-tls-ca-cert={ca}",
                     "-tls-server-name=localhost", "-service=svc,orders,nosuch")
        assert run.returncode == 1, run
        err = run.stderr.decode()
        assert err.count("TLS handshake done with") == 1, f"one connection, one handshake\n{run}"
        lines = [x for x in err.splitlines() if x.startswith("lprobe: group ")]
        assert "healthy" in lines[0] and 'service "svc"' in lines[0], lines
        assert 'service "orders" is NOT_SERVING' in lines[1], lines
        assert "NOT_FOUND" in lines[2] and 'service "nosuch"' in lines[2], lines
        assert lines[-1].startswith("lprobe: group 2/3 ") and "1 other group" in lines[-1], lines
    finally:
        farm.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_service_list_fails_naming_the_service_the_server_does_not_know(lprobe, grpc_server):
    gport = grpc_server.get("python").port
    args = ["-mode=grpc", f"-port={gport}", "-service=svc,nosuch"]
    message = lprobe(*args).assert_failed()
    assert message.startswith(f'lprobe: group 2/2 (grpc 127.0.0.1:{gport} service "nosuch"): '), message
    assert "NOT_FOUND" in message and '"nosuch"' in message, message
    lprobe("-exit-codes=detailed", *args).assert_failed("group 2/2", exit_code=3)


def test_repeated_service_flags_are_a_list_too(lprobe, grpc_server):
    gport = grpc_server.get("python").port
    message = lprobe("-mode=grpc", f"-port={gport}", "-service=svc",
                     "-service=orders").assert_failed()
    assert message == (f'lprobe: group 2/2 (grpc 127.0.0.1:{gport} service "orders"): '
                       f'grpc: service "orders" is NOT_SERVING'), message


@pytest.mark.parametrize("service", ["a,", ",a", "a,,b"])
def test_service_list_with_an_empty_name_is_a_usage_error(lprobe, service):
    lprobe("-mode=grpc", "-port=1", f"-service={service}").assert_failed(
        "usage: -service list with an empty name")


def test_service_list_not_serving_one_is_unhealthy(lprobe, grpc_server):
    gport = grpc_server.get("python").port
    message = lprobe("-mode=grpc", f"-port={gport}", "-service=orders,svc").assert_failed()
    assert message == (f'lprobe: group 1/2 (grpc 127.0.0.1:{gport} service "orders"): '
                       f'grpc: service "orders" is NOT_SERVING'), message


# -- -v -----------------------------------------------------------------------------------

def test_verbose_prints_a_line_per_group(lprobe, nginx, grpc_server, tcp_peer):
    gport = grpc_server.get("python").port
    run = lprobe("-v", f"-port={nginx.port}", "-endpoint=/healthz",
                 "--", "-mode=grpc", f"-port={gport}", "-service=orders",
                 "--", "-mode=tcp", f"-port={tcp_peer.port}")
    assert run.returncode == 1, run
    lines = run.stderr.decode().splitlines()
    assert all(line.startswith("lprobe: ") for line in lines), run
    for g, proto, port in ((1, "http", f"{nginx.port}"), (2, "grpc", f'{gport} service "orders"'),
                           (3, "tcp", f"{tcp_peer.port}")):
        mine = [x for x in lines if x.startswith(f"lprobe: group {g}/3 ({proto} 127.0.0.1:"
                                                 f"{port}): ")]
        assert mine, f"no line for group {g}\n{run}"
    assert lines[-1] == (f'lprobe: group 2/3 (grpc 127.0.0.1:{gport} service "orders"): '
                         f'grpc: service "orders" is NOT_SERVING'), run
    assert re.search(r"group 1/3 .*\): (healthy|ok|HTTP 200)", run.stderr.decode(), re.I), run


# -- confinement of a multi-group probe (test_confinement.py's live-filter reader) ---------

def test_multi_group_probe_is_confined_by_the_filter(seccomp_dump):
    """Two groups waiting on silent peers: one seccomp filter on the whole process (filter
    mode, several probes), read back from the kernel; a new socket or connect kills, I/O
    on both sockets, poll and the verdict line are allowed."""
    if confinement.MACHINE not in bpf.MACHINES or confinement.INSTRUMENTED:
        pytest.skip("no system call table for this machine, or an instrumented build")
    first = servers.Server(servers.silent).start()
    second = servers.Server(servers.silent).start()
    try:
        with confinement.waiting_probe(first, f"-port={first.port}", "-connect-timeout=3s",
                                       "--", f"-port={second.port}",
                                       "-connect-timeout=3s") as process:
            assert confinement.wait_for(lambda: second.requests, 2), "group 2 never sent"
            status = confinement.read_status(process.pid)
            fds = confinement.read_fds(process.pid)
            dump = subprocess.run([str(seccomp_dump), str(process.pid)],
                                  capture_output=True, text=True, timeout=5)
    finally:
        first.stop()
        second.stop()
    assert status.get("NoNewPrivs") == "1", status
    assert status.get("Seccomp") == "2", f"not in filter mode: {status}"
    assert dump.returncode == 0, dump.stderr
    filters = json.loads(dump.stdout)["filters"]
    sockets = sorted(fd for fd, target in fds.items() if fd > 2 and target.startswith("socket:"))
    assert len(sockets) == 2, f"two groups, two sockets: {fds}"
    assert [fd for fd in fds if fd > 2 and fd not in sockets] == [], fds

    def verdict(call):
        return bpf.action_name(bpf.evaluate(filters, call, confinement.MACHINE))

    for sock in sockets:
        alive = [f"{c.label}: {verdict(c)}" for c in confinement.calls_that_must_kill(sock)
                 if verdict(c) not in bpf.KILLS]
        assert alive == [], "not killed:\n  " + "\n  ".join(alive)
        for group in confinement.calls_that_must_work(sock):
            assert any(verdict(c) == "ALLOW" for c in group), \
                " or ".join(f"{c.label}: {verdict(c)}" for c in group)
    for name in ("socket", "connect"):
        call = (Call("socket", 2, 1, 0) if name == "socket"
                else Call("connect", sockets[0], confinement.ADDR, 16))
        assert verdict(call) in bpf.KILLS, name


# -- bounds with several groups -----------------------------------------------------------

def test_flooding_group_does_not_starve_a_slow_healthy_one(lprobe, serve):
    """One peer floods a body of 1-byte chunks behind 1 KiB extensions (its group looks
    for a body text, so it must read on); another answers correctly in pieces 100 ms
    apart. The flood is cut at its group's deadline and only that group fails."""
    flood = serve(servers.chunk_extension_flood)
    head, rest = servers.OK[:20], servers.OK[20:]
    slow = serve(servers.respond_in_parts(head, rest[:10], rest[10:], pause=0.1))
    run = lprobe(f"-port={flood.port}", "-connect-timeout=600ms", "-expect-body=never-sent",
                 "--", f"-port={slow.port}", "-connect-timeout=2s")
    message = run.assert_failed(f"group 1/2 (http 127.0.0.1:{flood.port}): ")
    assert "other group" not in message, f"the slow group failed too\n{run}"
    run.assert_within(0.6 + 0.25)


def test_sixteen_tls_grpc_groups_stay_under_2_mib(lprobe, grpc_server):
    tls = grpc_server.get("python", "tls").port
    ca = grpc_server.pki["ca_cert"]
    args = []
    for g in range(16):
        args += (["--"] if g else []) + ["-mode=grpc", f"-port={tls}", "-tls",
                                         f"-tls-ca-cert={ca}", "-tls-server-name=localhost"]
    run = lprobe(*args, measure_rss=True)
    run.assert_healthy()
    limit = 2048
    if b"OpenSSL" in lprobe("-version").stdout:
        # SPEC's 2 MiB is the BearSSL build's (docs/DECISIONS.md): the OpenSSL build maps
        # up to its whole 4 MiB binary on top, and only that
        limit += LPROBE.stat().st_size // 1024
    assert run.max_rss_kib < limit, f"peak RSS {run.max_rss_kib} KiB\n{run}"


def test_sixteen_mixed_groups_each_get_their_own_verdict(lprobe, nginx, grpc_server, tcp_peer,
                                                         closed_port):
    """Issue 9's gate: 16 probes of every kind in one run (HTTP, gRPC over TLS, gRPC h2c,
    TCP), a few failing; -v shows each group's own verdict, in order."""
    tls = grpc_server.get("python", "tls").port
    plain = grpc_server.get("python").port
    ca = grpc_server.pki["ca_cert"]
    kinds = [
        (["-port=%d" % nginx.port, "-endpoint=/healthz"], "healthy"),
        (["-mode=grpc", "-port=%d" % tls, "-tls", "-tls-ca-cert=%s" % ca,
          "-tls-server-name=localhost", "-service=svc"], "healthy"),
        (["-mode=tcp", "-port=%d" % tcp_peer.port], "healthy"),
        (["-mode=grpc", "-port=%d" % plain, "-service=orders"], 'service "orders" is NOT_SERVING'),
        (["-port=%d" % nginx.port, "-endpoint=/503"], "unhealthy: HTTP 503"),
        (["-mode=grpc", "-port=%d" % plain], "healthy"),
        (["-port=%d" % closed_port, "-ipv6"], "connection refused"),
        (["-mode=grpc", "-port=%d" % tls, "-tls", "-tls-ca-cert=%s" % ca,
          "-tls-server-name=localhost"], "healthy"),
    ]
    groups = [kinds[g % len(kinds)] for g in range(16)]
    args = ["-v"]
    for g, (flags, _) in enumerate(groups):
        args += (["--"] if g else []) + flags
    run = lprobe(*args)
    assert run.returncode == 1, run
    lines = [x for x in run.stderr.decode().splitlines() if x.startswith("lprobe: group ")]
    assert len(lines) == 17, run           # one per group under -v, then the failure line
    for g, (_, verdict) in enumerate(groups):
        assert lines[g].startswith(f"lprobe: group {g + 1}/16 "), lines[g]
        assert verdict in lines[g], (g, lines[g])
    assert "group 4/16" in lines[16] and "(and 5 other groups failed)" in lines[16], lines[16]
    run.assert_within(3.0)
