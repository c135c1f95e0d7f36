"""Run work in child processes that a time limit can stop.

A Python thread cannot be stopped, and pure-Python work (pyshacl, rdflib, a pathological
regular expression) holds the interpreter lock, stalling every other thread of the process.
So work with a time limit runs in a pool of child processes, each set up once with the same
state; a child that overruns is killed and replaced, and the caller gets TimeLimitExceeded.

Children come from a fork server (``multiprocessing`` "forkserver"): they start quickly, and
never inherit the locks of the threads of a server process, but each builds its own state.
A server worker that has no other thread yet (right after gunicorn starts it) may instead
fork a spawner (``prepare_by_fork``): a process that holds the worker's state, never starts a
thread, and forks every child of the pool, the first ones and those that replace a killed
one. Its children share the state, the in-memory store above all, page by page, and start
at once: at 3M triples, a replacement that loaded the store itself took 8 s and 3.5 GB of
its own.
"""

from __future__ import annotations

import collections
import ctypes
import math
import multiprocessing
import os
import pickle
import resource
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import reduction
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from s2s_graph.errors import Busy, ClientGone, S2SError, TimeLimitExceeded

PR_SET_PDEATHSIG = 1  # prctl(2)
CHECK_EVERY_S = 0.1  # how often a waiting caller asks whether its client is still there
# Work longer than this may have grown the heap; a trim after it costs well under its time.
TRIM_AFTER_S = 0.02
# A forked child that has made this much memory its own, and has then been idle this long,
# is replaced by a fresh fork (see WorkerPool.run). At 300k triples a cheap query makes well
# under 1 MiB its own, and a query that scans the store about 80 MiB: a copy of the pages
# it read. A fresh fork that runs such a query copies them again: its first aggregate took
# 100-120 ms where the next took 30-40, and a 0.4 s query 60-250 ms more. Replaced after
# 0.5 s idle, children were fresh at each burst of queries a few seconds apart, and two
# 0.4-0.5 s queries at c=8, in turns with the minimal endpoint, ran at 0.64-0.94 of its
# throughput (median 0.85); replaced after 10 s, at 0.73-1.08 (median 0.96). So what the
# children copied goes back 10 s after the load does, not at once. Idle children are
# looked at every RENEW_CHECK_EVERY_S.
RENEW_AFTER_OWN_MIB = 32
RENEW_WHEN_IDLE_S = 10.0
RENEW_CHECK_EVERY_S = 0.25
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
PRELOADED_MODULES = ["rdflib", "pyshacl", "pyoxigraph", "s2s_graph.validation",
                     "s2s_graph.sources"]


class WorkerCrashed(S2SError):
    """A child process died while working (killed from outside, or out of memory)."""


class _SpawnedProcess:
    """A child the spawner forked: not this process's own child, so it is killed by pid, and
    the kernel reaps it (the spawner ignores SIGCHLD)."""

    def __init__(self, pid: int):
        self.pid = pid

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.005)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess | _SpawnedProcess
    connection: Connection
    busy_s: float = 0.0  # time spent working, as its caller saw it
    own_mib: float = 0.0  # memory the child made its own since it was forked (made_own_mib)
    idle_since: float = 0.0  # when it last answered (time.monotonic)
    answered: select.poll = field(init=False)  # readable once the child has answered

    def __post_init__(self):
        self.answered = select.poll()
        self.answered.register(self.connection.fileno(), select.POLLIN)

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the child's answer; True once it is there (or the
        child is gone, which reading the answer then tells)."""
        return bool(self.answered.poll(max(0, math.ceil(seconds * 1000))))


class _IdleWorkers:
    """The idle children of a pool, the one that answered last handed out first.

    Under a light load one child then does the work and the others stay as forked, sharing
    the parent's memory: a child copies the pages of the shared store that its queries read
    (see ``WorkerPool.run``), and handed out in turn every child would copy them. Fresh
    children wait at the back, behind those that already hold the pages they read."""

    def __init__(self):
        self._workers: collections.deque[_Worker] = collections.deque()
        self._ready = threading.Condition()

    def put(self, worker: _Worker) -> None:
        """Add a child that has just answered: the next to be handed out."""
        with self._ready:
            self._workers.append(worker)
            self._ready.notify()

    def put_fresh(self, worker: _Worker) -> None:
        """Add a child that has not worked yet: the last to be handed out."""
        with self._ready:
            self._workers.appendleft(worker)
            self._ready.notify()

    def get(self, timeout: float) -> _Worker | None:
        """Take the child that answered last, waiting up to ``timeout``; None if none is."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._workers, timeout):
                return None
            return self._workers.pop()

    def take_if(self, predicate: Callable[[_Worker], bool]) -> list[_Worker]:
        """Take every idle child for which ``predicate`` holds; the others keep their place."""
        with self._ready:
            taken = [worker for worker in self._workers if predicate(worker)]
            for worker in taken:
                self._workers.remove(worker)
            return taken


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), so that no child
    outlives a server worker that was killed, holding its memory and listening socket."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed pipe ends still end the child
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def made_own_mib() -> float:
    """Return the memory this process has made its own since it was forked, in MiB: a page
    is copied or first touched on a minor page fault, so this counts what it copied of the
    state it shares with its parent and what its heap took, whether or not that was given
    back since (``getrusage``; a forked child's count starts at zero)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt * PAGE_BYTES / 2**20


def heap_trimmer() -> Callable[[], object]:
    """Return a function that hands the free memory of this process's heap back to the
    system (glibc's ``malloc_trim``), or does nothing where there is no such call.

    A long query (a big join, a sort, an aggregate) makes Oxigraph allocate hundreds of MB,
    which it frees once the answer is written; but glibc keeps freed memory for reuse, so
    each child held on to the most its biggest query ever took, and a server's memory grew
    to the sum of those peaks."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return lambda: None
    return lambda: trim(0)


def _serve(connection: Connection, initializer: Callable, initargs: tuple,
           guard: Callable | None, inherited: object = None, parent: int | None = None) -> None:
    """Body of a child: guard it, build the state once (or take the one it inherited by
    fork from ``parent``, the spawner), then answer (function, args) until its parent closes
    the pipe or dies."""
    if parent is not None:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)  # not the server worker's handlers
        _die_with(parent)
    if guard is not None:
        sys.addaudithook(guard)
    state = inherited if inherited is not None else initializer(*initargs)
    give_back = heap_trimmer()
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        started = time.monotonic()
        try:
            outcome = ("ok", function(state, *args), made_own_mib())
        except Exception as error:  # sent back to the caller, who raises it there
            outcome = ("error", error, made_own_mib())
        try:
            connection.send(outcome)
        except Exception as error:  # the outcome could not be pickled
            connection.send(("error", WorkerCrashed(f"could not send the result back: {error}"),
                             outcome[2]))
        if time.monotonic() - started > TRIM_AFTER_S:
            give_back()


def _spawner(commands: Connection, not_ours: Connection, state: object,
             initializer: Callable, initargs: tuple, parent: int) -> None:
    """Body of a spawner: hold ``state`` and, for each request, take the child's end of a
    pipe and fork a child that serves on it with the same state; send back its pid.

    It never starts a thread, so forking here is always safe; its children die with it,
    and it with the server worker. ``not_ours`` is the worker's end of the command pipe,
    which the fork copied here: closed, so that the pipe ends when the worker's end does."""
    not_ours.close()
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    _die_with(parent)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    me = os.getpid()
    while True:
        try:
            commands.recv()
            handle = reduction.recv_handle(commands)
        except (EOFError, OSError):
            return
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                commands.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _serve(Connection(handle), initializer, initargs, None, state, me)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(handle)
        try:
            commands.send(pid)
        except OSError:
            return


class WorkerPool:
    """A fixed number of child processes that run ``function(state, *args)`` with a time limit.

    ``initializer(*initargs)`` builds each child's state; it and every function must be
    importable module-level callables, and arguments and results must pickle.
    """

    def __init__(self, size: int, initializer: Callable, initargs: tuple = (),
                 guard: Callable | None = None, inherit: Callable | None = None):
        """:param inherit: fork a spawner from this process, holding ``inherit()`` as the
            state of every child (only where no other thread runs; the guard, if any, is
            inherited too)."""
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOADED_MODULES)
        self._initializer = initializer
        self._initargs = initargs
        self._guard = guard
        self._idle = _IdleWorkers()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._spawner: tuple[BaseProcess, Connection] | None = None
        self._spawn_lock = threading.Lock()
        self._renewer: threading.Thread | None = None
        if inherit is not None:
            self._spawner = self._start_spawner(inherit())
        for _ in range(size):
            self._idle.put_fresh(self._start())

    def _start_spawner(self, state: object) -> tuple[BaseProcess, Connection]:
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()  # a socket pair: it carries the children's pipe ends
        process = context.Process(
            target=_spawner, daemon=True,
            args=(theirs, ours, state, self._initializer, self._initargs, os.getpid()))
        process.start()
        theirs.close()
        return process, ours

    def _spawn(self) -> _Worker | None:
        """Have the spawner fork a child; None if it is gone (the fork server steps in)."""
        if self._spawner is None:
            return None
        process, commands = self._spawner
        ours, theirs = multiprocessing.Pipe()
        try:
            with self._spawn_lock:
                commands.send("spawn")
                reduction.send_handle(commands, theirs.fileno(), process.pid)
                pid = commands.recv()
        except (EOFError, OSError):
            ours.close()
            return None
        finally:
            theirs.close()
        return _Worker(_SpawnedProcess(pid), ours)

    def _start(self) -> _Worker | None:
        """Start a child: forked by the spawner, else from the fork server; None if the pool
        was closed meanwhile (a replacement started in a thread of its own may find it so)."""
        worker = self._spawn()
        if worker is None:
            if self._closed:
                return None
            ours, theirs = self._context.Pipe()
            process = self._context.Process(
                target=_serve, daemon=True,
                args=(theirs, self._initializer, self._initargs, self._guard))
            process.start()
            theirs.close()
            worker = _Worker(process, ours)
        with self._lock:
            if not self._closed:
                self._all.add(worker)
                return worker
        worker.process.kill()
        worker.connection.close()
        return None

    def _watch_idle_copies(self) -> None:
        """Start the thread that replaces idle children holding copies (once per pool)."""
        with self._lock:
            if self._renewer is not None or self._closed:
                return
            self._renewer = threading.Thread(target=self._renew_idle_copies,
                                             name="renew idle query workers", daemon=True)
        self._renewer.start()

    def _renew_idle_copies(self) -> None:
        """Every ``RENEW_CHECK_EVERY_S``, replace each forked child that has made more than
        ``RENEW_AFTER_OWN_MIB`` its own and has been idle ``RENEW_WHEN_IDLE_S``.

        Under load a child is kept whatever it copied: a fresh fork copies the pages again,
        one page fault each, and replacing a child after every query that scans the store
        took a 300k-triple aggregate from 32 to 8 answers a second. Once the load is gone,
        what the children copied goes back to the system."""
        while not self._closed:
            time.sleep(RENEW_CHECK_EVERY_S)
            now = time.monotonic()
            for worker in self._idle.take_if(lambda worker: (
                    isinstance(worker.process, _SpawnedProcess)
                    and worker.own_mib > RENEW_AFTER_OWN_MIB
                    and now - worker.idle_since >= RENEW_WHEN_IDLE_S)):
                self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and put a fresh one in its place."""
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.connection.close()
        with self._lock:
            self._all.discard(worker)
        fresh = self._start()
        if fresh is not None:
            self._idle.put_fresh(fresh)

    def run(self, what: str, function: Callable, args: tuple, *, time_limit_s: float,
            wait_s: float = 10.0, abandoned: Callable[[], bool] | None = None):
        """Run ``function(state, *args)`` in a free child and return its result.

        :param what: names the work in the time-limit message ("Validation").
        :param abandoned: asked while the child works; True stops it (the client has gone).
        :raises TimeLimitExceeded: the child ran past ``time_limit_s``; it was killed.
        :raises ClientGone: ``abandoned`` said so; the child was killed.
        :raises Busy: no child became free within ``wait_s``.
        :raises WorkerCrashed: the child died.
        Whatever ``function`` raises is raised here.

        Reading Oxigraph's in-memory store writes to the nodes it reads (each read takes a
        reference to the stored quad), so a child forked to share the store copies the
        pages its queries touch, and a query that scans the store copies most of it. So the
        child that answered last is handed out first (``_IdleWorkers``), and a child that
        has copied much is replaced by a fresh fork, which shares the store again, once it
        has been idle a while (``_renew_idle_copies``). Children of the fork server built
        their own state and share nothing, so they are kept.
        """
        worker = self._idle.get(timeout=wait_s)
        if worker is None:
            raise Busy("every worker is busy; try again in a few seconds")
        try:
            worker.connection.send((function, args))
        except (pickle.PicklingError, TypeError, AttributeError):
            self._idle.put(worker)
            raise
        except OSError:
            self._retire(worker)
            raise WorkerCrashed(f"{what} stopped: the worker process died") from None
        started = time.monotonic()
        try:
            self._wait(worker, what, time_limit_s, abandoned)
            status, value, worker.own_mib = worker.connection.recv()
        except (EOFError, OSError):
            self._retire(worker)
            raise WorkerCrashed(f"{what} stopped: the worker process died") from None
        worker.idle_since = time.monotonic()
        worker.busy_s += worker.idle_since - started
        if worker.own_mib > RENEW_AFTER_OWN_MIB and isinstance(worker.process, _SpawnedProcess):
            self._watch_idle_copies()
        self._idle.put(worker)
        if status == "error":
            raise value
        return value

    def _wait(self, worker: _Worker, what: str, time_limit_s: float,
               abandoned: Callable[[], bool] | None) -> None:
        """Wait for the child's answer; kill it at the time limit, or once ``abandoned``."""
        deadline = time.monotonic() + time_limit_s
        while True:
            left = deadline - time.monotonic()
            if worker.wait(min(left, CHECK_EVERY_S) if abandoned else left):
                return
            if time.monotonic() >= deadline:
                self._retire(worker)
                raise TimeLimitExceeded(what, time_limit_s)
            if abandoned is not None and abandoned():
                self._retire(worker)
                raise ClientGone(f"{what} was stopped: the client closed the connection")

    def close(self) -> None:
        """Stop every child."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
        for worker in workers:
            worker.process.kill()
            worker.process.join(timeout=5)
            worker.connection.close()
        if self._spawner is not None:
            process, commands = self._spawner
            process.kill()
            process.join(timeout=5)
            commands.close()


class ProcessLocalPool:
    """Create a WorkerPool on first use in each process.

    A server preloads its app and then forks its own workers; a pool made before that fork
    would be shared by all of them. This holder makes one per process, when first needed.
    """

    def __init__(self, size: int, initializer: Callable, initargs: tuple = ()):
        self._args = (size, initializer, initargs)
        self.guard: Callable | None = None  # set by the server before it forks
        self._pool: WorkerPool | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Stop this process's pool, if it was started."""
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None

    def get(self) -> WorkerPool:
        """Return this process's pool, starting it if needed."""
        pool = self._pool
        if pool is not None and self._pid == os.getpid():
            return pool
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = WorkerPool(*self._args, guard=self.guard)
                self._pid = os.getpid()
            return self._pool

    def prepare_by_fork(self, inherit: Callable) -> None:
        """Start this process's pool with a spawner forked from it, holding ``inherit()`` as
        every child's state, if no other thread runs here (else from the fork server, as
        ``get``)."""
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                return
            alone = threading.active_count() == 1
            self._pool = WorkerPool(*self._args, guard=self.guard,
                                    inherit=inherit if alone else None)
            self._pid = os.getpid()
