"""The access log written in blocks: the same lines as gunicorn's own logger writes, each
write whole lines under PIPE_BUF, nothing held longer than FLUSH_AFTER_S, and lines still
written at once where the handler is not a stream. (The real server's log: test_server_e2e.)"""

from __future__ import annotations

import base64
import datetime
import io
import logging
from pathlib import Path

import pytest
from gunicorn import glogging
from gunicorn.config import Config

from s2s_graph.web import access_log
from s2s_graph.web.access_log import BLOCK_BYTES, FLUSH_AFTER_S, BufferedAccessLogger

CUSTOM_FORMAT = ('%(h)s "%(r)s" %(s)s %(b)s %(D)s %(m)s %(U)s %(q)s {accept}i '
                 '%({content-type}o)s %({remote_addr}e)s %({x-missing}i)s "%(a)s" %(p)s')
# Every atom but the header and environ ones, and one gunicorn does not have: filled from
# the few environ keys they read.
EVERY_PLAIN_ATOM = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s '
                    '%(B)s "%(f)s" "%(a)s" %(T)s %(D)s %(M)s %(L)s %(p)s %(nothing)s')


class _Response:
    def __init__(self, status: str, sent: int, headers: list[tuple[str, str]]):
        self.status, self.sent, self.headers = status, sent, headers


class _Request:
    def __init__(self, headers: list[tuple[str, str]]):
        self.headers = headers


def _exchange(number: int) -> tuple:
    query = f"query=ASK%7B%7D&n={number}"
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "PATH_INFO": "/sparql",
               "QUERY_STRING": query, "RAW_URI": f"/sparql?{query}",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": 'probe "quoted" 1.0',
               "HTTP_REFERER": "http://example.org/",
               "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"reader:secret").decode()}
    request = _Request([("HOST", "127.0.0.1"), ("ACCEPT", "application/sparql-results+json")])
    response = _Response("200 OK", 26 + number, [("Content-Type", "application/json")])
    return response, request, environ, datetime.timedelta(microseconds=700 + number)


def _close_log_files() -> None:
    """gunicorn's loggers are process-wide (``logging.getLogger``), and a new one replaces
    their handlers without closing them."""
    for name in ("gunicorn.access", "gunicorn.error"):
        for handler in logging.getLogger(name).handlers:
            handler.close()
        logging.getLogger(name).handlers = []


@pytest.fixture(autouse=True)
def _closed_after():
    yield
    _close_log_files()


def _logger(kind, path: Path, fmt: str | None = None):
    config = Config()
    config.set("accesslog", str(path))
    if fmt is not None:
        config.set("access_log_format", fmt)
    logger = kind(config)
    # only the file gunicorn opened (pytest's log capture adds handlers of its own)
    logger.access_log.handlers = [h for h in logger.access_log.handlers
                                  if isinstance(h, logging.FileHandler)]
    logger.now = lambda: "[27/Nov/2026:12:00:00 +0000]"  # both loggers, the same second
    return logger


@pytest.mark.parametrize("fmt", [None, CUSTOM_FORMAT, EVERY_PLAIN_ATOM],
                         ids=["default format", "custom format", "every plain atom"])
def test_the_lines_are_those_gunicorn_writes(tmp_path, fmt):
    stock = _logger(glogging.Logger, tmp_path / "stock.log", fmt)
    for number in range(5):
        stock.access(*_exchange(number))
    _close_log_files()
    ours = _logger(BufferedAccessLogger, tmp_path / "ours.log", fmt)
    for number in range(5):
        ours.access(*_exchange(number))
    ours.flush_access(force=True)
    expected = (tmp_path / "stock.log").read_text()
    assert expected.count("\n") == 5 and "ASK%7B%7D&n=4" in expected
    assert (tmp_path / "ours.log").read_text() == expected


def test_lines_are_held_until_the_oldest_has_waited(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(access_log.time, "monotonic", lambda: clock[0])
    path = tmp_path / "access.log"
    logger = _logger(BufferedAccessLogger, path)
    logger.access(*_exchange(1))
    clock[0] += FLUSH_AFTER_S / 2
    logger.access(*_exchange(2))
    logger.flush_access()  # the worker's main loop, before the first line is due
    assert path.read_text() == ""
    clock[0] += FLUSH_AFTER_S / 2
    logger.flush_access()
    assert path.read_text().count("\n") == 2
    logger.flush_access(force=True)  # nothing held: nothing written again
    assert path.read_text().count("\n") == 2


def test_a_line_after_a_long_wait_writes_at_once(tmp_path, monkeypatch):
    """A quiet server whose main loop has not turned yet still writes a due line when the
    next request ends."""
    clock = [1000.0]
    monkeypatch.setattr(access_log.time, "monotonic", lambda: clock[0])
    path = tmp_path / "access.log"
    logger = _logger(BufferedAccessLogger, path)
    logger.access(*_exchange(1))
    clock[0] += FLUSH_AFTER_S
    logger.access(*_exchange(2))
    assert path.read_text().count("\n") == 2


class _Recorder(io.StringIO):
    """A stream that keeps each write call apart."""

    def __init__(self):
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_each_write_is_whole_lines_under_pipe_buf(tmp_path):
    logger = _logger(BufferedAccessLogger, tmp_path / "access.log")
    recorder = _Recorder()
    handler, = logger.access_log.handlers
    handler.setStream(recorder).close()
    for number in range(300):
        logger.access(*_exchange(number))
    logger.flush_access(force=True)
    assert len(recorder.writes) > 5  # blocks, not one line or one write per line
    assert len(recorder.writes) < 300 / 5
    assert all(len(w.encode("utf-8")) <= BLOCK_BYTES and w.endswith("\n")
               for w in recorder.writes)
    lines = "".join(recorder.writes).splitlines()
    assert [line.split('"')[1] for line in lines] == \
        [f"GET /sparql?query=ASK%7B%7D&n={n} HTTP/1.1" for n in range(300)]


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(self.format(record))


def test_a_handler_that_is_not_a_stream_gets_each_line_at_once(tmp_path):
    """Syslog, or an operator's logging config: no blocks, as gunicorn does."""
    logger = _logger(BufferedAccessLogger, tmp_path / "access.log")
    collect = _Collect()
    _close_log_files()
    logger.access_log.handlers = [collect]
    logger.access(*_exchange(7))
    assert len(collect.messages) == 1
    assert '"GET /sparql?query=ASK%7B%7D&n=7 HTTP/1.1" 200 33' in collect.messages[0]


def test_no_access_log_keeps_nothing(tmp_path):
    config = Config()  # accesslog unset: gunicorn keeps no access log
    logger = BufferedAccessLogger(config)
    logger.access(*_exchange(1))
    logger.flush_access(force=True)
    assert not list(tmp_path.iterdir())
