"""Long queries (and new ones, whose cost is not known yet) take one of a few slots shared by
every process forked from the one that made them; a process that dies lets go of its slot."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from conftest import BASE
from s2s_graph.dumps import QUADS_FILE
from s2s_graph.errors import Busy, ClientGone, QueryError
from s2s_graph.slots import Slots
from s2s_graph.stores import OxigraphStore


def test_no_more_than_count_are_held_at_once_in_one_process():
    slots = Slots(2)
    try:
        with slots.held(1), slots.held(1):
            with pytest.raises(Busy, match="2 long queries at once"):
                with slots.held(0.05):
                    pass
        with slots.held(0.05) as waited:  # free again
            assert waited < 0.05
    finally:
        slots.close()


def _hold_until_killed(slots: Slots, held) -> None:
    with slots.held(1):
        held.set()
        signal.pause()


def test_a_slot_held_by_a_process_that_dies_is_free_again():
    slots = Slots(1)
    context = multiprocessing.get_context("fork")
    held = context.Event()
    child = context.Process(target=_hold_until_killed, args=(slots, held))
    child.start()
    try:
        assert held.wait(10)
        with pytest.raises(Busy):  # the child, another process, holds the only slot
            with slots.held(0.05):
                pass
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        with slots.held(2) as waited:  # the kernel let go of the dead child's lock
            assert waited < 2
    finally:
        if child.is_alive():
            child.kill()
        slots.close()


def _hold_until_told(slots: Slots, held, release) -> None:
    with slots.held(1):
        held.set()
        release.wait(10)


def test_a_slot_let_go_of_in_another_process_goes_to_a_waiter():
    slots = Slots(1)
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    child = context.Process(target=_hold_until_told, args=(slots, held, release))
    child.start()
    try:
        assert held.wait(10)
        release.set()
        with slots.held(5) as waited:
            assert waited < 5
    finally:
        child.join(10)
        slots.close()


def test_a_waiter_whose_client_has_gone_stops_waiting():
    """A request queued behind long queries whose client has given up takes no slot, and
    so runs no query for nobody."""
    slots = Slots(1)
    asked = []
    try:
        with slots.held(1):
            with pytest.raises(ClientGone):
                with slots.held(30, abandoned=lambda: asked.append(1) or len(asked) > 2):
                    pytest.fail("the slot was taken")
        assert len(asked) == 3
        with slots.held(0.05):  # the abandoned wait left the slot free
            pass
    finally:
        slots.close()


def test_only_new_and_long_queries_wait_for_a_slot(release_folder: Path):
    slots = Slots(1)
    store = OxigraphStore.in_memory(BASE, str(release_folder / QUADS_FILE), workers=1)
    store._slots.close()
    store._slots = slots  # one slot, which the test can take itself
    try:
        store.answer("ASK {}", "json", (), (), 1000, 100, {}, 10, 5)  # now known to be cheap
        with slots.held(1):  # every slot taken
            assert store.answer("PREFIX c1: <urn:x> ASK {}", "json", (), (), 1000, 100, {},
                                10, 5).body == b'{"head":{},"boolean":true}'
            with pytest.raises(Busy):  # a shape never seen: it might be long
                store.answer("ASK { ?s ?p ?o }", "json", (), (), 1000, 100, {}, 10, 0.2)
            store.costs.record(("ASK { ?s ?p ?o }", "json", (), (), 1000), 1.0)
            with pytest.raises(Busy):  # a shape known to be long
                store.answer("ASK { ?s ?p ?o }", "json", (), (), 1000, 100, {}, 10, 0.2)
            with pytest.raises(ClientGone):  # its client gave up while it waited
                store.answer("ASK { ?s ?p ?o }", "json", (), (), 1000, 100, {}, 10, 30,
                             abandoned=lambda: True)
        assert store.answer("ASK { ?s ?p ?o }", "json", (), (), 1000, 100, {}, 10, 0.2).body \
            == b'{"head":{},"boolean":true}'
    finally:
        store.close()


def test_a_query_that_cannot_run_is_refused_without_waiting_for_a_slot(release_folder: Path):
    """A bad query is new, so it might be long, and waits for a slot the first time; once
    its shape is known to fail fast, the next one is told at once even when every slot is
    taken, rather than getting 503 after the wait."""
    slots = Slots(1)
    store = OxigraphStore.in_memory(BASE, str(release_folder / QUADS_FILE), workers=1)
    store._slots.close()
    store._slots = slots
    try:
        with pytest.raises(QueryError, match="line 1"):
            store.answer("SELECT ?s WHERE { ?s ?p }", "json", (), (), 1000, 100, {}, 10, 0.2)
        with slots.held(1):
            with pytest.raises(QueryError, match="line 1"):
                store.answer("PREFIX c1: <urn:x> SELECT ?s WHERE { ?s ?p }", "json", (), (),
                             1000, 100, {}, 10, 0.2)
    finally:
        store.close()
