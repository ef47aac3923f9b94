"""Shared set-up for the statement tests: a participant at an accredited company, a ready concept, a final one."""

import io
import itertools
import uuid
from datetime import date, timedelta

from documents.companies import Company, Trainer
from documents.institutions import Institution
from documents.qualifications import Qualification
from documents.users import User
from services import placements
from services import statements as svc
from tests.factories import ParticipantFactory

BAKERY = "100200301"  # accredited for every demo kwalificatie, has a registry logo
ENDED = "100200314"  # its accreditations ended a month ago
_TWINS = itertools.count()  # each default participant is born a day earlier: no twins for the identity index


def user(email):
    return User.objects(email=email).get()


def school(brin="25DM"):
    return Institution.objects(brin=brin).get()


def qualification(crebo="90101"):
    return Qualification.objects(crebo=crebo, superseded=False).get()


def selection(crebo="90101", count=3):
    q = qualification(crebo)
    return {
        "crebo": q.crebo,
        "qualification_id": str(q.pk),
        "codes": [wp.code for wp in q.work_processes()][:count],
        "behaviour_codes": [],
    }


def participant_at(company_id=BAKERY, brin="25DM", author="mbo@school.example", **fields):
    """A new participant of the school, placed at the company with one of its registered trainers."""
    fields.setdefault("first_name", "Priya")
    fields.setdefault("infix", None)
    fields.setdefault("last_name", "Ramdin")
    fields.setdefault("birth_date", date(2006, 4, 1) - timedelta(days=next(_TWINS)))
    fields.setdefault("birth_place", "Zwolle")
    participant = ParticipantFactory(institution=school(brin), **fields)
    if company_id:
        company = Company.objects(company_id=company_id).get()
        trainer = Trainer.objects(company=company, source="sbb").first()
        placements.create_placement(user(author), participant, company=company, trainer=trainer)
    return participant


def ready_concept(participant=None, author="mbo@school.example", form="mbo_diploma", hours="1.200", selections=None):
    participant = participant or participant_at(author=author)
    maker = user(author)
    statement = svc.create_concept(participant, maker)
    return svc.update_concept(
        statement, maker, education_form=form, bpv_hours=hours, selections=selections or [selection()]
    )


def final_statement(author="mbo@school.example", **kwargs):
    statement = ready_concept(author=author, **kwargs)
    return svc.finalize(statement, user(author))


def png_bytes(size=(60, 30), mode="RGB", colour=(200, 30, 30)):
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def image_bytes(fmt, size=(60, 30)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def fresh_ready_concept(prefix="Verklaring"):
    """A ready concept for a participant of its own (a unique name: no clash with the identity index)."""
    return ready_concept(participant_at(first_name=f"{prefix} {uuid.uuid4().hex[:8]}"))


def fake_render(data, *, concept):
    return f"%PDF-1.4 verklaring {data['number']} {data['participant']['full_name']}".encode()
