"""The ModelView lists (issue 12): scope, actions on everything a filter matches, and the list actions themselves."""

import hashlib
import io
import re
import zipfile
from html import unescape

import pytest

from documents.finality import CONCEPT, FINAL
from documents.guidance import GuidanceDocument
from documents.statements import PracticeStatement
from services import guidance as guidance_svc
from services import statements as svc
from tests.list_helpers import act, select_all
from tests.statement_helpers import final_statement, participant_at, ready_concept, selection, user

STATEMENTS = "/lijsten/praktijkverklaringen/"
GUIDANCE = "/lijsten/begeleidingsdocumenten/"
QUALIFICATIONS = "/lijsten/kwalificaties/"


ENGLISH = re.compile(r">\s*(Create|List|Delete|Edit|Search|Export|With selected|Add Filter|Apply|items|None)\s*<")


def action_names(html):
    return re.findall(r'data-action="([a-z_]+)"', html)


def other_school_concept():
    pro = participant_at(brin="12PD", author="pro@school.example", first_name="Ander", last_name="Selectietest")
    return ready_concept(pro, author="pro@school.example", form="pro")


# --- the actions each list offers ---------------------------------------------------------------------------------


def test_each_list_offers_its_actions_per_role(client, auth):
    auth.login_role("school_staff")
    assert action_names(client.get(STATEMENTS).get_data(as_text=True)) == ["finalize", "download_pdf", "remove"]
    assert action_names(client.get(GUIDANCE).get_data(as_text=True)) == ["finalize", "download_pdf"]
    page = client.get(QUALIFICATIONS).get_data(as_text=True)
    assert action_names(page) == [] and 'id="list-action-form"' not in page  # read-only
    labels = re.findall(
        r'class="dropdown-item list-action"[^>]*>([^<]+)<', client.get(STATEMENTS).get_data(as_text=True)
    )
    assert labels == ["Definitief maken", "PDF downloaden", "Verwijderen"]
    auth.logout()
    # An advisor reads but does not edit: only the download remains, and posting another action is refused.
    auth.login_role("sbb_advisor")
    assert action_names(client.get(STATEMENTS).get_data(as_text=True)) == ["download_pdf"]
    assert action_names(client.get(GUIDANCE).get_data(as_text=True)) == ["download_pdf"]
    concept = ready_concept()
    assert act(client, STATEMENTS, "finalize", ids=[concept.pk]).status_code == 403
    assert PracticeStatement.objects(pk=concept.pk).get().status == CONCEPT


def test_lists_create_or_edit_nothing_and_have_no_inline_script(client, auth):
    svc.create_concept(participant_at(first_name="Zonder", last_name="Vorm"), user("mbo@school.example"))
    auth.login_role("school_staff")
    for url in (STATEMENTS, GUIDANCE, QUALIFICATIONS):
        page = client.get(url).get_data(as_text=True)
        assert client.get(url + "new/").status_code in (302, 403, 404)
        body = page[page.index('id="list-menu"') :]
        assert not re.search(r"\son[a-z]+=", body), url
        assert not ENGLISH.search(page), (url, ENGLISH.search(page))
        assert 'placeholder="None"' not in page and ">None<" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url


# --- scope -------------------------------------------------------------------------------------------------------


def test_another_schools_rows_are_never_listed_nor_acted_on(client, auth):
    own = ready_concept(participant_at(first_name="Eigen", last_name="Selectietest"))
    other = other_school_concept()
    auth.login_role("school_staff")
    page = client.get(STATEMENTS + "?search=selectietest").get_data(as_text=True)
    assert str(own.pk) in page and str(other.pk) not in page
    assert client.get(STATEMENTS + f"details/?id={other.pk}").status_code == 302  # "does not exist" for this user
    # A guessed id posted by hand is dropped before the action runs.
    response = act(client, STATEMENTS, "finalize", ids=[other.pk])
    assert response.status_code == 302
    assert PracticeStatement.objects(pk=other.pk).get().status == CONCEPT
    response = act(client, STATEMENTS, "download_pdf", ids=[other.pk, own.pk])
    assert response.mimetype == "application/pdf"  # only the own one: one PDF, not a ZIP of two
    # Everything the filter matches is this school's only, whatever the search.
    response = act(client, STATEMENTS, "finalize", query="search=selectietest", alle=1)
    assert response.status_code == 200
    assert PracticeStatement.objects(pk=own.pk).get().status == FINAL
    assert PracticeStatement.objects(pk=other.pk).get().status == CONCEPT


def test_sbb_sees_every_school(client, auth):
    other = other_school_concept()
    auth.login_role("sbb_advisor")
    assert str(other.pk) in client.get(STATEMENTS + "?search=selectietest").get_data(as_text=True)


# --- everything a filter matches ----------------------------------------------------------------------------------


@pytest.fixture
def many_concepts():
    """25 concepts of one search term (more than a page of 20), 3 of another, 1 of another school."""
    chosen = [
        svc.create_concept(
            participant_at(first_name=f"Kandidaat{n}", last_name="Selectietest"), user("mbo@school.example")
        )
        for n in range(25)
    ]
    others = [
        svc.create_concept(participant_at(first_name=f"Blijft{n}", last_name="Anders"), user("mbo@school.example"))
        for n in range(3)
    ]
    foreign = other_school_concept()
    return chosen, others, foreign


def test_select_all_matching_applies_to_exactly_the_n_matching_rows(client, auth, many_concepts):
    chosen, others, foreign = many_concepts
    auth.login_role("school_staff")
    page = client.get(STATEMENTS + "?search=selectietest&flt0_0=concept").get_data(as_text=True)
    assert page.count('name="rowid"') == 20  # one page of the 25
    assert "Selecteer alle 25 die aan het filter voldoen" in page
    confirmations = unescape(re.search(r'data-confirmations="([^"]*)"', page).group(1))
    assert "{n} {praktijkverklaring|praktijkverklaringen} verwijderen?" in confirmations  # the page's script puts N in
    assert 'data-count="25"' in page and 'name="alle_token"' in page
    assert 'data-selection-url="/lijsten/praktijkverklaringen/selectie/?search=selectietest&amp;flt0_0=concept"' in page
    response = act(client, STATEMENTS, "remove", query="search=selectietest&flt0_0=concept", alle=25)
    assert response.status_code == 302
    assert PracticeStatement.objects(pk__in=[s.pk for s in chosen]).count() == 0
    assert PracticeStatement.objects(pk__in=[s.pk for s in others]).count() == 3
    assert PracticeStatement.objects(pk=foreign.pk).count() == 1


def flashed(client):
    with client.session_transaction() as session:
        return " ".join(text for _cat, text in session.pop("_flashes", []))


def test_select_all_refuses_when_the_rows_changed_since_they_were_chosen(client, auth, many_concepts):
    """Not only the number: one row out and another in (still 25) is refused too; nothing is removed."""
    chosen, others, _foreign = many_concepts
    auth.login_role("school_staff")
    count, token = select_all(client, STATEMENTS, "search=selectietest")
    assert count == 25
    svc.create_concept(participant_at(first_name="Nieuw", last_name="Selectietest"), user("mbo@school.example"))
    response = act(client, STATEMENTS, "remove", query="search=selectietest", token=token)
    assert response.status_code == 302
    assert PracticeStatement.objects(pk__in=[s.pk for s in chosen]).count() == 25
    assert "(nu 26, toen 25)" in flashed(client)

    count, token = select_all(client, STATEMENTS, "search=selectietest")
    PracticeStatement.objects(pk=chosen[0].pk).delete()  # one out ...
    svc.create_concept(participant_at(first_name="Ander", last_name="Selectietest"), user("mbo@school.example"))
    act(client, STATEMENTS, "remove", query="search=selectietest", token=token)  # ... one in: the same number
    assert "(nog steeds 26, maar niet dezelfde)" in flashed(client)
    assert PracticeStatement.objects(pk__in=[s.pk for s in chosen[1:]]).count() == 24

    # A token of another list, of another filter's rows, or a forged one is refused as well.
    _count, guidance_token = select_all(client, GUIDANCE)
    act(client, STATEMENTS, "remove", query="search=selectietest", token=guidance_token)
    assert "hoort bij een andere lijst" in flashed(client)
    _count, other_filter = select_all(client, STATEMENTS, "search=anders")
    act(client, STATEMENTS, "remove", query="search=selectietest", token=other_filter)
    assert "veranderd sinds u ze koos" in flashed(client)
    act(client, STATEMENTS, "remove", query="search=selectietest", token="vervalst")
    assert "niet meer geldig" in flashed(client)
    assert PracticeStatement.objects(pk__in=[s.pk for s in chosen[1:] + others]).count() == 27


def test_the_selection_answers_within_the_users_scope_only(client, auth, many_concepts):
    _chosen, _others, foreign = many_concepts
    auth.login_role("school_staff")
    assert select_all(client, STATEMENTS, "search=selectietest")[0] == 25  # not the other school's one
    auth.logout()
    auth.login_role("sbb_advisor")
    assert select_all(client, STATEMENTS, "search=selectietest")[0] == 26
    auth.logout()
    assert client.get(STATEMENTS + "selectie/").status_code in (302, 401, 403)


def test_an_action_over_its_limit_is_refused_with_the_numbers(client, auth, many_concepts, monkeypatch):
    from admin_views import statement_list

    monkeypatch.setattr(statement_list.StatementListView.action_remove, "_action_limit", 10)
    auth.login_role("school_staff")
    act(client, STATEMENTS, "remove", query="search=selectietest", alle=25)
    assert PracticeStatement.objects(pk__in=[s.pk for s in many_concepts[0]]).count() == 25
    with client.session_transaction() as session:
        messages = " ".join(text for _cat, text in session.get("_flashes", []))
    assert "hoogstens 10" in messages and "u koos er 25" in messages


# --- Definitief maken ------------------------------------------------------------------------------------------


def test_definitief_maken_on_five_concepts_numbers_the_three_ready_ones_and_names_every_problem(client, auth):
    maker = user("mbo@school.example")
    ready = [ready_concept(participant_at(first_name=f"Klaar{n}", last_name="Vijftal")) for n in range(3)]
    empty = svc.create_concept(participant_at(first_name="Leeg", last_name="Vijftal"), maker)
    no_hours = svc.update_concept(
        svc.create_concept(participant_at(first_name="Urenloos", last_name="Vijftal"), maker),
        maker,
        education_form="mbo_diploma",
        selections=[selection()],
    )
    problems = {s.pk: svc.readiness_problems(s) for s in (empty, no_hours)}
    assert len(problems[empty.pk]) >= 3 and len(problems[no_hours.pk]) == 1
    auth.login_role("school_staff")
    ids = [ready[0].pk, empty.pk, ready[1].pk, no_hours.pk, ready[2].pk]
    response = act(client, STATEMENTS, "finalize", ids=ids)
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    numbers = [PracticeStatement.objects(pk=s.pk).get().number for s in ready]
    assert all(numbers)
    sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequence == list(range(sequence[0], sequence[0] + 3))  # consecutive, in the order chosen
    for number in numbers:
        assert number in page
    for statement in (empty, no_hours):
        assert PracticeStatement.objects(pk=statement.pk).get().status == CONCEPT
        for problem in problems[statement.pk]:
            assert problem in page
    assert "Definitief gemaakt (3)" in page and "Niet definitief gemaakt (2)" in page


# --- PDF downloaden ----------------------------------------------------------------------------------------------


def test_zip_of_three_final_statements_holds_the_exact_issued_bytes(client, auth):
    finals = [final_statement(participant=participant_at(first_name=f"Zip{n}", last_name="Drietal")) for n in range(3)]
    auth.login_role("school_staff")
    response = act(client, STATEMENTS, "download_pdf", ids=[s.pk for s in finals])
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert len(archive.namelist()) == 3
    stored = {PracticeStatement.objects(pk=s.pk).get().pdf_sha256 for s in finals}
    assert {hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()} == stored
    for name in archive.namelist():
        assert name.startswith("praktijkverklaring-PV-")


def test_pdf_of_one_concept_and_a_zip_that_says_what_was_left_out(client, auth):
    concept = ready_concept(participant_at(first_name="Een", last_name="Concept"))
    empty = svc.create_concept(participant_at(first_name="Nog", last_name="Leeg"), user("mbo@school.example"))
    auth.login_role("school_staff")
    one = act(client, STATEMENTS, "download_pdf", ids=[concept.pk])
    assert one.mimetype == "application/pdf" and one.data.startswith(b"%PDF")
    both = act(client, STATEMENTS, "download_pdf", ids=[concept.pk, empty.pk])
    archive = zipfile.ZipFile(io.BytesIO(both.data))
    names = archive.namelist()
    assert "niet-opgenomen.txt" in names and len(names) == 2
    assert "Kies ten minste één behaald werkproces" in archive.read("niet-opgenomen.txt").decode()


# --- Verwijderen ------------------------------------------------------------------------------------------------


def test_verwijderen_keeps_the_author_only_rule_per_row(client, auth):
    mine = ready_concept(participant_at(first_name="Van", last_name="Mij"))
    colleague = ready_concept(
        participant_at(first_name="Van", last_name="Collega", author="collega@school.example"),
        author="collega@school.example",
    )
    auth.login_role("school_staff")
    response = act(client, STATEMENTS, "remove", ids=[mine.pk, colleague.pk])
    page = unescape(response.get_data(as_text=True))
    assert PracticeStatement.objects(pk=mine.pk).count() == 0
    assert PracticeStatement.objects(pk=colleague.pk).count() == 1
    assert "Niet verwijderd (1)" in page and "alleen praktijkverklaringen verwijderen die u zelf hebt gemaakt" in page


# --- filters and search -----------------------------------------------------------------------------------------


def test_statement_filters_on_status_education_form_company_and_qualification(client, auth):
    concept = ready_concept(participant_at(first_name="Filter", last_name="Proef"))
    final = final_statement(participant=participant_at(first_name="Filter", last_name="Definitief"))
    auth.login_role("school_staff")
    page = client.get(STATEMENTS).get_data(as_text=True)
    groups = unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1))
    for name in ("Status", "Jaar", "Onderwijsvorm", "Leerbedrijf", "Kwalificatie"):
        assert f'"{name}"' in groups
    assert "90101" in groups and "100200301" in groups  # choices from what this school has
    final_only = client.get(STATEMENTS + "?search=filter&flt0_0=final").get_data(as_text=True)
    assert str(final.pk) in final_only and str(concept.pk) not in final_only
    from documents.companies import Company

    bakery = Company.objects(company_id="100200301").get()
    arg = _filter_arg(groups, "Leerbedrijf")
    by_company = client.get(STATEMENTS + f"?search=filter&{arg}={bakery.pk}").get_data(as_text=True)
    assert str(final.pk) in by_company and str(concept.pk) in by_company  # a concept by its current placement
    arg = _filter_arg(groups, "Kwalificatie")
    assert str(concept.pk) not in client.get(STATEMENTS + f"?search=filter&{arg}=99999").get_data(as_text=True)
    assert str(concept.pk) in client.get(STATEMENTS + f"?search=filter&{arg}=90101").get_data(as_text=True)


def _filter_arg(groups_json, name):
    import json

    return "flt0_" + json.loads(groups_json)[name][0]["arg"]


def test_search_is_accent_and_case_blind(client, auth):
    statement = ready_concept(participant_at(first_name="Zoë", last_name="Çelik"))
    auth.login_role("school_staff")
    assert str(statement.pk) in client.get(STATEMENTS + "?search=ZOE+celik").get_data(as_text=True)
    assert str(statement.pk) not in client.get(STATEMENTS + "?search=zoeken").get_data(as_text=True)


def test_statement_export_is_scoped(client, auth):
    other_school_concept()
    auth.login_role("school_staff")
    response = client.get(STATEMENTS + "export/csv/?search=selectietest")
    assert response.status_code == 200
    assert "Ander Selectietest" not in response.get_data(as_text=True)


# --- begeleidingsdocumenten ----------------------------------------------------------------------------------


def _guidance(first_name, author="mbo@school.example"):
    participant = participant_at(first_name=first_name, last_name="Begeleid")
    return guidance_svc.create_concept(participant, user(author), [selection()])


def test_afronden_and_pdf_of_guidance_documents(client, auth):
    docs = [_guidance(f"Doc{n}") for n in range(2)]
    done = guidance_svc.finalize(_guidance("Al"), user("mbo@school.example"))
    auth.login_role("school_staff")
    response = act(client, GUIDANCE, "finalize", ids=[d.pk for d in docs] + [done.pk])
    page = unescape(response.get_data(as_text=True))
    assert "Afgerond (2)" in page and "Niet afgerond (1)" in page
    assert all(GuidanceDocument.objects(pk=d.pk).get().status == FINAL for d in docs)
    zipped = act(client, GUIDANCE, "download_pdf", ids=[d.pk for d in docs])
    archive = zipfile.ZipFile(io.BytesIO(zipped.data))
    assert len(archive.namelist()) == 2
    assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())
    single = act(client, GUIDANCE, "download_pdf", ids=[docs[0].pk])
    assert single.mimetype == "application/pdf"


def test_guidance_list_is_scoped_and_filters_on_trainer(client, auth):
    own = _guidance("Eigen")
    foreign = guidance_svc.create_concept(
        participant_at(brin="12PD", author="pro@school.example", first_name="Ander", last_name="Begeleid"),
        user("pro@school.example"),
        [selection()],
    )
    auth.login_role("school_staff")
    page = client.get(GUIDANCE + "?search=begeleid").get_data(as_text=True)
    assert str(own.pk) in page and str(foreign.pk) not in page
    act(client, GUIDANCE, "finalize", ids=[foreign.pk])
    assert GuidanceDocument.objects(pk=foreign.pk).get().status == CONCEPT
    groups = unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1))
    trainer = own.snapshot["trainer"]["name"]
    assert trainer in groups
    arg = _filter_arg(groups, "Praktijkopleider")
    assert str(own.pk) in client.get(GUIDANCE + f"?search=begeleid&{arg}={trainer}").get_data(as_text=True)
    assert str(own.pk) not in client.get(GUIDANCE + f"?search=begeleid&{arg}=Niemand").get_data(as_text=True)


# --- kwalificaties ------------------------------------------------------------------------------------------------


def test_qualification_list_searches_crebo_and_title_and_shows_the_structure(client, auth):
    from tests.statement_helpers import qualification

    q = qualification("90101")
    auth.login_role("school_staff")
    assert "90101" in client.get(QUALIFICATIONS + "?search=9010").get_data(as_text=True)
    word = q.title.split()[0]
    assert q.title in unescape(client.get(QUALIFICATIONS + f"?search={word.upper()}").get_data(as_text=True))
    details = unescape(client.get(QUALIFICATIONS + f"details/?id={q.pk}").get_data(as_text=True))
    task = q.core_tasks[0]
    assert f"{task.code} {task.title}" in details
    assert f"{task.work_processes[0].code} {task.work_processes[0].title}" in details
    page = client.get(QUALIFICATIONS).get_data(as_text=True)
    groups = unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S).group(1))
    for name in ("Niveau", "Kwalificatiedossier", "Geldigheid"):
        assert f'"{name}"' in groups
    level_arg = _filter_arg(groups, "Niveau")
    other_level = "1" if q.level != 1 else "2"
    assert str(q.pk) in client.get(QUALIFICATIONS + f"?search=90101&{level_arg}={q.level}").get_data(as_text=True)
    assert str(q.pk) not in client.get(QUALIFICATIONS + f"?search=90101&{level_arg}={other_level}").get_data(
        as_text=True
    )


def test_details_pages_show_the_document_in_dutch(client, auth):
    final = final_statement(participant=participant_at(first_name="Detail", last_name="Pagina"))
    doc = _guidance("Detail")
    auth.login_role("school_staff")
    page = unescape(client.get(STATEMENTS + f"details/?id={final.pk}").get_data(as_text=True))
    assert "Detail Pagina" in page and final.number in page and final.pdf_sha256 in page
    assert "SHA-256 van de PDF" in page and "Definitief" in page
    page = unescape(client.get(GUIDANCE + f"details/?id={doc.pk}").get_data(as_text=True))
    assert "Detail Begeleid" in page and doc.document_id in page and "Praktijkopleider" in page


def test_an_unexpected_failure_on_one_statement_is_reported_for_that_one_only(client, auth, monkeypatch):
    statements = [ready_concept(participant_at(first_name=f"Fout{n}", last_name="Halverwege")) for n in range(3)]
    real = svc.finalize

    def failing(statement, user):
        if statement.pk == statements[1].pk:
            raise RuntimeError("PDF-renderer weg")
        return real(statement, user)

    monkeypatch.setattr(svc, "finalize", failing)
    auth.login_role("school_staff")
    response = act(client, STATEMENTS, "finalize", ids=[s.pk for s in statements])
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert "Definitief gemaakt (2)" in page and "Er ging iets mis; er is voor dit item niets gewijzigd" in page
    assert [PracticeStatement.objects(pk=s.pk).get().status for s in statements] == [FINAL, CONCEPT, FINAL]


def test_a_page_past_the_end_leads_to_the_last_page(client, auth, many_concepts):
    """After the rows of the last page were acted on, or from an old link, the list shows its last page, not nothing."""
    chosen, _others, _foreign = many_concepts
    auth.login_role("school_staff")
    second = client.get(STATEMENTS + "?search=selectietest&page=1").get_data(as_text=True)
    assert second.count('name="rowid"') == 5  # the 25 as 20 + 5
    response = client.get(STATEMENTS + "?search=selectietest&page=7")
    assert response.status_code == 302 and "page=1" in response.headers["Location"]
    assert "search=selectietest" in response.headers["Location"]
    # The 5 rows of the last page removed: the action returns to that page, which leads on to the one before, where
    # the action's message is waiting (it is not used up by a page that is never shown).
    on_last = [s.pk for s in chosen if f'value="{s.pk}"' in second]
    response = act(client, STATEMENTS, "remove", ids=on_last, query="search=selectietest&page=1")
    response = client.get(response.headers["Location"])
    assert response.status_code == 302 and "page=" not in response.headers["Location"]
    landed = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert landed.count('name="rowid"') == 20 and "5 praktijkverklaringen verwijderd" in landed
    # Nothing matches at all: the empty list says so, on the page asked for.
    empty = client.get(STATEMENTS + "?search=niemandhiet&page=3")
    assert empty.status_code == 200 and "Er is niets gevonden" in empty.get_data(as_text=True)
