#!/usr/bin/python3
"""A real grpc.health.v1 server on Debian's python3-grpcio, for lprobe's tests.

grpc_health (the reference servicer package) is not packaged by Debian, so
Health/Check is registered through grpc.method_handlers_generic_handler with a
hand-written protobuf codec:

    HealthCheckRequest  { string service = 1; }
    HealthCheckResponse { ServingStatus status = 1; }
    ServingStatus: 0 UNKNOWN, 1 SERVING, 2 NOT_SERVING, 3 SERVICE_UNKNOWN

It behaves like grpc_health.v1.health.HealthServicer: a service missing from
the status map gets grpc-status NOT_FOUND.  Extra services for the tests:

    slow   sleeps --slow-seconds (3 s) before answering SERVING
    meta   answers SERVING; like every call it is logged to --meta-log

--meta-log FILE appends one JSON object per call:
    {"service": ..., "metadata": [[key, value], ...], "user_agent": ..., "peer": ...}

Listens on --host/--port (port 0 = any free port) and/or --unix PATH, prints
"READY <port>" (0 when only a unix socket) on stdout, and stops when stdin
reaches EOF or on SIGTERM/SIGINT.

Run with /usr/bin/python3 (Debian's grpcio).
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

STATUS_NAMES = {"UNKNOWN": 0, "SERVING": 1, "NOT_SERVING": 2, "SERVICE_UNKNOWN": 3}

DEFAULT_STATUSES = {
    "": "SERVING",
    "svc": "SERVING",
    "grpc.health.v1.Health": "SERVING",
    "orders": "NOT_SERVING",
    "unknown-status": "SERVICE_UNKNOWN",
    "zero-status": "UNKNOWN",
    "slow": "SERVING",
    "meta": "SERVING",
}

CHECK_METHOD = "Check"
HEALTH_SERVICE = "grpc.health.v1.Health"


class DecodeError(Exception):
    pass


def _read_varint(buf, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise DecodeError("varint too long")


def _encode_varint(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def decode_request(data):
    """HealthCheckRequest bytes -> service name (str).  Unknown fields skipped."""
    service = ""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _read_varint(data, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise DecodeError("truncated length-delimited field")
            if field == 1:
                service = data[pos:pos + length].decode("utf-8")
            pos += length
        else:
            raise DecodeError("bad wire type %d" % wire)
        if pos > len(data):
            raise DecodeError("truncated field")
    return service


def encode_response(status):
    """status (int) -> HealthCheckResponse bytes (proto3: 0 is omitted)."""
    if status == 0:
        return b""
    return b"\x08" + _encode_varint(status)


def encode_request(service):
    """Helper for test clients."""
    raw = service.encode("utf-8")
    if not raw:
        return b""
    return b"\x0a" + _encode_varint(len(raw)) + raw


def decode_response(data):
    """Helper for test clients: HealthCheckResponse bytes -> status int."""
    status = 0
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            if field == 1:
                status = value
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise DecodeError("bad wire type %d" % wire)
    return status


def _deserialize(data):
    # Returning the error keeps grpc from turning a bad request into a crash:
    # check() answers INVALID_ARGUMENT.
    try:
        return decode_request(data)
    except (DecodeError, UnicodeDecodeError) as exc:
        return exc


class HealthServer:
    def __init__(self, statuses, slow_seconds, meta_log):
        self.statuses = statuses
        self.slow_seconds = slow_seconds
        self.meta_log = meta_log
        self.lock = threading.Lock()

    def _log(self, service, context):
        if not self.meta_log:
            return
        metadata = [[k, v if isinstance(v, str) else v.hex()]
                    for k, v in context.invocation_metadata()]
        ua = None
        for k, v in metadata:
            if k == "user-agent":
                ua = v
        record = {
            "server": "python",
            "service": service,
            "metadata": metadata,
            "user_agent": ua,
            "peer": context.peer(),
            "time_remaining": context.time_remaining(),
        }
        with self.lock, open(self.meta_log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def check(self, request, context):
        if isinstance(request, Exception):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad request: %s" % request)
        service = request
        self._log(service, context)
        if service == "slow":
            deadline = time.monotonic() + self.slow_seconds
            while time.monotonic() < deadline and context.is_active():
                time.sleep(0.02)
        status = self.statuses.get(service)
        if status is None:
            # Same as grpc_health.v1.health.HealthServicer.Check.
            context.abort(grpc.StatusCode.NOT_FOUND, "Unknown service")
        return encode_response(status)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1",
                   help="TCP listen host: 127.0.0.1, ::1 ... (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="TCP port, 0 = free port")
    p.add_argument("--no-tcp", action="store_true", help="only the unix socket")
    p.add_argument("--unix", help="also listen on this unix socket path")
    p.add_argument("--status", action="append", default=[], metavar="SERVICE=STATUS",
                   help="serving status of a service (repeatable); replaces the default map")
    p.add_argument("--config", help="JSON file: {\"statuses\": {service: STATUS}}")
    p.add_argument("--no-health", action="store_true",
                   help="register no health service at all (Check -> UNIMPLEMENTED)")
    p.add_argument("--slow-seconds", type=float, default=3.0)
    p.add_argument("--meta-log", help="append one JSON line per call to this file")
    p.add_argument("--tls-cert", help="server certificate chain (PEM)")
    p.add_argument("--tls-key", help="server private key (PEM)")
    p.add_argument("--tls-client-ca", help="require client certificates signed by this CA (mTLS)")
    p.add_argument("--gzip", action="store_true",
                   help="compress responses with gzip when the client accepts it")
    return p.parse_args(argv)


def build_statuses(args):
    statuses = dict(DEFAULT_STATUSES)
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            statuses = dict(json.load(f).get("statuses", {}))
    if args.status:
        statuses = {} if not args.config else statuses
        for item in args.status:
            name, _, status = item.rpartition("=")
            statuses[name] = status
    out = {}
    for name, status in statuses.items():
        if isinstance(status, int):
            out[name] = status
        elif status.isdigit():
            out[name] = int(status)
        else:
            out[name] = STATUS_NAMES[status]
    return out


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    options = [("grpc.so_reuseport", 0)]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        options=options,
        compression=grpc.Compression.Gzip if args.gzip else None,
    )
    if not args.no_health:
        impl = HealthServer(build_statuses(args), args.slow_seconds, args.meta_log)
        handler = grpc.method_handlers_generic_handler(HEALTH_SERVICE, {
            CHECK_METHOD: grpc.unary_unary_rpc_method_handler(
                impl.check,
                request_deserializer=_deserialize,
                response_serializer=lambda b: b,
            ),
        })
        server.add_generic_rpc_handlers((handler,))

    creds = None
    if args.tls_cert:
        with open(args.tls_cert, "rb") as f:
            cert = f.read()
        with open(args.tls_key, "rb") as f:
            key = f.read()
        ca = None
        if args.tls_client_ca:
            with open(args.tls_client_ca, "rb") as f:
                ca = f.read()
        creds = grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=ca,
            require_client_auth=bool(args.tls_client_ca))

    def add(addr):
        if creds is not None:
            return server.add_secure_port(addr, creds)
        return server.add_insecure_port(addr)

    port = 0
    if not args.no_tcp:
        host = args.host
        if ":" in host and not host.startswith("["):
            host = "[%s]" % host
        port = add("%s:%d" % (host, args.port))
        if not port:
            print("cannot listen on %s:%d" % (host, args.port), file=sys.stderr)
            return 1
    if args.unix:
        if os.path.exists(args.unix):
            os.unlink(args.unix)
        if not add("unix:" + args.unix):
            print("cannot listen on unix:%s" % args.unix, file=sys.stderr)
            return 1
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("READY %d" % port, flush=True)
    while not stop.wait(0.2):
        pass
    server.stop(grace=0).wait(2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
