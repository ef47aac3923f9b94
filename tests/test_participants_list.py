"""The deelnemersoverzicht as a ModelView (issue 12): actions per tab, actions on all a filter matches, old URLs."""

import io
import re
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook

from documents.participants import Participant
from documents.users import User
from services import registry
from tests.factories import ParticipantFactory
from tests.list_helpers import act, select_all

LIST = "/deelnemers/"


def html(response):
    return response.get_data(as_text=True)


def action_names(page):
    return re.findall(r'data-action="([a-z_]+)"', page)


def group_filter(client):
    """The list's own query string for the group filter (the filter's index as Flask-Admin numbers it)."""
    target = client.get(LIST, query_string={"groep": "Selectieklas"}).headers["Location"]
    return urlsplit(target).query


def school(email="mbo@school.example"):
    return User.objects.get(email=email).institution


def test_actions_per_tab_and_role(client, auth):
    auth.login("mbo@school.example")
    assert action_names(html(client.get(LIST))) == ["archive", "remove", "export"]
    assert action_names(html(client.get(LIST + "?tab=archief"))) == ["restore", "remove", "export"]
    labels = re.findall(r'class="dropdown-item list-action"[^>]*>([^<]+)<', html(client.get(LIST)))
    assert labels == ["Naar archief", "Verwijderen", "Exporteren (Excel)"]
    auth.logout()
    auth.login("adviseur@sbb.example")  # reads and exports, changes nothing
    assert action_names(html(client.get(LIST))) == ["export"]


def test_archive_everything_the_group_filter_matches_across_pages(client, auth):
    ParticipantFactory.create_batch(27, institution=school(), group="Selectieklas")
    ParticipantFactory.create_batch(3, institution=school(), group="Andere klas")
    ParticipantFactory.create_batch(4, institution=school("pro@school.example"), group="Selectieklas")
    auth.login("mbo@school.example")
    query = group_filter(client)
    page = html(client.get(LIST + "?" + query))
    assert page.count('class="action-checkbox"') == 20 and "Selecteer alle 27 die aan het filter voldoen" in page
    response = act(client, LIST, "archive", query=query, alle=27, follow=True)
    assert "27 deelnemers naar het archief verplaatst." in html(response)
    mbo, pro = school(), school("pro@school.example")
    assert Participant.objects(institution=mbo, group="Selectieklas", archived_at__ne=None).count() == 27
    assert Participant.objects(institution=mbo, group="Andere klas", archived_at__ne=None).count() == 0
    assert Participant.objects(institution=pro, archived_at__ne=None, group="Selectieklas").count() == 0
    # On the Archief tab the same filter now matches the 27: Naar actueel brings exactly those back.
    act(client, LIST, "restore", query="tab=archief&" + query, alle=27)
    assert Participant.objects(institution=mbo, group="Selectieklas", archived_at=None).count() == 27


def test_select_all_refuses_when_the_count_changed_and_a_tab_refuses_the_other_move(client, auth):
    ParticipantFactory.create_batch(2, institution=school(), group="Selectieklas")
    auth.login("mbo@school.example")
    query = group_filter(client)
    _count, token = select_all(client, LIST, query)
    ParticipantFactory(institution=school(), group="Selectieklas")  # added after the user chose "alle 2"
    page = html(act(client, LIST, "archive", query=query, token=token, follow=True))
    assert "(nu 3, toen 2)" in page
    assert Participant.objects(group="Selectieklas", archived_at__ne=None).count() == 0
    ids = [str(p.pk) for p in Participant.objects(group="Selectieklas")]
    assert client.post(LIST + "action/", data={"action": "restore", "rowid": ids}).status_code == 403


def test_remove_on_all_matching_names_each_participant_and_what_goes_with_it(client, auth, monkeypatch):
    monkeypatch.setattr(registry, "PARTICIPANT_DEPENDENTS", [lambda p: [("begeleidingsdocumenten", 2)]])
    ParticipantFactory.create_batch(22, institution=school(), group="Selectieklas")
    auth.login("mbo@school.example")
    query = group_filter(client)
    page = html(act(client, LIST, "remove", query=query, alle=22))
    assert page.count('name="ids"') == 22 and page.count("2 begeleidingsdocumenten") == 22
    assert 'id="confirm-delete"' in page and "niet meer terugzetten" in page
    assert Participant.objects(group="Selectieklas").count() == 22  # nothing gone before the confirmation
    ids = re.findall(r'name="ids" value="([0-9a-f]{24})"', page)
    back = re.search(r'name="next" value="([^"]+)"', page).group(1)
    response = client.post("/deelnemers/verwijderen", data={"ids": ids, "confirm": "ja", "next": back})
    assert Participant.objects(group="Selectieklas").count() == 0
    assert urlsplit(response.headers["Location"]).path == LIST


def test_export_action_of_all_matching_is_a_safe_typed_workbook(client, auth):
    ParticipantFactory.create_batch(21, institution=school(), group="Selectieklas")
    ParticipantFactory(institution=school(), group="Selectieklas", first_name="=1+1", last_name="@Formule")
    ParticipantFactory(institution=school("pro@school.example"), group="Selectieklas")
    auth.login("mbo@school.example")
    query = group_filter(client)
    response = act(client, LIST, "export", query=query, alle=22)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Achternaam", "Tussenvoegsel", "Voornaam", "Geboortedatum") and len(rows) == 23
    cells = next(r for r in sheet.iter_rows() if r[0].value == "@Formule")
    assert cells[2].value == "=1+1" and cells[2].data_type == "s"  # text, never a formula
    assert {r[5] for r in rows[1:]} == {"Selectieklas"} and {r[8] for r in rows[1:]} == {"Actueel"}


def test_old_addresses_redirect_with_their_meaning(client, auth):
    auth.login("beheerder@sbb.example")
    pro = school("pro@school.example")
    target = client.get(
        LIST,
        query_string={
            "tab": "archief",
            "q": "de jong",
            "groep": "MZ2A",
            "school": str(pro.pk),
            "sort": "geboortedatum",
            "desc": "1",
            "aantal": "50",
            "pagina": "2",
        },
    ).headers["Location"]
    args = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    assert args.pop("tab") == "archief" and args.pop("search") == "de jong"
    assert args.pop("page_size") == "50" and args.pop("page") == "1" and args.pop("desc") == "1"
    assert args.pop("sort") == "1"  # Geboortedatum, the second column
    assert sorted(args.values()) == sorted(["MZ2A", str(pro.pk)]) and all(k.startswith("flt") for k in args)
    page = html(client.get(LIST, query_string={"groep": "MZ2B", "school": str(school().pk)}, follow_redirects=True))
    assert set(re.findall(r'class="participant-link">([^<]+)<', page)) == {
        "Jansen, Noël",
        "Dijk, Sem van",
        "Amrani, Anaïs el",
    }
    export = client.get("/deelnemers/export/xlsx?groep=MZ2A&tab=actueel")
    assert urlsplit(export.headers["Location"]).path == "/deelnemers/export/xlsx/"
    # The old bulk form is gone: its work is the list's actions now.
    assert client.post("/deelnemers/selectie", data={"ids": [], "action": "archive"}).status_code in (404, 405)


def test_school_staff_get_no_school_filter_and_cannot_widen_their_scope(client, auth):
    auth.login("mbo@school.example")
    page = html(client.get(LIST))
    assert '"School"' not in page and "Naam" in page and "Toegevoegd" in page
    pro = school("pro@school.example")
    # A hand-made school filter is ignored for school staff: their own school only, as before.
    page = html(client.get(LIST + f"?flt0_1={pro.pk}&page_size=100"))
    assert "Vries, Jan de" in page and "Jong, Mila de" not in page


def test_the_overview_has_one_main_heading(client, auth):
    auth.login("mbo@school.example")
    page = client.get("/deelnemers/").text
    assert page.count("<h1") == 1


def test_a_page_past_the_end_leads_to_the_last_page(client, auth):
    ParticipantFactory.create_batch(25, institution=school(), group="Paginaklas")
    auth.login("mbo@school.example")
    query = group_filter(client).replace("Selectieklas", "Paginaklas")
    response = client.get(LIST + "?" + query + "&page=40")
    assert response.status_code == 302
    last = html(client.get(response.headers["Location"]))
    assert last.count('class="action-checkbox"') == 5  # page 2 of 25 at 20 a page
    # Archiving those 5 empties the page the action returns to: the user lands on page 1 with the message.
    ids = re.findall(r'class="action-checkbox" value="([0-9a-f]{24})"', last)
    assert len(ids) == 5
    back = act(client, LIST, "archive", ids=ids, query=urlsplit(response.headers["Location"]).query)
    onward = client.get(back.headers["Location"])
    assert onward.status_code == 302
    landed = html(client.get(onward.headers["Location"]))
    assert landed.count('class="action-checkbox"') == 20 and "naar het archief verplaatst" in landed
