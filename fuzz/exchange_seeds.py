#!/usr/bin/python3
"""fuzz/exchange_seeds.py -- writes the seed corpus of fuzz_exchange
(fuzz/corpus/exchange/): byte 0 = the variant (fuzz_exchange.c's
variants[]), the rest = what the peer sends.  HTTP/2 frames and HPACK are
built by hand (literal fields, no Huffman, RFC 7541 §6.2.2), the gRPC
messages as grpc_health.v1 HealthCheckResponse.  Deterministic: rerun after
changing it and commit the output.

    /usr/bin/python3 fuzz/exchange_seeds.py          the hand-built seeds
    /usr/bin/python3 fuzz/exchange_seeds.py --tls    also record tls_full_*

--tls records complete TLS 1.2 exchanges: fuzz_exchange (built by
`sh fuzz/run.sh -replay exchange`) connects, with its fixed entropy, to a
Python ssl server on loopback (a throwaway EC certificate made with the
openssl CLI), and what the server wrote to its socket is the seed.  As the
probe's ClientHello and key share come from the fixed seed, the recorded
flight verifies on replay -- until the probe's handshake bytes change
(cipher list, extensions), after which the seeds only reach the first
records again and should be recorded anew.
"""
import gzip
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "exchange")

HTTP, HEAD, BODY, TLS, TLS_BODY, GRPC, GRPC_GZIP, GRPC_TLS, TCP_TLS, GRPC_SVC, BODY_ANY, GRPC_LIST = range(12)


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def lit(name, value):
    """Literal header field without indexing, new name (RFC 7541 §6.2.2)."""
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def message(status, compressed=False):
    body = b"\x08" + bytes([status])  # field 1 (status), varint
    if compressed:
        body = gzip.compress(body, mtime=0)
    return bytes([1 if compressed else 0]) + struct.pack(">I", len(body)) + body


SETTINGS = frame(4, 0, 0)
SETTINGS_ACK = frame(4, 1, 0)
HEAD_OK = b"\x88" + lit(b"content-type", b"application/grpc")  # :status 200 is static 8
END_HEADERS, END_STREAM = 4, 1


def grpc_answer(status=1, grpc_status=b"0", compressed=False, split=False):
    hdr = HEAD_OK + (lit(b"grpc-encoding", b"gzip") if compressed else b"")
    msg = message(status, compressed)
    data = [frame(0, 0, 1, msg[:3]), frame(0, 0, 1, msg[3:])] if split else [frame(0, 0, 1, msg)]
    return (SETTINGS + SETTINGS_ACK + frame(1, END_HEADERS, 1, hdr) + b"".join(data)
            + frame(1, END_HEADERS | END_STREAM, 1, lit(b"grpc-status", grpc_status)))


def stream_answer(sid, status=1, grpc_status=b"0"):
    """One stream's whole answer: HEADERS, one DATA message, trailers."""
    return (frame(1, END_HEADERS, sid, HEAD_OK) + frame(0, 0, sid, message(status))
            + frame(1, END_HEADERS | END_STREAM, sid, lit(b"grpc-status", grpc_status)))


SEEDS = {
    # HTTP/1.1
    "http_200": (HTTP, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "http_503": (HTTP, b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"),
    "http_interim": (HTTP, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
    "http_10_close": (HTTP, b"HTTP/1.0 200 OK\r\n\r\nbody until close"),
    "http_head": (HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
    "body_chunked": (BODY, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"1\r\no\r\n1;x=y\r\nk\r\n0\r\nTrailer: z\r\n\r\n"),
    "body_missing": (BODY, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnope!"),
    "body_cut": (BODY, b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"),
    "body_any_500": (BODY_ANY, b"HTTP/1.1 500 x\r\nContent-Length: 4\r\n\r\nok!!"),
    "http_garbage": (HTTP, b"SSH-2.0-OpenSSH_9.2\r\n"),
    # gRPC over h2c
    "grpc_serving": (GRPC, grpc_answer()),
    "grpc_not_serving": (GRPC, grpc_answer(status=2)),
    "grpc_split_data": (GRPC, grpc_answer(split=True)),
    "grpc_unknown_service": (GRPC_SVC, SETTINGS + frame(1, END_HEADERS | END_STREAM, 1,
                             HEAD_OK + lit(b"grpc-status", b"5") + lit(b"grpc-message", b"unknown service"))),
    "grpc_gzip": (GRPC_GZIP, grpc_answer(compressed=True)),
    "grpc_svc_serving": (GRPC_SVC, grpc_answer()),
    "grpc_goaway": (GRPC, SETTINGS + frame(7, 0, 0, struct.pack(">II", 0, 2) + b"bye")),
    "grpc_rst": (GRPC, SETTINGS + frame(3, 0, 1, struct.pack(">I", 8))),
    "grpc_ping_window": (GRPC, SETTINGS + frame(6, 0, 0, b"12345678")
                         + frame(8, 0, 0, struct.pack(">I", 65535)) + grpc_answer()[18:]),
    "grpc_http1": (GRPC, b"HTTP/1.1 400 Bad Request\r\n\r\n"),
    # a -service list: streams 1, 3, 5, 7 of one connection, answered out of order
    "grpc_list": (GRPC_LIST, SETTINGS + SETTINGS_ACK + stream_answer(5) + stream_answer(1)
                  + stream_answer(7, status=2) + stream_answer(3)),
    "grpc_list_rst": (GRPC_LIST, SETTINGS + SETTINGS_ACK + stream_answer(1)
                      + frame(3, 0, 3, struct.pack(">I", 8)) + stream_answer(5)),
    # TLS: a server flight is not replayable beyond its first records
    "tls_alert": (TLS, b"\x15\x03\x03\x00\x02\x02\x28"),
    "tls_http": (TLS_BODY, b"HTTP/1.1 400 Bad Request\r\n\r\n"),
    "tls_server_hello_junk": (GRPC_TLS, b"\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03" + bytes(range(32))
                              + b"\x00\xc0\x2f\x00"),
    "tls_short_record": (TCP_TLS, b"\x16\x03\x03\x00\x10\x02"),
}


HTTP_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
TLS_SEEDS = {  # name: (variant, ALPN, what the server sends once the handshake is done)
    "tls_full_http": (TLS, None, HTTP_OK),
    "tls_full_body": (TLS_BODY, None, HTTP_OK),
    "tls_full_grpc": (GRPC_TLS, "h2", grpc_answer()),
    "tls_full_tcp": (TCP_TLS, None, b""),
}


def record(harness, ctx, variant, payload, tmp):
    """One exchange with fuzz_exchange; returns the server's bytes."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(10)
    seed = os.path.join(tmp, "variant")
    with open(seed, "wb") as f:
        f.write(bytes([variant]))
    env = dict(os.environ, FUZZ_EXCHANGE_RECORD_PORT=str(ls.getsockname()[1]))
    proc = subprocess.Popen([harness, seed], env=env, stderr=subprocess.PIPE)
    conn, _ = ls.accept()
    conn.settimeout(10)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_side=True)
    rec = bytearray()

    def flush():
        data = out.read()
        rec.extend(data)
        conn.sendall(data)

    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            flush()
            data = conn.recv(65536)
            if not data:
                raise SystemExit("the probe closed during the handshake")
            inc.write(data)
    flush()
    if payload:
        tls.write(payload)
        flush()
    while conn.recv(65536):  # until the probe closes
        pass
    conn.close()
    ls.close()
    err = proc.communicate(timeout=10)[1].decode()
    if "kind 1:" not in err:
        raise SystemExit("recording failed: " + err)
    return bytes(rec)


def record_tls():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    harness = os.environ.get("FUZZ_EXCHANGE", os.path.join(root, "build", "fuzz", "fuzz_exchange"))
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=localhost"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, (variant, alpn, payload) in TLS_SEEDS.items():
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(cert, key)
            if alpn:
                ctx.set_alpn_protocols([alpn])
            peer = record(harness, ctx, variant, payload, tmp)
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(bytes([variant]) + peer)




def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (variant, peer) in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([variant]) + peer)
    if "--tls" in sys.argv[1:]:
        record_tls()



if __name__ == "__main__":
    main()
