"""The audit log: one function, who/what/when/where, and the link to the participant concerned."""

from datetime import date

from documents.audit import AuditEvent
from documents.guidance import GuidanceDocument
from documents.institutions import Institution
from documents.participants import Participant
from documents.users import User
from services import audit


def test_record_links_documents_to_their_participant(app):
    school = Institution.objects(brin="25DM").get()
    user = User.objects(email="mbo@school.example").get()
    participant = Participant(
        first_name="Daan", last_name="Bakker", birth_date=date(2007, 3, 3), institution=school
    ).save()
    doc = GuidanceDocument(institution=school, participant=participant).save()
    reloaded = GuidanceDocument.objects.get(pk=doc.pk)
    event = audit.record("create", reloaded, user=user, changes={"datum": date(2026, 1, 2)})
    assert event.participant_id == participant.pk
    assert event.institution_name == "ROC Demo" and event.user_email == "mbo@school.example"
    assert event.changes == {"datum": "2026-01-02"}
    audit.record("update", participant, user=user)
    assert AuditEvent.objects(participant_id=participant.pk).count() == 2


def test_record_in_a_request_keeps_the_address(client, auth):
    auth.login("mbo@school.example")
    event = AuditEvent.objects(action="login").order_by("-at").first()
    assert event.ip_address == "127.0.0.1"
