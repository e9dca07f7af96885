"""The domain keeps timestamps as naive UTC; every reader converts zoned ones the same way."""

from __future__ import annotations

import datetime as dt


def naive_utc(value: dt.datetime) -> dt.datetime:
    """A zoned timestamp as naive UTC; a naive one is taken to be UTC already and kept."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
