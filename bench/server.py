"""Start and stop the WSGI server the load tests hit (bench settings, N workers).

`kind`: `sync` (gunicorn sync workers), `gthread` (gunicorn, `threads` per worker) or
`granian` (the Rust server, `threads` blocking threads per worker); the environment
variable BENCH_SERVER picks the default for every load test."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from bench.common import ROOT, bench_env, log

HOST = "127.0.0.1"
# BENCH_PORT: another port, so two benches on one machine never load each other's server.
PORT = int(os.environ.get("BENCH_PORT", "8765"))


SERVERS = ("sync", "gthread", "granian")
# What deploy/gunicorn.conf.py runs: gunicorn's threaded workers.
DEFAULT_SERVER = os.environ.get("BENCH_SERVER", "gthread")


def _command(kind: str, workers: int, threads: int, port: int) -> list[str]:
    if kind == "granian":
        return [
            str(ROOT / ".venv" / "bin" / "granian"),
            "--interface",
            "wsgi",
            "config.wsgi:application",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--backlog",
            "2048",
            "--no-ws",
            "--log-level",
            "warning",
        ]
    return [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if kind == "gthread" else "sync",
        "--threads",
        str(threads if kind == "gthread" else 1),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]


@contextmanager
def gunicorn(
    workers: int, *, threads: int = 1, port: int = PORT, kind: str | None = None
) -> Iterator[str]:
    """Serve config.wsgi with the bench settings; yield the base URL; stop it after."""
    kind = kind or DEFAULT_SERVER
    if kind not in SERVERS:
        raise ValueError(f"BENCH_SERVER must be one of {SERVERS}, not {kind!r}")
    command = _command(kind, workers, threads, port)
    process = subprocess.Popen(command, cwd=ROOT, env=bench_env())
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} did not start") from None
                time.sleep(0.2)
        log(f"{kind} up: {workers} worker(s) x {threads} thread(s) on {base}")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
