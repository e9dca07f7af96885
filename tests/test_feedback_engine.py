"""Feedback engine: duplicates, classification, linking, themes and trends, demand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadwise.domain import Customer, Feedback, FeedbackLink, Item, Range, Workspace
from roadwise.engines.feedback import (
    DEFAULT_THRESHOLDS,
    LABELS,
    EncoderBackend,
    FeedbackClassifier,
    FeedbackSettings,
    LexicalBackend,
    Linker,
    analyse_feedback,
    benjamini_hochberg,
    choose_theme_count,
    compute_demand,
    external_inputs,
    find_duplicates,
    find_themes,
    rate_change,
    suggest_labels,
    updated_feedback,
)
from roadwise.engines.feedback import synthetic as syn
from roadwise.engines.feedback.classify import CUTOFFS, f1_cutoff

AS_OF = dt.date(2026, 6, 30)


def fitted_backend(texts: list[str]) -> LexicalBackend:
    backend = LexicalBackend()
    backend.fit(texts)
    return backend


# --------------------------------------------------------------------------- duplicates


def test_duplicates_are_grouped_not_dropped() -> None:
    texts = [
        "The app crashes when I open the settings page on my phone",
        "the app crashes when I open the settings page on my phone!!",
        "The app crashes when I open the settings page on my phone today",
        "Please add dark mode",
        "Please add a Gantt chart",
        "PLEASE add dark mode.",
    ]
    groups = find_duplicates(texts)
    assert len(groups.group) == len(texts)  # every text keeps its place
    assert groups.groups == [[0, 1, 2], [3, 5]]
    assert groups.exact_pairs == 2 and groups.near_pairs >= 1
    assert groups.duplicate_count == 3


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"link_threshold": "high"}, "link_threshold is 'high': expected a number from 0 to 1"),
        ({"bootstrap_samples": 0}, "bootstrap_samples is 0: expected a whole number >= 1"),
        ({"duplicate_threshold": "x"}, "duplicate_threshold is 'x'"),
        ({"trend_exposure": "volumes"}, "trend_exposure is 'volumes': expected 'time'"),
        ({"recent_days": 2.5}, "recent_days is 2.5: expected a whole number"),
        ({"group_rises": "yes"}, "group_rises is 'yes': expected true or false"),
    ],
)
def test_a_bad_feedback_setting_is_named(setting: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        FeedbackSettings.from_mapping(setting)


def test_texts_without_words_are_duplicates_only_of_the_same_text() -> None:
    """Emoji or punctuation alone normalise to nothing: "👍" is not a repeat of "👎"."""
    groups = find_duplicates(["👍", "👎", "!!!", "???", ":-(", "😡😡😡", "👍", "Great app"])
    assert groups.groups == [[0, 6]]


def test_kinds_do_not_depend_on_the_order_the_texts_were_imported_in() -> None:
    """With enough labels the classifier chooses its regularisation by cross-validation,
    whose folds follow the order of the labelled texts: they are taken in key order."""
    import random

    as_of = dt.date(2026, 6, 30)
    customers = syn.customers(15)
    records, truth = syn.feedback_records(
        120, customer_keys=[c.key for c in customers], as_of=as_of
    )
    records = [
        f.model_copy(update={"label": t.label, "label_source": "user"}) if i < 40 else f
        for i, (f, t) in enumerate(zip(records, truth, strict=True))
    ]

    def kinds(order: list[Feedback]) -> dict[str, tuple[str, float]]:
        ws = Workspace(
            name="o", as_of=as_of, customers=customers, items=syn.backlog_items(), feedback=order
        )
        result = analyse_feedback(ws, LexicalBackend(), FeedbackSettings(bootstrap_samples=50))
        return {k: (result.labels[k], round(result.confidence[k], 9)) for k in result.keys}

    shuffled = list(records)
    random.Random(1).shuffle(shuffled)
    assert kinds(records) == kinds(shuffled)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdef xyz", min_size=0, max_size=30), min_size=1, max_size=20),
    st.lists(st.integers(min_value=0, max_value=19), max_size=10),
)
def test_exact_copies_always_share_a_group(texts: list[str], copies: list[int]) -> None:
    extended = texts + [texts[i % len(texts)].upper() for i in copies]
    groups = find_duplicates(extended)
    assert len(groups.group) == len(extended)
    for offset, i in enumerate(copies):
        assert groups.group[len(texts) + offset] == groups.group[i % len(texts)]
    # A group's representative is its earliest member and belongs to its own group.
    assert all(groups.group[g] == g and g <= i for i, g in enumerate(groups.group))


# --------------------------------------------------------------------------- classification


def test_classifier_learns_from_labels_and_beats_the_rules() -> None:
    train = syn.generate_texts(150, seed=1, typo_rate=0.0)
    test = syn.generate_texts(600, seed=2, typo_rate=0.0)
    backend = fitted_backend([t.text for t in train + test])
    rules = FeedbackClassifier(backend)
    learned = FeedbackClassifier(backend).fit(
        [t.text for t in train], [t.label for t in train], [t.rating for t in train]
    )
    truth = np.array([t.label for t in test])

    def accuracy(model: FeedbackClassifier) -> float:
        prediction = model.predict([t.text for t in test], [t.rating for t in test])
        return float(np.mean(np.array(prediction.labels) == truth))

    assert not rules.learned and learned.learned
    assert accuracy(rules) > 0.5  # the default is sensible on its own
    assert accuracy(learned) > accuracy(rules) + 0.05
    assert accuracy(learned) > 0.9


def test_nb_svm_half_learns_words_the_labels_tie_to_one_kind() -> None:
    # "zorp" and "blick" mean nothing to the lexicon; only the labels say which kind they are.
    texts = ["zorp again today", "the zorp is back", "blick would help", "we want blick"] * 4
    labels = ["bug", "bug", "feature", "feature"] * 4
    backend = fitted_backend(texts)
    both = FeedbackClassifier(backend, c_grid=()).fit(texts, labels)
    alone = FeedbackClassifier(backend, c_grid=(), nb_svm=False).fit(texts, labels)
    assert both.chosen_nb_c == 4.0 and alone.chosen_nb_c is None
    prediction = both.predict(["zorp", "blick"])
    assert prediction.labels == ("bug", "feature")
    # The two models are averaged, so the pair differs from the regression alone.
    assert not np.allclose(prediction.probabilities, alone.predict(["zorp", "blick"]).probabilities)


@settings(max_examples=8, deadline=None)
@given(
    kinds=st.lists(
        st.sampled_from(["bug", "feature", "praise", "question"]), min_size=8, max_size=24
    )
)
def test_learned_probabilities_are_a_distribution_over_the_labelled_kinds(
    kinds: list[str],
) -> None:
    pool = syn.generate_texts(24, seed=11)
    texts = [p.text for p in pool[: len(kinds)]]
    backend = fitted_backend(texts)
    model = FeedbackClassifier(backend).fit(texts, kinds, [p.rating for p in pool[: len(kinds)]])
    prediction = model.predict([p.text for p in pool], [p.rating for p in pool])
    probabilities = prediction.probabilities
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert (probabilities >= 0).all()
    if len(set(kinds)) >= 2:
        assert model.learned
        unseen = [i for i, label in enumerate(LABELS) if label not in kinds]
        assert (probabilities[:, unseen] == 0).all()
        assert set(prediction.labels) <= set(kinds)


@settings(max_examples=30, deadline=None)
@given(
    probability=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=40),
    seed=st.integers(0, 2**16),
)
def test_f1_cutoff_is_the_best_cutoff_of_its_grid(probability: list[float], seed: int) -> None:
    p = np.array(probability)
    positive = np.random.default_rng(seed).random(len(p)) < 0.5

    def f1(cut: float) -> float:
        called = p > cut
        denominator = called.sum() + positive.sum()
        return 2.0 * float((called & positive).sum()) / denominator if denominator else 0.0

    cut = f1_cutoff(p, positive)
    assert cut in CUTOFFS
    assert all(f1(cut) >= f1(other) - 1e-12 for other in CUTOFFS)
    assert f1(cut) >= f1(0.5) - 1e-12


def test_f1_cutoff_moves_only_as_far_as_the_evidence_asks() -> None:
    # Every cut-off from 0.20 to 0.39 separates the kinds perfectly: the one nearest 0.5 wins.
    p = np.array([0.4, 0.4, 0.45, 0.1, 0.15, 0.05])
    assert f1_cutoff(p, np.array([True, True, True, False, False, False])) == 0.39
    # Nothing to gain from moving: one half stays.
    assert f1_cutoff(np.array([0.9, 0.1]), np.array([True, False])) == 0.5


def test_a_named_positive_kind_gets_its_own_cutoff_and_keeps_the_probabilities() -> None:
    pool = syn.generate_texts(160, seed=5, typo_rate=0.1)
    texts = [t.text for t in pool]
    ratings = [t.rating for t in pool]
    labels = ["bug" if t.label == "bug" else "other" for t in pool]
    backend = fitted_backend(texts)
    train, test = slice(0, 100), slice(100, None)
    plain = FeedbackClassifier(backend).fit(texts[train], labels[train], ratings[train])
    cut = FeedbackClassifier(backend, positive="bug").fit(
        texts[train], labels[train], ratings[train]
    )
    assert plain.cutoff is None and cut.cutoff is not None and 0.2 <= cut.cutoff <= 0.8
    before = plain.predict(texts[test], ratings[test])
    after = cut.predict(texts[test], ratings[test])
    # Same models, same probabilities; only the line between the two kinds moved.
    assert np.allclose(before.probabilities, after.probabilities)
    bug = after.probabilities[:, LABELS.index("bug")]
    assert after.labels == tuple("bug" if p > cut.cutoff else "other" for p in bug)


def test_a_positive_kind_needs_a_two_kind_task() -> None:
    backend = fitted_backend(["a", "b"])
    with pytest.raises(ValueError, match="unknown positive"):
        FeedbackClassifier(backend, positive="complaint")
    with pytest.raises(ValueError, match="two kinds"):
        FeedbackClassifier(backend, positive="bug").fit(
            ["crash", "add dark mode", "love it"], ["bug", "feature", "praise"]
        )


def test_one_kind_of_label_is_not_enough_to_learn() -> None:
    backend = fitted_backend(["a", "b"])
    model = FeedbackClassifier(backend).fit(["crash", "broken"], ["bug", "bug"])
    assert not model.learned
    with pytest.raises(ValueError, match="unknown label"):
        FeedbackClassifier(backend).fit(["x", "y"], ["bug", "complaint"])


def test_active_learning_proposes_uncertain_unlabelled_texts_once_per_group() -> None:
    texts = [t.text for t in syn.generate_texts(200, seed=3)]
    backend = fitted_backend(texts)
    prediction = FeedbackClassifier(backend).predict(texts)
    labelled = [i < 10 for i in range(len(texts))]
    groups = find_duplicates(texts).group
    picks = suggest_labels(prediction, 15, labelled=labelled, group=groups)
    assert len(picks) == 15
    assert all(not labelled[p.index] for p in picks)
    assert len({int(groups[p.index]) for p in picks}) == 15
    margins = [p.margin for p in picks]
    assert margins == sorted(margins)
    assert max(margins) <= float(np.median(prediction.margin))


# --------------------------------------------------------------------------- linking


def test_linking_finds_the_right_item() -> None:
    records = syn.generate_texts(800, seed=4, uncovered_share=0.0)
    about = [r for r in records if r.item]
    items = syn.backlog_items()
    backend = fitted_backend([r.text for r in records])
    linker = Linker(items, backend)
    top, _ = linker.top(backend.transform([r.text for r in about]), k=5)
    keys = np.array(linker.keys)
    truth = np.array([r.item for r in about])
    precision_at_1 = float(np.mean(keys[top[:, 0]] == truth))
    recall_at_5 = float(np.mean([t in keys[row] for t, row in zip(truth, top, strict=True)]))
    assert precision_at_1 > 0.7
    assert recall_at_5 > precision_at_1


def test_confirmations_improve_later_suggestions() -> None:
    # Customers say "spreadsheet" and "xlsx"; the item only says CSV. Confirming a few texts
    # must teach the linker those words.
    items = [
        Item(key="EXP", title="Export reports to CSV", description="Download a report file."),
        Item(key="SSO", title="Single sign-on", description="Log in with the company account."),
        Item(key="DARK", title="Dark mode", description="A dark colour theme."),
    ]
    confirmed = [
        "Need my numbers in a spreadsheet for finance",
        "Want xlsx spreadsheet files of the data",
        "Getting the data into a spreadsheet is painful",
    ]
    held_out = [
        "Our finance people live in spreadsheets, give us xlsx",
        "Spreadsheet output for the monthly numbers please",
    ]
    backend = fitted_backend([i.title for i in items] + confirmed + held_out)
    before = Linker(items, backend).scores(backend.transform(held_out))[:, 0]
    after = Linker(items, backend, confirmed_texts={"EXP": confirmed}).scores(
        backend.transform(held_out)
    )
    assert np.all(after[:, 0] > before + 0.05)
    assert np.all(after.argmax(axis=1) == 0)
    rejected = Linker(items, backend, rejected_texts={"EXP": confirmed}).scores(
        backend.transform(held_out)
    )
    assert np.all(rejected[:, 0] < before)


# --------------------------------------------------------------------------- themes and trends


def test_rate_test_detects_a_planted_rise_and_not_a_flat_series() -> None:
    rng = np.random.default_rng(5)
    # Eight weeks recent vs twenty-four weeks earlier; overall volume flat at 50 a week.
    flat = rate_change(int(rng.poisson(5 * 8)), int(rng.poisson(5 * 24)), 50 * 8, 50 * 24)
    risen = rate_change(int(rng.poisson(12 * 8)), int(rng.poisson(5 * 24)), 50 * 8, 50 * 24)
    assert risen.p_value < 0.001 and risen.rate_ratio > 1.5
    assert flat.p_value > 0.05
    # A theme that grows only because all feedback grew is not rising.
    busier = rate_change(80, 120, 100 * 8, 50 * 24)
    assert busier.p_value > 0.05


def test_rate_test_false_alarms_stay_near_the_level() -> None:
    rng = np.random.default_rng(6)
    p = [
        rate_change(int(rng.poisson(20)), int(rng.poisson(60)), 400, 1200).p_value
        for _ in range(400)
    ]
    assert np.mean(np.array(p) < 0.05) < 0.08


def test_benjamini_hochberg_is_monotone_and_bounded() -> None:
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert q[0] <= q[2] <= q[1] <= q[3] <= 1.0
    assert q[0] == pytest.approx(0.04)


def test_themes_gather_uncovered_requests_and_flag_the_rising_one() -> None:
    rng = np.random.default_rng(7)
    texts: list[str] = []
    dates: list[dt.date] = []
    for theme, phrases in enumerate(syn.UNCOVERED):
        for _ in range(60):
            # Theme 0 arrives mostly in the last eight weeks; the others evenly over a year.
            recent = theme == 0 and rng.random() < 0.7
            back = int(rng.integers(0, 56)) if recent else int(rng.integers(0, 224))
            texts.append(f"Please add {rng.choice(phrases)}.")
            dates.append(AS_OF - dt.timedelta(days=back))
    all_dates = dates + [AS_OF - dt.timedelta(days=int(d)) for d in rng.integers(0, 224, 1500)]
    backend = fitted_backend(texts)
    themes = find_themes(
        texts, backend.transform(texts), dates, as_of=AS_OF, all_dates=all_dates, n_themes=3
    )
    assert len(themes) == 3
    assert all(t.words for t in themes)
    assert sum(len(t.members) for t in themes) == len(texts)
    rising = [t for t in themes if t.trend.rising]
    assert len(rising) == 1
    # The rising theme is the planted one: mostly Gantt-chart requests (texts 0-59).
    members = np.array(rising[0].members)
    assert np.mean(members < 60) > 0.8
    assert "gantt" in " ".join(rising[0].words)


def test_a_theme_becomes_a_backlog_item_with_its_demand() -> None:
    """Making a theme an item adds an idea with the theme's customers and quotes, links the
    theme's texts to it (confirmed), and from the next analysis on their demand is the item's."""
    from roadwise.engines.feedback import theme_to_item
    from roadwise.errors import ValidationError

    customers = syn.customers(15)
    feedback, _ = syn.feedback_records(
        300, customer_keys=[c.key for c in customers], confirmed_share=0.1, as_of=AS_OF
    )
    ws = Workspace(
        name="themes",
        as_of=AS_OF,
        customers=customers,
        items=syn.backlog_items(),
        feedback=feedback,
    )
    settings = FeedbackSettings(bootstrap_samples=100)
    analysis = analyse_feedback(ws, LexicalBackend(), settings)
    theme = analysis.themes[0]
    grown = theme_to_item(ws, theme, "NEW-1", currency="EUR")
    item = grown.item_by_key["NEW-1"]
    assert item.title == theme.theme.name and item.status.value == "idea"
    assert theme.quotes[0] in item.description and "EUR" in item.description
    asked = {f.customer for f in ws.feedback if f.key in set(theme.feedback) and f.customer}
    assert set(item.customers) == asked and len(item.customers) == theme.demand.reach
    linked = {
        f.key for f in grown.feedback for link in f.links if link.item == "NEW-1" and link.confirmed
    }
    assert linked == set(theme.feedback)
    # nothing else changed
    assert {f.key: f for f in grown.feedback if f.key not in linked} == {
        f.key: f for f in ws.feedback if f.key not in linked
    }
    again = analyse_feedback(grown, LexicalBackend(), settings)
    assert again.item_demand["NEW-1"].mentions >= len(theme.feedback)
    assert again.item_demand["NEW-1"].reach >= theme.demand.reach
    with pytest.raises(ValidationError, match="NEW-1 already exists"):
        theme_to_item(grown, theme, "NEW-1")
    with pytest.raises(ValidationError, match="needs a key"):
        theme_to_item(ws, theme, "  ")


# --------------------------------------------------------------------------- demand


def test_one_large_customer_outweighs_many_small_ones() -> None:
    customers = [Customer(key="BIG", name="Big", annual_revenue=1_000_000, segment="enterprise")]
    customers += [
        Customer(key=f"S{i}", name=f"Small {i}", annual_revenue=5_000, segment="smb")
        for i in range(20)
    ]
    feedback = [Feedback(key="F0", text="need SSO", customer="BIG", date=AS_OF)]
    feedback += [
        Feedback(key=f"F{i + 1}", text="dark mode", customer=f"S{i}", date=AS_OF) for i in range(20)
    ]
    # The big customer asked three times: still one customer.
    feedback += [
        Feedback(key=f"R{i}", text="need SSO again", customer="BIG", date=AS_OF) for i in range(2)
    ]
    groups = {"SSO": ["F0", "R0", "R1"], "DARK": [f"F{i + 1}" for i in range(20)]}
    demand = compute_demand(groups, feedback, customers, samples=500)
    assert demand["DARK"].reach == 20 and demand["SSO"].reach == 1
    assert demand["SSO"].mentions == 3
    assert demand["SSO"].revenue == 1_000_000 and demand["DARK"].revenue == 100_000
    assert demand["SSO"].revenue > demand["DARK"].revenue
    assert demand["SSO"].segments == {"enterprise": 1_000_000}
    inputs = external_inputs(demand)
    assert set(inputs) == {"customer_demand", "reach"}
    assert isinstance(inputs["customer_demand"]["SSO"], Range)
    assert inputs["reach"]["DARK"].likely == 20


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=3, max_size=25),
    st.integers(min_value=0, max_value=2**16),
)
def test_bootstrap_interval_contains_the_point_estimate(revenues: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    customers = [
        Customer(key=f"C{i}", name=f"C{i}", annual_revenue=r) for i, r in enumerate(revenues)
    ]
    feedback = [
        Feedback(key=f"F{i}", text="x", customer=c.key, date=AS_OF) for i, c in enumerate(customers)
    ]
    asked = [f.key for f in feedback if rng.random() < 0.5] or [feedback[0].key]
    demand = compute_demand({"A": asked}, feedback, customers, samples=1000, seed=seed)["A"]
    low, high = demand.revenue_interval
    # The bootstrap mean equals the point estimate, so it sits inside the 90 % interval.
    assert low <= demand.revenue + 1e-6 and demand.revenue <= high + 1e-6
    assert demand.customers_interval[0] <= demand.reach <= demand.customers_interval[1]
    assert low >= 0 and high <= sum(revenues) * len(revenues) + 1e-6
    assert demand.revenue_range().low <= demand.revenue_range().likely


# --------------------------------------------------------------------------- the workflow


def sample_like_workspace(n: int = 500, confirmed_share: float = 0.2) -> Workspace:
    customers = syn.customers(30)
    feedback, _ = syn.feedback_records(
        n, customer_keys=[c.key for c in customers], confirmed_share=confirmed_share, as_of=AS_OF
    )
    epic = Item(key="EPIC-1", title="Security and compliance", kind="epic")
    items = [
        i.model_copy(update={"parent": "EPIC-1"}) if i.key in ("SSO-1", "2FA-1", "AUD-1") else i
        for i in syn.backlog_items()
    ]
    return Workspace(
        name="t", as_of=AS_OF, customers=customers, items=[epic, *items], feedback=feedback
    )


def test_workflow_keeps_people_decisions_and_rolls_demand_up() -> None:
    ws = sample_like_workspace()
    first = ws.feedback[0]
    marked = first.model_copy(
        update={
            "label": "other",
            "label_source": "user",
            "links": [FeedbackLink(item="DARK-1", confirmed=False)],
        }
    )
    ws = ws.copy_with(feedback=[marked, *ws.feedback[1:]])
    settings_ = FeedbackSettings(bootstrap_samples=300)
    analysis = analyse_feedback(ws, LexicalBackend(), settings_, suggest=5)
    assert analysis.labels[first.key] == "other" and analysis.label_sources[first.key] == "user"
    assert all(c.feedback != first.key or c.item != "DARK-1" for c in analysis.proposed)
    assert len(analysis.suggestions) == 5

    updated = {f.key: f for f in updated_feedback(ws, analysis)}
    assert updated[first.key].label == "other"
    assert FeedbackLink(item="DARK-1", confirmed=False) in updated[first.key].links
    confirmed_before = sum(1 for f in ws.feedback for x in f.links if x.confirmed)
    confirmed_after = sum(1 for f in updated.values() for x in f.links if x.confirmed)
    assert confirmed_before == confirmed_after > 0

    epic = analysis.item_demand["EPIC-1"]
    children = [analysis.item_demand[k] for k in ("SSO-1", "2FA-1", "AUD-1")]
    assert set(epic.customers) == set().union(*(c.customers for c in children))
    assert epic.revenue <= sum(c.revenue for c in children)
    top = analysis.top_items(3)
    assert [d.revenue for d in top] == sorted((d.revenue for d in top), reverse=True)
    evidence = analysis.evidence[top[0].key]
    assert evidence.quotes and set(evidence.customers) <= {c.key for c in ws.customers}


def test_dropped_items_keep_their_links_but_leave_the_demand_ranking() -> None:
    """Texts a person linked to an item that was later dropped stay linked, but they are no
    demand for it in the ranking or the prioritisation, nor for its epic: they are reported
    apart, as demand for dropped items."""
    from roadwise.domain import Status

    ws = sample_like_workspace()
    settings_ = FeedbackSettings(bootstrap_samples=100)
    confirmed = {
        item: {
            f.key for f in ws.feedback for link in f.links if link.item == item and link.confirmed
        }
        for item in ("DARK-1", "SSO-1")
    }
    before = analyse_feedback(ws, LexicalBackend(), settings_)
    assert confirmed["DARK-1"] and confirmed["SSO-1"]  # the sample has confirmed texts for both
    assert "DARK-1" in [d.key for d in before.top_items(len(ws.items))]
    assert confirmed["SSO-1"] <= set(before.evidence["EPIC-1"].feedback)

    dropped = ws.copy_with(
        items=[
            i.model_copy(update={"status": Status.DROPPED}) if i.key in confirmed else i
            for i in ws.items
        ]
    )
    analysis = analyse_feedback(dropped, LexicalBackend(), settings_)
    ranked = [d.key for d in analysis.top_items(len(ws.items))]
    assert not set(confirmed) & set(ranked)
    assert not set(confirmed) & set(analysis.item_demand)
    assert not set(confirmed) & set(external_inputs(analysis.item_demand)["customer_demand"])
    for item, texts in confirmed.items():
        apart = analysis.dropped_demand[item]
        assert apart.mentions == len(texts)  # nothing is proposed for a dropped item
        assert set(apart.customers) == {
            c for f in ws.feedback if f.key in texts and (c := f.customer) is not None
        }
    # The epic's demand is what its remaining stories (and the epic itself) are asked for.
    open_parts = {"EPIC-1", "2FA-1", "AUD-1"}
    asked = {k for k, items in analysis.links.items() if open_parts & set(items)}
    assert set(analysis.evidence["EPIC-1"].feedback) == asked
    assert analysis.item_demand["EPIC-1"].mentions == len(asked)
    # The people's links are kept in the workspace, and those texts are no new theme.
    kept = {f.key: f for f in updated_feedback(dropped, analysis)}
    for item, texts in confirmed.items():
        assert all(FeedbackLink(item=item, confirmed=True) in kept[k].links for k in texts)
    themed = {k for t in analysis.themes for k in t.feedback}
    assert not themed & set().union(*confirmed.values())


@pytest.mark.parametrize("shuffle_seed", [1, 2])
def test_themes_do_not_depend_on_the_order_the_texts_were_imported_in(shuffle_seed: int) -> None:
    """k-means draws its batches and starting centres by position: the texts are clustered
    in an order their content decides, so a re-import in another order finds the same themes,
    with the same names, texts and quotes."""
    import random

    ws = sample_like_workspace()

    def themes(feedback: list[Feedback]) -> list[tuple[object, ...]]:
        analysis = analyse_feedback(
            ws.copy_with(feedback=feedback),
            LexicalBackend(),
            FeedbackSettings(bootstrap_samples=50),
        )
        return [
            (t.theme.key, t.theme.name, t.theme.trend, frozenset(t.feedback), t.quotes)
            for t in analysis.themes
        ]

    shuffled = list(ws.feedback)
    random.Random(shuffle_seed).shuffle(shuffled)
    found = themes(list(ws.feedback))
    assert len(found) >= 3
    assert themes(shuffled) == found


class _HashedEncoder:
    """A stand-in sentence encoder (dense, normalised): hashed word counts in 256 columns."""

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        counts = HashingVectorizer(n_features=256, alternate_sign=False).transform(texts)
        return np.asarray(counts.toarray(), dtype=np.float32)


def test_the_backend_handed_in_decides_the_link_threshold() -> None:
    ws = sample_like_workspace()
    backend = EncoderBackend(_HashedEncoder())
    analysis = analyse_feedback(ws, backend, FeedbackSettings(bootstrap_samples=50))
    assert analysis.settings.backend == "embedding"
    assert analysis.settings.threshold == DEFAULT_THRESHOLDS["embedding"]
    assert all(c.score >= DEFAULT_THRESHOLDS["embedding"] for c in analysis.proposed)
    lexical = analyse_feedback(ws, LexicalBackend(), FeedbackSettings(bootstrap_samples=50))
    assert lexical.settings.threshold == DEFAULT_THRESHOLDS["lexical"]


def test_default_theme_count_keeps_planted_requests_apart() -> None:
    # Nine planted wants, each asked for in its own words by 20 texts: k-means with the default
    # granularity must not merge different wants into one theme.
    wants = [
        "a gantt chart view", "time tracking on tasks", "recurring tasks", "dark mode",
        "a spanish translation", "csat surveys", "whatsapp intake", "an equipment inventory",
        "a kanban board",
    ]  # fmt: skip
    rng = np.random.default_rng(3)
    texts, dates, truth = [], [], []
    for index, want in enumerate(wants):
        for _ in range(20):
            texts.append(
                str(rng.choice(["Please add {}.", "We need {}!", "Missing {}."])).format(want)
            )
            dates.append(AS_OF - dt.timedelta(days=int(rng.integers(0, 300))))
            truth.append(index)
    backend = fitted_backend(texts)
    themes = find_themes(texts, backend.transform(texts), dates, as_of=AS_OF, min_size=1)
    assert len(themes) == choose_theme_count(len(texts)) == 18
    for theme in themes:
        kinds = {truth[m] for m in theme.members}
        assert len(kinds) == 1, [texts[m] for m in theme.members]
    assert {truth[m] for t in themes for m in t.members} == set(range(len(wants)))


def test_theme_count_follows_the_granularity_setting() -> None:
    assert choose_theme_count(300) == 30
    assert choose_theme_count(300, texts_per_theme=25) == 12
    assert choose_theme_count(5000) == 40 and choose_theme_count(20, 100) == 2
    with pytest.raises(ValueError):
        choose_theme_count(100, 0)


def test_a_bad_theme_granularity_is_refused_when_the_settings_are_read() -> None:
    with pytest.raises(ValueError, match="texts_per_theme"):
        FeedbackSettings.from_mapping({"texts_per_theme": 0})
    assert FeedbackSettings.from_mapping({"texts_per_theme": 25}).texts_per_theme == 25


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(0, 3, allow_nan=False), min_size=6, max_size=6), min_size=1, max_size=5
    )
)
def test_centroid_is_the_normalised_mean_and_stays_sparse(rows: list[list[float]]) -> None:
    """The linker's centroid of confirmed texts: the mean row, normalised, in the input's kind
    (a sparse row for sparse vectors, never a dense one of every hashed feature)."""
    import scipy.sparse as sp

    from roadwise.engines.feedback.text import mean_row

    dense = np.array(rows)
    centre = dense.mean(axis=0)
    norm = np.linalg.norm(centre)
    expected = centre / norm if norm > 0 else centre
    sparse = mean_row(sp.csr_matrix(dense))
    assert sp.issparse(sparse) and sparse.shape == (1, 6)
    assert np.allclose(sparse.toarray()[0], expected)
    assert np.allclose(np.asarray(mean_row(dense))[0], expected)
