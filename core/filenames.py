"""Safe names for downloaded files and ZIP members, whatever the name of the participant in them."""

import re
from urllib.parse import quote

from core.text import fold

_NOT_SAFE = re.compile(r"[^A-Za-z0-9-]+")
_DASHES = re.compile(r"-{2,}")
# In the UTF-8 name: path separators, quotes and control characters could leave the folder or break the header.
_NOT_IN_NAME = re.compile(r'(?:[\x00-\x1f\x7f/\\:"*?<>|]|\.{2,})+')
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


def _split(name, default):
    stem, dot, ext = str(name or "").rpartition(".")
    if not dot or not _EXTENSION.match(ext.lower()):
        return str(name or "") or default, ""
    return stem, ext.lower()


def _ascii(text):
    # Letter by letter, so that capitals stay capitals (a statement number reads "PV-2026-000006").
    return "".join((fold(c) or "-").upper() if c.isupper() else (fold(c) or "-") for c in str(text or ""))


def safe_stem(text, default="bestand"):
    """Fold a text to ASCII and keep only [A-Za-z0-9-] ('Łukasz Nguyễn/../x' -> 'Lukasz-Nguyen-x')."""
    stem = _DASHES.sub("-", _NOT_SAFE.sub("-", _ascii(text))).strip("-")
    return stem or default


def safe_filename(name, default="bestand"):
    """An ASCII file name of [A-Za-z0-9-] plus its extension: fit for a header's filename and a ZIP member."""
    stem, ext = _split(name, default)
    stem = safe_stem(stem, default)
    return f"{stem}.{ext}" if ext else stem


def unicode_filename(name, default="bestand"):
    """The readable UTF-8 name without path separators, '..', quotes or control characters."""
    stem, ext = _split(name, default)
    stem = _NOT_IN_NAME.sub("-", stem).strip(" .-") or default
    return f"{stem}.{ext}" if ext else stem


def attachment(name):
    """A Content-Disposition value: an ASCII filename for every browser and the UTF-8 name (RFC 5987) besides."""
    return f"attachment; filename=\"{safe_filename(name)}\"; filename*=UTF-8''{quote(unicode_filename(name), safe='')}"
