"""Start and stop the gunicorn the load tests hit (bench settings, N sync workers)."""

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


@contextmanager
def gunicorn(workers: int, *, threads: int = 1, port: int = PORT) -> Iterator[str]:
    """Serve config.wsgi with the bench settings; yield the base URL; stop it after."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--threads",
        str(threads),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
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
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        log(f"gunicorn up: {workers} worker(s) x {threads} thread(s) on {base}")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
