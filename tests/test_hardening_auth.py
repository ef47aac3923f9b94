"""Issue 11 item 5: reset links die when the password changes; sign-in timing does not reveal accounts."""

import statistics
import time
from unittest import mock

from documents.users import PasswordResetToken, User
from services import accounts
from tests.conftest import make_app

EMAIL = "mbo@school.example"
NEW_PASSWORD = "een lange zin als wachtwoord"
OTHER_PASSWORD = "nog een andere lange zin"


def _set_password(client, token, password):
    return client.post(f"/wachtwoord-instellen/{token}", data={"password": password, "repeat": password})


def test_using_one_reset_link_ends_every_other_link(client):
    first = accounts.request_password_reset(EMAIL)
    second = accounts.request_password_reset(EMAIL)
    assert client.get(f"/wachtwoord-instellen/{first}").status_code == 200

    assert _set_password(client, second, NEW_PASSWORD).status_code == 302

    page = client.get(f"/wachtwoord-instellen/{first}")
    assert page.status_code == 410
    assert "Deze link werkt niet meer" in page.get_data(as_text=True)
    refused = _set_password(client, first, OTHER_PASSWORD)
    assert refused.status_code == 410
    assert "Deze link werkt niet meer" in refused.get_data(as_text=True)
    user = User.objects(email=EMAIL).get()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(OTHER_PASSWORD)


def test_a_password_changed_another_way_ends_outstanding_links(app):
    token = accounts.request_password_reset(EMAIL)
    user = User.objects(email=EMAIL).get()
    user.set_password(OTHER_PASSWORD)  # an admin or the user changing it, not through the link
    user.save()
    assert accounts.valid_reset_token(token) is None
    try:
        accounts.reset_password(token, NEW_PASSWORD, NEW_PASSWORD)
    except accounts.ResetLinkInvalid as exc:
        assert "werkt niet meer" in str(exc)
    else:
        raise AssertionError("an outdated link still set the password")
    assert User.objects(email=EMAIL).get().check_password(OTHER_PASSWORD)


def test_a_link_survives_until_a_password_is_actually_set(app):
    first = accounts.request_password_reset(EMAIL)
    accounts.request_password_reset(EMAIL)  # asking again does not end the first link
    assert accounts.valid_reset_token(first) is not None
    accounts.reset_password(first, NEW_PASSWORD, NEW_PASSWORD)
    assert PasswordResetToken.objects(user=User.objects(email=EMAIL).get(), used_at=None).count() == 0


def test_unknown_and_deactivated_addresses_check_a_password_hash(app):
    User.objects(email="adviseur@sbb.example").update_one(set__active=False)
    with mock.patch("documents.users.check_password_hash", return_value=False) as check:
        assert accounts.authenticate("niemand@school.example", "geheim-wachtwoord") is None
        assert check.call_count == 1
        assert accounts.authenticate("adviseur@sbb.example", "praktijkloket-demo") is None
        assert check.call_count == 2


def _median_ms(fn, runs=7):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def test_sign_in_takes_as_long_for_unknown_deactivated_and_known_addresses(demo_dump):
    # The production hash (scrypt), not the suite's cheap one: the difference is what an attacker measures.
    application = make_app(demo_dump, PASSWORD_HASH_METHOD="scrypt")
    with application.app_context():
        for email in (EMAIL, "adviseur@sbb.example"):
            user = User.objects(email=email).get()
            user.set_password("het echte wachtwoord van dit account")
            user.save()
        User.objects(email="adviseur@sbb.example").update_one(set__active=False)
        accounts.authenticate("warm@school.example", "x")  # the dummy hash is made once per process

        known = _median_ms(lambda: accounts.authenticate(EMAIL, "een fout wachtwoord"))
        unknown = _median_ms(lambda: accounts.authenticate("niemand@school.example", "een fout wachtwoord"))
        inactive = _median_ms(lambda: accounts.authenticate("adviseur@sbb.example", "een fout wachtwoord"))
    print(f"known {known:.1f} ms, unknown {unknown:.1f} ms, deactivated {inactive:.1f} ms")
    for other in (unknown, inactive):
        ratio = max(known, other) / min(known, other)
        assert ratio < 2, f"known {known:.1f} ms, unknown {unknown:.1f} ms, deactivated {inactive:.1f} ms"
