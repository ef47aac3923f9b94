"""Limits for zip-based uploads (.xlsx): the archive is inspected before any parser unpacks it.

A 751 KB .xlsx can unpack to 300 MB of shared strings, and openpyxl reads every part it needs in full. So
``check_zip`` looks at the zip's own directory first (number of parts, declared sizes, compression ratio:
no decompression needed), then streams every part through expat in bounded chunks and counts what
openpyxl would build from it (shared strings, rows, elements per row or string). Only a file that passes goes on
to openpyxl. A zip that lies about its sizes is caught too: Python's zipfile never returns more than the
declared size and checks the CRC at the end, and the streaming counts the bytes it actually gets.
"""

import io
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
    """Stream one part through expat; return the running count of shared strings or raise ZipLimitError."""
    counts = {"strings": shared_strings, "rows": 0, "in_item": 0, "depth": 0, "item_depth": 0}
    too_many_strings = f"het bevat meer dan {format_number(MAX_SHARED_STRINGS)} verschillende teksten"
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
                raise _Stop(f"een rij of tekst bevat meer dan {format_number(MAX_ELEMENTS_PER_ITEM)} onderdelen")
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
