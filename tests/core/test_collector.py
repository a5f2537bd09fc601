"""The garbage collector as gunicorn's master and workers set it (trackwell/core/collector.py)."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Iterator

import pytest

from trackwell.core import collector


@pytest.fixture
def restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


def test_tune_collects_young_objects_less_often_keeping_the_older_ratios(
    restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.set_threshold(700, 10, 10)
    monkeypatch.delenv("PYTHON_GC_THRESHOLD", raising=False)
    collector.tune()
    assert gc.get_threshold() == (collector.DEFAULT_THRESHOLD, 10, 10)
    monkeypatch.setenv("PYTHON_GC_THRESHOLD", "12000")
    collector.tune()
    assert gc.get_threshold() == (12000, 10, 10)
    collector.tune(3000)
    assert gc.get_threshold() == (3000, 10, 10)


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_a_threshold_that_is_not_a_positive_number_is_refused(
    restored: None, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PYTHON_GC_THRESHOLD", value)  # 0 would turn the collector off
    before = gc.get_threshold()
    with pytest.raises(ValueError, match="PYTHON_GC_THRESHOLD"):
        collector.tune()
    assert gc.get_threshold() == before


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_freeze_collects_garbage_first_then_leaves_the_living_out(restored: None) -> None:
    gc.unfreeze()
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    kept = [_Node() for _ in range(1000)]
    collector.freeze_loaded()
    assert gone() is None, "a cycle frozen uncollected would never be freed"
    assert gc.get_freeze_count() >= len(kept)
    frozen = weakref.ref(kept[0])
    kept.clear()  # now garbage, but frozen: no collection looks at it
    gc.collect()
    assert frozen() is not None


def test_the_server_config_freezes_in_the_master_and_tunes_each_worker(
    restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connections

    from trackwell import gunicorn as config

    calls: list[str] = []
    monkeypatch.setattr(sys, "setswitchinterval", lambda interval: None)
    monkeypatch.setattr(collector, "freeze_loaded", lambda: calls.append("freeze"))
    monkeypatch.setattr(collector, "tune", lambda threshold: calls.append(f"tune {threshold}"))
    monkeypatch.setattr(config, "_warm", lambda: calls.append("warm"))
    monkeypatch.setattr(connections, "close_all", lambda: calls.append("close"))
    monkeypatch.setattr(config, "gc_threshold", 1234)
    monkeypatch.setattr(config, "preload_app", True)
    config.when_ready(object())
    assert calls == ["warm", "close", "freeze"]  # frozen once warmed, with no connection
    calls.clear()
    config.post_worker_init(object())
    assert calls == ["warm", "tune 1234"]
    calls.clear()
    monkeypatch.setattr(config, "preload_app", False)
    config.when_ready(object())  # nothing loaded in the master: nothing to freeze there
    assert calls == []
    config.post_worker_init(object())
    assert calls == ["warm", "freeze", "tune 1234"]
