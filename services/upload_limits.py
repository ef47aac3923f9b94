"""Limits for zip-based uploads (.xlsx): the archive is inspected before any parser unpacks it.

A 751 KB .xlsx can unpack to 300 MB of shared strings, and openpyxl reads every part it needs in full. So
``check_zip`` looks at the zip's own directory first (number of parts, declared sizes, compression ratio:
no decompression needed), then streams every part in bounded chunks and counts what openpyxl would build from
it (shared strings, rows, elements per row or string). Only a file that passes goes on to openpyxl. A zip that
lies about its sizes is caught too: Python's zipfile never returns more than the declared size and checks the
CRC at the end, and the streaming counts the bytes it actually gets.

The counting runs at byte level for the parts Excel writes (UTF-8, no DTD, no comments, no CDATA, no
processing instructions): there every ``<`` opens a tag and no tag holds another ``<``, so element counts are
``bytes.count`` sums and only the row and string tags go through a regular expression. That is several times
cheaper than an XML parser that calls back into Python for every element. Any part that is not of that plain
kind (another encoding, a DTD, a comment, CDATA: things Excel does not write) is scanned by expat as before,
which refuses the DTD and counts exactly.
"""

import io
import re
import zipfile
from xml.parsers import expat

from services.clock import format_number

MB = 1024 * 1024
MAX_PARTS = 100  # an Excel workbook has 10 to 30; every part costs a parse
# openpyxl parses a whole sheet just to look for its size when the sheet does not state it (about 4 s for
# 16 MB), so the caps keep even a file that passes every count well inside the request timeout.
MAX_PART_BYTES = 10 * MB  # uncompressed, one part: 5,000 rows of 12 columns of text is about 4 MB
MAX_TOTAL_BYTES = 30 * MB  # uncompressed, all parts together
MAX_RATIO = 100  # uncompressed : compressed, for parts above RATIO_FLOOR; real sheets stay under 25
RATIO_FLOOR = 1 * MB
MAX_SHARED_STRINGS = 100_000  # 5,000 rows x 12 columns of distinct text is 60,000
MAX_ELEMENTS_PER_ITEM = 5_000  # XML elements in one row or one shared string (openpyxl holds each whole)
CHUNK = 256 * 1024

_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"
_TOO_MANY_STRINGS = f"het bevat meer dan {format_number(MAX_SHARED_STRINGS)} verschillende teksten"
_TOO_MANY_ELEMENTS = f"een rij of tekst bevat meer dan {format_number(MAX_ELEMENTS_PER_ITEM)} onderdelen"
_ITEMS = frozenset({"row", "si"})


class ZipLimitError(ValueError):
    """An upload that is refused before parsing; ``message`` says in Dutch what to do."""

    def __init__(self, reason):
        self.message = (
            f"Dit Excelbestand wordt om veiligheidsredenen niet ingelezen: {reason}. Een ingevuld sjabloon komt "
            "nooit in de buurt van die grens; sla het bestand opnieuw op als Excel-werkmap (.xlsx) met alleen de "
            "gegevens, of splits het in kleinere bestanden."
        )
        super().__init__(self.message)


class TooManyRows(ZipLimitError):
    """A sheet has more rows (blank ones included) than the caller reads; the caller words the message."""


class _Stop(Exception):
    """Raised from an expat handler to end the scan of a part at once."""

    def __init__(self, reason, error=ZipLimitError):
        super().__init__(reason)
        self.reason = reason
        self.error = error


def _mb(size):
    return f"{format_number(size // MB)} MB"


def check_zip(data, *, max_rows=None):
    """Raise ZipLimitError when zip bytes exceed a limit; leave damaged zips to the caller's parser.

    With ``max_rows``, a sheet with more than that many rows below its first row raises TooManyRows.
    """
    # Each part has one central directory entry with this signature, which zipfile checks; counting the
    # bytes bounds the parts before zipfile builds an object for each of them.
    if data.count(_CENTRAL_DIRECTORY_ENTRY) > MAX_PARTS:
        raise ZipLimitError(f"het bestaat uit meer dan {MAX_PARTS} onderdelen")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not our concern here: the parser reports a damaged file in its own words
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise ZipLimitError(f"het bestaat uit meer dan {MAX_PARTS} onderdelen")
        total = 0
        for info in infos:
            if info.file_size > MAX_PART_BYTES:
                raise ZipLimitError(f"een onderdeel is uitgepakt groter dan {_mb(MAX_PART_BYTES)}")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise ZipLimitError(f"uitgepakt is het groter dan {_mb(MAX_TOTAL_BYTES)}")
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ZipLimitError(f"een onderdeel is meer dan {MAX_RATIO} keer samengeperst")
        shared_strings = 0
        for info in infos:
            shared_strings = _scan_part(archive, info, shared_strings, max_rows)


def _scan_part(archive, info, shared_strings, max_rows):
    """Count one part (bytes when it is plain, else expat); return the running count of shared strings."""
    counted = _scan_part_bytes(archive, info, shared_strings, max_rows)
    if counted is _NOT_PLAIN:
        return _scan_part_expat(archive, info, shared_strings, max_rows)
    return counted


# The XML declaration and the encodings in which every ASCII character is its own byte and no other byte is '<'.
_DECLARATION_END = b"?>"
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_PLAIN_ENCODINGS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})
# The tags that matter: start, end or empty tag of row, si or sst, with or without a namespace prefix. Attribute
# values may hold '>' and '/', so they are matched whole (quoted). '<' is allowed in neither: a broken tag ends at
# the next '<', so a file of unclosed tags costs one pass, not one pass per tag. The quantifiers are possessive:
# a tag that never closes fails at once instead of backtracking through every character it read (10 MB of
# '<row aaa...' took 4 s and 2 GB with the plain ones, 0.03 s with these).
_ATTRIBUTES = rb"""([^<>"']*+(?:(?:"[^<"]*+"|'[^<']*+')[^<>"']*+)*+)>"""
_TOKEN = re.compile(rb"<(/?)(row|si|sst)(?=[\s/>])" + _ATTRIBUTES)
# The same with a namespace prefix (<x:row>), which some tools write: three times slower, so only when needed.
_PREFIXED_TOKEN = re.compile(rb"""<(/?)(?:[^\s<>/!?:="']+:)?(row|si|sst)(?=[\s/>])""" + _ATTRIBUTES)
_PREFIXED_NAMES = (b":row", b":si", b":sst")
_DECLARED_COUNT = re.compile(rb"""(?:uniqueCount|count)\s*=\s*["'](\d+)["']""")
_NOT_PLAIN = object()
_HEAD = 1024  # the declaration is looked for in at least this much


class _Counts:
    """What the byte scan of one part carries from one chunk to the next."""

    __slots__ = ("strings", "rows", "nest", "inside", "row_limit", "max_rows")

    def __init__(self, strings, max_rows):
        self.strings = strings
        self.rows = 0
        self.nest = 0  # row/si/sst tags open inside the current item, the item itself included; 0: outside
        self.inside = 0  # elements counted inside the current item
        self.max_rows = max_rows
        self.row_limit = None if max_rows is None else max_rows + 1  # the first row holds the column names


def _plain_start(head):
    """Where the markup after the XML declaration begins in a part's first chunk, or None when it is not plain."""
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    if head.startswith(b"<?xml", start):
        end = head.find(_DECLARATION_END, start)
        if end == -1:
            return None
        encoding = _ENCODING.search(head, start, end)
        if encoding is not None and encoding.group(1).lower() not in _PLAIN_ENCODINGS:
            return None
        return end + len(_DECLARATION_END)
    # No declaration: plain only when it opens with a tag name right away (UTF-16 has a zero byte there).
    second = head[start + 1 : start + 2]
    if head[start : start + 1] == b"<" and (second.isalpha() or second in (b"_", b":")):
        return start
    return None


def _scan_part_bytes(archive, info, shared_strings, max_rows):
    """Count one plain part at byte level; return the running count of shared strings, or _NOT_PLAIN."""
    counts = _Counts(shared_strings, max_rows)
    read = 0
    try:
        with archive.open(info) as part:
            head = part.read(max(CHUNK, _HEAD))
            read = len(head)
            start = _plain_start(head)
            if start is None:
                return _NOT_PLAIN
            # Process up to the last '<' of what was read and keep the rest: no tag is ever cut in two, because
            # no tag holds a '<'. Without a '<' in a chunk (a long text) the rest grows, within the part's cap.
            rest = [head[start:]]
            while True:
                chunk = part.read(CHUNK)
                if not chunk:
                    if not _count_region(b"".join(rest), counts):
                        return _NOT_PLAIN
                    break
                read += len(chunk)
                if read > MAX_PART_BYTES:
                    raise ZipLimitError(f"een onderdeel is uitgepakt groter dan {_mb(MAX_PART_BYTES)}")
                cut = chunk.rfind(b"<")
                if cut == -1:
                    rest.append(chunk)
                    continue
                rest.append(chunk[:cut])
                if not _count_region(b"".join(rest), counts):
                    return _NOT_PLAIN
                rest = [chunk[cut:]]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        if isinstance(exc, ZipLimitError):
            raise
        return counts.strings  # a damaged or lying entry fails again, in openpyxl, as a damaged file
    return counts.strings


def _count_region(region, counts):
    """Count the tags of complete markup; False when it holds anything but plain tags and text."""
    if b"<!" in region or b"<?" in region:
        return False  # a DTD, comment, CDATA or processing instruction: expat reads this part
    count = region.count
    pos = 0
    tokens = _PREFIXED_TOKEN if any(name in region for name in _PREFIXED_NAMES) else _TOKEN
    for token in tokens.finditer(region):
        closing, name, attributes = token.groups()
        if counts.nest:
            # Every '<' between here and the last row/si tag opens or closes a tag: opens are elements. When an
            # item ends, a span too short to hold the rest of the limit (3 bytes or more per element) is not
            # counted: almost every row and string.
            start = token.start()
            if not closing or counts.nest > 1 or counts.inside + (start - pos) // 3 > MAX_ELEMENTS_PER_ITEM:
                counts.inside += count(b"<", pos, start) - count(b"</", pos, start)
        pos = token.end()
        if closing:
            if counts.nest:
                counts.nest -= 1
        else:
            empty = attributes.endswith(b"/")
            if counts.nest:
                counts.inside += 1
                if not empty:
                    counts.nest += 1
            elif name != b"sst" and not empty:
                counts.nest = 1
                counts.inside = 0
            if name == b"row":
                # Blank rows count as well: openpyxl reads each of them.
                counts.rows += 1
                if counts.row_limit is not None and counts.rows > counts.row_limit:
                    raise TooManyRows(f"een werkblad heeft meer dan {format_number(counts.max_rows)} rijen")
            elif name == b"si":
                counts.strings += 1
                if counts.strings > MAX_SHARED_STRINGS:
                    raise ZipLimitError(_TOO_MANY_STRINGS)
            else:
                # The table states its size up front: refuse at once; the count checks that it told the truth.
                for declared in _DECLARED_COUNT.findall(attributes):
                    if int(declared) > MAX_SHARED_STRINGS:
                        raise ZipLimitError(_TOO_MANY_STRINGS)
        if counts.inside > MAX_ELEMENTS_PER_ITEM:
            raise ZipLimitError(_TOO_MANY_ELEMENTS)
    if counts.nest:
        counts.inside += count(b"<", pos) - count(b"</", pos)
        if counts.inside > MAX_ELEMENTS_PER_ITEM:
            raise ZipLimitError(_TOO_MANY_ELEMENTS)
    return True


def _scan_part_expat(archive, info, shared_strings, max_rows):
    """Stream one part through expat; return the running count of shared strings or raise ZipLimitError."""
    counts = {"strings": shared_strings, "rows": 0, "in_item": 0, "depth": 0, "item_depth": 0}
    too_many_strings = _TOO_MANY_STRINGS
    row_limit = None if max_rows is None else max_rows + 1  # the first row holds the column names

    def start(name, attributes):
        counts["depth"] += 1
        local = name.rpartition("}")[2]
        if local == "sst":
            # The table states its size up front: refuse at once; the count below checks that it told the truth.
            for key in ("uniqueCount", "count"):
                declared = attributes.get(key, "")
                if declared.isdigit() and int(declared) > MAX_SHARED_STRINGS:
                    raise _Stop(too_many_strings)
        if counts["item_depth"]:
            counts["in_item"] += 1
            if counts["in_item"] > MAX_ELEMENTS_PER_ITEM:
                raise _Stop(_TOO_MANY_ELEMENTS)
        elif local in _ITEMS:
            counts["item_depth"] = counts["depth"]
            counts["in_item"] = 0
        if local == "row" and row_limit is not None:
            # Blank rows count as well: openpyxl reads each of them.
            counts["rows"] += 1
            if counts["rows"] > row_limit:
                raise _Stop(f"een werkblad heeft meer dan {format_number(max_rows)} rijen", TooManyRows)
        if local == "si":
            counts["strings"] += 1
            if counts["strings"] > MAX_SHARED_STRINGS:
                raise _Stop(too_many_strings)

    def end(_name):
        if counts["depth"] == counts["item_depth"]:
            counts["item_depth"] = 0
        counts["depth"] -= 1

    def refuse_dtd(*_args):
        raise _Stop("het bevat een DTD of entiteiten, die in een Excelbestand niet voorkomen")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    read = 0
    try:
        with archive.open(info) as part:
            while chunk := part.read(CHUNK):
                read += len(chunk)
                if read > MAX_PART_BYTES:
                    raise _Stop(f"een onderdeel is uitgepakt groter dan {_mb(MAX_PART_BYTES)}")
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop as stop:
        raise stop.error(stop.reason) from None
    except expat.ExpatError:
        pass  # not XML (an image) or broken XML: openpyxl reads the parts it needs and reports a broken one
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        pass  # a damaged or lying entry fails again, in openpyxl, as a damaged file
    return counts["strings"]
