"""SPEC guarantee 4, where the kernel cannot confine the probe: under qemu-user
emulation prctl(PR_SET_SECCOMP) fails, and lprobe refuses to probe unless the user opts
out with one explicit, documented flag (-no-sandbox, LPROBE_NO_SANDBOX=true).

qemu-user-static is in scripts/deps.sh; the tests skip when qemu cannot run the static
binary here.
"""

import platform
import shutil
import subprocess

import pytest

from conftest import INSTRUMENTED, LPROBE

MACHINE = platform.machine()
QEMU = shutil.which(f"qemu-{MACHINE}-static") or shutil.which(f"qemu-{MACHINE}")
OPT_OUT = "-no-sandbox"


@pytest.fixture(scope="module")
def qemu():
    if INSTRUMENTED:
        pytest.skip("an instrumented build is not the static binary qemu-user runs")
    if not QEMU:
        pytest.skip(f"qemu-{MACHINE}-static is needed (scripts/deps.sh: qemu-user-static)")
    try:
        check = subprocess.run([QEMU, str(LPROBE), "-version"], capture_output=True,
                               timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"{QEMU} cannot run {LPROBE} here: {exc}")
    if check.returncode != 0 or b"lprobe" not in check.stdout:
        pytest.skip(f"{QEMU} cannot run {LPROBE} here: exit {check.returncode}, "
                    f"{check.stderr[:200]!r}")
    return (QEMU,)


def test_probe_that_cannot_be_confined_refuses_and_names_the_opt_out(lprobe, qemu, nginx):
    run = lprobe(f"-port={nginx.port}", prefix=qemu)
    message = run.assert_failed()
    assert OPT_OUT in message, f"the message does not name {OPT_OUT}\n{run}"


def test_explicit_false_opt_out_still_refuses(lprobe, qemu, nginx):
    run = lprobe(f"-port={nginx.port}", f"{OPT_OUT}=false", prefix=qemu)
    run.assert_failed(OPT_OUT)
    run = lprobe(f"-port={nginx.port}", env={"LPROBE_NO_SANDBOX": "false"}, prefix=qemu)
    run.assert_failed(OPT_OUT)


def test_opt_out_flag_probes_without_the_sandbox(lprobe, qemu, nginx):
    lprobe(f"-port={nginx.port}", OPT_OUT, prefix=qemu).assert_healthy()


def test_opt_out_from_the_environment_probes_without_the_sandbox(lprobe, qemu, nginx):
    lprobe(f"-port={nginx.port}", env={"LPROBE_NO_SANDBOX": "true"},
           prefix=qemu).assert_healthy()


def test_opt_out_still_reports_an_unhealthy_server(lprobe, qemu, nginx):
    run = lprobe(f"-port={nginx.port}", "-endpoint=/503", OPT_OUT, prefix=qemu)
    run.assert_failed("HTTP 503")


def test_opt_out_says_it_is_unconfined_under_v(lprobe, qemu, nginx):
    # the README's promise: an unconfined probe does not pass for a confined one
    run = lprobe(f"-port={nginx.port}", OPT_OUT, "-v", prefix=qemu)
    assert run.returncode == 0, run
    assert b"probing UNCONFINED (-no-sandbox)" in run.stderr, run
