"""Web-layer defects a review found: year filter, negative pages, cursor contents, repeated queue actions,
download names, the too-deep message and punctuation-only search."""

import io
import json
import re
import zipfile
from datetime import date
from html import unescape
from types import SimpleNamespace
from urllib.parse import unquote

import mongomock
import pytest
from flask import g
from itsdangerous import URLSafeSerializer

from documents.audit import AuditEvent
from documents.companies import AccreditationRequest, Company, Trainer
from documents.finality import FINAL
from documents.participants import Participant
from documents.statements import PracticeStatement
from services import accreditation_requests as requests_svc
from services import guidance as guidance_svc
from services import placements as placement_service
from services.clock import local_today
from tests.factories import ParticipantFactory
from tests.list_helpers import act, select_all
from tests.statement_helpers import final_statement, participant_at, school
from tests.test_requests_list import REQUESTS, TRAINERS, extension, mails, proposal, user  # noqa: F401 (fixture)

STATEMENTS = "/lijsten/praktijkverklaringen/"
GUIDANCE = "/lijsten/begeleidingsdocumenten/"
NEXT = re.compile(r'<a class="page-link" href="(/[^"]+)">&gt;</a>')
AWKWARD = "Łukasz Nguyễn/../x"


# --- 1. the year filter -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["0000", "9999", "0001", "1899", "2201"])
def test_a_year_out_of_range_is_no_server_error_in_list_export_or_action(client, auth, year):
    final_statement()
    auth.login_role("school_staff")
    assert client.get(f"{STATEMENTS}?flt0_1={year}").status_code == 200
    assert client.get(f"{STATEMENTS}export/csv/?flt0_1={year}").status_code == 200
    count, token = select_all(client, STATEMENTS, f"flt0_1={year}")
    response = act(client, STATEMENTS, "download_pdf", query=f"flt0_1={year}", token=token)
    assert response.status_code in (200, 302)


def test_the_year_filter_accepts_1900_to_2200_and_matches_nothing_outside(app):
    from admin_views.statement_list import YearFilter

    flt = YearFilter("finalized_at", "Jaar")
    assert flt.validate("1900") and flt.validate("2200") and flt.validate("2026")
    assert not any(flt.validate(v) for v in ("1899", "2201", "0000", "9999", "12", "20x6"))
    final_statement()
    assert flt.apply(PracticeStatement.objects, "0000").count() == 0
    assert flt.apply(PracticeStatement.objects, str(local_today().year)).count() >= 1


# --- 2. a negative page -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email, url",
    [
        ("mbo@school.example", "/deelnemers/?page=-1"),
        ("mbo@school.example", f"{GUIDANCE}?page=-1"),
        ("mbo@school.example", f"{STATEMENTS}?page=-3"),
        ("mbo@school.example", "/lijsten/kwalificaties/?page=-1"),
        ("beheerder@sbb.example", "/beheer/gebruikers/?page=-1"),  # the beheer lists: Flask-Admin's own get_list
        ("beheerder@sbb.example", "/beheer/geschiedenis/?page=-2"),
    ],
)
def test_a_negative_page_issues_no_negative_skip(client, auth, monkeypatch, email, url):
    """pymongo refuses a negative skip (a 500 on a real MongoDB); mongomock takes it, so the test records them."""
    skips = []
    real_skip = mongomock.collection.Cursor.skip

    def recording_skip(cursor, count):
        skips.append(count)
        return real_skip(cursor, count)

    monkeypatch.setattr(mongomock.collection.Cursor, "skip", recording_skip)
    auth.login(email)
    assert client.get(url).status_code == 200
    assert all(n >= 0 for n in skips), skips


# --- 3. the keyset cursor carries no personal data ----------------------------------------------------------------


def test_the_cursor_holds_only_the_boundary_id_and_still_leads_to_the_next_page(app, client, auth):
    institution = school("25DM")
    for i in range(25):
        ParticipantFactory(
            institution=institution, first_name="Geheimnaam", last_name=f"Privé{i:02d}", birth_date=date(2003, 2, 7)
        )
    auth.login("mbo@school.example")
    for sort in ("", "&sort=1", "&sort=1&desc=1"):
        first = client.get(f"/deelnemers/?page_size=20{sort}").get_data(as_text=True)
        link = unescape(NEXT.search(first).group(1))
        token = re.search(r"cursor=([^&]+)", link).group(1)
        payload = URLSafeSerializer(app.secret_key, salt="list-keyset-cursor").loads(unquote(token))
        text = json.dumps(payload, ensure_ascii=False).lower()
        assert "geheimnaam" not in text and "priv" not in text and "2003" not in text, text
        assert "geheimnaam" not in unquote(token).lower()
        assert len(payload) == 4 and re.fullmatch(r"[0-9a-f]{24}", payload[2]), payload
        by_cursor = client.get(link).get_data(as_text=True)
        by_skip = client.get(f"/deelnemers/?page_size=20{sort}&page=1").get_data(as_text=True)
        rows = re.compile(r'href="/deelnemers/([0-9a-f]{24})/"')
        assert rows.findall(by_cursor) and rows.findall(by_cursor) == rows.findall(by_skip)


# --- 4. queue actions on rows already in the target state ---------------------------------------------------------


def test_in_behandeling_twice_is_refused_per_row_without_a_second_note_mail_or_audit(client, auth, mails):  # noqa: F811
    req = extension()
    auth.login_role("sbb_advisor")
    act(client, REQUESTS, "in_progress", ids=[req.pk])
    notes, sent, events = (
        len(AccreditationRequest.objects(pk=req.pk).get().notes),
        len(mails),
        AuditEvent.objects.count(),
    )
    page = unescape(act(client, REQUESTS, "in_progress", ids=[req.pk]).get_data(as_text=True))
    assert "Niet gewijzigd (1)" in page and "al in behandeling" in page
    assert len(AccreditationRequest.objects(pk=req.pk).get().notes) == notes
    assert len(mails) == sent and AuditEvent.objects.count() == events


def test_an_id_posted_twice_is_acted_on_once(client, auth, mails):  # noqa: F811
    req = proposal("Dubbel Gepost")
    auth.login_role("sbb_advisor")
    act(client, REQUESTS, "in_progress", ids=[req.pk, req.pk, req.pk])
    assert len(AccreditationRequest.objects(pk=req.pk).get().notes) == 1
    assert len(mails) == 1


def _school_trainer(last_name):
    staff = user("mbo@school.example")
    person = Participant(first_name="Opleider", last_name=last_name, birth_date=date(2006, 1, 2))
    person.institution = staff.institution
    person.save()
    bakery = Company.objects(company_id="100200301").get()
    return placement_service.add_trainer_for_participant(
        staff, person, {"initials": "C.", "last_name": last_name}, company=bakery
    )


def test_trainer_actions_do_not_undo_or_revive_a_decision(client, auth):
    approved, rejected = _school_trainer("Goedgekeurd"), _school_trainer("Afgewezen")
    advisor = user("adviseur@sbb.example")
    requests_svc.review_trainer(advisor, approved, "approved")
    requests_svc.review_trainer(advisor, rejected, "rejected", "Onbekend.")
    auth.login_role("sbb_advisor")
    page = unescape(act(client, TRAINERS, "in_progress", ids=[approved.pk]).get_data(as_text=True))
    assert "al goedgekeurd" in page and Trainer.objects(pk=approved.pk).get().review_status == "approved"
    page = unescape(act(client, TRAINERS, "approve", ids=[rejected.pk]).get_data(as_text=True))
    assert "al afgewezen" in page and Trainer.objects(pk=rejected.pk).get().review_status == "rejected"
    page = unescape(act(client, TRAINERS, "approve", ids=[approved.pk]).get_data(as_text=True))
    assert "al goedgekeurd" in page and len(Trainer.objects(pk=approved.pk).get().notes) == 1


# --- 5. download names ---------------------------------------------------------------------------------------------


def _awkward_final():
    statement = final_statement(participant=participant_at(first_name="Łukasz", last_name="Nguyễn"))
    Participant.objects(pk=statement.participant.pk).update_one(set__last_name="Nguyễn/../x")
    return statement


def _check_disposition(value):
    value.encode("latin-1")  # a header must be Latin-1; the server fails on anything else
    ascii_name = re.search(r'filename="([^"]+)"', value).group(1)
    assert re.fullmatch(r"[A-Za-z0-9-]+\.pdf", ascii_name), ascii_name
    assert "Lukasz-Nguyen-x" in ascii_name
    utf8 = unquote(re.search(r"filename\*=UTF-8''(\S+)", value).group(1))
    assert "Łukasz-Nguyễn" in utf8 and "/" not in utf8 and ".." not in utf8


def test_pdf_downloads_with_a_non_latin_name_have_a_safe_header(client, auth):
    statement = _awkward_final()
    auth.login_role("school_staff")
    response = act(client, STATEMENTS, "download_pdf", ids=[statement.pk])
    assert response.mimetype == "application/pdf"
    _check_disposition(response.headers["Content-Disposition"])
    response = client.get(f"/praktijkverklaringen/{statement.pk}/pdf")
    assert response.status_code == 200
    _check_disposition(response.headers["Content-Disposition"])


def test_zip_members_hold_no_path_and_no_accents(client, auth):
    statements = [_awkward_final(), _awkward_final()]
    auth.login_role("school_staff")
    response = act(client, STATEMENTS, "download_pdf", ids=[s.pk for s in statements])
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 2
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9-]+\.pdf", name), name


def test_the_guidance_pdf_name_is_ascii():
    doc = SimpleNamespace(snapshot={"participant": {"full_name": AWKWARD}}, status=FINAL, document_id="BD-1")
    name = guidance_svc.pdf_filename(doc)
    assert name == "begeleidingsdocument-lukasz-nguyen-x-BD-1.pdf"


def test_the_filename_helper():
    from core.filenames import attachment, safe_filename, unicode_filename

    assert safe_filename(AWKWARD + ".pdf") == "Lukasz-Nguyen-x.pdf"
    assert safe_filename("../..") == "bestand"
    assert "/" not in unicode_filename(AWKWARD) and ".." not in unicode_filename(AWKWARD)
    attachment(AWKWARD + ".pdf").encode("latin-1")


# --- 6. the too-deep message ---------------------------------------------------------------------------------------


def test_the_too_deep_message_keeps_its_commas_and_formats_the_number(app, monkeypatch):
    from admin_views import participants

    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "participants")
    monkeypatch.setattr(participants, "MAX_SKIP_ROWS", 12345)
    with app.test_request_context("/deelnemers/?page=900"):
        g.participant_list_too_deep = True
        message = view.get_empty_list_message()
    assert "12.345 rijen" in message and "Blader met de pijlen, kies" in message


# --- 7. punctuation-only search -----------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["statement_list", "guidance_list"])
def test_a_punctuation_only_search_looks_up_no_participants(client, auth, monkeypatch, module):
    import admin_views.lists as view_module  # both lists search through ParticipantDocumentListView

    looked_up = []
    real = view_module.search_filter
    monkeypatch.setattr(view_module, "search_filter", lambda term: looked_up.append(term) or real(term))
    final_statement()
    auth.login_role("school_staff")
    base = STATEMENTS if module == "statement_list" else GUIDANCE
    for term in (",", " ;-. "):
        assert client.get(f"{base}?search={term}").status_code == 200
    # Folded to nothing, the term would match every participant in scope: all of them in one $in list.
    assert looked_up == []
    client.get(f"{base}?search=Ramdin")
    assert looked_up == ["Ramdin"]
