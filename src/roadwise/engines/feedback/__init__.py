"""Customer feedback intelligence: duplicates, kinds and sentiment, links to backlog items,
themes and their trends, and revenue-weighted demand with intervals.

Pure functions and small model objects over domain objects; text goes through a
:class:`~roadwise.engines.feedback.text.TextBackend` (lexical TF-IDF by default, sentence
embeddings when the ``roadwise[nlp]`` extra is installed).
"""

from roadwise.engines.feedback.classify import (
    LABELS,
    SENTIMENTS,
    FeedbackClassifier,
    LabelSuggestion,
    Prediction,
    lexicon_scores,
    sentiment,
    suggest_labels,
)
from roadwise.engines.feedback.demand import (
    Demand,
    compute_demand,
    external_inputs,
    ranking_groups,
)
from roadwise.engines.feedback.duplicates import (
    DuplicateGroups,
    find_duplicates,
    group_of,
    minhash_signatures,
    near_duplicate_groups,
    normalise_text,
    similar_pairs,
)
from roadwise.engines.feedback.link import (
    DEFAULT_THRESHOLDS,
    LinkCandidate,
    Linker,
    item_document,
    suggest_links,
)
from roadwise.engines.feedback.pipeline import (
    FeedbackAnalysis,
    FeedbackSettings,
    ItemEvidence,
    ThemeSummary,
    analyse_feedback,
    label_counts,
    quote,
    theme_to_item,
    updated_feedback,
)
from roadwise.engines.feedback.text import EncoderBackend, LexicalBackend, TextBackend
from roadwise.engines.feedback.themes import (
    FoundTheme,
    RateTest,
    ThemeModel,
    benjamini_hochberg,
    choose_theme_count,
    find_themes,
    rate_change,
    source_template_words,
    theme_texts,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "LABELS",
    "SENTIMENTS",
    "Demand",
    "DuplicateGroups",
    "EncoderBackend",
    "FeedbackAnalysis",
    "FeedbackClassifier",
    "FeedbackSettings",
    "FoundTheme",
    "ItemEvidence",
    "LabelSuggestion",
    "LexicalBackend",
    "LinkCandidate",
    "Linker",
    "Prediction",
    "RateTest",
    "TextBackend",
    "ThemeModel",
    "ThemeSummary",
    "analyse_feedback",
    "benjamini_hochberg",
    "choose_theme_count",
    "compute_demand",
    "external_inputs",
    "find_duplicates",
    "find_themes",
    "group_of",
    "item_document",
    "label_counts",
    "lexicon_scores",
    "minhash_signatures",
    "near_duplicate_groups",
    "normalise_text",
    "quote",
    "ranking_groups",
    "rate_change",
    "sentiment",
    "similar_pairs",
    "source_template_words",
    "suggest_labels",
    "suggest_links",
    "theme_texts",
    "theme_to_item",
    "updated_feedback",
]
