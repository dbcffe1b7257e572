"""Loopback servers for the lprobe integration tests.

A `Server` listens on 127.0.0.1, ::1, another 127/8 address or a unix socket, and runs a
*behaviour* -- a plain function taking a `Connection` -- for every connection it accepts,
each in its own daemon thread. Behaviours range from a well-mannered recorder to servers
that stall, trickle, flood, lie or hang up.

Everything is bounded: the accept loop and every behaviour stop when the server is stopped
(by its fixture) or when its `lifetime` runs out, whichever comes first, and no socket
leaves the loopback interface.
"""

import contextlib
import os
import random
import socket
import struct
import threading
import time

LIFETIME = 15.0        # seconds; a server stops itself after this even if nobody stops it
POLL = 0.05            # seconds; how often blocked loops look at the stop flag
REQUEST_LIMIT = 65536  # bytes of request a server is willing to buffer

OK_BODY = b"ok"
OK = (b"HTTP/1.1 200 OK\r\n"
      b"Content-Type: text/plain\r\n"
      b"Content-Length: 2\r\n"
      b"Connection: close\r\n"
      b"\r\n" + OK_BODY)


class Connection:
    """One accepted connection, with helpers that give up when the server stops."""

    def __init__(self, sock, server):
        self.sock = sock
        self.server = server
        sock.settimeout(POLL)

    @property
    def alive(self):
        return self.server.running

    def read_request(self):
        """Read up to the end of the request headers; record and return the bytes."""
        data = b""
        while self.alive and b"\r\n\r\n" not in data and len(data) < REQUEST_LIMIT:
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                break
            data += chunk
        self.server.record(data)
        return data

    def send(self, data):
        """Send everything, or stop quietly when the server stops (OSError if the peer left)."""
        view = memoryview(data)
        while view and self.alive:
            try:
                sent = self.sock.send(view)
            except socket.timeout:
                continue
            view = view[sent:]

    def send_in_pieces(self, data, sizes, pause=0.005):
        """Send `data` cut at the given piece sizes (cycled), pausing between pieces."""
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        offset, index = 0, 0
        while offset < len(data) and self.alive:
            size = sizes[index % len(sizes)]
            self.send(data[offset:offset + size])
            offset += size
            index += 1
            self.sleep(pause)

    def sleep(self, seconds):
        """Sleep unless the server stops first; return whether it is still running."""
        return not self.server.stopping.wait(seconds) and self.alive

    def hold(self):
        """Keep the connection open, discarding input, until the peer closes it."""
        while self.alive:
            try:
                if not self.sock.recv(4096):
                    return
            except socket.timeout:
                continue

    def reset(self):
        """Close with SO_LINGER 0, so the peer gets an RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class Server:
    """A threaded stream server running `behaviour(conn)` for each connection.

    TCP servers on 127.0.0.1 or ::1 also bind (without listening) the same port on the
    other loopback family, so that lprobe's IPv4 -> IPv6 fallback can never reach an
    unrelated listener by chance.
    """

    def __init__(self, behaviour, *, host="127.0.0.1", unix_path=None, lifetime=LIFETIME):
        self.behaviour = behaviour
        self.host = host
        self.unix_path = unix_path
        self.lifetime = lifetime
        self.requests = []
        self.connections = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads = []
        self._sockets = []
        self._deadline = None

    # -- life cycle -------------------------------------------------------------------

    def start(self):
        if self.unix_path:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(self.unix_path)
            self._sockets.append(listener)
        else:
            listener = self._bind_tcp()
        listener.listen(16)
        listener.settimeout(POLL)
        self._listener = listener
        self._deadline = time.monotonic() + self.lifetime
        self._spawn(self._accept_loop)
        return self

    def stop(self):
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for sock in self._sockets:
            sock.close()
        if self.unix_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.unix_path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def running(self):
        return not self.stopping.is_set() and time.monotonic() < self._deadline

    # -- addresses --------------------------------------------------------------------

    @property
    def port(self):
        return self._listener.getsockname()[1]

    @property
    def address(self):
        """The address as lprobe prints it: 127.0.0.1:PORT or [::1]:PORT."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    # -- internals --------------------------------------------------------------------

    def record(self, request):
        with self._lock:
            self.requests.append(request)

    def _bind_tcp(self):
        twin = {"127.0.0.1": "::1", "::1": "127.0.0.1"}.get(self.host)
        for _ in range(50):
            listener = _tcp_socket(self.host)
            listener.bind((self.host, 0))
            if twin is None:
                self._sockets.append(listener)
                return listener
            guard = _tcp_socket(twin)
            try:
                guard.bind((twin, listener.getsockname()[1]))
            except OSError:
                listener.close()
                guard.close()
                continue
            self._sockets += [listener, guard]
            return listener
        raise RuntimeError(f"no port free on both {self.host} and {twin}")

    def _accept_loop(self):
        while self.running:
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            with self._lock:
                self.connections += 1
                self._sockets.append(sock)
            self._spawn(self._serve, sock)

    def _serve(self, sock):
        try:
            self.behaviour(Connection(sock, self))
        except OSError:
            pass  # the probe hung up or reset: exactly what many tests provoke
        finally:
            sock.close()

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()


def _tcp_socket(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return sock


class ClosedPort:
    """A port bound on 127.0.0.1 and ::1 but never listened on: connecting is refused."""

    def __init__(self):
        for _ in range(50):
            v4 = _tcp_socket("127.0.0.1")
            v4.bind(("127.0.0.1", 0))
            v6 = _tcp_socket("::1")
            try:
                v6.bind(("::1", v4.getsockname()[1]))
            except OSError:
                v4.close()
                v6.close()
                continue
            self._sockets = [v4, v6]
            self.port = v4.getsockname()[1]
            return
        raise RuntimeError("no port free on both 127.0.0.1 and ::1")

    def release(self, host):
        """Unbind one family (e.g. to let nginx listen there) and keep the other refused."""
        for sock in list(self._sockets):
            if sock.getsockname()[0] == host:
                sock.close()
                self._sockets.remove(sock)

    def close(self):
        for sock in self._sockets:
            sock.close()


class Unaccepting:
    """A listener whose accept queue is full: new connects get no answer and time out."""

    def __init__(self):
        self._listener = _tcp_socket("127.0.0.1")
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self._fillers = []
        for _ in range(4):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self._fillers.append(filler)
        time.sleep(0.05)

    def close(self):
        for sock in self._fillers + [self._listener]:
            sock.close()


# -- behaviours ----------------------------------------------------------------------------

def respond(raw, *, hold=False):
    """Read the request, send `raw`, then close (or keep the connection open)."""
    def behaviour(conn):
        conn.read_request()
        conn.send(raw)
        if hold:
            conn.hold()
    return behaviour


def respond_in_parts(*parts, pause=0.05, hold=False):
    """Read the request, send each part after a pause (so each arrives as its own read)."""
    def behaviour(conn):
        conn.read_request()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for part in parts:
            conn.send(part)
            if not conn.sleep(pause):
                return
        if hold:
            conn.hold()
    return behaviour


def trickle(raw, *, pause=0.005):
    """Read the request and send `raw` one byte at a time, `pause` apart, then hold."""
    def behaviour(conn):
        conn.read_request()
        conn.send_in_pieces(raw, [1], pause=pause)
        conn.hold()
    return behaviour


recording = respond(OK)


def silent(conn):
    """Read the request and never answer."""
    conn.read_request()
    conn.hold()


def slowloris(conn):
    """Trickle a valid response one byte every 200 ms: never complete within a timeout."""
    conn.read_request()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
        if not conn.sleep(0.2):
            return
        conn.send(bytes([byte]))
    conn.hold()


def huge_headers(conn):
    """A 200 followed by 1 MiB of well-formed header lines."""
    conn.read_request()
    conn.send(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Filler: " + b"a" * 1012 + b"\r\n"   # 1 KiB per line
    for _ in range(1024):
        conn.send(line)
    conn.send(b"\r\n")
    conn.hold()


def huge_header_line(conn):
    """A 200 followed by a single header line that never ends."""
    conn.read_request()
    conn.send(b"HTTP/1.1 200 OK\r\nX-Endless: ")
    while conn.alive:
        conn.send(b"a" * 65536)


def endless_body(framing):
    """A 200 whose body never ends: a huge Content-Length, chunked, or HTTP/1.0 until close."""
    heads = {
        "content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n",
        "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "http/1.0": b"HTTP/1.0 200 OK\r\n\r\n",
    }
    filler = b"x" * 65536
    piece = b"10000\r\n" + filler + b"\r\n" if framing == "chunked" else filler

    def behaviour(conn):
        conn.read_request()
        conn.send(heads[framing])
        while conn.alive:
            conn.send(piece)
    return behaviour


GARBAGE = b"\x1b[31m" + random.Random(1234).randbytes(1000)


def garbage(conn):
    """Random bytes, control characters and newlines included, then a blank line."""
    conn.read_request()
    conn.send(GARBAGE + b"\r\n\r\n")
    conn.hold()


def close_without_reading(conn):
    """Hang up as soon as the connection is accepted."""
    conn.sock.close()


def close_after_request(conn):
    """Read the request, then close cleanly (FIN) without a word."""
    conn.read_request()
    conn.sock.close()


def close_mid_headers(conn):
    """Send part of the headers, then close cleanly."""
    conn.read_request()
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Le")
    conn.sock.close()


def reset(conn):
    """Read the request, then abort the connection with an RST."""
    conn.read_request()
    conn.reset()


def http10_no_length(body):
    """An HTTP/1.0 200 with no Content-Length: the body ends when the connection closes."""
    return respond(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body)


def chunked(chunks, *, piece_sizes=(1, 3, 7, 2, 11), hold=False):
    """A valid chunked 200 built from `chunks`, delivered in small, oddly cut pieces.

    Sizes are hex in mixed case and one chunk carries an extension, both legal (RFC 9112).
    With `hold`, the connection stays open after the last chunk.
    """
    body = b""
    for index, chunk in enumerate(chunks):
        size = format(len(chunk), "x" if index % 2 else "X").encode()
        extension = b";name=value" if index == 1 else b""
        body += size + extension + b"\r\n" + chunk + b"\r\n"
    raw = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           + body + b"0\r\n\r\n")

    def behaviour(conn):
        conn.read_request()
        conn.send_in_pieces(raw, piece_sizes)
        if hold:
            conn.hold()
    return behaviour


def lying_length(conn):
    """Promise 100 bytes of body, send 10, hang up."""
    conn.read_request()
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    conn.sock.close()


# -- floods: valid-looking traffic without end (SPEC guarantee 3) ---------------------------
#
# A flooding behaviour writes as fast as the socket takes it until the server stops, its
# lifetime ends, the peer leaves or FLOOD_LIMIT bytes are sent.

FLOOD_LIMIT = 2 << 30      # bytes, at most, per connection
FLOOD_PIECE = 64 * 1024    # bytes handed to the socket per send


def flood(conn, first, unit, *, limit=FLOOD_LIMIT):
    """Send `first`, then `unit` repeated for ever (within the bounds above)."""
    piece = unit * max(1, FLOOD_PIECE // len(unit))
    conn.send(first)
    sent = len(first)
    while conn.alive and sent < limit:
        conn.send(piece)
        sent += len(piece)


def read_tls_record(conn):
    """Read one TLS record (the ClientHello); return it, or b"" if the peer left."""
    data = b""
    while conn.alive and (len(data) < 5 or len(data) < 5 + int.from_bytes(data[3:5], "big")):
        try:
            chunk = conn.sock.recv(16384)
        except socket.timeout:
            continue
        if not chunk:
            return b""
        data += chunk
    conn.server.record(data)
    return data


def tls_record(content_type, payload, version=b"\x03\x03"):
    return bytes([content_type]) + version + len(payload).to_bytes(2, "big") + payload


TLS_ALERT, TLS_HANDSHAKE = 21, 22
TLS_WARNING, TLS_USER_CANCELED = 1, 90
TLS_HELLO_REQUEST = b"\x00\x00\x00\x00"    # handshake type 0, length 0 (RFC 5246 7.4.1.1)

TLS_FLOOD_UNITS = {
    # a warning alert that is not close_notify: a TLS 1.2 client may ignore it
    "warning-alerts": tls_record(TLS_ALERT, bytes([TLS_WARNING, TLS_USER_CANCELED])),
    # handshake records with no fragment in them
    "empty-handshake-records": tls_record(TLS_HANDSHAKE, b""),
    # HelloRequests, which a client mid-handshake is told to ignore (RFC 5246 7.4.1.1)
    "hello-requests": tls_record(TLS_HANDSHAKE, TLS_HELLO_REQUEST * 64),
}


def tls_flood(kind):
    """Answer the ClientHello with an endless stream of TLS_FLOOD_UNITS[kind], no
    ServerHello ever."""
    unit = TLS_FLOOD_UNITS[kind]

    def behaviour(conn):
        if read_tls_record(conn):
            flood(conn, b"", unit)
    return behaviour


def tls_silent(conn):
    """Read the ClientHello and never answer it."""
    read_tls_record(conn)
    conn.hold()


CHUNK_EXTENSION_FLOOD_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
# one byte of body per chunk, behind a chunk extension of ~1000 bytes (RFC 9112 7.1.1):
# the size line stays under 1 KiB, so a cap on its length does not end the flood
CHUNK_EXTENSION_FLOOD_UNIT = b"1;ext=" + b"x" * 1000 + b"\r\nX\r\n"


def chunk_extension_flood(conn):
    conn.read_request()
    flood(conn, CHUNK_EXTENSION_FLOOD_HEAD, CHUNK_EXTENSION_FLOOD_UNIT)
