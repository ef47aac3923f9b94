"""Issue 11 for statements: gapless PV numbers (item 4), werkproces codes checked (item 9), and audit and data that
stand or fall together (item 11) for create, update, finalize and delete."""

import threading
import uuid
from datetime import datetime

import mongomock
import pytest

from documents.audit import AuditEvent
from documents.finality import FinalGuardQuerySet
from documents.guidance import GuidanceDocument
from documents.statements import Counter, PracticeStatement, VerificationRecord
from services import guidance as guidance_svc
from services import statements as svc
from services.clock import utcnow
from tests.statement_helpers import (
    fake_render,
    fresh_ready_concept,
    participant_at,
    qualification,
    selection,
    user,
)

MAKER = "mbo@school.example"
YEAR = 2031  # a year without statements yet, so the numbers start at 1


def _ready():
    return fresh_ready_concept("Nummer")


@pytest.fixture
def in_year(monkeypatch):
    """Finalize in YEAR (the real clock with the year swapped), so its numbers start at PV-YEAR-000001."""
    monkeypatch.setattr(svc, "utcnow", lambda: utcnow().replace(year=YEAR))


@pytest.fixture
def atomic_mongomock(monkeypatch):
    """Give mongomock the per-operation atomicity a MongoDB server has (its find-and-modify is not thread-safe)."""
    lock = threading.RLock()
    for name in ("_find_and_modify", "_update", "_insert", "_delete"):
        original = getattr(mongomock.collection.Collection, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(mongomock.collection.Collection, name, locked)


def _number(n):
    return f"PV-{YEAR}-{n:06d}"


def _counter():
    return Counter.objects(name=f"pv-{YEAR}").first()


# --- item 4: gapless numbers --------------------------------------------------------------------------------------


def test_parallel_finalizing_issues_every_number_once_in_order(
    app, monkeypatch, fast_render, in_year, atomic_mongomock
):
    statements = [_ready() for _ in range(20)]
    failing = {statements[i].pk for i in (2, 7, 11, 15, 19)}  # their first render fails
    duplicated = [statements[i] for i in (0, 4, 9, 13, 17)]  # two requests each, at the same moment

    fail_once = {s.participant.full_name for s in statements if s.pk in failing}

    def flaky_render(data, *, concept):
        name = data["participant"]["full_name"]
        if name in fail_once:
            fail_once.discard(name)
            raise RuntimeError(f"render failed for {name}")
        return fake_render(data, concept=concept)

    monkeypatch.setattr("services.pdf.statement.render_statement", flaky_render)
    outcomes, start = [], threading.Barrier(25)

    def attempt(statement_id):
        with app.app_context():
            statement = PracticeStatement.objects(pk=statement_id).get()
            start.wait()
            try:
                final = svc.finalize(statement, user(MAKER))
                outcomes.append(("final", statement_id, final.number))
            except svc.StatementError as exc:
                outcomes.append(("refused", statement_id, str(exc)))
            except RuntimeError:
                outcomes.append(("failed", statement_id, None))

    threads = [threading.Thread(target=attempt, args=(s.pk,)) for s in statements + duplicated]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 25
    assert sorted(o[1] for o in outcomes if o[0] == "failed") == sorted(failing)
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(refused) == 5 and all("al definitief" in o[2] for o in refused), refused
    assert sorted(o[2] for o in outcomes if o[0] == "final") == [_number(n) for n in range(1, 16)]
    for statement_id in failing:  # nothing was drawn for them; they can be made final later
        assert PracticeStatement.objects(pk=statement_id).get().status == "concept"
        assert VerificationRecord.objects(statement=statement_id).count() == 0
    assert _counter().value == 15 and _counter().lease_token is None

    for statement_id in sorted(failing):
        svc.finalize(PracticeStatement.objects(pk=statement_id).get(), user(MAKER))

    finals = sorted(PracticeStatement.objects(pk__in=[s.pk for s in statements]), key=lambda s: s.number)
    assert [s.number for s in finals] == [_number(n) for n in range(1, 21)]
    assert all(s.status == "final" for s in finals)
    # In order: a later number was never issued before an earlier one.
    assert [s.finalized_at for s in finals] == sorted(s.finalized_at for s in finals)
    for final in finals:
        records = VerificationRecord.objects(statement=final.pk)
        assert [(r.number, r.code) for r in records] == [(final.number, final.verification_code)]
    assert VerificationRecord.objects(number__startswith=f"PV-{YEAR}-").count() == 20
    assert _counter().value == 20


def test_a_lease_left_by_a_crashed_process_expires(app, fast_render, in_year):
    Counter(name=f"pv-{YEAR}", value=0, lease_token="crashed", lease_until=datetime(2000, 1, 1)).save()
    final = svc.finalize(_ready(), user(MAKER))
    assert final.number == _number(1) and _counter().lease_token is None


def test_a_held_lease_makes_the_next_request_wait_and_then_refuse_in_dutch(app, monkeypatch, fast_render, in_year):
    monkeypatch.setattr(svc, "NUMBER_WAIT_SECONDS", 0.2)
    Counter(name=f"pv-{YEAR}", value=3, lease_token="busy", lease_until=utcnow().replace(year=YEAR + 1)).save()
    statement = _ready()
    with pytest.raises(svc.StatementError, match="Probeer het over een minuut opnieuw"):
        svc.finalize(statement, user(MAKER))
    assert PracticeStatement.objects(pk=statement.pk).get().status == "concept"
    assert _counter().value == 3


def test_a_number_stored_by_a_holder_that_died_before_counting_is_skipped(app, fast_render, in_year):
    first = svc.finalize(_ready(), user(MAKER))
    Counter.objects(name=f"pv-{YEAR}").update_one(set__value=0)  # as if the counter was never moved on
    second = svc.finalize(_ready(), user(MAKER))
    assert (first.number, second.number) == (_number(1), _number(2))


def test_a_statement_changed_while_waiting_is_not_made_final(app, fast_render, in_year):
    statement = _ready()
    svc.update_concept(statement, user(MAKER), bpv_hours="500")  # the form shown was of the earlier version
    with pytest.raises(svc.StatementError, match="intussen gewijzigd"):
        svc.finalize(statement, user(MAKER))
    assert _counter().value == 0
    assert svc.finalize(PracticeStatement.objects(pk=statement.pk).get(), user(MAKER)).number == _number(1)


# --- item 11: every write of finalize, create, update and delete fails cleanly -------------------------------------


def _events(action, statement):
    return AuditEvent.objects(action=action, object_id=str(statement.pk)).count()


def _fail_audit(monkeypatch, action):
    original = AuditEvent.save

    def save(self, *args, **kwargs):
        if self.action == action:
            raise RuntimeError("audit write failed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AuditEvent, "save", save)


def _fail_verification_record(monkeypatch):
    def save(self, *args, **kwargs):
        raise RuntimeError("verification record write failed")

    monkeypatch.setattr(VerificationRecord, "save", save)


def _fail_statement_write(monkeypatch):
    def finalize_conditionally(self, pk, **fields):
        raise RuntimeError("statement write failed")

    monkeypatch.setattr(FinalGuardQuerySet, "finalize_conditionally", finalize_conditionally)


@pytest.mark.parametrize(
    "inject",
    [_fail_audit, _fail_verification_record, _fail_statement_write],
    ids=["audit", "verification-record", "statement"],
)
def test_a_failed_write_while_finalizing_leaves_nothing_and_no_hole(app, monkeypatch, fast_render, in_year, inject):
    statement = _ready()
    records = VerificationRecord.objects.count()
    with monkeypatch.context() as patch:
        if inject is _fail_audit:
            inject(patch, "finalize")
        else:
            inject(patch)
        with pytest.raises(RuntimeError, match="failed"):
            svc.finalize(statement, user(MAKER))
    stored = PracticeStatement.objects(pk=statement.pk).get()
    assert stored.status == "concept" and stored.number is None and stored.version == statement.version
    assert VerificationRecord.objects.count() == records
    assert _events("finalize", statement) == 0
    assert _counter().value == 0 and _counter().lease_token is None
    # The number was given back: the retry takes it, and every write is there.
    final = svc.finalize(stored, user(MAKER))
    assert final.number == _number(1)
    assert VerificationRecord.objects(statement=statement.pk).count() == 1 and _events("finalize", statement) == 1


def test_create_and_update_stand_or_fall_with_their_audit_event(app, monkeypatch):
    participant = participant_at(first_name=f"Audit {uuid.uuid4().hex[:8]}")
    with monkeypatch.context() as patch:
        _fail_audit(patch, "create")
        with pytest.raises(RuntimeError):
            svc.create_concept(participant, user(MAKER))
    assert PracticeStatement.objects(participant=participant).count() == 0
    statement = svc.create_concept(participant, user(MAKER))
    assert _events("create", statement) == 1
    with monkeypatch.context() as patch:
        _fail_audit(patch, "update")
        with pytest.raises(RuntimeError):
            svc.update_concept(statement, user(MAKER), bpv_hours="480")
    stored = PracticeStatement.objects(pk=statement.pk).get()
    assert stored.bpv_hours is None and stored.version == statement.version
    # A stale update is refused and leaves no event behind either.
    svc.update_concept(statement, user(MAKER), bpv_hours="480")
    with pytest.raises(svc.StatementError, match="intussen gewijzigd"):
        svc.update_concept(statement, user(MAKER), bpv_hours="500")
    assert _events("update", statement) == 1


def test_delete_stands_or_falls_with_its_audit_event(app, monkeypatch, fast_render):
    maker = user(MAKER)
    final = svc.finalize(_ready(), maker)
    with monkeypatch.context() as patch:
        _fail_audit(patch, "delete")
        with pytest.raises(RuntimeError):
            svc.delete_statement(final, maker, taken_back=True, reason="Fout in de naam")
    assert PracticeStatement.objects(pk=final.pk).count() == 1

    with monkeypatch.context() as patch:

        def delete(self, *args, **kwargs):
            raise RuntimeError("statement delete failed")

        patch.setattr(FinalGuardQuerySet, "delete", delete)
        with pytest.raises(RuntimeError):
            svc.delete_statement(final, maker, taken_back=True, reason="Fout in de naam")
    assert PracticeStatement.objects(pk=final.pk).get().status == "final"
    assert VerificationRecord.objects(code=final.verification_code).get().status == "valid"
    assert _events("delete", final) == 0

    svc.delete_statement(final, maker, taken_back=True, reason="Fout in de naam")
    assert PracticeStatement.objects(pk=final.pk).count() == 0
    assert VerificationRecord.objects(code=final.verification_code).get().status == "withdrawn"
    assert _events("delete", final) == 1


# --- item 9: werkproces codes ---------------------------------------------------------------------------------------


def _bogus(crebo="90101"):
    return {**selection(crebo), "codes": [selection(crebo)["codes"][0], "B9-K9-W9"]}


def test_services_refuse_werkprocessen_that_are_not_in_the_kwalificatie(app):
    maker = user(MAKER)
    statement = _ready()
    before = PracticeStatement.objects(pk=statement.pk).get().selections
    for attempt in (
        lambda: svc.set_selections(statement, maker, [_bogus()]),
        lambda: svc.update_concept(statement, maker, selections=[_bogus()]),
        lambda: svc.set_selections(statement, maker, [{**selection(), "crebo": "99999", "qualification_id": None}]),
        lambda: svc.set_selections(statement, maker, [{"crebo": "99999", "codes": []}]),
    ):
        with pytest.raises(svc.StatementError) as exc:
            attempt()
        assert "B9-K9-W9" in str(exc.value) or "99999" in str(exc.value)
    assert PracticeStatement.objects(pk=statement.pk).get().selections == before
    # An empty kwalificatie that exists is kept (stap 4.2 adds one before its werkprocessen are ticked).
    updated = svc.set_selections(statement, maker, [selection(), {**selection("90201"), "codes": []}])
    assert [s.crebo for s in updated.selections] == ["90101", "90201"]


def test_taking_over_a_guidance_document_with_unknown_codes_is_refused(app):
    maker = user(MAKER)
    participant = participant_at(first_name=f"Overname {uuid.uuid4().hex[:8]}")
    guidance = guidance_svc.create_concept(participant, maker, [selection()])
    GuidanceDocument.objects(pk=guidance.pk).update(set__selections__0__codes=["B9-K9-W9"])  # written by a script
    statement = svc.create_concept(participant, maker)
    with pytest.raises(svc.StatementError, match="B9-K9-W9"):
        svc.take_over_guidance(statement, maker, GuidanceDocument.objects(pk=guidance.pk).get())
    assert PracticeStatement.objects(pk=statement.pk).get().werkproces_count == 0


def test_definitief_maken_refuses_unknown_codes_and_no_werkprocessen(app, fast_render):
    maker = user(MAKER)
    statement = _ready()
    PracticeStatement.objects(pk=statement.pk).update(set__selections__0__codes=["B9-K9-W9"])
    with pytest.raises(svc.StatementError) as exc:
        svc.finalize(PracticeStatement.objects(pk=statement.pk).get(), maker)
    assert any("B9-K9-W9" in p and "stap 4.2" in p for p in exc.value.problems)
    PracticeStatement.objects(pk=statement.pk).update(set__selections=[])
    with pytest.raises(svc.StatementError, match="ten minste één behaald werkproces"):
        svc.finalize(PracticeStatement.objects(pk=statement.pk).get(), maker)
    assert PracticeStatement.objects(pk=statement.pk).get().status == "concept"
    assert VerificationRecord.objects(statement=statement.pk).count() == 0


def test_stap_4_2_refuses_a_crafted_post_with_unknown_codes(client, auth):
    statement = _ready()
    auth.login(MAKER)
    known = selection()["codes"][0]
    response = client.post(
        f"/praktijkverklaringen/{statement.pk}/werkprocessen",
        data={"version": statement.version, "action": "save", "wp-90101": [known, "B9-K9-W9"]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "B9-K9-W9" in page and "hoort niet bij kwalificatie 90101" in page
    stored = PracticeStatement.objects(pk=statement.pk).get()
    assert stored.version == statement.version and "B9-K9-W9" not in stored.selections[0].codes
    assert qualification().crebo == "90101"


# --- item 15 for statements: hidden characters in what is shown or printed ------------------------------------------


def test_a_withdrawal_reason_with_hidden_characters_is_refused(app, fast_render):
    maker = user(MAKER)
    final = svc.finalize(_ready(), maker)
    with pytest.raises(svc.StatementError, match="onzichtbaar of tekenrichting-wijzigend teken"):
        svc.delete_statement(final, maker, taken_back=True, reason="Fout in de \u202enaam")
    assert PracticeStatement.objects(pk=final.pk).get().status == "final"
    assert VerificationRecord.objects(code=final.verification_code).get().status == "valid"
    # Line breaks are fine in a reason.
    svc.delete_statement(final, maker, taken_back=True, reason="Fout in de naam.\nOpnieuw uitgegeven.")
    assert VerificationRecord.objects(code=final.verification_code).get().status == "withdrawn"


def test_a_branch_organisation_name_with_hidden_characters_is_refused(app):
    from mongoengine.errors import ValidationError

    from documents.statements import BranchOrganisation

    with pytest.raises(ValidationError, match="onzichtbaar"):
        BranchOrganisation(name="Bouw\u200bNL").save()
    assert BranchOrganisation.objects(name__startswith="Bouw").count() == 0
