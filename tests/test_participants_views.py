"""Screens of step 1 over HTTP: overview, forms, participant page, archive, delete, tenancy on every path."""

import re

import pytest

from bench import dbops
from documents.participants import Participant
from documents.users import User
from services import participant_overview, registry
from tests.factories import ParticipantFactory


def pid_of(first_name, last_name):
    return str(Participant.objects.get(first_name=first_name, last_name=last_name).pk)


def html(response):
    return response.get_data(as_text=True)


def test_overview_lists_own_school_sorted_with_tabs(client, auth):
    auth.login("mbo@school.example")
    page = html(client.get("/deelnemers/"))
    assert "Deelnemersoverzicht" in page and "Actueel" in page and "Archief" in page
    names = re.findall(r'class="participant-link">([^<]+)<', page)
    assert "Vries, Jan de" in names and "Bakker, Zoë" in names
    assert names == sorted(names, key=lambda n: n.lower().replace("ö", "o").replace("ë", "e"))
    assert "Jong, Mila de" not in page  # Praktijkschool Demo
    assert "Mulder, Bram" not in page  # archived
    archive = html(client.get("/deelnemers/?tab=archief"))
    assert "Mulder, Bram" in archive and "Vries, Jan de" not in archive
    assert "+ Nieuwe deelnemer" in page and "Bulk import" in page and "Naar archief" in page
    assert "Naar actueel" in archive


@pytest.mark.parametrize("typed", ["de vries", "Vries", "vries", "DE VRIES"])
def test_overview_search(client, auth, typed):
    auth.login("mbo@school.example")
    page = html(client.get("/deelnemers/", query_string={"q": typed}, follow_redirects=True))
    assert re.findall(r'class="participant-link">([^<]+)<', page) == ["Vries, Jan de"]


def test_overview_group_filter_sort_and_page_size(client, auth):
    auth.login("mbo@school.example")
    page = html(client.get("/deelnemers/", query_string={"groep": "MZ2B"}, follow_redirects=True))
    names = re.findall(r'class="participant-link">([^<]+)<', page)
    assert set(names) == {"Jansen, Noël", "Dijk, Sem van", "Amrani, Anaïs el"}
    page = html(
        client.get(
            "/deelnemers/", query_string={"sort": "geboortedatum", "desc": "1", "aantal": 20}, follow_redirects=True
        )
    )
    dates = re.findall(r'<td class="col-birth_date">\s*(\d\d-\d\d-\d{4})\s*</td>', page)
    assert len(dates) == 13
    as_iso = [d[6:] + d[3:5] + d[:2] for d in dates]
    assert as_iso == sorted(as_iso, reverse=True)
    first = html(client.get("/deelnemers/?page_size=20"))
    assert "pagination" not in first  # 13 current participants fit on one page
    school = User.objects.get(email="mbo@school.example").institution
    ParticipantFactory.create_batch(30, institution=school)
    paged = html(client.get("/deelnemers/?page_size=20"))
    assert len(re.findall(r'class="participant-link"', paged)) == 20 and "pagination" in paged


def test_sbb_sees_all_schools_with_school_filter(client, auth):
    auth.login("adviseur@sbb.example")
    page = html(client.get("/deelnemers/?page_size=100"))
    assert "Vries, Jan de" in page and "Jong, Mila de" in page and "Boer, Finn de" in page
    assert "+ Nieuwe deelnemer" not in page and "Naar archief" not in page  # read-only role
    pro = User.objects.get(email="pro@school.example").institution
    page = html(client.get("/deelnemers/", query_string={"school": str(pro.pk)}, follow_redirects=True))
    assert "Jong, Mila de" in page and "Vries, Jan de" not in page


def test_overview_database_operations_do_not_grow_with_page_size(client, auth, monkeypatch):
    auth.login("beheerder@sbb.example")
    school = User.objects.get(email="mbo@school.example").institution
    ParticipantFactory.create_batch(120, institution=school)
    calls = []

    def column(ids):
        calls.append(len(ids))
        return {pid: "Bakkerij de Korenschoof" for pid in ids}

    monkeypatch.setattr(registry, "PARTICIPANT_OVERVIEW_COLUMNS", [("company", "Leerbedrijf", column)])
    participant_overview.refresh_all()  # the columns are stored on the participants, computed in bulk
    assert calls and max(calls) <= participant_overview.BATCH
    calls.clear()
    dbops.install()
    counts = {}
    for size in (20, 100):
        client.get(f"/deelnemers/?page_size={size}")  # warm caches (user, terms)
        with dbops.counting() as counter:
            response = client.get(f"/deelnemers/?page_size={size}")
        counts[size] = counter.count
        assert response.status_code == 200
        assert html(response).count("Bakkerij de Korenschoof") == size
    assert counts[20] == counts[100], counts
    assert calls == []  # a list page reads the stored columns: no provider runs per request
    # count, page, schools (the user is cached in this test's app context); never per row
    assert counts[100] <= 4, dbops.COUNTER.commands


def test_new_participant_intro_form_and_creation(client, auth):
    auth.login("mbo@school.example")
    intro = html(client.get("/deelnemers/nieuw"))
    assert "Aan de slag" in intro
    form = html(client.get("/deelnemers/nieuw/gegevens"))
    assert 'Voornaam <span class="required-mark"' in form and "vermeld op de praktijkverklaring" in form
    response = client.post(
        "/deelnemers/nieuw/gegevens",
        data={"first_name": "Ilse", "infix": "de", "last_name": "Graaf", "birth_date": "03-02-2007", "group": "MZ9"},
    )
    assert response.status_code == 302
    participant = Participant.objects.get(first_name="Ilse", last_name="Graaf")
    assert participant.institution.name == "ROC Demo"
    # As in the guide: saving leads on to stap 2 (Leerbedrijfgegevens), with the participant's name on top.
    assert response.headers["Location"].endswith(f"/stap2/{participant.pk}/")
    step2 = html(client.get(response.headers["Location"], follow_redirects=True))
    assert 'id="participant-bar"' in step2 and "Ilse de Graaf" in step2
    page = html(client.get(f"/deelnemers/{participant.pk}/"))
    assert 'id="participant-bar"' in page and "Ilse de Graaf" in page and "Wijzigen" in page


def test_new_participant_validation_in_dutch(client, auth):
    auth.login("mbo@school.example")
    before = Participant.objects.count()
    page = html(
        client.post(
            "/deelnemers/nieuw/gegevens", data={"first_name": "", "last_name": "Graaf", "birth_date": "31-02-2007"}
        )
    )
    assert "Vul voornaam in." in page and "31-02-2007 bestaat niet" in page
    page = html(
        client.post(
            "/deelnemers/nieuw/gegevens", data={"first_name": "A", "last_name": "B", "birth_date": "01-01-2090"}
        )
    )
    assert "De geboortedatum moet in het verleden liggen." in page
    assert Participant.objects.count() == before


def test_duplicate_warning_links_to_existing(client, auth):
    auth.login("collega@school.example")
    page = html(
        client.post(
            "/deelnemers/nieuw/gegevens",
            data={"first_name": "jan", "infix": "De", "last_name": "vries", "birth_date": "14-03-2006"},
        )
    )
    existing = pid_of("Jan", "Vries")
    assert 'id="duplicate-warning"' in page and f"/deelnemers/{existing}/" in page
    assert Participant.objects(last_name="Vries").count() == 1


def test_edit_and_stale_edit(client, auth):
    auth.login("mbo@school.example")
    pid = pid_of("Jan", "Vries")
    form = html(client.get(f"/deelnemers/{pid}/wijzigen"))
    assert 'value="14-03-2006"' in form and 'name="version"' in form
    data = {
        "first_name": "Jan",
        "infix": "de",
        "last_name": "Vries",
        "birth_date": "14-03-2006",
        "birth_place": "Utrecht",
        "group": "MZ3A",
        "version": "1",
    }
    assert client.post(f"/deelnemers/{pid}/wijzigen", data=data).status_code == 302
    assert Participant.objects.get(pk=pid).group == "MZ3A"
    # The same (now stale) form again, with another change: refused, names who changed it.
    response = client.post(f"/deelnemers/{pid}/wijzigen", data={**data, "group": "Oud"}, follow_redirects=True)
    assert "Marieke de Boer heeft deze deelnemer op" in html(response)
    assert Participant.objects.get(pk=pid).group == "MZ3A"


def test_bulk_archive_restore_and_page_actions(client, auth):
    auth.login("mbo@school.example")
    ids = [pid_of("Jan", "Vries"), pid_of("Zoë", "Bakker")]
    response = client.post(
        "/deelnemers/action/", data={"rowid": ids, "action": "archive", "url": "/deelnemers/"}, follow_redirects=True
    )
    assert "2 deelnemers naar het archief verplaatst." in html(response)
    assert Participant.objects(pk__in=ids, archived_at__ne=None).count() == 2
    client.post("/deelnemers/action/?tab=archief", data={"rowid": ids, "action": "restore"})
    assert Participant.objects(pk__in=ids, archived_at=None).count() == 2
    client.post(f"/deelnemers/{ids[0]}/archiveren")
    assert Participant.objects.get(pk=ids[0]).archived_at is not None
    client.post(f"/deelnemers/{ids[0]}/terugzetten")
    assert Participant.objects.get(pk=ids[0]).archived_at is None


def test_delete_confirmation_names_dependents_then_deletes(client, auth, monkeypatch):
    monkeypatch.setattr(
        registry,
        "PARTICIPANT_DEPENDENTS",
        [lambda p: [("begeleidingsdocumenten", 2), ("praktijkverklaringen (1 definitief)", 1)]],
    )
    auth.login("mbo@school.example")
    pid = pid_of("Jan", "Vries")
    page = html(client.get(f"/deelnemers/{pid}/verwijderen"))
    assert "2 begeleidingsdocumenten" in page and "1 praktijkverklaringen (1 definitief)" in page
    assert "niet meer terugzetten" in page
    # Without the confirmation nothing happens.
    client.post("/deelnemers/verwijderen", data={"ids": [pid]})
    assert Participant.objects(pk=pid).count() == 1
    response = client.post("/deelnemers/verwijderen", data={"ids": [pid], "confirm": "ja"}, follow_redirects=True)
    assert "definitief verwijderd: Jan de Vries" in html(response)
    assert Participant.objects(pk=pid).count() == 0
    # Bulk: the selection leads to the same confirmation page.
    other = pid_of("Zoë", "Bakker")
    page = html(client.post("/deelnemers/action/", data={"rowid": [other], "action": "remove"}))
    assert "Zoë Bakker" in page and 'id="confirm-delete"' in page
    assert Participant.objects(pk=other).count() == 1


def test_delete_cascades_to_every_document_that_references_the_participant(client, auth):
    from mongoengine import ReferenceField

    from services import participants as svc
    from services.database import all_documents

    school = User.objects.get(email="mbo@school.example").institution
    referencing = [
        (cls, name)
        for cls in all_documents()
        for name, f in cls._fields.items()
        if isinstance(f, ReferenceField) and f.document_type_obj in (Participant, "Participant")
    ]
    # The demo participant with the most documents hanging off it (other areas' demo data).
    candidates = [
        p
        for p in Participant.objects(institution=school)
        if sum(cls.objects(**{name: p.pk}).count() for cls, name in referencing)
    ]
    if not candidates:
        pytest.skip("Geen demodocumenten aan deelnemers gekoppeld (de andere stappen ontbreken nog).")
    victim = candidates[0]
    listed = dict(svc.dependents(victim))
    auth.login("mbo@school.example")
    page = html(client.get(f"/deelnemers/{victim.pk}/verwijderen"))
    assert all(str(count) in page for count in listed.values() if count)
    client.post("/deelnemers/verwijderen", data={"ids": [str(victim.pk)], "confirm": "ja"})
    assert Participant.objects(pk=victim.pk).count() == 0
    left = {cls.__name__: cls.objects(**{name: victim.pk}).count() for cls, name in referencing}
    assert not any(left.values()), left


def test_panels_from_registry_render_sorted(client, auth, monkeypatch, tmp_path, app):
    import jinja2

    app.jinja_loader = jinja2.ChoiceLoader(
        [app.jinja_loader, jinja2.DictLoader({"t_a.html": "<p>PANEL-{{ panel.label }}</p>"})]
    )
    app.jinja_env.loader = app.create_global_jinja_loader()
    monkeypatch.setattr(
        registry,
        "PARTICIPANT_PANELS",
        [
            lambda p, u: {"order": 4, "template": "t_a.html", "label": "vier"},
            lambda p, u: None,
            lambda p, u: {"order": 2, "template": "t_a.html", "label": "twee"},
        ],
    )
    auth.login("mbo@school.example")
    page = html(client.get(f"/deelnemers/{pid_of('Jan', 'Vries')}/"))
    assert page.index("PANEL-twee") < page.index("PANEL-vier")


# Tenancy: a school user reaches nothing of another school, by any path.
FOREIGN_GETS = ["/deelnemers/{pid}/", "/deelnemers/{pid}/wijzigen", "/deelnemers/{pid}/verwijderen"]
FOREIGN_POSTS = ["/deelnemers/{pid}/wijzigen", "/deelnemers/{pid}/archiveren", "/deelnemers/{pid}/terugzetten"]


@pytest.mark.parametrize("url", FOREIGN_GETS + ["/deelnemers/nonsense/", "/deelnemers/" + "0" * 24 + "/"])
def test_tenancy_get_other_school_is_404(client, auth, url):
    auth.login("mbo@school.example")
    assert client.get(url.format(pid=pid_of("Mila", "Jong"))).status_code == 404


@pytest.mark.parametrize("url", FOREIGN_POSTS)
def test_tenancy_post_other_school_is_404_and_unchanged(client, auth, url):
    auth.login("mbo@school.example")
    pid = pid_of("Mila", "Jong")
    before = Participant.objects.get(pk=pid).to_mongo().to_dict()
    response = client.post(
        url.format(pid=pid), data={"first_name": "X", "last_name": "Y", "birth_date": "01-01-2007", "version": "1"}
    )
    assert response.status_code == 404
    assert Participant.objects.get(pk=pid).to_mongo().to_dict() == before


def test_tenancy_bulk_and_delete_other_school(client, auth):
    auth.login("mbo@school.example")
    pid = pid_of("Mila", "Jong")
    client.post("/deelnemers/action/", data={"rowid": [pid], "action": "archive"})
    assert Participant.objects.get(pk=pid).archived_at is None
    page = html(client.post("/deelnemers/action/", data={"rowid": [pid], "action": "remove"}, follow_redirects=True))
    assert "Kies eerst ten minste één item" in page and "Mila" not in page  # the foreign id is dropped
    assert client.post("/deelnemers/verwijderen", data={"ids": [pid], "confirm": "ja"}).status_code == 404
    assert Participant.objects(pk=pid).count() == 1


def test_tenancy_search_and_export(client, auth):
    auth.login("mbo@school.example")
    pro = User.objects.get(email="pro@school.example").institution
    page = html(client.get("/deelnemers/", query_string={"q": "mila", "school": str(pro.pk)}, follow_redirects=True))
    assert "Jong, Mila" not in page
    csv_text = client.get(
        "/deelnemers/export/csv", query_string={"school": str(pro.pk)}, follow_redirects=True
    ).data.decode("utf-8-sig")
    assert "Vries" in csv_text and "Jong" not in csv_text and "Mila" not in csv_text


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("sbb_advisor", 403)])
def test_editing_pages_need_the_right(client, auth, role, status):
    if role != "anonymous":
        auth.login_role(role)
    pid = pid_of("Jan", "Vries")
    for url in (
        "/deelnemers/nieuw",
        "/deelnemers/nieuw/gegevens",
        f"/deelnemers/{pid}/wijzigen",
        "/deelnemers/import/",
    ):
        assert client.get(url).status_code == status, url
    assert client.post("/deelnemers/action/", data={"rowid": [pid], "action": "archive"}).status_code == status
    assert Participant.objects.get(pk=pid).archived_at is None


def test_csrf_is_enforced_on_participant_posts(demo_dump):
    from tests.conftest import Auth, make_app

    application = make_app(demo_dump, WTF_CSRF_ENABLED=True)
    with application.app_context():
        client = application.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        Auth(client).login("mbo@school.example")  # accepts the terms
        client.post(
            "/login", data={"email": "mbo@school.example", "password": "praktijkloket-demo", "csrf_token": token}
        )
        pid = pid_of("Jan", "Vries")
        response = client.post(f"/deelnemers/{pid}/archiveren")
        assert response.status_code == 400
        assert Participant.objects.get(pk=pid).archived_at is None
        page = client.get(f"/deelnemers/{pid}/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"/deelnemers/{pid}/archiveren", data={"csrf_token": token}).status_code == 302
        assert Participant.objects.get(pk=pid).archived_at is not None


def test_bulk_delete_with_a_foreign_id_deletes_nothing(client, auth):
    auth.login("mbo@school.example")
    own = Participant.objects(institution=User.objects.get(email="mbo@school.example").institution).first()
    foreign = Participant.objects(institution=User.objects.get(email="pro@school.example").institution).first()
    response = client.post("/deelnemers/verwijderen", data={"confirm": "ja", "ids": [str(own.pk), str(foreign.pk)]})
    assert response.status_code == 404
    assert Participant.objects(pk__in=[own.pk, foreign.pk]).count() == 2
