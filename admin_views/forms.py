"""What the step and form pages share: the posted file, a download, and saying a refusal's messages."""

from contextlib import contextmanager

from flask import Response, flash, request

from core.filenames import attachment


def uploaded(name="bestand"):
    """The file posted as `name`, or None when none was chosen (a browser posts an empty part then)."""
    upload = request.files.get(name)
    return upload if upload is not None and upload.filename else None


def download(data, name, mimetype="application/pdf", headers=None):
    """A file to save, never to cache: its name through core.filenames (ASCII plus the UTF-8 name)."""
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": attachment(name), "Cache-Control": "no-store", **(headers or {})},
    )


def problems_of(exc):
    """The Dutch messages of a refusal: each of a statement's problems, else its one message."""
    return getattr(exc, "problems", None) or [getattr(exc, "message", None) or str(exc)]


def flash_problems(exc, category="danger"):
    for problem in problems_of(exc):
        flash(problem, category)


@contextmanager
def flashing(*refusals, category="danger"):
    """Run a change; a refusal of the kinds given is said on the next page instead of raised.

    What follows the change inside the `with` block (the success message) runs only when it went through.
    """
    try:
        yield
    except refusals as exc:
        flash_problems(exc, category)
