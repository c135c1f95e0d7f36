"""Shared by the benchmark scripts: start the production server on loopback, time requests,
summarise latencies. Only 127.0.0.1 is ever contacted."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Running:
    """A server started for a benchmark: its port, how long it took to answer, and the peak
    memory (PSS, summed over its process tree) seen so far."""

    port: int
    startup_s: float
    process: subprocess.Popen
    sampler: MemorySampler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def peak_mib(self) -> float:
        return self.sampler.peak_kib / 1024


@contextlib.contextmanager
def running(command: list[str], port: int, ready_path: str = "/", *,
            env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout_s: float = 600) -> Iterator[Running]:
    """Run a server command; yield once ``ready_path`` answers 200 on ``port``."""
    log = tempfile.NamedTemporaryFile(prefix="s2s-bench-", suffix=".log", delete=False)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                               env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    sampler = MemorySampler(process.pid)
    sampler.start()
    try:
        while not _answers(port, ready_path):
            if process.poll() is not None or time.perf_counter() - started > timeout_s:
                sys.exit(f"{command[0]} did not start; see {log.name}")
            time.sleep(0.05)
        startup = time.perf_counter() - started
        yield Running(port, startup, process, sampler)
    finally:
        sampler.stop()
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        os.unlink(log.name)


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def running_server(workers: int = 2, env: dict[str, str] | None = None,
                   root: Path = ROOT) -> Iterator[tuple[int, float]]:
    """Run `s2s-graph serve` (gunicorn, production settings); yield (port, start-up seconds)."""
    port = free_port()
    command = [sys.executable, "-m", "s2s_graph", "--project-root", str(root), "serve",
               "--port", str(port), "--workers", str(workers)]
    with running(command, port, "/sparql?query=ASK%7B%7D", env=env) as server:
        yield server.port, server.startup_s


def process_tree(pid: int) -> list[int]:
    """Return ``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_s(pid: int) -> float:
    """Return the CPU time (user and system) a process tree has used, in seconds."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(pid: int, timeout_s: float, busy_below: float = 0.1, every_s: float = 0.2) -> float:
    """Wait until a process tree is idle (under ``busy_below`` of a core over ``every_s``),
    at most ``timeout_s``; return the seconds waited. A server may still be running a slow
    query whose client has gone, and that work would weigh on whatever runs next."""
    started = time.perf_counter()
    used = cpu_s(pid)
    while time.perf_counter() - started < timeout_s:
        time.sleep(every_s)
        now = cpu_s(pid)
        if now - used < busy_below * every_s:
            break
        used = now
    return time.perf_counter() - started


def pss_kib(pid: int) -> int:
    """Return the proportional set size of a process tree: shared pages counted once."""
    total = 0
    for member in process_tree(pid):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total


class MemorySampler:
    """Samples a process tree's PSS every ``interval_s`` in a thread; keeps the peak.

    A sample of our server's tree (nine processes) takes 25 ms of this machine's CPU when
    idle and 75 ms under load, a tenth of a core or more at four samples a second; so a
    server that is not being measured can be ``paused``, and the load it is not under does
    not weigh on the one that is."""

    def __init__(self, pid: int, interval_s: float = 0.25):
        self.pid = pid
        self.interval_s = interval_s
        self.peak_kib = 0
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.peak_kib = max(self.peak_kib, pss_kib(self.pid))
        self._thread.start()

    def pause(self) -> None:
        """Stop sampling, after one last sample (the peak may have come since the last)."""
        if not self._paused.is_set():
            self._paused.set()
            self._note(pss_kib(self.pid))

    def resume(self) -> None:
        self._paused.clear()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            if not self._paused.is_set():
                self._note(pss_kib(self.pid))

    def _note(self, kib: int) -> None:
        with self._lock:  # sampled here and, on pause, by the caller's thread
            self.peak_kib = max(self.peak_kib, kib)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


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
