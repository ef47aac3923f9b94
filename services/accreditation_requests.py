"""Accreditation requests (voordragen, uitbreiden) and the advisors' follow-up, trainers added by schools included."""

from mongoengine import Q
from mongoengine.errors import NotUniqueError
from mongoengine.errors import ValidationError as MEValidationError

from documents.companies import (
    CREBO_RE,
    OPEN_REQUEST_STATUSES,
    REQUEST_STATUSES,
    REVIEW_STATUSES,
    Accreditation,
    AccreditationRequest,
    Company,
    Placement,
    ProposedCompany,
    RequestNote,
    Trainer,
)
from documents.constants import OPEN_REVIEW_STATUSES, label
from services import audit, mail, participant_overview
from services.clock import format_date, local_today, utcnow
from services.companies import spread_company_name
from services.errors import NotFound, RuleBroken, first_error
from services.ids import object_id_or_404
from services.permissions import check_institution, require, scope

PROPOSED_FIELDS = ("company_id", "name", "address", "postcode", "city", "phone", "email", "website", "contact_name")


class RequestError(RuleBroken):
    """A request or decision we cannot accept; the message is Dutch and says what to fix."""


def parse_crebos(value):
    """'25180, 25168' or a list -> ['25168', '25180']; a Dutch error for anything that is not a crebo."""
    if isinstance(value, str):
        value = value.replace(";", ",").replace(" ", ",").split(",")
    crebos = sorted({(c or "").strip() for c in value or [] if (c or "").strip()})
    if not crebos:
        raise RequestError("Vul ten minste één crebonummer in (vijf cijfers).")
    wrong = [c for c in crebos if not CREBO_RE.match(c)]
    if wrong:
        raise RequestError(f"Geen geldig crebonummer: {', '.join(wrong)}. Een crebonummer bestaat uit vijf cijfers.")
    unknown = _unknown_crebos(crebos)
    if unknown:
        raise RequestError(
            f"Onbekend crebonummer: {', '.join(unknown)}. Zoek de kwalificatie op onder Kwalificaties "
            "en neem het crebonummer over."
        )
    return crebos


def _unknown_crebos(crebos):
    """Crebos the qualification structure does not know (none while that structure is still empty)."""
    try:
        from documents.qualifications import Qualification
    except ImportError:
        return []
    if Qualification.objects.limit(1).count(with_limit_and_skip=True) == 0:
        return []
    known = {str(c) for c in Qualification.objects(crebo__in=crebos).distinct("crebo")}
    return [c for c in crebos if c not in known]


def _save(req):
    try:
        req.save()
    except MEValidationError as exc:
        raise RequestError(first_error(exc)) from exc


def propose_company(user, participant, data, crebos, motivation=""):
    """A school proposes a company that is not in the registry for accreditation."""
    require(user, "make_requests")
    if participant is not None:
        check_institution(user, participant.institution)
    proposed = ProposedCompany(**{k: ((data.get(k) or "").strip() or None) for k in PROPOSED_FIELDS})
    if not proposed.name:
        raise RequestError("Vul de naam van het leerbedrijf in.")
    if not proposed.city:
        raise RequestError("Vul de plaats van het leerbedrijf in.")
    if proposed.company_id and not (proposed.company_id.isdigit() and len(proposed.company_id) == 9):
        raise RequestError("Het leerbedrijf-ID bestaat uit precies 9 cijfers; laat het leeg als u het niet weet.")
    try:
        proposed.validate()
    except MEValidationError as exc:
        raise RequestError("Vul een geldig e-mailadres in." if "email" in str(exc) else first_error(exc)) from exc
    req = _new_request(user, "new", participant, parse_crebos(crebos), motivation)
    req.proposed = proposed
    _save(req)
    audit.record("create", req, institution=req.institution)
    return req


def request_extension(user, company, crebos, participant=None, motivation=""):
    """Ask SBB to extend a company's accreditation to more crebos (step 3 calls this, prefilled)."""
    require(user, "make_requests")
    if participant is not None:
        check_institution(user, participant.institution)
    req = _new_request(user, "extend", participant, parse_crebos(crebos), motivation)
    req.company = company
    _save(req)
    audit.record("create", req, institution=req.institution)
    return req


def _new_request(user, kind, participant, crebos, motivation):
    institution = participant.institution if participant is not None else getattr(user, "institution", None)
    return AccreditationRequest(
        kind=kind,
        crebos=crebos,
        motivation=(motivation or "").strip() or None,
        participant=participant,
        participant_name=participant.full_name if participant is not None else None,
        institution=institution,
        requested_by=user,
        requested_by_email=user.email,
        status="submitted",
        created_at=utcnow(),
    )


def requests_visible_to(user):
    """Requests the user may see: SBB all, a school only its own."""
    return scope(AccreditationRequest.objects, user)


def get_request_for(user, request_id):
    req = AccreditationRequest.objects(pk=object_id_or_404(request_id)).first()
    if req is None:
        raise NotFound()
    check_institution(user, req.institution)
    return req


def _notify(req, subject, body):
    if req.requested_by_email:
        mail.send_mail_quietly(req.requested_by_email, subject, body)


def _status_mail(req, note):
    who = f" voor {req.participant_name}" if req.participant_name else ""
    body = (
        f"Beste collega,\n\nDe status van uw verzoek '{req.kind_label}' voor {req.company_name}"
        f" (crebo {', '.join(req.crebos)}){who} is nu: {req.status_label}.\n"
    )
    if note:
        body += f"\nToelichting van de adviseur praktijkleren:\n{note}\n"
    body += "\nU ziet de status ook bij de deelnemer in het Praktijkloket.\n\nMet vriendelijke groet,\nSBB"
    _notify(req, f"Praktijkloket: verzoek {req.status_label.lower()} - {req.company_name}", body)


def change_request_status(user, req, status, note=""):
    """An advisor takes a request in behandeling or rejects it (a reason is required); granting has its own function."""
    require(user, "handle_requests")
    note = (note or "").strip()
    if status not in ("in_progress", "rejected"):
        raise RequestError("Kies 'In behandeling' of 'Afgewezen'; toekennen gaat met de knop Toekennen.")
    if status == "rejected" and not note:
        raise RequestError("Vul de reden van de afwijzing in; de aanvrager krijgt die te lezen.")
    entry = RequestNote(at=utcnow(), by=user.name, status=status, text=note or None)
    # Only from an allowed starting status: a request already in behandeling is not re-assigned, noted or mailed.
    allowed = REQUEST_STARTING_STATUSES[status]
    with audit.recorded("status_change", req, institution=req.institution, changes={"status": status, "notitie": note}):
        updated = AccreditationRequest.objects(pk=req.pk, status__in=allowed).update_one(
            set__status=status,
            set__advisor=user,
            set__changed_at=utcnow(),
            push__notes=entry,
            **({"set__decided_at": utcnow()} if status == "rejected" else {}),
        )
        if not updated:
            raise RequestError(_request_refusal(req))
    req.reload()
    _status_mail(req, note)
    return req


# The statuses a request may have for each change (granting: OPEN_REQUEST_STATUSES, in grant_request).
REQUEST_STARTING_STATUSES = {"in_progress": ("submitted",), "rejected": OPEN_REQUEST_STATUSES}


def _request_refusal(req):
    """Why a status change did not apply, from the status the request has now."""
    current = AccreditationRequest.objects(pk=req.pk).scalar("status").first()
    if current == "in_progress":
        return "Dit verzoek is al in behandeling; er is niets gewijzigd."
    if current is None:
        return "Dit verzoek bestaat niet meer."
    return f"Dit verzoek is al afgehandeld ({label(REQUEST_STATUSES, current).lower()}); er is niets gewijzigd."


def add_request_note(user, req, note):
    require(user, "handle_requests")
    note = (note or "").strip()
    if not note:
        raise RequestError("Vul een notitie in.")
    AccreditationRequest.objects(pk=req.pk).update_one(
        push__notes=RequestNote(at=utcnow(), by=user.name, status=req.status, text=note)
    )
    req.reload()
    audit.record("update", req, institution=req.institution, changes={"notitie": note})
    return req


def grant_request(user, req, start=None, end=None, note="", company_id=None):
    """Grant: create the company (new) or extend its accreditation, point placements at it, mail the requester."""
    require(user, "handle_requests")
    if not req.is_open:
        raise RequestError("Dit verzoek is al afgehandeld.")
    start = start or local_today()
    if end is not None and end < start:
        raise RequestError("De einddatum van de erkenning ligt vóór de begindatum.")
    note = (note or "").strip()

    # Build and validate everything before the first write: nothing is half-done on bad input.
    company = req.company
    created = False
    if company is None:
        p = req.proposed
        wanted_id = (company_id or (p.company_id if p else "") or "").strip()
        if not (wanted_id.isdigit() and len(wanted_id) == 9):
            raise RequestError("Vul het leerbedrijf-ID van het nieuwe leerbedrijf in (9 cijfers).")
        company = Company.objects(company_id=wanted_id).first()
        if company is None:
            created = True
            company = Company(
                company_id=wanted_id,
                name=p.name,
                address=p.address,
                postcode=p.postcode,
                city=p.city,
                phone=p.phone,
                email=p.email,
                website=p.website,
            )
    for crebo in req.crebos:
        if not company.is_accredited_for(crebo, start):
            company.accreditations.append(Accreditation(crebo=crebo, start=start, end=end))
    try:
        company.validate()
    except MEValidationError as exc:
        raise RequestError(first_error(exc)) from exc

    entry = RequestNote(at=utcnow(), by=user.name, status="granted", text=note or None)
    claimed = AccreditationRequest.objects(pk=req.pk, status__in=OPEN_REQUEST_STATUSES).update_one(
        set__status="granted", set__advisor=user, set__changed_at=utcnow(), set__decided_at=utcnow(), push__notes=entry
    )
    if not claimed:
        raise RequestError("Dit verzoek is zojuist door iemand anders afgehandeld.")
    try:
        company.save(validate=False)
    except NotUniqueError as exc:
        AccreditationRequest.objects(pk=req.pk).update_one(set__status=req.status, pull__notes=entry)
        raise RequestError("Er bestaat al een leerbedrijf met dit leerbedrijf-ID.") from exc
    # The request, its waiting placements and its trainers now belong to the company; the copies of the name they
    # keep (the proposed one until now) follow it as after a rename. Plain ids from a projection: neither the
    # participants nor the placements are built as documents.
    waiting = [
        row["participant"] for row in Placement.objects(request=req, company=None).only("participant").as_pymongo()
    ]
    AccreditationRequest.objects(pk=req.pk).update_one(set__company=company)
    Placement.objects(request=req, company=None).update(set__company=company)
    Trainer.objects(request=req, company=None).update(set__company=company)
    spread_company_name(company.pk, company.name)
    participant_overview.refresh(waiting)  # no longer "erkenning aangevraagd", whatever the name
    req.reload()
    audit.record(
        "status_change",
        req,
        institution=req.institution,
        changes={
            "status": "granted",
            "leerbedrijf": company.company_id,
            "crebos": req.crebos,
            "vanaf": format_date(start),
            "notitie": note,
        },
    )
    audit.record("create" if created else "update", company, institution=None, changes={"erkenning": req.crebos})
    _status_mail(req, note)
    return company


def open_request_for(participant):
    """The newest request made for this participant (for the participant page)."""
    return AccreditationRequest.objects(participant=participant).order_by("-created_at").first()


def school_trainer(trainer_id):
    """A trainer that a school added (the ones advisers review), else 404."""
    trainer = Trainer.objects(pk=object_id_or_404(trainer_id), source="school").first()
    if trainer is None:
        raise NotFound()
    return trainer


def review_trainer(user, trainer, status, note=""):
    """An advisor follows up a trainer a school added: in behandeling, goedgekeurd (registered) or afgewezen."""
    require(user, "handle_requests")
    if trainer.source != "school":
        raise RequestError("Alleen door scholen toegevoegde praktijkopleiders worden beoordeeld.")
    if status not in dict(REVIEW_STATUSES) or status == "open":
        raise RequestError("Kies een geldige status.")
    note = (note or "").strip()
    if status == "rejected" and not note:
        raise RequestError("Vul de reden van de afwijzing in.")
    entry = RequestNote(at=utcnow(), by=user.name, status=status, text=note or None)
    # Only from an open review: an approved trainer is not taken back, a rejected one not revived by a bulk action.
    with audit.recorded(
        "status_change",
        trainer,
        institution=trainer.institution,
        changes={"beoordeling": label(REVIEW_STATUSES, status), "notitie": note},
    ):
        updated = Trainer.objects(
            Q(review_status__in=REVIEW_STARTING_STATUSES[status]) | Q(review_status=None), pk=trainer.pk
        ).update_one(set__review_status=status, set__reviewed_by=user.name, set__changed_at=utcnow(), push__notes=entry)
        if not updated:
            raise RequestError(_review_refusal(trainer))
    trainer.reload()
    return trainer


# The review statuses a trainer may have for each change (an old trainer without one counts as open).
REVIEW_STARTING_STATUSES = {
    "in_progress": ("open",),
    "approved": OPEN_REVIEW_STATUSES,
    "rejected": OPEN_REVIEW_STATUSES,
}
_REVIEW_ALREADY = {
    "in_progress": "Deze praktijkopleider is al in behandeling",
    "approved": "Deze praktijkopleider is al goedgekeurd",
    "rejected": "Deze praktijkopleider is al afgewezen",
}


def _review_refusal(trainer):
    """Why a review did not apply, from the review status the trainer has now."""
    current = Trainer.objects(pk=trainer.pk).scalar("review_status").first()
    return f"{_REVIEW_ALREADY.get(current, 'Deze praktijkopleider bestaat niet meer')}; er is niets gewijzigd."


def status_label(status):
    return label(REQUEST_STATUSES, status)
