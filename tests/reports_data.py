"""Known report data for the dashboard, report and privacy tests: statements and guidance documents made the way
the services make them (saved as concept, made final through finalize_conditionally)."""

import hashlib
import re
from datetime import datetime, timedelta

from documents.files import StoredFile
from documents.guidance import GuidanceDocument, Selection
from documents.institutions import Institution
from documents.participants import Participant
from documents.statements import PracticeStatement, VerificationRecord
from services.clock import utcnow
from services.statements import new_verification_code

_numbers = iter(range(900000, 999999))


def school(brin):
    return Institution.objects.get(brin=brin)


def participant(inst, first="Test", last="Deelnemer", archived_at=None):
    p = Participant(
        first_name=first,
        last_name=last,
        birth_date=datetime(2008, 5, 1).date(),
        birth_place="Utrecht",
        email=f"{re.sub('[^a-z]', '', first.lower()) or 'x'}@voorbeeld.example",
        student_number="S-123",
        institution=inst,
        archived_at=archived_at,
    )
    p.save()
    return p


def statement(
    p, *, form, final_at=None, created_at=None, crebos=(("25180", ("B1-K1-W1", "B1-K1-W2")),), hours=400, pdf=None
):
    doc = PracticeStatement(
        institution=p.institution,
        participant=p,
        education_form=form,
        bpv_hours=hours,
        selections=[Selection(crebo=c, codes=list(codes)) for c, codes in crebos],
        created_at=created_at or (final_at - timedelta(days=5) if final_at else utcnow()),
        snapshot={
            "participant": {
                "full_name": p.full_name,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "birth_date": "2008-05-01",
            }
        },
    )
    doc.save()
    if final_at:
        n = next(_numbers)
        number, code = f"T-{n}", new_verification_code()
        pdf = pdf or f"%PDF-1.4 testverklaring {number}".encode()
        sha = hashlib.sha256(pdf).hexdigest()
        doc = PracticeStatement.objects.finalize_conditionally(
            doc.pk,
            finalized_at=final_at,
            number=number,
            verification_code=code,
            pdf_file=StoredFile.store(pdf, "application/pdf").pk,
            pdf_size=len(pdf),
            pdf_sha256=sha,
        )
        VerificationRecord(
            code=code,
            number=number,
            pdf_sha256=sha,
            statement=doc,
            issued_at=final_at,
            institution_name=p.institution.name,
        ).save()
    return doc


def guidance(p, *, final_at=None, created_at=None):
    doc = GuidanceDocument(
        institution=p.institution,
        participant=p,
        selections=[Selection(crebo="25180", codes=["B1-K1-W1"])],
        created_at=created_at or utcnow(),
    )
    doc.save()
    if final_at:
        doc = GuidanceDocument.objects.finalize_conditionally(doc.pk, finalized_at=final_at)
    return doc


def seed_known(last_year):
    """ROC Demo: 2 mbo_diploma + 1 mbo_maatwerk final in March of last_year, 1 concept 40 days old, 1 concept new,
    1 guidance concept + 1 final. Praktijkschool Demo: 2 pro final in June of last_year, 1 concept new."""
    roc, pro = school("25DM"), school("12PD")
    a = participant(roc, "Anna", "Aalders")
    b = participant(roc, "Bram", "Bakker")
    c = participant(pro, "Cem", "Celik")
    march = datetime(last_year, 3, 10, 12)
    june = datetime(last_year, 6, 15, 12)
    made = {
        "roc_final": [
            statement(a, form="mbo_diploma", final_at=march),
            statement(
                b,
                form="mbo_diploma",
                final_at=march + timedelta(days=2),
                crebos=(("25180", ("B1-K1-W1",)), ("25181", ("B1-K2-W1",))),
            ),
            statement(b, form="mbo_maatwerk", final_at=march + timedelta(days=3)),
        ],
        "roc_stale": [statement(a, form="mbo_diploma", created_at=utcnow() - timedelta(days=40))],
        "roc_concept": [statement(b, form="mbo_diploma")],
        "pro_final": [statement(c, form="pro", final_at=june), statement(c, form="pro", final_at=june)],
        "pro_concept": [statement(c, form="pro")],
        "roc_guidance_concept": [guidance(a)],
        "roc_guidance_final": [guidance(b, final_at=march)],
        "participants": (a, b, c),
    }
    return made
