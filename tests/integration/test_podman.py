"""lprobe in a real container runtime: podman builds examples/Dockerfile.scratch and runs it.

No registry is used: the image is `FROM scratch` plus COPY of build/lprobe and
build/demo-server.  The container runs hardened (read-only root, no capabilities,
no-new-privileges, uid 65534) with --network none, so its only interface is its own
loopback.  There is no systemd here, so podman's health timer never fires and the
test runs `podman healthcheck run` by hand and reads the verdict with `podman inspect`.

Skipped, with the reason, where podman cannot start a container (scripts/deps.sh
installs it and writes /etc/containers/containers.conf).
"""

import json
import shutil
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LPROBE = REPO / "build" / "lprobe"
DEMO = REPO / "build" / "demo-server"
DOCKERFILE = REPO / "examples" / "Dockerfile.scratch"
HEALTH_CMD = ["/lprobe", "-endpoint=/healthz", "-expect-body=ok"]
HARDENED = ["--read-only", "--cap-drop=ALL", "--security-opt", "no-new-privileges",
            "--user", "65534:65534", "--network", "none"]


def podman(*args, check=True, timeout=60):
    r = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: exit {r.returncode}\n{r.stderr}")
    return r


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """The example image, built from examples/Dockerfile.scratch; removed afterwards."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (scripts/deps.sh installs it)")
    if not (LPROBE.exists() and DEMO.exists()):
        pytest.skip("build/lprobe and build/demo-server are not built (run make)")
    ctx = tmp_path_factory.mktemp("ctx")
    (ctx / "build").mkdir()
    for f in (LPROBE, DEMO):
        shutil.copy2(f, ctx / "build" / f.name)
    tag = f"localhost/lprobe-test-{uuid.uuid4().hex[:8]}"
    tags = []
    try:
        r = podman("build", "-q", "--format", "docker", "-f", str(DOCKERFILE), "-t", tag,
                   str(ctx), check=False, timeout=120)
        if r.returncode != 0:
            pytest.skip(f"podman cannot build an image here: {r.stderr.strip()[-300:]}")
        tags.append(tag)
        r = podman("run", "--rm", "--network", "none", "--entrypoint", "/lprobe", tag,
                   "-version", check=False)
        if r.returncode != 0:
            pytest.skip(f"podman cannot start a container here: {r.stderr.strip()[-300:]}")
        yield {"tag": tag, "ctx": ctx, "tags": tags}
    finally:
        for t in tags:
            podman("rmi", "-f", t, check=False)


@pytest.fixture
def container(image):
    """Starts containers of the example image; force-removes them afterwards."""
    names = []

    def start(*extra):
        name = f"lprobe-test-{uuid.uuid4().hex[:8]}"
        names.append(name)
        podman("run", "-d", "--name", name, *HARDENED, *extra, image["tag"])
        return name

    yield start
    for n in names:
        podman("rm", "-f", "-t", "0", n, check=False)


def health(name):
    r = podman("inspect", name, "--format", "{{json .State.Health}}")
    return json.loads(r.stdout)


def wait_until_serving(name):
    """`podman healthcheck run` until the server answers (it starts in milliseconds)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if podman("healthcheck", "run", name, check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} never became healthy: {health(name)}")


def test_image_holds_only_lprobe_and_the_server(image):
    name = f"lprobe-test-{uuid.uuid4().hex[:8]}"
    podman("create", "--name", name, image["tag"])
    try:
        out = image["ctx"] / "export.tar"
        with open(out, "wb") as f:
            subprocess.run(["podman", "export", name], stdout=f, check=True, timeout=60)
        with tarfile.open(out) as t:
            files = sorted(m.name.lstrip("./") for m in t.getmembers() if m.isfile())
    finally:
        podman("rm", "-f", name, check=False)
    assert files == ["demo-server", "lprobe"]
    size = json.loads(podman("image", "inspect", image["tag"]).stdout)[0]["Size"]
    print(f"example image size: {size} bytes")
    assert size < 1024 * 1024


def test_image_has_no_shell(image):
    r = podman("run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", image["tag"],
               "-c", "true", check=False)
    assert r.returncode != 0


def test_docker_format_keeps_the_exec_form_healthcheck(image):
    cfg = json.loads(podman("image", "inspect", image["tag"]).stdout)[0]
    assert cfg["Healthcheck"]["Test"] == ["CMD", *HEALTH_CMD]


def test_oci_format_drops_the_healthcheck(image):
    """Why the README says `--format docker`: the OCI image format has no HEALTHCHECK."""
    tag = image["tag"] + "-oci"
    r = podman("build", "-q", "--format", "oci", "-f", str(DOCKERFILE), "-t", tag,
               str(image["ctx"]), timeout=120)
    image["tags"].append(tag)
    assert "HEALTHCHECK" in r.stderr  # podman warns that it is dropped
    cfg = json.loads(podman("image", "inspect", tag).stdout)[0]
    assert not cfg.get("Healthcheck") and not cfg["Config"].get("Healthcheck")


def test_hardened_container_goes_healthy_unhealthy_healthy(container):
    name = container("--health-cmd", json.dumps(HEALTH_CMD), "--health-interval", "disable",
                     "--health-retries", "1", "--health-timeout", "3s")
    wait_until_serving(name)
    assert health(name)["Status"] == "healthy"

    podman("kill", "--signal", "USR1", name)  # the demo server's /healthz now says 503
    r = podman("healthcheck", "run", name, check=False)
    assert r.returncode != 0
    h = health(name)
    assert h["Status"] == "unhealthy"
    assert h["Log"][-1]["ExitCode"] == 1
    assert h["Log"][-1]["Output"].strip() == (
        "lprobe: unhealthy: HTTP 503 from 127.0.0.1:8080/healthz")

    podman("kill", "--signal", "USR1", name)  # and back to 200 "ok"
    assert podman("healthcheck", "run", name, check=False).returncode == 0
    assert health(name)["Status"] == "healthy"


def test_probe_of_a_stopped_server_says_connection_refused(container):
    """The server gone but the container still up: `podman exec` of the probe itself."""
    name = container("--entrypoint", "/lprobe", "--health-cmd", "none")
    # that container's main process is a probe with nothing to probe: it exits 1 at once
    r = podman("wait", name, timeout=30)
    assert r.stdout.strip() == "1"
    r = podman("logs", name)
    logs = (r.stdout + r.stderr).strip()
    assert logs.startswith("lprobe: connect 127.0.0.1:8080: connection refused")


def test_sigterm_stops_the_server_as_pid_1_promptly(container):
    name = container()
    wait_until_serving(name)
    t = time.monotonic()
    podman("stop", "-t", "10", name)  # SIGKILL only after 10 s: we must exit on SIGTERM
    took = time.monotonic() - t
    assert took < 3, f"podman stop took {took:.1f}s: SIGTERM was not handled"
    assert podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip() == "0"
