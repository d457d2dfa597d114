"""The README's and docs/api.md's shell examples, run as written against a live demo server.

A fresh SQLite database gets the demo data of `make run`; `manage.py runserver` serves it
on a free port; then every command of every ```sh block runs in bash, in document order,
with the variables it exports carried to the next one. What a command prints is checked
against the comment lines that follow it in the docs:

- `# HTTP/1.1 201 Created` → that status;
- `# {"key": …}` or `# … "key": …` → the answer is JSON and has each key shown;
- `# Some-Header: value` → the answer has that header (with that value, unless elided);
- no comment → a 2xx answer.

So a doc example that uses an id the demo does not have, a scope the token lacks, or a
command that crashes, fails here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "api.md"]
DOC_HOST = "http://127.0.0.1:8000"
SKIP = ("make ",)  # the Quick start's make commands are what this test stands in for

STATUS = re.compile(r"^HTTP/[\d.]+ (\d{3})")
HEADER = re.compile(r"^([A-Z][A-Za-z-]+): ")
KEY = re.compile(r'"([a-z_]+)":')


@dataclass
class Example:
    source: str
    command: str
    expectations: list[str] = field(default_factory=list)


def shell_examples(path: Path) -> list[Example]:
    examples: list[Example] = []
    for block in re.findall(r"```sh\n(.*?)```", path.read_text(), re.S):
        pending = ""
        for line in block.splitlines():
            if not pending and line.startswith("#"):
                if examples and examples[-1].source.startswith(path.name):
                    examples[-1].expectations.append(line.lstrip("# ").strip())
                continue
            pending += line + "\n"
            if line.endswith("\\") or not _complete(pending):
                continue
            command, pending = pending.strip(), ""
            if command and not command.startswith(SKIP):
                examples.append(Example(f"{path.name}: {command.splitlines()[0]}", command))
    return examples


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "REDIS_URL")},
        "DEBUG": "true",  # as `make run`
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["load_demo_data"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urlopen(f"{url}/healthz", timeout=1).close()  # noqa: S310  (our own server)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the demo server did not start")
        yield url, env, tmp
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(example: Example, url: str, env: dict, state: Path) -> tuple[int, str, list[str]]:
    """Run one command in bash with the state (exported variables) of the previous ones.
    curl reports each answer's status on stderr (`--write-out %{stderr}`)."""
    command = example.command.replace(DOC_HOST, url)
    script = (
        f"source {shlex.quote(str(state))}\n"
        "curl() { command curl --write-out '%{stderr}@@status %{http_code}\\n' \"$@\"; }\n"
        f"{command}\n"
        f"status=$?; export -p > {shlex.quote(str(state))}; exit $status\n"
    )
    done = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    statuses = re.findall(r"@@status (\d{3})", done.stderr)
    return done.returncode, done.stdout, statuses


def body_and_headers(output: str) -> tuple[str, dict[str, str]]:
    if not output.startswith("HTTP/"):
        return output, {}
    head, _, body = output.replace("\r\n", "\n").partition("\n\n")
    headers = {}
    for line in head.splitlines()[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return body, headers


def json_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def check(
    example: Example, returncode: int, output: str, statuses: list[str], url: str
) -> list[str]:
    problems = []
    if returncode != 0:
        problems.append(f"exit status {returncode}")
    body, headers = body_and_headers(output)
    expected_status = None
    expected_keys: set[str] = set()
    for line in example.expectations:
        if match := STATUS.match(line):
            expected_status = match.group(1)
        elif match := HEADER.match(line):
            name, value = match.group(1), line[match.end() :].replace(DOC_HOST, url)
            if name.lower() not in headers:
                problems.append(f"no {name} header")
            elif "…" not in value and " " not in value and headers[name.lower()] != value:
                problems.append(f"{name}: {headers[name.lower()]}, the docs say {value}")
        expected_keys |= set(KEY.findall(line))
    last_status = statuses[-1] if statuses else None
    if expected_status:
        if last_status != expected_status:
            problems.append(f"status {last_status}, the docs say {expected_status}")
    elif last_status and not last_status.startswith("2"):
        problems.append(f"status {last_status}: {body[:300]}")
    if expected_keys and body.strip():
        try:
            keys = json_keys(json.loads(body))
        except ValueError:
            problems.append(f"not JSON: {body[:200]}")
        else:
            if missing := expected_keys - keys:
                problems.append(f"answer lacks {sorted(missing)}: {body[:300]}")
    return problems


def test_the_docs_have_shell_examples():
    examples = [e for path in DOCS for e in shell_examples(path)]
    assert len(examples) > 40
    assert any("create_api_client" in e.command for e in examples)


def test_every_shell_example_runs_as_written_against_the_demo(demo_server):
    url, env, tmp = demo_server
    state = tmp / "state.sh"
    state.write_text("")
    failures = []
    for path in DOCS:
        for example in shell_examples(path):
            returncode, output, statuses = run(example, url, env, state)
            problems = check(example, returncode, output, statuses, url)
            if problems:
                failures.append(f"{example.source}\n    " + "\n    ".join(problems))
    assert not failures, "\n".join(failures)
