"""A throwaway Virtuoso (Debian's virtuoso-opensource) on loopback, for the remote-store tests
and the benchmarks: a fresh database in a folder of its own, on free ports, stopped and gone
at the end. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "dba", "dba"  # a fresh database's administrator
INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 32
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {folder}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ThreadsPerQuery = 2
MaxSortedTopRows = 10000000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
MaxClientConnections = 32
ServerThreads = 32
MaxKeepAlives = 32
EnabledDavVSP = 0
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


def available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Virtuoso:
    folder: Path
    http_port: int
    sql_port: int
    process: subprocess.Popen

    @property
    def sparql(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        """The Graph Store endpoint that asks for Digest authentication."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    def isql(self, statements: str, timeout_s: float = 3600) -> str:
        """Run SQL statements as the administrator; return what isql printed."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", USER, PASSWORD, f"exec={statements}"],
            capture_output=True, text=True, timeout=timeout_s, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {done.stdout}{done.stderr}")
        return done.stdout

    def bulk_load(self, nt_file: Path, graph: str) -> None:
        """Load an N-Triples file (inside the database folder) into ``graph``."""
        self.isql(f"ld_dir('{nt_file.parent}', '{nt_file.name}', '{graph}'); "
                  "rdf_loader_run(); checkpoint;")


@contextlib.contextmanager
def running_virtuoso(folder: Path, memory_mb: int = 256) -> Iterator[Virtuoso]:
    """Start Virtuoso with a fresh database in ``folder``; stop it when the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = _free_port(), _free_port()
    buffers = max(2000, memory_mb * 1024 * 1024 // 8192 * 2 // 3)  # Virtuoso's own rule
    (folder / "virtuoso.ini").write_text(INI.format(
        folder=folder, http_port=http_port, sql_port=sql_port, buffers=buffers,
        dirty_buffers=buffers * 3 // 4), encoding="utf-8")
    log = (folder / "console.log").open("wb")
    process = subprocess.Popen(
        ["virtuoso-t", "+configfile", str(folder / "virtuoso.ini"), "+foreground"],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    server = Virtuoso(folder, http_port, sql_port, process)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(server: Virtuoso, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(server.sparql + "?query=ASK%7B%7D", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            log = (server.folder / "console.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Virtuoso did not start:\n{log}")
        time.sleep(0.1)
