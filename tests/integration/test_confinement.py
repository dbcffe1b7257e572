"""SPEC guarantee 4, read back from the kernel: once a probe is connected and waiting for
its peer, it is confined -- PR_SET_NO_NEW_PRIVS and a seccomp filter under which it can
do I/O on the sockets it holds, read the clock, get randomness, write its line and exit,
and nothing else: no new socket, connect, bind, send to an address, exec, open, fork,
mmap.

The filter is not trusted from the source: tests/tools/seccomp_dump reads the filters
of the running probe (PTRACE_SECCOMP_GET_FILTER, root only) and seccomp_bpf.py runs
them on the system calls a hijacked probe would make.

Also: the probe holds no descriptor but 0-2 and its socket(s), so an inherited file or
socket cannot be used from inside the sandbox; with stderr closed, -v output does not
end up in the socket; a stopped and continued probe still gives its verdict.
"""

import contextlib
import ctypes
import json
import os
import platform
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import seccomp_bpf as bpf
import servers
from conftest import INSTRUMENTED, LPROBE, REPO, probe_environment
from seccomp_bpf import Call

MACHINE = platform.machine()
DUMP_SOURCE = REPO / "tests" / "tools" / "seccomp_dump.c"

pytestmark = [
    pytest.mark.skipif(MACHINE not in bpf.MACHINES,
                       reason=f"no system call table for {MACHINE}"),
    pytest.mark.skipif(INSTRUMENTED,
                       reason="sanitizer/valgrind build: no seccomp filter (LP_NO_SECCOMP)"),
]


# -- a probe that is connected and waiting -------------------------------------------------

@dataclass
class Snapshot:
    """What the kernel says about a probe that waits for its peer's answer."""

    case: str
    pid: int
    status: dict
    fds: dict                   # fd number -> readlink of /proc/PID/fd/N
    filters: list = None        # None: not read (strict mode, or no filter)
    dump_error: str = None
    socket_fds: list = field(default_factory=list)

    @property
    def seccomp_mode(self):
        return int(self.status.get("Seccomp", "0"))

    def __str__(self):
        return (f"probe ({self.case}) pid {self.pid}: Seccomp {self.status.get('Seccomp')}, "
                f"NoNewPrivs {self.status.get('NoNewPrivs')}, "
                f"Seccomp_filters {self.status.get('Seccomp_filters')}, fds {self.fds}")


def read_status(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def read_fds(pid):
    fds = {}
    directory = f"/proc/{pid}/fd"
    for name in os.listdir(directory):
        with contextlib.suppress(FileNotFoundError):
            fds[int(name)] = os.readlink(f"{directory}/{name}")
    return fds


def wait_for(predicate, seconds, step=0.01):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@contextlib.contextmanager
def waiting_probe(server, *args, pass_fds=(), preexec_fn=None, stderr=subprocess.PIPE):
    """Start lprobe against `server` (which never answers), wait until the server has the
    probe's first bytes, then until the probe has had time to confine itself; yield the
    Popen. The probe is killed on the way out."""
    if not LPROBE.is_file():
        pytest.fail(f"{LPROBE} is missing: run `make` first")
    process = subprocess.Popen([str(LPROBE), *map(str, args)], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=stderr,
                               env=probe_environment(None), pass_fds=pass_fds,
                               preexec_fn=preexec_fn)
    try:
        if not wait_for(lambda: server.requests or process.poll() is not None, 3):
            pytest.fail(f"the server never heard from the probe (args {args})")
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the probe ended before its peer answered: exit "
                        f"{process.returncode}, stderr {err!r}")
        # It has sent its first bytes and now waits in poll(2): whatever confinement it
        # applies after connecting is in force within a few milliseconds.
        wait_for(lambda: read_status(process.pid).get("Seccomp", "0") != "0", 0.5)
        time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(ValueError, OSError):
            process.communicate()


@pytest.fixture(scope="session")
def seccomp_dump(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("reading a process's seccomp filters needs root (CAP_SYS_ADMIN)")
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        pytest.skip("a C compiler is needed to build tests/tools/seccomp_dump.c")
    tool = tmp_path_factory.mktemp("tools") / "seccomp_dump"
    subprocess.run([compiler, "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
                    "-Werror", "-o", str(tool), str(DUMP_SOURCE)], check=True)
    return tool


# Each case: the server's behaviour and the probe's flags. (tcp mode is done once it is
# connected, so there is no waiting tcp probe to look at; tcp with -tls is the tls case.)
CASES = {
    "http": (servers.silent, ["-connect-timeout=3s"]),
    "http-unix": (servers.silent, ["-connect-timeout=3s"]),
    "grpc": (servers.silent, ["-mode=grpc", "-connect-timeout=3s", "-rpc-timeout=3s"]),
    "tls": (servers.tls_silent, ["-tls", "-tls-no-verify", "-connect-timeout=3s"]),
}


def start_server(case, directory):
    behaviour, flags = CASES[case]
    if case == "http-unix":
        server = servers.Server(behaviour, unix_path=str(directory / "app.sock")).start()
        return server, [f"-unix={server.unix_path}", *flags]
    server = servers.Server(behaviour).start()
    return server, [f"-port={server.port}", *flags]


@pytest.fixture(scope="module", params=list(CASES))
def confined(request, seccomp_dump):
    """A Snapshot of a waiting probe: /proc status and fds, and its seccomp filters."""
    case = request.param
    directory = Path(tempfile.mkdtemp(prefix="lprobe-conf-"))
    server, args = start_server(case, directory)
    try:
        with waiting_probe(server, *args) as process:
            snap = Snapshot(case, process.pid, read_status(process.pid),
                            read_fds(process.pid))
            snap.socket_fds = sorted(fd for fd, target in snap.fds.items()
                                     if fd > 2 and target.startswith("socket:"))
            if snap.seccomp_mode == 2:
                dump = subprocess.run([str(seccomp_dump), str(process.pid)],
                                      capture_output=True, text=True, timeout=5)
                if dump.returncode == 0:
                    snap.filters = json.loads(dump.stdout)["filters"]
                else:
                    snap.dump_error = dump.stderr.strip()
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return snap


def verdicts(snap, calls):
    """[(call, action name)] under the probe's confinement."""
    if snap.seccomp_mode == 1:
        return [(call, bpf.action_name(bpf.evaluate_strict(call, MACHINE))) for call in calls]
    assert snap.filters, f"no seccomp filter could be read: {snap.dump_error}\n{snap}"
    return [(call, bpf.action_name(bpf.evaluate(snap.filters, call, MACHINE)))
            for call in calls]


# -- the tables ----------------------------------------------------------------------------

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET = 1, 2, 10, 16, 17
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW = 1, 2, 3
SOCK_NONBLOCK_CLOEXEC = 0o4000 | 0o2000000
BUF = 0x7FFF0000_1000          # any plausible user-space pointer
ADDR = 0x7FFF0000_2000
HIGH_ONLY_ADDR = 0x7F00_00000000   # a pointer whose low 32 bits are all zero
SIGCHLD = 17
CLONE_THREAD_FLAGS = 0x3D0F00  # what pthread_create passes: VM|FS|FILES|SIGHAND|THREAD|...


def calls_that_must_kill(sock):
    """What a hijacked probe would do to reach something new."""
    calls = [
        Call("socket", AF_INET, SOCK_STREAM, 0),
        Call("socket", AF_INET, SOCK_STREAM | SOCK_NONBLOCK_CLOEXEC, 0),
        Call("socket", AF_INET6, SOCK_STREAM, 0),
        Call("socket", AF_UNIX, SOCK_STREAM, 0),
        Call("socket", AF_INET, SOCK_DGRAM, 0),
        Call("socket", AF_INET, SOCK_RAW, 255),
        Call("socket", AF_NETLINK, SOCK_RAW, 0),
        Call("socket", AF_PACKET, SOCK_RAW, 0x0300),
        Call("connect", sock, ADDR, 16),
        Call("connect", 3, ADDR, 16),
        Call("bind", sock, ADDR, 16),
        Call("listen", sock, 16),
        Call("accept", sock, 0, 0),
        Call("accept4", sock, 0, 0, 0),
        Call("sendto", sock, BUF, 64, 0, ADDR, 16),
        Call("sendto", sock, BUF, 64, 0x4000, HIGH_ONLY_ADDR, 16,
             label="sendto(sock, ..., dest_addr with its low 32 bits zero)"),
        Call("sendmsg", sock, BUF, 0),
        Call("sendmmsg", sock, BUF, 1, 0),
        Call("socketpair", AF_UNIX, SOCK_STREAM, 0, BUF),
        Call("execve", BUF, BUF, BUF),
        Call("execveat", -100, BUF, BUF, BUF, 0),
        Call("openat", -100, BUF, 0),
        Call("openat2", -100, BUF, BUF, 24),
        Call("clone", SIGCHLD, 0, 0, 0, 0),
        Call("clone", CLONE_THREAD_FLAGS, BUF, BUF, BUF, BUF),
        Call("clone3", BUF, 88),
        Call("mmap", 0, 4096, 3, 0x22, -1, 0),
        Call("mmap", 0, 4096, 5, 0x01, sock, 0),
        Call("mprotect", BUF, 4096, 7),
        Call("ptrace", 16, 1, 0, 0),
        Call("memfd_create", BUF, 0),
        Call("io_uring_setup", 8, BUF),
        # another ABI of the same kernel: the filter must not judge it by native numbers
        Call("read", sock, BUF, 64, abi="compat"),
        Call("socket", AF_INET, SOCK_STREAM, 0, abi="compat"),
    ]
    for name in ("open", "fork", "vfork"):
        if bpf.has_syscall(name, MACHINE):
            calls.append(Call(name, BUF, 0, 0) if name == "open" else Call(name))
    if MACHINE == "x86_64":
        calls += [Call("read", sock, BUF, 64, abi="x32"),
                  Call("socket", AF_INET, SOCK_STREAM, 0, abi="x32")]
    return calls


def calls_that_must_work(sock):
    """What the rest of the exchange needs, as groups of which one call at least must be
    allowed (which of read or recvfrom the probe uses is its own business)."""
    groups = [
        [Call("read", sock, BUF, 4096), Call("recvfrom", sock, BUF, 4096, 0, 0, 0)],
        [Call("sendto", sock, BUF, 64, 0x4000, 0, 0, label="sendto(sock, ..., NULL, 0)"),
         Call("write", sock, BUF, 64)],
        [Call("write", 2, BUF, 64)],        # the verdict line
        [Call("close", sock)],
        [Call("clock_gettime", 1, BUF)],
        [Call("getrandom", BUF, 32, 0)],
        [Call("rt_sigreturn")],
        # a poll(2) interrupted by a stop (SIGSTOP, ptrace) resumes through this one
        [Call("restart_syscall")],
        [Call("exit_group", 1)],
    ]
    if bpf.has_syscall("poll", MACHINE):   # musl's poll() is poll(2) where it exists
        groups.append([Call("poll", BUF, 1, 100), Call("ppoll", BUF, 1, BUF, 0, 8)])
    else:
        groups.append([Call("ppoll", BUF, 1, BUF, 0, 8)])
    return groups


# -- the tests -----------------------------------------------------------------------------

def test_waiting_probe_is_confined(confined):
    assert confined.status.get("NoNewPrivs") == "1", f"no_new_privs is not set\n{confined}"
    assert confined.seccomp_mode in (1, 2), f"no seccomp confinement\n{confined}"
    if confined.seccomp_mode == 2:
        assert confined.filters, (
            f"filter mode, but no filter could be read: {confined.dump_error}\n{confined}")
    else:
        print(f"{confined.case}: SECCOMP_MODE_STRICT (read, write, exit, sigreturn only)")


def test_confined_probe_can_reach_nothing_new(confined):
    assert confined.socket_fds, f"the waiting probe holds no socket\n{confined}"
    wrong = [f"{call.label}: {action}"
             for call, action in verdicts(confined, calls_that_must_kill(confined.socket_fds[0]))
             if action not in bpf.KILLS]
    assert wrong == [], (f"{len(wrong)} calls are not killed under the probe's confinement "
                         f"({confined.case}):\n  " + "\n  ".join(wrong) + f"\n{confined}")


def test_confined_probe_can_finish_its_exchange(confined):
    sock = confined.socket_fds[0] if confined.socket_fds else 3
    groups = calls_that_must_work(sock)
    if confined.seccomp_mode == 1:      # strict: the kernel's fixed list, nothing else
        groups = [[call for call in group if call.name in bpf.STRICT_ALLOWED]
                  for group in groups]
        groups = [group for group in groups if group]
    wrong = []
    for group in groups:
        results = verdicts(confined, group)
        if not any(action == "ALLOW" for _, action in results):
            wrong.append(" or ".join(f"{call.label}: {action}" for call, action in results))
    assert wrong == [], (f"calls the exchange needs are not allowed ({confined.case}):\n  "
                         + "\n  ".join(wrong) + f"\n{confined}")


def test_confined_probe_holds_only_stdio_and_its_socket(confined):
    others = {fd: target for fd, target in confined.fds.items()
              if fd > 2 and fd not in confined.socket_fds}
    assert others == {}, f"descriptors besides 0-2 and the socket\n{confined}"
    assert len(confined.socket_fds) == 1, f"one probe, one socket\n{confined}"



def test_getpid_is_allowed_only_in_the_openssl_build(confined):
    """OpenSSL's DRBG calls getpid(2) on every draw; BearSSL's build has no use for it."""
    version = subprocess.run([str(LPROBE), "-version"], capture_output=True, timeout=5).stdout
    [(_, action)] = verdicts(confined, [Call("getpid")])
    if b"OpenSSL" in version:
        assert action == "ALLOW", f"getpid: {action}\n{confined}"
    else:
        assert action in bpf.KILLS, f"getpid: {action}\n{confined}"

# -- inherited descriptors -----------------------------------------------------------------

def test_inherited_descriptors_are_closed_before_probing(serve, socket_dir, tmp_path):
    """A file and a connected unix socket passed down by the parent (a shell, a
    container runtime) must not be open in the confined probe: from inside the sandbox
    they would be ways out."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the probe must not hold this file\n")
    elsewhere = serve(servers.silent, unix_path=str(socket_dir / "elsewhere.sock"))
    with open(secret) as file, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
        unix.connect(elsewhere.unix_path)
        unix_inode = os.fstat(unix.fileno()).st_ino
        server = serve(servers.silent)
        inherited = (file.fileno(), unix.fileno())
        with waiting_probe(server, f"-port={server.port}", "-connect-timeout=3s",
                           pass_fds=inherited) as process:
            fds = read_fds(process.pid)
    leaked = {fd: target for fd, target in fds.items()
              if target == str(secret) or target == f"socket:[{unix_inode}]"}
    assert leaked == {}, (f"inherited descriptors {inherited} still open in the probe: "
                          f"{leaked} (all: {fds})")
    extra = {fd: target for fd, target in fds.items()
             if fd > 2 and not target.startswith("socket:")}
    assert extra == {}, f"the probe holds descriptors besides 0-2 and sockets: {fds}"


# -- -v with stderr closed -----------------------------------------------------------------

def close_stderr():
    os.close(2)


def test_verbose_output_never_reaches_the_socket_when_stderr_is_closed(serve):
    """With fd 2 closed at start, the probe's socket could be given number 2; -v writes
    to fd 2 must then not go to the server."""
    server = serve(servers.recording)
    process = subprocess.Popen([str(LPROBE), f"-port={server.port}", "-v",
                                "-connect-timeout=2s"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, preexec_fn=close_stderr,
                               env=probe_environment(None))
    try:
        process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("lprobe with stderr closed still running after 5 s")
    assert len(server.requests) == 1, server.requests
    request = server.requests[0]
    assert b"lprobe:" not in request, f"log text went into the socket: {request!r}"
    assert request.startswith(b"GET / HTTP/1.1\r\n"), f"not a clean request: {request!r}"
    assert process.returncode == 0, f"exit {process.returncode}"


# -- stopped and continued -----------------------------------------------------------------

def test_stopped_and_continued_probe_still_gives_its_verdict(serve):
    """SIGSTOP/SIGCONT (job control, a debugger, a checkpointing runtime) interrupts the
    poll(2) the probe waits in; the kernel resumes it through restart_syscall(2). The
    confined probe must survive that and answer: exit 1, one line (a timeout here)."""
    server = serve(servers.silent)
    with waiting_probe(server, f"-port={server.port}", "-connect-timeout=1s") as process:
        os.kill(process.pid, signal.SIGSTOP)
        time.sleep(0.05)
        os.kill(process.pid, signal.SIGCONT)
        try:
            _, stderr = process.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            pytest.fail("the probe did not end within 3 s after SIGCONT")
    assert process.returncode == 1, (
        f"exit {process.returncode}"
        + (f" (killed by {signal.Signals(-process.returncode).name})"
           if process.returncode < 0 else "") + f", stderr {stderr!r}")
    assert stderr.startswith(b"lprobe: ") and stderr.count(b"\n") == 1, stderr


# -- the interpreter itself ----------------------------------------------------------------

def test_seccomp_interpreter_agrees_with_the_kernel():
    """seccomp_bpf.evaluate gives what the kernel gives: a filter that answers with a
    different errno along each path (32-bit halves of arguments, JGE, JSET, ALU AND) is
    installed in a forked child and its answers compared with the interpreter's."""
    getppid = {"x86_64": 110, "aarch64": 173}[MACHINE]
    native = bpf.NATIVE_ARCH[MACHINE]
    errno = 0x00050000
    program = [
        [0x20, 0, 0, 4], [0x15, 1, 0, native], [0x06, 0, 0, 0x80000000],   # arch
        [0x20, 0, 0, 0], [0x15, 1, 0, getppid], [0x06, 0, 0, 0x7FFF0000],  # nr
        [0x20, 0, 0, 16], [0x35, 0, 1, 100], [0x06, 0, 0, errno | 11],     # args[0] >= 100
        [0x20, 0, 0, 28], [0x45, 0, 1, 1], [0x06, 0, 0, errno | 12],       # args[1] high & 1
        [0x20, 0, 0, 32], [0x54, 0, 0, 0xFF], [0x15, 0, 1, 0x42],          # args[2] & 0xff
        [0x06, 0, 0, errno | 13],
        [0x06, 0, 0, errno | 14],
    ]
    cases = [(0, 0, 0), (100, 0, 0), (99, 1 << 32, 0), (99, 1, 0x1142), (1, 2 << 32, 0x42),
             (0, 0, 0x43)]

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                    ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            filters = (SockFilter * len(program))(*[SockFilter(*i) for i in program])
            prog = SockFprog(len(program), filters)
            if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(prog), 0, 0):
                os.write(write_end, b'"install failed"')
                os._exit(1)
            answers = []
            for args in cases:
                rc = libc.syscall(ctypes.c_long(getppid),
                                  *[ctypes.c_ulong(a) for a in args])
                answers.append(-ctypes.get_errno() if rc == -1 else rc)
            os.write(write_end, json.dumps(answers).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        kernel = json.loads(pipe.read() or b'"child died"')
    os.waitpid(pid, 0)
    assert isinstance(kernel, list), kernel
    expected = []
    for args in cases:
        data = struct.pack("<iIQ6Q", getppid, native, 0, *args, 0, 0, 0)
        ret = bpf.run_filter(program, data)
        expected.append(-(ret & 0xFFFF))
    assert kernel == expected, (cases, kernel, expected)
    assert sorted(set(kernel)) == [-14, -13, -12, -11], "every path was taken once or more"
