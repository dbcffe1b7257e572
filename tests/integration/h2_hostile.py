"""Hostile (and one well-behaved) HTTP/2 peers for lprobe's gRPC tests.

Standard library only: frames are built by hand (RFC 9113) and response
headers are HPACK "literal header field without indexing" with no Huffman
coding (RFC 7541 6.2.2), which every decoder must accept.  The client's
header blocks are not decoded (that would need the Huffman table); the peer
only tracks frames, stream ids and flags.

    peer = HostilePeer("rst_stream")
    port = peer.start()
    ... run lprobe -mode=grpc -port=<port> ...
    peer.stop()

or as a context manager (`with HostilePeer(mode) as peer: peer.port`).
Standalone: `python3 h2_hostile.py MODE [PORT]` prints "READY <port>" and
serves until stdin closes or SIGTERM.

Each connection is handled in its own daemon thread, bounded in time
(CONN_LIFETIME) and count (MAX_CONNS); stop() closes everything and joins.
`peer.events` lists what each connection saw and did, for failure messages.
"""

import gzip
import signal
import socket
import struct
import sys
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Frame types
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, \
    WINDOW_UPDATE, CONTINUATION = range(10)
FRAME_NAMES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS",
               5: "PUSH_PROMISE", 6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE",
               9: "CONTINUATION"}
# Flags
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20
# SETTINGS ids
SETTINGS_HEADER_TABLE_SIZE = 1
SETTINGS_ENABLE_PUSH = 2
SETTINGS_MAX_CONCURRENT_STREAMS = 3
SETTINGS_INITIAL_WINDOW_SIZE = 4
SETTINGS_MAX_FRAME_SIZE = 5
# Error codes
NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1
INTERNAL_ERROR = 0x2
REFUSED_STREAM = 0x7
CANCEL = 0x8
ENHANCE_YOUR_CALM = 0xb

MAX_CONNS = 32
FLOOD_LIMIT = 64 << 20  # bytes a flooding peer sends on one connection, at most
CONN_LIFETIME = 8.0  # seconds a connection may live, whatever the client does

GRPC_HEADERS = [(":status", "200"), ("content-type", "application/grpc")]


# ---------------------------------------------------------------- encoding

def hpack_int(value, prefix_bits, first_byte_flags=0):
    """RFC 7541 5.1 integer with an N-bit prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = bytearray([first_byte_flags | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_str(raw):
    if isinstance(raw, str):
        raw = raw.encode("latin-1")
    return hpack_int(len(raw), 7) + raw  # H bit 0: no Huffman


def hpack_encode(headers):
    """Header list -> block of literal-without-indexing, new-name fields."""
    out = bytearray()
    for name, value in headers:
        out += b"\x00" + hpack_str(name) + hpack_str(value)
    return bytes(out)


def frame(ftype, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream_id & 0x7FFFFFFF) + payload


def settings_frame(params=(), ack=False):
    payload = b"".join(struct.pack(">HI", k, v) for k, v in params)
    return frame(SETTINGS, ACK if ack else 0, 0, payload)


def headers_frame(stream_id, headers, end_stream=False):
    flags = END_HEADERS | (END_STREAM if end_stream else 0)
    return frame(HEADERS, flags, stream_id, hpack_encode(headers))


def data_frame(stream_id, payload, end_stream=False):
    return frame(DATA, END_STREAM if end_stream else 0, stream_id, payload)


def rst_stream_frame(stream_id, code):
    return frame(RST_STREAM, 0, stream_id, struct.pack(">I", code))


def goaway_frame(last_stream_id, code, debug=b""):
    return frame(GOAWAY, 0, 0, struct.pack(">II", last_stream_id, code) + debug)


def grpc_frame(message, compressed=False, declared_length=None):
    """gRPC length-prefixed message; declared_length lets a peer lie."""
    n = len(message) if declared_length is None else declared_length
    return struct.pack(">BI", 1 if compressed else 0, n) + message


def health_response(status):
    return b"" if status == 0 else bytes([0x08, status])


SERVING, NOT_SERVING = 1, 2


# ---------------------------------------------------------------- peer modes
#
# Each mode: (description, server SETTINGS params, handler name).
# Handlers receive (conn, stream_id) when the request stream is complete
# (or, for "on_headers" modes, as soon as its HEADERS arrive).

def _good(status=SERVING, gzip_it=False):
    def respond(c, sid):
        headers = list(GRPC_HEADERS)
        msg = health_response(status)
        if gzip_it:
            headers.append(("grpc-encoding", "gzip"))
            body = grpc_frame(gzip.compress(msg), compressed=True)
        else:
            body = grpc_frame(msg)
        c.send(headers_frame(sid, headers) + data_frame(sid, body) +
               headers_frame(sid, [("grpc-status", "0")], end_stream=True))
    return respond


def _gzip_payload(payload):
    """A compressed message whose bytes are `payload` (not necessarily gzip)."""
    def respond(c, sid):
        headers = list(GRPC_HEADERS) + [("grpc-encoding", "gzip")]
        c.send(headers_frame(sid, headers) + data_frame(sid, grpc_frame(payload, compressed=True)) +
               headers_frame(sid, [("grpc-status", "0")], end_stream=True))
    return respond


def _rst(c, sid):
    c.send(rst_stream_frame(sid, REFUSED_STREAM))


def _headers_then_silence(c, sid):
    # Response headers and a valid SERVING message, then neither trailers nor
    # END_STREAM: a probe must not call this healthy.
    c.send(headers_frame(sid, GRPC_HEADERS) +
           data_frame(sid, grpc_frame(health_response(SERVING))))


def _data_end_stream_no_trailers(c, sid):
    # A valid SERVING message, then END_STREAM on DATA: no grpc-status at all.
    c.send(headers_frame(sid, GRPC_HEADERS) +
           data_frame(sid, grpc_frame(health_response(SERVING)), end_stream=True))


def _truncated_end_stream(c, sid):
    # Prefix says 10 bytes, 3 are sent, then END_STREAM.
    c.send(headers_frame(sid, GRPC_HEADERS) +
           data_frame(sid, grpc_frame(b"\x08\x01\x00", declared_length=10),
                      end_stream=True))


def _truncated_with_trailers(c, sid):
    # Prefix says 10 bytes, 3 are sent, then trailers claiming success.
    c.send(headers_frame(sid, GRPC_HEADERS) +
           data_frame(sid, grpc_frame(b"\x08\x01\x00", declared_length=10)) +
           headers_frame(sid, [("grpc-status", "0")], end_stream=True))


def _bad_protobuf(c, sid):
    # Field 1 varint whose continuation bit never ends: malformed, grpc-status 0.
    c.send(headers_frame(sid, GRPC_HEADERS) +
           data_frame(sid, grpc_frame(b"\x08\xff\xff")) +
           headers_frame(sid, [("grpc-status", "0")], end_stream=True))


def _huge_length(c, sid):
    # Prefix claims a 4 GiB message; a few bytes follow, then silence.
    c.send(headers_frame(sid, GRPC_HEADERS) +
           data_frame(sid, grpc_frame(b"\x08\x01", declared_length=0xFFFFFFFF)))


def _status_503(c, sid):
    c.send(headers_frame(sid, [(":status", "503"), ("content-type", "text/plain")]) +
           data_frame(sid, b"Service Unavailable\n", end_stream=True))


def _trailers_only_12(c, sid):
    c.send(headers_frame(sid, GRPC_HEADERS + [("grpc-status", "12"),
                                              ("grpc-message", "Method not found")],
                         end_stream=True))


HOSTILE_GRPC_MESSAGE = (
    "evil\x1b[31mRED\x1b[0m\r\nlprobe: fake second line\x07\x00 %s" % ("A" * 400)
).encode("latin-1") + bytes(range(0x80, 0xA0))


def _hostile_grpc_message(c, sid):
    # Trailers-only UNAVAILABLE with a long grpc-message full of control bytes.
    c.send(headers_frame(sid, GRPC_HEADERS + [("grpc-status", "14"),
                                              ("grpc-message", HOSTILE_GRPC_MESSAGE)],
                         end_stream=True))


def _wrong_content_type(c, sid):
    # :status 200 but text/html (a web server on the port), with grpc-ish body.
    c.send(headers_frame(sid, [(":status", "200"), ("content-type", "text/html")]) +
           data_frame(sid, b"<html>hello</html>", end_stream=True))


def _continuation_flood(c, sid):
    # Response HEADERS without END_HEADERS, then CONTINUATION frames of 4 KiB
    # header fields for ever (until the client goes or FLOOD_LIMIT bytes).
    field = hpack_encode([("x-flood", "f" * 4096)])
    first = frame(HEADERS, 0, sid, hpack_encode([(":status", "200")]))
    c.flood(first, frame(CONTINUATION, 0, sid, field))


def _ping_flood(c, sid):
    # PINGs as fast as the client takes them, never an answer to the request.
    c.flood(b"", frame(PING, 0, 0, b"12345678") * 64)


MODES = {
    # name: (description, settings params, when, handler)
    "good": ("well-behaved SERVING response", (), "end", _good()),
    "good_not_serving": ("well-behaved NOT_SERVING response", (), "end", _good(NOT_SERVING)),
    "good_gzip": ("SERVING, message gzip-compressed (grpc-encoding: gzip)",
                  (), "end", _good(SERVING, gzip_it=True)),
    "good_gzip_not_serving": ("NOT_SERVING, message gzip-compressed",
                              (), "end", _good(NOT_SERVING, gzip_it=True)),
    "gzip_garbage": ("compressed flag and grpc-encoding: gzip, but the bytes are not gzip",
                     (), "end", _gzip_payload(b"\x1f\x8b\x08\x00not-deflate-data")),
    "gzip_bomb": ("a gzip message that inflates past the 4 KiB message cap",
                  (), "end", _gzip_payload(gzip.compress(b"\x0a" * 100000))),
    "silent": ("SETTINGS, then nothing at all (no SETTINGS ACK)", (), "never", None),
    "goaway": ("SETTINGS then GOAWAY(last_stream_id=0, ENHANCE_YOUR_CALM)",
               (), "connect", None),
    "rst_stream": ("RST_STREAM(REFUSED_STREAM) on the request stream",
                   (), "headers", _rst),
    "headers_no_trailers": ("response HEADERS and a SERVING message, never trailers",
                            (), "end", _headers_then_silence),
    "end_stream_no_trailers": ("SERVING message then END_STREAM on DATA, no trailers",
                               (), "end", _data_end_stream_no_trailers),
    "truncated_message": ("gRPC prefix says 10 bytes, 3 sent, then END_STREAM",
                          (), "end", _truncated_end_stream),
    "truncated_message_with_trailers": ("prefix says 10 bytes, 3 sent, then grpc-status 0",
                                        (), "end", _truncated_with_trailers),
    "zero_window": ("SETTINGS_INITIAL_WINDOW_SIZE=0 and never a WINDOW_UPDATE",
                    ((SETTINGS_INITIAL_WINDOW_SIZE, 0),), "never", None),
    "garbage": ("an SSH banner instead of SETTINGS", (), "raw", None),
    "http1": ("HTTP/1.1 400 response to the h2c preface", (), "raw", None),
    "bad_protobuf": ("malformed protobuf (endless varint) with grpc-status 0",
                     (), "end", _bad_protobuf),
    "huge_length": ("gRPC prefix claims a 4 GiB message", (), "end", _huge_length),
    "status_503": (":status 503 text/plain", (), "end", _status_503),
    "trailers_only_unimplemented": ("trailers-only response, grpc-status 12",
                                    (), "end", _trailers_only_12),
    "hostile_grpc_message": ("grpc-status 14 with a 450-byte grpc-message of control bytes",
                             (), "end", _hostile_grpc_message),
    "wrong_content_type": (":status 200 with content-type text/html",
                           (), "end", _wrong_content_type),
    "close_immediately": ("accepts, then closes without a byte", (), "raw", None),
    "continuation_flood": ("HEADERS then endless 4 KiB CONTINUATION frames",
                           (), "headers", _continuation_flood),
    "ping_flood": ("endless PINGs instead of a response", (), "headers", _ping_flood),
}



# ---------------------------------------------------------------- endless valid floods
#
# After a normal SETTINGS exchange and the whole request, frames that are each valid
# and call for no answer, for ever: the probe must still end by its deadline
# (SPEC guarantee 3).  Unlike _Conn.flood, a stalled send does not end the flood.

STEADY_FLOOD_LIMIT = 2 << 30  # bytes, at most, per connection
STEADY_FLOOD_PIECE = 64 * 1024


def _steady(first_frames, unit):
    def respond(c, sid):
        c.flood_steady(first_frames(sid), unit(sid))
    return respond


def _nothing(sid):
    return b""


def _response_headers(sid):
    return headers_frame(sid, GRPC_HEADERS)


FLOOD_MODES = {
    "priority_flood": ("endless PRIORITY frames on the request stream",
                       _nothing, lambda sid: frame(PRIORITY, 0, sid, b"\x00\x00\x00\x00\x0f")),
    "ping_ack_flood": ("endless unsolicited PING ACKs",
                       _nothing, lambda sid: frame(PING, ACK, 0, b"unasked!")),
    "unknown_frame_flood": ("endless frames of an unknown type (0xfa), to be ignored",
                            _nothing, lambda sid: frame(0xFA, 0, 0, b"ignore me")),
    "window_update_0_flood": ("endless WINDOW_UPDATE(+1) on stream 0",
                              _nothing, lambda sid: frame(WINDOW_UPDATE, 0, 0,
                                                          struct.pack(">I", 1))),
    "window_update_stream_flood": ("endless WINDOW_UPDATE(+1) on the request stream",
                                   _nothing, lambda sid: frame(WINDOW_UPDATE, 0, sid,
                                                               struct.pack(">I", 1))),
    "empty_data_flood": ("response HEADERS, then endless empty DATA frames, no END_STREAM",
                         _response_headers, lambda sid: data_frame(sid, b"")),
}

for _name, (_desc, _first, _unit) in FLOOD_MODES.items():
    MODES[_name] = (_desc, (), "end", _steady(_first, _unit))


# ---------------------------------------------------------------- server

class _Conn:
    def __init__(self, peer, sock, addr):
        self.peer = peer
        self.sock = sock
        self.addr = addr
        self.buf = b""
        self.deadline = time.monotonic() + CONN_LIFETIME
        self.log = []

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as exc:
            self.log.append("send failed: %s" % exc)

    def flood(self, first, chunk):
        """Send first, then chunk repeatedly until a send stalls or fails,
        the peer is stopped, the connection's lifetime ends or FLOOD_LIMIT."""
        sent = 0
        data = first
        while (sent < FLOOD_LIMIT and not self.peer._stopping.is_set()
               and time.monotonic() < self.deadline):
            try:
                self.sock.sendall(data)
            except OSError as exc:  # includes the 0.1 s socket timeout
                self.log.append("flood stopped after %d bytes: %s" % (sent, exc))
                return
            sent += len(data)
            data = chunk
        self.log.append("flood sent %d bytes" % sent)

    def flood_steady(self, first, unit):
        """Send first, then unit repeated as fast as the socket takes it, waiting out
        stalls, until the client goes, the peer stops, the connection's lifetime ends or
        STEADY_FLOOD_LIMIT bytes are sent."""
        piece = unit * max(1, STEADY_FLOOD_PIECE // len(unit))
        view, sent = memoryview(first or piece), 0
        while (sent < STEADY_FLOOD_LIMIT and not self.peer._stopping.is_set()
               and time.monotonic() < self.deadline):
            try:
                n = self.sock.send(view)
            except socket.timeout:
                continue
            except OSError as exc:
                self.log.append("steady flood stopped after %d bytes: %s" % (sent, exc))
                return
            sent += n
            view = view[n:]
            if not view:
                view = memoryview(piece)
        self.log.append("steady flood sent %d bytes" % sent)

    def _recv_more(self):
        """Read some bytes; False on EOF, stop or lifetime exhausted."""
        while not self.peer._stopping.is_set() and time.monotonic() < self.deadline:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as exc:
                self.log.append("recv failed: %s" % exc)
                return False
            if not chunk:
                self.log.append("client closed")
                return False
            self.buf += chunk
            return True
        return False

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._recv_more():
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        head = self.read_exact(9)
        if head is None:
            return None
        length = int.from_bytes(head[:3], "big")
        ftype, flags = head[3], head[4]
        sid = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
        payload = self.read_exact(length)
        if payload is None:
            return None
        return ftype, flags, sid, payload

    def drain(self):
        """Read and discard until the client goes away (or time is up)."""
        while self._recv_more():
            self.buf = b""

    def run(self):
        mode = self.peer.mode
        _desc, params, when, handler = MODES[mode]
        if mode == "close_immediately":
            return
        if mode == "garbage":
            self.send(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
            self.drain()
            return
        preface = self.read_exact(len(PREFACE))
        if preface is None:
            return
        if preface != PREFACE:
            self.log.append("bad client preface %r" % preface)
        if mode == "http1":
            self.send(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 12\r\nConnection: close\r\n\r\nbad request\n")
            self.drain()
            return
        self.send(settings_frame(params))
        if mode == "silent":
            self.drain()
            return
        if mode == "goaway":
            self.send(goaway_frame(0, ENHANCE_YOUR_CALM, b"too many pings"))
            self.drain()
            return
        streams = {}
        while True:
            fr = self.read_frame()
            if fr is None:
                return
            ftype, flags, sid, payload = fr
            self.log.append("got %s flags=%#x stream=%d len=%d"
                            % (FRAME_NAMES.get(ftype, ftype), flags, sid, len(payload)))
            if ftype == SETTINGS and not flags & ACK:
                self.send(settings_frame(ack=True))
            elif ftype == PING and not flags & ACK:
                self.send(frame(PING, ACK, 0, payload))
            elif ftype == GOAWAY:
                self.drain()
                return
            elif ftype == HEADERS and sid:
                if sid not in streams:
                    streams[sid] = "open"
                    self.peer._record(("request", sid))
                    if when == "headers":
                        handler(self, sid)
                        streams[sid] = "answered"
                if flags & END_STREAM:
                    self._end(streams, sid, when, handler)
            elif ftype == DATA and sid:
                self.peer._record(("data", sid, len(payload)))
                if flags & END_STREAM:
                    self._end(streams, sid, when, handler)

    def _end(self, streams, sid, when, handler):
        if when == "end" and streams.get(sid) == "open":
            streams[sid] = "answered"
            handler(self, sid)


class HostilePeer:
    """A loopback TCP server that speaks (bad) HTTP/2 in one of MODES."""

    def __init__(self, mode, host="127.0.0.1", port=0):
        if mode not in MODES:
            raise ValueError("unknown mode %r (have %s)" % (mode, ", ".join(MODES)))
        self.mode = mode
        self.host = host
        self.port = port
        self.events = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = []
        self._socks = []
        self._listener = None
        self._accept_thread = None

    @property
    def description(self):
        return MODES[self.mode][0]

    def _record(self, event):
        with self._lock:
            self.events.append(event)

    def start(self):
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        ls = socket.socket(family, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((self.host, self.port))
        ls.listen(16)
        ls.settimeout(0.1)
        self._listener = ls
        self.port = ls.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True,
                                               name="h2-hostile-%s" % self.mode)
        self._accept_thread.start()
        return self.port

    def _accept_loop(self):
        while not self._stopping.is_set():
            try:
                sock, addr = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                if len(self._threads) >= MAX_CONNS:
                    sock.close()
                    continue
                sock.settimeout(0.1)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._socks.append(sock)
                t = threading.Thread(target=self._serve, args=(sock, addr), daemon=True)
                self._threads.append(t)
            t.start()

    def _serve(self, sock, addr):
        conn = _Conn(self, sock, addr)
        self._record(("connect", addr[1]))
        try:
            conn.run()
        except Exception as exc:  # keep the peer alive; note it for the test
            self._record(("error", repr(exc)))
        finally:
            self._record(("log", conn.log))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def stop(self):
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join(2)
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(2)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv):
    if not argv or argv[0] not in MODES:
        print("usage: h2_hostile.py MODE [PORT]\nmodes:", file=sys.stderr)
        for name, (desc, *_rest) in MODES.items():
            print("  %-32s %s" % (name, desc), file=sys.stderr)
        return 2
    peer = HostilePeer(argv[0], port=int(argv[1]) if len(argv) > 1 else 0)
    global CONN_LIFETIME
    CONN_LIFETIME = 60.0
    port = peer.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("READY %d" % port, flush=True)
    while not done.wait(0.2):
        pass
    peer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
