"""A bounded load generator on loopback: wrk (Debian's package), driven by a Lua script that
sends one workload's requests, and its report read back as figures.

wrk is written in C and runs on one thread here, so it takes little of the CPU the server
under test needs (a Python generator would take a core of this 2-core machine for itself).
"Cold" requests each carry a distinct query text (an unused PREFIX declaration with a
counter, which no cache can fold away) or a distinct URL (a counter parameter), so every
one is computed; "repeated" requests send the same text each time.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workload:
    """What one run sends: GET requests to ``paths`` in turn, with ``accept``.

    ``query``: the paths are ``/sparql?query=`` URLs, made cold by a PREFIX line; else they
    are pages, made cold by a ``c=N`` parameter."""

    name: str
    paths: tuple[str, ...]
    accept: str
    query: bool


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.requests > 0


def sparql_path(query: str, endpoint: str = "/sparql") -> str:
    return f"{endpoint}?query={urllib.parse.quote(query, safe='')}"


LUA = """
local paths = {%(paths)s}
local accept = "%(accept)s"
local cold = %(cold)s
local query = %(query)s
local run = "%(run)s"
local counter = 0
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
function request()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  if cold and query then
    -- after a leading BASE line: Virtuoso refuses a PREFIX before BASE
    local at = string.find(path, "=", 1, true)
    if string.sub(path, at + 1, at + 4) == "BASE" then
      at = string.find(path, "%%0A", at, true) + 2
    end
    path = string.sub(path, 1, at) .. "PREFIX%%20c" .. run .. "x" .. tid .. "x" .. counter ..
           "%%3A%%20%%3Curn%%3Ac%%3A%%3E%%0A" .. string.sub(path, at + 1)
  elseif cold then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "c=" .. run .. "x" .. tid .. "x" .. counter
  end
  return wrk.format("GET", path, {["Accept"] = accept})
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _millis(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk latency: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


# Each run's cold requests are told apart from every other run's by its own token: with the
# same counter in every run, a run would repeat the texts of the runs before it, and the
# caches of the server under test (which keep an answer asked for twice) would answer them.
_RUNS = (f"{os.getpid()}r{n}" for n in itertools.count(1))


def available() -> bool:
    return shutil.which("wrk") is not None


def run(base_url: str, workload: Workload, *, cold: bool, concurrency: int, seconds: float,
        timeout_s: float = 30.0) -> Figures:
    """Send the workload for ``seconds`` (whole seconds, as wrk takes them) with
    ``concurrency`` connections; return figures."""
    lua = LUA % {
        "paths": ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"'
                           for p in workload.paths),
        "accept": workload.accept, "cold": "true" if cold else "false",
        "query": "true" if workload.query else "false", "run": next(_RUNS)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        done = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s",
             f"--timeout={max(1, round(timeout_s))}s",
             "--latency", "-s", script.name, base_url],
            capture_output=True, text=True, timeout=seconds + timeout_s + 30, check=False)
    finally:
        Path(script.name).unlink()
    return parse(done.stdout + done.stderr)


def cold_path(path: str, token: str, query: bool) -> str:
    """Return ``path`` made distinct by ``token`` as the wrk script makes a cold request: a
    query gets a PREFIX of its own (after a leading BASE line), a page a parameter."""
    if not query:
        return path + ("&" if "?" in path else "?") + f"c={token}"
    at = path.index("=")
    if path[at + 1:at + 5] == "BASE":
        at = path.index("%0A", at) + 2
    return path[:at + 1] + f"PREFIX%20c{token}%3A%20%3Curn%3Ac%3A%3E%0A" + path[at + 1:]


def once(base_url: str, workload: Workload, timeout_s: float, *, cold: bool = False) -> Figures:
    """Time one request (for a server too slow to finish any within a wrk run); ``cold``:
    of a text no request has sent before, so that no cache answers it."""
    import http.client

    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
    path = workload.paths[0]
    if cold:
        path = cold_path(path, f"once{time.time_ns()}", workload.query)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Accept": workload.accept})
        response = connection.getresponse()
        response.read()
        failed = response.status != 200
    except TimeoutError:
        return Figures(0, timeout_s, 0.0, float("nan"), float("nan"), 1)
    except (OSError, http.client.HTTPException):
        # The server closed the connection unanswered: the minimal endpoint's gunicorn
        # ends a worker at its timeout, which is how it stops a query past our time limit.
        took = time.perf_counter() - started
        return Figures(0, took, 0.0, float("nan"), float("nan"), 1)
    finally:
        connection.close()
    took = time.perf_counter() - started
    return Figures(1, took, 1 / took, took * 1000, took * 1000, int(failed))


def parse(report: str) -> Figures:
    """Read wrk's report."""
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", report)
    if total is None:
        raise RuntimeError(f"wrk gave no figures:\n{report}")
    requests = int(total.group(1))
    seconds = _millis(total.group(2) + total.group(3)) / 1000
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", report, re.MULTILINE))
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        report)
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Figures(requests, seconds, requests / seconds if seconds else 0.0,
                   _millis(latency["50"]) if "50" in latency else float("nan"),
                   _millis(latency["99"]) if "99" in latency else float("nan"), errors)
