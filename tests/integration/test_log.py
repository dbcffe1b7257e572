"""-log=PATH (SPEC "-log"): the failure line also goes to an existing pipe, character device
or regular file -- `/proc/1/fd/2` makes a Docker or Kubernetes probe's reason show in the
container log. Opened before confinement, write-only, append, non-blocking, never created.

Note: lprobe closes every inherited descriptor above 2 first (sandbox.h), so a pipe is
handed over as /proc/<the test's pid>/fd/N, the way /proc/1/fd/2 names PID 1's stderr --
not as /proc/self/fd/N of an inherited descriptor.
"""

import contextlib
import fcntl
import os
import socket
import stat
import time

import pytest

import servers
from test_input import assert_usage_error

F_SETPIPE_SZ = 1031


@contextlib.contextmanager
def pipe_path():
    """(path naming a pipe's write end, read end fd); the read end is non-blocking."""
    r, w = os.pipe()
    os.set_blocking(r, False)
    try:
        yield f"/proc/{os.getpid()}/fd/{w}", r
    finally:
        os.close(r)
        os.close(w)


def drain(fd):
    data = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 65536):
            data += chunk
    return data


# -- where the line goes ------------------------------------------------------------------

def test_failure_line_goes_to_a_pipe_once(lprobe, closed_port):
    with pipe_path() as (path, r):
        run = lprobe(f"-port={closed_port}", f"-log={path}")
        message = run.assert_failed("connection refused")
        assert drain(r) == (message + "\n").encode(), run


def test_healthy_run_writes_nothing_to_the_log(lprobe, nginx):
    with pipe_path() as (path, r):
        lprobe(f"-port={nginx.port}", f"-log={path}").assert_healthy()
        lprobe("-v", f"-port={nginx.port}", f"-log={path}")
        assert drain(r) == b"", "a healthy run (even with -v) wrote to the log"


def test_group_failure_line_goes_to_the_log_whole(lprobe, nginx, closed_port):
    with pipe_path() as (path, r):
        run = lprobe(f"-log={path}", f"-port={nginx.port}", "-endpoint=/503",
                     "--", "-mode=tcp", f"-port={closed_port}")
        message = run.assert_failed("group 1/2", "(and 1 other group failed)")
        assert drain(r) == (message + "\n").encode()


def test_failure_line_goes_to_a_named_fifo_with_a_reader(lprobe, tmp_path, closed_port):
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        message = lprobe(f"-port={closed_port}", f"-log={fifo}").assert_failed()
        assert drain(r) == (message + "\n").encode()
    finally:
        os.close(r)


def test_regular_file_is_appended_to(lprobe, tmp_path, closed_port):
    log = tmp_path / "probe.log"
    log.write_text("earlier line\n")
    first = lprobe(f"-port={closed_port}", f"-log={log}").assert_failed()
    second = lprobe(f"-port={closed_port}", "-connect-timeout=300ms",
                    f"-log={log}").assert_failed()
    assert log.read_text() == f"earlier line\n{first}\n{second}\n"


@pytest.mark.parametrize("kind", [socket.SOCK_DGRAM, socket.SOCK_STREAM], ids=["datagram", "stream"])
def test_unix_socket_gets_the_line(lprobe, socket_dir, closed_port, kind):
    # a unix socket cannot be open(2)ed: lprobe connects to it (syslog's /dev/log is a
    # datagram socket; a log collector's may be a stream one)
    path = str(socket_dir / "log.sock")
    with socket.socket(socket.AF_UNIX, kind) as s:
        s.bind(path)
        if kind == socket.SOCK_STREAM:
            s.listen(1)
        run = lprobe(f"-port={closed_port}", f"-log={path}")
        message = run.assert_failed("connection refused")
        peer = s.accept()[0] if kind == socket.SOCK_STREAM else s
        peer.settimeout(2)
        assert peer.recv(4096) == (message + "\n").encode()


def test_unix_socket_nobody_listens_on_is_refused(lprobe, socket_dir, serve):
    path = str(socket_dir / "gone.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(path)            # bound, never listened on: connect is refused
        run = lprobe(f"-log={path}")
        run.assert_failed("usage: -log", "cannot connect")


def test_dev_null_is_accepted(lprobe, closed_port):
    run = lprobe(f"-port={closed_port}", "-log=/dev/null")
    run.assert_failed(f"connect 127.0.0.1:{closed_port}: connection refused")


def test_usage_error_after_parsing_also_goes_to_the_log(lprobe, tmp_path, serve):
    """A TLS file that cannot be read is found after -log is open: the line goes there."""
    server = serve(servers.recording)
    log = tmp_path / "probe.log"
    log.write_text("")
    message = lprobe(f"-port={server.port}", "-tls", f"-tls-ca-cert={tmp_path}/none.pem",
                     f"-log={log}").assert_failed("none.pem")
    assert log.read_text() == message + "\n"
    assert server.connections == 0


def test_full_pipe_drops_the_line_instead_of_stalling(lprobe, closed_port):
    """O_NONBLOCK: a log nobody reads must not hold a health check up."""
    with pipe_path() as (path, r):
        w = int(path.rsplit("/", 1)[1])
        fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
        os.set_blocking(w, False)
        with contextlib.suppress(BlockingIOError):
            while True:
                os.write(w, b"x" * 4096)
        run = lprobe(f"-port={closed_port}", f"-log={path}", timeout=5)
        run.assert_failed("connection refused")
        run.assert_within(0.5)


# -- what is refused ----------------------------------------------------------------------

def test_missing_path_is_refused_and_not_created(lprobe, tmp_path, serve):
    server = serve(servers.recording)
    missing = tmp_path / "probe.log"
    message = assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}",
                                 f"-log={missing}")
    assert str(missing) in message and "No such file" in message, message
    assert not missing.exists(), "lprobe created the log file"


def test_directory_is_refused(lprobe, tmp_path, serve):
    server = serve(servers.recording)
    message = assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}",
                                 f"-log={tmp_path}")
    assert "directory" in message.lower(), message


def test_fifo_without_a_reader_is_refused_at_once(lprobe, tmp_path, serve):
    """Opening a FIFO for writing blocks until a reader comes; O_NONBLOCK makes it ENXIO."""
    server = serve(servers.recording)
    fifo = tmp_path / "nobody.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    message = assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}",
                                 f"-log={fifo}")
    assert time.monotonic() - started < 0.5
    assert "No such device or address" in message, message
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_block_device_is_refused(lprobe, tmp_path, serve):
    """A block device opens (a loop device needs no backing file to open) and is then
    refused by its type: it is not where a log line belongs."""
    device = "/dev/loop0"
    try:
        os.close(os.open(device, os.O_WRONLY | os.O_NONBLOCK))
    except OSError as e:
        pytest.skip(f"{device} cannot be opened here: {e}")
    server = serve(servers.recording)
    message = assert_usage_error(lprobe, tmp_path, server, f"-port={server.port}",
                                 f"-log={device}")
    assert message == (f"lprobe: usage: -log {device}: not a pipe, socket, character "
                       "device or regular file"), message


# -- with -wait ---------------------------------------------------------------------------

def test_wait_logs_recovery_after_failed_attempts(lprobe, closed_port):
    """-wait: the first success after failures says so in the log; failed attempts
    themselves do not each write a line."""
    from test_wait import LateServer
    server = LateServer(servers.recording, 0.4).start()
    try:
        with pipe_path() as (path, r):
            run = lprobe(f"-port={server.port}", "-wait=3s", "-interval=100ms",
                         f"-log={path}")
            run.assert_healthy()
            logged = drain(r).decode()
    finally:
        server.stop()
    lines = logged.splitlines()
    assert len(lines) == 1 and logged.endswith("\n"), logged
    n = int(lines[0].removeprefix("lprobe: healthy after ").removesuffix(" attempts"))
    assert n >= 2, logged


def test_wait_healthy_at_once_logs_nothing(lprobe, nginx):
    with pipe_path() as (path, r):
        lprobe(f"-port={nginx.port}", "-wait=2s", f"-log={path}").assert_healthy()
        assert drain(r) == b""


def test_wait_that_runs_out_logs_one_line(lprobe, closed_port):
    with pipe_path() as (path, r):
        run = lprobe(f"-port={closed_port}", "-wait=500ms", "-interval=100ms",
                     f"-log={path}")
        message = run.assert_failed("still unhealthy after")
        assert drain(r) == (message + "\n").encode()
