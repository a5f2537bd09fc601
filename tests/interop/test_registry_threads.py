"""The import kinds are registered once, and a second thread waits for the first."""

from __future__ import annotations

import threading

import pytest

from trackwell.interop.pipeline import registry


def test_a_second_caller_waits_until_every_kind_is_registered(
    monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    monkeypatch.setattr(registry, "_loaded", False)
    settings.TRACKWELL_IMPORT_KINDS = ["a.slow.kind"]  # type: ignore[attr-defined]
    entered, finish = threading.Event(), threading.Event()
    imported: list[str] = []

    def slow_import(path: str) -> None:
        imported.append(path)
        entered.set()
        finish.wait(5)

    monkeypatch.setattr("django.utils.module_loading.import_string", slow_import)
    first = threading.Thread(target=registry.load_kinds)
    first.start()
    assert entered.wait(5)
    second_done = threading.Event()

    def second() -> None:
        registry.load_kinds()
        second_done.set()

    other = threading.Thread(target=second)
    other.start()
    try:
        assert not second_done.wait(0.3)  # the registry is not full yet
    finally:
        finish.set()
    first.join(5)
    assert second_done.wait(5)
    other.join(5)
    assert imported == ["a.slow.kind"]  # once, not twice
    assert registry._loaded
