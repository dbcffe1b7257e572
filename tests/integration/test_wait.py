"""-wait and -interval: repeat the whole run until healthy or the wait runs out (SPEC
"-wait, -interval"), each attempt in a child that confines itself; the run ends within
the wait plus one attempt's timeouts.

Against a loopback server that starts listening late (its port bound, and so refused,
until then), a port that never listens, and a peer that never answers.
"""

import contextlib
import os
import re
import signal
import subprocess
import time

import pytest

import servers
import test_confinement as confinement
from conftest import LPROBE, probe_environment
from test_input import assert_usage_error

STILL = re.compile(r"^lprobe: still unhealthy after (\d+) attempts in (\S+); last: (.*)$")


class LateServer(servers.Server):
    """A servers.Server whose port is bound at once (so connects are refused, on both
    loopback families) but listened on only after `delay` seconds."""

    def __init__(self, behaviour, delay, **options):
        super().__init__(behaviour, **options)
        self.delay = delay
        self.listening_at = None

    def start(self):
        self._listener = self._bind_tcp()
        self._listener.settimeout(servers.POLL)
        self._deadline = time.monotonic() + self.lifetime
        self._spawn(self._listen_late)
        return self

    def _listen_late(self):
        if self.stopping.wait(self.delay):
            return
        self._listener.listen(16)
        self.listening_at = time.monotonic()
        self._accept_loop()


@pytest.fixture
def late(request):
    started = []

    def start(delay):
        server = LateServer(servers.recording, delay).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def attempts_of(message):
    m = STILL.match(message)
    assert m, f"not a 'still unhealthy' line: {message!r}"
    return int(m.group(1)), m.group(2), m.group(3)


# -- a service that comes up --------------------------------------------------------------

def test_server_that_comes_up_late_is_healthy_within_the_wait(lprobe, late):
    server = late(0.6)
    started = time.monotonic()
    run = lprobe(f"-port={server.port}", "-wait=5s", "-interval=200ms")
    run.assert_healthy()
    assert server.listening_at is not None
    assert server.listening_at - started >= 0.55, "the server was up from the start"
    assert run.elapsed >= 0.55, f"healthy before the server listened\n{run}"
    run.assert_within(1.5)
    assert len(server.requests) == 1, "only the attempt that connected sent a request"


def test_verbose_wait_shows_each_attempt_and_the_recovery(lprobe, late):
    server = late(0.5)
    run = lprobe("-v", f"-port={server.port}", "-wait=5s", "-interval=200ms")
    assert run.returncode == 0, run
    lines = run.stderr.decode().splitlines()
    tries = [x for x in lines if x.startswith("lprobe: attempt ")]
    assert len(tries) >= 2, run
    for n, line in enumerate(tries, 1):
        assert line.startswith(f"lprobe: attempt {n}: connect 127.0.0.1:{server.port}: "
                               "connection refused"), line
    assert lines[-1] == f"lprobe: healthy after {len(tries) + 1} attempts", run


def test_healthy_at_once_needs_one_attempt_and_says_nothing(lprobe, nginx):
    run = lprobe(f"-port={nginx.port}", "-wait=5s", "-interval=200ms")
    run.assert_healthy()
    run.assert_within(0.5)
    run = lprobe("-v", f"-port={nginx.port}", "-wait=5s")
    assert run.returncode == 0, run
    assert b"attempt" not in run.stderr, f"one attempt, no recovery to report\n{run}"


# -- a service that never comes up --------------------------------------------------------

def test_server_that_never_comes_up_fails_after_the_wait(lprobe, closed_port):
    run = lprobe(f"-port={closed_port}", "-wait=1s", "-interval=200ms",
                 "-connect-timeout=300ms")
    message = run.assert_failed()
    attempts, wait, last = attempts_of(message)
    assert 4 <= attempts <= 6, message
    assert wait == "1s", message
    assert last.startswith(f"connect 127.0.0.1:{closed_port}: connection refused"), message
    assert run.elapsed >= 0.75, f"gave up early\n{run}"
    run.assert_within(1.0 + 0.3 + 0.3)


def test_server_up_before_the_wait_ends_is_found(lprobe, late):
    """-wait=1s -interval=500ms, a server listening at 700 ms: the wait has not run out
    then, so an attempt (at the latest when the wait ends) finds it healthy."""
    server = late(0.7)
    run = lprobe(f"-port={server.port}", "-wait=1s", "-interval=500ms")
    run.assert_healthy()
    run.assert_within(1.0 + 0.3)


def test_run_ends_within_the_wait_plus_one_attempts_timeout(lprobe, serve):
    """Each attempt against a silent peer takes its whole 400 ms: the last one begun
    before the wait ran out finishes, no other starts."""
    server = serve(servers.silent)
    run = lprobe(f"-port={server.port}", "-wait=1s", "-interval=200ms",
                 "-connect-timeout=400ms")
    attempts, _, last = attempts_of(run.assert_failed())
    assert "timeout" in last, last
    assert attempts in (2, 3), run
    assert len(server.requests) == attempts, "each attempt is one request"
    run.assert_within(1.0 + 0.4 + 0.25)


def test_detailed_exit_code_is_the_last_attempts(lprobe, closed_port, nginx):
    run = lprobe("-exit-codes=detailed", f"-port={closed_port}", "-wait=400ms",
                 "-interval=100ms")
    run.assert_failed("still unhealthy after", exit_code=2)
    run = lprobe("-exit-codes=detailed", f"-port={nginx.port}", "-endpoint=/503",
                 "-wait=400ms", "-interval=100ms")
    attempts, _, last = attempts_of(run.assert_failed(exit_code=4))
    assert last == f"unhealthy: HTTP 503 from 127.0.0.1:{nginx.port}/503", last


def test_verbose_lists_every_failed_attempt(lprobe, closed_port):
    run = lprobe("-v", f"-port={closed_port}", "-wait=600ms", "-interval=200ms")
    assert run.returncode == 1, run
    lines = run.stderr.decode().splitlines()
    tries = [x for x in lines if x.startswith("lprobe: attempt ")]
    attempts, _, _ = attempts_of(lines[-1])
    assert [int(x.split()[2].rstrip(":")) for x in tries] == list(range(1, attempts + 1)), run


def test_wait_with_groups_retries_until_every_group_is_healthy(lprobe, late, nginx):
    server = late(0.4)
    run = lprobe(f"-port={nginx.port}", "-wait=3s", "-interval=100ms",
                 "--", "-mode=tcp", f"-port={server.port}")
    run.assert_healthy()
    run.assert_within(1.2)
    run = lprobe(f"-port={nginx.port}", "-endpoint=/503", "-wait=300ms", "-interval=100ms",
                 "--", "-mode=tcp", f"-port={server.port}")
    _, _, last = attempts_of(run.assert_failed())
    assert last.startswith(f"group 1/2 (http 127.0.0.1:{nginx.port}): unhealthy: HTTP 503"), \
        last


# -- usage --------------------------------------------------------------------------------

def test_interval_without_wait_is_a_usage_error(lprobe, tmp_path, serve):
    server = serve(servers.recording)
    message = assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}",
                                 "-interval=200ms")
    assert message == "lprobe: usage: -interval needs -wait", message


@pytest.mark.parametrize("flag", ["-wait=0", "-wait=-1s", "-wait=soon", "-interval=0"])
def test_bad_wait_or_interval_is_a_usage_error(lprobe, tmp_path, serve, flag):
    server = serve(servers.recording)
    extra = ["-wait=1s"] if flag.startswith("-interval") else []
    assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}", *extra, flag)


# -- confinement under -wait --------------------------------------------------------------

def children(pid):
    with contextlib.suppress(FileNotFoundError):
        text = open(f"/proc/{pid}/task/{pid}/children").read()
        return [int(x) for x in text.split()]
    return []


def test_each_attempt_is_a_confined_child_and_the_parent_holds_no_socket(serve):
    """The attempt that talks to the peer is a child under seccomp; the parent, which
    only forks and waits, has no_new_privs and no socket at all."""
    if confinement.INSTRUMENTED:
        pytest.skip("instrumented build: no seccomp")
    server = serve(servers.silent)
    process = subprocess.Popen([str(LPROBE), f"-port={server.port}", "-connect-timeout=3s",
                                "-wait=3s"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=probe_environment(None))
    try:
        assert confinement.wait_for(lambda: server.requests, 3), "no attempt reached the peer"
        kids = children(process.pid)
        assert len(kids) == 1, kids
        child = kids[0]
        confinement.wait_for(
            lambda: confinement.read_status(child).get("Seccomp", "0") != "0", 0.5)
        child_status = confinement.read_status(child)
        parent_status = confinement.read_status(process.pid)
        child_fds = confinement.read_fds(child)
        parent_fds = confinement.read_fds(process.pid)
    finally:
        for pid in children(process.pid):  # an orphaned attempt would run to its timeout
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.kill()
        process.communicate()
    assert child_status.get("NoNewPrivs") == "1", child_status
    assert child_status.get("Seccomp") in ("1", "2"), child_status
    assert parent_status.get("NoNewPrivs") == "1", parent_status
    assert [t for t in parent_fds.values() if t.startswith("socket:")] == [], parent_fds
    assert len([t for fd, t in child_fds.items() if fd > 2 and t.startswith("socket:")]) == 1, \
        child_fds


def test_an_attempt_dies_with_its_loop(serve):
    """DECISIONS: a child dies with its parent (PR_SET_PDEATHSIG): killing the -wait loop
    (a container being stopped) does not leave an attempt running to its timeout."""
    server = serve(servers.silent)
    process = subprocess.Popen([str(LPROBE), f"-port={server.port}", "-connect-timeout=5s",
                                "-wait=10s"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=probe_environment(None))
    try:
        assert confinement.wait_for(lambda: server.requests, 3), "no attempt reached the peer"
        kids = children(process.pid)
        assert len(kids) == 1, kids
    finally:
        process.kill()          # no pipes to drain: an orphan could not hold this up
        process.wait()

    def gone():
        try:
            state = confinement.read_status(kids[0]).get("State", "")
        except (FileNotFoundError, ProcessLookupError):
            return True
        return state.startswith("Z") or not state
    ended = confinement.wait_for(gone, 1.0)
    with contextlib.suppress(ProcessLookupError):   # leave nothing behind if it failed
        os.kill(kids[0], signal.SIGKILL)
    assert ended, "the attempt outlived its loop"
