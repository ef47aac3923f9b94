"""The layers as DESIGN.md draws them: admin_views -> services -> documents -> core, and services know nothing of HTTP."""

import ast
from pathlib import Path

import pytest
from flask import Flask

from services import audit
from services.errors import NotFound, NotPermitted, RuleBroken

ROOT = Path(__file__).resolve().parent.parent


def modules(folder):
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def imports(path):
    """Every (module, name) a file imports; name is None for `import x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found, tree


def rel(path):
    return path.relative_to(ROOT).as_posix()


def test_documents_import_nothing_from_services_or_the_web_layer():
    wrong = [
        (rel(path), module)
        for path in modules("documents")
        for module, _name in imports(path)[0]
        if module.split(".")[0] in ("services", "admin_views", "app")
    ]
    assert wrong == []


def test_core_imports_nothing_of_ours():
    wrong = [
        (rel(path), module)
        for path in modules("core")
        for module, _name in imports(path)[0]
        if module.split(".")[0] in ("documents", "services", "admin_views", "app")
    ]
    assert wrong == []


def test_services_neither_abort_nor_read_the_request():
    wrong = []
    for path in modules("services"):
        found, tree = imports(path)
        for module, name in found:
            if module == "flask" and name in ("abort", "request"):
                wrong.append((rel(path), f"from flask import {name}"))
            if module.startswith("werkzeug.exceptions") or module.split(".")[0] == "admin_views":
                wrong.append((rel(path), module))
        for node in ast.walk(tree):
            is_flask = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask"
            if is_flask and node.attr in ("abort", "request"):
                wrong.append((rel(path), f"flask.{node.attr}"))
    assert wrong == []


def test_the_scan_would_see_an_abort(tmp_path):
    """The scan above is not blind: a service file with an abort is found."""
    sample = tmp_path / "sample.py"
    sample.write_text("from flask import abort, request\nimport flask\nflask.abort(404)\n", encoding="utf-8")
    found, tree = imports(sample)
    assert ("flask", "abort") in found and ("flask", "request") in found
    assert any(isinstance(n, ast.Attribute) and n.attr == "abort" for n in ast.walk(tree))


# --- the one error handler ---------------------------------------------------------------------------------------


@pytest.fixture
def raising(app):
    """Routes on the test app that raise each domain error the way a service does."""

    def not_found():
        raise NotFound()

    def not_permitted():
        raise NotPermitted("U mag dit verzoek niet behandelen.")

    def rule_broken():
        raise RuleBroken("De einddatum ligt vóór de begindatum.")

    app.add_url_rule("/_test/not-found", "t_not_found", not_found)
    app.add_url_rule("/_test/not-permitted", "t_not_permitted", not_permitted)
    app.add_url_rule("/_test/rule-broken", "t_rule_broken", rule_broken, methods=("GET", "POST"))
    return app


def test_domain_errors_become_404_403_and_a_message_in_one_place(raising, client, auth):
    auth.login_role("school_staff")
    response = client.get("/_test/not-found")
    assert response.status_code == 404 and "bestaat niet (meer)" in response.get_data(as_text=True)
    response = client.get("/_test/not-permitted")
    assert response.status_code == 403 and "U mag dit verzoek niet behandelen." in response.get_data(as_text=True)
    response = client.post("/_test/rule-broken", headers={"Referer": "http://localhost/deelnemers/?q=x"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/deelnemers/?q=x")
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "De einddatum ligt vóór de begindatum." in page
    # Another site as referrer is no place to go back to.
    response = client.post("/_test/rule-broken", headers={"Referer": "https://elders.example/x"})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_a_service_refusal_reaches_the_browser_as_before(client, auth):
    """A school user asking for another school's request, or an advisers' page: 404 and 403, in Dutch."""
    from documents.companies import AccreditationRequest

    req = AccreditationRequest.objects.first()
    auth.login_role("school_staff")
    assert client.get("/leerbedrijven/niet-een-id").status_code == 404  # services.ids via services.companies
    response = client.post(f"/leerbedrijven/{'0' * 24}/praktijkopleider", data={})
    assert response.status_code == 403  # services.permissions.require
    assert "Geen toegang" in response.get_data(as_text=True)
    assert req is not None


def test_rule_broken_is_a_value_error_and_the_others_are_not():
    """Forms that flash a ValueError show a broken rule; not-found and not-permitted are never swallowed by them."""
    assert issubclass(RuleBroken, ValueError)
    assert not issubclass(NotFound, ValueError) and not issubclass(NotPermitted, ValueError)
    assert str(NotFound()) and str(NotPermitted())


def test_audit_takes_user_and_address_from_the_web_layer(app):
    event = audit.record("export", None, object_type="Test", label="buiten een request")
    assert event.ip_address is None and event.user_id is None
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        event = audit.record("export", None, object_type="Test", label="in een request")
    assert event.ip_address == "192.0.2.7"
    # Without the web layer (a bare Flask app: CLI scripts, workers) the services still write, without an address.
    bare = Flask("bare")
    with bare.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.8"}):
        event = audit.record("export", None, object_type="Test", label="zonder weblaag")
    assert event.ip_address is None


def _choice_lists(path):
    """Module-level names bound to a tuple of (code, Dutch label) pairs: a choice list."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple) and node.value.elts):
            continue
        pairs = node.value.elts
        if all(
            isinstance(p, ast.Tuple)
            and len(p.elts) == 2
            and isinstance(p.elts[1], ast.Constant)
            and isinstance(p.elts[1].value, str)
            for p in pairs
        ):
            found += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return found


def test_choice_lists_live_in_documents_constants():
    assert "REQUEST_STATUSES" in _choice_lists(ROOT / "documents" / "constants.py")  # the scan sees them
    elsewhere = [
        (rel(path), name)
        for path in modules("documents")
        if path.name != "constants.py"
        for name in _choice_lists(path)
    ]
    assert elsewhere == []
    # The documents that use them still offer the same names.
    from documents import access, audit, companies, constants

    assert companies.REQUEST_KINDS is constants.REQUEST_KINDS and audit.ACTIONS is constants.ACTIONS
    assert access.ACCESS_STATUSES is constants.ACCESS_STATUSES
