"""Every lprobe command the docs show parses through the real binary.

Commands are taken from README.md (shell lines in code blocks and exec arrays),
docs/lprobe.1 (EXAMPLES and any exec array), the root Dockerfile and examples/*
(Dockerfile HEALTHCHECK arrays, compose `test`, Kubernetes `command`, ECS
`healthCheck.command`).  Each is run parse-only: its ports point at a closed
port, its TLS files at real generated ones, so a command that parses fails with
a connection error -- never with `lprobe: usage:`.

Run flags are kept but made harmless: -log points at /dev/null (a documented
/proc/1/fd/2 would write into this machine's PID 1), -wait and -interval are cut
short so that a closed port fails within a second; `--` groups are rewritten group
by group like any other flags.
"""

import json
import re
import shlex
import socket
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import LPROBE, REPO, probe_environment

# -name value flags whose value the rewrite replaces
VALUED = ("port", "addr", "log", "wait", "interval",
          "tls-ca-cert", "tls-client-cert", "tls-client-key")
SHORT = {"log": "/dev/null", "wait": "300ms", "interval": "100ms"}
ACTIONS = ("-h", "-help", "--help", "-version", "--version", "-licenses")
PROGRAMS = ("lprobe", "/lprobe", "build/lprobe", "./build/lprobe", "/usr/local/bin/lprobe")
# a JSON exec array naming lprobe, optionally after Docker's "CMD"
ARRAY = re.compile(r'\[\s*(?:"CMD",\s*)?"(?:/usr/local/bin/|/)?lprobe"[^\]]*\]')


def arrays(text):
    """(line, argv) for each exec array in free text (Dockerfile, Markdown, man page)."""
    for m in ARRAY.finditer(text):
        if "..." in m.group(0) or "…" in m.group(0):
            continue  # a placeholder in prose: ["/lprobe", ...]
        argv = json.loads(m.group(0))
        yield text.count("\n", 0, m.start()) + 1, [a for a in argv if a != "CMD"]


def shell_lines(lines):
    """(line, env, argv) for each shell line whose command is lprobe."""
    for n, line in lines:
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        env = {}
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            k, v = words.pop(0).split("=", 1)
            env[k] = v
        if words and words[0] in PROGRAMS:
            yield n, env, words


def from_markdown(path):
    text = path.read_text()
    block, lines = False, []
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            block = not block
        elif block:
            lines.append((n, line))
    for n, env, argv in shell_lines(lines):
        yield n, env, argv
    for n, argv in arrays(text):
        yield n, {}, argv


def unroff(s):
    s = re.sub(r"\\f[BIRP]", "", s)
    return s.replace("\\-", "-").replace("\\(dq", '"').replace("\\e", "\\")


def from_man(path):
    text = unroff(path.read_text())
    nofill, lines = False, []
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith(".nf"):
            nofill = True
        elif line.startswith(".fi"):
            nofill = False
        elif nofill:
            lines.append((n, line))
    for n, env, argv in shell_lines(lines):
        yield n, env, argv
    for n, argv in arrays(text):
        yield n, {}, argv


def walk(node):
    """Every list of strings naming lprobe in parsed YAML/JSON (with its env siblings)."""
    if isinstance(node, list):
        if node and all(isinstance(x, str) for x in node):
            argv = [x for x in node if x not in ("CMD",)]
            if argv and argv[0] in PROGRAMS:
                yield argv
        for x in node:
            yield from walk(x)
    elif isinstance(node, dict):
        for v in node.values():
            yield from walk(v)


def from_structured(path):
    text = path.read_text()
    docs = ([json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text)))
    found = [argv for d in docs for argv in walk(d)]
    lines = [n for n, _ in arrays(text)]
    for i, argv in enumerate(found):
        yield (lines[i] if i < len(lines) else 0), {}, argv


def collect():
    sources = [REPO / "README.md", REPO / "docs" / "lprobe.1", REPO / "Dockerfile",
               *sorted((REPO / "examples").iterdir())]
    found = {}
    for path in sources:
        if path.suffix == ".md":
            cmds = from_markdown(path)
        elif path.suffix == ".1":
            cmds = from_man(path)
        elif path.suffix in (".yml", ".yaml", ".json"):
            cmds = from_structured(path)
        elif path.name.startswith("Dockerfile"):
            cmds = ((n, {}, argv) for n, argv in arrays(path.read_text()))
        else:
            continue
        found[path.relative_to(REPO)] = list(cmds)
    return found


FOUND = collect()
CASES = [pytest.param(env, argv, id=f"{path}:{n}") for path, cmds in FOUND.items()
         for n, env, argv in cmds]


def test_every_source_shows_commands():
    """The extraction itself: each document and example yields its commands."""
    for name in ("README.md", "docs/lprobe.1", "Dockerfile", "examples/Dockerfile.scratch",
                 "examples/docker-compose.yml", "examples/kubernetes-probes.yaml",
                 "examples/ecs-healthcheck.json"):
        assert FOUND.get(Path(name)), f"no lprobe command found in {name}"
    assert len(FOUND[Path("examples/kubernetes-probes.yaml")]) == 6  # 3 probes x 2
    assert len(FOUND[Path("examples/docker-compose.yml")]) == 2
    assert len(CASES) >= 25


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-keyout",
                    str(d / "k.pem"), "-out", str(d / "c.pem"), "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    return d / "c.pem", d / "k.pem"


@pytest.fixture(scope="module")
def closed():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rewrite(argv, closed, tls_files):
    """Same flags, but every port closed, every TLS file real, -log at /dev/null and
    -wait/-interval short."""
    ca, key = tls_files
    files = {"tls-ca-cert": ca, "tls-client-cert": ca, "tls-client-key": key}
    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        m = re.fullmatch(r"(--?)([a-z0-9-]+)(?:=(.*))?", a, re.S)
        if m and m.group(2) in VALUED and m.group(3) is None \
                and i + 1 < len(argv):
            a = f"{a}={argv[i + 1]}"  # -name value -> -name=value
            i += 1
            m = re.fullmatch(r"(--?)([a-z0-9-]+)(?:=(.*))?", a, re.S)
        if m and m.group(3) is not None:
            name, value = m.group(2), m.group(3)
            if name == "port":
                a = f"-port={closed}"
            elif name == "addr" and not value.startswith("unix:"):
                a = f"-addr={value.rsplit(':', 1)[0]}:{closed}"
            elif name in files:
                a = f"-{name}={files[name]}"
            elif name in SHORT:
                a = f"-{name}={SHORT[name]}"
        out.append(a)
        i += 1
    return out


@pytest.mark.parametrize("env,argv", CASES)
def test_documented_command_parses(env, argv, closed, tls_files):
    assert_parses(env, argv, closed, tls_files)


def test_rewrite_makes_run_flags_harmless(closed, tls_files):
    argv = ["-wait", "30s", "-interval=5s", "-log", "/proc/1/fd/2", "-no-sandbox",
            "-port", "8080", "--", "-mode=grpc", "-port=9090", "-service=a,b",
            "--", "-mode=tcp", "--port=5432", "-log=/proc/1/fd/1"]
    assert rewrite(argv, closed, tls_files) == [
        "-wait=300ms", "-interval=100ms", "-log=/dev/null", "-no-sandbox",
        f"-port={closed}", "--", "-mode=grpc", f"-port={closed}", "-service=a,b",
        "--", "-mode=tcp", f"-port={closed}", "-log=/dev/null"]


@pytest.mark.parametrize("argv", [
    pytest.param(["lprobe", "-wait=30s", "-interval", "2s", "-log=/proc/1/fd/2",
                  "-port=8080", "-endpoint=/healthz", "--", "-mode=grpc", "-port=9090",
                  "-service=orders", "--", "-mode=tcp", "-port=5432"], id="wait-log-groups"),
    pytest.param(["lprobe", "-no-sandbox", "-v", "-port", "8080", "--", "-addr=:9090",
                  "-service=a,b"], id="no-sandbox-verbose-addr-list"),
])
def test_commands_with_run_flags_and_groups_parse(argv, closed, tls_files):
    """What the docs may show with -wait, -interval, -log, -no-sandbox and groups goes
    through the same check as a documented command (and takes well under a second)."""
    r = assert_parses({}, argv, closed, tls_files)
    last = r.stderr.splitlines()[-1]
    if "-wait=30s" in argv:
        assert last.startswith("lprobe: still unhealthy after "), last
    assert "(and 1 other group failed)" in last or "(and 2 other groups failed)" in last, last


def assert_parses(env, argv, closed, tls_files):
    args = rewrite(argv[1:], closed, tls_files)
    env = {**env, "LPROBE_PORT": str(closed)}
    r = subprocess.run([str(LPROBE), *args], capture_output=True, text=True, timeout=10,
                       env=probe_environment(env), stdin=subprocess.DEVNULL)
    line = f"lprobe {' '.join(args)}: exit {r.returncode}, stderr {r.stderr!r}"
    if any(a in ACTIONS for a in args):
        assert r.returncode == 0, line
        assert r.stdout, line
        return r
    assert not r.stderr.startswith("lprobe: usage"), line
    assert r.returncode in (1, 2), line
    assert r.stdout == "", line
    last = r.stderr.splitlines()[-1] if r.stderr else ""
    if "-v" not in args:  # -v adds its steps before the verdict line
        assert r.stderr.count("\n") == 1, line
    assert last.startswith("lprobe: "), line
    assert re.search(r"connect|refusing target", last), line
    return r
