"""`roadwise feedback batch`: a large export classified and linked in parts, here or on Dask.

The parts are a pure function of the model and the texts, so the answer may not depend on how
the export is cut or in which order the parts run; the model is the workspace analysis's own.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadwise.engines.feedback import FeedbackSettings, LexicalBackend, analyse_feedback
from roadwise.engines.feedback.batch import BatchModel, batch_model, classify_part
from roadwise.sample import generate_sample
from roadwise.sample.feedback import partly_labelled
from roadwise.views import _dask, feedback_batch
from roadwise.workspace import open_store
from test_cli_workspace import run  # the workspace commands' runner, shared

SETTINGS = FeedbackSettings(seed=3)
has_dask = importlib.util.find_spec("distributed") is not None


@pytest.fixture(scope="module")
def labelled() -> Any:
    """The sample after a TPM labelled about sixty texts (as the demo does)."""
    prepared, _teach = partly_labelled(generate_sample(seed=3), 60)
    return prepared


@pytest.fixture(scope="module")
def model(labelled: Any) -> BatchModel:
    return batch_model(labelled, LexicalBackend(seed=SETTINGS.seed), SETTINGS)


def test_the_batch_model_is_the_workspace_analysis_model(labelled: Any, model: BatchModel) -> None:
    """Over the workspace's own texts, the batch gives every text the kind the workspace
    analysis gives the texts nobody labelled."""
    analysis = analyse_feedback(labelled, LexicalBackend(seed=SETTINGS.seed), SETTINGS)
    feedback = list(labelled.feedback)
    part = classify_part(model, [f.text for f in feedback], [f.rating for f in feedback])
    assert model.labels_used == analysis.labels_used > 0
    predicted = [i for i, f in enumerate(feedback) if analysis.label_sources[f.key] == "model"]
    assert len(predicted) > 2000
    assert all(part.kinds[i] == analysis.labels[feedback[i].key] for i in predicted)
    # a text linked only when its best item's score reaches the threshold
    for item, score in zip(part.items, part.scores, strict=True):
        assert (item is not None) == (score >= model.link_threshold)
    assert sum(i is not None for i in part.items) > 100


@pytest.fixture(scope="module")
def first_texts(labelled: Any, model: BatchModel) -> tuple[list[str], list[int | None], Any]:
    feedback = list(labelled.feedback)[:300]
    texts = [f.text for f in feedback]
    ratings = [f.rating for f in feedback]
    return texts, ratings, classify_part(model, texts, ratings)


@settings(max_examples=12, deadline=None)
@given(
    size=st.integers(min_value=20, max_value=300),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_parts_give_the_same_answer_however_the_export_is_cut_or_ordered(
    model: BatchModel, first_texts: Any, size: int, seed: int
) -> None:
    texts, ratings, whole = first_texts
    order = np.random.default_rng(seed).permutation(len(texts))
    shuffled_texts = [texts[i] for i in order]
    shuffled_ratings = [ratings[i] for i in order]
    parts = [
        classify_part(model, shuffled_texts[i : i + size], shuffled_ratings[i : i + size])
        for i in range(0, len(texts), size)
    ]
    kinds = [k for p in parts for k in p.kinds]
    items = [k for p in parts for k in p.items]
    signatures = np.vstack([p.signatures for p in parts])
    assert kinds == [whole.kinds[i] for i in order]
    assert items == [whole.items[i] for i in order]
    assert np.array_equal(signatures, whole.signatures[order])


def _export(path: Path, labelled: Any, rows: int = 700, bad_row: bool = False) -> list[str]:
    texts = [f.text for f in labelled.feedback][:rows]
    texts.append(texts[5])  # an exact duplicate of an earlier text
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "date", "comment", "stars"])
        for i, text in enumerate(texts):
            writer.writerow([f"r{i}", "2026-10-01", text, 4 if i % 3 else ""])
        if bad_row:
            writer.writerow(["bad", "not a date", "Please add dark mode", ""])
    return texts


@pytest.fixture
def db(tmp_path: Path, labelled: Any) -> str:
    path = tmp_path / "roadwise.db"
    with open_store(path) as store:
        store.replace(labelled)
    return str(path)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_batch_writes_one_row_per_text_with_kind_item_and_duplicates(
    tmp_path: Path, db: str, labelled: Any, model: BatchModel
) -> None:
    export, out = tmp_path / "reviews.csv", tmp_path / "out" / "classified.csv"
    texts = _export(export, labelled)
    code, printed = run(
        "feedback", "batch", str(export), "--out", str(out), "--part-size", "128",
        "--db", db, "--json",
    )  # fmt: skip
    assert code == 0, printed
    summary = json.loads(printed)
    rows = _read(out)
    assert list(rows[0]) == list(feedback_batch.COLUMNS)
    assert [r["text"] for r in rows] == texts
    assert [int(r["row"]) for r in rows] == list(range(2, len(texts) + 2))  # as errors count
    assert summary["texts"] == len(texts) and summary["parts"] == 6
    assert summary["where"] == "this process" and summary["labels_used"] == model.labels_used
    expected = classify_part(model, texts, [4 if i % 3 else None for i in range(len(texts))])
    assert [r["kind"] for r in rows] == list(expected.kinds)
    assert [r["item"] or None for r in rows] == list(expected.items)
    assert sum(summary["kinds"].values()) == len(texts)
    assert [r["sentiment"] for r in rows] == list(expected.sentiments)
    assert summary["sentiments"] == dict(Counter(expected.sentiments).most_common())
    linked_requests = sum(
        1 for r in rows if r["kind"] == "feature" and r["item"]
    )  # the summary counts what the file says
    assert sum(summary["requests_by_item"].values()) == linked_requests
    # the copy of text 5 points at text 5's row, and every duplicate at an earlier row
    assert rows[-1]["duplicate_of"] == rows[5]["row"]
    assert all(int(r["duplicate_of"]) < int(r["row"]) for r in rows if r["duplicate_of"])
    assert summary["duplicates"] == sum(1 for r in rows if r["duplicate_of"])
    # the workspace is read, never changed
    assert open_store(db).load() == labelled


def test_a_malformed_row_stops_the_batch_unless_skipped(
    tmp_path: Path, db: str, labelled: Any
) -> None:
    export, out = tmp_path / "reviews.csv", tmp_path / "classified.csv"
    texts = _export(export, labelled, rows=50, bad_row=True)
    code, printed = run("feedback", "batch", str(export), "--out", str(out), "--db", db)
    flat = " ".join(printed.split())
    assert code == 1 and f"row {len(texts) + 2}, field 'date'" in flat
    assert "nothing was written" in flat
    assert not [p for p in tmp_path.iterdir() if "classified" in p.name]  # no drafts left
    code, printed = run(
        "feedback", "batch", str(export), "--out", str(out), "--skip-bad-rows", "--db", db
    )
    assert code == 0, printed
    assert f"skipped row {len(texts) + 2}, field 'date'" in " ".join(printed.split())
    assert len(_read(out)) == len(texts)


def test_batch_refuses_what_cannot_work(tmp_path: Path, db: str, labelled: Any) -> None:
    export = tmp_path / "reviews.csv"
    _export(export, labelled, rows=10)
    code, printed = run("feedback", "batch", str(export), "--out", str(export), "--db", db)
    assert code == 1 and "--out must not be the export itself" in printed
    out = str(tmp_path / "out.csv")
    code, printed = run(
        "feedback", "batch", str(export), "--out", out, "--workers", "2",
        "--cluster", "tcp://127.0.0.1:9", "--db", db,
    )  # fmt: skip
    assert code == 1 and "give one or the other" in printed
    # an empty workspace has nothing to learn from
    empty = str(tmp_path / "empty.db")
    assert run("init", "--db", empty)[0] == 0
    code, printed = run("feedback", "batch", str(export), "--out", out, "--db", empty)
    assert code == 1 and "no feedback and no backlog items to learn from" in printed


@pytest.mark.skipif(not has_dask, reason="Dask is not installed (roadwise[distributed])")
def test_a_local_dask_cluster_writes_the_same_file(
    tmp_path: Path, db: str, labelled: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "reviews.csv"
    _export(export, labelled, rows=900)
    here, there = tmp_path / "here.csv", tmp_path / "there.csv"
    args = ("--part-size", "100", "--db", db, "--json")
    code, printed = run("feedback", "batch", str(export), "--out", str(here), *args)
    assert code == 0, printed
    code, printed = run(
        "feedback", "batch", str(export), "--out", str(there), "--workers", "2", *args
    )
    assert code == 0, printed
    summary = json.loads(printed)
    assert summary["workers"] == 2 and "local Dask cluster" in summary["where"]
    assert here.read_bytes() == there.read_bytes()
    # a scheduler that is not there: a clear error, and no file
    monkeypatch.setattr(_dask, "CONNECT_TIMEOUT", 0.5)
    missing = tmp_path / "missing.csv"
    code, printed = run(
        "feedback", "batch", str(export), "--out", str(missing),
        "--cluster", "tcp://127.0.0.1:9", "--db", db,
    )  # fmt: skip
    assert code == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in printed
    assert not missing.exists()


def test_batch_demand_counts_each_customer_once_weighted_by_revenue(
    tmp_path: Path, db: str, labelled: Any
) -> None:
    """Per item: the feature requests linked to it, the workspace's customers behind them
    (each once, however often they wrote) and their revenue, as `feedback demand` counts."""
    export, out = tmp_path / "tickets.csv", tmp_path / "classified.csv"
    customers = sorted(labelled.customers, key=lambda c: c.key)
    texts = [f.text for f in labelled.feedback][:400]
    with export.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "date", "comment", "customer"])
        for i, text in enumerate(texts):
            # by name, so the export's customers are matched as an import matches them;
            # every seventh text from someone who is no customer of the workspace
            who = "Nobody Ltd" if i % 7 == 0 else customers[i % 11].name
            writer.writerow([f"t{i}", "2026-10-01", text, who])
    code, printed = run("feedback", "batch", str(export), "--out", str(out), "--db", db, "--json")
    assert code == 0, printed
    summary = json.loads(printed)
    rows = _read(out)
    revenue = {c.key: c.annual_revenue for c in customers}
    demand = summary["demand_by_item"]
    assert set(demand) == set(summary["requests_by_item"]) and demand
    for item, found in demand.items():
        asking = [r for r in rows if r["kind"] == "feature" and r["item"] == item]
        who = {r["customer"] for r in asking if r["customer"] in revenue}
        assert found["requests"] == len(asking) == summary["requests_by_item"][item]
        assert found["customers"] == len(who)
        assert found["revenue"] == pytest.approx(sum(revenue[c] for c in who))
        low, high = found["revenue_interval"]
        assert low <= found["revenue"] <= high or not who
    # ranked by revenue-weighted demand, as `feedback demand` ranks items
    money = [found["revenue"] for found in demand.values()]
    assert money == sorted(money, reverse=True)
    assert any(r["customer"] == "Nobody Ltd" for r in rows)  # kept, but not a customer
