"""Stap 2: a participant's company and trainer (a placement); trainers a school adds for one participant."""

import contextlib
import contextvars

from mongoengine.errors import ValidationError as MEValidationError

from documents.companies import AccreditationRequest, Placement, Trainer
from documents.participants import Participant
from services import audit
from services.clock import utcnow
from services.companies import TRAINER_FIELDS
from services.errors import NotFound, RuleBroken, first_error
from services.ids import object_id_or_404, ref_id
from services.permissions import check_institution, require


class PlacementError(RuleBroken):
    """A placement or trainer we cannot save; the message is Dutch and says what to fix."""


def participant_for(user, participant_id):
    """The participant if the user may see it, else 404 (another school's id included)."""
    try:
        from services.participants import get_participant_for
    except ImportError:
        get_participant_for = None
    if get_participant_for is not None:
        participant = get_participant_for(user, participant_id)
        if participant is None:
            raise NotFound()
        return participant
    participant = Participant.objects(pk=object_id_or_404(participant_id)).first()
    if participant is None:
        raise NotFound()
    check_institution(user, participant.institution)
    return participant


def request_for_participant(participant, request_id):
    """An accreditation request of the participant's school, else 404."""
    req = AccreditationRequest.objects(pk=object_id_or_404(request_id)).first()
    if req is None or req.institution is None or req.institution.pk != participant.institution.pk:
        raise NotFound()
    return req


def trainer_may_be_used(trainer, participant, company=None, request=None):
    if company is not None and (trainer.company is None or trainer.company.pk != company.pk):
        return False
    if request is not None and (trainer.request is None or trainer.request.pk != request.pk):
        return False
    return trainer.is_registered or (trainer.participant is not None and trainer.participant.pk == participant.pk)


def add_trainer_for_participant(user, participant, data, company=None, request=None):
    """A school adds a trainer for this participant only; it goes to the advisors' queue."""
    require(user, "edit_participants")
    check_institution(user, participant.institution)
    if company is None and request is None:
        raise PlacementError("Kies eerst een leerbedrijf.")
    trainer = Trainer(
        company=company,
        request=request,
        source="school",
        participant=participant,
        participant_name=participant.full_name,
        institution=participant.institution,
        added_by_email=user.email,
        review_status="open",
        **{k: (data.get(k) or None) for k in TRAINER_FIELDS},
    )
    try:
        trainer.save()
    except MEValidationError as exc:
        raise PlacementError(first_error(exc)) from exc
    audit.record(
        "create",
        trainer,
        institution=participant.institution,
        label=f"Praktijkopleider {trainer.full_name} toegevoegd voor {participant.full_name}",
    )
    return trainer


def create_placement(user, participant, company=None, request=None, trainer=None, start=None, end=None):
    """Link the participant to a company (or a proposed one) and a trainer; the newest placement is current."""
    require(user, "edit_participants")
    check_institution(user, participant.institution)
    if company is None and request is None:
        raise PlacementError("Kies een leerbedrijf.")
    if request is not None:
        if request.institution is None or request.institution.pk != participant.institution.pk:
            raise NotFound()
        if request.company is not None:  # granted meanwhile: use the real company
            company, request = request.company, None
    if trainer is not None and not trainer_may_be_used(trainer, participant, company, request):
        raise PlacementError("Deze praktijkopleider hoort niet bij dit leerbedrijf of deze deelnemer.")
    previous = current_placement(participant)
    placement = Placement(
        participant=participant,
        company=company,
        request=request,
        trainer=trainer,
        start=start,
        end=end,
        created_by=user.email,
        created_at=utcnow(),
        seq=(previous.seq + 1) if previous else 0,
    )
    try:
        placement.save()
    except MEValidationError as exc:
        raise PlacementError(first_error(exc)) from exc
    _forget(participant)
    audit.record(
        "create",
        placement,
        institution=participant.institution,
        label=f"{participant.full_name}: leerbedrijf {placement.company_name}"
        + (f", praktijkopleider {placement.trainer_name}" if placement.trainer_name else ""),
    )
    return placement


def place_with_new_trainer(user, participant, data, company=None, request=None, start=None, end=None):
    """Add a trainer for this participant and place the participant with them: both or neither."""
    if start and end and end < start:
        raise PlacementError("De einddatum ligt vóór de begindatum.")
    trainer = add_trainer_for_participant(user, participant, data, company=company, request=request)
    try:
        return create_placement(
            user, participant, company=company, request=request, trainer=trainer, start=start, end=end
        )
    except Exception:
        trainer.delete()
        raise


# {participant id: [placements, newest first]} while a page's panels read placements (see shared_reads), else None.
_shared = contextvars.ContextVar("placements_shared", default=None)


@contextlib.contextmanager
def shared_reads():
    """Read each participant's placements once inside the block (the participant page's panels share one list)."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _forget(participant):
    """Drop a participant's shared placements after a write, so a later read in the same block sees the new one."""
    memo = _shared.get()
    if memo is not None:
        memo.pop(ref_id(participant), None)


def _history(participant):
    memo = _shared.get()
    key = ref_id(participant)
    if memo is not None and key in memo:
        return memo[key]
    rows = list(Placement.objects(participant=participant).order_by("-created_at", "-seq"))
    if memo is not None:
        memo[key] = rows
    return rows


def current_placement(participant):
    """The participant's newest placement, or None."""
    if _shared.get() is None:
        return Placement.objects(participant=participant).order_by("-created_at", "-seq").first()
    # Inside shared_reads the whole history is read once; the same objects also share their loaded trainer.
    history = _history(participant)
    return history[0] if history else None


def placement_history(participant):
    """Every placement of the participant, newest first."""
    return list(_history(participant))


def current_company_names(participant_ids):
    """{participant_id: company name} of each participant's current placement, in one query."""
    if not participant_ids:
        return {}
    rows = (
        Placement.objects(participant__in=list(participant_ids))
        .only("participant", "company_name", "company", "created_at", "seq")
        .order_by("participant", "-created_at", "-seq")
        .as_pymongo()
    )
    names = {}
    for row in rows:
        pid = row["participant"]
        if pid not in names:
            name = row.get("company_name") or ""
            names[pid] = name if row.get("company") else f"{name} (erkenning aangevraagd)"
    return {pid: names[pid] for pid in names} | {str(pid): names[pid] for pid in names}


def get_trainer_or_404(trainer_id):
    trainer = Trainer.objects(pk=object_id_or_404(trainer_id)).first()
    if trainer is None:
        raise NotFound()
    return trainer
