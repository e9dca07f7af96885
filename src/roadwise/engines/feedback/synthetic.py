"""Labelled synthetic feedback for tests and benchmarks: texts whose kind and item are known.

The wording varies (templates, synonyms customers use instead of the backlog's words, filler,
typos), so a classifier or linker that only matched the item title would not score well.
Deterministic for a seed; no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from roadwise.domain import Customer, Feedback, FeedbackLink, FeedbackSource, Item, ItemKind, Tier

# (key, title, description, tags, phrases customers use for it)
TOPICS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "EXP-1",
        "Export reports to CSV",
        "Download any report as a CSV or Excel file.",
        ("reporting", "export"),
        (
            "export to excel",
            "a csv download of reports",
            "exporting the dashboard data",
            "spreadsheet export",
        ),
    ),
    (
        "SSO-1",
        "Single sign-on with SAML",
        "Log in through Okta, Azure AD or any SAML provider.",
        ("security", "auth"),
        (
            "okta login",
            "sso for our company",
            "azure ad sign in",
            "logging in with our identity provider",
        ),
    ),
    (
        "DARK-1",
        "Dark mode",
        "A dark colour theme for the web and mobile apps.",
        ("ui",),
        ("a dark theme", "night mode", "darker colours at night", "dark mode"),
    ),
    (
        "SLK-1",
        "Slack notifications",
        "Send alerts and mentions to a Slack channel.",
        ("integrations",),
        (
            "slack alerts",
            "notifications in slack",
            "posting updates to our slack",
            "a slack integration",
        ),
    ),
    (
        "OFF-1",
        "Offline mode for mobile",
        "Use the mobile app without a connection and sync later.",
        ("mobile",),
        (
            "working offline on my phone",
            "offline access on the plane",
            "using the app without internet",
            "offline sync",
        ),
    ),
    (
        "BULK-1",
        "Bulk edit tasks",
        "Select many tasks and change status, owner or dates at once.",
        ("productivity",),
        (
            "editing many tasks at once",
            "bulk changes",
            "multi-select to update",
            "changing the owner of fifty tasks in one go",
        ),
    ),
    (
        "CAL-1",
        "Google Calendar sync",
        "Two-way sync of due dates with Google Calendar.",
        ("integrations", "calendar"),
        (
            "syncing with google calendar",
            "due dates in my calendar",
            "calendar integration",
            "gcal sync",
        ),
    ),
    (
        "2FA-1",
        "Two-factor authentication",
        "Protect accounts with an authenticator app or SMS code.",
        ("security",),
        ("2fa", "two factor login", "an authenticator app code", "extra login security"),
    ),
    (
        "SRCH-1",
        "Faster search",
        "Search results in under a second, with filters.",
        ("performance", "search"),
        ("search is too slow", "quicker search results", "finding things faster", "search filters"),
    ),
    (
        "AUD-1",
        "Audit log",
        "A record of who changed what and when, for compliance.",
        ("security", "compliance"),
        (
            "an audit trail",
            "history of changes for compliance",
            "seeing who changed what",
            "activity log for auditors",
        ),
    ),
)

# Themes no backlog item covers yet: candidates for new items.
UNCOVERED: tuple[tuple[str, ...], ...] = (
    ("a gantt chart view", "gantt charts for planning", "a timeline gantt view"),
    ("time tracking on tasks", "logging hours per task", "a built-in timer for time tracking"),
    ("recurring tasks", "tasks that repeat every week", "repeating tasks automatically"),
)

_FEATURE = (
    "Please add {p}.",
    "It would be great to have {p}.",
    "We really need {p} for our team.",
    "Would love {p}!",
    "Feature request: {p}",
    "I wish there was {p}.",
    "Our managers keep asking for {p}, please consider it.",
    "Missing {p}, which we need.",
)
_BUG = (
    "The app crashes whenever I open {a}.",
    "Since the last update {a} doesn't work at all.",
    "Getting an error when I try {a}.",
    "{A} is broken, it keeps freezing.",
    "Bug: {a} fails and I lost my changes.",
    "Not working: {a} shows a blank screen.",
)
_AREAS = (
    "the report page",
    "settings",
    "the mobile app",
    "notifications",
    "the task list",
    "login",
    "search",
    "the calendar",
    "file upload",
    "the dashboard",
)
_PRAISE = (
    "Love this app, great work!",
    "Excellent tool, our whole team uses it daily.",
    "Best planner I have tried, thank you!",
    "Really nice and easy to use.",
    "Fantastic support and a great product.",
    "Works great, highly recommend it.",
)
_QUESTION = (
    "How do I share {a} with a colleague?",
    "Is there a way to change {a}?",
    "Where can I find {a}?",
    "What is the limit for {a} on the team plan?",
    "Can I move {a} to another workspace?",
)
_OTHER = (
    "We switched from spreadsheets last month.",
    "Used it for a week so far.",
    "Our team is twelve people in two offices.",
    "Renewal is coming up in March.",
    "Meh.",
    "I am the admin for our account.",
)
_FILLER = (
    "",
    "",
    "",
    " Thanks.",
    " Cheers!",
    " We are on the business plan.",
    " This matters a lot to us.",
    " Otherwise fine.",
)

KINDS = ("bug", "feature", "praise", "question", "other")


@dataclass(frozen=True)
class SyntheticText:
    text: str
    label: str
    item: str | None
    theme: int | None
    rating: int | None


def generate_texts(
    n: int,
    *,
    seed: int = 0,
    mix: tuple[float, float, float, float, float] = (0.25, 0.35, 0.2, 0.1, 0.1),
    uncovered_share: float = 0.25,
    typo_rate: float = 0.03,
) -> list[SyntheticText]:
    """``n`` labelled texts; a feature request names a covered item or an uncovered theme."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(len(KINDS), size=n, p=np.asarray(mix) / sum(mix))
    out: list[SyntheticText] = []
    for kind in kinds:
        label = KINDS[int(kind)]
        item: str | None = None
        theme: int | None = None
        area = str(rng.choice(_AREAS))
        filler = str(rng.choice(_FILLER))
        if label == "feature":
            if rng.random() < uncovered_share:
                theme = int(rng.integers(len(UNCOVERED)))
                phrase = str(rng.choice(UNCOVERED[theme]))
            else:
                topic = TOPICS[int(rng.integers(len(TOPICS)))]
                item = topic[0]
                phrase = str(rng.choice(topic[4]))
            text = str(rng.choice(_FEATURE)).format(p=phrase)
            rating = int(rng.choice([2, 3, 4, 5]))
        elif label == "bug":
            text = str(rng.choice(_BUG)).format(a=area, A=area.capitalize())
            rating = int(rng.choice([1, 1, 2, 2, 3]))
        elif label == "praise":
            text = str(rng.choice(_PRAISE))
            rating = int(rng.choice([4, 5, 5]))
        elif label == "question":
            text = str(rng.choice(_QUESTION)).format(a=area)
            rating = int(rng.choice([3, 4, 5]))
        else:
            text = str(rng.choice(_OTHER))
            rating = int(rng.choice([2, 3, 4, 5]))
        text = _typos(text + filler, rng, typo_rate)
        out.append(SyntheticText(text, label, item, theme, rating if rng.random() < 0.7 else None))
    return out


def _typos(text: str, rng: np.random.Generator, rate: float) -> str:
    if rate <= 0:
        return text
    chars = list(text)
    for i in range(len(chars) - 1):
        if chars[i].isalpha() and chars[i + 1].isalpha() and rng.random() < rate:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def backlog_items() -> list[Item]:
    return [
        Item(key=key, title=title, description=desc, kind=ItemKind.FEATURE, tags=list(tags))
        for key, title, desc, tags, _ in TOPICS
    ]


def customers(n: int = 30, seed: int = 0) -> list[Customer]:
    """Customers with a heavy-tailed revenue (a few large accounts, many small ones)."""
    rng = np.random.default_rng(seed)
    segments = ("enterprise", "mid-market", "smb")
    out = []
    for i in range(n):
        revenue = float(np.round(rng.lognormal(10.5, 1.2), -2))
        segment = (
            segments[0] if revenue > 150_000 else segments[1] if revenue > 30_000 else segments[2]
        )
        tier = Tier.ENTERPRISE if segment == "enterprise" else Tier.GROWTH
        out.append(
            Customer(
                key=f"C{i + 1:03d}",
                name=f"Customer {i + 1} Inc.",
                segment=segment,
                annual_revenue=revenue,
                tier=tier,
            )
        )
    return out


def feedback_records(
    n: int,
    *,
    seed: int = 0,
    as_of: dt.date = dt.date(2026, 6, 30),
    days: int = 365,
    customer_keys: list[str] | None = None,
    confirmed_share: float = 0.0,
) -> tuple[list[Feedback], list[SyntheticText]]:
    """Feedback records spread over ``days`` before ``as_of``; some links confirmed."""
    rng = np.random.default_rng(seed + 1)
    texts = generate_texts(n, seed=seed)
    records = []
    for index, synthetic in enumerate(texts):
        day = as_of - dt.timedelta(days=int(rng.integers(days)))
        customer = str(rng.choice(customer_keys)) if customer_keys and rng.random() < 0.85 else None
        links = []
        if synthetic.item and rng.random() < confirmed_share:
            links.append(FeedbackLink(item=synthetic.item, confirmed=True))
        records.append(
            Feedback(
                key=f"FB-{index + 1}",
                text=synthetic.text,
                source=FeedbackSource.SUPPORT,
                customer=customer,
                date=day,
                rating=synthetic.rating,
                links=links,
            )
        )
    return records, texts
