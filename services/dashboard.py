"""The figures of the home dashboard: one aggregate or count query per figure group, scoped to the user's school.

Months and periods are Dutch calendar months (Europe/Amsterdam, services.clock), the same way the report lists
filter, so a drill-down link lands on a list with the same count.
"""

from datetime import date, datetime, timedelta

from documents.companies import (
    OPEN_REQUEST_STATUSES,
    REQUEST_STATUSES,
    AccreditationRequest,
    Company,
    Placement,
    Trainer,
)
from documents.constants import EDUCATION_FORMS, label
from documents.guidance import GuidanceDocument
from documents.imports import ImportBatch
from documents.institutions import Institution
from documents.participants import Participant
from documents.statements import PracticeStatement
from services.clock import local, local_today, utc_of_local, utcnow
from services.ids import ref_id
from services.permissions import scope, sees_all_institutions
from services.qualifications import qualification_titles

STALE_CONCEPT_DAYS = 30
MONTHS_BACK = 24
MONTH_NAMES = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _match(user, extra=None):
    """A $match stage limited to the user's school (school staff) plus `extra`."""
    match = dict(extra or {})
    if not sees_all_institutions(user):
        institution = getattr(user, "institution", None)
        match["institution"] = institution.pk if institution else None
    return {"$match": match}


def _status_counts(model, user):
    rows = model.objects.aggregate([_match(user), {"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    counts = {"concept": 0, "final": 0}
    for row in rows:
        counts[row["_id"]] = row["n"]
    return counts


def main_figures(user):
    """Participants actueel/archief, guidance documents and statements concept/final, in the user's scope."""
    participants = scope(Participant.objects, user)
    return {
        "participants_active": participants.active().count(),
        "participants_archived": participants.archived().count(),
        "guidance": _status_counts(GuidanceDocument, user),
        "statements": _status_counts(PracticeStatement, user),
    }


def stale_concept_statements(user, days=STALE_CONCEPT_DAYS, limit=10):
    """Concept statements older than `days` days: (total, first rows with participant names)."""
    cutoff = utcnow() - timedelta(days=days)
    query = scope(PracticeStatement.objects, user).filter(status="concept", created_at__lt=cutoff)
    total = query.count()
    rows = (
        list(
            query.order_by("created_at")
            .only("participant", "created_at", "institution")
            .limit(limit)
            .select_related(max_depth=1)
        )
        if total
        else []
    )
    return total, rows


def unaccredited_placements(user, limit=20):
    """Current placements of active participants at a company without a valid accreditation (or only proposed)."""
    active_ids = scope(Participant.objects, user).active().distinct("id")
    placements = list(
        scope(Placement.objects, user)
        .filter(participant__in=active_ids)
        .order_by("-created_at", "-seq")
        .only("participant", "company", "company_name", "request", "created_at")
        .no_dereference()
    )
    latest = {}
    for placement in placements:  # newest first: the first one seen per participant is the current placement
        pid = ref_id(placement._data.get("participant"))
        latest.setdefault(pid, placement)
    company_ids = {ref_id(p._data.get("company")) for p in latest.values() if p._data.get("company")}
    companies = (
        Company.objects(pk__in=list(company_ids)).only("name", "accreditations").in_bulk(list(company_ids))
        if company_ids
        else {}
    )
    people = (
        {p.pk: p.full_name for p in Participant.objects(pk__in=list(latest)).only("first_name", "infix", "last_name")}
        if latest
        else {}
    )
    items = []
    for pid, placement in latest.items():
        company_id = ref_id(placement._data.get("company"))
        if company_id is None:
            reason = "voorgedragen, nog niet erkend"
        else:
            company = companies.get(company_id)
            if company is not None and company.is_accredited:
                continue
            reason = "erkenning verlopen" if company is not None and company.accreditations else "niet erkend"
        items.append(
            {
                "participant_id": pid,
                "participant": people.get(pid, ""),
                "company": placement.company_name or "",
                "reason": reason,
            }
        )
    items.sort(key=lambda i: i["participant"].lower())
    return len(items), items[:limit]


def open_requests(user, limit=20):
    """Open accreditation requests of the user's scope with their state: (counts per status, first rows)."""
    query = scope(AccreditationRequest.objects, user).filter(status__in=OPEN_REQUEST_STATUSES)
    rows = list(
        query.order_by("-created_at")
        .only("kind", "company_name", "participant", "participant_name", "status", "created_at")
        .no_dereference()
        .limit(limit)
    )
    counts = {code: 0 for code in OPEN_REQUEST_STATUSES}
    for row in AccreditationRequest.objects.aggregate(
        [
            _match(user, {"status": {"$in": list(OPEN_REQUEST_STATUSES)}}),
            {"$group": {"_id": "$status", "n": {"$sum": 1}}},
        ]
    ):
        counts[row["_id"]] = row["n"]
    return counts, rows


def undoable_batches(user):
    """Participant import batches that can still be undone (within the window, not undone)."""
    from services.participant_import import KIND, UNDO_WINDOW

    since = utcnow() - UNDO_WINDOW
    return list(
        scope(ImportBatch.objects(kind=KIND, undone_at=None, created_at__gt=since), user).order_by("-created_at")
    )


def school_dashboard(user):
    stale_total, stale_rows = stale_concept_statements(user)
    placement_total, placement_rows = unaccredited_placements(user)
    request_counts, request_rows = open_requests(user)
    return {
        "figures": main_figures(user),
        "stale_total": stale_total,
        "stale_rows": stale_rows,
        "stale_days": STALE_CONCEPT_DAYS,
        "placement_total": placement_total,
        "placement_rows": placement_rows,
        "request_counts": request_counts,
        "request_rows": request_rows,
        "request_statuses": dict(REQUEST_STATUSES),
        "batches": undoable_batches(user),
    }


# --- SBB ---------------------------------------------------------------------------------------------------------


def per_school(user):
    """Per school: active participants and statements concept/final (three aggregates, one name query)."""
    schools = {s.pk: s for s in scope(Institution.objects, user, field="pk").only("name", "kind")}
    table = {pk: {"school": s, "participants": 0, "concept": 0, "final": 0} for pk, s in schools.items()}
    for row in Participant.objects.aggregate(
        [_match(user, {"archived_at": None}), {"$group": {"_id": "$institution", "n": {"$sum": 1}}}]
    ):
        if row["_id"] in table:
            table[row["_id"]]["participants"] = row["n"]
    for row in PracticeStatement.objects.aggregate(
        [
            _match(user),
            {"$group": {"_id": {"i": "$institution", "s": "$status"}, "n": {"$sum": 1}}},
        ]
    ):
        entry = table.get(row["_id"]["i"])
        if entry is not None:
            entry[row["_id"]["s"]] = row["n"]
    return sorted(table.values(), key=lambda r: r["school"].name.lower())


def per_education_form(user):
    """Final statements per onderwijsvorm, every form listed (zero included)."""
    counts = {code: 0 for code, _label in EDUCATION_FORMS}
    for row in PracticeStatement.objects.aggregate(
        [
            _match(user, {"status": "final"}),
            {"$group": {"_id": "$education_form", "n": {"$sum": 1}}},
        ]
    ):
        counts[row["_id"] or ""] = counts.get(row["_id"] or "", 0) + row["n"]
    return [
        {"code": code, "label": label(EDUCATION_FORMS, code) or "(onbekend)", "count": n}
        for code, n in counts.items()
        if code or n
    ]


def month_start(year, month):
    return datetime(year, month, 1)


def add_months(year, month, delta):
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def per_month(user, months=MONTHS_BACK, today=None):
    """Statements made final per Dutch calendar month over the last `months` months (current month included)."""
    today = today or local_today()
    first = add_months(today.year, today.month, -(months - 1))
    since = utc_of_local(date(*first, 1))
    # Grouped here, not with $year/$month (those count UTC months, and mongomock has no timezone option):
    # one small field per final statement of the period.
    found = {}
    query = PracticeStatement.objects(
        __raw__=_match(user, {"status": "final", "finalized_at": {"$gte": since}})["$match"]
    )
    for finalized_at in query.scalar("finalized_at"):
        when = local(finalized_at)
        found[(when.year, when.month)] = found.get((when.year, when.month), 0) + 1
    result = []
    for i in range(months):
        year, month = add_months(first[0], first[1], i)
        next_year, next_month = add_months(year, month, 1)
        last_day = (month_start(next_year, next_month) - timedelta(days=1)).date()
        result.append(
            {
                "year": year,
                "month": month,
                "label": f"{MONTH_NAMES[month - 1]} {year}",
                "short": MONTH_NAMES[month - 1],
                "count": found.get((year, month), 0),
                "start": date(year, month, 1),
                "end": last_day,
            }
        )
    return result


def top_qualifications(user, limit=10):
    """Most used kwalificaties in final statements: [(crebo, title, count)]."""
    rows = list(
        PracticeStatement.objects.aggregate(
            [
                _match(user, {"status": "final"}),
                {"$unwind": "$selections"},
                {"$group": {"_id": "$selections.crebo", "n": {"$sum": 1}}},
                {"$sort": {"n": -1, "_id": 1}},
                {"$limit": limit},
            ]
        )
    )
    titles = qualification_titles([r["_id"] for r in rows])
    return [{"crebo": r["_id"], "title": titles.get(r["_id"], ""), "count": r["n"]} for r in rows]


def top_work_processes(user, limit=10):
    """Most used werkprocessen in final statements: [(crebo, code, count)]."""
    rows = list(
        PracticeStatement.objects.aggregate(
            [
                _match(user, {"status": "final"}),
                {"$unwind": "$selections"},
                {"$unwind": "$selections.codes"},
                {"$group": {"_id": {"crebo": "$selections.crebo", "code": "$selections.codes"}, "n": {"$sum": 1}}},
                {"$sort": {"n": -1}},
                {"$limit": limit},
            ]
        )
    )
    titles = work_process_titles({r["_id"]["crebo"] for r in rows})
    return [
        {
            "crebo": r["_id"]["crebo"],
            "code": r["_id"]["code"],
            "count": r["n"],
            "title": titles.get((r["_id"]["crebo"], r["_id"]["code"]), ""),
        }
        for r in rows
    ]


def work_process_titles(crebos):
    """{(crebo, werkproces code): title} from the newest version of each kwalificatie (one query)."""
    crebos = [c for c in crebos if c]
    if not crebos:
        return {}
    from documents.qualifications import Qualification

    titles = {}
    for q in Qualification.objects(crebo__in=crebos).order_by("superseded").only("crebo", "core_tasks"):
        for task in q.core_tasks:
            for wp in task.work_processes:
                titles.setdefault((q.crebo, wp.code), wp.title)
    return titles


def advisor_queue():
    """The advisors' open work: accreditation requests per open status, trainers to review, access requests."""
    requests = {code: 0 for code in OPEN_REQUEST_STATUSES}
    for row in AccreditationRequest.objects.aggregate(
        [
            {"$match": {"status": {"$in": list(OPEN_REQUEST_STATUSES)}}},
            {"$group": {"_id": "$status", "n": {"$sum": 1}}},
        ]
    ):
        requests[row["_id"]] = row["n"]
    trainers = Trainer.objects(source="school", review_status__in=("open", "in_progress")).count()
    try:
        from documents.access import AccessRequest

        access = AccessRequest.objects(status="submitted").count()
    except ImportError:  # pragma: no cover - the access area is optional
        access = None
    return {
        "requests": requests,
        "requests_total": sum(requests.values()),
        "trainers": trainers,
        "access": access,
        "request_statuses": dict(REQUEST_STATUSES),
    }


def sbb_dashboard(user):
    return {
        "figures": main_figures(user),
        "schools": per_school(user),
        "forms": per_education_form(user),
        "months": per_month(user),
        "qualifications": top_qualifications(user),
        "work_processes": top_work_processes(user),
        "queue": advisor_queue(),
    }
