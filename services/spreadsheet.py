"""Generic spreadsheet handling for imports and exports, reusable by every area.

Import, in three steps:

1. ``read_upload(upload, columns)`` reads an uploaded .xlsx safely (size limit; the zip inspected before
   parsing, see services.upload_limits; at most ``max_rows`` rows, blank ones included, and ``MAX_COLUMNS``
   columns read; openpyxl in read-only/data-only mode) and returns one :class:`ParsedRow` per filled data row, each with its typed values
   and its Dutch errors as ``(column header, message)``. Every kind of bad file (not an .xlsx, a renamed CSV,
   an empty or damaged file, missing columns, too big, too many rows) raises :class:`SpreadsheetError` with
   one Dutch message that says what to fix.
2. ``stage(kind, user, file_name, rows)`` keeps the rows server-side (MongoDB, with expiry) and returns the
   staged upload; its ``token`` goes into the preview page, never the rows themselves into the session.
3. ``load_staged(kind, user, token)`` gives them back (only to the same user, only before expiry);
   ``discard_staged(staged)`` removes them after the import.

Export: ``write_xlsx(headers, rows)`` (typed cells, write-only mode, dates as real Excel dates shown
dd-mm-jjjj) and ``write_csv(headers, rows)`` (``;``-separated, UTF-8 with BOM for Dutch Excel). Both make
sure no value is run as a formula. ``build_template(columns, ...)`` writes an import template with the
required columns marked, input help, date validation and an instructions sheet.
"""

import csv
import functools
import io
import json
import re
import secrets
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from xml.parsers import expat

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.reader.strings import read_string_table
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.constants import SHEET_MAIN_NS

from services.clock import format_date, format_datetime, format_number, local_naive, local_today, utcnow
from services.text import fold
from services.upload_limits import TooManyRows, ZipLimitError, check_zip

DEFAULT_MAX_ROWS = 5000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Columns read per row; the templates have 8 to 12, and columns the import does not know are ignored anyway.
MAX_COLUMNS = 100
STAGE_TTL = timedelta(hours=2)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"

# Characters that make Excel (or LibreOffice) treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%y")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class SpreadsheetError(ValueError):
    """The uploaded file cannot be used at all; ``message`` says in Dutch what to fix."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Column:
    """One column of an import: its key in the values dict and how the template and reader treat it."""

    key: str
    header: str  # Dutch header as in the template (without the required mark)
    required: bool = False
    kind: str = "text"  # text | date | integer | email
    max_length: int | None = None
    help: str = ""  # input help shown in the template
    width: int = 20
    aliases: tuple = ()  # other headers accepted for this column

    @property
    def template_header(self):
        return f"{self.header} *" if self.required else self.header


@dataclass
class ParsedRow:
    """A data row of the sheet: its row number (header is row 1), typed values and Dutch errors."""

    number: int
    values: dict
    errors: list = field(default_factory=list)

    @property
    def valid(self):
        return not self.errors

    def error_text(self):
        return "; ".join(f"{col}: {msg}" if col else msg for col, msg in self.errors)


def _header_key(text):
    return fold(str(text or "").replace("*", ""))


# --- reading -------------------------------------------------------------------------------------------------


def _read_bytes(upload, max_bytes):
    if upload is None:
        raise SpreadsheetError("Kies eerst een Excelbestand (.xlsx) om te uploaden.")
    if isinstance(upload, (bytes, bytearray)):
        data = bytes(upload)
    else:
        stream = getattr(upload, "stream", upload)
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(
            f"Het bestand is te groot: maximaal {max_bytes // (1024 * 1024)} MB. "
            "Splits het bestand en importeer de delen na elkaar."
        )
    return data


NOT_XLSX = (
    "Dit bestand is geen geldig Excelbestand (.xlsx){why}. Download het sjabloon, vul het in met Excel "
    "en sla het op als Excel-werkmap (.xlsx)."
)


def too_many_rows(max_rows):
    """The refusal of a sheet longer than max_rows; blank rows count, because each one is read."""
    return SpreadsheetError(
        f"Het werkblad heeft meer dan {format_number(max_rows)} rijen onder de kolomnamen (lege rijen tellen "
        f"mee). Importeer maximaal {format_number(max_rows)} rijen per keer: verwijder lege rijen onder de "
        "gegevens of splits het bestand."
    )


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that does not look for its size when it is opened.

    openpyxl reads a sheet's ``<dimension>`` at opening, and when the sheet has none (files written by openpyxl
    itself, our own exports included) it parses the whole sheet to find out: every sheet of the workbook, the
    one we read included, is then parsed once more than needed. We never use that size (it is not trusted: it can
    claim 16,384 columns): ``read_upload`` always passes its own bounds.
    """

    def _get_size(self):
        pass


SHARED_STRING_NAMES = tuple(f"{SHEET_MAIN_NS}}}{tag}" for tag in ("sst", "si", "t"))


class _NotPlain(Exception):
    """The shared strings table holds more than plain <si><t> items: openpyxl's own reader takes it."""


def _not_plain(*_args):
    raise _NotPlain


def _plain_shared_strings(data):
    """The shared strings of a table of plain items, exactly as openpyxl's read_string_table reads them.

    Excel writes one <si><t>text</t></si> per text. openpyxl turns each item into a Text object through its
    descriptor machinery and walks ElementTree's pure-Python parser (defusedxml needs that one), which costs about
    as much as reading every cell of the sheet. Here expat reports the elements straight to three small handlers.
    Anything beyond plain items (rich text runs, phonetic text, a second <t>, comments, processing instructions,
    a DTD, an element elsewhere, any XML error) raises _NotPlain or ExpatError, and the caller hands the whole
    table to openpyxl's reader, which then decides (and refuses) exactly as before.
    """
    sst, si, t = SHARED_STRING_NAMES
    strings = []
    chunks = []
    depth = 0
    has_text = False

    def start(name, attributes):
        nonlocal depth, has_text
        depth += 1
        if depth == 3 and name == t and not has_text:
            has_text = True
            return
        # openpyxl hands an <si>'s attributes to Text(): t="x" becomes its text, an unknown one a refusal.
        if depth == 2 and name == si and not attributes:
            has_text = False
            chunks.clear()
            return
        if depth != 1 or name != sst:
            raise _NotPlain

    def end(_name):
        nonlocal depth
        if depth == 2:
            # Text.content joined with openpyxl's own clean-up of Excel's escaped underscore.
            strings.append("".join(chunks).replace("x005F_", ""))
        depth -= 1

    def text(data):
        if depth == 3:
            chunks.append(data)

    parser = expat.ParserCreate(None, "}")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.CommentHandler = _not_plain
    parser.ProcessingInstructionHandler = _not_plain
    parser.StartDoctypeDeclHandler = _not_plain
    parser.Parse(data, True)
    return strings


def read_shared_strings(data):
    """The workbook's shared strings (bytes of xl/sharedStrings.xml): openpyxl's read_string_table, quicker."""
    try:
        return _plain_shared_strings(data)
    except (_NotPlain, expat.ExpatError):
        return read_string_table(io.BytesIO(data))


class _Reader(ExcelReader):
    """openpyxl's reader in read-only mode, with worksheets that skip the size scan (chart sheets left out)."""

    def read_strings(self):
        # As ExcelReader.read_strings without rich text (never asked for here), with the quicker table reader.
        content_type = self.package.find(SHARED_STRINGS)
        if content_type is not None:
            self.shared_strings = read_shared_strings(self.archive.read(content_type.PartName[1:]))

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def _load_read_only(data):
    """load_workbook(read_only=True, data_only=True), minus the size scan of every sheet."""
    reader = _Reader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read()
    return reader.wb


def open_workbook(data, file_name=None, *, max_rows=None):
    """Open .xlsx bytes read-only, or raise SpreadsheetError for any kind of bad file."""
    name = (file_name or "").lower()
    if not data:
        raise SpreadsheetError("Het bestand is leeg. Kies het ingevulde sjabloon (.xlsx).")
    if name and not name.endswith(".xlsx"):
        ext = name.rsplit(".", 1)[-1] if "." in name else ""
        why = f": het is een .{ext}-bestand" if ext else ""
        if ext == "csv":
            why = ": een CSV-bestand kan niet worden ingelezen"
        elif ext == "xls":
            why = ": het oude .xls-formaat wordt niet ondersteund"
        raise SpreadsheetError(NOT_XLSX.format(why=why))
    if not data.startswith(b"PK"):
        raise SpreadsheetError(
            NOT_XLSX.format(why=": de inhoud is geen Excel-werkmap (misschien een hernoemd CSV- of tekstbestand)")
        )
    try:
        check_zip(data, max_rows=max_rows)
    except TooManyRows:
        raise too_many_rows(max_rows) from None
    except ZipLimitError as exc:
        raise SpreadsheetError(exc.message) from None
    try:
        return _load_read_only(data)
    except (
        zipfile.BadZipFile,
        KeyError,
        InvalidFileException,
        OSError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
    ):
        raise SpreadsheetError(NOT_XLSX.format(why=": het bestand is beschadigd of onvolledig")) from None
    except Exception:  # noqa: BLE001 - any parser failure of a user's file is a bad file, not a server error
        raise SpreadsheetError(NOT_XLSX.format(why=": het bestand kan niet worden gelezen")) from None


class DateError(ValueError):
    """A value that is no date; str() says in Dutch what is wrong and how to write it."""


# Looks like a date (dd-mm-jjjj, dd/mm/jj, jjjj-mm-dd, ...): when it still does not parse, the day does not exist.
DATE_SHAPE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.](\d{2}|\d{4})|\d{4}-\d{1,2}-\d{1,2}")
DUTCH_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")  # what strptime's %d-%m-%Y takes, ASCII digits
DATE_HINT = "gebruik dd-mm-jjjj, bijvoorbeeld 14-03-2007"


def parse_date(value):
    """Return a date for an Excel date or a dd-mm-jjjj text, or raise DateError with a Dutch message."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: an Excel serial day number.
        if 1 <= value < 2958466:
            return (datetime(1899, 12, 30) + timedelta(days=int(value))).date()
        raise DateError(f"'{value}' is geen geldige datum; {DATE_HINT}")
    text = str(value).strip()
    dutch = DUTCH_DATE.fullmatch(text)
    if dutch:
        # The usual dd-mm-jjjj, without strptime (several times slower); a day that does not exist goes on below.
        try:
            return date(int(dutch[3]), int(dutch[2]), int(dutch[1]))
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt == "%d-%m-%y" and parsed.year > local_today().year:
            parsed = parsed.replace(year=parsed.year - 100)
        return parsed
    if DATE_SHAPE.fullmatch(text):
        raise DateError(f"{text} bestaat niet; controleer de dag en de maand")
    raise DateError(f"'{text}' is geen geldige datum; {DATE_HINT}")


def _convert(column, raw):
    """Convert one cell to the column's type; return (value, error message or None)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if column.required:
            return None, "is verplicht maar leeg"
        return None, None
    if column.kind == "date":
        try:
            return parse_date(raw), None
        except DateError as exc:
            return None, str(exc)
        except (ValueError, OverflowError):
            return None, f"'{raw}' is geen geldige datum; {DATE_HINT}"
    if column.kind == "integer":
        try:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            return int(str(raw).strip().replace(".", "")) if isinstance(raw, str) else int(raw), None
        except ValueError:
            return None, f"'{raw}' is geen geheel getal"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, (datetime, date)):
        raw = format_date(raw)
    # Runs of whitespace to one space, trimmed: split() splits on the same characters as the pattern \s+.
    text = " ".join(str(raw).split())
    if column.max_length and len(text) > column.max_length:
        return None, f"is te lang (maximaal {column.max_length} tekens)"
    if column.kind == "email" and not EMAIL_RE.fullmatch(text):
        return None, f"'{text}' is geen geldig e-mailadres"
    return text, None


def _converter(column):
    """_convert for one column as a function of the cell alone, with a short way for text cells holding text."""
    if column.kind not in ("text", "email"):
        return functools.partial(_convert, column)
    missing = "is verplicht maar leeg" if column.required else None
    limit = column.max_length
    too_long = f"is te lang (maximaal {limit} tekens)"
    email = column.kind == "email"

    def convert(raw):
        if raw.__class__ is not str:
            return _convert(column, raw)
        text = " ".join(raw.split())  # the same as _convert's tidying, for a cell that is text already
        if not text:
            return None, missing
        if limit and len(text) > limit:
            return None, too_long
        if email and not EMAIL_RE.fullmatch(text):
            return None, f"'{text}' is geen geldig e-mailadres"
        return text, None

    return convert


def read_upload(
    upload, columns, *, file_name=None, sheet_name=None, max_rows=DEFAULT_MAX_ROWS, max_bytes=DEFAULT_MAX_BYTES
):
    """Read an uploaded .xlsx into ParsedRows (typed values, Dutch errors per row); raise SpreadsheetError."""
    if file_name is None:
        file_name = getattr(upload, "filename", None)
    data = _read_bytes(upload, max_bytes)
    workbook = open_workbook(data, file_name, max_rows=max_rows)
    try:
        try:
            if sheet_name and sheet_name in workbook.sheetnames:
                sheet = workbook[sheet_name]
            else:
                sheet = workbook.worksheets[0]
        except IndexError:
            raise SpreadsheetError("Het bestand bevat geen werkblad. Gebruik het sjabloon.") from None
        try:
            # Explicit bounds: the sheet's own `dimension` is not trusted (it can claim 16,384 columns, or fewer
            # rows than there are); one row past the limit is enough to know the file is too long.
            rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS, max_row=max_rows + 2)
            header = next(rows, None)
            return _parse_rows(header, rows, columns, max_rows)
        except SpreadsheetError:
            raise
        except Exception:  # noqa: BLE001 - a damaged sheet part surfaces only while iterating
            raise SpreadsheetError(NOT_XLSX.format(why=": het bestand is beschadigd of onvolledig")) from None
    finally:
        workbook.close()


def _blank(row):
    """Say whether a row holds nothing but empty cells and spaces (rows come padded to MAX_COLUMNS cells)."""
    if row is None or row.count(None) == len(row):
        return True
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _parse_rows(header, rows, columns, max_rows):
    if header is None or not any(c is not None and str(c).strip() for c in header):
        raise SpreadsheetError(
            "Het werkblad is leeg of de eerste rij bevat geen kolomnamen. Gebruik het sjabloon en laat de "
            "kolomnamen in de eerste rij staan."
        )
    wanted = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            wanted[_header_key(name)] = column
    positions = {}
    for index, cell in enumerate(header):
        column = wanted.get(_header_key(cell))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise SpreadsheetError(
            f"{'De kolom' if len(missing) == 1 else 'De kolommen'} {names} "
            f"{'ontbreekt' if len(missing) == 1 else 'ontbreken'} in de eerste rij. Gebruik het sjabloon "
            "en verander de kolomnamen niet."
        )
    parsed = []
    converters = [(column.key, column.header, positions.get(column.key), _converter(column)) for column in columns]
    for number, row in enumerate(rows, start=2):
        # Blank rows count too and reading stops here: 300,000 rows of spaces must not be read to the end.
        if number - 1 > max_rows:
            raise too_many_rows(max_rows)
        if _blank(row):
            continue
        values, errors = {}, []
        width = len(row)
        for key, header, index, convert in converters:
            value, error = convert(row[index] if index is not None and index < width else None)
            values[key] = value
            if error:
                errors.append((header, error))
        parsed.append(ParsedRow(number=number, values=values, errors=errors))
    if not parsed:
        raise SpreadsheetError(
            "Het bestand bevat geen rijen met gegevens onder de kolomnamen. Vul het sjabloon in en probeer het opnieuw."
        )
    return parsed


def mark_duplicates(rows, key, message):
    """Add `message` to every row whose key(values) repeats an earlier valid row's (duplicates inside a file)."""
    seen = {}
    for row in rows:
        k = key(row.values)
        if k is None:
            continue
        if k in seen:
            row.errors.append(("", message.format(row=seen[k])))
        else:
            seen[k] = row.number


# --- staging -------------------------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    raise TypeError(f"cannot stage {type(value).__name__}")


def _json_hook(obj):
    if len(obj) == 1:
        if "$d" in obj:
            return date.fromisoformat(obj["$d"])
        if "$dt" in obj:
            return datetime.fromisoformat(obj["$dt"])
    return obj


def _plain_rows(rows):
    plain = []
    for row in rows:
        if isinstance(row, ParsedRow):
            row = {"row": row.number, "values": row.values, "errors": [list(e) for e in row.errors]}
        plain.append(row)
    return plain


def encode_rows(rows):
    """Rows (dicts or ParsedRows) as compressed JSON bytes; dates and datetimes survive the round trip."""
    return _encode_plain(_plain_rows(rows))


def _encode_plain(plain):
    return zlib.compress(json.dumps(plain, default=_json_default, ensure_ascii=False).encode("utf-8"), 6)


def decode_rows(payload):
    """The rows that encode_rows stored."""
    return json.loads(zlib.decompress(payload).decode("utf-8"), object_hook=_json_hook)


def stage(kind, user, file_name, rows, *, institution=None, ttl=STAGE_TTL):
    """Keep parsed rows server-side until confirmed; return the StagedUpload (use its `token`, read `rows`)."""
    from documents.imports import StagedUpload

    rows = _plain_rows(rows)
    now = utcnow()
    staged = StagedUpload(
        kind=kind,
        token=secrets.token_urlsafe(24),
        user=user,
        institution=institution,
        file_name=(file_name or "")[:255],
        payload=_encode_plain(rows),
        row_count=len(rows),
        created_at=now,
        expires_at=now + ttl,
    )
    staged.save()
    # The rows as load_staged gives them back (plain dicts), without decoding what was just encoded.
    staged.rows = rows
    return staged


def load_staged(kind, user, token):
    """Return the staged upload for this user and kind (rows in `rows`), or None when gone or expired."""
    from documents.imports import StagedUpload

    if not token or not isinstance(token, str) or len(token) > 64:
        return None
    staged = StagedUpload.objects(kind=kind, token=token, user=user.pk).first()
    if staged is None or staged.expires_at < utcnow():
        return None
    staged.rows = decode_rows(staged.payload)
    return staged


def discard_staged(staged):
    """Remove a staged upload (after the import, or when the user cancels)."""
    type(staged).objects(pk=staged.pk).delete()


# --- writing -------------------------------------------------------------------------------------------------


def neutralise(value):
    """Return text that Excel will not run as a formula (a leading quote before = + - @ tab CR)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime):
        # Stored times are UTC; people read Dutch time, the same as on screen and in the CSV.
        value = local_naive(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = "DD-MM-YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD-MM-YYYY"
    elif isinstance(value, str):
        # Stored as a string cell whatever it starts with: Excel shows the exact text and never evaluates it.
        cell.data_type = "s"
    return cell


def write_xlsx(headers, rows, *, sheet_title="Export", widths=None):
    """Write rows (iterables of Python values) to .xlsx bytes: bold Dutch headers, typed cells, write-only mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(index - 1) if isinstance(widths, dict) else (widths[index - 1] if widths else None)
        sheet.column_dimensions[get_column_letter(index)].width = width or max(12, min(40, len(str(header)) + 4))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        cell.data_type = "s"
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return neutralise(str(value))


CSV_CHUNK_ROWS = 500  # rows per chunk sent to the client: small buffers, few writes


def iter_csv(headers, rows, *, chunk_rows=CSV_CHUNK_ROWS):
    """Yield CSV for Dutch Excel in chunks of bytes (`;`, UTF-8 BOM first, Dutch dates, no formulas).

    Rows may be a generator: nothing but one chunk is held, so a download streams at constant memory.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([neutralise(str(h)) for h in headers])
    pending = 0
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
        pending += 1
        if pending >= chunk_rows:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
            pending = 0
    if out.tell():
        yield out.getvalue().encode("utf-8")


def write_csv(headers, rows):
    """Write rows to CSV bytes for Dutch Excel: `;`-separated, UTF-8 with BOM, dates dd-mm-jjjj, no formulas."""
    return b"".join(iter_csv(headers, rows))


def export_body(fmt, headers, rows, *, sheet_title="Export"):
    """The one export writer: (body, mimetype) where a CSV body is a generator of chunks and XLSX is bytes.

    XLSX is written in openpyxl's write-only mode (rows are not kept as cells); a zip cannot be sent before it
    is complete, so the file (about 130 bytes a row) is built first.
    """
    if fmt == "csv":
        return iter_csv(headers, rows), CSV_MIMETYPE
    return write_xlsx(headers, rows, sheet_title=sheet_title), XLSX_MIMETYPE


def build_template(columns, *, sheet_title, instructions, rows=1000):
    """Write an import template: marked required columns, input help, date validation, an instructions sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.template_header)
        cell.font = Font(bold=True)
        cell.fill = required_fill if column.required else header_fill
        cell.alignment = Alignment(vertical="center")
        help_text = column.help or ""
        if column.required:
            help_text = ("Verplicht. " + help_text).strip()
        if help_text:
            cell.comment = Comment(help_text, "Praktijkloket", width=260, height=90)
        sheet.column_dimensions[letter].width = column.width
        cells = f"{letter}2:{letter}{rows + 1}"
        if column.kind == "date":
            validation = DataValidation(
                type="date",
                operator="between",
                formula1="DATE(1900,1,1)",
                formula2="TODAY()",
                allow_blank=not column.required,
                showErrorMessage=True,
                showInputMessage=True,
                errorTitle="Ongeldige datum",
                error="Vul een datum in als dd-mm-jjjj, bijvoorbeeld 14-03-2007.",
                promptTitle=column.header,
                prompt="Datum als dd-mm-jjjj",
            )
            sheet.add_data_validation(validation)
            validation.add(cells)
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=index).number_format = "DD-MM-YYYY"
        elif column.max_length:
            validation = DataValidation(
                type="textLength",
                operator="lessThanOrEqual",
                formula1=str(column.max_length),
                allow_blank=True,
                showErrorMessage=True,
                showInputMessage=bool(column.help),
                errorTitle="Te lang",
                error=f"Maximaal {column.max_length} tekens.",
                promptTitle=column.header[:32],
                prompt=(column.help or "")[:250],
            )
            sheet.add_data_validation(validation)
            validation.add(cells)
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    info = workbook.create_sheet("Instructies")
    info.column_dimensions["A"].width = 110
    for number, line in enumerate(instructions, start=1):
        cell = info.cell(row=number, column=1, value=neutralise(line))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=13)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def value_or_blank(value: Any):
    """Show a staged value in a preview: dates as dd-mm-jjjj, None as empty."""
    if isinstance(value, (date, datetime)):
        return format_date(value)
    return "" if value is None else value
