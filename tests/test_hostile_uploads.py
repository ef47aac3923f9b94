"""Hostile uploads (issue 11 items 1, 2, 7, 8): each file is built here, refused in Dutch, fast, and stores nothing."""

import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest

from documents.companies import Company
from documents.imports import StagedUpload
from documents.institutions import Institution
from documents.participants import Participant
from documents.qualifications import PendingQualificationUpload
from documents.statements import BranchOrganisation, PracticeStatement
from services import participant_import, spreadsheet, upload_limits
from services import qualification_import as quals
from services import statements as statement_svc
from services.images import MAX_SOURCE_PIXELS, ImageError, process_logo
from tests.statement_helpers import participant_at, ready_concept, user

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
MAIN = "http://schemas.openxmlformats.org/"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="' + MAIN + 'package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + MAIN + 'package/2006/relationships">'
    '<Relationship Id="rId1" Type="' + MAIN + 'officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="{MAIN}officeDocument/2006/relationships">'
    '<sheets><sheet name="Deelnemers" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + MAIN + 'package/2006/relationships">'
    '<Relationship Id="rId1" Type="' + MAIN + 'officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="' + MAIN + 'officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
HEADERS = ["Voornaam", "Tussenvoegsel", "Achternaam", "Geboortedatum"]
HEADER_ROW = (
    '<row r="1">'
    + "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS))
    + "</row>"
)


def sheet(rows_xml, dimension=""):
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dimension}<sheetData>{rows_xml}</sheetData></worksheet>'


def shared_strings(items):
    body = "".join(f"<si><t>{s}</t></si>" for s in items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{len(items)}" uniqueCount="{len(items)}">{body}</sst>'
    )


def workbook(sheet_xml=None, strings_xml=None, *, extra=(), stored=()):
    """A hand-made .xlsx; `extra` is (name, bytes or chunk iterator) parts, `stored` names parts not compressed."""
    parts = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet_xml or sheet(HEADER_ROW)),
        ("xl/sharedStrings.xml", strings_xml or shared_strings([" "])),
        *extra,
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts:
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            if isinstance(content, (str, bytes)):
                archive.writestr(zipfile.ZipInfo(name), content, compress_type=method)
                continue
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            with archive.open(info, "w", force_zip64=True) as part:  # streamed: the bomb never sits in memory
                for chunk in content:
                    part.write(chunk)
    return out.getvalue()


def refused_quickly(call, error, seconds=1.0, megabytes=50):
    """Run call under tracemalloc; assert it raises `error` within `seconds` and peaks below `megabytes`."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(error) as caught:
            call()
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < megabytes * 1024 * 1024, f"peaked at {peak / 1024 / 1024:.0f} MB"
    return caught.value


def preview_refused(data, fragment):
    """The participant import refuses the file quickly with `fragment` in its message and stages nothing."""
    staff = user("mbo@school.example")
    before = (Participant.objects.count(), StagedUpload.objects.count())
    error = refused_quickly(
        lambda: participant_import.preview(staff, data, "deelnemers.xlsx"), spreadsheet.SpreadsheetError
    )
    assert fragment in error.message
    assert (Participant.objects.count(), StagedUpload.objects.count()) == before
    return error.message


# --- 1. zip bombs --------------------------------------------------------------------------------------------


def bomb_strings(megabytes):
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst {NS}>'.encode()
    block = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    for _ in range(megabytes * 1024 * 1024 // len(block)):
        yield block
    yield b"</sst>"


def test_a_shared_strings_bomb_is_refused_before_openpyxl_unpacks_it(app):
    data = workbook(strings_xml=bomb_strings(60))
    assert len(data) < 1024 * 1024  # a small upload that unpacks to 60 MB
    message = preview_refused(data, "veiligheidsredenen")
    assert "groter dan 10 MB" in message and "splits" in message


def test_a_highly_compressed_part_is_refused(app):
    filler = [b"<a>", b"<b/>" * 700_000, b"</a>"]  # 2.8 MB that packs into a few KB
    preview_refused(workbook(extra=[("docProps/custom.xml", filler)]), "meer dan 100 keer samengeperst")


def test_too_many_shared_strings_are_refused_by_their_declared_count(app):
    # Stored, not compressed: the size and ratio pass, only the count of <si> stops it.
    strings = shared_strings([f"s{n}" for n in range(upload_limits.MAX_SHARED_STRINGS + 1)])
    data = workbook(strings_xml=strings, stored={"xl/sharedStrings.xml"})
    assert len(data) < participant_import.MAX_BYTES
    preview_refused(data, "meer dan 100.000 verschillende teksten")


def test_too_many_shared_strings_are_counted_when_the_file_understates_them(app):
    strings = shared_strings([f"s{n}" for n in range(upload_limits.MAX_SHARED_STRINGS + 1)])
    strings = strings.replace('count="100001" uniqueCount="100001"', 'count="1" uniqueCount="1"')
    data = workbook(strings_xml=strings, stored={"xl/sharedStrings.xml"})
    with pytest.raises(spreadsheet.SpreadsheetError, match="meer dan 100.000 verschillende teksten"):
        participant_import.preview(user("mbo@school.example"), data, "deelnemers.xlsx")
    assert StagedUpload.objects.count() == 0


def test_too_many_parts_are_refused(app):
    extra = [(f"xl/extra/part{n}.xml", "<a/>") for n in range(upload_limits.MAX_PARTS)]
    preview_refused(workbook(extra=extra), "meer dan 100 onderdelen")


def test_a_row_with_thousands_of_cells_is_refused(app):
    wide = '<row r="2">' + '<c t="s"><v>0</v></c>' * 3000 + "</row>"
    preview_refused(workbook(sheet(HEADER_ROW + wide)), "meer dan 5.000 onderdelen")


def test_a_dtd_inside_a_part_is_refused(app):
    strings = f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]><sst {NS}><si><t>&a;</t></si></sst>'
    preview_refused(workbook(strings_xml=strings), "DTD")


def test_the_company_import_page_refuses_a_bomb_too(client, auth):
    auth.login_role("sbb_admin")
    before = (Company.objects.count(), StagedUpload.objects.count())
    response = client.post(
        "/leerbedrijven-import/",
        content_type="multipart/form-data",
        follow_redirects=True,
        data={"file": (io.BytesIO(workbook(strings_xml=bomb_strings(30))), "leerbedrijven.xlsx")},
    )
    assert response.status_code == 200
    assert "veiligheidsredenen" in response.get_data(as_text=True)
    assert (Company.objects.count(), StagedUpload.objects.count()) == before


# --- 2. every row counts -------------------------------------------------------------------------------------


def test_300000_blank_rows_are_refused_at_the_row_limit(app):
    rows = "".join(
        f'<row r="{n}"><c t="s"><v>0</v></c></row>' if n % 7 == 0 else f'<row r="{n}"/>' for n in range(2, 300_002)
    )
    data = workbook(sheet(HEADER_ROW + rows))
    assert len(data) < participant_import.MAX_BYTES
    preview_refused(data, "meer dan 5.000 rijen onder de kolomnamen (lege rijen tellen mee)")


def test_a_row_far_below_the_header_counts_the_blank_rows_between(app):
    # Only two <row> elements: openpyxl makes up the 299,999 rows in between, and each one counts.
    far = '<row r="300001"><c r="A300001" t="inlineStr"><is><t>Jan</t></is></c></row>'
    preview_refused(workbook(sheet(HEADER_ROW + far)), "lege rijen tellen mee")


def test_blank_rows_within_the_limit_are_still_skipped(app):
    rows = (
        '<row r="2"/><row r="3"><c r="A3" t="s"><v>0</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>Jan</t></is></c>'
        '<c r="C4" t="inlineStr"><is><t>Vries</t></is></c><c r="D4" t="inlineStr"><is><t>14-03-2007</t></is></c></row>'
    )
    from services.participant_import import COLUMNS

    parsed = spreadsheet.read_upload(workbook(sheet(HEADER_ROW + rows)), COLUMNS, file_name="d.xlsx")
    assert [(r.number, r.values["first_name"], r.valid) for r in parsed] == [(4, "Jan", True)]


def test_a_dimension_of_16384_columns_is_not_trusted(app):
    from services.participant_import import COLUMNS

    # openpyxl pads every blank row to the width the sheet claims: 4,000 rows x 16,384 columns took 3.4 s.
    last = (
        '<row r="4001"><c r="A4001" t="inlineStr"><is><t>Jan</t></is></c><c r="C4001" t="inlineStr"><is><t>Vries'
        '</t></is></c><c r="D4001" t="inlineStr"><is><t>01-01-2007</t></is></c></row>'
    )
    data = workbook(sheet(HEADER_ROW + last, dimension='<dimension ref="A1:XFD4001"/>'))
    start = time.perf_counter()
    parsed = spreadsheet.read_upload(data, COLUMNS, file_name="d.xlsx")
    assert time.perf_counter() - start < 1.0
    assert [(r.number, r.values["last_name"], r.valid) for r in parsed] == [(4001, "Vries", True)]


# --- 7. logos ------------------------------------------------------------------------------------------------


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png(width=13_300, height=13_300):
    """A valid 1-bit PNG of width x height, all black: a few tens of KB that decode to 177 megapixels."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def test_a_logo_above_16_megapixels_is_refused_from_its_header():
    data = huge_png()
    assert len(data) < 100_000
    error = refused_quickly(lambda: process_logo(data), ImageError)
    assert "te veel pixels (13.300 × 13.300)" in str(error) and "16 megapixel" in str(error)


def test_a_logo_of_exactly_16_megapixels_is_accepted():
    assert MAX_SOURCE_PIXELS == 4000 * 4000
    logo, mimetype = process_logo(huge_png(4000, 4000))
    assert mimetype == "image/jpeg" and logo[:2] == b"\xff\xd8"
    with pytest.raises(ImageError, match="te veel pixels"):
        process_logo(huge_png(4000, 4001))


def test_statement_step_4_4_refuses_the_huge_logo(app):
    maker = user("mbo@school.example")
    statement = ready_concept(participant_at(company_id="100200302"))  # a company without a registry logo
    with pytest.raises(statement_svc.StatementError, match="te veel pixels"):
        statement_svc.set_company_logo(statement, maker, huge_png())
    assert not PracticeStatement.objects(pk=statement.pk).get().company_logo


def test_the_school_logo_upload_refuses_the_huge_logo(client, auth):
    auth.login_role("sbb_admin")
    school = Institution.objects.get(brin="25DM")
    response = client.post(
        f"/beheer/onderwijsinstellingen/edit/?id={school.pk}",
        data={
            "name": school.name,
            "brin": school.brin,
            "kind": school.kind,
            "logo_upload": (io.BytesIO(huge_png()), "logo.png"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "te veel pixels" in response.get_data(as_text=True)
    assert not Institution.objects.get(pk=school.pk).logo


def test_the_branch_logo_upload_refuses_the_huge_logo(client, auth):
    auth.login_role("sbb_admin")
    response = client.post(
        "/beheer/branchelogos/new/",
        content_type="multipart/form-data",
        follow_redirects=True,
        data={"name": "Reuzenlogo", "logo_upload": (io.BytesIO(huge_png()), "b.png")},
    )
    assert "te veel pixels" in response.get_data(as_text=True)
    assert BranchOrganisation.objects(name="Reuzenlogo").count() == 0


# --- 8. XML whatever the encoding ----------------------------------------------------------------------------


def laughs_utf16le():
    """Billion laughs in UTF-16LE without a BOM: the bytes hold no visible `<!DOCTYPE`."""
    entities = (
        '<!ENTITY a "'
        + "x" * 30
        + '">'
        + "".join(
            f'<!ENTITY {name} "{("&" + previous + ";") * 10}">' for previous, name in zip("abcde", "bcdef", strict=True)
        )
    )
    text = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sbb [{entities}]><sbb><dossiers>&f;</dossiers></sbb>'
    data = text.encode("utf-16-le")
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"<!DOCTYPE" not in data
    return data


def test_an_entity_bomb_in_utf16_without_bom_is_refused(app):
    admin = user("beheerder@sbb.example")
    before = PendingQualificationUpload.objects.count()
    error = refused_quickly(
        lambda: quals.stage_upload(laughs_utf16le(), "kwalificaties.xml", admin), quals.QualificationImportError
    )
    assert "DTD, entiteiten" in error.message
    assert PendingQualificationUpload.objects.count() == before


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-8-sig"])
def test_the_guard_runs_in_every_encoding(encoding):
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sbb [<!ENTITY e "x">]><sbb>&e;</sbb>'
    if encoding == "utf-8-sig":
        text = text.replace("UTF-16", "UTF-8")
    with pytest.raises(quals.QualificationImportError, match="DTD"):
        quals.parse(text.encode(encoding))


def test_a_harmless_utf16_file_still_parses():
    data = '<?xml version="1.0" encoding="UTF-16"?><sbb><dossiers/></sbb>'.encode("utf-16-le")
    with pytest.raises(quals.QualificationImportError) as caught:
        quals.parse(data)
    assert "DTD" not in caught.value.message  # it got past the guard: the file just has no dossiers


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE sbb SYSTEM "file:///etc/passwd"><sbb/>',  # an external DTD, no internal subset
        '<?xml version="1.0" encoding="ISO-8859-1"?><!-- '
        + "x" * 200_000
        + ' --><!DOCTYPE sbb [<!ENTITY e "x">]><sbb/>',
        '<?xml version="1.0"?><?pi data?><!DOCTYPE sbb [<!ENTITY % p "x">]><sbb/>',  # a parameter entity
    ],
    ids=["external-dtd", "after-a-long-comment", "parameter-entity"],
)
def test_the_guard_reads_the_whole_prolog(text):
    with pytest.raises(quals.QualificationImportError, match="DTD"):
        quals.parse(text.encode("latin-1"))
