"""Service-layer defects from the review: a final statement is never half undone, the Dutch date numbers it,
the API's rate limits cannot be dodged, a failed invitation mail is reported and parallel upserts make one."""

import threading
import uuid
from datetime import datetime, timedelta

import pytest

from documents.audit import AuditEvent
from documents.files import StoredFile
from documents.participants import Participant
from documents.statements import Counter, PracticeStatement, VerificationRecord
from services import api_keys, participant_overview
from services import guidance as guidance_svc
from services import statements as svc
from services import trainer_review as review_svc
from services.clock import local_today, utcnow
from tests.conftest import make_app
from tests.statement_helpers import (
    fresh_ready_concept,
    participant_at,
    qualification,
    selection,
    user,
)

MAKER = "mbo@school.example"
YEAR = 2033  # a year without statements yet, so the numbers start at 1
API = "/api/v1"


def _ready():
    return fresh_ready_concept("Review")


@pytest.fixture
def in_year(monkeypatch):
    monkeypatch.setattr(svc, "utcnow", lambda: utcnow().replace(year=YEAR))


def _number(n, year=YEAR):
    return f"PV-{year}-{n:06d}"


def _events(statement):
    return AuditEvent.objects(action="finalize", object_id=str(statement.pk)).count()


# --- 1: a receiver that fails after the statement became final undoes nothing -------------------------------------


def test_a_failing_overview_refresh_leaves_the_final_statement_whole(app, monkeypatch, fast_render, in_year):
    statement = _ready()
    calls = []
    original = participant_overview.refresh

    def refresh_failing_once(ids):
        calls.append(ids)
        if len(calls) == 1:
            raise RuntimeError("overview down")
        return original(ids)

    monkeypatch.setattr(participant_overview, "refresh", refresh_failing_once)
    final = svc.finalize(statement, user(MAKER))

    assert calls, "the overview was asked to refresh"
    stored = PracticeStatement.objects(pk=statement.pk).get()
    assert stored.status == "final" and stored.number == _number(1) == final.number
    assert VerificationRecord.objects(statement=statement.pk, number=_number(1)).count() == 1
    assert StoredFile.objects(pk=stored.pdf_file).count() == 1
    assert _events(statement) == 1
    assert Counter.objects(name=f"pv-{YEAR}").get().value == 1
    assert svc.finalize(_ready(), user(MAKER)).number == _number(2)


def test_a_number_held_only_by_a_final_statement_is_skipped(app, fast_render, in_year):
    first = svc.finalize(_ready(), user(MAKER))
    # As if its record had been taken back and the counter never moved on (the old failure above).
    VerificationRecord.objects(number=first.number).delete()
    Counter.objects(name=f"pv-{YEAR}").update_one(set__value=0)
    assert svc.finalize(_ready(), user(MAKER)).number == _number(2)


# --- 5: the Dutch date dates and numbers a statement ----------------------------------------------------------------


def test_at_half_past_eleven_utc_on_new_years_eve_the_statement_is_next_years(app, monkeypatch, fast_render):
    monkeypatch.setattr(svc, "utcnow", lambda: datetime(2034, 12, 31, 23, 30))
    final = svc.finalize(_ready(), user(MAKER))
    assert final.number == _number(1, 2035)
    assert final.snapshot["issued_on"] == datetime(2035, 1, 1)


# --- 2: API rate limits --------------------------------------------------------------------------------------------


def _key(name="LVS"):
    _key, plain = api_keys.create_key(
        user(MAKER), name=name, scope_code="write", expires_on=local_today() + timedelta(days=30)
    )
    return plain


def test_spelling_bearer_differently_makes_no_new_bucket(demo_dump):
    application = make_app(demo_dump, API_RATE_LIMIT="3 per minute", RATELIMIT_ENABLED=True)
    with application.app_context():
        client = application.test_client()
        key = _key()
        for header in (f"Bearer {key}", f"bearer {key}", f"BEARER   {key}"):
            assert client.get(f"{API}/participants?limit=1", headers={"Authorization": header}).status_code == 200
        answer = client.get(f"{API}/participants?limit=1", headers={"Authorization": f"bEaReR  {key}  "})
        assert answer.status_code == 429


def test_failed_authentications_are_limited_per_address(demo_dump):
    application = make_app(demo_dump, API_AUTH_FAILURE_LIMIT="3 per minute", RATELIMIT_ENABLED=True)
    with application.app_context():
        client = application.test_client()
        key = _key()
        good = {"Authorization": f"Bearer {key}"}
        for _ in range(5):  # successful requests do not count
            assert client.get(f"{API}/participants?limit=1", headers=good).status_code == 200
        for n in range(3):
            wrong = {"Authorization": f"Bearer geraden-{n}"}
            assert client.get(f"{API}/participants?limit=1", headers=wrong).status_code == 401
        # Over the limit the address gets 429 for every key, so a guess that hits teaches nothing.
        answer = client.get(f"{API}/participants?limit=1", headers={"Authorization": "Bearer geraden-4"})
        assert answer.status_code == 429 and answer.mimetype == "application/problem+json"
        assert client.get(f"{API}/participants?limit=1", headers=good).status_code == 429
        elsewhere = {"REMOTE_ADDR": "10.1.2.3"}
        assert client.get(f"{API}/participants?limit=1", headers=good, environ_base=elsewhere).status_code == 200


# --- 3: a failed invitation mail is not reported as sent ----------------------------------------------------------


def _final_guidance():
    from documents.guidance import Selection

    chosen = selection()
    picked = Selection(
        crebo=chosen["crebo"], qualification_id=str(qualification().pk), codes=chosen["codes"], behaviour_codes=[]
    )
    maker = user(MAKER)
    return guidance_svc.finalize(guidance_svc.create_concept(_participant(), maker, [picked]), maker)


def _participant():
    return participant_at(first_name=f"Mail {uuid.uuid4().hex[:8]}")


def _refuse(*_args, **_kwargs):
    raise OSError("mail server down")


@pytest.fixture
def mail_down(monkeypatch):
    monkeypatch.setattr("services.mail.send_mail", _refuse)


def test_invite_and_resend_say_whether_the_mail_went_out(app, monkeypatch):
    doc = _final_guidance()
    review, _link, mailed = review_svc.invite(doc, user(MAKER), "opleider@bedrijf.example")
    assert mailed is True
    with monkeypatch.context() as patch:
        patch.setattr("services.mail.send_mail", _refuse)
        _review, _link, mailed = review_svc.resend(review, user(MAKER))
    assert mailed is False


def test_the_page_warns_instead_of_saying_the_link_was_mailed(client, auth, mail_down):
    doc = _final_guidance()
    auth.login(MAKER)
    base = f"/begeleidingsdocument/document/{doc.pk}"
    page = client.post(
        f"{base}/praktijkopleider-uitnodigen", data={"email": "opleider@bedrijf.example"}, follow_redirects=True
    )
    text = page.get_data(as_text=True)
    assert "De e-mail kon niet worden verstuurd; probeer &#39;Opnieuw versturen&#39;." in text
    assert "is gemaild naar" not in text
    review = review_svc.current_review(doc)
    page = client.post(f"{base}/uitnodiging/{review.pk}/opnieuw", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "De e-mail kon niet worden verstuurd" in text and "nieuwe link gemaild" not in text


# --- 4: two parallel PUTs for a new leerlingnummer make one participant ---------------------------------------------


@pytest.fixture
def atomic_mongomock(monkeypatch):
    """Give mongomock the per-operation atomicity a MongoDB server has (it is not thread-safe)."""
    import mongomock

    lock = threading.RLock()
    for name in ("_find_and_modify", "_update", "_insert", "_delete"):
        original = getattr(mongomock.collection.Collection, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(mongomock.collection.Collection, name, locked)


def test_parallel_puts_for_a_new_leerlingnummer_create_once_and_both_succeed(demo_dump, monkeypatch, atomic_mongomock):
    from services import participants as participants_svc

    application = make_app(demo_dump, RATELIMIT_ENABLED=False)
    with application.app_context():
        headers = {"Authorization": f"Bearer {_key()}"}
        both_read = threading.Barrier(2)
        original = participants_svc.create_participant

        def create_after_both_read(*args, **kwargs):
            both_read.wait(timeout=10)  # both requests found no participant with this number
            return original(*args, **kwargs)

        monkeypatch.setattr(participants_svc, "create_participant", create_after_both_read)
        body = {"first_name": "Parallel", "last_name": "Tweemaal", "birth_date": "2008-02-03", "group": "MZ1"}
        answers = []

        def put():
            client = application.test_client()
            answers.append(client.put(f"{API}/participants/by-student-number/P-77", headers=headers, json=body))

        threads = [threading.Thread(target=put) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [200, 201], [a.get_data(as_text=True) for a in answers]
    assert Participant.objects(student_number="P-77").count() == 1
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
