"""Public verification: by code and by the exact PDF; valid, then withdrawn; changed files and guesses get nothing."""

import io

from services import statements as svc
from tests.conftest import make_app
from tests.statement_helpers import final_statement, ready_concept, user


def html(response):
    return response.get_data(as_text=True)


def test_code_page_shows_a_valid_statement_without_login(client):
    final = final_statement()
    response = client.get(f"/verificatie/{final.verification_code}")
    page = html(response)
    assert response.status_code == 200 and "Geldig" in page
    assert final.number in page and final.participant.full_name in page and "ROC Demo" in page
    assert "Bakkerij De Gouden Korenaar" in page and "90101" in page and "1.200" in page
    assert final.selections[0].codes[0] in page
    # Typed from paper: lower case, spaces instead of dashes.
    typed = final.verification_code.lower().replace("-", " ")
    assert "Geldig" in html(client.post("/verificatie", data={"code": typed}))


def test_unknown_or_malformed_code_says_unknown(client):
    final_statement()
    for code in ("AAAA-BBBB-CCCC-DDDD", "x", "' or 1=1", "A" * 300):
        response = client.get(f"/verificatie/{code}")
        assert response.status_code == 404 and "geen praktijkverklaring met deze code" in html(response)


def test_exact_pdf_is_recognised_and_a_changed_one_is_not(client):
    final = final_statement()
    issued = bytes(final.pdf)
    page = html(
        client.post(
            "/verificatie", data={"pdf": (io.BytesIO(issued), "verklaring.pdf")}, content_type="multipart/form-data"
        )
    )
    assert "Geldig" in page and final.number in page
    middle = len(issued) // 2
    changed = issued[:middle] + bytes([issued[middle] ^ 0x01]) + issued[middle + 1 :]  # one bit flipped
    for other in (changed, issued[:-10]):
        response = client.post(
            "/verificatie", data={"pdf": (io.BytesIO(other), "verklaring.pdf")}, content_type="multipart/form-data"
        )
        assert response.status_code == 404 and "niet precies een praktijkverklaring" in html(response)
    # A byte after the signed end: the signature still proves the original (issue 16), and says so.
    response = client.post(
        "/verificatie", data={"pdf": (io.BytesIO(issued + b"\n"), "v.pdf")}, content_type="multipart/form-data"
    )
    assert "Het ondertekende origineel is geldig; er is daarna iets toegevoegd" in html(response)
    response = client.post(
        "/verificatie", data={"pdf": (io.BytesIO(b"GIF89a..."), "x.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "geen PDF" in html(response)
    # A concept was never issued.
    concept_pdf = svc.concept_pdf(ready_concept())
    response = client.post(
        "/verificatie", data={"pdf": (io.BytesIO(concept_pdf), "c.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 404


def test_valid_then_withdrawn_after_delete(client):
    final = final_statement()
    assert "Geldig" in html(client.get(f"/verificatie/{final.verification_code}"))
    issued = final.pdf  # the stored file goes with the statement; the holder still has these bytes
    svc.delete_statement(final, user("mbo@school.example"), taken_back=True, reason="Onjuiste uren")
    for response in (
        client.get(f"/verificatie/{final.verification_code}"),
        client.post("/verificatie", data={"pdf": (io.BytesIO(issued), "v.pdf")}, content_type="multipart/form-data"),
    ):
        page = html(response)
        assert response.status_code == 200 and "Ingetrokken" in page and "Geldig." not in page
        assert final.number in page and "Onjuiste uren" in page
        assert final.participant.full_name not in page and "Bakkerij" not in page


def test_verification_is_rate_limited(demo_dump):
    app = make_app(demo_dump, RATELIMIT_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        codes = [client.get("/verificatie/AAAA-BBBB-CCCC-DDDD").status_code for _ in range(35)]
    assert codes[0] == 404 and codes[-1] == 429
