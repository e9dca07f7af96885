"""Customer feedback for the sample product, with ground truth.

Texts are composed from templates per channel (support tickets, app reviews, surveys, sales
notes, community posts, interviews) around the words customers use for a feature or a bug,
never its backlog title. Each text keeps what it was generated from as ground truth: its
``label`` (bug, feature, praise, question, other), its ``sentiment`` and, when it is about a
backlog item, a confirmed link to that item. Some texts are posted twice or re-worded with
typos (near-duplicates), and some ask for things the backlog does not have yet (themes),
a few of them more and more often in recent months.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from roadwise.domain import Customer, Feedback, FeedbackLink, FeedbackSource, ItemKind, Workspace
from roadwise.sample import catalog
from roadwise.sample.backlog import Backlog, Draft

S = FeedbackSource
WINDOW_DAYS = 540

OPENERS = ("", "", "", "Hi team,\n", "Hello,\n", "Hi there,\n", "Good morning,\n", "Hey,\n")
CLOSERS = (
    "",
    "",
    "",
    " Thanks!",
    " Thanks in advance.",
    " Cheers.",
    " Thank you.",
    " Let me know if you need more details.",
)
REASONS = (
    "",
    "",
    "We do this by hand in a spreadsheet right now.",
    "Our managers asked for this in the last quarterly review.",
    "It would save our team a few hours every week.",
    "Our previous tool could do this.",
    "It's the main thing holding back the rollout to the rest of the company.",
    "We'd happily pay extra for it.",
    "This comes up in almost every team meeting.",
    "About forty people on our side would use it daily.",
)
IMPACTS = (
    "",
    "",
    "It affects most of our team.",
    "We had to go back to email for now.",
    "This is blocking our month-end close.",
    "Happens every single time.",
    "Happened three times this week.",
    "Screenshots attached.",
    "We're on the latest version.",
)
DEALS = (
    "Renewal is next quarter.",
    "Expansion to 200 more seats depends on it.",
    "A competitor already offers this.",
    "Their VP of Operations is our champion.",
    "Procurement review starts next month.",
    "Could unlock the EMEA rollout.",
    "Not a blocker, but they brought it up twice.",
)

# (template, sentiment). Fields: want, noun, Noun, Want, reason, customer, deal, symptom,
# Symptom, impact, segment.
FEATURE_TEMPLATES: dict[FeedbackSource, tuple[tuple[str, str], ...]] = {
    S.SUPPORT: (
        ("Is there a way to {want}? {reason}", "neutral"),
        ("Feature request: {noun}. {reason}", "neutral"),
        ("We'd love to be able to {want}. {reason}", "neutral"),
        ("It would help a lot if we could {want}.", "neutral"),
        ("Any plans for {noun}? {reason}", "neutral"),
        ("Please consider adding {noun}. {reason}", "neutral"),
        ("Hi, we need to {want}. Is this on the roadmap?", "neutral"),
        ("Still no way to {want}? We've been asking for months.", "negative"),
        ("Really frustrating that we can't {want}. {reason}", "negative"),
        ("Without {noun} we have to do this manually every week. {reason}", "negative"),
    ),
    S.COMMUNITY: (
        ("+1 for {noun}. {reason}", "neutral"),
        ("Has anyone found a way to {want}?", "neutral"),
        ("Upvoting this: we need to {want} too.", "neutral"),
        ("{Noun} please! {reason}", "neutral"),
        ("Idea: let us {want}.", "neutral"),
        ("Surprised this isn't possible yet: {want}. Workarounds welcome.", "negative"),
    ),
    S.SALES: (
        ("Call with {customer}: they asked again about {noun}. {deal}", "neutral"),
        ("{customer} wants to {want} before expanding to more teams. {deal}", "neutral"),
        ("Renewal risk at {customer}: they need to {want}. {deal}", "negative"),
        ("Demo with {customer} went well, the main gap was {noun}. {deal}", "neutral"),
        ("{customer} ({segment}) asked whether we support {noun}. {deal}", "neutral"),
    ),
    S.SURVEY: (
        ("{Noun}.", "neutral"),
        ("Let us {want}.", "neutral"),
        ("I would like to {want}.", "neutral"),
        ("Score 6. We need to {want}.", "negative"),
        ("More flexibility, e.g. {noun}.", "neutral"),
        ("Honestly the one thing missing is {noun}.", "neutral"),
    ),
    S.APP_REVIEW: (
        ("Good app but I wish I could {want}.", "neutral"),
        ("Decent, but it really needs {noun}.", "neutral"),
        ("Would give 5 stars if I could {want}.", "neutral"),
        ("Useless for us until we can {want}.", "negative"),
    ),
    S.INTERVIEW: (
        (
            "Interview with an operations lead ({segment}): they want to {want}; today they "
            "work around it with spreadsheets and email.",
            "neutral",
        ),
        (
            "Interview notes: asked what slows them down, the answer was the lack of {noun}. "
            "{reason}",
            "negative",
        ),
    ),
}
BUG_TEMPLATES: dict[FeedbackSource, tuple[str, ...]] = {
    S.SUPPORT: (
        "Hi, {symptom}. Can you take a look? {impact}",
        "Since the last update {symptom}. {impact}",
        "Bug report: {symptom}. {impact}",
        "{Symptom}. {impact}",
        "Not sure if this is known, but {symptom}.",
        "Urgent: {symptom}! {impact}",
        "Hello, {symptom}; it happens in Chrome and Edge.",
    ),
    S.APP_REVIEW: (
        "{Symptom}. Please fix.",
        "Was great until recently, now {symptom}.",
        "{Symptom}!! One star until it's fixed.",
        "Frustrating: {symptom}.",
    ),
    S.COMMUNITY: (
        "Anyone else seeing this? {Symptom}.",
        "Same here, {symptom}. {impact}",
    ),
    S.SURVEY: (
        "Score 3. {Symptom}.",
        "Mostly fine, except {symptom}.",
    ),
}
PRAISE_FEATURE = (
    "Love the new {bare}!",
    "The new {bare} is exactly what we needed, thank you.",
    "Finally we can {want}. Great update!",
    "Thanks for shipping {noun}, it already saves us time.",
)
PRAISE_BUG = (
    "Thanks for the quick fix, the problem where {symptom} is gone.",
    "Confirming the fix works: before, {symptom}; now it's fine.",
)
QUESTION_FEATURE = (
    "Is it possible to {want} yet?",
    "Can I {want}? Couldn't find it in the docs.",
    "Quick question: how do I {want}?",
    "Does Kitewire support {noun}?",
)
QUESTION_PREFIXES = ("", "", "", "Hi, ", "Quick question: ", "Hello support team, ")
QUESTION_SUFFIXES = ("", "", " Thanks!", " Couldn't find it in the docs.", " Thanks for the help.")

QUESTION_CONTEXTS = (
    "",
    "",
    "",
    "We just onboarded a new team.",
    "Our admin is out this week.",
    "Asking for our finance team.",
    "We're on the Business plan.",
    "Trying to get this set up before Monday.",
    "Sorry if this was asked before.",
)
PRAISE_OPENERS = (
    "",
    "",
    "",
    "Love it.",
    "Really happy with Kitewire.",
    "Great tool.",
    "Five stars from our operations team.",
    "Quick note of thanks.",
    "Honestly impressed.",
)
PRAISE_DETAILS = (
    "",
    "",
    "",
    "Keep it up!",
    "We use it for purchasing and IT requests.",
    "Our whole facilities team is on it now.",
    "Rolled out to three sites so far.",
    "Recommended it to two other companies already.",
    "Worth every penny.",
    "The mobile app is handy on the shop floor.",
)
OTHER_SUFFIXES = (
    "",
    "",
    "",
    "Thanks.",
    "Happy to jump on a call.",
    "No rush.",
    "Our contract number is on the last invoice.",
    "Please reply to this thread.",
)

SOURCES_BY_LABEL: dict[str, tuple[tuple[FeedbackSource, ...], tuple[float, ...]]] = {
    "feature": (
        (S.SUPPORT, S.SALES, S.SURVEY, S.COMMUNITY, S.APP_REVIEW, S.INTERVIEW),
        (0.3, 0.2, 0.2, 0.12, 0.1, 0.08),
    ),
    "bug": ((S.SUPPORT, S.APP_REVIEW, S.COMMUNITY, S.SURVEY), (0.55, 0.25, 0.12, 0.08)),
    "praise": ((S.APP_REVIEW, S.SURVEY, S.SUPPORT, S.COMMUNITY), (0.4, 0.35, 0.15, 0.1)),
    "question": ((S.SUPPORT, S.COMMUNITY, S.SALES), (0.7, 0.2, 0.1)),
    "other": ((S.SUPPORT, S.SALES, S.OTHER), (0.6, 0.2, 0.2)),
}


@dataclass
class FeedbackDraft:
    text: str
    source: FeedbackSource
    customer: str | None
    day: dt.date
    label: str
    sentiment: str
    item: int | None = None
    rating: int | None = None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _tidy(text: str) -> str:
    text = text.strip()
    while "  " in text:
        text = text.replace("  ", " ")
    return text.replace(" \n", "\n").replace("\n ", "\n")


def _typos(rng: np.random.Generator, text: str) -> str:
    """A near-duplicate: the same complaint typed again, sloppily."""
    words = text.split(" ")
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(len(words)))
        word = words[i]
        if len(word) < 4 or not word.isalpha():
            continue
        j = int(rng.integers(1, len(word) - 2))
        roll = rng.random()
        if roll < 0.4:
            word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        elif roll < 0.7:
            word = word[:j] + word[j + 1 :]
        else:
            word = word[:j] + word[j] + word[j:]
        words[i] = word
    result = " ".join(words)
    if rng.random() < 0.4:
        result = result.lower()
    if rng.random() < 0.3:
        result = result.rstrip(".!") + "!!"
    return result


def build_feedback(
    rng: np.random.Generator,
    as_of: dt.date,
    backlog: Backlog,
    customers: list[Customer],
) -> list[FeedbackDraft]:
    revenue = np.array([c.annual_revenue for c in customers])
    weights = np.sqrt(revenue) / np.sqrt(revenue).sum()
    by_key = {c.key: c for c in customers}
    drafts: list[FeedbackDraft] = []

    def choose(options: tuple[str, ...] | list[str]) -> str:
        return options[int(rng.integers(len(options)))]

    def customer_for(source: FeedbackSource, preferred: list[str]) -> str | None:
        if source == S.APP_REVIEW and rng.random() < 0.5:
            return None
        if preferred and rng.random() < 0.4:
            return choose(preferred)
        return customers[int(rng.choice(len(customers), p=weights))].key

    def day_between(first: int, last: int, recent: bool = False) -> dt.date:
        """A day ``first``..``last`` days before as_of; ``recent`` leans to the near end."""
        first, last = max(first, 1), max(last, max(first, 1))
        share = float(rng.beta(1.0, 3.5)) if recent else float(rng.random())
        return as_of - dt.timedelta(days=first + int(share * (last - first)))

    def fill(
        template: str,
        want: str = "",
        noun: str = "",
        symptom: str = "",
        customer: str | None = None,
    ) -> str:
        c = by_key.get(customer or "")
        return template.format(
            want=want,
            noun=noun,
            bare=re.sub(r"^(a|an|the) ", "", noun),
            Noun=_cap(noun),
            Want=_cap(want),
            symptom=symptom,
            Symptom=_cap(symptom),
            reason=choose(REASONS),
            impact=choose(IMPACTS),
            deal=choose(DEALS),
            customer=c.name if c else "A prospect",
            segment=(c.segment.lower() if c else "retail"),
        )

    def wrap(text: str, source: FeedbackSource) -> str:
        text = text.strip()
        if source in (S.SUPPORT, S.OTHER):
            greeted = text.startswith(("Hi", "Hello", "Hey", "Good morning", "Quick question"))
            thanked = "Thank" in text[-30:]
            text = (
                ("" if greeted else choose(OPENERS)) + text + ("" if thanked else choose(CLOSERS))
            )
        return _tidy(text)

    def rating(sentiment: str) -> int:
        table = {"positive": (4, 5, 5), "neutral": (3, 3, 4), "negative": (1, 1, 2)}
        return int(choose([str(v) for v in table[sentiment]]))

    def add(
        text: str,
        source: FeedbackSource,
        customer: str | None,
        day: dt.date,
        label: str,
        sentiment: str,
        item: int | None,
    ) -> None:
        if source in (S.SUPPORT, S.SALES) and day.weekday() >= 5:
            day -= dt.timedelta(days=day.weekday() - 4)
        drafts.append(
            FeedbackDraft(
                text=wrap(text, source),
                source=source,
                customer=customer,
                day=day,
                label=label,
                sentiment=sentiment,
                item=item,
                rating=rating(sentiment) if source == S.APP_REVIEW else None,
            )
        )

    def source_for(label: str, mobile: bool = False) -> FeedbackSource:
        sources, probs = SOURCES_BY_LABEL[label]
        if mobile and label in ("feature", "bug") and rng.random() < 0.35:
            return S.APP_REVIEW
        return sources[int(rng.choice(len(sources), p=probs))]

    def feature_text(
        source: FeedbackSource, wants: tuple[str, ...], nouns: tuple[str, ...], customer: str | None
    ) -> tuple[str, str]:
        template, sentiment = FEATURE_TEMPLATES[source][
            int(rng.integers(len(FEATURE_TEMPLATES[source])))
        ]
        if source == S.SALES and customer is None:
            template = template.replace("{customer}", "A prospect")
        return fill(template, choose(wants), choose(nouns), customer=customer), sentiment

    total = 2150 + int(rng.integers(0, 200))
    features = [
        d
        for d in backlog.drafts
        if d.kind == ItemKind.FEATURE and isinstance(d.subject, catalog.Feature)
    ]
    bugs = [
        d for d in backlog.drafts if d.kind == ItemKind.BUG and isinstance(d.subject, catalog.Bug)
    ]
    # A few subjects get most of the feedback; most get a handful.
    f_weights = np.exp(rng.normal(0, 1.0, size=len(features)))
    f_weights /= f_weights.sum()
    b_weights = np.exp(rng.normal(0, 0.8, size=len(bugs)))
    b_weights /= b_weights.sum()

    def mobile_area(d: Draft) -> bool:
        return d.area.team == "mobile"

    # Feature requests (and a few questions) about backlog features.
    for _ in range(int(total * 0.40)):
        d = features[int(rng.choice(len(features), p=f_weights))]
        f = d.subject
        assert isinstance(f, catalog.Feature)
        finished = d.done.date() if d.done else None
        last = (as_of - finished).days + 1 if finished else 1
        if finished is not None and rng.random() < 0.5:  # thanks after a launch
            source = source_for("praise", mobile_area(d))
            text = fill(choose(PRAISE_FEATURE), choose(f.wants), choose(f.nouns))
            add(
                text,
                source,
                customer_for(source, d.customers),
                day_between(1, max(2, last - 1), recent=True),
                "praise",
                "positive",
                d.uid,
            )
            continue
        if rng.random() < 0.12:
            source = S.SUPPORT if rng.random() < 0.8 else S.COMMUNITY
            text = fill(choose(QUESTION_FEATURE), choose(f.wants), choose(f.nouns))
            add(
                text,
                source,
                customer_for(source, d.customers),
                day_between(last, WINDOW_DAYS),
                "question",
                "neutral",
                d.uid,
            )
            continue
        source = source_for("feature", mobile_area(d))
        customer = customer_for(source, d.customers)
        text, sentiment = feature_text(source, f.wants, f.nouns, customer)
        add(text, source, customer, day_between(last, WINDOW_DAYS), "feature", sentiment, d.uid)

    # Bug reports about backlog bugs, starting a little before the bug was filed.
    for _ in range(int(total * 0.15)):
        d = bugs[int(rng.choice(len(bugs), p=b_weights))]
        b = d.subject
        assert isinstance(b, catalog.Bug)
        first_report = (as_of - d.created.date()).days + 15
        if d.done is not None:
            fixed = (as_of - d.done.date()).days
            if rng.random() < 0.15:
                source = source_for("praise")
                text = fill(choose(PRAISE_BUG), symptom=choose(b.symptoms))
                add(
                    text,
                    source,
                    customer_for(source, d.customers),
                    day_between(1, max(2, fixed)),
                    "praise",
                    "positive",
                    d.uid,
                )
                continue
            last = max(fixed + 1, 2)
        else:
            last = 1
        source = source_for("bug", mobile_area(d))
        templates = BUG_TEMPLATES[source]
        text = fill(choose(templates), symptom=choose(b.symptoms))
        add(
            text,
            source,
            customer_for(source, d.customers),
            day_between(last, max(last + 1, first_report), recent=True),
            "bug",
            "negative",
            d.uid,
        )

    # Themes the backlog does not cover yet; some are rising fast.
    for _ in range(int(total * 0.14)):
        topic = catalog.TOPICS[int(rng.integers(len(catalog.TOPICS)))]
        source = source_for("feature")
        customer = customer_for(source, [])
        text, sentiment = feature_text(source, topic.wants, topic.nouns, customer)
        day = day_between(1, 400 if topic.rising else WINDOW_DAYS, recent=topic.rising)
        add(text, source, customer, day, "feature", sentiment, None)

    # Everyday questions, praise and the rest.
    for _ in range(int(total * 0.12)):
        source = source_for("question")
        prefix, question = choose(QUESTION_PREFIXES), choose(catalog.QUESTIONS)
        if prefix:
            question = question[:1].lower() + question[1:]
        context = "" if prefix.startswith(("Hi", "Hello")) else choose(QUESTION_CONTEXTS)
        text = f"{context} {prefix}{question}{choose(QUESTION_SUFFIXES)}".strip()
        add(
            text,
            source,
            customer_for(source, []),
            day_between(1, WINDOW_DAYS),
            "question",
            "neutral",
            None,
        )
    for _ in range(int(total * 0.1)):
        source = source_for("praise")
        add(
            f"{choose(PRAISE_OPENERS)} {choose(catalog.PRAISE)} {choose(PRAISE_DETAILS)}",
            source,
            customer_for(source, []),
            day_between(1, WINDOW_DAYS),
            "praise",
            "positive",
            None,
        )
    for _ in range(int(total * 0.05)):
        source = source_for("other")
        add(
            f"{choose(catalog.OTHER)} {choose(OTHER_SUFFIXES)}",
            source,
            customer_for(source, []),
            day_between(1, WINDOW_DAYS),
            "other",
            "neutral",
            None,
        )

    # Near-duplicates: the same text posted twice, or typed again with typos.
    originals = len(drafts)
    for index in rng.choice(originals, size=int(originals * 0.06), replace=False):
        base = drafts[int(index)]
        shift = dt.timedelta(days=int(rng.integers(0, 3)))
        day = min(base.day + shift, as_of)
        if rng.random() < 0.45:
            text = base.text
        else:
            text = _typos(rng, base.text)
            day = min(base.day + dt.timedelta(days=int(rng.integers(0, 21))), as_of)
        drafts.append(
            FeedbackDraft(
                text=text,
                source=base.source,
                customer=base.customer,
                day=day,
                label=base.label,
                sentiment=base.sentiment,
                item=base.item,
                rating=base.rating,
            )
        )
    return drafts


def to_feedback(drafts: list[FeedbackDraft], keys: dict[int, str]) -> list[Feedback]:
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].day, i))
    result: list[Feedback] = []
    for number, index in enumerate(order, start=1):
        d = drafts[index]
        links = (
            [FeedbackLink(item=keys[d.item], score=1.0, confirmed=True)]
            if (d.item is not None)
            else []
        )
        result.append(
            Feedback(
                key=f"FB-{number:05d}",
                text=d.text,
                source=d.source,
                customer=d.customer,
                date=d.day,
                rating=d.rating,
                label=d.label,
                sentiment=d.sentiment,
                links=links,
            )
        )
    return result


def partly_labelled(ws: Workspace, labelled: int = 60) -> tuple[Workspace, set[str]]:
    """The sample as a TPM sees it after labelling about ``labelled`` texts (every n-th one
    that has a ground-truth label): those keep their label as the user's, every other text
    loses its label. Returns the workspace and the keys of the labelled texts."""
    stride = max(1, len(ws.feedback) // labelled)
    teach = {f.key for f in ws.feedback[::stride] if f.label}
    prepared = ws.copy_with(
        feedback=[
            f.model_copy(
                update={"label_source": "user"}
                if f.key in teach
                else {"label": None, "label_source": None}
            )
            for f in ws.feedback
        ]
    )
    return prepared, teach
