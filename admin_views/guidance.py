"""Stap 3 Begeleidingsdocument: compose (kwalificaties, werkprocessen, gedrag), summary, afronden, PDF, filled copy.

Thin: read the form, call services.guidance, render. Pages are reached from the participant page (not the menu).

Endpoints other areas may link to:
  guidance.new(participant_id)     "+ Nieuw begeleidingsdocument" (the compose page)
  guidance.summary(guidance_id)    the summary of one document (Afronden, download, upload filled copy)
"""

from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin_views.base import SecureView
from admin_views.filters import noun
from admin_views.forms import download, flashing, uploaded
from documents.finality import FINAL, FinalDocumentError
from documents.guidance import Selection
from services import guidance as svc
from services import registry
from services import trainer_review as review_svc
from services.errors import NotFound
from services.permissions import can, require

MAX_BLOCKS = 10
STEP2_FIRST = "Kies eerst een leerbedrijf en praktijkopleider (stap 2). Daarna kunt u het begeleidingsdocument maken."


def _participant(participant_id):
    from services.participants import get_participant_for

    return get_participant_for(current_user, participant_id)


def _current_placement(participant):
    from services.placements import current_placement

    return current_placement(participant)


def participant_url(participant):
    return url_for("participants.details", pid=str(participant.pk))


def statement_url(participant):
    """Stap 4 on the participant page (its panel starts the praktijkverklaring with "Aan de slag")."""
    return participant_url(participant) + "#panel-statements"


# --- the compose form: blocks of (kwalificatie, werkprocessen, gedrag) ---------------------------------------------


class Block:
    """One kwalificatie on the compose page with what is ticked."""

    def __init__(self, crebo="", version_id="", codes=(), behaviour=()):
        self.crebo = crebo or ""
        self.version_id = version_id or ""
        self.codes = list(codes)
        self.behaviour = list(behaviour)
        self.choice = None
        self.qualification = None
        self.versions = []
        self.accreditation = None

    def selection(self):
        if not self.qualification:
            return None
        return Selection(
            crebo=self.qualification.crebo,
            qualification_id=str(self.qualification.pk),
            codes=self.codes,
            behaviour_codes=self.behaviour,
        )


def _blocks_from_form(form):
    try:
        count = max(0, min(MAX_BLOCKS, int(form.get("n_blocks", "1"))))
    except ValueError:
        count = 1
    blocks = []
    for i in range(count):
        blocks.append(
            Block(
                form.get(f"q{i}_crebo", "").strip(),
                form.get(f"q{i}_version", "").strip(),
                form.getlist(f"q{i}_wp"),
                form.getlist(f"q{i}_gedrag"),
            )
        )
    return blocks or [Block()]


def _blocks_from_doc(doc):
    return [Block(s.crebo, s.qualification_id, s.codes, s.behaviour_codes) for s in doc.selections] or [Block()]


def _resolve(blocks, placement):
    """Attach the kwalificatie (chosen version), its earlier versions and the accreditation state to each block."""
    from services.qualifications import current_qualifications, get_qualification, versions_of

    choices = current_qualifications()
    by_crebo = {c.crebo: c for c in choices}
    for block in blocks:
        if not block.crebo:
            continue
        choice = by_crebo.get(block.crebo)
        versions = [choice.current, *choice.earlier_versions] if choice else versions_of(block.crebo)
        if not versions:
            block.crebo = ""
            continue
        block.choice = choice
        block.versions = versions
        chosen = next((v for v in versions if str(v.pk) == block.version_id), versions[0])
        block.qualification = get_qualification(chosen.pk)
        block.version_id = str(chosen.pk)
        known = {wp.code for wp in block.qualification.work_processes()}
        block.codes = [c for c in block.codes if c in known]
        block.behaviour = [c for c in block.behaviour if c in block.codes]
        block.accreditation = svc.accreditation_state(placement, block.crebo)
    # Kwalificaties no longer open for intake that an existing concept uses stay selectable.
    extra = [b.versions[0] for b in blocks if b.crebo and b.choice is None]
    return choices, extra


class GuidanceView(SecureView):
    capability = "view_participants"

    def is_visible(self):
        return False

    def _render_compose(self, participant, placement, blocks, doc=None, error=None):
        choices, extra = _resolve(blocks, placement)
        return self.render(
            "guidance/compose.html",
            participant=participant,
            placement=placement,
            blocks=blocks,
            choices=choices,
            extra_choices=extra,
            doc=doc,
            error=error,
            participant_url=participant_url(participant),
        )

    def _compose(self, participant, doc=None):
        placement = svc.placement_of(doc) if doc is not None else _current_placement(participant)
        if request.method == "GET":
            blocks = _blocks_from_doc(doc) if doc is not None else [Block()]
            return self._render_compose(participant, placement, blocks, doc)
        blocks = _blocks_from_form(request.form)
        action = request.form.get("action", "save")
        if action == "add":
            if len(blocks) < MAX_BLOCKS:
                blocks.append(Block())
            return self._render_compose(participant, placement, blocks, doc)
        if action.startswith("remove:"):
            index = action.partition(":")[2]
            if index.isdigit() and int(index) < len(blocks):
                del blocks[int(index)]
            return self._render_compose(participant, placement, blocks or [Block()], doc)
        if action.startswith("extend:"):
            return self._request_extension(participant, placement, blocks, doc, action.partition(":")[2])
        if action != "save":
            return self._render_compose(participant, placement, blocks, doc)
        _resolve(blocks, placement)
        selections = [s for s in (b.selection() for b in blocks) if s is not None]
        try:
            if doc is None:
                saved = svc.create_concept(participant, current_user, selections)
                flash(
                    "Het begeleidingsdocument is opgeslagen als concept. Controleer het overzicht en rond het af.",
                    "success",
                )
            else:
                saved = svc.update_concept(doc, current_user, selections, request.form.get("version"))
                flash("De wijzigingen in het concept zijn opgeslagen.", "success")
        except (svc.GuidanceError, FinalDocumentError) as exc:
            return self._render_compose(participant, placement, blocks, doc, error=str(exc))
        return redirect(_summary_url(saved.pk))

    def _request_extension(self, participant, placement, blocks, doc, crebo):
        from services.accreditation_requests import RequestError, request_extension

        require(current_user, "make_requests")
        company = placement.company if placement is not None else None
        if company is None:
            flash("Het leerbedrijf is nog niet erkend; de erkenning is al aangevraagd bij SBB.", "warning")
        else:
            with flashing(RequestError):
                request_extension(
                    current_user,
                    company,
                    [crebo],
                    participant=participant,
                    motivation=f"Begeleidingsdocument voor {participant.full_name}: het leerbedrijf "
                    f"is nog niet erkend voor kwalificatie {crebo}.",
                )
                flash(
                    f"Het verzoek om de erkenning van {company.name} uit te breiden met crebo {crebo} is "
                    "ingediend bij SBB. U kunt het begeleidingsdocument intussen gewoon afmaken.",
                    "success",
                )
        return self._render_compose(participant, placement, blocks, doc)

    # --- pages ---------------------------------------------------------------------------------------------------

    @expose("/")
    def index(self):
        return redirect(url_for("participants.index"))

    @expose("/<participant_id>/nieuw", methods=("GET", "POST"))
    def new(self, participant_id):
        participant = _participant(participant_id)
        if _current_placement(participant) is None:
            # The wrong order, not an error: stap 2 opens with a short note.
            flash(STEP2_FIRST, "info")
            return redirect(self._step2_url(participant))
        require(current_user, "edit_participants")
        return self._compose(participant)

    def _step2_url(self, participant):
        if "step2.company" in current_app.view_functions:
            return url_for("step2.company", participant_id=str(participant.pk))
        return participant_url(participant)

    @expose("/document/<guidance_id>/wijzigen", methods=("GET", "POST"))
    def edit(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        require(current_user, "edit_participants")
        if doc.status == FINAL:
            flash(
                "Dit begeleidingsdocument is afgerond en kan niet meer worden gewijzigd. Maak zo nodig een nieuw.",
                "warning",
            )
            return redirect(_summary_url(guidance_id))
        return self._compose(doc.participant, doc)

    @expose("/document/<guidance_id>/")
    def summary(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        participant = doc.participant
        copy = svc.latest_filled_copy(doc)
        review = review_svc.current_review(doc)
        return self.render(
            "guidance/summary.html",
            doc=doc,
            participant=participant,
            snap=doc.snapshot or {},
            copy=copy,
            filled=svc.filled_copy_summary(copy),
            progress=svc.progress_table(doc),
            review=review,
            review_status=review_svc.status_of(review),
            review_expired=review_svc.is_expired(review),
            trainer_email=review_svc.default_email(doc),
            may_edit=can(current_user, "edit_participants"),
            participant_url=participant_url(participant),
            statement_url=statement_url(participant),
        )

    @expose("/document/<guidance_id>/afronden", methods=("POST",))
    def finalize(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        if request.form.get("confirm") != "ja":
            flash("Vink aan dat u begrijpt dat het document na afronden niet meer kan worden gewijzigd.", "warning")
        else:
            with flashing(svc.GuidanceError, FinalDocumentError, category="warning"):
                svc.finalize(doc, current_user)
                flash("Het begeleidingsdocument is afgerond. U kunt het nu downloaden.", "success")
        return redirect(_summary_url(guidance_id))

    @expose("/document/<guidance_id>/verwijderen", methods=("POST",))
    def delete(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        with flashing(svc.GuidanceError, FinalDocumentError, category="warning"):
            svc.delete_concept(doc, current_user)
            flash("Het concept-begeleidingsdocument is verwijderd.", "success")
        return redirect(participant_url(doc.participant))

    @expose("/document/<guidance_id>/nieuw-met-dezelfde-werkprocessen", methods=("POST",))
    def copy(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        try:
            new = svc.copy_as_new(doc, current_user)
        except (svc.GuidanceError, FinalDocumentError) as exc:
            flash(str(exc), "warning")
            return redirect(participant_url(doc.participant))
        flash("Er is een nieuw concept gemaakt met dezelfde werkprocessen en de huidige praktijkopleider.", "success")
        return redirect(_summary_url(new.pk))

    @expose("/document/<guidance_id>/pdf")
    def download(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        try:
            return download(svc.pdf(doc), svc.pdf_filename(doc))
        except svc.GuidanceError as exc:
            flash(str(exc), "danger")
            return redirect(_summary_url(guidance_id))

    @expose("/document/<guidance_id>/ingevuld", methods=("POST",))
    def upload(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        upload = uploaded()
        with flashing(svc.GuidanceError):
            svc.upload_filled_copy(
                doc, current_user, upload.filename if upload else "", upload.read() if upload else b""
            )
            flash(
                "Het ingevulde begeleidingsdocument is opgeslagen; de voortgang staat hieronder en bij de deelnemer.",
                "success",
            )
        return redirect(_summary_url(guidance_id, "ingevuld"))

    @expose("/document/<guidance_id>/ingevuld/pdf")
    def download_filled(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        copy = svc.latest_filled_copy(doc)
        if copy is None:
            return redirect(_summary_url(guidance_id))
        # The file came from outside: never shown inline, and if a browser does open it, it runs in a sandbox
        # (set here, per response; the global header hook only fills in headers a view left unset).
        name = f"ingevuld-{svc.pdf_filename(doc)}"
        return download(bytes(copy.pdf), name, headers={"Content-Security-Policy": "sandbox"})

    # --- the praktijkopleider's online review: invite, send again, revoke ----------------------------------------

    @expose("/document/<guidance_id>/praktijkopleider-uitnodigen", methods=("POST",))
    def invite_trainer(self, guidance_id):
        doc = svc.get_guidance_for(current_user, guidance_id)
        with flashing(review_svc.ReviewError):
            review, _link, mailed = review_svc.invite(doc, current_user, request.form.get("email"))
            _say_mailed(
                mailed, f"De praktijkopleider is uitgenodigd: de persoonlijke link is gemaild naar {review.email}."
            )
        return redirect(_summary_url(guidance_id, "praktijkopleider"))

    @staticmethod
    def _invitation(guidance_id, review_id):
        """The invitation the user may see, and only as part of the document in the URL (404 otherwise)."""
        doc = svc.get_guidance_for(current_user, guidance_id)
        review = review_svc.get_review_for(current_user, review_id)
        if review.guidance.pk != doc.pk:
            raise NotFound()
        return review

    @expose("/document/<guidance_id>/uitnodiging/<review_id>/opnieuw", methods=("POST",))
    def resend_invitation(self, guidance_id, review_id):
        review = self._invitation(guidance_id, review_id)
        with flashing(review_svc.ReviewError):
            review, _link, mailed = review_svc.resend(review, current_user, request.form.get("email"))
            _say_mailed(mailed, f"Er is een nieuwe link gemaild naar {review.email}; de vorige link werkt niet meer.")
        return redirect(_summary_url(guidance_id, "praktijkopleider"))

    @expose("/document/<guidance_id>/uitnodiging/<review_id>/intrekken", methods=("POST",))
    def revoke_invitation(self, guidance_id, review_id):
        review = self._invitation(guidance_id, review_id)
        with flashing(review_svc.ReviewError):
            review_svc.revoke(review, current_user)
            flash("De uitnodiging is ingetrokken: de link werkt niet meer.", "success")
        return redirect(_summary_url(guidance_id, "praktijkopleider"))


def _summary_url(guidance_id, anchor=None):
    return url_for("guidance.summary", guidance_id=str(guidance_id)) + (f"#{anchor}" if anchor else "")


def _say_mailed(mailed, text):
    """The invitation's outcome: `text` when the mail went out, else that it could not be sent."""
    if mailed:
        flash(text, "success")
    else:
        flash(review_svc.MAIL_FAILED, "warning")


# --- extension points: participant page panel, overview column, what goes with a deleted participant -------------


def participant_panel(participant, user):
    docs = svc.documents_of(participant)
    placement = _current_placement(participant)
    copies = svc.latest_filled_copies(docs)
    progress = svc.progress_entries_of(docs, copies)  # one query for all documents, not one per document
    reviews = review_svc.reviews_of_many([doc for doc in docs if doc.status == FINAL])  # likewise
    items = []
    for doc in docs:
        copy = copies.get(doc.pk)
        items.append(
            {
                "doc": doc,
                "snap": doc.snapshot or {},
                "filled": copy,
                "progress": svc.progress_table(doc, progress[doc.pk]),
                "review_status": review_svc.status_of(reviews[doc.pk]) if doc.status == FINAL else "",
                "trainer_changed": svc.trainer_changed(doc, placement),
            }
        )
    newest_per_selection = any(i["trainer_changed"] for i in items[:1])
    return {
        "order": 3,
        "template": "guidance/_participant_panel.html",
        "documents": items,
        "placement": placement,
        "trainer_changed": newest_per_selection,
        "may_edit_guidance": can(user, "edit_participants"),
        "new_url": url_for("guidance.new", participant_id=str(participant.pk)),
    }


def participant_dependents(participant):
    total, final = svc.counts(participant)
    if not total:
        return []
    return [(f"{noun(total, 'begeleidingsdocument', 'begeleidingsdocumenten')} ({final} afgerond)", total)]


def overview_column(participant_ids):
    return svc.latest_status(participant_ids)


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    admin.add_view(
        GuidanceView(
            name="Begeleidingsdocument", category="Deelnemers", endpoint="guidance", url="/begeleidingsdocument"
        )
    )
    registry.PARTICIPANT_PANELS.append(participant_panel)
    registry.PARTICIPANT_OVERVIEW_COLUMNS.append(("begeleidingsdocument", "Begeleidingsdocument", overview_column))
    registry.PARTICIPANT_DEPENDENTS.append(participant_dependents)
