"""A last line of defence for the server: a Python audit hook (PEP 578) that refuses network
connections and file opens the server has no reason to make, whatever code asks for them.

The parsers and the SPARQL engine are already kept from fetching anything (see sources.py
and sparql.py); this catches what slips past them. It sees Python-level operations only:
code in Rust (Oxigraph) is guarded by refusing SERVICE before a query runs.
"""

from __future__ import annotations

import mimetypes
import os
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


class Refused(PermissionError):
    """An operation the guard does not allow."""


@dataclass(frozen=True)
class Guard:
    """The audit hook: which folders may be read, which written; no outbound network.

    Local (AF_UNIX) sockets stay allowed: worker processes talk to their fork server
    through one.
    """

    readable: tuple[str, ...]
    writable: tuple[str, ...]
    protected: tuple[str, ...] = ()  # never written, even inside a writable folder
    reachable: tuple[tuple[str, int], ...] = ()  # (name or address, port) of a remote store

    def __call__(self, event: str, args: tuple) -> None:
        if event == "open":
            self._check_open(*args[:3])
        elif event == "socket.connect":
            sock, address = args[0], args[1]
            if getattr(sock, "family", None) == socket.AF_UNIX:
                return
            if isinstance(address, tuple) and tuple(address[:2]) in self.reachable:
                return
            raise Refused(f"s2s-graph makes no outbound connection (refused: {address!r})")
        elif event == "http.client.connect" and tuple(args[1:3]) in self.reachable:
            return  # the remote store, by the name it was given (then by address, above)
        elif event in ("urllib.Request", "http.client.connect", "ftplib.connect",
                       "smtplib.connect", "webbrowser.open"):
            raise Refused(f"s2s-graph makes no outbound request (refused: {event})")

    def _check_open(self, path, mode, flags) -> None:
        if path is None or isinstance(path, int):
            return  # an open file descriptor, already allowed when it was opened
        text = os.path.abspath(os.fsdecode(path))
        writing = bool(flags and flags & WRITE_FLAGS) or (
            isinstance(mode, str) and any(c in mode for c in "wax+"))
        if writing and _under(text, self.protected):
            raise Refused(f"s2s-graph never writes to its sources (refused: {text})")
        if not _under(text, self.writable if writing else self.readable):
            action = "write" if writing else "read"
            raise Refused(f"s2s-graph does not {action} files outside its own folders "
                          f"(refused: {text})")


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def server_guard(project_root: Path, release_folder: Path | None = None,
                 stores: tuple[tuple[str, int], ...] = ()) -> Guard:
    """Return the guard for a server over ``project_root``: it may read the project, Python's
    own folders and the few system files the standard library reads; write only temporary
    files (gunicorn's heartbeats, the worker processes' sockets), and never the project,
    even where it lies in the temporary folder."""
    temporary = tempfile.gettempdir()
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix,
              *(p for p in sys.path if p and os.path.isdir(p))}
    system = {"/dev/null", "/dev/urandom", "/proc/self", "/etc/localtime",
              "/usr/share/zoneinfo", *mimetypes.knownfiles}
    readable = {str(project_root.resolve()), temporary, *python, *system}
    if release_folder is not None:
        readable.add(str(release_folder.resolve()))
    reachable = tuple(sorted({(info[4][0], port) for host, port in stores
                              for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
                             | set(stores)))
    return Guard(readable=tuple(sorted(os.path.abspath(p) for p in readable)),
                 writable=(os.path.abspath(temporary), "/dev/null"),
                 protected=(str(project_root.resolve()),), reachable=reachable)


def install(guard: Guard) -> None:
    """Install the guard in this process, for good (audit hooks cannot be removed)."""
    sys.addaudithook(guard)
