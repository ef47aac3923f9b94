"""Report rows (Rapportages): every query scoped to the user's school; the same filters drive the lists and the
Excel/CSV downloads, so what a dashboard figure counts is what its drill-down list shows.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from documents.companies import OPEN_REQUEST_STATUSES, REQUEST_KINDS, REQUEST_STATUSES, AccreditationRequest
from documents.constants import EDUCATION_FORMS, GUIDANCE_STATUSES, STATEMENT_STATUSES, label
from documents.institutions import Institution
from documents.participants import Participant
from documents.statements import PracticeStatement
from services.clock import utc_of_local, utcnow
from services.errors import RuleBroken
from services.ids import parse_object_id
from services.permissions import scope, sees_all_institutions


class ReportError(RuleBroken):
    """A filter the user typed cannot be used; the message says in Dutch what to fix."""


def parse_day(value, what):
    """Parse dd-mm-jjjj (or the browser's jjjj-mm-dd) into a date; None when empty."""
    from services.spreadsheet import parse_date

    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_date(value)
    except (ValueError, OverflowError) as exc:  # the parser's own message: "31-02-2025 bestaat niet; ..."
        raise ReportError(f"{what}: {exc}.") from None


def _day_start(day):
    return utc_of_local(day)  # a Dutch calendar day, like the dashboard's months


@dataclass
class DocumentFilter:
    """Filters of the statement and guidance lists (URL parameters in Dutch)."""

    status: str = ""  # concept | final | "" (all)
    school: str = ""  # institution id, SBB only
    vorm: str = ""  # onderwijsvorm code (statements only)
    crebo: str = ""
    werkproces: str = ""  # werkproces code (with crebo)
    van: date | None = None  # period start (finalized_at for final documents, created_at otherwise)
    tot: date | None = None  # period end, inclusive
    ouder_dan: int | None = None  # concept older than this many days
    errors: list = field(default_factory=list)

    @classmethod
    def from_args(cls, args, user):
        f = cls()
        f.status = args.get("status", "") if args.get("status", "") in ("concept", "final") else ""
        f.school = (args.get("school") or "").strip()[:40] if sees_all_institutions(user) else ""
        f.vorm = args.get("vorm", "") if args.get("vorm", "") in dict(EDUCATION_FORMS) else ""
        f.crebo = (args.get("crebo") or "").strip()[:10]
        f.werkproces = (args.get("werkproces") or "").strip()[:30]
        for name, what in (("van", "Van"), ("tot", "Tot en met")):
            try:
                setattr(f, name, parse_day(args.get(name), what))
            except ReportError as exc:
                f.errors.append(str(exc))
        try:
            f.ouder_dan = min(max(int(args["ouder_dan"]), 0), 36500) if args.get("ouder_dan") else None
        except ValueError:
            f.errors.append("'Ouder dan' moet een aantal dagen zijn.")
        if f.van and f.tot and f.tot < f.van:
            f.errors.append("De einddatum van de periode ligt vóór de begindatum.")
        return f

    def as_args(self):
        args = {
            "status": self.status,
            "school": self.school,
            "vorm": self.vorm,
            "crebo": self.crebo,
            "werkproces": self.werkproces,
            "van": self.van.strftime("%d-%m-%Y") if self.van else "",
            "tot": self.tot.strftime("%d-%m-%Y") if self.tot else "",
            "ouder_dan": str(self.ouder_dan) if self.ouder_dan is not None else "",
        }
        return {k: v for k, v in args.items() if v}


def document_query(model, user, f):
    """The scoped queryset of statements or guidance documents for the filter."""
    query = scope(model.objects, user)
    if f.status:
        query = query.filter(status=f.status)
    if f.school:
        oid = parse_object_id(f.school)
        query = query.filter(institution=oid) if oid else query.none()
    if f.vorm and model is PracticeStatement:
        query = query.filter(education_form=f.vorm)
    if f.crebo and f.werkproces:
        query = query.filter(__raw__={"selections": {"$elemMatch": {"crebo": f.crebo, "codes": f.werkproces}}})
    elif f.crebo:
        query = query.filter(selections__crebo=f.crebo)
    date_field = "finalized_at" if f.status == "final" else "created_at"
    if f.van:
        query = query.filter(**{f"{date_field}__gte": _day_start(f.van)})
    if f.tot:
        query = query.filter(**{f"{date_field}__lt": _day_start(f.tot + timedelta(days=1))})
    if f.ouder_dan is not None:
        query = query.filter(created_at__lt=utcnow() - timedelta(days=f.ouder_dan))
    order = "-finalized_at" if f.status == "final" else "-created_at"
    return query.order_by(order)


# Above this many ids a look-up reads the user's whole scope instead of sending an $in list: one query either way,
# linear in the rows (mongomock tests each document against the whole $in list, so a long one grows quadratically).
MAX_IN_IDS = 1000


def _names(model, ids, fields, *, user=None):
    """{id: plain dict of `fields`} for the ids, in one query (a projection, no documents built)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    query = model.objects(pk__in=list(ids)) if user is None or len(ids) <= MAX_IN_IDS else scope(model.objects, user)
    return {d["_id"]: d for d in query.only(*fields).as_pymongo() if d["_id"] in ids}


def _full_name(person):
    return " ".join(p for p in (person.get("first_name"), person.get("infix"), person.get("last_name")) if p)


# Only what a row shows: never the PDF, the logos or the snapshot (issue 14: 62 kB and more per statement).
ROW_FIELDS = ("institution", "participant", "status", "finalized_at", "created_at", "selections")
STATEMENT_ROW_FIELDS = (*ROW_FIELDS, "number", "education_form", "bpv_hours")


STATEMENT_HEADERS = (
    "Nummer",
    "Status",
    "Definitief op",
    "Aangemaakt op",
    "Onderwijsinstelling",
    "Deelnemer",
    "Onderwijsvorm",
    "Kwalificaties (crebo)",
    "BPV-uren",
    "Aantal werkprocessen",
)
GUIDANCE_HEADERS = (
    "Document",
    "Status",
    "Afgerond op",
    "Aangemaakt op",
    "Onderwijsinstelling",
    "Deelnemer",
    "Kwalificaties (crebo)",
    "Aantal werkprocessen",
)


def document_rows(model, user, f, limit=None):
    """List rows as dicts (with ids for links): three queries whatever the size (documents, schools, people)."""
    statements = model is PracticeStatement
    query = document_query(model, user, f).only(*(STATEMENT_ROW_FIELDS if statements else ROW_FIELDS))
    if limit:
        query = query.limit(limit)
    docs = list(query.as_pymongo())
    schools = _names(Institution, [d.get("institution") for d in docs], ("name",))
    people = _names(Participant, [d.get("participant") for d in docs], ("first_name", "infix", "last_name"), user=user)
    statuses = STATEMENT_STATUSES if statements else GUIDANCE_STATUSES
    rows = []
    for d in docs:
        school = schools.get(d.get("institution"))
        person = people.get(d.get("participant"))
        selections = d.get("selections") or []
        row = {
            "id": str(d["_id"]),
            "participant_id": str(d.get("participant") or ""),
            "number": d.get("number") if statements else f"BD-{str(d['_id'])[-8:].upper()}",
            "status": d.get("status"),
            "status_label": label(statuses, d.get("status")),
            "finalized_at": d.get("finalized_at"),
            "created_at": d.get("created_at"),
            "school": school["name"] if school else "",
            "participant": _full_name(person) if person else "",
            "crebos": ", ".join(s.get("crebo", "") for s in selections),
            "werkprocessen": sum(len(s.get("codes") or []) for s in selections),
        }
        if statements:
            row["form"] = label(EDUCATION_FORMS, d.get("education_form"))
            row["hours"] = d.get("bpv_hours")
        rows.append(row)
    return rows


def document_table(model, user, f):
    """Headers and plain value rows for the Excel/CSV download."""
    rows = document_rows(model, user, f)
    if model is PracticeStatement:
        return STATEMENT_HEADERS, [
            (
                r["number"] if r["status"] == "final" else "",
                r["status_label"],
                r["finalized_at"],
                r["created_at"],
                r["school"],
                r["participant"],
                r["form"],
                r["crebos"],
                r["hours"],
                r["werkprocessen"],
            )
            for r in rows
        ]
    return GUIDANCE_HEADERS, [
        (
            r["number"],
            r["status_label"],
            r["finalized_at"],
            r["created_at"],
            r["school"],
            r["participant"],
            r["crebos"],
            r["werkprocessen"],
        )
        for r in rows
    ]


# --- per school x onderwijsvorm -----------------------------------------------------------------------------------


def year_matrix(user, year):
    """Final statements per school and onderwijsvorm made final in `year`: (forms, rows, totals)."""
    match = {
        "status": "final",
        "finalized_at": {"$gte": utc_of_local(date(year, 1, 1)), "$lt": utc_of_local(date(year + 1, 1, 1))},
    }
    if not sees_all_institutions(user):
        institution = getattr(user, "institution", None)
        match["institution"] = institution.pk if institution else None
    counts = {}
    for row in PracticeStatement.objects.aggregate(
        [
            {"$match": match},
            {"$group": {"_id": {"i": "$institution", "f": "$education_form"}, "n": {"$sum": 1}}},
        ]
    ):
        counts[(row["_id"]["i"], row["_id"]["f"] or "")] = row["n"]
    forms = [(code, name) for code, name in EDUCATION_FORMS]
    if any(f == "" for _i, f in counts):
        forms.append(("", "(onbekend)"))
    schools = list(scope(Institution.objects, user, field="pk").only("name").order_by("name"))
    rows = []
    for school in schools:
        cells = [counts.get((school.pk, code), 0) for code, _n in forms]
        rows.append({"school": school, "cells": cells, "total": sum(cells)})
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(forms))]
    return forms, rows, totals


def year_matrix_table(user, year):
    forms, rows, totals = year_matrix(user, year)
    headers = ("Onderwijsinstelling", *[name for _c, name in forms], "Totaal")
    body = [(r["school"].name, *r["cells"], r["total"]) for r in rows]
    body.append(("Totaal", *totals, sum(totals)))
    return headers, body


# --- participants per school and state ------------------------------------------------------------------------

PARTICIPANT_HEADERS = ("Onderwijsinstelling", "Soort", "Actueel", "Archief", "Totaal")


def participant_counts(user):
    """Per school: participants actueel and archief (two aggregates)."""
    schools = list(scope(Institution.objects, user, field="pk").only("name", "kind").order_by("name"))
    match_school = {} if sees_all_institutions(user) else {"institution": getattr(user.institution, "pk", None)}
    active, archived = {}, {}
    for target, cond in ((active, None), (archived, {"$ne": None})):
        for row in Participant.objects.aggregate(
            [
                {"$match": {**match_school, "archived_at": cond}},
                {"$group": {"_id": "$institution", "n": {"$sum": 1}}},
            ]
        ):
            target[row["_id"]] = row["n"]
    return [
        {
            "school": s,
            "active": active.get(s.pk, 0),
            "archived": archived.get(s.pk, 0),
            "total": active.get(s.pk, 0) + archived.get(s.pk, 0),
        }
        for s in schools
    ]


def participant_table(user):
    from documents.constants import INSTITUTION_KINDS

    rows = participant_counts(user)
    body = [
        (r["school"].name, label(INSTITUTION_KINDS, r["school"].kind), r["active"], r["archived"], r["total"])
        for r in rows
    ]
    body.append(
        ("Totaal", "", sum(r["active"] for r in rows), sum(r["archived"] for r in rows), sum(r["total"] for r in rows))
    )
    return PARTICIPANT_HEADERS, body


# --- requests and their handling time -------------------------------------------------------------------------

REQUEST_HEADERS = (
    "Ingediend op",
    "Soort",
    "Leerbedrijf",
    "Crebo's",
    "Onderwijsinstelling",
    "Aangevraagd door",
    "Status",
    "Besloten op",
    "Doorlooptijd (dagen)",
)


def request_query(user, van=None, tot=None, status=""):
    query = scope(AccreditationRequest.objects, user)
    if van:
        query = query.filter(created_at__gte=_day_start(van))
    if tot:
        query = query.filter(created_at__lt=_day_start(tot + timedelta(days=1)))
    if status == "open":
        query = query.filter(status__in=OPEN_REQUEST_STATUSES)
    elif status in dict(REQUEST_STATUSES):
        query = query.filter(status=status)
    return query.order_by("-created_at")


def handling_days(created_at, decided_at, now=None):
    """Days from submission to decision (or until now while open), one decimal."""
    end = decided_at or now or utcnow()
    return round((end - created_at).total_seconds() / 86400, 1) if created_at else None


REQUEST_ROW_FIELDS = (
    "institution",
    "created_at",
    "kind",
    "company_name",
    "crebos",
    "requested_by_email",
    "status",
    "decided_at",
)


def request_rows(user, van=None, tot=None, status=""):
    """Rows of the requests report: two queries (requests as plain dicts, then the schools' names)."""
    docs = list(request_query(user, van, tot, status).only(*REQUEST_ROW_FIELDS).as_pymongo())
    schools = _names(Institution, [d.get("institution") for d in docs], ("name",))
    now = utcnow()
    rows = []
    for d in docs:
        school = schools.get(d.get("institution"))
        rows.append(
            {
                "created_at": d.get("created_at"),
                "kind": label(REQUEST_KINDS, d.get("kind")),
                "company": d.get("company_name") or "",
                "crebos": ", ".join(d.get("crebos") or []),
                "school": school["name"] if school else "",
                "by": d.get("requested_by_email") or "",
                "status": label(REQUEST_STATUSES, d.get("status")),
                "decided_at": d.get("decided_at"),
                "days": handling_days(d.get("created_at"), d.get("decided_at"), now),
                "open": d.get("status") in OPEN_REQUEST_STATUSES,
            }
        )
    return rows


def request_table(user, van=None, tot=None, status=""):
    rows = request_rows(user, van, tot, status)
    return REQUEST_HEADERS, [
        (
            r["created_at"],
            r["kind"],
            r["company"],
            r["crebos"],
            r["school"],
            r["by"],
            r["status"],
            r["decided_at"],
            r["days"],
        )
        for r in rows
    ]


def request_summary(rows):
    decided = [r["days"] for r in rows if not r["open"] and r["days"] is not None]
    return {
        "total": len(rows),
        "open": sum(1 for r in rows if r["open"]),
        "decided": len(decided),
        "average_days": round(sum(decided) / len(decided), 1) if decided else None,
        "max_days": max(decided) if decided else None,
    }
