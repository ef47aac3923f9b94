"""Text normalisation for search on both MongoDB and mongomock (no $text, no collation)."""

import re
import unicodedata


def fold(text):
    """Lower-case, strip accents and collapse whitespace: 'Ünal  de Vries' -> 'unal de vries'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip().lower()


def tidy(text):
    """Collapse runs of whitespace and trim; None stays empty."""
    return re.sub(r"\s+", " ", text or "").strip()
