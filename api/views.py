"""The endpoints of /api/v1: read the request, call a service as the key's principal, shape the answer."""

import hashlib
import re

from flask import Response, g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from mongoengine import Q

from api import schemas as s
from api.auth import failed_authentication, failure_key, failure_limit, rate_key, rate_limit, require_key
from api.problems import describe, handle_exception, problem
from core.text import fold
from documents.companies import Company
from documents.constants import GUIDANCE_STATUSES, STATEMENT_STATUSES, VERIFICATION_STATUSES, label
from documents.finality import FINAL
from documents.participants import Participant
from documents.statements import PracticeStatement
from services import guidance as guidance_svc
from services import participants as svc
from services import statements as statement_svc
from services.companies import search_companies
from services.errors import NotFound
from services.ids import parse_object_id
from services.permissions import scope
from services.qualifications import get_by_crebo
from services.verification import lookup_code, public_view

participants_bp = Blueprint("deelnemers", __name__, description="Deelnemers van uw onderwijsinstelling")
documents_bp = Blueprint(
    "documenten", __name__, description="Begeleidingsdocumenten en praktijkverklaringen, met de definitieve PDF"
)
registry_bp = Blueprint("register", __name__, description="Leerbedrijven en kwalificaties (voor iedere school gelijk)")
verification_bp = Blueprint("verificatie", __name__, description="Een praktijkverklaring controleren op code")
BLUEPRINTS = (participants_bp, documents_bp, registry_bp, verification_bp)

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": 'De versie die u het laatst las, als ETag: "3" (ETag van GET). Verouderd: 412.',
}
EDITABLE = [name for name, _label in svc.EDITABLE_FIELDS]


def principal():
    return g.api_principal


# --- shaping ------------------------------------------------------------------------------------------------------


def participant_out(p):
    return {
        "id": str(p.pk),
        **{field: getattr(p, field) for field in EDITABLE},
        "full_name": p.full_name,
        "archived": p.archived_at is not None,
        "archived_at": p.archived_at,
        "version": p.version or 1,
        "created_at": p.created_at,
        "changed_at": p.changed_at,
    }


def with_etag(body, version):
    """Answer a participant with its version as the ETag (If-Match takes it back)."""
    return body, 200, {"ETag": f'"{version}"'}


def get_participant(participant_id):
    return svc.get_participant_for(principal(), participant_id)


def expected_version():
    """The version in If-Match ("3", W/"3" or 3); '*' means whatever is current. None: header missing."""
    raw = (request.headers.get("If-Match") or "").strip()
    if not raw:
        return None
    if raw == "*":
        return "*"
    match = re.fullmatch(r'(?:W/)?"?(\d{1,9})"?', raw)
    return int(match.group(1)) if match else -1


# --- participants -------------------------------------------------------------------------------------------------


@participants_bp.route("/participants")
class Participants(MethodView):
    @participants_bp.arguments(s.ParticipantListArgs, location="query")
    @participants_bp.response(200, s.ParticipantPageSchema)
    def get(self, args):
        """Deelnemers van uw school, op volgorde van id; volgende pagina met next_cursor."""
        query = scope(Participant.objects, principal()).exclude("overview")
        if args.get("archived") is True:
            query = query.archived()
        elif args.get("archived") is False:
            query = query.active()
        if args.get("group"):
            query = query.filter(group_key=fold(args["group"]))
        since = args.get("changed_since")
        if since is not None:
            query = query.filter(Q(changed_at__gte=since) | Q(changed_at=None, created_at__gte=since))
        if args.get("cursor"):
            after = parse_object_id(args["cursor"])
            if after is None:
                return problem(400, "Deze cursor is ongeldig: gebruik next_cursor van de vorige pagina.")
            query = query.filter(pk__gt=after)
        limit = args["limit"]
        rows = list(query.order_by("id").limit(limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "items": [participant_out(p) for p in rows],
            "next_cursor": str(rows[-1].pk) if more and rows else None,
        }

    @participants_bp.arguments(s.ParticipantInSchema)
    @participants_bp.response(201, s.ParticipantSchema)
    @participants_bp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Een deelnemer toevoegen (bestaat dezelfde naam en geboortedatum al: 409)."""
        participant = svc.create_participant(principal(), data)
        return participant_out(participant), 201, {"ETag": f'"{participant.version}"'}


@participants_bp.route("/participants/<participant_id>")
class ParticipantItem(MethodView):
    @participants_bp.response(200, s.ParticipantSchema)
    @participants_bp.alt_response(404, response="NOT_FOUND")
    def get(self, participant_id):
        """Eén deelnemer; de ETag is de versie."""
        participant = get_participant(participant_id)
        return with_etag(participant_out(participant), participant.version)

    @participants_bp.doc(parameters=[IF_MATCH])
    @participants_bp.arguments(s.ParticipantInSchema)
    @participants_bp.response(200, s.ParticipantSchema)
    @participants_bp.alt_response(404, response="NOT_FOUND")
    @participants_bp.alt_response(409, response="CONFLICT")
    @participants_bp.alt_response(412, response="PRECONDITION_FAILED")
    @participants_bp.alt_response(428, response="PRECONDITION_REQUIRED")
    def put(self, data, participant_id):
        """Een deelnemer wijzigen: alle velden, met If-Match op de versie (verouderd: 412; ontbreekt: 428)."""
        participant = get_participant(participant_id)
        version = expected_version()
        if version is None:
            return problem(428, 'Stuur de versie mee in de kop If-Match (de ETag van GET), bijvoorbeeld "3".')
        if version == "*":
            version = participant.version
        participant = svc.update_participant(principal(), participant, data, version)
        return with_etag(participant_out(participant), participant.version)


def _move(participant_id, to_archive):
    participant = get_participant(participant_id)
    if to_archive:
        svc.archive_participants(principal(), [participant.pk])
    else:
        svc.restore_participants(principal(), [participant.pk])
    participant.reload()
    return with_etag(participant_out(participant), participant.version)


@participants_bp.route("/participants/<participant_id>/archive", methods=["POST"])
@participants_bp.response(200, s.ParticipantSchema)
def archive(participant_id):
    """Naar het archief (staat hij er al: geen wijziging)."""
    return _move(participant_id, True)


@participants_bp.route("/participants/<participant_id>/restore", methods=["POST"])
@participants_bp.response(200, s.ParticipantSchema)
def restore(participant_id):
    """Terug naar actueel (staat hij er al: geen wijziging)."""
    return _move(participant_id, False)


def with_student_numbers(numbers):
    """{leerlingnummer: [participants]} of the key's school, in one query (a bulk request asks once, not 500 times)."""
    found = {}
    query = scope(Participant.objects(student_number__in=sorted(set(numbers))), principal()).exclude("overview")
    for participant in query:
        found.setdefault(participant.student_number, []).append(participant)
    return found


def upsert(data, student_number, known=None):
    """Create or bring up to date the participant with this leerlingnummer: (outcome, participant)."""
    user = principal()
    student_number = student_number.strip()
    data = {**data, "student_number": student_number}
    if known is None:
        known = with_student_numbers([student_number])
    matches = known.get(student_number, [])[:2]
    if len(matches) > 1:
        raise svc.ParticipantError(
            f"Leerlingnummer {student_number} hoort bij meer dan één deelnemer: wijzig die via hun id.",
            {"student_number": "Dit leerlingnummer komt meer dan eens voor."},
        )
    if not matches:
        try:
            return "created", svc.create_participant(user, data)
        except svc.DuplicateParticipantError:
            # A parallel PUT for this leerlingnummer created the person a moment ago: update it (idempotent).
            # No unique index on (institution, student_number): the screens and the import let a school repeat a
            # leerlingnummer, so two parallel creates of two different people with one number can still both win.
            matches = with_student_numbers([student_number]).get(student_number, [])[:2]
            if len(matches) != 1:
                raise
    participant = matches[0]
    before = participant.version
    try:
        participant = svc.update_participant(user, participant, data, participant.version)
    except svc.StaleParticipantError as exc:
        # The client sent no version: a colleague's save between our read and write is not its mistake. Once more
        # on the version just read (a second race in a row is answered with 412).
        participant, before = exc.current, exc.current.version
        participant = svc.update_participant(user, participant, data, participant.version)
    return ("updated" if participant.version != before else "unchanged"), participant


@participants_bp.route("/participants/by-student-number/<student_number>", methods=["PUT"])
@participants_bp.arguments(s.ParticipantInSchema)
@participants_bp.response(200, s.ParticipantSchema)
@participants_bp.alt_response(201, schema=s.ParticipantSchema, description="Nieuw aangemaakt", success=True)
def upsert_by_student_number(data, student_number):
    """Toevoegen of bijwerken op leerlingnummer; hetzelfde verzoek nog eens verandert niets (idempotent)."""
    student_number = student_number.strip()
    if not student_number or len(student_number) > 30:
        return problem(422, errors={"student_number": "Een leerlingnummer heeft 1 tot en met 30 tekens."})
    outcome, participant = upsert(data, student_number)
    status = 201 if outcome == "created" else 200
    return participant_out(participant), status, {"ETag": f'"{participant.version}"'}


@participants_bp.route("/participants/bulk", methods=["POST"])
@participants_bp.arguments(s.BulkInSchema)
@participants_bp.response(200, s.BulkOutSchema)
def bulk(data):
    """Tot 500 deelnemers in één verzoek, met een resultaat per item (met leerlingnummer: toevoegen of bijwerken)."""
    results = []
    loader = s.ParticipantInSchema()
    numbers = [str(raw.get("student_number")).strip() for raw in data["items"] if raw.get("student_number")]
    known = with_student_numbers(numbers)
    for index, raw in enumerate(data["items"]):
        try:
            item = loader.load(raw)
        except s.ma.ValidationError as exc:
            results.append(_bulk_problem(index, 422, "De invoer klopt niet.", exc.messages))
            continue
        try:
            if item.get("student_number"):
                outcome, participant = upsert(item, item["student_number"], known)
            else:
                outcome, participant = "created", svc.create_participant(principal(), item)
            # A later item with the same leerlingnummer updates this one instead of adding a second.
            if participant.student_number and outcome == "created":
                known.setdefault(participant.student_number, []).append(participant)
        except Exception as exc:
            described = describe(exc)
            if described is None or described[0] == 403:
                raise  # a fault or a read-only key: the whole request says so
            status, detail, errors, _extra = described
            results.append(_bulk_problem(index, status, detail, errors))
            continue
        status = 201 if outcome == "created" else 200
        results.append(
            {
                "index": index,
                "status": status,
                "outcome": outcome,
                "id": str(participant.pk),
                "version": participant.version,
            }
        )
    counts = {k: sum(1 for r in results if r["outcome"] == k) for k in ("created", "updated", "unchanged")}
    return {"results": results, **counts, "failed": sum(1 for r in results if r["outcome"] == "error")}


def _bulk_problem(index, status, detail, errors):
    from api.problems import TITLES

    return {
        "index": index,
        "status": status,
        "outcome": "error",
        "title": TITLES.get(status),
        "detail": detail,
        "errors": errors or None,
    }


# --- documents ----------------------------------------------------------------------------------------------------


@documents_bp.route("/participants/<participant_id>/guidance-documents")
@documents_bp.response(200, s.GuidanceSchema(many=True))
def guidance_documents(participant_id):
    """De begeleidingsdocumenten van een deelnemer, nieuwste eerst."""
    participant = get_participant(participant_id)
    return [
        {
            "id": str(doc.pk),
            "status": doc.status,
            "status_label": label(GUIDANCE_STATUSES, doc.status),
            "qualifications": [sel.crebo for sel in doc.selections],
            "created_at": doc.created_at,
            "finalized_at": doc.finalized_at,
        }
        for doc in guidance_svc.documents_of(participant)
    ]


@documents_bp.route("/participants/<participant_id>/statements")
@documents_bp.response(200, s.StatementSchema(many=True))
def statements(participant_id):
    """De praktijkverklaringen van een deelnemer met status en nummer, nieuwste eerst."""
    participant = get_participant(participant_id)
    rows = (
        scope(PracticeStatement.objects(participant=participant.pk), principal())
        .exclude("snapshot")
        .order_by("-created_at")
    )
    return [
        {
            "id": str(st.pk),
            "status": st.status,
            "status_label": label(STATEMENT_STATUSES, st.status),
            "number": st.number,
            "verification_code": st.verification_code if st.status == FINAL else None,
            "education_form": st.education_form,
            "bpv_hours": st.bpv_hours,
            "qualifications": [sel.crebo for sel in st.selections],
            "created_at": st.created_at,
            "finalized_at": st.finalized_at,
            "pdf_sha256": st.pdf_sha256 if st.status == FINAL else None,
            "pdf_url": url_for("documenten.statement_pdf", statement_id=str(st.pk)) if st.status == FINAL else None,
        }
        for st in rows
    ]


@documents_bp.route("/statements/<statement_id>/pdf")
@documents_bp.alt_response(404, response="NOT_FOUND")
@documents_bp.alt_response(409, response="CONFLICT")
@documents_bp.doc(
    parameters=[
        {
            "in": "header",
            "name": "If-None-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": "De ETag (SHA-256) die u al hebt: dan 304 zonder inhoud.",
        }
    ],
    responses={
        "200": {
            "description": "De PDF zoals die is uitgegeven; ETag is de SHA-256 van deze bytes",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        "304": {"description": "Ongewijzigd: u hebt deze PDF al"},
    },
)
def statement_pdf(statement_id):
    """De definitieve PDF van een praktijkverklaring (precies de uitgegeven bytes); een concept: 409."""
    statement = statement_svc.get_statement_for(principal(), statement_id)
    data = statement_svc.final_pdf(statement)
    etag = hashlib.sha256(data).hexdigest()
    wanted = [t.strip().removeprefix("W/").strip('"') for t in (request.headers.get("If-None-Match") or "").split(",")]
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"}
    if etag in wanted or "*" in wanted:
        return Response(status=304, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="praktijkverklaring-{statement.number}.pdf"'
    return Response(data, mimetype="application/pdf", headers=headers)


# --- registry -----------------------------------------------------------------------------------------------------


def company_out(company):
    return {
        "company_id": company.company_id,
        "name": company.name,
        "address": company.address,
        "postcode": company.postcode,
        "city": company.city,
        "accreditations": [{"crebo": a.crebo, "start": a.start, "end": a.end} for a in company.accreditations or []],
    }


@registry_bp.route("/companies")
@registry_bp.arguments(s.CompanySearchArgs, location="query")
@registry_bp.response(200, s.CompanyPageSchema)
def companies(args):
    """Erkende leerbedrijven zoeken op naam, leerbedrijf-ID en plaats."""
    result = search_companies(args.get("q") or "", args.get("plaats") or "", args["page"], args["page_size"])
    return {
        "items": [company_out(c) for c in result.items],
        "total": result.total,
        "capped": result.capped,
        "page": result.page,
        "pages": result.pages,
        "page_size": result.page_size,
    }


@registry_bp.route("/companies/<company_id>")
@registry_bp.response(200, s.CompanySchema)
def company(company_id):
    """Eén leerbedrijf op leerbedrijf-ID (9 cijfers), met erkenningen."""
    if not re.fullmatch(r"\d{9}", company_id):
        raise NotFound()
    found = Company.objects(company_id=company_id).first()
    if found is None:
        raise NotFound()
    return company_out(found)


@registry_bp.route("/qualifications/<crebo>")
@registry_bp.arguments(s.QualificationArgs, location="query")
@registry_bp.response(200, s.QualificationSchema)
def qualification(args, crebo):
    """Een kwalificatie op crebo, met kerntaken en werkprocessen (nieuwste versie, of de gevraagde)."""
    if not re.fullmatch(r"\d{1,10}", crebo):
        raise NotFound()
    found = get_by_crebo(crebo, args.get("version"))
    if found is None:
        raise NotFound()
    return {
        **{
            f: getattr(found, f)
            for f in ("crebo", "title", "level", "version", "dossier_crebo", "dossier_title", "valid_from")
        },
        "end_intake": found.end_intake,
        "end_training": found.end_training,
        "superseded": bool(found.superseded),
        "core_tasks": [
            {
                "code": task.code,
                "title": task.title,
                "part": task.part,
                "work_processes": [
                    {
                        "code": wp.code,
                        "title": wp.title,
                        "description": wp.description,
                        "result": wp.result,
                        "behaviour": list(wp.behaviour or []),
                        "part": wp.part,
                    }
                    for wp in task.work_processes
                ],
            }
            for task in found.core_tasks
        ],
    }


# --- verification -------------------------------------------------------------------------------------------------


@verification_bp.route("/verification/<code>")
@verification_bp.response(200, s.VerificationSchema)
def verification(code):
    """Een praktijkverklaring controleren op verificatiecode (zoals de openbare verificatiepagina)."""
    if len(code) > 60:
        raise NotFound()
    record = lookup_code(code)
    if record is None:
        raise NotFound()
    view = public_view(record)
    view["status_label"] = label(VERIFICATION_STATUSES, view["status"])
    return {k: v for k, v in view.items() if k in s.VerificationSchema().fields}


def _set_up(blueprints):
    """Key check, rate limit per key, problem+json errors and no CSRF (no cookies either) for every endpoint."""
    from admin_views.security import csrf, limiter

    for bp in blueprints:
        bp.before_request(require_key)
        bp.register_error_handler(Exception, handle_exception)
        # Flask prefers a handler for the status code, even the app's HTML page, over one for a class: name them.
        for code in (400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 428, 429, 500):
            bp.register_error_handler(code, handle_exception)
        csrf.exempt(bp)
        limiter.limit(rate_limit, key_func=rate_key)(bp)
        # Checked before the key (a guesser learns nothing once over it); only a 401 answer counts.
        limiter.limit(failure_limit, key_func=failure_key, deduct_when=failed_authentication)(bp)


_set_up(BLUEPRINTS)
