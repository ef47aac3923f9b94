"""Demo data of the statements area: branch organisations with drawn logos, and praktijkverklaringen in every status
(concept, definitief, ingetrokken) for several demo participants, one of each onderwijsvorm. Final ones go through
services.statements.finalize, so they carry a real number, code, PDF and verification record."""

import io
import logging

from documents.companies import Company, Trainer
from documents.guidance import GuidanceDocument
from documents.participants import Participant
from documents.statements import BranchOrganisation, PracticeStatement, VerificationRecord
from services import statements as svc
from services.images import attach_logo

log = logging.getLogger("praktijkloket.demo")

# (name, initials, colour) - fictional organisations.
DEMO_BRANCHES = (
    ("Branchevereniging Logistiek Demo", "BLD", (20, 90, 160)),
    ("Horeca Vakmanschap Demo", "HVD", (170, 60, 40)),
    ("Groene Sector Demo", "GSD", (40, 130, 60)),
)

# (school BRIN, first name, last name, onderwijsvorm, target status, hours, author e-mail, take over guidance)
DEMO_STATEMENTS = (
    ("25DM", "Jan", "Vries", "mbo_diploma", "final", 1200, "mbo@school.example", True),
    ("25DM", "Eline", "Berg", "mbo_maatwerk", "concept", 640, "mbo@school.example", False),
    ("25DM", "Zoë", "Bakker", "mbo_maatwerk", "final", 800, "collega@school.example", False),
    ("25DM", "Sem", "Dijk", "mbo_diploma", "withdrawn", 960, "mbo@school.example", False),
    ("12PD", "Mila", "Jong", "pro", "final", 400, "pro@school.example", True),
    ("12PD", "Luuk", "Peters", "pro", "concept", 320, "pro@school.example", False),
    ("08VD", "Finn", "Boer", "vso", "final", 520, "vso@school.example", True),
    ("08VD", "Noor", "Dijkstra", "vso", "concept", None, "vso@school.example", False),
)


def make_branch_logo(initials, colour):
    """A small logo drawn at seed time (nothing shipped, nothing copied)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 100), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 236, 96), radius=18, outline=colour, width=6)
    draw.ellipse((16, 20, 76, 80), fill=colour)
    draw.text((92, 38), initials, fill=colour, font_size=30)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_branches():
    for name, initials, colour in DEMO_BRANCHES:
        if BranchOrganisation.objects(name=name).first() is None:
            branch = BranchOrganisation(name=name)
            attach_logo(branch, make_branch_logo(initials, colour))
            branch.save()


def _participant(school, first, last):
    for p in Participant.objects(institution=school, first_name=first):
        if p.last_name == last:
            return p
    return None


def _placement(participant, user, index):
    """The participant's current placement at an accredited company with a trainer (made when missing)."""
    from services import placements

    placement = placements.current_placement(participant)
    if (
        placement is not None
        and placement.company is not None
        and placement.trainer is not None
        and placement.company.is_accredited
    ):
        return placement
    companies = [c for c in Company.objects.order_by("company_id")[:12] if c.is_accredited]
    if not companies:
        return None
    company = companies[index % len(companies)]
    trainer = Trainer.objects(company=company, source="sbb").first()
    return placements.create_placement(user, participant, company=company, trainer=trainer)


def _selection(company, guidance):
    """A guidance document's werkprocessen, or the first few of a kwalificatie the company is accredited for."""
    from services.qualifications import get_by_crebo

    if guidance is not None:
        return None
    for accreditation in company.current_accreditations():
        qualification = get_by_crebo(accreditation.crebo)
        if qualification is not None and qualification.core_tasks:
            codes = [wp.code for wp in qualification.work_processes()][:4]
            return [
                {
                    "crebo": qualification.crebo,
                    "qualification_id": str(qualification.pk),
                    "codes": codes,
                    "behaviour_codes": [],
                }
            ]
    return []


def seed(schools, users):
    """Create the branch organisations and demo statements when missing (idempotent)."""
    seed_branches()
    branches = list(BranchOrganisation.objects.order_by("name"))
    have_withdrawn = VerificationRecord.objects(status="withdrawn").first() is not None
    for index, (brin, first, last, form, target, hours, author, use_guidance) in enumerate(DEMO_STATEMENTS):
        school, user = schools.get(brin), users.get(author)
        participant = _participant(school, first, last) if school is not None else None
        if participant is None or user is None or participant.archived_at:
            continue
        if PracticeStatement.objects(participant=participant).first() is not None:
            continue
        if target == "withdrawn" and have_withdrawn:
            continue
        placement = _placement(participant, user, index)
        if placement is None:
            continue
        statement = svc.create_concept(participant, user)
        statement = svc.update_concept(
            statement,
            user,
            education_form=form,
            bpv_hours=hours,
            branch_organisations=branches[index % len(branches) :][: 1 + index % 2],
        )
        guidance = GuidanceDocument.objects(participant=participant).first() if use_guidance else None
        selections = _selection(placement.company, guidance)
        if guidance is not None:
            statement = svc.take_over_guidance(statement, user, guidance)
        elif selections:
            statement = svc.set_selections(statement, user, selections)
        if target == "concept":
            continue
        try:
            final = svc.finalize(statement, user)
        except svc.StatementError as exc:
            log.warning("Demo-praktijkverklaring voor %s blijft concept: %s", participant.full_name, exc)
            continue
        if target == "withdrawn":
            svc.delete_statement(
                final, user, taken_back=True, reason="Verkeerd aantal BPV-uren vermeld; de verklaring is ingenomen."
            )
