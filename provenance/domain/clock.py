"""The one way the core spells "now"."""

from datetime import UTC, datetime


def now() -> str:
    """UTC time as ISO 8601 with seconds, the one spelling stored everywhere."""
    return datetime.now(UTC).isoformat(timespec="seconds")
