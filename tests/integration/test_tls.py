"""HTTPS / mTLS / TLS-in-tcp-mode integration tests for lprobe against a real nginx.

Run:  python3 -m pytest -q tests/integration/test_tls.py      (after `make`)

Self-contained: the test PKI comes from certs.py, and this module starts its own nginx
(/usr/sbin/nginx, Debian nginx-light) with one server block per scenario on free loopback
ports, plus two tiny Python listeners (silent; accept-and-close). It does not use
conftest.py or servers.py.

Every probe runs with `-connect-timeout=1s` in a clean environment (no LPROBE_*, no
SSL_CERT_FILE unless a test sets it) and must finish within that timeout + 150 ms; every
failure must be exactly one stderr line starting "lprobe: ".

Both builds run this module (make test): build/lprobe (BearSSL, TLS 1.2) and, with
TEST_LPROBE_BINARY=build/openssl/lprobe, the OpenSSL build (TLS 1.2 and 1.3). Where they
legitimately differ -- a TLS 1.3-only server -- the test asks `tls13_build()`.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from certs import make_pki, issue_leaf  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
# Not LPROBE_*: lprobe reads LPROBE_<flag> from its environment (we never pass it on anyway).
LPROBE = pathlib.Path(os.environ.get("TEST_LPROBE_BINARY", REPO / "build" / "lprobe"))
NGINX = os.environ.get("TEST_NGINX_BINARY", "/usr/sbin/nginx")

CONNECT_TIMEOUT = 1.0
SLACK = 0.150
SYSTEM_BUNDLE = pathlib.Path("/etc/ssl/certs/ca-certificates.crt")

pytestmark = pytest.mark.skipif(not os.access(NGINX, os.X_OK), reason=f"{NGINX} not installed")


# --------------------------------------------------------------------------- probe runner

@dataclass
class Run:
    args: list[str]
    rc: int
    stdout: str
    stderr: str
    elapsed: float

    def __str__(self) -> str:
        return (f"lprobe {' '.join(self.args)}\n  rc={self.rc} elapsed={self.elapsed:.3f}s\n"
                f"  stdout={self.stdout!r}\n  stderr={self.stderr!r}")


def lprobe(*args: object, env: dict[str, str] | None = None, timeout: str = "1s") -> Run:
    argv = [str(a) for a in args]
    if not any(a.startswith(("-connect-timeout", "--connect-timeout")) for a in argv):
        argv.append(f"-connect-timeout={timeout}")
    child_env = {"PATH": "/usr/bin:/bin", "LANG": "C"}
    child_env.update(env or {})
    t0 = time.monotonic()
    proc = subprocess.run([str(LPROBE), *argv], env=child_env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    elapsed = time.monotonic() - t0
    return Run(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"),
               proc.stderr.decode("utf-8", "replace"), elapsed)


def assert_bounded(r: Run, limit: float = CONNECT_TIMEOUT + SLACK) -> None:
    assert r.elapsed < limit, f"took {r.elapsed:.3f}s > {limit:.3f}s\n{r}"


def assert_healthy(r: Run) -> None:
    assert r.rc == 0, f"expected healthy\n{r}"
    assert r.stdout == "" and r.stderr == "", f"success must print nothing\n{r}"
    assert_bounded(r)


def assert_fails(r: Run, *patterns: str, rc: int = 1) -> str:
    """Failure with exit status `rc`, exactly one stderr line starting 'lprobe: ', and every
    regex in `patterns` found (case-insensitive) in that line. Returns the line."""
    assert r.rc == rc, f"expected exit {rc}\n{r}"
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and r.stderr.endswith("\n"), f"expected one stderr line\n{r}"
    line = lines[0]
    assert line.startswith("lprobe: "), f"line must start 'lprobe: '\n{r}"
    for pat in patterns:
        assert re.search(pat, line, re.I), f"message lacks /{pat}/\n{r}"
    assert_bounded(r)
    return line


@lru_cache(maxsize=None)
def tls13_build() -> bool:
    """True for the OpenSSL build (TLS 1.2 and 1.3), False for BearSSL's (TLS 1.2 only)."""
    out = subprocess.run([str(LPROBE), "-version"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, timeout=10, check=True).stdout
    assert b"TLS 1.2" in out, out
    return b"TLS 1.2, 1.3" in out


# Message patterns (case-insensitive regexes).
UNKNOWN_CA = r"(?=.*certificate)(?=.*(unknown|not trusted|untrusted|\bCA\b|issuer))"
NAME_MISMATCH = r"match|name|not valid for"
EXPIRED = r"expired"
NOT_YET = r"not yet valid"
TLS13 = r"TLS ?1\.3"
TIMEOUT = r"time(d)? ?out|deadline"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module", autouse=True)
def tls_capable_lprobe() -> None:
    if not LPROBE.exists():
        pytest.fail(f"{LPROBE} not built (run make)")


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, pathlib.Path]:
    d = tmp_path_factory.mktemp("tls-pki")
    p = make_pki(d)
    # Extra SAN layouts for the default (no -tls-server-name) name check.
    for name, san in (("localhost_only", "DNS:localhost"),
                      ("ip4_only", "IP:127.0.0.1"),
                      ("ip6_only", "IP:::1")):
        cert, key = issue_leaf(d, name, san=san)
        p[f"{name}_cert"], p[f"{name}_key"] = cert, key
    # Files for usage-error tests.
    p["not_a_pem"] = d / "not_a_pem.txt"
    p["not_a_pem"].write_text("this is not a PEM file\n")
    p["empty"] = d / "empty.pem"
    p["empty"].write_text("")
    p["client_key_encrypted"] = d / "client.enc.key"
    subprocess.run(["openssl", "pkcs8", "-topk8", "-v2", "aes-128-cbc", "-passout", "pass:x",
                    "-in", p["client_key"], "-out", p["client_key_encrypted"]], check=True)
    # CA file variants seen in the wild.
    ca_pem = p["ca_cert"].read_bytes()
    p["ca_crlf"] = d / "ca.crlf.pem"                 # edited on Windows
    p["ca_crlf"].write_bytes(ca_pem.replace(b"\n", b"\r\n"))
    p["ca_text"] = d / "ca.text.pem"                 # `openssl x509 -text` output
    with open(p["ca_text"], "wb") as f:
        subprocess.run(["openssl", "x509", "-in", p["ca_cert"], "-text"], stdout=f, check=True)
    p["ca_no_final_newline"] = d / "ca.nonl.pem"
    p["ca_no_final_newline"].write_bytes(ca_pem.rstrip(b"\n"))
    # Client certificate file carrying its chain (leaf first, then the CA).
    p["client_chain"] = d / "client.chain.pem"
    p["client_chain"].write_bytes(p["client_cert"].read_bytes() + ca_pem)
    return p


def _free_port() -> int:
    """A port free on both 127.0.0.1 and ::1 (so the IPv4->IPv6 fallback test is clean)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s4:
            s4.bind(("127.0.0.1", 0))
            port = s4.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s6:
                    s6.bind(("::1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


LOCATIONS = """
        location / { return 200 "ok\\n"; }
        location = /503 { return 503 "down\\n"; }
        location = /sni { return 200 "sni=[$ssl_server_name]\\n"; }
"""


@dataclass
class Servers:
    ports: dict[str, int]
    unix: pathlib.Path

    def __getitem__(self, name: str) -> int:
        return self.ports[name]


@pytest.fixture(scope="module")
def nginx(pki, tmp_path_factory) -> Servers:
    d = tmp_path_factory.mktemp("tls-nginx")
    # name -> (cert key, key key, listen families, extra directives)
    blocks = {
        "rsa":            ("server_cert", "server_key", ("4", "6"), ""),
        "ec":             ("server_ec_cert", "server_ec_key", ("4", "6"), ""),
        "other":          ("other_cert", "other_key", ("4",), ""),
        "wildcard":       ("wildcard_cert", "wildcard_key", ("4",), ""),
        "expired":        ("expired_cert", "expired_key", ("4",), ""),
        "notyet":         ("notyet_cert", "notyet_key", ("4",), ""),
        "localhost_only": ("localhost_only_cert", "localhost_only_key", ("4",), ""),
        "ip4_only":       ("ip4_only_cert", "ip4_only_key", ("4", "6"), ""),
        "ip6_listener":   ("ip6_only_cert", "ip6_only_key", ("6",), ""),
        "mtls":           ("server_cert", "server_key", ("4",),
                           f"ssl_verify_client on; ssl_client_certificate {pki['ca_cert']};"),
        "tls13":          ("server_cert", "server_key", ("4",), "ssl_protocols TLSv1.3;"),
        "tls12":          ("server_cert", "server_key", ("4",), "ssl_protocols TLSv1.2;"),
        # nginx 1.22's default is TLSv1 to TLSv1.2: 1.3 must be named
        "tls12_13":       ("server_cert", "server_key", ("4",), "ssl_protocols TLSv1.2 TLSv1.3;"),
        "legacy":         ("server_cert", "server_key", ("4",),
                           "ssl_protocols TLSv1.2; ssl_ciphers AES128-SHA:AES256-SHA;"),
        "sni":            ("server_ec_cert", "server_ec_key", ("4",), ""),
    }
    ports = {name: _free_port() for name in [*blocks, "plain"]}
    unix = d / "tls.sock"
    servers = []
    for name, (cert, key, fams, extra) in blocks.items():
        listens = "".join(
            f"        listen {'127.0.0.1' if f == '4' else '[::1]'}:{ports[name]} ssl;\n"
            for f in fams)
        if name == "rsa":
            listens += f"        listen unix:{unix} ssl;\n"
        servers.append(f"""
    server {{
{listens}        ssl_certificate {pki[cert]};
        ssl_certificate_key {pki[key]};
        {extra}
{LOCATIONS}
    }}""")
    # Same port as "sni": chosen only when the client sends SNI other.example.test.
    servers.append(f"""
    server {{
        listen 127.0.0.1:{ports['sni']} ssl;
        server_name other.example.test;
        ssl_certificate {pki['other_cert']};
        ssl_certificate_key {pki['other_key']};
{LOCATIONS}
    }}""")
    servers.append(f"""
    server {{
        listen 127.0.0.1:{ports['plain']};
{LOCATIONS}
    }}""")
    temp = "".join(f"    {k}_temp_path {d}/{k};\n"
                   for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = d / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {d}/access.log;
{temp}    default_type text/plain;
    ssl_session_tickets off;
{''.join(servers)}
}}
""")
    errlog = d / "error.log"
    proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(conf), "-e", str(errlog)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    try:
        addrs = [("::1" if blocks.get(n, ("", "", ("4",)))[2] == ("6",) else "127.0.0.1", port)
                 for n, port in ports.items()]
        _wait_ready(proc, addrs, unix, errlog)
        yield Servers(ports, unix)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait_ready(proc: subprocess.Popen, addrs: list[tuple[str, int]], unix: pathlib.Path,
                errlog: pathlib.Path, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    pending = set(addrs)
    while True:
        if proc.poll() is not None:
            log = errlog.read_text() if errlog.exists() else ""
            raise RuntimeError(f"nginx exited with {proc.returncode}:\n{log}")
        for addr in list(pending):
            try:
                socket.create_connection(addr, timeout=0.2).close()
                pending.discard(addr)
            except OSError:
                pass
        if not pending and unix.exists():
            return
        if time.monotonic() > deadline:
            log = errlog.read_text() if errlog.exists() else ""
            raise RuntimeError(f"nginx not ready on {sorted(pending)} after {limit}s:\n{log}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def raw_listeners():
    """'silent': accepts TCP (kernel backlog) but never reads or writes.
    'closer': accepts and immediately closes every connection."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    closer = socket.socket()
    closer.bind(("127.0.0.1", 0))
    closer.listen(64)
    stop = threading.Event()

    def close_loop() -> None:
        closer.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = closer.accept()
            except OSError:
                continue
            conn.close()

    t = threading.Thread(target=close_loop, daemon=True)
    t.start()
    yield {"silent": silent.getsockname()[1], "closer": closer.getsockname()[1]}
    stop.set()
    t.join(2)
    silent.close()
    closer.close()


def ca(pki) -> str:
    return f"-tls-ca-cert={pki['ca_cert']}"


# --------------------------------------------------------------------------- verified HTTPS

@pytest.mark.parametrize("server,extra", [
    ("rsa", []),
    ("ec", []),
    ("rsa", ["-ipv6"]),
    ("ec", ["-ipv6"]),
    ("rsa", ["-tls-server-name=localhost"]),
    ("rsa", ["-method=HEAD"]),
    ("rsa", ["-expect-body=ok"]),
], ids=["rsa", "ec", "rsa-ipv6", "ec-ipv6", "rsa-servername-localhost", "head", "expect-body"])
def test_verified_https_is_healthy(nginx, pki, server, extra):
    assert_healthy(lprobe("-tls", ca(pki), f"-port={nginx[server]}", *extra))


def test_verified_https_over_unix_socket_is_healthy(nginx, pki):
    # Over a unix socket there is no IP: the certificate must be valid for localhost.
    assert_healthy(lprobe("-tls", ca(pki), f"-unix={nginx.unix}"))


def test_tls_settings_from_environment(nginx, pki):
    assert_healthy(lprobe(env={"LPROBE_TLS": "true",
                               "LPROBE_TLS_CA_CERT": str(pki["ca_cert"]),
                               "LPROBE_PORT": str(nginx["rsa"])}))


@pytest.mark.parametrize("args,pattern,detailed_rc", [
    (["-endpoint=/503"], r"\b503\b", 4),
    (["-expect-body=no-such-text"], r"body|expect", 4),
], ids=["http-503", "expect-body-missing"])
def test_http_verdict_still_applies_over_tls(nginx, pki, args, pattern, detailed_rc):
    base = ["-tls", ca(pki), f"-port={nginx['rsa']}", *args]
    assert_fails(lprobe(*base), pattern)
    assert_fails(lprobe(*base, "-exit-codes=detailed"), pattern, rc=detailed_rc)


def test_server_name_is_sent_as_sni(nginx, pki):
    # nginx picks the other.example.test certificate only if SNI names it; without SNI the
    # default (localhost) certificate would fail verification for other.example.test.
    assert_healthy(lprobe("-tls", ca(pki), f"-port={nginx['sni']}",
                          "-tls-server-name=other.example.test", "-endpoint=/sni",
                          "-expect-body=sni=[other.example.test]"))


# --------------------------------------------------------------------------- trust sources

@pytest.mark.parametrize("flag,env_file", [
    (None, "ca_cert"),
    ("bundle", None),
    (None, "bundle"),
    ("ca_crlf", None),
    ("ca_text", None),
    ("ca_no_final_newline", None),
    ("ca_cert", "other_ca_cert"),
], ids=["SSL_CERT_FILE", "bundle-flag", "bundle-SSL_CERT_FILE", "crlf-pem", "openssl-text-pem",
        "no-final-newline", "flag-wins-over-SSL_CERT_FILE"])
def test_trusted_ca_source_is_healthy(nginx, pki, flag, env_file):
    args = ["-tls", f"-port={nginx['rsa']}"]
    if flag:
        args.append(f"-tls-ca-cert={pki[flag]}")
    env = {"SSL_CERT_FILE": str(pki[env_file])} if env_file else {}
    assert_healthy(lprobe(*args, env=env))


@pytest.mark.parametrize("flag,env_file", [
    ("other_ca_cert", None),
    (None, "other_ca_cert"),
    ("other_ca_cert", "ca_cert"),
], ids=["flag-other-ca", "SSL_CERT_FILE-other-ca", "flag-not-merged-with-SSL_CERT_FILE"])
@pytest.mark.parametrize("server", ["rsa", "ec"])
def test_unknown_ca_is_rejected(nginx, pki, server, flag, env_file):
    args = ["-tls", f"-port={nginx[server]}"]
    if flag:
        args.append(f"-tls-ca-cert={pki[flag]}")
    env = {"SSL_CERT_FILE": str(pki[env_file])} if env_file else {}
    assert_fails(lprobe(*args, env=env), UNKNOWN_CA)
    assert_fails(lprobe(*args, "-exit-codes=detailed", env=env), UNKNOWN_CA, rc=2)


@pytest.mark.skipif(not SYSTEM_BUNDLE.exists(), reason="no system CA bundle")
def test_system_bundle_does_not_trust_test_ca(nginx):
    assert_fails(lprobe("-tls", f"-port={nginx['rsa']}"), UNKNOWN_CA)


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("server,extra", [
    ("localhost_only", []),          # DNS:localhost only: valid for the default check
    ("ip4_only", []),                # IP:127.0.0.1 only
    ("ip6_listener", []),            # refused on 127.0.0.1, retried on ::1; IP:::1 only
    ("ip6_listener", ["-ipv6"]),
], ids=["dns-localhost-only", "ip4-san-only", "ipv6-fallback-ip6-san", "ipv6-ip6-san"])
def test_default_name_check_accepts_probed_ip_or_localhost(nginx, pki, server, extra):
    assert_healthy(lprobe("-tls", ca(pki), f"-port={nginx[server]}", *extra))


def test_ip_san_for_other_family_is_rejected(nginx, pki):
    # Certificate only for 127.0.0.1, probed on ::1.
    assert_fails(lprobe("-tls", ca(pki), f"-port={nginx['ip4_only']}", "-ipv6"),
                 NAME_MISMATCH, r"::1")


def test_name_mismatch_names_expected_ip(nginx, pki):
    line = assert_fails(lprobe("-tls", ca(pki), f"-port={nginx['other']}"),
                        NAME_MISMATCH, r"127\.0\.0\.1")
    assert_fails(lprobe("-tls", ca(pki), f"-port={nginx['other']}", "-exit-codes=detailed"),
                 NAME_MISMATCH, rc=2)
    assert "expired" not in line.lower()


@pytest.mark.parametrize("server,name,ok", [
    ("other", "other.example.test", True),
    ("other", "OTHER.Example.TEST", True),
    ("other", "wrong.example.test", False),
    ("rsa", "other.example.test", False),
    ("rsa", "127.0.0.1", True),      # IP literal: matched against iPAddress SANs (as Go does)
    ("rsa", "::1", True),
    ("other", "127.0.0.1", False),
    ("wildcard", "a.svc.example.test", True),
    ("wildcard", "A.Svc.Example.Test", True),
    ("wildcard", "a.b.svc.example.test", False),
    ("wildcard", "svc.example.test", False),
    ("wildcard", "a.svc.example.testx", False),
], ids=lambda v: str(v))
def test_tls_server_name_matching(nginx, pki, server, name, ok):
    r = lprobe("-tls", ca(pki), f"-port={nginx[server]}", f"-tls-server-name={name}")
    if ok:
        assert_healthy(r)
    else:
        assert_fails(r, NAME_MISMATCH, re.escape(name))


def test_wildcard_without_server_name_is_rejected(nginx, pki):
    assert_fails(lprobe("-tls", ca(pki), f"-port={nginx['wildcard']}"), NAME_MISMATCH)


# --------------------------------------------------------------------------- validity period

@pytest.mark.parametrize("server,pattern,not_pattern", [
    ("expired", EXPIRED, NOT_YET),
    ("notyet", NOT_YET, EXPIRED),
], ids=["expired", "not-yet-valid"])
def test_certificate_validity_period(nginx, pki, server, pattern, not_pattern):
    line = assert_fails(lprobe("-tls", ca(pki), f"-port={nginx[server]}"), pattern)
    assert not re.search(not_pattern, line, re.I), line
    assert_fails(lprobe("-tls", ca(pki), f"-port={nginx[server]}", "-exit-codes=detailed"),
                 pattern, rc=2)


# --------------------------------------------------------------------------- -tls-no-verify

@pytest.mark.parametrize("server,env", [
    ("expired", {}),
    ("notyet", {}),
    ("other", {}),
    ("wildcard", {}),
    ("rsa", {"SSL_CERT_FILE": "OTHER_CA"}),
    ("rsa", {"SSL_CERT_FILE": "/nonexistent/ca.pem"}),
], ids=["expired", "notyet", "name-mismatch", "wildcard", "unknown-ca", "no-ca-file"])
def test_no_verify_accepts_any_certificate(nginx, pki, server, env):
    env = {k: str(pki["other_ca_cert"]) if v == "OTHER_CA" else v for k, v in env.items()}
    assert_healthy(lprobe("-tls", "-tls-no-verify", f"-port={nginx[server]}", env=env))


# --------------------------------------------------------------------------- mTLS

@pytest.mark.parametrize("cert,key", [
    ("client_cert", "client_key"),
    ("client_cert", "client_key_pkcs8"),
    ("client_rsa_cert", "client_rsa_key"),
    ("client_chain", "client_key"),
], ids=["ec-sec1", "ec-pkcs8", "rsa-pkcs1", "cert-file-with-chain"])
def test_mtls_with_client_certificate_is_healthy(nginx, pki, cert, key):
    assert_healthy(lprobe("-tls", ca(pki), f"-port={nginx['mtls']}",
                          f"-tls-client-cert={pki[cert]}", f"-tls-client-key={pki[key]}"))


def test_mtls_without_client_certificate_is_unhealthy(nginx, pki):
    # nginx completes a TLS 1.2 handshake without a client cert, then answers HTTP 400.
    assert_fails(lprobe("-tls", ca(pki), f"-port={nginx['mtls']}"),
                 r"\b400\b|client cert")


def test_mtls_with_client_certificate_from_other_ca_is_unhealthy(nginx, pki):
    assert_fails(lprobe("-tls", ca(pki), f"-port={nginx['mtls']}",
                        f"-tls-client-cert={pki['rogue_client_cert']}",
                        f"-tls-client-key={pki['rogue_client_key']}"))


# --------------------------------------------------------------------------- protocol / suites

def test_tls13_only_server_is_healthy_or_named_with_the_build_to_use(nginx, pki):
    args = ["-tls", ca(pki), f"-port={nginx['tls13']}"]
    if tls13_build():
        assert_healthy(lprobe(*args))
        assert_healthy(lprobe(*args, "-mode=tcp"))
    else:  # BearSSL: no TLS 1.3; the line says so and names the build that has it
        assert_fails(lprobe(*args), TLS13, r"OpenSSL build")
        assert_fails(lprobe(*args, "-exit-codes=detailed"), TLS13, rc=2)


@pytest.mark.parametrize("server,version", [("tls12_13", "TLSv1.3"), ("tls12", "TLSv1.2"),
                                            ("tls13", "TLSv1.3")])
def test_openssl_build_negotiates_the_best_version_the_server_offers(nginx, pki, server,
                                                                      version):
    if not tls13_build():
        pytest.skip("the BearSSL build speaks TLS 1.2 only (see the test above)")
    r = lprobe("-v", "-tls", ca(pki), f"-port={nginx[server]}")
    assert r.rc == 0, r
    assert re.search(rf"^lprobe: {re.escape(version)} with 127\.0\.0\.1:{nginx[server]}: ",
                     r.stderr, re.M), r


def test_bearssl_build_speaks_tls12_to_a_tls12_only_server(nginx, pki):
    if tls13_build():
        pytest.skip("covered for the OpenSSL build by the test above")
    assert_healthy(lprobe("-tls", ca(pki), f"-port={nginx['tls12']}"))


def test_server_without_ecdhe_aead_suites_fails_handshake(nginx, pki):
    args = ["-tls", ca(pki), f"-port={nginx['legacy']}"]
    assert_fails(lprobe(*args), r"tls|handshake|cipher")
    assert_fails(lprobe(*args, "-exit-codes=detailed"), rc=2)


# --------------------------------------------------------------------------- -mode=tcp -tls

@pytest.mark.parametrize("server,pattern", [
    ("rsa", None),
    ("ec", None),
    ("expired", EXPIRED),
    ("other", NAME_MISMATCH),
], ids=["rsa", "ec", "expired", "name-mismatch"])
def test_tcp_mode_with_tls_checks_handshake(nginx, pki, server, pattern):
    r = lprobe("-mode=tcp", "-tls", ca(pki), f"-port={nginx[server]}")
    if pattern is None:
        assert_healthy(r)
    else:
        assert_fails(r, pattern)


# --------------------------------------------------------------------------- non-TLS peers

@pytest.mark.parametrize("mode", ["http", "tcp"])
@pytest.mark.parametrize("peer", ["plain-http", "closer", "silent"])
def test_non_tls_peer_fails_within_deadline(nginx, pki, raw_listeners, mode, peer):
    port = nginx["plain"] if peer == "plain-http" else raw_listeners[peer]
    args = [f"-mode={mode}", "-tls", ca(pki), f"-port={port}"]
    pattern = TIMEOUT if peer == "silent" else None
    assert_fails(lprobe(*args), *([pattern] if pattern else []))
    if peer != "silent":  # keep the suite fast: one timeout per mode is enough
        assert_fails(lprobe(*args, "-exit-codes=detailed"), rc=2)


def test_plain_http_server_is_named_as_such(nginx, pki):
    # nginx answers a ClientHello on a plain port with "HTTP/1.1 400 Bad Request". The one
    # line should say the peer is not speaking TLS, not blame a TLS version.
    line = assert_fails(lprobe("-tls", ca(pki), f"-port={nginx['plain']}"),
                        r"plain|not (speak(ing)? )?TLS|not a TLS|HTTP")
    assert not re.search(r"version", line, re.I), line


# --------------------------------------------------------------------------- usage errors

def _usage_cases():
    # (id, args as callables of pki, required message regexes)
    return [
        ("client-cert-without-key",
         lambda p: ["-tls", f"-tls-client-cert={p['client_cert']}"], [r"tls-client-key"]),
        ("client-key-without-cert",
         lambda p: ["-tls", f"-tls-client-key={p['client_key']}"], [r"tls-client-cert"]),
        ("client-key-is-a-certificate",
         lambda p: ["-tls", f"-tls-client-cert={p['client_cert']}",
                    f"-tls-client-key={p['client_cert']}"], [r"key", r"client\.pem"]),
        ("client-key-not-pem",
         lambda p: ["-tls", f"-tls-client-cert={p['client_cert']}",
                    f"-tls-client-key={p['not_a_pem']}"], [r"key", r"not_a_pem\.txt"]),
        ("client-key-missing",
         lambda p: ["-tls", f"-tls-client-cert={p['client_cert']}",
                    "-tls-client-key=/nonexistent/client.key"], [r"/nonexistent/client\.key"]),
        ("client-key-encrypted",
         lambda p: ["-tls", f"-tls-client-cert={p['client_cert']}",
                    f"-tls-client-key={p['client_key_encrypted']}"], [r"key"]),
        ("client-cert-missing",
         lambda p: ["-tls", "-tls-client-cert=/nonexistent/client.pem",
                    f"-tls-client-key={p['client_key']}"], [r"/nonexistent/client\.pem"]),
        ("client-cert-is-a-key",
         lambda p: ["-tls", f"-tls-client-cert={p['client_key']}",
                    f"-tls-client-key={p['client_key']}"], [r"cert"]),
        ("cert-key-mismatch-ec-rsa",
         lambda p: ["-tls", f"-tls-client-cert={p['client_cert']}",
                    f"-tls-client-key={p['client_rsa_key']}"], [r"match|belong|pair"]),
        ("cert-key-mismatch-ec-ec",
         lambda p: ["-tls", f"-tls-client-cert={p['client_cert']}",
                    f"-tls-client-key={p['rogue_client_key']}"], [r"match|belong|pair"]),
        ("ca-cert-missing",
         lambda p: ["-tls", "-tls-ca-cert=/nonexistent/ca.pem"], [r"/nonexistent/ca\.pem"]),
        ("ca-cert-empty",
         lambda p: ["-tls", f"-tls-ca-cert={p['empty']}"], [r"empty\.pem"]),
        ("ca-cert-no-certificate",
         lambda p: ["-tls", f"-tls-ca-cert={p['ca_key']}"], [r"ca\.key", r"cert"]),
        ("ca-cert-not-pem",
         lambda p: ["-tls", f"-tls-ca-cert={p['not_a_pem']}"], [r"not_a_pem\.txt"]),
        ("ca-cert-without-tls",
         lambda p: [f"-tls-ca-cert={p['ca_cert']}"], [r"-tls\b"]),
        ("no-verify-without-tls",
         lambda p: ["-tls-no-verify"], [r"-tls\b"]),
        ("server-name-without-tls",
         lambda p: ["-tls-server-name=localhost"], [r"-tls\b"]),
        ("client-cert-without-tls",
         lambda p: [f"-tls-client-cert={p['client_cert']}",
                    f"-tls-client-key={p['client_key']}"], [r"-tls\b"]),
    ]


@pytest.mark.parametrize("case", _usage_cases(), ids=lambda c: c[0])
def test_tls_usage_error(nginx, pki, case):
    _, make_args, patterns = case
    args = [*make_args(pki), f"-port={nginx['rsa']}"]
    assert_fails(lprobe(*args), *patterns)
    assert_fails(lprobe(*args, "-exit-codes=detailed"), rc=1)
