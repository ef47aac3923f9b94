"""The praktijkopleider signs off online: invite by personal link, draft, sign, revoke; the school takes it over.

A link carries 256 random bits; only their SHA-256 is stored, so neither the database nor the audit log can open
the page. One invitation per document version (the `slot` index); a re-send rotates the token and restarts the
90 days; a revoked or expired link opens nothing.
"""

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from core.clock import local, local_today, utcnow
from documents.finality import CONCEPT, FINAL
from documents.reviews import SOURCE_ONLINE, TrainerReview
from services import audit
from services.errors import NotFound, RuleBroken
from services.permissions import check_institution, may_access_institution, require

log = logging.getLogger("praktijkloket.trainer_review")

VALID_FOR = timedelta(days=90)
TOKEN_BYTES = 32  # 256 bits; the issue asks for at least 128
MAIL_FAILED = "De e-mail kon niet worden verstuurd; probeer 'Opnieuw versturen'."
MAX_REMARKS = 2000
MAX_NAME = 200
MAX_USER_AGENT = 500
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Stored as the PDF stores them (services/pdf/guidance.LEVELS), so one progress record reads both sources;
# the trainer's page names them as the issue does.
LEVEL_LABELS = {"nog niet": "niet", "gedeeltelijk": "gedeeltelijk", "beheerst": "wel"}
ACHIEVED = "beheerst"
MOMENT_COUNT = 3

# Page states the public view renders; unknown and revoked share one (no oracle).
OPEN, SIGNED, EXPIRED, INVALID = "open", "signed", "expired", "invalid"

TOKEN_IN_PATH = re.compile(r"(/beoordeling/)[A-Za-z0-9_\-]+")


class ReviewError(RuleBroken):
    """A Dutch message about an invitation or a review that cannot go ahead."""


class ReviewFormError(ReviewError):
    """The trainer's form has mistakes: `problems` lists them all in Dutch."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(self.problems[0] if self.problems else None)


# --- tokens and logs ---------------------------------------------------------------------------------------------


def hash_token(token):
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def mask_tokens(text):
    """Replace the token in every /beoordeling/<token> of a text."""
    return TOKEN_IN_PATH.sub(r"\1***", text)


class TokenMaskFilter(logging.Filter):
    """Take review tokens out of a log record (werkzeug's request line has the path with the token)."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is
            return True
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


# Loggers that may see a review URL after the mail went out. The mail logger is left alone on purpose: without
# MAIL_SERVER the mail itself is written to the log, and that line must carry the link the trainer needs.
MASKED_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "flask_limiter", "praktijkloket.trainer_review")


def install_log_filter(app):
    """Mask review tokens in the request log, the app's own log and this module's log (once per logger)."""
    for logger in [logging.getLogger(name) for name in MASKED_LOGGERS] + [app.logger]:
        if not any(isinstance(f, TokenMaskFilter) for f in logger.filters):
            logger.addFilter(TokenMaskFilter())


# --- inviting (school staff) ---------------------------------------------------------------------------------------


def _require_editor(user, doc):
    require(user, "edit_participants")
    if not may_access_institution(user, doc.institution):
        raise NotFound()


def reviews_of(doc):
    """Every invitation of a document, newest first."""
    return list(TrainerReview.objects(guidance=doc).order_by("-created_at"))


def current_review(doc):
    """The invitation that counts for this document version (open or signed), else None."""
    return TrainerReview.objects(slot=_slot(doc)).first()


def reviews_of_many(docs):
    """{document id: the invitation that counts for it (as current_review), or None}, in one query for all."""
    slots = {_slot(doc): doc.pk for doc in docs}
    found = dict.fromkeys(slots.values())
    if slots:
        for review in TrainerReview.objects(slot__in=list(slots)):
            found[slots[review.slot]] = review
    return found


def _slot(doc):
    return f"{doc.pk}:{doc.version}"


def get_review_for(user, review_id):
    """An invitation the user's school owns; NotFound otherwise (also for malformed ids)."""
    try:
        review = TrainerReview.objects(pk=str(review_id)).first()
    except Exception:
        review = None
    if review is None:
        raise NotFound()
    check_institution(user, review.institution)
    return review


def default_email(doc):
    """The trainer's e-mail address as the document has it (the register or the school's own entry)."""
    return ((doc.snapshot or {}).get("trainer") or {}).get("email", "") or ""


def _clean_email(value):
    email = (value or "").strip()
    if not email:
        raise ReviewError("Vul het e-mailadres van de praktijkopleider in.")
    if len(email) > 200 or not EMAIL_RE.fullmatch(email):
        raise ReviewError(f"'{email[:60]}' is geen geldig e-mailadres. Vul een adres in als naam@bedrijf.nl.")
    return email


def review_url(token):
    from services.urls import external_url

    return external_url("trainer_review.page", token=token)


def _send(review, token):
    from services.mail import send_mail_quietly

    snap = review.guidance.snapshot or {}
    participant = (snap.get("participant") or {}).get("full_name", "")
    school = (snap.get("institution") or {}).get("name", "")
    until = local(review.expires_at).strftime("%d-%m-%Y")
    greeting = f"Beste {review.trainer_name}," if review.trainer_name else "Beste praktijkopleider,"
    body = (
        f"{greeting}\n\n"
        f"{school} vraagt u de voortgang van {participant} in te vullen en af te tekenen in het "
        f"begeleidingsdocument {review.guidance.document_id}.\n\n"
        f"Open uw persoonlijke link (u hebt geen account nodig):\n{review_url(token)}\n\n"
        f"U kunt tussendoor opslaan en later verdergaan. De link is geldig tot en met {until}. "
        "Stuur deze e-mail niet door: iedereen met de link kan het formulier invullen.\n\n"
        f"Met vriendelijke groet,\n{review.created_by_name or school}\n{school}\n"
    )
    return send_mail_quietly(review.email, f"Begeleidingsdocument van {participant} invullen en aftekenen", body)


def invite(doc, user, email=None):
    """Invite the praktijkopleider by mail with a new personal link; return (review, link, mailed)."""
    _require_editor(user, doc)
    if doc.status != FINAL:
        raise ReviewError("Rond het begeleidingsdocument eerst af; daarna kunt u de praktijkopleider uitnodigen.")
    existing = current_review(doc)
    if existing is not None:
        if existing.is_signed:
            raise ReviewError("De praktijkopleider heeft dit begeleidingsdocument al online afgetekend.")
        raise ReviewError("De praktijkopleider is al uitgenodigd. Verstuur de uitnodiging opnieuw of trek hem in.")
    address = _clean_email(email if email is not None and email.strip() else default_email(doc))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    review = TrainerReview(
        guidance=doc,
        guidance_version=doc.version,
        institution=doc.institution,
        participant=doc.participant,
        token_hash=hash_token(token),
        slot=_slot(doc),
        email=address,
        trainer_name=((doc.snapshot or {}).get("trainer") or {}).get("name", ""),
        created_at=now,
        created_by_name=user.name,
        sent_at=now,
        sent_count=1,
        expires_at=now + VALID_FOR,
    )
    review.id = ObjectId()
    with audit.recorded(
        "invite", review, user=user, label=f"{doc}: praktijkopleider uitgenodigd", changes={"aan": address}
    ):
        try:
            review.save(force_insert=True)
        except NotUniqueError:
            raise ReviewError(
                "De praktijkopleider is intussen al uitgenodigd (door een collega). Open de pagina opnieuw."
            ) from None
    # The invitation stands even when the mail failed: the page says so and 'Opnieuw versturen' mails a new link.
    mailed = _send(review, token)
    log.info("Uitnodiging %s gemaakt voor %s (gemaild: %s)", review.pk, doc.document_id, mailed)
    return review, review_url(token), mailed


def resend(review, user, email=None):
    """Send the invitation again with a new link and 90 days from now; return (review, link, mailed)."""
    _require_editor(user, review.guidance)
    if review.revoked_at is not None:
        raise ReviewError("Deze uitnodiging is ingetrokken. Nodig de praktijkopleider opnieuw uit.")
    if review.is_signed:
        raise ReviewError("De praktijkopleider heeft al afgetekend; een nieuwe link is niet nodig.")
    address = _clean_email(email) if email and email.strip() else review.email
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with audit.recorded(
        "invite", review, user=user, label=f"{review.guidance}: uitnodiging opnieuw verstuurd", changes={"aan": address}
    ):
        updated = TrainerReview.objects(pk=review.pk, signed_at=None, revoked_at=None).modify(
            new=True,
            set__token_hash=hash_token(token),
            set__email=address,
            set__sent_at=now,
            set__expires_at=now + VALID_FOR,
            inc__sent_count=1,
        )
        if updated is None:
            raise ReviewError("De uitnodiging is intussen afgetekend of ingetrokken. Open de pagina opnieuw.")
    return updated, review_url(token), _send(updated, token)


def revoke(review, user):
    """Revoke the link: it opens nothing any more; the document can be sent to the trainer again afterwards."""
    _require_editor(user, review.guidance)
    if review.is_signed:
        raise ReviewError("De praktijkopleider heeft al afgetekend; de aftekening blijft staan.")
    if review.revoked_at is not None:
        return review
    with audit.recorded("revoke", review, user=user, label=f"{review.guidance}: uitnodiging ingetrokken"):
        updated = TrainerReview.objects(pk=review.pk, signed_at=None, revoked_at=None).modify(
            new=True, set__revoked_at=utcnow(), set__revoked_by_name=user.name, unset__slot=True
        )
        if updated is None:
            raise ReviewError("De uitnodiging is intussen afgetekend of ingetrokken. Open de pagina opnieuw.")
    return updated


# --- the trainer's page (no account) ---------------------------------------------------------------------------


def open_review(token):
    """(state, review) for a link; records the first opening. Unknown and revoked links are both INVALID."""
    review = TrainerReview.objects(token_hash=hash_token(token)).first() if token else None
    if review is None or review.revoked_at is not None:
        return INVALID, None
    doc = review.guidance
    if doc is None or doc.status != FINAL or doc.version != review.guidance_version:
        return INVALID, None
    if review.is_signed:
        return SIGNED, review
    if review.expires_at <= utcnow():
        return EXPIRED, review
    if review.first_opened_at is None:
        opened = TrainerReview.objects(pk=review.pk, first_opened_at=None).modify(
            new=True, set__first_opened_at=utcnow()
        )
        if opened is not None:
            audit.record("review_opened", opened, label=f"{doc}: link voor het eerst geopend")
            review = opened
    return OPEN, review


def rows(review, entries=None):
    """Per werkproces of the document (Blad 2): key, texts, gedrag lines when shown, and the entries so far."""
    from services.pdf.guidance import work_process_keys

    qualifications = (review.guidance.snapshot or {}).get("qualifications", [])
    keys = work_process_keys(qualifications)
    entries = review.entries if entries is None else entries
    result = []
    for q in qualifications:
        for task in q.get("core_tasks", []):
            for wp in task.get("work_processes", []):
                key = keys[(q["crebo"], wp["code"])]
                entry = (entries or {}).get(key) or {}
                moments = list(entry.get("moments") or [])
                moments += [{"datum": "", "niveau": ""}] * (MOMENT_COUNT - len(moments))
                behaviour = list(wp.get("behaviour") or []) if wp.get("show_behaviour") else []
                result.append(
                    {
                        "index": len(result),
                        "key": key,
                        "crebo": q["crebo"],
                        "qualification": q.get("title", ""),
                        "code": wp["code"],
                        "title": wp["title"],
                        "description": wp.get("description", ""),
                        "result": wp.get("result", ""),
                        "behaviour": behaviour,
                        "moments": moments[:MOMENT_COUNT],
                        "opmerkingen": entry.get("opmerkingen", ""),
                        "gedrag": {str(n): bool(v) for n, v in (entry.get("gedrag") or {}).items()},
                    }
                )
    return result


def _clean_date(text, where):
    from services.spreadsheet import DateError, parse_date

    try:
        day = parse_date(text)
    except DateError as exc:
        raise ReviewError(f"{where}: {exc}.") from None
    if day > local_today():
        raise ReviewError(f"{where}: {day:%d-%m-%Y} ligt in de toekomst. Vul de datum van het moment in.")
    return day.strftime("%d-%m-%Y")


def read_entries(review, form):
    """The trainer's entries from a submitted form (a mapping with get/getlist); every mistake in Dutch."""
    entries, problems = {}, []
    for row in rows(review, {}):
        i, label = row["index"], row["code"]
        moments = []
        for m in range(1, MOMENT_COUNT + 1):
            raw_date = (form.get(f"r{i}-m{m}-datum") or "").strip()
            level = (form.get(f"r{i}-m{m}-niveau") or "").strip()
            where = f"{label}, moment {m}"
            if level and level not in LEVEL_LABELS:
                problems.append(f"{where}: kies niet, gedeeltelijk of wel.")
                level = ""
            if raw_date:
                try:
                    raw_date = _clean_date(raw_date, where)
                except ReviewError as exc:
                    problems.append(str(exc))
            if level and not raw_date:
                problems.append(f"{where}: vul ook de datum in (dd-mm-jjjj).")
            if raw_date and not level:
                problems.append(f"{where}: kies ook de beheersing (niet, gedeeltelijk of wel).")
            moments.append({"datum": raw_date, "niveau": level})
        remarks = (form.get(f"r{i}-opmerkingen") or "").strip().replace("\r\n", "\n")
        if len(remarks) > MAX_REMARKS:
            problems.append(f"{label}: de opmerkingen zijn te lang (maximaal {MAX_REMARKS} tekens).")
        behaviour = {str(n): form.get(f"r{i}-gedrag-{n}") == "ja" for n in range(1, len(row["behaviour"]) + 1)}
        entries[row["key"]] = {"moments": moments, "opmerkingen": remarks[:MAX_REMARKS], "gedrag": behaviour}
    return entries, problems


def _writable(review):
    """The query that matches this invitation only while the trainer may still write to it."""
    return TrainerReview.objects(
        pk=review.pk, token_hash=review.token_hash, signed_at=None, revoked_at=None, expires_at__gt=utcnow()
    )


def save_draft(review, form):
    """Keep the trainer's entries as a draft (nothing is shown to the school as signed)."""
    entries, problems = read_entries(review, form)
    if problems:
        raise ReviewFormError(problems)
    with audit.recorded("review_draft", review, label=f"{review.guidance}: concept opgeslagen door praktijkopleider"):
        updated = _writable(review).modify(new=True, set__entries=entries, set__draft_saved_at=utcnow())
        if updated is None:
            raise ReviewError("Deze link is niet meer geldig: het formulier is afgetekend, ingetrokken of verlopen.")
    return updated


def sign(review, form, *, name, function, confirmed, ip_address=None, user_agent=None):
    """Ondertekenen: keep the entries, record who signed, when and from where, lock it and feed the progress."""
    from services import guidance as guidance_svc

    entries, problems = read_entries(review, form)
    name, function = (name or "").strip(), (function or "").strip()
    if not name:
        problems.append("Vul uw naam in.")
    elif len(name) > MAX_NAME:
        problems.append(f"Uw naam is te lang (maximaal {MAX_NAME} tekens).")
    if not function:
        problems.append("Vul uw functie in.")
    elif len(function) > MAX_NAME:
        problems.append(f"Uw functie is te lang (maximaal {MAX_NAME} tekens).")
    if not confirmed:
        problems.append("Vink aan dat u de beoordeling naar waarheid hebt ingevuld.")
    if not any(guidance_svc.has_progress(e) for e in entries.values()):
        problems.append("Vul bij ten minste één werkproces een moment in voordat u ondertekent.")
    if problems:
        raise ReviewFormError(problems)
    now = utcnow()
    with audit.recorded(
        "review_signed",
        review,
        label=f"{review.guidance}: afgetekend door {name} ({function})",
        changes={"naam": name, "functie": function},
    ):
        updated = _writable(review).modify(
            new=True,
            set__entries=entries,
            set__signed_at=now,
            set__signed_name=name,
            set__signed_function=function,
            set__signed_ip=(ip_address or "")[:64],
            set__signed_user_agent=(user_agent or "")[:MAX_USER_AGENT],
        )
        if updated is None:
            raise ReviewError("Deze link is niet meer geldig: het formulier is afgetekend, ingetrokken of verlopen.")
        try:
            guidance_svc.feed_progress(updated.guidance, entries, source=SOURCE_ONLINE, by=name, at=now)
        except BaseException:
            TrainerReview.objects(pk=updated.pk).update(
                set__signed_at=None, set__signed_name=None, set__signed_function=None
            )
            raise
    return updated


# --- the school's side: status and stap 4.2 ----------------------------------------------------------------------


def is_expired(review):
    return review is not None and not review.is_signed and review.expires_at <= utcnow()


def status_of(review):
    """A Dutch status line for the school."""
    if review is None:
        return "Nog niet uitgenodigd"
    if review.is_signed:
        return f"Online afgetekend door {review.signed_name} op {local(review.signed_at):%d-%m-%Y}"
    if review.revoked_at is not None:
        return f"Uitnodiging ingetrokken op {local(review.revoked_at):%d-%m-%Y}"
    if review.expires_at <= utcnow():
        return f"Link verlopen op {local(review.expires_at):%d-%m-%Y}"
    opened = " (geopend)" if review.first_opened_at else ""
    draft = f", concept opgeslagen op {local(review.draft_saved_at):%d-%m-%Y}" if review.draft_saved_at else ""
    return (
        f"Uitgenodigd: {review.email}, verstuurd op {local(review.sent_at):%d-%m-%Y}{opened}{draft}; "
        f"geldig tot en met {local(review.expires_at):%d-%m-%Y}"
    )


def signed_review(doc):
    """The signed online review of this document, or None."""
    if doc is None:
        return None
    return TrainerReview.objects(guidance=doc, signed_at__ne=None).order_by("-signed_at").first()


def achieved_selections(doc):
    """The document's selections narrowed to the werkprocessen whose latest moment says "wel" (beheerst)."""
    from documents.guidance import Selection
    from services import guidance as guidance_svc
    from services.pdf.guidance import work_process_keys

    entries = guidance_svc.progress_entries(doc)
    keys = work_process_keys((doc.snapshot or {}).get("qualifications", []))
    result = []
    for selection in doc.selections:
        codes = [c for c in selection.codes if _achieved(entries.get(keys.get((selection.crebo, c)), {}))]
        if codes:
            result.append(
                Selection(
                    crebo=selection.crebo,
                    qualification_id=selection.qualification_id,
                    codes=codes,
                    behaviour_codes=[c for c in selection.behaviour_codes if c in codes],
                )
            )
    return result


def _achieved(entry):
    levels = [m.get("niveau") for m in (entry or {}).get("moments", []) if m.get("niveau")]
    return bool(levels) and levels[-1] == ACHIEVED


def reviewed_documents(participant):
    """The participant's documents that have progress to take over (newest first)."""
    from services import guidance as guidance_svc

    return [d for d in guidance_svc.documents_of(participant) if guidance_svc.progress_entries(d)]


def take_over(statement, user, doc, *, expected_version=None):
    """Stap 4.2: the werkprocessen the trainer marked "wel" become the statement's selection (still adjustable)."""
    from services import statements as statement_svc

    if doc is None or doc.participant is None or doc.participant.pk != statement.participant.pk:
        raise ReviewError("Kies een begeleidingsdocument van deze deelnemer.")
    if statement.status != CONCEPT:
        raise ReviewError("Deze praktijkverklaring is definitief en kan niet meer worden gewijzigd.")
    selections = achieved_selections(doc)
    if not selections:
        raise ReviewError(
            "De praktijkopleider heeft in dit begeleidingsdocument nog geen werkproces als 'wel' beheerst "
            "beoordeeld. Selecteer de werkprocessen zelf."
        )
    return statement_svc.set_selections(
        statement, user, selections, expected_version=expected_version, source_guidance=doc
    )


def set_print_line(statement, user, printed, *, expected_version=None):
    """Choose whether the statement PDF prints "Beoordeeld door de praktijkopleider op <datum>"."""
    from services import statements as statement_svc

    if printed and signed_review(statement.source_guidance) is None:
        raise ReviewError("Neem eerst de werkprocessen over uit een online afgetekende beoordeling.")
    return statement_svc.update_concept(
        statement, user, expected_version=expected_version, print_trainer_review=bool(printed)
    )


def statement_part(statement):
    """What a statement's snapshot records of the online sign-off of the document it was taken from."""
    review = signed_review(statement.source_guidance) if statement.source_guidance else None
    if review is None:
        return {"signed": False, "signed_at": None, "signed_by": "", "print": False}
    return {
        "signed": True,
        "signed_at": review.signed_at,
        "signed_by": review.signed_name,
        "signed_function": review.signed_function,
        "guidance": review.guidance.document_id,
        "print": bool(getattr(statement, "print_trainer_review", False)),
    }
