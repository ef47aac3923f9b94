"""Issue 11 items 3, 14, 15 and 11 (participants, imports): identity in the database, name folding, hidden
characters, and writes that stand or fall together with their audit event."""

import io
import threading
from datetime import date, datetime, timedelta

import pytest
from mongoengine import ValidationError
from mongoengine.errors import NotUniqueError
from openpyxl import Workbook

from core.text import fold, hidden_character
from documents.audit import AuditEvent
from documents.companies import AccreditationRequest, Company, ProposedCompany, RequestNote, Trainer
from documents.imports import ImportBatch, StagedUpload
from documents.institutions import Institution
from documents.participants import PRINTED_FIELDS, Participant, ParticipantQuerySet
from documents.users import User
from services import participant_import as importer
from services import participants as svc
from services import privacy
from services.clock import utcnow

HEADER = [
    "Voornaam *",
    "Tussenvoegsel",
    "Achternaam *",
    "Geboortedatum *",
    "Geboorteplaats",
    "Groep",
    "Leerlingnummer",
    "E-mailadres",
]
PERSON = {"first_name": "Ömer", "last_name": "Yıldız", "birth_date": date(2007, 2, 3), "group": "MZ2A"}
HIDDEN = [
    "\u202e",
    "\u202a",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\x07",
]


def user(email="mbo@school.example"):
    return User.objects.get(email=email)


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "Deelnemers"
    ws.append(HEADER)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fifty_rows():
    return [
        [f"Voornaam{n}", None, f"Achternaam{n}", datetime(2007, 1, 1) + timedelta(days=n), None, "MZ9", None, None]
        for n in range(50)
    ]


def run_together(*calls):
    """Run each call in its own thread inside the app context; return [(result, exception)] in order."""
    from flask import current_app

    app = current_app._get_current_object()
    results = [None] * len(calls)

    def worker(i, call):
        with app.app_context():
            try:
                results[i] = (call(), None)
            except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
                results[i] = (None, exc)

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def meet_after(monkeypatch, owner, name, parties=2):
    """Make `owner.name` wait for every thread after doing its work: all of them pass the check, then race."""
    original = getattr(owner, name)
    barrier = threading.Barrier(parties, timeout=10)
    waited = []

    def waiting(*args, **kwargs):
        result = original(*args, **kwargs)
        if len(waited) < parties:  # only the first call of each thread; a later look-up goes straight on
            waited.append(1)
            barrier.wait()
        return result

    monkeypatch.setattr(owner, name, waiting)


def boom(*_args, **_kwargs):
    raise RuntimeError("schijf vol")


# --- item 3: the duplicate rule holds under concurrency ----------------------------------------------------------


def test_two_confirmations_of_the_same_import_create_one_set(app, monkeypatch):
    mbo = user()
    staged = importer.preview(mbo, xlsx(fifty_rows()), "vijftig.xlsx")
    before = Participant.objects.count()
    rows = [str(r["row"]) for r in staged.rows]
    # Both requests pass the "does anyone exist already" check before either inserts: the old check-then-insert
    # created 100 participants here.
    meet_after(monkeypatch, importer, "_existing_identities")
    results = run_together(
        lambda: importer.import_rows(mbo, staged.token, rows), lambda: importer.import_rows(mbo, staged.token, rows)
    )
    batches = [r for r, e in results if e is None]
    errors = [e for r, e in results if e is not None]
    assert len(batches) == 1 and len(errors) == 1
    assert isinstance(errors[0], importer.ImportError_)
    assert "intussen al" in errors[0].message and "Rij" in errors[0].message
    assert "niets geïmporteerd" in errors[0].message
    assert Participant.objects.count() == before + 50
    assert Participant.objects(import_batch=str(batches[0].pk)).count() == 50
    assert ImportBatch.objects.count() == 1
    assert AuditEvent.objects(action="import", object_type="ImportBatch").count() == 1


def test_lost_race_message_names_the_rows(app, monkeypatch):
    mbo = user()
    staged = importer.preview(mbo, xlsx(fifty_rows()[:8]), "acht.xlsx")
    # A colleague adds rows 3 and 7 (file rows; the header is row 1) just after the check.
    original = importer._existing_identities
    calls = []

    def colleague_in_between(institution, rows):
        found = original(institution, rows)
        if not calls:
            calls.append(1)
            for n in (1, 5):
                svc.create_participant(
                    user("collega@school.example"),
                    {
                        "first_name": f"Voornaam{n}",
                        "last_name": f"Achternaam{n}",
                        "birth_date": date(2007, 1, 1) + timedelta(days=n),
                    },
                )
        return found

    monkeypatch.setattr(importer, "_existing_identities", colleague_in_between)
    before = Participant.objects.count()
    with pytest.raises(importer.ImportError_) as exc:
        importer.import_rows(mbo, staged.token, [str(n) for n in range(2, 10)])
    assert exc.value.message.startswith("Rijen 3, 7 bestaan intussen al")
    assert Participant.objects.count() == before + 2  # the colleague's two; none of the import (all or nothing)
    assert (
        ImportBatch.objects.count() == 0 and AuditEvent.objects(action="import", object_type="ImportBatch").count() == 0
    )


def test_two_hand_entries_at_once_create_one(app, monkeypatch):
    before = Participant.objects.count()
    meet_after(monkeypatch, svc, "find_duplicate")
    results = run_together(
        lambda: svc.create_participant(user(), dict(PERSON)),
        lambda: svc.create_participant(user("collega@school.example"), dict(PERSON)),
    )
    made = [r for r, e in results if e is None]
    errors = [e for r, e in results if e is not None]
    assert len(made) == 1 and len(errors) == 1
    assert isinstance(errors[0], svc.DuplicateParticipantError)
    assert errors[0].existing.pk == made[0].pk
    assert Participant.objects.count() == before + 1
    assert AuditEvent.objects(action="create", object_id=str(made[0].pk)).count() == 1
    assert AuditEvent.objects(action="create", object_type="Participant").count() == 1


def test_two_edits_into_the_same_person_at_once_leave_one(app, monkeypatch):
    a = svc.create_participant(user(), {"first_name": "Anna", "last_name": "Een", "birth_date": date(2007, 1, 1)})
    b = svc.create_participant(user(), {"first_name": "Bert", "last_name": "Twee", "birth_date": date(2007, 1, 1)})
    meet_after(monkeypatch, svc, "find_duplicate")
    target = {"first_name": "Chris", "last_name": "Drie", "birth_date": date(2007, 1, 1)}
    results = run_together(
        lambda: svc.update_participant(user(), a, dict(target), 1),
        lambda: svc.update_participant(user(), b, dict(target), 1),
    )
    errors = [e for _r, e in results if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], svc.DuplicateParticipantError)
    assert Participant.objects(first_name="Chris", last_name="Drie").count() == 1
    assert AuditEvent.objects(action="update", object_type="Participant").count() == 1


def test_the_database_refuses_a_duplicate_that_skips_the_service(app):
    school = user().institution
    Participant(**PERSON, institution=school).save()
    with pytest.raises(NotUniqueError):
        Participant(first_name="omer", last_name="YILDIZ", birth_date=PERSON["birth_date"], institution=school).save()
    # Another school may register the same person.
    Participant(**PERSON, institution=user("pro@school.example").institution).save()
    index = [i for i in Participant._get_collection().index_information().values() if i["key"] == [("identity_key", 1)]]
    assert index and index[0].get("unique") and index[0].get("sparse")


def test_anonymised_participants_have_no_identity_and_do_not_collide(app):
    school = user().institution
    long_ago = utcnow() - timedelta(days=365 * 9)
    old = [
        Participant(
            first_name="Oud",
            last_name=f"Persoon{n}",
            birth_date=date(1990, 1, 1),
            institution=school,
            archived_at=long_ago,
        )
        for n in range(3)
    ]
    for p in old:
        p.save()
    done = privacy.apply_retention(7)
    assert {p.pk for p in old} <= {p.pk for p in done}
    raw = list(Participant._get_collection().find({"_id": {"$in": [p.pk for p in old]}}))
    assert len(raw) == 3 and all("identity_key" not in doc for doc in raw)
    # The person may be registered again; the anonymised record does not stand in the way.
    again = svc.create_participant(
        user(), {"first_name": "Oud", "last_name": "Persoon0", "birth_date": date(1990, 1, 1)}
    )
    assert again.identity_key


def test_seeded_and_factory_participants_carry_the_identity(app):
    from tests.factories import ParticipantFactory

    assert Participant.objects(identity_key=None).count() == 0
    made = ParticipantFactory()
    assert made.identity_key.startswith(f"{made.institution.pk}|")


# --- item 14: names fold the way people type them ----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, folded",
    [
        ("Ömer Yıldız", "omer yildiz"),
        ("İPEK IŞIK", "ipek isik"),
        ("Straße", "strasse"),
        ("Ærø Søren", "aero soren"),
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("Đorđe", "dorde"),
        ("Þórunn Guðmundsdóttir", "thorunn gudmundsdottir"),
        ("Œdipe", "oedipe"),
        ("Ĳsbrand", "ijsbrand"),
        ("D’Ancona", "d'ancona"),
        ("  Jan\u00a0 de   Vries ", "jan de vries"),
    ],
)
def test_fold_treats_letter_variants_as_plain_letters(typed, folded):
    assert fold(typed) == folded


def test_search_finds_yildiz_and_display_keeps_what_was_typed(app):
    made = svc.create_participant(user(), dict(PERSON))
    for typed in ("Yildiz", "yıldız", "YILDIZ", "omer yildiz", "Ömer"):
        assert made.pk in [p.pk for p in svc.overview_query(user(), q=typed)], typed
    stored = Participant.objects.get(pk=made.pk)
    assert stored.full_name == "Ömer Yıldız"


def test_hand_entry_with_plain_letters_is_the_same_person(app):
    made = svc.create_participant(user(), dict(PERSON))
    with pytest.raises(svc.DuplicateParticipantError) as exc:
        svc.create_participant(user("collega@school.example"), dict(PERSON, first_name="Omer", last_name="Yildiz"))
    assert exc.value.existing.pk == made.pk


def test_import_row_with_plain_letters_is_marked_existing(app):
    svc.create_participant(user(), dict(PERSON))
    staged = importer.preview(
        user(),
        xlsx(
            [
                ["Omer", None, "Yildiz", datetime(2007, 2, 3), None, None, None, None],
                ["Sören", None, "Strasse", datetime(2007, 2, 3), None, None, None, None],
                ["Soren", None, "Straße", datetime(2007, 2, 3), None, None, None, None],
            ]
        ),
        "namen.xlsx",
    )
    by_row = {r["row"]: r for r in staged.rows}
    assert by_row[2]["status"] == importer.STATUS_EXISTS
    assert by_row[3]["status"] == importer.STATUS_NEW
    assert by_row[4]["status"] == importer.STATUS_ERROR  # the same person as row 3, typed differently
    assert "al eerder in het bestand (rij 3)" in by_row[4]["errors"][0][1]


def test_company_search_words_fold_too(app):
    company = Company(company_id="123450001", name="Bäckerei Großmann", city="Ærøskøbing")
    company.save()
    assert "grossmann" in company.search_words and company.search_city == "aeroskobing"
    assert company.name == "Bäckerei Großmann"


# --- item 15: invisible and direction-changing characters ----------------------------------------------------


@pytest.mark.parametrize("char", HIDDEN)
def test_checker_finds_each_hidden_character(char):
    assert hidden_character(f"Jan{char}sen") == char


def test_checker_allows_ordinary_text_and_line_breaks_where_multiline():
    assert hidden_character("Zoë-Ísa D'Ancona van der Bürg, 's-Hertogenbosch") is None
    assert hidden_character("regel 1\nregel 2\tmet tab", multiline=True) is None
    assert hidden_character("regel 1\nregel 2") == "\n"


@pytest.mark.parametrize("field", list(PRINTED_FIELDS))
def test_participant_service_refuses_hidden_characters_per_field(app, field):
    value = "mz\u202e2a@voorbeeld.nl" if field == "email" else "Ja\u202en"
    before = Participant.objects.count()
    with pytest.raises(svc.ParticipantError) as exc:
        svc.create_participant(user(), {**PERSON, field: value})
    assert exc.value.errors[field] == (
        f"{PRINTED_FIELDS[field]} bevat een onzichtbaar of tekenrichting-wijzigend teken; typ de "
        f"{'naam' if field in ('first_name', 'infix', 'last_name') else 'tekst'} opnieuw."
    )
    assert Participant.objects.count() == before


def test_participant_document_refuses_hidden_characters_on_every_path(app):
    with pytest.raises(ValidationError) as exc:
        Participant(**dict(PERSON, last_name="Yıl\u200bdız"), institution=user().institution).save()
    assert "Achternaam bevat een onzichtbaar" in str(exc.value)
    made = svc.create_participant(user(), dict(PERSON))
    with pytest.raises(svc.ParticipantError) as exc:
        svc.update_participant(user(), made, dict(PERSON, group="MZ\u20662A"), made.version)
    assert "Groep bevat een onzichtbaar" in exc.value.errors["group"]
    made.birth_place = "Tilburg\u202e"
    with pytest.raises(ValidationError):
        made.save()


def test_participant_form_shows_the_dutch_message(client, auth):
    auth.login("mbo@school.example")
    html = client.post(
        "/deelnemers/nieuw/gegevens",
        data={"first_name": "Zeynep\u202e", "last_name": "Çelik", "birth_date": "03-02-2007"},
    ).get_data(as_text=True)
    assert "Voornaam bevat een onzichtbaar of tekenrichting-wijzigend teken; typ de naam opnieuw." in html
    assert Participant.objects(last_name="Çelik").count() == 0


def test_import_row_with_hidden_character_gets_a_row_error(app):
    staged = importer.preview(
        user(),
        xlsx(
            [
                ["Ömer", None, "Yıl\u200bdız", datetime(2007, 2, 3), None, None, None, None],
                ["Sara", None, "Smit", datetime(2007, 2, 3), "Breda\u202e", None, None, None],
                ["Piet", None, "Puk", datetime(2007, 2, 3), None, None, None, None],
            ]
        ),
        "verborgen.xlsx",
    )
    by_row = {r["row"]: r for r in staged.rows}
    assert by_row[2]["status"] == importer.STATUS_ERROR and by_row[3]["status"] == importer.STATUS_ERROR
    assert by_row[2]["errors"] == [
        ["Achternaam", "Achternaam bevat een onzichtbaar of tekenrichting-wijzigend teken; typ de naam opnieuw."]
    ]
    assert by_row[3]["errors"][0][0] == "Geboorteplaats"
    assert by_row[4]["status"] == importer.STATUS_NEW


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: Company(company_id="123450002", name="Bakkerij\u202e Jansen"), "name"),
        (lambda: Company(company_id="123450003", name="Bakkerij", city="Ede\u200b"), "city"),
        (lambda: Company(company_id="123450004", name="Bakkerij", address="Markt\u2067 1"), "address"),
        (lambda: Trainer(company=Company.objects.first(), last_name="Jan\u202esen", initials="J."), "last_name"),
        (
            lambda: Trainer(company=Company.objects.first(), last_name="Jansen", initials="J.", function="Chef\u200d"),
            "function",
        ),
        (lambda: Institution(name="ROC\u202e Test", brin="99ZZ", kind="mbo"), "name"),
        (lambda: Institution(name="ROC Test", brin="99ZY", kind="mbo", city="Gouda\ufeff"), "city"),
        (
            lambda: AccreditationRequest(
                kind="new", crebos=["25180"], motivation="Graag\u202e snel", proposed=ProposedCompany(name="Nieuw")
            ),
            "motivation",
        ),
        (
            lambda: AccreditationRequest(kind="new", crebos=["25180"], proposed=ProposedCompany(name="Nieuw\u202e")),
            "proposed",
        ),
        (
            lambda: AccreditationRequest(
                kind="new",
                crebos=["25180"],
                proposed=ProposedCompany(name="Nieuw"),
                notes=[RequestNote(text="bel\u200b terug")],
            ),
            "notes",
        ),
    ],
)
def test_other_printed_documents_refuse_hidden_characters(app, make, field):
    with pytest.raises(ValidationError) as exc:
        make().validate()
    assert "onzichtbaar of tekenrichting-wijzigend" in str(exc.value.to_dict() if exc.value.errors else exc.value)


def test_multiline_note_keeps_its_line_breaks(app):
    request = AccreditationRequest(
        kind="new",
        crebos=["25180"],
        motivation="Regel een\nRegel twee",
        proposed=ProposedCompany(name="Nieuw"),
        notes=[RequestNote(text="a\nb")],
    )
    request.validate()


def test_company_import_row_with_hidden_character_is_an_error(app):
    from services import company_import, spreadsheet

    rows = [spreadsheet.ParsedRow(2, {"company_id": "123450005", "name": "Bakkerij\u202e", "city": "Ede"}, [])]
    company_import.check_rows(rows)
    assert "Naam bevat een onzichtbaar" in rows[0].error_text()


# --- item 11: what the user is told matches what is stored ----------------------------------------------------


def test_create_with_failing_audit_leaves_nothing(app, monkeypatch):
    before = Participant.objects.count()
    monkeypatch.setattr(AuditEvent, "save", boom)
    with pytest.raises(RuntimeError):
        svc.create_participant(user(), dict(PERSON))
    assert Participant.objects.count() == before


def test_create_with_failing_insert_leaves_no_event(app, monkeypatch):
    monkeypatch.setattr(Participant, "save", boom)
    with pytest.raises(RuntimeError):
        svc.create_participant(user(), dict(PERSON))
    assert AuditEvent.objects(action="create", object_type="Participant").count() == 0


def test_update_with_failing_audit_or_write_changes_nothing(app, monkeypatch):
    made = svc.create_participant(user(), dict(PERSON))
    with monkeypatch.context() as m:
        m.setattr(AuditEvent, "save", boom)
        with pytest.raises(RuntimeError):
            svc.update_participant(user(), made, dict(PERSON, group="Nieuw"), made.version)
    assert Participant.objects.get(pk=made.pk).group == "MZ2A"
    with monkeypatch.context() as m:
        m.setattr(Participant, "modify", boom)
        with pytest.raises(RuntimeError):
            svc.update_participant(user(), made, dict(PERSON, group="Nieuw"), made.version)
    assert AuditEvent.objects(action="update", object_type="Participant").count() == 0
    # A stale form writes no event either.
    with pytest.raises(svc.StaleParticipantError):
        svc.update_participant(user(), made, dict(PERSON, group="Nieuw"), made.version + 5)
    assert AuditEvent.objects(action="update", object_type="Participant").count() == 0


def test_archive_and_restore_with_failing_writes(app, monkeypatch):
    made = svc.create_participant(user(), dict(PERSON))
    with monkeypatch.context() as m:
        m.setattr(AuditEvent, "save", boom)
        with pytest.raises(RuntimeError):
            svc.archive_participants(user(), [made.pk])
    assert Participant.objects.get(pk=made.pk).archived_at is None
    with monkeypatch.context() as m:
        m.setattr(ParticipantQuerySet, "update_one", boom)
        with pytest.raises(RuntimeError):
            svc.archive_participants(user(), [made.pk])
    assert AuditEvent.objects(action="archive", object_type="Participant").count() == 0
    assert svc.archive_participants(user(), [made.pk]) == 1
    # A second archive finds nothing to move and leaves no event behind.
    assert svc.archive_participants(user(), [made.pk]) == 0
    assert AuditEvent.objects(action="archive", object_id=str(made.pk)).count() == 1
    with monkeypatch.context() as m:
        m.setattr(AuditEvent, "save", boom)
        with pytest.raises(RuntimeError):
            svc.restore_participants(user(), [made.pk])
    assert Participant.objects.get(pk=made.pk).archived_at is not None


def test_bulk_archive_failing_part_way_says_how_many_moved(app, monkeypatch, client, auth):
    ids = [
        svc.create_participant(user(), {"first_name": f"P{n}", "last_name": "Bulk", "birth_date": date(2007, 1, 1)}).pk
        for n in range(3)
    ]
    original = AuditEvent.save
    saved = []

    def second_fails(self, *args, **kwargs):
        saved.append(1)
        if len(saved) == 2:
            raise RuntimeError("schijf vol")
        return original(self, *args, **kwargs)

    auth.login("mbo@school.example")
    monkeypatch.setattr(AuditEvent, "save", second_fails)
    html = client.post(
        "/deelnemers/action/", data={"rowid": [str(i) for i in ids], "action": "archive"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "1 deelnemer is verplaatst; daarna ging het opslaan mis" in html
    archived = Participant.objects(pk__in=ids, archived_at__ne=None).count()
    assert archived == 1
    assert AuditEvent.objects(action="archive", object_id__in=[str(i) for i in ids]).count() == archived


def test_delete_with_failing_audit_or_delete(app, monkeypatch):
    made = svc.create_participant(user(), dict(PERSON))
    with monkeypatch.context() as m:
        m.setattr(AuditEvent, "save", boom)
        with pytest.raises(RuntimeError):
            svc.delete_participant(user(), made)
    assert Participant.objects(pk=made.pk).count() == 1
    with monkeypatch.context() as m:
        m.setattr(Participant, "delete", boom)
        with pytest.raises(RuntimeError):
            svc.delete_participant(user(), made)
    assert AuditEvent.objects(action="delete", object_type="Participant").count() == 0
    svc.delete_participant(user(), made)
    assert (
        Participant.objects(pk=made.pk).count() == 0
        and AuditEvent.objects(action="delete", object_type="Participant").count() == 1
    )


@pytest.mark.parametrize("failing", ["audit", "batch", "insert"])
def test_import_failing_at_each_write_leaves_nothing_and_can_be_retried(app, monkeypatch, failing):
    mbo = user()
    staged = importer.preview(mbo, xlsx(fifty_rows()[:5]), "vijf.xlsx")
    before = Participant.objects.count()
    target = {"audit": (AuditEvent, "save"), "batch": (ImportBatch, "save"), "insert": (ParticipantQuerySet, "insert")}[
        failing
    ]
    with monkeypatch.context() as m:
        m.setattr(*target, boom)
        with pytest.raises(RuntimeError):
            importer.import_rows(mbo, staged.token, ["2", "3", "4", "5", "6"])
    assert Participant.objects.count() == before
    assert ImportBatch.objects.count() == 0
    assert AuditEvent.objects(action="import", object_type="ImportBatch").count() == 0
    assert StagedUpload.objects(token=staged.token).count() == 1  # the user can confirm again
    batch = importer.import_rows(mbo, staged.token, ["2", "3", "4", "5", "6"])
    assert batch.count == 5 and len(batch.object_ids) == 5
    assert Participant.objects(import_batch=str(batch.pk)).count() == 5
    assert AuditEvent.objects(action="import", object_id=str(batch.pk)).count() == 1


def test_import_whose_preview_cleanup_fails_still_reports_success(app, monkeypatch):
    from services import spreadsheet

    mbo = user()
    staged = importer.preview(mbo, xlsx(fifty_rows()[:2]), "twee.xlsx")
    monkeypatch.setattr(spreadsheet, "discard_staged", boom)
    batch = importer.import_rows(mbo, staged.token, ["2", "3"])
    assert Participant.objects(import_batch=str(batch.pk)).count() == 2
    # Confirming again is refused by the identity check: no duplicates.
    with pytest.raises(importer.ImportError_, match="intussen al"):
        importer.import_rows(mbo, staged.token, ["2", "3"])


def test_undo_with_failing_audit_changes_nothing(app, monkeypatch):
    mbo = user()
    batch = importer.import_rows(mbo, importer.preview(mbo, xlsx(fifty_rows()[:2]), "a.xlsx").token, ["2", "3"])
    with monkeypatch.context() as m:
        m.setattr(AuditEvent, "save", boom)
        with pytest.raises(RuntimeError):
            importer.undo_batch(mbo, str(batch.pk))
    assert Participant.objects(import_batch=str(batch.pk)).count() == 2
    assert ImportBatch.objects.get(pk=batch.pk).undone_at is None
    with monkeypatch.context() as m:
        m.setattr(ParticipantQuerySet, "delete", boom)
        with pytest.raises(RuntimeError):
            importer.undo_batch(mbo, str(batch.pk))
    assert ImportBatch.objects.get(pk=batch.pk).undone_at is None
    assert AuditEvent.objects(action="import_undone", object_type="ImportBatch").count() == 0
    assert importer.undo_batch(mbo, str(batch.pk)) == 2


def _company_rows():
    existing = Company.objects.first()
    return existing, [
        {
            "row": 2,
            "values": {
                "company_id": "555000111",
                "name": "Eerste Nieuw",
                "city": "Ede",
                "crebo": None,
                "start": None,
                "end": None,
            },
        },
        {
            "row": 3,
            "values": {
                "company_id": existing.company_id,
                "name": "Hernoemd",
                "city": existing.city,
                "crebo": None,
                "start": None,
                "end": None,
            },
        },
    ]


def test_company_import_with_failing_audit_leaves_nothing(app, monkeypatch):
    from services import company_import

    existing, rows = _company_rows()
    monkeypatch.setattr(AuditEvent, "save", boom)
    with pytest.raises(RuntimeError):
        company_import.import_rows(user("beheerder@sbb.example"), rows)
    assert Company.objects(company_id="555000111").count() == 0
    assert Company.objects.get(pk=existing.pk).name == existing.name


def test_company_import_with_failing_save_leaves_no_event(app, monkeypatch):
    from services import company_import

    existing, rows = _company_rows()
    original = Company.save
    calls = []

    def second_fails(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("schijf vol")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Company, "save", second_fails)
    with pytest.raises(RuntimeError):
        company_import.import_rows(user("beheerder@sbb.example"), rows)
    assert Company.objects(company_id="555000111").count() == 0
    assert Company.objects.get(pk=existing.pk).name == existing.name
    assert AuditEvent.objects(action="import", object_type="Company").count() == 0
