"""What ships with the binary: its version from ./VERSION, its licences, make install."""

import subprocess

import pytest

from conftest import INSTRUMENTED, REPO


def test_licenses_prints_the_embedded_license_and_notices(lprobe):
    if INSTRUMENTED:
        pytest.skip("make sanitize links src/*.c directly, without the generated notices")
    r = lprobe("-licenses")
    assert r.returncode == 0 and r.stderr == b""
    assert r.stdout == (REPO / "LICENSE").read_bytes() + (REPO / "THIRD_PARTY_NOTICES").read_bytes()
    for name in (b"MIT License", b"BearSSL", b"nghttp2", b"zlib", b"musl"):
        assert name in r.stdout


def test_licenses_is_not_taken_from_the_environment(lprobe, closed_port):
    r = lprobe(f"-port={closed_port}", env={"LPROBE_LICENSES": "true"})
    assert r.returncode == 1 and b"connection refused" in r.stderr


def test_version_comes_from_the_version_file(lprobe):
    r = lprobe("-version")
    version = (REPO / "VERSION").read_text().strip()
    assert r.returncode == 0
    assert r.stdout.decode().startswith(f"lprobe {version}")


def test_usage_points_to_the_man_page_in_the_archive(lprobe):
    out = lprobe("-h").stdout.decode()
    assert "lprobe.1" in out and "-licenses" in out


def test_make_install_puts_binary_and_man_page_under_destdir(tmp_path):
    subprocess.run(["make", "-s", "-C", str(REPO), "install", f"DESTDIR={tmp_path}",
                    "PREFIX=/opt/lp"], check=True, capture_output=True)
    binary = tmp_path / "opt/lp/bin/lprobe"
    man = tmp_path / "opt/lp/share/man/man1/lprobe.1"
    assert binary.stat().st_mode & 0o777 == 0o755
    assert binary.read_bytes() == (REPO / "build/lprobe").read_bytes()
    version = (REPO / "VERSION").read_text().strip()
    assert man.read_text().splitlines()[0].endswith(f'"lprobe {version}" "User Commands"')
