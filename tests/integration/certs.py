"""Test PKI for lprobe's TLS integration tests, generated with the openssl CLI.

    from certs import make_pki
    pki = make_pki(tmp_path_factory.mktemp("pki"))   # dict[str, pathlib.Path]
    pki["ca_cert"], pki["server_cert"], pki["server_key"], ...

Everything is made at test time (nothing secret is committed) and fast: EC P-256 keys
everywhere except the two RSA 2048 keys that the RSA cases need. Generation is cached per
directory (in memory and on disk, guarded by a lock file so that pytest-xdist workers
sharing a directory generate it once).

Keys of the returned dict (all PEM files):

  ca_cert, ca_key                  test root CA (EC)
  server_cert, server_key          RSA 2048, SAN DNS:localhost, IP:127.0.0.1, IP:::1, serverAuth
  server_ec_cert, server_ec_key    same names, EC P-256
  other_cert, other_key            EC, SAN only DNS:other.example.test
  wildcard_cert, wildcard_key      EC, SAN only DNS:*.svc.example.test
  expired_cert, expired_key        localhost SANs, notAfter yesterday
  notyet_cert, notyet_key          localhost SANs, notBefore tomorrow
  client_cert, client_key          EC client cert (clientAuth); key in SEC1 ("BEGIN EC PRIVATE KEY")
  client_key_pkcs8                 the same EC client key in PKCS#8 ("BEGIN PRIVATE KEY")
  client_rsa_cert, client_rsa_key  RSA 2048 client cert; key in PKCS#1 ("BEGIN RSA PRIVATE KEY")
  other_ca_cert, other_ca_key      a second, unrelated CA (EC)
  rogue_client_cert, rogue_client_key  client cert (clientAuth) signed by other_ca
  bundle                           an unrelated self-signed cert followed by ca_cert

`issue_leaf()` makes further certificates signed by the test CA (or other_ca), for tests
that need a SAN layout the standard set does not have.

Expired / not-yet-valid certificates: OpenSSL 3.0's `x509 -req` cannot set notBefore or
notAfter, so every leaf is signed with `openssl ca -startdate/-enddate`, which can.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import pathlib
import subprocess
import threading

__all__ = ["make_pki", "issue_leaf", "LOCALHOST_SANS"]

LOCALHOST_SANS = "DNS:localhost,IP:127.0.0.1,IP:::1"

_KEYS = (
    "ca_cert", "ca_key",
    "server_cert", "server_key",
    "server_ec_cert", "server_ec_key",
    "other_cert", "other_key",
    "wildcard_cert", "wildcard_key",
    "expired_cert", "expired_key",
    "notyet_cert", "notyet_key",
    "client_cert", "client_key", "client_key_pkcs8",
    "client_rsa_cert", "client_rsa_key",
    "other_ca_cert", "other_ca_key",
    "rogue_client_cert", "rogue_client_key",
    "bundle",
)

_MARKER = "pki-complete.json"
_cache: dict[pathlib.Path, dict[str, pathlib.Path]] = {}
_cache_lock = threading.Lock()


def _openssl(*args: str | os.PathLike, cwd: pathlib.Path | None = None) -> None:
    cmd = ["openssl", *map(str, args)]
    env = dict(os.environ)
    env.pop("OPENSSL_CONF", None)
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n"
            f"{proc.stderr.decode(errors='replace')}")


def _utc(delta: _dt.timedelta) -> str:
    """openssl ca date (UTCTime, YYMMDDHHMMSSZ) at now + delta."""
    t = _dt.datetime.now(_dt.timezone.utc) + delta
    return t.strftime("%y%m%d%H%M%SZ")


def _ec_key(path: pathlib.Path) -> None:
    # SEC1 ("BEGIN EC PRIVATE KEY")
    _openssl("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", path)


def _rsa_key(path: pathlib.Path) -> None:
    # PKCS#1 ("BEGIN RSA PRIVATE KEY")
    _openssl("genrsa", "-traditional", "-out", path, "2048")


def _new_key(path: pathlib.Path, kind: str) -> None:
    if kind == "ec":
        _ec_key(path)
    elif kind == "rsa":
        _rsa_key(path)
    else:
        raise ValueError(f"unknown key type {kind!r}")


def _req_config(directory: pathlib.Path) -> pathlib.Path:
    cfg = directory / "req.cnf"
    if not cfg.exists():
        cfg.write_text(
            "[req]\n"
            "distinguished_name = dn\n"
            "prompt = no\n"
            "[dn]\n"
            "CN = unused\n"
            "[v3_ca]\n"
            "basicConstraints = critical,CA:TRUE\n"
            "keyUsage = critical,keyCertSign,cRLSign\n"
            "subjectKeyIdentifier = hash\n"
        )
    return cfg


def _make_ca(directory: pathlib.Path, name: str, cn: str) -> tuple[pathlib.Path, pathlib.Path]:
    """Self-signed EC CA `<name>.pem` / `<name>.key`, plus an `openssl ca` database."""
    key = directory / f"{name}.key"
    cert = directory / f"{name}.pem"
    _ec_key(key)
    _openssl("req", "-config", _req_config(directory), "-x509", "-new", "-sha256",
             "-key", key, "-subj", f"/CN={cn}", "-days", "3650",
             "-extensions", "v3_ca", "-out", cert)
    _ca_db(directory, name)
    return cert, key


def _ca_db(directory: pathlib.Path, name: str) -> pathlib.Path:
    db = directory / f"{name}.db"
    cfg = db / "ca.cnf"
    if cfg.exists():
        return cfg
    (db / "newcerts").mkdir(parents=True, exist_ok=True)
    (db / "index.txt").write_text("")
    (db / "index.txt.attr").write_text("unique_subject = no\n")
    cfg.write_text(
        "[ca]\n"
        "default_ca = CA_default\n"
        "[CA_default]\n"
        f"dir = {db}\n"
        "database = $dir/index.txt\n"
        "new_certs_dir = $dir/newcerts\n"
        "rand_serial = yes\n"
        "default_md = sha256\n"
        "policy = policy_any\n"
        "unique_subject = no\n"
        "copy_extensions = none\n"
        "email_in_dn = no\n"
        "[policy_any]\n"
        "commonName = supplied\n"
    )
    return cfg


def _sign(directory: pathlib.Path, ca_name: str, csr: pathlib.Path, out: pathlib.Path,
          ext: str, not_before: _dt.timedelta, not_after: _dt.timedelta) -> None:
    extfile = out.with_suffix(".ext")
    extfile.write_text("[ext]\n" + ext)
    _openssl("ca", "-batch", "-notext", "-preserveDN",
             "-config", _ca_db(directory, ca_name),
             "-cert", directory / f"{ca_name}.pem", "-keyfile", directory / f"{ca_name}.key",
             "-startdate", _utc(not_before), "-enddate", _utc(not_after),
             "-extfile", extfile, "-extensions", "ext",
             "-in", csr, "-out", out)
    extfile.unlink()


def issue_leaf(directory: pathlib.Path, name: str, *, san: str | None = None,
               key: str = "ec", usage: str = "server", ca: str = "ca",
               not_before: _dt.timedelta = _dt.timedelta(hours=-1),
               not_after: _dt.timedelta = _dt.timedelta(days=825),
               cn: str | None = None) -> tuple[pathlib.Path, pathlib.Path]:
    """Issue `<name>.pem`/`<name>.key` in `directory` (which must hold the CA files, i.e.
    `make_pki(directory)` ran first). `san`: an openssl subjectAltName value such as
    "DNS:localhost,IP:127.0.0.1" (None: no SAN extension). `key`: "ec" (SEC1) or "rsa"
    (PKCS#1). `usage`: "server" or "client". `ca`: "ca" or "other_ca". Returns
    (cert, key)."""
    directory = pathlib.Path(directory)
    key_path = directory / f"{name}.key"
    cert_path = directory / f"{name}.pem"
    csr = directory / f"{name}.csr"
    _new_key(key_path, key)
    _openssl("req", "-config", _req_config(directory), "-new", "-key", key_path,
             "-subj", f"/CN={cn or name}", "-out", csr)
    if usage == "server":
        ku = "digitalSignature,keyEncipherment" if key == "rsa" else "digitalSignature"
        eku = "serverAuth"
    elif usage == "client":
        ku = "digitalSignature"
        eku = "clientAuth"
    else:
        raise ValueError(f"unknown usage {usage!r}")
    ext = (
        "basicConstraints = critical,CA:FALSE\n"
        f"keyUsage = critical,{ku}\n"
        f"extendedKeyUsage = {eku}\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n"
    )
    if san:
        ext += f"subjectAltName = {san}\n"
    _sign(directory, ca, csr, cert_path, ext, not_before, not_after)
    csr.unlink()
    return cert_path, key_path


def _paths(directory: pathlib.Path) -> dict[str, pathlib.Path]:
    d = directory
    return {
        "ca_cert": d / "ca.pem", "ca_key": d / "ca.key",
        "server_cert": d / "server.pem", "server_key": d / "server.key",
        "server_ec_cert": d / "server_ec.pem", "server_ec_key": d / "server_ec.key",
        "other_cert": d / "other.pem", "other_key": d / "other.key",
        "wildcard_cert": d / "wildcard.pem", "wildcard_key": d / "wildcard.key",
        "expired_cert": d / "expired.pem", "expired_key": d / "expired.key",
        "notyet_cert": d / "notyet.pem", "notyet_key": d / "notyet.key",
        "client_cert": d / "client.pem", "client_key": d / "client.key",
        "client_key_pkcs8": d / "client.pkcs8.key",
        "client_rsa_cert": d / "client_rsa.pem", "client_rsa_key": d / "client_rsa.key",
        "other_ca_cert": d / "other_ca.pem", "other_ca_key": d / "other_ca.key",
        "rogue_client_cert": d / "rogue_client.pem", "rogue_client_key": d / "rogue_client.key",
        "bundle": d / "bundle.pem",
    }


def _generate(d: pathlib.Path) -> None:
    day = _dt.timedelta(days=1)
    _make_ca(d, "ca", "lprobe test root CA")
    _make_ca(d, "other_ca", "lprobe unrelated test CA")

    issue_leaf(d, "server", san=LOCALHOST_SANS, key="rsa", cn="localhost")
    issue_leaf(d, "server_ec", san=LOCALHOST_SANS, cn="localhost")
    issue_leaf(d, "other", san="DNS:other.example.test", cn="other.example.test")
    issue_leaf(d, "wildcard", san="DNS:*.svc.example.test", cn="*.svc.example.test")
    issue_leaf(d, "expired", san=LOCALHOST_SANS, cn="localhost",
               not_before=-30 * day, not_after=-1 * day)
    issue_leaf(d, "notyet", san=LOCALHOST_SANS, cn="localhost",
               not_before=1 * day, not_after=400 * day)

    issue_leaf(d, "client", usage="client", cn="lprobe test client")
    _openssl("pkcs8", "-topk8", "-nocrypt", "-in", d / "client.key",
             "-out", d / "client.pkcs8.key")
    issue_leaf(d, "client_rsa", usage="client", key="rsa", cn="lprobe test client rsa")
    issue_leaf(d, "rogue_client", usage="client", ca="other_ca", cn="lprobe rogue client")

    # Unrelated self-signed cert first, then the real CA: a multi-cert bundle.
    unrelated_key = d / "unrelated.key"
    unrelated = d / "unrelated.pem"
    _ec_key(unrelated_key)
    _openssl("req", "-config", _req_config(d), "-x509", "-new", "-sha256",
             "-key", unrelated_key, "-subj", "/CN=lprobe unrelated bundle member",
             "-days", "3650", "-extensions", "v3_ca", "-out", unrelated)
    (d / "bundle.pem").write_bytes(unrelated.read_bytes() + (d / "ca.pem").read_bytes())

    for p in d.glob("*.key"):
        p.chmod(0o600)


def make_pki(directory: pathlib.Path) -> dict[str, pathlib.Path]:
    """Create (once per directory) the test PKI in `directory`; return name -> path."""
    directory = pathlib.Path(directory).resolve()
    with _cache_lock:
        if directory in _cache:
            return dict(_cache[directory])
        directory.mkdir(parents=True, exist_ok=True)
        paths = _paths(directory)
        with open(directory / ".pki.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            marker = directory / _MARKER
            if not (marker.exists() and all(p.exists() for p in paths.values())):
                _generate(directory)
                marker.write_text(json.dumps({k: str(v) for k, v in paths.items()}, indent=1))
        assert set(paths) == set(_KEYS)
        _cache[directory] = paths
        return dict(paths)


if __name__ == "__main__":  # python3 certs.py DIR: generate and list
    import sys
    out = make_pki(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "pki"))
    for k, v in out.items():
        print(f"{k:20} {v}")
