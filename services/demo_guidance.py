"""Demo data of the guidance area: a few demo participants with a placement get a concept and a final document."""

import logging

from documents.guidance import GuidanceDocument, Selection

log = logging.getLogger("praktijkloket.demo")

# (school BRIN, first name, last name, made by, [(crebo, number of werkprocessen, gedrag every n-th)], finalize)
DEMO_DOCUMENTS = (
    ("25DM", "Jan", "Vries", "mbo@school.example", [("90101", 6, 2), ("90102", 4, 3)], True),
    ("25DM", "Jan", "Vries", "mbo@school.example", [("90101", 3, 0)], False),
    ("25DM", "Eline", "Berg", "collega@school.example", [("90201", 5, 2)], False),
    ("12PD", "Mila", "Jong", "pro@school.example", [("90301", 5, 1)], True),
)
PREVIEW = ("25DM", "Jan", "Vries")


def _participant(school, first, last):
    from documents.participants import Participant

    return Participant.objects(institution=school, first_name=first, last_name=last).first()


def _ensure_placement(participant, user, crebos):
    """The participant's placement, or one at a demo company accredited for the crebos (demo data only)."""
    from documents.companies import Company, Trainer
    from services.placements import create_placement, current_placement

    placement = current_placement(participant)
    if placement is not None:
        return placement
    for company in Company.objects.order_by("company_id"):
        if all(company.is_accredited_for(c) for c in crebos):
            trainer = Trainer.objects(company=company, source="sbb").first()
            return create_placement(user, participant, company=company, trainer=trainer)
    return None


def _selections(crebos):
    from services.qualifications import get_by_crebo

    result = []
    for crebo, count, every in crebos:
        qualification = get_by_crebo(crebo)
        if qualification is None:
            continue
        codes = [wp.code for wp in qualification.work_processes()][:count]
        behaviour = [c for n, c in enumerate(codes) if every and n % every == 0]
        result.append(
            Selection(crebo=crebo, qualification_id=str(qualification.pk), codes=codes, behaviour_codes=behaviour)
        )
    return result


def seed(schools, users):
    """Create this area's demo data when missing (idempotent: a participant with documents is left alone)."""
    from services import guidance

    done = set()
    for brin, first, last, email, crebos, final in DEMO_DOCUMENTS:
        school, user = schools.get(brin), users.get(email)
        participant = _participant(school, first, last) if school and user else None
        if participant is None:
            continue
        if participant.pk not in done and GuidanceDocument.objects(participant=participant).count():
            continue
        done.add(participant.pk)
        selections = _selections(crebos)
        placement = _ensure_placement(participant, user, [c for c, _n, _e in crebos])
        if not selections or placement is None:
            log.info("Geen demo-begeleidingsdocument voor %s: kwalificatie of leerbedrijf ontbreekt.", first)
            continue
        doc = guidance.create_concept(participant, user, selections, placement=placement)
        if final:
            guidance.finalize(doc, user)


def preview_document():
    """Render input for `flask pdf-voorbeeld`: the final demo document (two kwalificaties), else a sample."""
    from documents.institutions import Institution
    from services import guidance

    school = Institution.objects(brin=PREVIEW[0]).first()
    participant = _participant(school, PREVIEW[1], PREVIEW[2]) if school else None
    doc = GuidanceDocument.objects(participant=participant, status="final").first() if participant else None
    if doc is not None:
        return guidance.render_data(doc)
    from services.pdf.sample import sample_guidance

    return sample_guidance(10)
