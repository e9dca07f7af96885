"""The feedback analysis remembers its expensive steps between commands, never a stale one.

Every test compares against a cold run (no cache) of the same workspace: a remembered result
must be the very result a fresh analysis computes, and a change to any input must give the
fresh analysis of the changed workspace.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from roadwise.domain import FeedbackLink, Workspace
from roadwise.engines.feedback import (
    EncoderBackend,
    FeedbackAnalysis,
    FeedbackSettings,
    LexicalBackend,
    analyse_feedback,
)
from roadwise.engines.feedback import synthetic as syn
from roadwise.engines.feedback.memo import Fingerprint, remembered
from roadwise.sources.analysis_cache import (
    FILE_NAME,
    AnalysisCache,
    RefusedEntry,
    analysis_cache,
    read_entry,
)

AS_OF = dt.date(2026, 6, 30)
SETTINGS = FeedbackSettings(bootstrap_samples=200, recent_days=90)
STEPS = {"duplicates", "kinds", "sentiment", "links", "themes", "demand"}


def workspace() -> Workspace:
    """Synthetic feedback with confirmed links and people's labels of several kinds (so the
    classifier learns, and every step of the analysis has work to do)."""
    customers = syn.customers(15)
    feedback, truth = syn.feedback_records(
        150, customer_keys=[c.key for c in customers], confirmed_share=0.15, as_of=AS_OF
    )
    labelled = []
    for index, (f, t) in enumerate(zip(feedback, truth, strict=True)):
        if index % 8 == 0:
            f = f.model_copy(update={"label": t.label, "label_source": "user"})
        labelled.append(f)
    return Workspace(
        name="cache", as_of=AS_OF, customers=customers, items=syn.backlog_items(), feedback=labelled
    )


def plain(value: Any) -> Any:
    """Anything in an analysis as plain, comparable Python (arrays as lists, floats exact)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class CountingLexical(LexicalBackend):
    """The default backend, counting how often it is fitted (the first expensive step)."""

    def __init__(self) -> None:
        super().__init__()
        self.fits = 0

    def fit(self, texts: Any) -> None:
        self.fits += 1
        super().fit(texts)


def analyse(
    ws: Workspace, cache: AnalysisCache | None, settings: FeedbackSettings = SETTINGS
) -> FeedbackAnalysis:
    return analyse_feedback(ws, LexicalBackend(), settings, suggest=5, cache=cache)


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return workspace()


@pytest.fixture(scope="module")
def cold(ws: Workspace) -> Any:
    return plain(analyse(ws, None))


@pytest.fixture
def cache(tmp_path: Path) -> AnalysisCache:
    return AnalysisCache(tmp_path / "cache")


@pytest.fixture(scope="module")
def primed_folder(ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("primed")
    analyse(ws, AnalysisCache(folder))
    return folder


@pytest.fixture
def primed(primed_folder: Path, tmp_path: Path) -> AnalysisCache:
    """A cache holding every step of the unchanged workspace (a copy, so tests stay apart)."""
    shutil.copytree(primed_folder, tmp_path / "primed")
    return AnalysisCache(tmp_path / "primed")


def test_a_second_run_takes_every_step_from_the_cache_and_gives_the_cold_result(
    ws: Workspace, cold: Any, cache: AnalysisCache
) -> None:
    first = analyse(ws, cache)
    assert (cache.hits, cache.misses) == (0, len(STEPS) + 1)  # demand: items and themes
    backend = CountingLexical()
    second = analyse_feedback(ws, backend, SETTINGS, suggest=5, cache=cache)
    assert cache.hits == len(STEPS) + 1
    assert backend.fits == 0  # nothing needed the fitted vectoriser
    assert plain(first) == cold
    assert plain(second) == cold
    assert second.themes and second.proposed and second.learned  # a real, non-empty analysis


def _edit_text(ws: Workspace) -> Workspace:
    f = ws.feedback[3]
    changed = f.model_copy(update={"text": f.text + " Also please add an export to Excel."})
    return ws.copy_with(feedback=[*ws.feedback[:3], changed, *ws.feedback[4:]])


def _rename_feedback(ws: Workspace) -> Workspace:
    f = ws.feedback[5]
    changed = f.model_copy(update={"key": f"{f.key}-renamed"})
    return ws.copy_with(feedback=[*ws.feedback[:5], changed, *ws.feedback[6:]])


def _rename_item(ws: Workspace) -> Workspace:
    items = list(ws.items)
    items[0] = items[0].model_copy(update={"title": items[0].title + " and calendar sync"})
    return ws.copy_with(items=items)


def _confirm_link(ws: Workspace) -> Workspace:
    linked = {f.key for f in ws.feedback if f.links}
    index = next(i for i, f in enumerate(ws.feedback) if f.key not in linked)
    item = ws.items[-1].key
    f = ws.feedback[index]
    changed = f.model_copy(update={"links": [FeedbackLink(item=item, confirmed=True)]})
    return ws.copy_with(feedback=[*ws.feedback[:index], changed, *ws.feedback[index + 1 :]])


def _relabel(ws: Workspace) -> Workspace:
    index = next(i for i, f in enumerate(ws.feedback) if f.label_source == "user")
    f = ws.feedback[index]
    label = "praise" if f.label != "praise" else "bug"
    changed = f.model_copy(update={"label": label})
    return ws.copy_with(feedback=[*ws.feedback[:index], changed, *ws.feedback[index + 1 :]])


def _new_customer_revenue(ws: Workspace) -> Workspace:
    customers = list(ws.customers)
    customers[0] = customers[0].model_copy(update={"annual_revenue": 9_999_999.0})
    return ws.copy_with(customers=customers)


CHANGES: dict[str, Callable[[Workspace], Workspace]] = {
    "a feedback text": _edit_text,
    "a feedback id": _rename_feedback,
    "an item title": _rename_item,
    "a confirmed link": _confirm_link,
    "a label": _relabel,
    "a customer's revenue": _new_customer_revenue,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_changed_input_gives_the_fresh_analysis_of_the_changed_workspace(
    ws: Workspace, cold: Any, primed: AnalysisCache, change: str
) -> None:
    changed = CHANGES[change](ws)
    fresh = plain(analyse(changed, None))
    assert fresh != cold  # the change matters, so a stale result would show
    assert plain(analyse(changed, primed)) == fresh
    assert primed.misses > 0  # something was computed again


SETTING_CHANGES = {
    "duplicate_threshold": 0.5,
    "top_k": 2,
    "link_threshold": 0.3,
    "recent_days": 60,
    "n_themes": 4,
    "bootstrap_samples": 150,
    "seed": 3,
}


@pytest.mark.parametrize("name", list(SETTING_CHANGES))
def test_a_changed_setting_gives_the_fresh_analysis(
    ws: Workspace, cold: Any, primed: AnalysisCache, name: str
) -> None:
    settings = dataclasses.replace(SETTINGS, **{name: SETTING_CHANGES[name]})
    fresh = plain(analyse(ws, None, settings))
    assert fresh != cold
    assert plain(analyse(ws, primed, settings)) == fresh


def test_a_file_that_is_not_a_database_is_replaced(
    ws: Workspace, cold: Any, primed: AnalysisCache
) -> None:
    cache = primed
    cache.path.write_bytes(b"this is not a database" * 100)
    again = AnalysisCache(cache.path.parent)
    assert plain(analyse(ws, again)) == cold
    entries, _ = again.size()
    assert entries == len(STEPS) + 1  # rebuilt and filled again
    assert plain(analyse(ws, again)) == cold
    assert again.hits == len(STEPS) + 1


def test_a_damaged_entry_is_recomputed(ws: Workspace, cold: Any, primed: AnalysisCache) -> None:
    cache = primed
    with sqlite3.connect(cache.path) as connection:
        # Flip bytes inside every stored result: the checksums no longer match.
        for key, value in connection.execute("SELECT key, value FROM steps").fetchall():
            spoiled = bytes(b ^ 0xFF for b in value[:40]) + value[40:]
            connection.execute("UPDATE steps SET value = ? WHERE key = ?", (spoiled, key))
    again = AnalysisCache(cache.path.parent)
    assert plain(analyse(ws, again)) == cold
    assert again.hits == 0


class _Planted:
    """What a stranger with write access to the cache folder could store: reading it back with
    plain ``pickle.loads`` would call ``exec`` and write the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def test_a_planted_entry_is_never_run(
    ws: Workspace, cold: Any, primed: AnalysisCache, tmp_path: Path
) -> None:
    marker = tmp_path / "ran.txt"
    planted = pickle.dumps(_Planted(marker))
    with sqlite3.connect(primed.path) as connection:
        # Every entry replaced by a call to exec, under a checksum that matches it.
        digest = hashlib.sha256(planted).digest()
        connection.execute("UPDATE steps SET value = ?, checksum = ?", (planted, digest))
    again = AnalysisCache(primed.path.parent)
    assert plain(analyse(ws, again)) == cold
    assert again.hits == 0
    assert not marker.exists()
    with pytest.raises(RefusedEntry, match=r"builtins\.exec"):
        read_entry(planted)


def test_entries_read_back_only_results_arrays_and_dates() -> None:
    value = {"when": dt.date(2026, 6, 30), "scores": np.arange(3.0), "big": np.int64(7)}
    back = read_entry(pickle.dumps(value))
    assert isinstance(back, dict) and back["when"] == dt.date(2026, 6, 30)
    assert back["scores"].tolist() == [0.0, 1.0, 2.0] and back["big"] == 7
    # a function from the engines' own package is still not a result
    with pytest.raises(RefusedEntry, match=r"memo\.remembered"):
        read_entry(pickle.dumps(remembered))
    with pytest.raises(RefusedEntry, match="getcwd"):
        read_entry(pickle.dumps(os.getcwd))


def test_a_folder_that_cannot_be_written_means_no_cache(
    ws: Workspace, cold: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = AnalysisCache(blocker / "cache")
    assert plain(analyse(ws, cache)) == cold
    assert plain(analyse(ws, cache)) == cold
    assert cache.hits == 0


def test_old_entries_are_evicted_past_the_size_bound(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path, max_bytes=30_000)
    for index in range(12):
        cache.put("step", f"k{index}", np.full(1000, index, dtype=np.float32))  # ~4 kB each
    entries, size = cache.size()
    assert size <= 30_000 and 0 < entries < 12
    newest = cache.get("step", "k11")
    assert isinstance(newest, np.ndarray) and newest[0] == 11
    assert cache.get("step", "k0") is None  # the oldest went first


def test_the_cache_is_off_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROADWISE_CACHE_DIR", "off")
    assert analysis_cache() is None
    monkeypatch.setenv("ROADWISE_CACHE_DIR", str(tmp_path))
    found = analysis_cache()
    assert found is not None and found.path == tmp_path / FILE_NAME


def test_an_unnamed_encoder_is_never_cached(ws: Workspace, cache: AnalysisCache) -> None:
    """Vectors from an encoder nobody named could come from any model: not remembered."""

    class Encoder:
        def encode(self, texts: list[str], **_: object) -> np.ndarray:
            rng = np.random.default_rng(len(texts))
            return rng.random((len(texts), 16)).astype(np.float32)

    small = ws.copy_with(feedback=ws.feedback[:40])
    analyse_feedback(small, EncoderBackend(Encoder()), SETTINGS, cache=cache)
    assert (cache.hits, cache.misses) == (0, 0)
    assert cache.size() == (0, 0)


def test_fingerprints_tell_apart_what_concatenation_would_not() -> None:
    digests = {
        Fingerprint().extend(["ab", "c"]).hexdigest(),
        Fingerprint().extend(["a", "bc"]).hexdigest(),
        Fingerprint().extend(["a"]).extend(["b", "c"]).hexdigest(),
        Fingerprint(1).hexdigest(),
        Fingerprint("1").hexdigest(),
        Fingerprint(1.0).hexdigest(),
        Fingerprint(True).hexdigest(),
        Fingerprint(None).hexdigest(),
        Fingerprint("").hexdigest(),
    }
    assert len(digests) == 9


def test_two_cli_runs_agree_and_the_second_uses_the_cache(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roadwise.views.cli import app
    from roadwise.workspace import open_store

    folder = tmp_path / "cache"
    monkeypatch.setenv("ROADWISE_CACHE_DIR", str(folder))
    path = str(tmp_path / "w.db")
    open_store(path).replace(ws)
    runner = CliRunner()

    def demand() -> Any:
        result = runner.invoke(app, ["feedback", "demand", "--db", path, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    first = demand()
    entries, _ = AnalysisCache(folder).size()
    assert entries > 0
    assert demand() == first
    monkeypatch.setenv("ROADWISE_CACHE_DIR", "off")
    assert demand() == first
