"""The praktijkopleider's page behind a personal link (/beoordeling/<token>): no account, no links into the app.

Thin: look the link up, call services.trainer_review, render. Every answer is private (no-store, no referrer,
not indexed): the URL is the key.
"""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from admin_views.security import limiter
from services import trainer_review as svc

bp = Blueprint("trainer_review", __name__)

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def _answer(template, status=200, **context):
    response = render_template(template, **context), status
    return response[0], response[1], PRIVATE_HEADERS


def _closed(state, review):
    """The page for a link that opens nothing: signed, expired, or invalid (unknown and revoked alike)."""
    if state == svc.SIGNED:
        return _answer("review/signed.html", 200, review=review)
    if state == svc.EXPIRED:
        return _answer("review/expired.html", 410, review=review)
    return _answer("review/invalid.html", 404)


def _form_page(review, token, *, entries=None, problems=(), sign=None, status=200, saved=False):
    return _answer(
        "review/form.html",
        status,
        review=review,
        token=token,
        snap=review.guidance.snapshot or {},
        rows=svc.rows(review, entries),
        levels=svc.LEVEL_LABELS,
        problems=list(problems),
        sign=sign or {"name": review.trainer_name or "", "function": "", "confirmed": False},
        saved=saved,
        until=review.expires_at,
    )


@bp.route("/beoordeling/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute")
@limiter.limit("30 per minute", methods=["POST"])
def page(token):
    state, review = svc.open_review(token)
    if state != svc.OPEN:
        return _closed(state, review)
    if request.method == "GET":
        return _form_page(review, token, saved=request.args.get("opgeslagen") == "1")
    action = request.form.get("action", "save")
    sign = {
        "name": request.form.get("sign-name", ""),
        "function": request.form.get("sign-function", ""),
        "confirmed": request.form.get("sign-confirm") == "ja",
    }
    try:
        if action == "sign":
            svc.sign(
                review,
                request.form,
                name=sign["name"],
                function=sign["function"],
                confirmed=sign["confirmed"],
                ip_address=request.remote_addr,
                user_agent=request.headers.get("User-Agent", ""),
            )
            return redirect(url_for(".page", token=token), code=303)
        svc.save_draft(review, request.form)
    except svc.ReviewFormError as exc:
        entries, _problems = svc.read_entries(review, request.form)
        return _form_page(review, token, entries=entries, problems=exc.problems, sign=sign, status=400)
    except svc.ReviewError:
        state, review = svc.open_review(token)
        return _closed(state if state != svc.OPEN else svc.INVALID, review)
    return redirect(url_for(".page", token=token, opgeslagen=1) + "#opgeslagen", code=303)


@bp.errorhandler(CSRFError)
def form_expired(_exc):
    """The app's own error page links to the start page; the trainer's page links nowhere into the app."""
    return _answer(
        "review/problem.html",
        400,
        title="Formulier verlopen",
        message="Het formulier is verlopen. Open de link uit de e-mail opnieuw en vul het nog eens in; "
        "wat u eerder als concept hebt opgeslagen, is bewaard.",
    )


@bp.errorhandler(429)
def too_many(_exc):
    return _answer(
        "review/problem.html",
        429,
        title="Te veel pogingen",
        message="Er zijn te veel pogingen gedaan. Wacht een paar minuten en open de link dan opnieuw.",
    )


def register(app):
    """Serve the trainer's page and keep its tokens out of the logs."""
    app.register_blueprint(bp)
    svc.install_log_filter(app)
