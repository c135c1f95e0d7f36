"""Worker pools started by fork, as a server worker starts its query workers over the
in-memory store: every child, the first ones and one that replaces a child killed at its
time limit, holds the state the pool inherited, and none builds its own (at 3M triples that
took 8 s and a private copy of the store); no child outlives the pool or its owner.

Each scenario runs in a fresh interpreter, where no other thread runs, as in a server worker
that has just started; the pool would otherwise fall back to building each child's state."""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

from s2s_graph import workers
from s2s_graph.errors import TimeLimitExceeded
from s2s_graph.workers import WorkerPool

BLOCK = 64 * 1024  # under glibc's mmap threshold: these come from the heap
BLOCKS = 2048  # 128 MiB


def _refuse_to_build(*_):
    raise RuntimeError("this child built its own state")


def _state(state) -> tuple[str, int, int]:
    return state["token"], os.getpid(), os.getppid()


def _sleep(state, seconds: float) -> None:
    time.sleep(seconds)


def _state_after(state, seconds: float) -> tuple[str, int, int]:
    time.sleep(seconds)
    return _state(state)


def _on_every_child(pool: WorkerPool, function, args: tuple) -> list:
    """Run ``function`` on each of a pool's two children at once: one at a time, the child
    that answered last would answer again."""
    with ThreadPoolExecutor(2) as threads:
        return list(threads.map(
            lambda _: pool.run("Work", function, args, time_limit_s=10), range(2)))


def _fragment_heap(state) -> None:
    """Fill 128 MiB of heap, keep one small block above it and free the rest, as a big query
    leaves Oxigraph's heap: glibc cannot shrink the heap past the block still in use."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(BLOCK) for _ in range(BLOCKS)]
    for block in blocks:
        ctypes.memset(block, 1, BLOCK)
    state["pinned"] = libc.malloc(BLOCK + 4096)  # a size no freed block fits: from the top
    for block in blocks:
        libc.free(block)
    time.sleep(2 * workers.TRIM_AFTER_S)


def _private_mib(state) -> int:
    with open("/proc/self/smaps_rollup") as rollup:
        found = re.search(r"^Private_Dirty:\s+(\d+) kB", rollup.read(), re.MULTILINE)
    return int(found.group(1)) // 1024


def _gone(pid: int, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if _is_zombie(pid):
            return True
        time.sleep(0.02)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _scenario(results, then_close: bool) -> None:
    token = os.urandom(8).hex()
    pool = WorkerPool(2, _refuse_to_build, (), inherit=lambda: {"token": token})
    first = _on_every_child(pool, _state_after, (0.3,))
    try:
        pool.run("Work", _sleep, (30,), time_limit_s=0.5)
        killed = False
    except TimeLimitExceeded:
        killed = True
    after = _on_every_child(pool, _state_after, (0.3,))
    report = {"token": token, "first": first, "after": after, "killed": killed,
              "owner": os.getpid()}
    if then_close:
        pool.close()
        results.put(report)
        return
    results.put(report)
    time.sleep(60)  # until the test kills this process


def _run(then_close: bool):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    owner = context.Process(target=_scenario, args=(results, then_close))
    owner.start()
    report = results.get(timeout=60)
    return owner, report


def test_a_replacement_child_shares_the_inherited_state_and_builds_none():
    owner, report = _run(then_close=True)
    owner.join(30)
    assert report["killed"], "the overrunning child was stopped at its limit"
    tokens = {t for t, _, _ in report["first"] + report["after"]}
    assert tokens == {report["token"]}, "every child answered from the inherited state"
    first_pids = {pid for _, pid, _ in report["first"]}
    after_pids = {pid for _, pid, _ in report["after"]}
    assert len(first_pids) == 2 and len(after_pids) == 2
    assert len(after_pids - first_pids) == 1, "one child was replaced"
    spawners = {ppid for _, _, ppid in report["first"] + report["after"]}
    assert len(spawners) == 1 and report["owner"] not in spawners, \
        "children come from one spawner, not from the pool's owner"
    for pid in first_pids | after_pids | spawners:
        assert _gone(pid), f"process {pid} outlived the closed pool"


def test_no_child_outlives_the_owner_of_the_pool():
    owner, report = _run(then_close=False)
    pids = {pid for _, pid, _ in report["after"]} | {ppid for _, _, ppid in report["after"]}
    os.kill(owner.pid, signal.SIGKILL)
    owner.join(10)
    for pid in pids:
        assert _gone(pid), f"process {pid} outlived the killed owner"


def _in_fresh_interpreter(scenario, *args):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    owner = context.Process(target=scenario, args=(results, *args))
    owner.start()
    report = results.get(timeout=60)
    owner.join(30)
    return report


def _touch(state, mib: int) -> None:
    """Write to ``mib`` MiB of the inherited block, as a query writes to the nodes of the
    store it reads: each page written is copied into this child."""
    block = state["block"]
    for offset in range(0, mib * 2**20, 4096):
        block[offset] = 2


def _renewal(results) -> None:
    workers.RENEW_WHEN_IDLE_S, workers.RENEW_CHECK_EVERY_S = 0.3, 0.1
    token = os.urandom(8).hex()
    pool = WorkerPool(1, _refuse_to_build, (), inherit=lambda: {
        "token": token, "block": bytearray(b"\1") * (96 * 2**20)})
    run = functools.partial(pool.run, "Work", time_limit_s=10)
    first = run(_state, ())
    run(_touch, (4,))
    time.sleep(0.6)
    after_light = run(_state, ())
    run(_touch, (workers.RENEW_AFTER_OWN_MIB + 16,))
    right_after_heavy = run(_state, ())
    time.sleep(0.6)
    after_idle = run(_state, ())
    own_after = run(_private_mib, ())
    pool.close()
    results.put({"token": token, "first": first, "after_light": after_light,
                 "right_after_heavy": right_after_heavy, "after_idle": after_idle,
                 "own_after": own_after})


def test_a_child_that_has_copied_much_of_the_shared_state_is_replaced_once_idle():
    """A child forked to share the in-memory store copies the pages its queries read; once it
    has made more than RENEW_AFTER_OWN_MIB its own and has been idle a while, it is replaced
    by a fresh fork, which shares them again. Light work, or work that follows at once (a
    fresh fork would copy the same pages again), keeps the child."""
    report = _in_fresh_interpreter(_renewal)
    (token, first, spawner) = report["first"]
    assert report["after_light"] == report["first"], "light work kept the child"
    assert report["right_after_heavy"] == report["first"], "the child was kept while busy"
    new_token, new, new_spawner = report["after_idle"]
    assert new != first, "the idle child that had copied much of the state was replaced"
    assert token == new_token == report["token"] and spawner == new_spawner, \
        "the replacement comes from the same spawner, with the inherited state"
    assert report["own_after"] < workers.RENEW_AFTER_OWN_MIB // 2, \
        "the replacement holds little memory of its own"
    assert _gone(first)


def _touch_and_tell(state, mib: int) -> int:
    _touch(state, mib)
    return os.getpid()


def _own_mib_after(state, seconds: float) -> tuple[int, int]:
    time.sleep(seconds)
    return os.getpid(), _private_mib(state)


def _one_at_a_time(results) -> None:
    pool = WorkerPool(2, _refuse_to_build, (), inherit=lambda: {
        "block": bytearray(b"\1") * (96 * 2**20)})
    answered_by = [pool.run("Work", _touch_and_tell, (48,), time_limit_s=10)
                   for _ in range(4)]
    own = _on_every_child(pool, _own_mib_after, (0.3,))
    pool.close()
    results.put({"answered_by": answered_by, "own": own})


def test_work_sent_one_at_a_time_goes_to_the_child_that_answered_last():
    """Under a light load one child does the work and copies the pages its work reads; the
    other still shares them. Handed out in turn, both would hold a copy."""
    report = _in_fresh_interpreter(_one_at_a_time)
    assert len(set(report["answered_by"])) == 1, "one child answered every request"
    worker = report["answered_by"][0]
    own = dict(report["own"])
    assert len(own) == 2 and worker in own, "both children answered when asked at once"
    idle = next(pid for pid in own if pid != worker)
    assert own[worker] >= 40, "the child that worked copied the pages it wrote"
    assert own[idle] < 16, "the other child still shares the inherited state"


def _memory_after_heavy_work(results) -> None:
    pool = WorkerPool(1, _refuse_to_build, (), inherit=lambda: {})
    baseline = pool.run("Work", _private_mib, (), time_limit_s=10)
    pool.run("Work", _fragment_heap, (), time_limit_s=30)
    after = pool.run("Work", _private_mib, (), time_limit_s=10)
    pool.close()
    results.put((baseline, after))


def test_a_child_gives_back_the_memory_its_work_freed():
    baseline, after = _in_fresh_interpreter(_memory_after_heavy_work)
    assert after - baseline < BLOCK * BLOCKS // 2**20 // 4, (baseline, after)
