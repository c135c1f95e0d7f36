"""Shared by the benchmark scripts: start the production server on loopback, time requests,
summarise latencies. Only 127.0.0.1 is ever contacted."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(workers: int = 2, env: dict[str, str] | None = None,
                   root: Path = ROOT) -> Iterator[tuple[int, float]]:
    """Run `s2s-graph serve` (gunicorn, production settings); yield (port, start-up seconds)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="s2s-serve-", suffix=".log", delete=False)
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "s2s_graph", "--project-root", str(root), "serve",
         "--port", str(port), "--workers", str(workers)],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > 300:
                    sys.exit(f"server did not start; see {log.name}")
                time.sleep(0.05)
        yield port, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
        os.unlink(log.name)


def request(connection: http.client.HTTPConnection, method: str, path: str,
            headers: dict[str, str], body: bytes | None = None) -> int:
    """Send one request on a kept-alive connection; return the status."""
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
