"""The real HTTP stack: `stageflow serve` (waitress + stageflow.wsgi) in a child process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60.0


class ServerError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _log_tail(log_path: Path, lines: int = 30) -> str:
    text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"The server exited with code {process.returncode}:\n"
                              f"{_log_tail(log_path)}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise ServerError(f"The server did not answer within {READY_TIMEOUT_SECONDS:.0f} s:\n"
                      f"{_log_tail(log_path)}")


@contextmanager
def running_server(env: Mapping[str, str], log_path: Path) -> Iterator[str]:
    """Serve on a free local port for the duration of the block; yields the base URL."""
    port = _free_port()
    base_url = f"http://{HOST}:{port}"
    command = [sys.executable, "-m", "stageflow.cli", "serve", "--host", HOST, "--port", str(port)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(base_url, process, log_path)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
