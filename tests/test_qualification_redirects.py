"""The Kwalificaties list replaces the old browse pages (issue 12): the old URLs redirect, the list offers what they did."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from documents.qualifications import Qualification
from services.clock import local_today

LIST = "/lijsten/kwalificaties/"


def _target(response):
    """(path, {arg: value}) of a redirect."""
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}


def _validity_arg(args):
    return [k for k in args if k.startswith("flt")]


def test_old_list_redirects_to_the_list_searched_and_filtered_to_current_versions(client, auth):
    auth.login_role("school_staff")
    path, args = _target(client.get("/kwalificaties/?q=logistiek"))
    assert path == LIST and args.pop("search") == "logistiek"
    assert list(args.values()) == ["current"] and len(_validity_arg(args)) == 1
    current = Qualification.objects(crebo="90101", superseded=False).get()
    earlier = Qualification.objects(crebo="90101", superseded=True).get()
    html = client.get("/kwalificaties/?q=logistiek", follow_redirects=True).get_data(as_text=True)
    assert str(current.pk) in html and str(earlier.pk) not in html
    assert "Geldende versie" in html  # the filter is shown on the list, so the user can remove it

    # Without a search term: every current kwalificatie, no search argument.
    path, args = _target(client.get("/kwalificaties/"))
    assert path == LIST and "search" not in args and list(args.values()) == ["current"]


def test_old_list_with_alle_shows_every_version(client, auth):
    auth.login_role("school_staff")
    path, args = _target(client.get("/kwalificaties/?q=90101&alle=1"))
    assert path == LIST and args == {"search": "90101"}
    html = client.get("/kwalificaties/?q=90101&alle=1", follow_redirects=True).get_data(as_text=True)
    for q in Qualification.objects(crebo="90101"):
        assert str(q.pk) in html


def test_old_details_redirect_to_the_lists_details(client, auth):
    auth.login_role("school_staff")
    q = Qualification.objects(crebo="90102").get()
    path, args = _target(client.get(f"/kwalificaties/{q.pk}/"))
    assert path == LIST + "details/" and args == {"id": str(q.pk)}
    page = client.get(f"/kwalificaties/{q.pk}/", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="qualification-title"' in html and "work-process" in html
    assert f'href="{LIST}"' in html  # the breadcrumb leads back to the list
    for bad in ("000000000000000000000000", "onzin"):
        assert client.get(f"/kwalificaties/{bad}/", follow_redirects=True).status_code == 404


def test_old_urls_still_ask_to_sign_in_first(client):
    response = client.get("/kwalificaties/?q=kok")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_versions_bar_links_each_versions_details_on_the_list(client, auth):
    auth.login_role("school_staff")
    current = Qualification.objects(crebo="90101", superseded=False).get()
    earlier = Qualification.objects(crebo="90101", superseded=True).get()
    html = client.get(LIST + f"details/?id={current.pk}").get_data(as_text=True)
    assert f'href="{LIST}details/?id={earlier.pk}"' in html
    html = client.get(LIST + f"details/?id={earlier.pk}").get_data(as_text=True)
    assert f'href="{LIST}details/?id={current.pk}"' in html and "voorgaande versie" in html


def test_geldende_versie_keeps_newest_versions_closed_for_intake(client, auth):
    closed = Qualification.objects(crebo="90202").get()
    closed.end_intake = local_today() - timedelta(days=1)
    closed.save()
    earlier = Qualification.objects(crebo="90101", superseded=True).get()
    auth.login_role("school_staff")
    html = client.get("/kwalificaties/", follow_redirects=True).get_data(as_text=True)
    assert str(closed.pk) in html and str(earlier.pk) not in html


@pytest.mark.parametrize("role, shown", [("sbb_admin", True), ("school_staff", False), ("sbb_advisor", False)])
def test_import_link_on_the_list_only_for_sbb_admins(client, auth, role, shown):
    auth.login_role(role)
    html = client.get(LIST).get_data(as_text=True)
    assert ('id="import-link"' in html) is shown
    assert ('href="/kwalificaties-importeren/"' in html) is shown


def test_other_lists_have_no_import_link(client, auth):
    auth.login_role("sbb_admin")
    for url in ("/lijsten/praktijkverklaringen/", "/lijsten/begeleidingsdocumenten/"):
        assert 'id="import-link"' not in client.get(url).get_data(as_text=True)


def test_menu_has_the_list_and_the_import_but_not_the_redirect(client, auth):
    auth.login_role("sbb_admin")
    html = client.get(LIST).get_data(as_text=True)
    menu = [href.split("?")[0] for href in re.findall(r'class="dropdown-item[^"]*"\s+href="([^"]+)"', html)]
    assert menu.index(LIST) + 1 == menu.index("/kwalificaties-importeren/")
    assert "/kwalificaties/" not in menu and 'href="/kwalificaties/"' not in html


def _menu_href(html, name):
    match = re.search(r'<a[^>]*href="([^"]+)"[^>]*>\s*(?:<[^>]*>\s*)*' + re.escape(name) + r"\s*<", html)
    assert match, name
    return match.group(1).replace("&amp;", "&")


def test_the_menu_opens_the_lists_on_what_users_look_for_first(client, auth):
    """Kwalificaties on the versions in force, the advisers' queues on their open items; the filter can be removed."""
    auth.login_role("school_staff")
    href = _menu_href(client.get("/").get_data(as_text=True), "Kwalificaties zoeken")
    path, args = urlsplit(href).path, {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    assert path == LIST and list(args.values()) == ["current"]
    html = client.get(href).get_data(as_text=True)
    earlier = Qualification.objects(crebo="90101", superseded=True).get()
    assert str(Qualification.objects(crebo="90101", superseded=False).get().pk) in html
    assert str(earlier.pk) not in html
    assert str(earlier.pk) in client.get(LIST + "?search=90101").get_data(as_text=True)  # filter removed: all

    auth.logout()
    auth.login_role("sbb_advisor")
    home = client.get("/").get_data(as_text=True)
    assert _menu_href(home, "Erkenningsverzoeken").endswith("/lijsten/verzoeken/?flt0_0=open")
    assert _menu_href(home, "Praktijkopleiders van scholen").endswith("/lijsten/praktijkopleiders/?flt0_0=open")


@pytest.mark.parametrize(("old", "new"), [("1", None), ("2", "1"), ("5", "5"), ("0", None), ("-3", None), ("x", None)])
def test_an_old_page_number_leads_to_the_list_page_with_its_first_row(client, auth, old, new):
    """Old pages had 25 rows (1-based), the list has 20 (0-based): page 5 began at row 100, on list page 5."""
    auth.login_role("school_staff")
    _path, args = _target(client.get(f"/kwalificaties/?page={old}"))
    assert args.get("page") == new
