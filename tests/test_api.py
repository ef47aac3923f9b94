"""The JSON API (/api/v1): keys, every endpoint, tenancy on each, If-Match, bulk, ETag, problem+json, rate limit."""

import hashlib
import time
from datetime import timedelta

import pytest

from documents.api_keys import ApiKey
from documents.audit import AuditEvent
from documents.participants import Participant
from services import api_keys
from services.clock import local_today
from services.errors import NotFound, NotPermitted, RuleBroken
from services.permissions import can
from tests.conftest import make_app
from tests.factories import ParticipantFactory
from tests.statement_helpers import final_statement, ready_concept, school, user

API = "/api/v1"
PROBLEM = "application/problem+json"


def make_key(email="mbo@school.example", scope="write", name="LVS", days=30):
    _key, plain = api_keys.create_key(
        user(email), name=name, scope_code=scope, expires_on=local_today() + timedelta(days=days)
    )
    return plain


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def key(app):
    return make_key()


@pytest.fixture
def h(key):
    return bearer(key)


@pytest.fixture
def other():
    """A participant of another school (Praktijkschool Demo)."""
    return ParticipantFactory(institution=school("12PD"), student_number="X-1", group="MZ2A")


def person(**fields):
    return {"first_name": "Anna", "last_name": "Smit", "birth_date": "2008-02-03", **fields}


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- the document and the page -------------------------------------------------------------------------------


def test_openapi_document_is_3_1_and_errors_are_problem_json(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert f"{API}/participants/bulk" in spec["paths"]
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == [PROBLEM]
    assert spec["components"]["securitySchemes"]["sleutel"]["scheme"] == "bearer"


def test_docs_page_is_served_by_the_app_without_scripts_or_cdn(client):
    page = client.get(f"{API}/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/static/api-docs.css" in html and "POST</span> <code>/api/v1/participants/bulk" in html
    assert "cdn" not in html.lower() and "<script>" not in html
    assert 'src="http' not in html and 'href="https://cdn' not in html


# --- keys ------------------------------------------------------------------------------------------------------


def test_without_or_with_a_wrong_key_401(client, key):
    body = assert_problem(client.get(f"{API}/participants"), 401)
    assert "Authorization: Bearer" in body["detail"]
    assert client.get(f"{API}/participants").headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.get(f"{API}/participants", headers=bearer(key + "x")), 401)
    assert_problem(client.get(f"{API}/participants", headers={"Authorization": key}), 401)


def test_the_key_is_stored_only_as_its_hash(key):
    stored = ApiKey.objects.get()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(stored.to_mongo())


def test_expired_key_401(client, key):
    ApiKey.objects.update(set__expires_on=local_today() - timedelta(days=1))
    assert "verlopen" in assert_problem(client.get(f"{API}/participants", headers=bearer(key)), 401)["detail"]


def test_revoked_key_401_and_revoking_is_audited(client, key):
    stored = ApiKey.objects.get()
    api_keys.revoke_key(user("collega@school.example"), stored)
    assert "ingetrokken" in assert_problem(client.get(f"{API}/participants", headers=bearer(key)), 401)["detail"]
    assert AuditEvent.objects(object_type="ApiKey", action="update").count() == 1
    with pytest.raises(RuleBroken):
        api_keys.revoke_key(user("mbo@school.example"), stored)


def test_another_schools_staff_cannot_revoke(key):
    with pytest.raises(NotFound):
        api_keys.revoke_key(user("pro@school.example"), ApiKey.objects.get())


def test_session_cookie_is_not_accepted(client, auth):
    auth.login_role("school_staff")
    assert client.get("/deelnemers/", follow_redirects=False).status_code == 200  # the session works on the site
    assert_problem(client.get(f"{API}/participants"), 401)
    assert_problem(client.post(f"{API}/participants", json=person()), 401)


def test_last_used_is_recorded(client, key):
    assert ApiKey.objects.get().last_used_at is None
    client.get(f"{API}/participants", headers=bearer(key))
    assert ApiKey.objects.get().last_used_at is not None


def test_key_rules(app):
    staff = user("mbo@school.example")
    with pytest.raises(RuleBroken, match="vervaldatum"):
        api_keys.create_key(staff, name="x", scope_code="read", expires_on=local_today())
    with pytest.raises(RuleBroken, match="hoogstens"):
        api_keys.create_key(staff, name="x", scope_code="read", expires_on=local_today() + timedelta(days=800))
    with pytest.raises(RuleBroken, match="naam"):
        api_keys.create_key(staff, name=" ", scope_code="read", expires_on=local_today() + timedelta(days=3))
    with pytest.raises(NotPermitted):
        api_keys.create_key(
            user("adviseur@sbb.example"), name="x", scope_code="read", expires_on=local_today() + timedelta(days=3)
        )


def test_read_only_key_reads_but_never_writes(client, app):
    h = bearer(make_key(scope="read"))
    mine = ParticipantFactory(institution=school())
    assert client.get(f"{API}/participants", headers=h).status_code == 200
    before = Participant.objects.count()
    assert_problem(client.post(f"{API}/participants", headers=h, json=person()), 403)
    assert_problem(client.put(f"{API}/participants/{mine.pk}", headers={**h, "If-Match": '"1"'}, json=person()), 403)
    assert_problem(client.post(f"{API}/participants/{mine.pk}/archive", headers=h), 403)
    assert_problem(client.put(f"{API}/participants/by-student-number/77", headers=h, json=person()), 403)
    assert_problem(client.post(f"{API}/participants/bulk", headers=h, json={"items": [person()]}), 403)
    assert Participant.objects.count() == before
    assert Participant.objects.get(pk=mine.pk).archived_at is None


def test_read_only_principal_does_not_change_what_people_may_do(app):
    staff = user("mbo@school.example")
    assert can(staff, "edit_participants")
    principal = api_keys.ApiPrincipal(key=ApiKey(name="x"), institution=school(), read_only=True)
    assert can(principal, "view_participants") and not can(principal, "edit_participants")


# --- participants ------------------------------------------------------------------------------------------------


def test_create_get_and_the_audit_names_the_key_and_school(client, h):
    created = client.post(f"{API}/participants", headers=h, json=person(email="Anna@Example.NL", group="MZ2A"))
    assert created.status_code == 201
    body = created.get_json()
    assert body["full_name"] == "Anna Smit" and body["version"] == 1 and body["email"] == "anna@example.nl"
    got = client.get(f"{API}/participants/{body['id']}", headers=h)
    assert got.status_code == 200 and got.headers["ETag"] == '"1"' and got.get_json()["group"] == "MZ2A"
    event = AuditEvent.objects(action="create", object_type="Participant", object_id=body["id"]).get()
    assert event.user_email == "API-sleutel LVS" and event.user_id is None
    assert event.institution_name == "ROC Demo"


def test_create_duplicate_409_with_existing_id(client, h):
    first = client.post(f"{API}/participants", headers=h, json=person()).get_json()
    body = assert_problem(client.post(f"{API}/participants", headers=h, json=person(first_name="anna")), 409)
    assert body["existing_id"] == first["id"]


def test_bad_input_422_with_dutch_field_messages_and_nothing_written(client, h):
    before = Participant.objects.count()
    body = assert_problem(client.post(f"{API}/participants", headers=h, json={"first_name": 5, "x": 1}), 422)
    assert body["errors"]["last_name"] == ["Dit veld is verplicht."]
    assert body["errors"]["x"] == ["Onbekend veld."]
    body = assert_problem(client.post(f"{API}/participants", headers=h, json=person(birth_date="2030-01-01")), 422)
    assert "verleden" in body["errors"]["birth_date"]
    body = assert_problem(client.post(f"{API}/participants", headers=h, json=person(last_name="Smit\u202e")), 422)
    assert "last_name" in body["errors"]
    assert_problem(client.post(f"{API}/participants", headers=h, json=person(first_name="\ud800")), 422)
    assert_problem(client.post(f"{API}/participants", headers=h, json=person(first_name="a\x00b")), 422)
    assert Participant.objects.count() == before


def test_bad_json_400_and_unknown_route_404(client, h):
    bad = client.post(f"{API}/participants", headers=h, data="{nee", content_type="application/json")
    assert_problem(bad, 400)
    assert_problem(client.get(f"{API}/bestaat-niet", headers=h), 404)
    assert_problem(client.get(f"{API}/participants/geen-id", headers=h), 404)
    assert_problem(client.get(f"{API}/participants/{'0' * 24}", headers=h), 404)


def test_update_with_if_match_and_412_when_stale(client, h):
    pid = client.post(f"{API}/participants", headers=h, json=person()).get_json()["id"]
    etag = client.get(f"{API}/participants/{pid}", headers=h).headers["ETag"]
    changed = client.put(f"{API}/participants/{pid}", headers={**h, "If-Match": etag}, json=person(group="B"))
    assert changed.status_code == 200 and changed.get_json()["version"] == 2 and changed.headers["ETag"] == '"2"'
    stale = client.put(f"{API}/participants/{pid}", headers={**h, "If-Match": etag}, json=person(group="C"))
    body = assert_problem(stale, 412)
    assert body["current_version"] == 2
    missing = client.put(f"{API}/participants/{pid}", headers=h, json=person(group="C"))
    assert_problem(missing, 428)
    assert_problem(client.put(f"{API}/participants/{pid}", headers={**h, "If-Match": "abc"}, json=person()), 412)
    assert Participant.objects.get(pk=pid).group == "B"


def test_archive_and_restore_and_the_archived_filter(client, h):
    pid = client.post(f"{API}/participants", headers=h, json=person()).get_json()["id"]
    archived = client.post(f"{API}/participants/{pid}/archive", headers=h)
    assert archived.status_code == 200 and archived.get_json()["archived"] is True
    ids = lambda q: {p["id"] for p in client.get(f"{API}/participants?limit=200&{q}", headers=h).get_json()["items"]}  # noqa: E731
    assert pid in ids("archived=true") and pid not in ids("archived=false")
    restored = client.post(f"{API}/participants/{pid}/restore", headers=h).get_json()
    assert restored["archived"] is False and restored["version"] == 3
    assert AuditEvent.objects(object_id=pid, action__in=["archive", "restore"]).count() == 2


def test_list_cursor_paging_group_and_changed_since(client, h):
    own = Participant.objects(institution=school().pk).count()
    seen, cursor, pages = [], None, 0
    while True:
        url = f"{API}/participants?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=h).get_json()
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == own and pages >= 2
    client.post(f"{API}/participants", headers=h, json=person(group="Groep Één"))
    in_group = client.get(f"{API}/participants?group=groep een", headers=h).get_json()["items"]
    assert [p["full_name"] for p in in_group] == ["Anna Smit"]
    since = (local_today() + timedelta(days=1)).isoformat() + "T00:00:00Z"
    assert client.get(f"{API}/participants?changed_since={since}", headers=h).get_json()["items"] == []
    recent = client.get(f"{API}/participants?changed_since=2000-01-01T00:00:00%2B01:00", headers=h).get_json()
    assert len(recent["items"]) == own + 1
    assert_problem(client.get(f"{API}/participants?cursor=zzz", headers=h), 400)
    assert_problem(client.get(f"{API}/participants?limit=0", headers=h), 422)


def test_upsert_by_student_number_is_idempotent(client, h):
    url = f"{API}/participants/by-student-number/S-100"
    first = client.put(url, headers=h, json=person())
    again = client.put(url, headers=h, json=person())
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"] and again.get_json()["version"] == 1
    assert Participant.objects(student_number="S-100").count() == 1
    assert AuditEvent.objects(action__in=["create", "update"], object_type="Participant").count() == 1
    changed = client.put(url, headers=h, json=person(group="Nieuw"))
    assert changed.status_code == 200 and changed.get_json()["version"] == 2


def test_bulk_of_500_with_a_result_per_item(client, h):
    items = [person(first_name=f"Naam{i}", student_number=f"B{i}") for i in range(500)]
    started = time.monotonic()
    response = client.post(f"{API}/participants/bulk", headers=h, json={"items": items})
    elapsed = time.monotonic() - started
    body = response.get_json()
    assert response.status_code == 200 and body["created"] == 500 and body["failed"] == 0
    assert [r["index"] for r in body["results"]] == list(range(500))
    assert elapsed < 30, elapsed
    again = client.post(f"{API}/participants/bulk", headers=h, json={"items": items}).get_json()
    assert again["unchanged"] == 500 and Participant.objects(student_number__startswith="B").count() == 500
    too_many = client.post(f"{API}/participants/bulk", headers=h, json={"items": items + [person()]})
    assert "500" in str(assert_problem(too_many, 422)["errors"])


def test_bulk_reports_each_bad_item_and_keeps_the_good_ones(client, h):
    items = [person(), {"first_name": "X"}, person(first_name="anna"), "geen object", person(first_name="Bo")]
    body = client.post(f"{API}/participants/bulk", headers=h, json={"items": items})
    if body.status_code == 422:  # a non-object is refused by the schema as a whole
        items.pop(3)
        body = client.post(f"{API}/participants/bulk", headers=h, json={"items": items})
    results = body.get_json()["results"]
    assert [r["status"] for r in results] == [201, 422, 409, 201]
    assert results[1]["errors"]["last_name"] == ["Dit veld is verplicht."]
    assert results[2]["outcome"] == "error" and "bestaat al" in results[2]["detail"]


# --- documents ---------------------------------------------------------------------------------------------------


def test_statements_guidance_and_the_final_pdf_by_etag(client, h):
    statement = final_statement()
    pid = str(statement.participant.pk)
    listed = client.get(f"{API}/participants/{pid}/statements", headers=h).get_json()
    assert listed[0]["number"] == statement.number and listed[0]["status"] == "final"
    assert listed[0]["status_label"] == "Definitief"
    assert client.get(f"{API}/participants/{pid}/guidance-documents", headers=h).get_json() == []
    pdf = client.get(listed[0]["pdf_url"], headers=h)
    digest = hashlib.sha256(bytes(statement.pdf)).hexdigest()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == bytes(statement.pdf)
    assert pdf.headers["ETag"] == f'"{digest}"' == f'"{statement.pdf_sha256}"'
    cached = client.get(listed[0]["pdf_url"], headers={**h, "If-None-Match": f'"{digest}"'})
    assert cached.status_code == 304 and cached.data == b""
    assert client.get(listed[0]["pdf_url"], headers={**h, "If-None-Match": '"ander"'}).status_code == 200


def test_a_concept_has_no_pdf_409(client, h):
    concept = ready_concept()
    assert_problem(client.get(f"{API}/statements/{concept.pk}/pdf", headers=h), 409)


# --- tenancy -----------------------------------------------------------------------------------------------------


def test_tenancy_another_schools_key_sees_and_changes_nothing(client, other):
    h = bearer(make_key("mbo@school.example"))
    pid = str(other.pk)
    assert_problem(client.get(f"{API}/participants/{pid}", headers=h), 404)
    assert_problem(client.put(f"{API}/participants/{pid}", headers={**h, "If-Match": '"1"'}, json=person()), 404)
    assert_problem(client.post(f"{API}/participants/{pid}/archive", headers=h), 404)
    assert_problem(client.post(f"{API}/participants/{pid}/restore", headers=h), 404)
    assert_problem(client.get(f"{API}/participants/{pid}/guidance-documents", headers=h), 404)
    assert_problem(client.get(f"{API}/participants/{pid}/statements", headers=h), 404)
    listed = client.get(f"{API}/participants?limit=200", headers=h).get_json()["items"]
    assert pid not in {p["id"] for p in listed}
    assert client.get(f"{API}/participants?group=MZ2A&limit=200", headers=h).get_json()["items"] == [
        p for p in listed if p["group"] == "MZ2A"
    ]
    # The other school's leerlingnummer makes a new participant here; theirs stays as it was.
    upserted = client.put(f"{API}/participants/by-student-number/X-1", headers=h, json=person())
    assert upserted.status_code == 201 and upserted.get_json()["id"] != pid
    bulk = client.post(f"{API}/participants/bulk", headers=h, json={"items": [person(student_number="X-1")]})
    assert bulk.get_json()["results"][0]["id"] != pid
    other.reload()
    assert other.version == 1 and other.archived_at is None and other.first_name != "Anna"


def test_tenancy_statements_and_pdf_of_another_school_404(client):
    statement = final_statement()  # ROC Demo
    h = bearer(make_key("pro@school.example"))
    assert_problem(client.get(f"{API}/statements/{statement.pk}/pdf", headers=h), 404)
    assert_problem(client.get(f"{API}/participants/{statement.participant.pk}/statements", headers=h), 404)


def test_tenancy_registry_and_verification_hold_no_school_data(client, h):
    """Companies and qualifications are the same national registry for every school; verification is public."""
    other_key = bearer(make_key("pro@school.example"))
    for url in (f"{API}/companies?q=100200301", f"{API}/companies/100200301", f"{API}/qualifications/90101"):
        assert client.get(url, headers=h).get_json() == client.get(url, headers=other_key).get_json()


# --- registry and verification -----------------------------------------------------------------------------------


def test_companies_search_and_get(client, h):
    found = client.get(f"{API}/companies?q=100200301", headers=h).get_json()
    assert found["total"] == 1 and found["items"][0]["company_id"] == "100200301"
    one = client.get(f"{API}/companies/100200301", headers=h).get_json()
    assert one["accreditations"] and one["name"] == found["items"][0]["name"]
    assert_problem(client.get(f"{API}/companies/12", headers=h), 404)
    assert_problem(client.get(f"{API}/companies?q=a", headers=h), 422)
    city = found["items"][0]["city"]
    assert client.get(f"{API}/companies?plaats={city[:3]}", headers=h).get_json()["total"] >= 1


def test_qualification_with_core_tasks_and_work_processes(client, h):
    body = client.get(f"{API}/qualifications/90101", headers=h).get_json()
    assert body["crebo"] == "90101" and body["core_tasks"][0]["work_processes"][0]["code"]
    assert_problem(client.get(f"{API}/qualifications/99999", headers=h), 404)


def test_verification_by_code(client, h):
    statement = final_statement()
    body = client.get(f"{API}/verification/{statement.verification_code}", headers=h).get_json()
    assert body["number"] == statement.number and body["status"] == "valid"
    assert_problem(client.get(f"{API}/verification/ONBEKEND", headers=h), 404)


# --- rate limit --------------------------------------------------------------------------------------------------


def test_rate_limit_per_key_429(demo_dump):
    app = make_app(demo_dump, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        first, second = bearer(make_key(name="een")), bearer(make_key(name="twee"))
        for _ in range(3):
            assert client.get(f"{API}/participants?limit=1", headers=first).status_code == 200
        body = assert_problem(client.get(f"{API}/participants?limit=1", headers=first), 429)
        assert "te veel" in body["detail"]
        assert client.get(f"{API}/participants?limit=1", headers=first).headers["Retry-After"].isdigit()
        assert client.get(f"{API}/participants?limit=1", headers=second).status_code == 200


# --- Beheer > API-sleutels -----------------------------------------------------------------------------------------


def test_staff_make_a_key_in_beheer_see_it_once_and_revoke_it(client, auth):
    auth.login_role("school_staff")
    expiry = (local_today() + timedelta(days=90)).isoformat()
    answer = client.post("/beheer/api-sleutels/new/", data={"name": "Magister", "scope": "write", "expires_on": expiry})
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    assert "u ziet hem maar één keer" in page
    plain = page.split('id="api-key" value="')[1].split('"')[0]
    assert plain.startswith("pl_")
    stored = ApiKey.objects(name="Magister").get()
    assert stored.institution.name == "ROC Demo" and stored.scope == "write"
    listing = client.get("/beheer/api-sleutels/").get_data(as_text=True)
    assert "Magister" in listing and plain not in listing
    assert client.get(f"{API}/participants?limit=1", headers=bearer(plain)).status_code == 200
    client.post("/beheer/api-sleutels/action/", data={"action": "revoke", "rowid": [str(stored.pk)]})
    assert ApiKey.objects(name="Magister").get().revoked_at is not None
    assert client.get(f"{API}/participants?limit=1", headers=bearer(plain)).status_code == 401


def test_beheer_lists_only_the_own_schools_keys_and_sbb_admins_pick_a_school(client, auth):
    make_key("pro@school.example", name="Andere school")
    auth.login_role("school_staff")
    assert "Andere school" not in client.get("/beheer/api-sleutels/").get_data(as_text=True)
    auth.logout()
    auth.login_role("sbb_admin")
    expiry = (local_today() + timedelta(days=9)).isoformat()
    refused = client.post("/beheer/api-sleutels/new/", data={"name": "x", "scope": "read", "expires_on": expiry})
    assert "Kies de onderwijsinstelling" in refused.get_data(as_text=True)
    client.post(
        "/beheer/api-sleutels/new/",
        data={"name": "Voor VSO", "scope": "read", "expires_on": expiry, "institution": str(school("08VD").pk)},
    )
    assert ApiKey.objects(name="Voor VSO").get().institution.brin == "08VD"
    assert "Andere school" in client.get("/beheer/api-sleutels/").get_data(as_text=True)
    auth.logout()
    auth.login_role("sbb_advisor")
    assert client.get("/beheer/api-sleutels/").status_code == 403


def test_demo_key_for_roc_demo(app, client):
    from services.demo_api import seed_demo_api_key

    plain = seed_demo_api_key()
    assert ApiKey.objects(key_hash=api_keys.hash_key(plain)).get().institution.name == "ROC Demo"
    assert client.get(f"{API}/participants?limit=1", headers=bearer(plain)).status_code == 200


def test_bulk_with_one_student_number_twice_makes_one_participant(client, h):
    items = [person(student_number="D-1"), person(student_number="D-1", group="Later")]
    results = client.post(f"{API}/participants/bulk", headers=h, json={"items": items}).get_json()["results"]
    assert [r["outcome"] for r in results] == ["created", "updated"] and results[0]["id"] == results[1]["id"]
    assert Participant.objects(student_number="D-1").get().group == "Later"
