"""Database operations per page stay constant as the data grows: the participant page and both dashboards."""

import pytest

from bench import dbops
from documents.companies import Company, Trainer
from services import guidance, placements, trainer_review
from tests import statement_helpers as sh


def _guidance_selection():
    return {"crebo": "90101", "codes": [wp.code for wp in sh.qualification().work_processes()][:2]}


def _participant_with_documents(k):
    """A participant with k final begeleidingsdocumenten, each with an online review invitation, and k
    praktijkverklaringen, then placed with a new trainer."""
    staff = sh.user("mbo@school.example")
    participant = sh.participant_at(last_name=f"Meting{k}")
    for _ in range(k):
        doc = guidance.finalize(guidance.create_concept(participant, staff, [_guidance_selection()]), staff)
        trainer_review.invite(doc, staff, "opleider@bedrijf.example")
        sh.ready_concept(participant)
    # A later placement: every document now compares its own placement with the current one.
    company = Company.objects(company_id=sh.BAKERY).get()
    trainer = Trainer(company=company, source="sbb", first_name="Nieuwe", last_name="Opleider", function="Chef").save()
    placements.create_placement(staff, participant, company=company, trainer=trainer)
    return participant


def _ops(client, url):
    client.get(url)  # warm the per-process caches (user, terms), as a second request on a server would
    with dbops.counting() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, list(counter.commands)


def test_participant_page_operations_do_not_grow_with_documents(app, client, auth):
    auth.login("mbo@school.example")
    dbops.install()
    counts = {}
    for k in (1, 10):
        participant = _participant_with_documents(k)
        counts[k], commands = _ops(client, f"/deelnemers/{participant.pk}/")
        page = client.get(f"/deelnemers/{participant.pk}/").get_data(as_text=True)
        assert page.count("Nieuwe Opleider") >= 1
    import collections

    assert counts[1] == counts[10], (counts, collections.Counter(commands))
    assert not any(c.startswith("find_one placements") for c in commands), commands
    # The panels of stap 2 and 3 share one read of the placements (it was one per panel, plus the history) and so
    # one load of the current trainer; the review status of every final document comes from one query.
    seen = collections.Counter(commands)
    assert seen["find placements"] == 1, seen
    assert seen["find_one trainers"] == 1, seen
    assert seen["find trainer_reviews"] == 1, seen
    assert "find_one trainer_reviews" not in seen, seen


# --- dashboards ----------------------------------------------------------------------------------------------


def _grow(n):
    """n more participants at the demo school, each with a final and an old concept statement, a guidance
    document and a placement at the bakery; one in five archived."""
    from datetime import timedelta

    from core.clock import utcnow
    from tests import reports_data

    staff = sh.user("mbo@school.example")
    school = sh.school("25DM")
    company = Company.objects(company_id=sh.BAKERY).get()
    for i in range(n):
        p = reports_data.participant(school, first="Groei", last=f"Deelnemer{n}x{i}")
        reports_data.statement(p, form="mbo_diploma", final_at=utcnow() - timedelta(days=i * 20))
        reports_data.statement(p, form="mbo_diploma", created_at=utcnow() - timedelta(days=40))
        reports_data.guidance(p)
        placements.create_placement(staff, p, company=company)
        if i % 5 == 0:
            p.update(set__archived_at=utcnow())


def _panel_ops(app, panel, email):
    from documents.users import User

    user = User.objects.get(email=email)
    with app.test_request_context("/"), dbops.counting() as counter:
        result = panel(user)
    assert result is not None
    return counter.count, list(counter.commands), result


def _forget_cache():
    from documents.cache import CachedView

    CachedView.objects.delete()


@pytest.mark.parametrize("email", ["mbo@school.example", "beheerder@sbb.example"])
def test_dashboards_make_at_most_five_operations_at_two_sizes(app, email):
    from admin_views import dashboard as views
    from services import dashboard as svc

    dbops.install()
    counts, totals = {}, {}
    for size, n in (("small", 3), ("large", 15)):
        _grow(n)
        if email.startswith("mbo"):
            counts[size], commands, result = _panel_ops(app, views.school_panel, email)
            totals[size] = result["figures"]["statements"]["final"]
        else:
            _forget_cache()  # cold: computed from the collections
            counts[size], commands, result = _panel_ops(app, lambda u: svc.compute_sbb_dashboard(u), email)
            totals[size] = result["figures"]["statements"]["final"]
            # warm: one read of the shared cache, whatever the data
            _panel_ops(app, views.sbb_panel, email)
            warm, warm_commands, _ = _panel_ops(app, views.sbb_panel, email)
            assert warm == 1, warm_commands
        assert counts[size] <= 5, commands
        assert not any(c.startswith(("find practice_statements", "find guidance")) for c in commands), commands
    assert counts["small"] == counts["large"], counts
    assert totals["large"] == totals["small"] + 15


def test_school_dashboard_lists_stay_correct(app):
    """The facet rewrite keeps what the to-do lists show: old concepts with names, placements, requests."""
    from documents.users import User
    from services import dashboard as svc

    _grow(3)
    user = User.objects.get(email="mbo@school.example")
    data = svc.school_dashboard(user)
    assert data["stale_total"] >= 3
    names = [row["participant"]["full_name"] for row in data["stale_rows"] if row["participant"]]
    assert any(name.startswith("Groei Deelnemer3x") for name in names)
    assert data["stale_rows"] == sorted(data["stale_rows"], key=lambda r: r["created_at"])
    # The bakery is accredited: none of the new placements shows up as unaccredited.
    assert not any(row["participant"].startswith("Groei") for row in data["placement_rows"])


def test_sbb_dashboard_is_cached_for_a_minute_in_mongodb(app, client, auth, monkeypatch):
    from datetime import timedelta

    from core.clock import local, utcnow
    from documents.cache import CachedView
    from services import dashboard as svc

    # A day ahead of the real clock: MongoDB (and mongomock) drop cache entries past expires_at (TTL index).
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=1)
    now = start
    monkeypatch.setattr(svc, "utcnow", lambda: now)

    def shown(moment):
        dutch = local(moment)
        assert dutch.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # Europe/Amsterdam
        return f"Bijgewerkt om {dutch:%H:%M}"

    auth.login("beheerder@sbb.example")
    assert shown(start) in client.get("/").get_data(as_text=True)
    entry = CachedView.objects.get(key="sbb_dashboard:maanden=24")  # in MongoDB: every app server reads it
    before = entry.data["figures"]["participants_active"]

    _grow(2)  # two participants more, one of them archived
    now = start + timedelta(seconds=59)
    assert svc.sbb_dashboard(sh.user("beheerder@sbb.example"))["figures"]["participants_active"] == before
    assert shown(start) in client.get("/").get_data(as_text=True)

    now = start + timedelta(seconds=61)  # older than a minute: computed again
    assert svc.sbb_dashboard(sh.user("beheerder@sbb.example"))["figures"]["participants_active"] == before + 1
    now = start + timedelta(minutes=10)
    assert shown(now) in client.get("/").get_data(as_text=True)


def test_school_staff_never_get_the_national_cache(app):
    from services import dashboard as svc

    svc.sbb_dashboard(sh.user("beheerder@sbb.example"))
    school = svc.sbb_dashboard(sh.user("mbo@school.example"))
    national = svc.sbb_dashboard(sh.user("beheerder@sbb.example"))
    assert school["figures"]["participants_active"] < national["figures"]["participants_active"]


def test_reviews_of_many_matches_current_review_per_document(app):
    staff = sh.user("mbo@school.example")
    participant = sh.participant_at(last_name="Uitnodiging")
    docs = [guidance.finalize(guidance.create_concept(participant, staff, [_guidance_selection()]), staff)]
    docs.append(guidance.finalize(guidance.create_concept(participant, staff, [_guidance_selection()]), staff))
    docs.append(guidance.finalize(guidance.create_concept(participant, staff, [_guidance_selection()]), staff))
    invited, _link, _mailed = trainer_review.invite(docs[0], staff, "opleider@bedrijf.example")
    revoked, _link, _mailed = trainer_review.invite(docs[1], staff, "opleider@bedrijf.example")
    trainer_review.revoke(revoked, staff)
    found = trainer_review.reviews_of_many(docs)
    assert found == {doc.pk: trainer_review.current_review(doc) for doc in docs}
    assert found[docs[0].pk].pk == invited.pk and found[docs[1].pk] is None and found[docs[2].pk] is None
    assert trainer_review.reviews_of_many([]) == {}


def test_shared_placement_reads_see_a_placement_made_inside_the_block(app):
    staff = sh.user("mbo@school.example")
    participant = sh.participant_at(last_name="Gedeeld")
    company = Company.objects(company_id=sh.BAKERY).get()
    dbops.install()
    with placements.shared_reads():
        first = placements.current_placement(participant)
        with dbops.counting() as counter:
            assert placements.current_placement(participant) is first
            assert placements.placement_history(participant)[:1] == ([first] if first else [])
        assert counter.count == 0, counter.commands
        made = placements.create_placement(staff, participant, company=company)
        assert placements.current_placement(participant).pk == made.pk
    assert placements.current_placement(participant).pk == made.pk
