"""Text normalisation and checks shared by documents, services and views (no $text, no collation needed)."""

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus accents, folded the way people type them
# on a Dutch keyboard. Lower-case only: fold() case-folds first.
_LETTERS = {
    "ı": "i",  # Turkish dotless i (İ case-folds to i + a combining dot, which is stripped)
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ħ": "h",
    "ŧ": "t",
    "ŋ": "n",
    "ĸ": "k",
    "ſ": "s",
    "ɨ": "i",
    "ƚ": "l",
    "ɗ": "d",
    "ƴ": "y",
    "ƙ": "k",
    # Apostrophes and hyphens come in several shapes depending on the keyboard or the word processor.
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}
_LETTER_TABLE = str.maketrans(_LETTERS)
_WHITESPACE = re.compile(r"\s+")


# For plain ASCII text fold() comes down to this (no accents, no format characters; controls go): 2x faster.
_ASCII_FOLD = str.maketrans(
    {
        **{k: v for k, v in _LETTERS.items() if k.isascii()},
        **{chr(c): None for c in (*range(32), 127) if c not in (9, 10, 13)},
    }
)


def _fold_chars(text):
    """fold() before its whitespace is collapsed: case folded, accents and format characters gone, letters mapped.

    Every step works on one character at a time (casefold() has no context, NFKD only reorders the combining
    marks that are dropped anyway), so the fold of a text is the fold of its characters one after the other:
    that is what lets fold() use a translate table.
    """
    # casefold() turns ß into ss; NFKD splits accents (and ligatures such as ĳ, ﬁ) off their base letters.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Accents and invisible format characters go; tab and line breaks stay (as word separators).
    stripped = "".join(
        c
        for c in decomposed
        if c in "\t\n\r" or not (unicodedata.combining(c) or unicodedata.category(c) in ("Cf", "Cc"))
    )
    return stripped.translate(_LETTER_TABLE)


_FOLD_TABLE_MAX = 20_000  # characters remembered; a file of every Unicode character must not grow it without end


class _FoldTable(dict):
    """code point -> its fold, worked out the first time str.translate asks for it."""

    def __missing__(self, code):
        folded = _fold_chars(chr(code))
        if len(self) < _FOLD_TABLE_MAX:
            self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text):
    """Return the search form of a text: case, accents and letter variants folded ('Ömer Yıldız' -> 'omer yildiz')."""
    if not text:
        return ""
    if isinstance(text, str) and text.isascii():
        return _WHITESPACE.sub(" ", text.lower().translate(_ASCII_FOLD)).strip()
    # One C-level pass over the characters instead of normalising the whole text and testing each character.
    return _WHITESPACE.sub(" ", str(text).translate(_FOLD_TABLE)).strip()


_PUNCTUATION = re.compile(r"[\W_]+")


def word_tokens(*texts):
    """The folded words of these texts for an anchored word search (services.participants.search_filter).

    A word with punctuation in it (an e-mail address, "Jansen-de") is kept whole and also from each punctuation
    mark on, with and without the mark: "mbo@school.example" is found by "mbo", "@school.ex", "school.example"
    and "example", as a text search would, but only from the start of a word or of such a part.
    """
    tokens = set()
    for text in texts:
        for word in fold(text).split():
            tokens.add(word)
            for mark in _PUNCTUATION.finditer(word):
                tokens.update(t for t in (word[mark.start() :], word[mark.end() :]) if t)
    return sorted(tokens)


def tidy(text):
    """Collapse runs of whitespace and trim; None stays empty."""
    # split() and the pattern \s+ know the same whitespace (str.isspace), and split() is quicker.
    return " ".join(text.split()) if text else ""


# Characters that change how text is shown without being visible themselves: direction marks, embeddings,
# overrides and isolates, zero-width characters and the byte-order mark. They can make a printed statement
# read differently from what is stored, so printed fields refuse them (together with every other format or
# control character).
HIDDEN_CHARACTERS = frozenset(
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space, non-joiner, joiner; left-to-right and right-to-left mark
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2060\u2066\u2067\u2068\u2069"  # word joiner, isolates
    "\u061c\ufeff"  # Arabic letter mark, byte-order mark / zero-width no-break space
)


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ASCII_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Characters found visible by the full check below (never tab or a line break: those depend on the field).
_SEEN_VISIBLE = set()
_SEEN_VISIBLE_MAX = 20_000


def hidden_character(text, *, multiline=False):
    """Return the first invisible or direction-changing character in the text, or None.

    Tab and line breaks are allowed only where the field is multi-line.
    """
    if not text:
        return None
    if isinstance(text, str) and text.isascii():
        # The only hidden characters ASCII has are its control characters: one regular expression, not a loop.
        found = (_ASCII_CONTROL_MULTILINE if multiline else _ASCII_CONTROL).search(text)
        return found[0] if found else None
    text = str(text)
    if _SEEN_VISIBLE.issuperset(text):
        # Every character already checked and found visible in either mode (a C-level test, no loop here).
        return None
    allowed = "\t\n\r" if multiline else ""
    for char in text:
        if char in allowed:
            continue
        if char in HIDDEN_CHARACTERS or unicodedata.category(char) in ("Cf", "Cc", "Co", "Cs", "Zl", "Zp"):
            return char
        if len(_SEEN_VISIBLE) < _SEEN_VISIBLE_MAX:
            _SEEN_VISIBLE.add(char)
    return None


def hidden_character_message(label):
    """The Dutch message for a field holding an invisible or direction-changing character."""
    what = "de naam" if "naam" in label.lower() or label in ("Tussenvoegsel", "Voorletters") else "de tekst"
    return f"{label} bevat een onzichtbaar of tekenrichting-wijzigend teken; typ {what} opnieuw."


def hidden_character_errors(values, labels, multiline=()):
    """Check printed text fields; return {field: Dutch message} for each one holding a hidden character.

    `values` is a document or a dict; `labels` maps field name -> Dutch label; `multiline` names the fields
    where tab and line breaks are allowed.
    """
    errors = {}
    for field, label in labels.items():
        value = values.get(field) if isinstance(values, dict) else getattr(values, field, None)
        if isinstance(value, str) and hidden_character(value, multiline=field in multiline):
            errors[field] = hidden_character_message(label)
    return errors


_CHOICE = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")


def counted(text, count):
    """Fill a message for a count: "{n} {deelnemer|deelnemers} verwijderd." -> "1 deelnemer verwijderd."

    The number is written the Dutch way (1.200). The same notation is filled in the browser for confirmations
    (static/lists.js), so one string serves both.
    """
    from core.clock import format_number

    text = _CHOICE.sub(lambda m: m.group(1) if count == 1 else m.group(2), text)
    return text.replace("{n}", format_number(count))
