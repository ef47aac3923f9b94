"""Excel import of companies with their accreditations (SBB): template, parse and check everything, import all or nothing.

One row per accreditation; rows with the same leerbedrijf-ID belong to one company (its data from the first row).
An existing company (same leerbedrijf-ID) gets its data updated and the accreditations it does not have yet.
"""

from mongoengine.errors import NotUniqueError
from mongoengine.errors import ValidationError as MEValidationError

from core.text import counted
from documents.companies import COMPANY_ID_RE, CREBO_RE, Accreditation, Company
from services import audit, spreadsheet
from services.companies import spread_company_name
from services.errors import first_error
from services.permissions import require

KIND = "companies"

COLUMNS = [
    spreadsheet.Column(
        "company_id", "Leerbedrijf-ID", required=True, max_length=9, width=16, help="9 cijfers, zoals op stagemarkt.nl."
    ),
    # Required on a company's first row only (checked below); later rows of the same company may leave it empty.
    spreadsheet.Column(
        "name",
        "Naam",
        max_length=200,
        width=36,
        help="Verplicht op de eerste rij van een leerbedrijf; volgende rijen mogen leeg blijven.",
    ),
    spreadsheet.Column("address", "Adres", max_length=200, width=28),
    spreadsheet.Column("postcode", "Postcode", max_length=7, width=10, help="1234 AB"),
    spreadsheet.Column("city", "Plaats", max_length=100, width=18),
    spreadsheet.Column("phone", "Telefoon", max_length=30, width=16),
    spreadsheet.Column("email", "E-mailadres", kind="email", max_length=200, width=28),
    spreadsheet.Column("website", "Website", max_length=200, width=24),
    spreadsheet.Column("crebo", "Crebo", max_length=5, width=10, help="Crebonummer van de kwalificatie (5 cijfers)."),
    # Text, not date validation: the template's date check stops at today, an accreditation may start later.
    spreadsheet.Column("start", "Erkend vanaf", max_length=10, width=14, help="dd-mm-jjjj; verplicht bij een crebo."),
    spreadsheet.Column("end", "Erkend tot en met", max_length=10, width=16, help="dd-mm-jjjj; leeg = geen einddatum."),
]

INSTRUCTIONS = [
    "Import erkende leerbedrijven",
    "Eén rij per erkenning. Heeft een leerbedrijf meer erkenningen, herhaal dan het leerbedrijf-ID op een nieuwe rij "
    "met de andere crebo; de bedrijfsgegevens worden uit de eerste rij gehaald.",
    "Bestaat het leerbedrijf-ID al, dan worden de gegevens bijgewerkt en ontbrekende erkenningen toegevoegd.",
    "Kolommen met * zijn verplicht. Datums als dd-mm-jjjj. Na het uploaden ziet u eerst een voorbeeld; er wordt "
    "pas iets opgeslagen als u bevestigt, en alleen als het hele bestand in orde is.",
]


def template_bytes():
    return spreadsheet.build_template(COLUMNS, sheet_title="Leerbedrijven", instructions=INSTRUCTIONS)


def _date(row, key, header):
    value = row.values.get(key)
    if value in (None, ""):
        return None
    try:
        return spreadsheet.parse_date(value)
    except (ValueError, OverflowError) as exc:
        row.errors.append((header, str(exc)))  # parse_date says in Dutch what is wrong
        return None


def check_rows(rows):
    """Add Dutch errors to rows (ID, crebo, dates, company data as Company.clean() sees it); return the companies."""
    companies = {}
    existing = {
        c.company_id: c
        for c in Company.objects(
            company_id__in=list({str(r.values.get("company_id") or "").replace(" ", "") for r in rows})
        )
    }
    for row in rows:
        v = row.values
        cid = str(v.get("company_id") or "").replace(" ", "")
        if cid and not COMPANY_ID_RE.match(cid):
            row.errors.append(("Leerbedrijf-ID", "moet precies 9 cijfers zijn"))
            continue
        crebo = str(v.get("crebo") or "").strip()
        start = _date(row, "start", "Erkend vanaf")
        end = _date(row, "end", "Erkend tot en met")
        if crebo and not CREBO_RE.match(crebo):
            row.errors.append(("Crebo", f"'{crebo}' is geen crebonummer (5 cijfers)"))
        if crebo and start is None and not any(h == "Erkend vanaf" for h, _m in row.errors):
            row.errors.append(("Erkend vanaf", "is verplicht bij een crebo"))
        if (start or end) and not crebo:
            row.errors.append(("Crebo", "is verplicht bij een erkenningsdatum"))
        if start and end and end < start:
            row.errors.append(("Erkend tot en met", "ligt vóór 'Erkend vanaf'"))
        if row.errors or not cid:
            continue
        company = companies.get(cid)
        if company is None:
            company = existing.get(cid) or Company(company_id=cid)
            for key in ("name", "address", "postcode", "city", "phone", "email", "website"):
                if v.get(key) not in (None, ""):
                    setattr(company, key, v.get(key))
            try:
                company.validate()
            except MEValidationError as exc:
                row.errors.append(("", first_error(exc)))
                continue
            companies[cid] = company
        if crebo and not any(a.crebo == crebo and a.start == start for a in company.accreditations):
            company.accreditations.append(Accreditation(crebo=crebo, start=start, end=end))
    return companies


def read(upload):
    """Parse and check an upload; raise spreadsheet.SpreadsheetError for a file we cannot read at all."""
    rows = spreadsheet.read_upload(upload, COLUMNS)
    check_rows(rows)
    return rows


def import_rows(user, rows):
    """Import staged rows, all or nothing: any row with an error and nothing is written. Return (new, updated)."""
    require(user, "manage_registry")
    parsed = [spreadsheet.ParsedRow(number=r["row"], values=r["values"], errors=[]) for r in rows]
    companies = check_rows(parsed)
    bad = [r for r in parsed if r.errors]
    if bad:
        raise ValueError(
            "Er is niets geïmporteerd: "
            + counted("{n} {rij bevat|rijen bevatten}", len(bad))
            + f" fouten, bijvoorbeeld rij {bad[0].number}: {bad[0].error_text()}. Verbeter het bestand en upload het opnieuw."
        )
    new = sum(1 for c in companies.values() if c.pk is None)
    # MongoDB has no multi-document transaction here: keep the old state of updated companies and put it
    # back (and remove new ones) when any save fails, so an import is never half done.
    before = {c.pk: Company._get_collection().find_one({"_id": c.pk}) for c in companies.values() if c.pk}
    saved = []
    # The audit event is written first (audit.recorded takes it back when the saves fail), so the log never
    # misses an import that stands and never shows one that was undone.
    try:
        with audit.recorded(
            "import",
            None,
            object_type="Company",
            institution=None,
            label=f"Leerbedrijven: {new} nieuw, {len(companies) - new} bijgewerkt",
            changes={"rijen": len(parsed)},
        ):
            try:
                for company in companies.values():
                    saved.append(company)  # before the save: a save that fails halfway is put back too
                    company.save()
            except BaseException:
                _put_back(saved, before)
                raise
    except (NotUniqueError, MEValidationError) as exc:
        raise ValueError(
            "Er is niets geïmporteerd: een leerbedrijf kon niet worden opgeslagen "
            f"({'dit leerbedrijf-ID bestaat al' if isinstance(exc, NotUniqueError) else first_error(exc)}). "
            "Verbeter het bestand en upload het opnieuw."
        ) from None
    return new, len(companies) - new


def _put_back(saved, before):
    """Undo the saves of a failed import: updated companies get their old state back, new ones go."""
    for company in saved:
        if company.pk in before:
            Company._get_collection().replace_one({"_id": company.pk}, before[company.pk])
            if before[company.pk].get("name") != company.name:  # a rename undone: its copies too
                spread_company_name(company.pk, before[company.pk].get("name"))
        else:
            Company._get_collection().delete_one({"_id": company.pk})
