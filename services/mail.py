"""Outgoing mail over SMTP; without MAIL_SERVER the message goes to the log (demo mode)."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("praktijkloket.mail")


def send_mail_quietly(to, subject, body):
    """Send an informational mail; when the mail server fails, log it and return False (nothing else fails)."""
    try:
        send_mail(to, subject, body)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("E-mail aan %s (%s) kon niet worden verstuurd", to, subject)
        return False


def send_mail(to, subject, body):
    """Send a plain-text Dutch mail; return the message that was sent or logged."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    if not cfg.get("MAIL_SERVER"):
        log.warning("E-mail (niet verzonden, geen MAIL_SERVER ingesteld) aan %s: %s\n%s", to, subject, body)
        return msg
    with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=10) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(msg)
    return msg
