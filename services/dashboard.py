"""The figures of the home dashboard: one aggregate or count query per figure group, scoped to the user's school.

Months and periods are Dutch calendar months (Europe/Amsterdam, services.clock), the same way the report lists
filter, so a drill-down link lands on a list with the same count.
"""

from datetime import date, datetime, timedelta

from documents.cache import CachedView
from documents.companies import (
    OPEN_REQUEST_STATUSES,
    REQUEST_STATUSES,
    AccreditationRequest,
    Company,
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

STALE_CONCEPT_DAYS = 30
CACHE_SECONDS = 60  # the SBB dashboard is at most a minute old
MONTHS_BACK = 24
MONTH_NAMES = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def institution_id(user):
    """The id of the user's school without loading the school (None when the user has none)."""
    data = getattr(user, "_data", None)
    return ref_id(data.get("institution")) if data is not None else ref_id(getattr(user, "institution", None))


def _match(user, extra=None):
    """A $match stage limited to the user's school (school staff) plus `extra`."""
    match = dict(extra or {})
    if not sees_all_institutions(user):
        match["institution"] = institution_id(user)
    return {"$match": match}


def _status_counts(rows):
    """{"concept": n, "final": n} from $group rows keyed on status."""
    counts = {"concept": 0, "final": 0}
    for row in rows:
        counts[row["_id"]] = counts.get(row["_id"], 0) + row["n"]
    return counts


def _count(rows):
    """The number from a $count facet (MongoDB gives no row for zero, mongomock a row with 0)."""
    return rows[0]["n"] if rows else 0


def _guidance_counts(user):
    """Begeleidingsdocumenten per status in the user's scope (one aggregate)."""
    return _status_counts(
        GuidanceDocument.objects.aggregate([_match(user), {"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    )


def _participant_facets(user, extra=None):
    """One aggregate over the participants in scope: actueel and archief counts, plus the `extra` facets."""
    facets = {
        "active": [{"$match": {"archived_at": None}}, {"$group": {"_id": "$institution", "n": {"$sum": 1}}}],
        "archived": [{"$match": {"archived_at": {"$ne": None}}}, {"$count": "n"}],
        **(extra or {}),
    }
    return next(Participant.objects.aggregate([_match(user), {"$facet": facets}]))


def _participant_figures(row):
    return {
        "participants_active": sum(r["n"] for r in row["active"]),
        "participants_archived": _count(row["archived"]),
    }


def main_figures(user):
    """Participants actueel/archief, guidance documents and statements concept/final, in the user's scope."""
    statements = PracticeStatement.objects.aggregate([_match(user), {"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    return {
        **_participant_figures(_participant_facets(user)),
        "guidance": _guidance_counts(user),
        "statements": _status_counts(statements),
    }


def _full_name(row):
    return " ".join(p for p in (row.get("first_name"), row.get("infix"), row.get("last_name")) if p)


# The current placement of every active participant with its company's accreditations: one facet of the
# participants aggregate ($lookup of the placements, newest first, then of that placement's company).
_PLACEMENT_FACET = [
    {"$match": {"archived_at": None}},
    {"$project": {"first_name": 1, "infix": 1, "last_name": 1}},
    {"$lookup": {"from": "placements", "localField": "_id", "foreignField": "participant", "as": "pl"}},
    {"$unwind": "$pl"},
    {"$sort": {"pl.created_at": -1, "pl.seq": -1}},
    {
        "$group": {
            "_id": "$_id",
            "first_name": {"$first": "$first_name"},
            "infix": {"$first": "$infix"},
            "last_name": {"$first": "$last_name"},
            "company": {"$first": "$pl.company"},
            "company_name": {"$first": "$pl.company_name"},
        }
    },
    {"$lookup": {"from": "companies", "localField": "company", "foreignField": "_id", "as": "c"}},
    {"$project": {"first_name": 1, "infix": 1, "last_name": 1, "company": 1, "company_name": 1, "c.accreditations": 1}},
]


def _unaccredited(rows, limit):
    """(total, first rows) of current placements at a company without a valid accreditation (or only proposed)."""
    items = []
    for row in rows:
        if row.get("company") is None:
            reason = "voorgedragen, nog niet erkend"
        else:
            accreditations = (row.get("c") or [{}])[0].get("accreditations") or []
            company = Company._from_son({"accreditations": accreditations})
            if company.is_accredited:
                continue
            reason = "erkenning verlopen" if accreditations else "niet erkend"
        items.append(
            {
                "participant_id": row["_id"],
                "participant": _full_name(row),
                "company": row.get("company_name") or "",
                "reason": reason,
            }
        )
    items.sort(key=lambda i: i["participant"].lower())
    return len(items), items[:limit]


def _statement_facets_school(user, cutoff, limit):
    """One aggregate over the statements in scope: per status, and the concepts older than `cutoff`."""
    stale = {"status": "concept", "created_at": {"$lt": cutoff}}
    return next(
        PracticeStatement.objects.aggregate(
            [
                _match(user),
                {"$project": {"status": 1, "created_at": 1, "participant": 1}},
                {
                    "$facet": {
                        "status": [{"$group": {"_id": "$status", "n": {"$sum": 1}}}],
                        "stale_total": [{"$match": stale}, {"$count": "n"}],
                        "stale_rows": [
                            {"$match": stale},
                            {"$sort": {"created_at": 1, "_id": 1}},
                            {"$limit": limit},
                            {
                                "$lookup": {
                                    "from": "participants",
                                    "localField": "participant",
                                    "foreignField": "_id",
                                    "as": "p",
                                }
                            },
                            {
                                "$project": {
                                    "created_at": 1,
                                    "participant": 1,
                                    "p.first_name": 1,
                                    "p.infix": 1,
                                    "p.last_name": 1,
                                }
                            },
                        ],
                    }
                },
            ]
        )
    )


def _stale_row(row):
    people = row.get("p") or []
    participant = {"pk": row["participant"], "full_name": _full_name(people[0])} if people else None
    return {"participant": participant, "created_at": row.get("created_at")}


def stale_concept_statements(user, days=STALE_CONCEPT_DAYS, limit=10):
    """Concept statements older than `days` days: (total, first rows with participant names)."""
    row = _statement_facets_school(user, utcnow() - timedelta(days=days), limit)
    return _count(row["stale_total"]), [_stale_row(r) for r in row["stale_rows"]]


def unaccredited_placements(user, limit=20):
    """Current placements of active participants at a company without a valid accreditation (or only proposed)."""
    return _unaccredited(_participant_facets(user, {"placements": _PLACEMENT_FACET})["placements"], limit)


def _request_facets(user, limit, extra=None):
    """One aggregate over the open accreditation requests in scope: per status and the newest rows."""
    return next(
        AccreditationRequest.objects.aggregate(
            [
                _match(user, {"status": {"$in": list(OPEN_REQUEST_STATUSES)}}),
                {
                    "$facet": {
                        "counts": [{"$group": {"_id": "$status", "n": {"$sum": 1}}}],
                        "rows": [
                            {"$sort": {"created_at": -1, "_id": -1}},
                            {"$limit": limit},
                            {
                                "$project": {
                                    "kind": 1,
                                    "company_name": 1,
                                    "participant": 1,
                                    "participant_name": 1,
                                    "status": 1,
                                    "created_at": 1,
                                }
                            },
                        ],
                    }
                },
                *(extra or []),
            ]
        )
    )


def _request_counts(rows):
    counts = {code: 0 for code in OPEN_REQUEST_STATUSES}
    for row in rows:
        counts[row["_id"]] = row["n"]
    return counts


def open_requests(user, limit=20):
    """Open accreditation requests of the user's scope with their state: (counts per status, first rows)."""
    row = _request_facets(user, limit)
    return _request_counts(row["counts"]), row["rows"]


def undoable_batches(user):
    """Participant import batches that can still be undone (within the window, not undone)."""
    from services.participant_import import KIND, UNDO_WINDOW

    since = utcnow() - UNDO_WINDOW
    query = ImportBatch.objects(
        __raw__=_match(user, {"kind": KIND, "undone_at": None, "created_at": {"$gt": since}})["$match"]
    )
    return list(query.only("file_name", "count", "created_at").order_by("-created_at"))


def school_dashboard(user, stale_limit=10, placement_limit=20, request_limit=20):
    """Everything on a school's dashboard in five operations: participants, statements, guidance, requests, imports."""
    people = _participant_facets(user, {"placements": _PLACEMENT_FACET})
    statements = _statement_facets_school(user, utcnow() - timedelta(days=STALE_CONCEPT_DAYS), stale_limit)
    placement_total, placement_rows = _unaccredited(people["placements"], placement_limit)
    requests = _request_facets(user, request_limit)
    return {
        "figures": {
            **_participant_figures(people),
            "guidance": _guidance_counts(user),
            "statements": _status_counts(statements["status"]),
        },
        "stale_total": _count(statements["stale_total"]),
        "stale_rows": [_stale_row(r) for r in statements["stale_rows"]],
        "stale_days": STALE_CONCEPT_DAYS,
        "placement_total": placement_total,
        "placement_rows": placement_rows,
        "request_counts": _request_counts(requests["counts"]),
        "request_rows": requests["rows"],
        "request_statuses": dict(REQUEST_STATUSES),
        "batches": undoable_batches(user),
    }


# --- SBB ---------------------------------------------------------------------------------------------------------


def _statement_facets_sbb(user, since, limit):
    """One aggregate over the statements in scope: per school and status, per onderwijsvorm, per hour made final
    since `since`, and the top kwalificaties and werkprocessen with their titles ($lookup of the kwalificatie)."""
    final = {"$match": {"status": "final"}}
    return next(
        PracticeStatement.objects.aggregate(
            [
                _match(user),
                # Only what the figures read: a statement's snapshot and other fields stay on the server.
                {
                    "$project": {
                        "institution": 1,
                        "status": 1,
                        "education_form": 1,
                        "finalized_at": 1,
                        "selections.crebo": 1,
                        "selections.codes": 1,
                    }
                },
                {
                    "$facet": {
                        "per_school": [{"$group": {"_id": {"i": "$institution", "s": "$status"}, "n": {"$sum": 1}}}],
                        "forms": [final, {"$group": {"_id": "$education_form", "n": {"$sum": 1}}}],
                        # Per UTC hour: the Dutch month of each hour is worked out here (mongomock has no timezone
                        # option), at most 24 x 31 x 24 small rows.
                        "hours": [
                            {"$match": {"status": "final", "finalized_at": {"$gte": since}}},
                            {
                                "$group": {
                                    "_id": {
                                        "y": {"$year": "$finalized_at"},
                                        "m": {"$month": "$finalized_at"},
                                        "d": {"$dayOfMonth": "$finalized_at"},
                                        "h": {"$hour": "$finalized_at"},
                                    },
                                    "n": {"$sum": 1},
                                }
                            },
                        ],
                        "qualifications": [
                            final,
                            {"$unwind": "$selections"},
                            {"$group": {"_id": "$selections.crebo", "n": {"$sum": 1}}},
                            {"$sort": {"n": -1, "_id": 1}},
                            {"$limit": limit},
                            {
                                "$lookup": {
                                    "from": "qualifications",
                                    "localField": "_id",
                                    "foreignField": "crebo",
                                    "as": "q",
                                }
                            },
                            {"$project": {"n": 1, "q.title": 1, "q.superseded": 1}},
                        ],
                        "work_processes": [
                            final,
                            {"$unwind": "$selections"},
                            {"$unwind": "$selections.codes"},
                            {
                                "$group": {
                                    "_id": {"crebo": "$selections.crebo", "code": "$selections.codes"},
                                    "n": {"$sum": 1},
                                }
                            },
                            {"$sort": {"n": -1, "_id.crebo": 1, "_id.code": 1}},
                            {"$limit": limit},
                            {
                                "$lookup": {
                                    "from": "qualifications",
                                    "localField": "_id.crebo",
                                    "foreignField": "crebo",
                                    "as": "q",
                                }
                            },
                            {
                                "$project": {
                                    "n": 1,
                                    "q.superseded": 1,
                                    "q.core_tasks.work_processes.code": 1,
                                    "q.core_tasks.work_processes.title": 1,
                                }
                            },
                        ],
                    }
                },
            ]
        )
    )


def _newest_first(versions):
    """The kwalificatie versions of a $lookup, the current one (not superseded) first."""
    return sorted(versions or [], key=lambda q: bool(q.get("superseded")))


def _top_qualifications(rows):
    result = []
    for row in rows:
        title = next((q.get("title") for q in _newest_first(row.get("q")) if q.get("title")), "")
        result.append({"crebo": row["_id"], "title": title, "count": row["n"]})
    return result


def _top_work_processes(rows):
    result = []
    for row in rows:
        crebo, code = row["_id"]["crebo"], row["_id"]["code"]
        title = ""
        for q in _newest_first(row.get("q")):
            found = [
                wp.get("title")
                for t in q.get("core_tasks") or []
                for wp in t.get("work_processes") or []
                if wp.get("code") == code
            ]
            if found:
                title = found[0] or ""
                break
        result.append({"crebo": crebo, "code": code, "count": row["n"], "title": title})
    return result


def _per_school(schools, people, per_school):
    table = {
        s["_id"]: {
            "school": {"pk": s["_id"], "name": s.get("name", ""), "kind": s.get("kind")},
            "participants": 0,
            "concept": 0,
            "final": 0,
        }
        for s in schools
    }
    for row in people["active"]:
        if row["_id"] in table:
            table[row["_id"]]["participants"] = row["n"]
    for row in per_school:
        entry = table.get(row["_id"]["i"])
        if entry is not None:
            entry[row["_id"]["s"]] = row["n"]
    return sorted(table.values(), key=lambda r: r["school"]["name"].lower())


def _per_education_form(rows):
    counts = {code: 0 for code, _label in EDUCATION_FORMS}
    for row in rows:
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


def _first_month(months, today=None):
    today = today or local_today()
    return add_months(today.year, today.month, -(months - 1))


def _month_counts(hour_rows):
    """{(year, month): n} in Dutch calendar months from counts per UTC hour."""
    found = {}
    for row in hour_rows:
        key = row["_id"]
        when = local(datetime(key["y"], key["m"], key["d"], key["h"]))
        found[(when.year, when.month)] = found.get((when.year, when.month), 0) + row["n"]
    return found


def _month_rows(first, months, found):
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


def per_month(user, months=MONTHS_BACK, today=None):
    """Statements made final per Dutch calendar month over the last `months` months (current month included)."""
    first = _first_month(months, today)
    row = _statement_facets_sbb(user, utc_of_local(date(*first, 1)), 1)
    return _month_rows(first, months, _month_counts(row["hours"]))


# Open work of the advisors, joined to the request counts by a constant: $lookup of the trainers whose review
# status is open or in progress, and of the submitted access requests (each only a small field comes back).
_QUEUE_LOOKUPS = [
    {"$addFields": {"review_open": {"$literal": ["open", "in_progress"]}, "access_open": "submitted"}},
    {"$lookup": {"from": "trainers", "localField": "review_open", "foreignField": "review_status", "as": "trainers"}},
    {"$lookup": {"from": "access_requests", "localField": "access_open", "foreignField": "status", "as": "access"}},
    {"$project": {"counts": 1, "trainers.source": 1, "access._id": 1}},
]


def _advisor_queue(row):
    requests = _request_counts(row["counts"])
    return {
        "requests": requests,
        "requests_total": sum(requests.values()),
        "trainers": sum(1 for t in row.get("trainers") or [] if t.get("source") == "school"),
        "access": len(row.get("access") or []),
        "request_statuses": dict(REQUEST_STATUSES),
    }


def _queue_row():
    return next(
        AccreditationRequest.objects.aggregate(
            [
                {"$match": {"status": {"$in": list(OPEN_REQUEST_STATUSES)}}},
                {"$facet": {"counts": [{"$group": {"_id": "$status", "n": {"$sum": 1}}}]}},
                *_QUEUE_LOOKUPS,
            ]
        )
    )


def advisor_queue():
    """The advisors' open work: accreditation requests per open status, trainers to review, access requests."""
    return _advisor_queue(_queue_row())


def compute_sbb_dashboard(user, limit=10, months=MONTHS_BACK, today=None):
    """The SBB dashboard's data in five operations (one aggregate per collection, schools by name); BSON-safe."""
    first = _first_month(months, today)
    people = _participant_facets(user)
    schools = list(scope(Institution.objects, user, field="pk").only("name", "kind").order_by("name").as_pymongo())
    statements = _statement_facets_sbb(user, utc_of_local(date(*first, 1)), limit)
    queue = _queue_row()
    return {
        "figures": {
            **_participant_figures(people),
            "guidance": _guidance_counts(user),
            "statements": _status_counts({"_id": r["_id"]["s"], "n": r["n"]} for r in statements["per_school"]),
        },
        "schools": _per_school(schools, people, statements["per_school"]),
        "forms": _per_education_form(statements["forms"]),
        "first_month": list(first),
        "month_counts": [[y, m, n] for (y, m), n in _month_counts(statements["hours"]).items()],
        "qualifications": _top_qualifications(statements["qualifications"]),
        "work_processes": _top_work_processes(statements["work_processes"]),
        "queue": _advisor_queue(queue),
    }


def cached(key, seconds, compute):
    """The view stored under `key` when younger than `seconds`, else `compute()` stored for the next request.

    One read on a hit; a miss adds the computation and one upsert. The stored data gets `computed_at`.
    """
    collection = CachedView._get_collection()
    now = utcnow()
    hit = collection.find_one({"_id": key, "computed_at": {"$gt": now - timedelta(seconds=seconds)}}, {"data": 1})
    if hit is not None:
        return hit["data"]
    data = {**compute(), "computed_at": now}
    collection.update_one(
        {"_id": key},
        {"$set": {"data": data, "computed_at": now, "expires_at": now + timedelta(seconds=seconds)}},
        upsert=True,
    )
    return data


def sbb_dashboard(user, months=MONTHS_BACK):
    """The SBB dashboard, from the shared cache when it is less than a minute old; `computed_at` says when."""
    if not sees_all_institutions(user):  # the cached figures are national: never served to a scoped user
        data = {**compute_sbb_dashboard(user, months=months), "computed_at": utcnow()}
    else:
        data = cached(
            f"sbb_dashboard:maanden={months}", CACHE_SECONDS, lambda: compute_sbb_dashboard(user, months=months)
        )
    found = {(y, m): n for y, m, n in data["month_counts"]}
    rest = {k: v for k, v in data.items() if k not in ("month_counts", "first_month")}
    return {**rest, "months": _month_rows(tuple(data["first_month"]), months, found)}
