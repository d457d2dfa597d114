"""`make run`'s worker stops cleanly: Ctrl-C (SIGINT to the terminal's process group), then
the recipe's trap (SIGTERM), and the log has no `ForkPoolWorker … exited with signal 15`."""

from __future__ import annotations

import os
import re
import signal
import time

from tests.expiry.conftest import ROOT


def make_run_worker_args() -> list[str]:
    recipe = (ROOT / "Makefile").read_text()
    line = re.search(r"celery -A config worker (.*?) & worker=", recipe)
    assert line, "make run starts no worker?"
    return line.group(1).split()


def test_make_run_uses_a_worker_without_pool_children():
    args = make_run_worker_args()
    assert args[args.index("--pool") + 1] == "solo"


def test_the_make_run_worker_stops_on_ctrl_c_and_the_trap_without_errors(start_worker, tmp_path):
    args = [a for a in make_run_worker_args() if a != "-B"]
    worker = start_worker(
        *args, "-B", "--schedule", str(tmp_path / "beat"), "--without-gossip", "--without-mingle"
    )
    deadline = time.monotonic() + 60
    while "ready." not in worker.output():
        assert worker.process.poll() is None, worker.output()
        assert time.monotonic() < deadline, worker.output()
        time.sleep(0.3)
    os.killpg(worker.process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
    time.sleep(0.3)
    os.killpg(worker.process.pid, signal.SIGTERM)  # then the recipe's trap
    assert worker.process.wait(timeout=30) == 0, worker.output()
    log = worker.output()
    assert "exited with signal" not in log, log
    assert "ERROR" not in log, log
    assert "Warm shutdown" in log
