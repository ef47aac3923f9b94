"""Demo data of the trainer's online review: one open invitation, whose link the start log prints."""

import logging

from documents.finality import FINAL
from documents.guidance import GuidanceDocument

log = logging.getLogger("praktijkloket.demo")

# (school BRIN, first name, last name, invited by): a demo participant with a final begeleidingsdocument.
DEMO_INVITATION = ("12PD", "Mila", "Jong", "pro@school.example")


def _document():
    from documents.institutions import Institution
    from documents.participants import Participant

    brin, first, last, _email = DEMO_INVITATION
    school = Institution.objects(brin=brin).first()
    participant = Participant.objects(institution=school, first_name=first, last_name=last).first() if school else None
    if participant is None:
        return None
    return GuidanceDocument.objects(participant=participant, status=FINAL).order_by("-created_at").first()


def demo_link():
    """The link of the demo's open invitation (made when missing; a new token each start, as only hashes are kept)."""
    from documents.users import User
    from services import trainer_review

    doc = _document()
    user = User.objects(email=DEMO_INVITATION[3]).first()
    if doc is None or user is None:
        return None
    review = trainer_review.current_review(doc)
    if review is None:
        _review, link, _mailed = trainer_review.invite(
            doc, user, trainer_review.default_email(doc) or "praktijkopleider@demo.example"
        )
        return link
    if review.is_signed:
        return None
    _review, link, _mailed = trainer_review.resend(review, user)
    return link
