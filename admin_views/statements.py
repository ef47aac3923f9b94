"""Stap 4 Praktijkverklaring: the wizard (4.1-4.5), downloads, delete, the participant panel and overview column,
and the SBB screen for branch organisations. Thin: read input, call services.statements, render.

Endpoints:
  statements.start(pid)              POST "Aan de slag": a new concept, then 4.1
  statements.education_form(sid)     4.1   statements.work_processes(sid)  4.2   statements.hours(sid)  4.3
  statements.logos(sid)              4.4   statements.summary(sid)         4.5
  statements.download(sid)           the final PDF (exact stored bytes) or a concept PDF
  statements.delete(sid)             confirmation page and the delete itself
"""

from functools import wraps

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from wtforms import FileField

from admin_views.base import SecureModelView, SecureView
from admin_views.filters import noun
from admin_views.forms import download, flash_problems, flashing, uploaded
from documents.constants import EDUCATION_FORMS, STATEMENT_STATUSES, label
from documents.files import StoredFile, has_file
from documents.finality import CONCEPT, FINAL, FinalDocumentError
from documents.guidance import GuidanceDocument
from documents.statements import BranchOrganisation
from services import audit, registry, statement_data, trainer_review
from services import statements as svc
from services.ids import parse_object_id
from services.images import MAX_LOGO_BYTES, ImageError, attach_logo
from services.permissions import can, require

STEPS = (
    ("education_form", "4.1 Onderwijsvorm"),
    ("work_processes", "4.2 Behaalde werkprocessen"),
    ("hours", "4.3 BPV-uren"),
    ("logos", "4.4 Logo's"),
    ("summary", "4.5 Definitief maken"),
)
STEP_NAMES = [name for name, _label in STEPS]


STEP2_FIRST = "Kies eerst een leerbedrijf en praktijkopleider (stap 2). Daarna kunt u de praktijkverklaring maken."
# Read one byte past the limit: a bigger file gets the size message instead of being cut off.
MAX_LOGO_READ = MAX_LOGO_BYTES + 1


def _participant_url(statement_or_participant):
    participant = getattr(statement_or_participant, "participant", statement_or_participant)
    return url_for("participants.details", pid=participant.pk)


def _step_url(step, statement):
    return url_for(f"statements.{step}", sid=statement.pk)


def _file_name(statement):
    person = statement.participant.full_name.replace(" ", "-")
    if statement.status == FINAL:
        return f"praktijkverklaring-{statement.number}-{person}.pdf"
    return f"praktijkverklaring-concept-{person}.pdf"


def concept_step(view):
    """A page that edits a concept: the view gets the statement instead of its id.

    Editors only (403), of the user's own school (404 otherwise); a statement that is final, or became final in
    another tab while this form was open, goes back to the participant with a note.
    """

    @wraps(view)
    def step(self, sid):
        require(current_user, "edit_participants")
        statement = svc.get_statement_for(current_user, sid)
        if statement.status != CONCEPT:
            flash("Deze praktijkverklaring is definitief en kan niet meer worden gewijzigd.", "warning")
            return redirect(_participant_url(statement))
        try:
            return view(self, statement)
        except FinalDocumentError as exc:
            flash(str(exc), "warning")
            return redirect(_participant_url(statement))

    return step


class StatementWizardView(SecureView):
    capability = "view_participants"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("participants.index"))

    # --- helpers -------------------------------------------------------------------------------------------

    def _statement(self, sid):
        return svc.get_statement_for(current_user, sid)

    def _page(self, template, statement, step, **context):
        return self.render(
            template, statement=statement, participant=statement.participant, steps=STEPS, step=step, **context
        )

    def _next(self, statement, this_step):
        """After a saved step: the step before ("back"), this one again ("stay") or the next one."""
        here = STEP_NAMES.index(this_step)
        go = request.form.get("go")
        there = here if go == "stay" else max(0, here - 1) if go == "back" else min(len(STEPS) - 1, here + 1)
        return redirect(_step_url(STEP_NAMES[there], statement))

    def _update(self, statement, **changes):
        """Save fields of the concept as this form saw it (a concept changed since is refused)."""
        user = current_user._get_current_object()
        return svc.update_concept(statement, user, expected_version=request.form.get("version"), **changes)

    # --- start ---------------------------------------------------------------------------------------------

    @expose("/nieuw/<pid>", methods=("POST",))
    def start(self, pid):
        from services.participants import get_participant_for

        require(current_user, "edit_participants")
        participant = get_participant_for(current_user, pid)
        try:
            statement = svc.create_concept(participant, current_user._get_current_object())
        except svc.PlacementMissing:
            # Not an error but the wrong order: take the user to stap 2 and say why.
            flash(STEP2_FIRST, "info")
            return redirect(url_for("step2.company", participant_id=str(participant.pk)))
        except svc.StatementError as exc:
            flash(str(exc), "danger")
            return redirect(_participant_url(participant))
        return redirect(_step_url("education_form", statement))

    # --- 4.1 onderwijsvorm ---------------------------------------------------------------------------------

    @expose("/<sid>/onderwijsvorm", methods=("GET", "POST"))
    @concept_step
    def education_form(self, statement):
        if request.method == "POST":
            try:
                saved = self._update(statement, education_form=request.form.get("education_form"))
            except svc.StatementError as exc:
                flash_problems(exc)
            else:
                return self._next(saved, "education_form")
        forms = svc.education_forms_for(statement.institution)
        return self._page("statements/step_education_form.html", statement, "education_form", forms=forms)

    # --- 4.2 behaalde werkprocessen ------------------------------------------------------------------------

    @expose("/<sid>/werkprocessen", methods=("GET", "POST"))
    @concept_step
    def work_processes(self, statement):
        from services import qualifications as qsvc

        if request.method == "POST":
            action = request.form.get("action", "save")
            if action in ("review_take_over", "review_print"):
                return self._trainer_review_action(statement, action)
            try:
                saved = self._save_work_processes(statement, action)
            except svc.StatementError as exc:
                flash_problems(exc)
            else:
                if action != "save":
                    return redirect(_step_url("work_processes", saved))
                if saved.werkproces_count == 0 and request.form.get("go") != "back":
                    flash("Kies ten minste één behaald werkproces.", "danger")
                    return redirect(_step_url("work_processes", saved))
                return self._next(saved, "work_processes")
        company = statement_data.company_of(statement_data.placement_of(statement))
        blocks = [
            {
                "selection": selection,
                "qualification": qualification,
                "chosen": set(selection.codes),
                "accredited": company.is_accredited_for(selection.crebo) if company is not None else None,
            }
            for selection in statement.selections
            if (qualification := statement_data.qualification_of(selection)) is not None
        ]
        on_statement = {s.crebo for s in statement.selections}
        return self._page(
            "statements/step_work_processes.html",
            statement,
            "work_processes",
            blocks=blocks,
            choices=[c for c in qsvc.current_qualifications() if c.crebo not in on_statement],
            guidance_docs=list(GuidanceDocument.objects(participant=statement.participant).order_by("-created_at")),
            company=company,
            review_docs=trainer_review.reviewed_documents(statement.participant),
            signed_review=trainer_review.signed_review(statement.source_guidance),
        )

    def _save_work_processes(self, statement, action):
        """4.2 posted: take a begeleidingsdocument over, or save the ticks (and add or remove a kwalificatie)."""
        from services import qualifications as qsvc

        user = current_user._get_current_object()
        version = request.form.get("version")
        if action == "take_over":
            guidance = svc.participant_guidance(statement, request.form.get("guidance"))
            saved = svc.take_over_guidance(statement, user, guidance, expected_version=version)
            flash(
                f"De werkprocessen van {guidance} zijn overgenomen. Pas ze zo nodig aan en klik op Volgende.",
                "success",
            )
            return saved
        # The ticked werkprocessen of each kwalificatie come as wp-<crebo>.
        ticked = {s.crebo: request.form.getlist(f"wp-{s.crebo}") for s in statement.selections}
        selections = svc.ticked_selections(statement, ticked)
        if action == "add_qualification":
            with flashing(svc.StatementError):  # the ticks are saved all the same
                chosen = qsvc.get_qualification(request.form.get("qualification"))
                selections = svc.with_qualification(selections, chosen)
        elif action.startswith("remove:"):
            selections = [s for s in selections if s["crebo"] != action.partition(":")[2]]
        return svc.set_selections(statement, user, selections, expected_version=version)

    def _trainer_review_action(self, statement, action):
        """Stap 4.2: take over what the praktijkopleider marked "wel", or choose to print the sign-off date."""
        user = current_user._get_current_object()
        version = request.form.get("version")
        with flashing(trainer_review.ReviewError, FinalDocumentError, svc.StatementError):
            if action == "review_take_over":
                doc = svc.participant_guidance(statement, request.form.get("guidance"))
                trainer_review.take_over(statement, user, doc, expected_version=version)
                flash(
                    "De werkprocessen die de praktijkopleider als 'wel' beheerst heeft beoordeeld, zijn "
                    "overgenomen. Pas ze zo nodig aan en klik op Volgende.",
                    "success",
                )
            else:
                printed = request.form.get("print_trainer_review") == "ja"
                trainer_review.set_print_line(statement, user, printed, expected_version=version)
                flash(
                    "De verklaring vermeldt de beoordeling door de praktijkopleider."
                    if printed
                    else "De verklaring vermeldt de beoordeling door de praktijkopleider niet.",
                    "success",
                )
        return redirect(_step_url("work_processes", statement))

    # --- 4.3 BPV-uren --------------------------------------------------------------------------------------

    @expose("/<sid>/uren", methods=("GET", "POST"))
    @concept_step
    def hours(self, statement):
        value = "" if statement.bpv_hours is None else str(statement.bpv_hours)
        error = None
        if request.method == "POST":
            value = request.form.get("bpv_hours", "")
            try:
                saved = self._update(statement, bpv_hours=value)
            except svc.StatementError as exc:
                error = str(exc)
            else:
                return self._next(saved, "hours")
        return self._page("statements/step_hours.html", statement, "hours", value=value, error=error)

    # --- 4.4 logo's ----------------------------------------------------------------------------------------

    @expose("/<sid>/logos", methods=("GET", "POST"))
    @concept_step
    def logos(self, statement):
        error = None
        if request.method == "POST":
            action = request.form.get("action", "save")
            try:
                saved = self._save_logos(statement, action)
            except svc.StatementError as exc:
                error = str(exc)
            else:
                return self._next(saved, "logos") if action == "save" else redirect(_step_url("logos", saved))
        return self._page(
            "statements/step_logos.html",
            statement,
            "logos",
            error=error,
            registry_logo=svc.has_registry_logo(statement),
            company=statement_data.company_of(statement_data.placement_of(statement)),
            branches=[b for b in svc.active_branch_organisations() if has_file(b, "logo")],
            chosen={str(b.pk) for b in statement.branch_organisations if b is not None},
        )

    def _save_logos(self, statement, action):
        """4.4 posted: remove the uploaded logo, or upload one (when chosen) and save the ticked branch logos."""
        user = current_user._get_current_object()
        version = request.form.get("version")
        if action == "remove_logo":
            saved = svc.remove_company_logo(statement, user, expected_version=version)
            flash("Het geüploade logo is weggehaald.", "success")
            return saved
        upload = uploaded("company_logo")
        if upload is not None:
            statement = svc.set_company_logo(statement, user, upload.read(MAX_LOGO_READ), expected_version=version)
            version = statement.version
            flash("Het logo van het leerbedrijf is toegevoegd voor deze praktijkverklaring.", "success")
        elif action == "upload":
            raise svc.StatementError("Kies een afbeelding (JPG of PNG) om te uploaden.")
        return svc.set_branch_organisations(statement, user, request.form.getlist("branch"), expected_version=version)

    @expose("/<sid>/bedrijfslogo")
    def company_logo(self, sid):
        statement = self._statement(sid)
        own = has_file(statement, "company_logo")
        data = statement.company_logo if own else svc.registry_logo(statement)
        if not data:
            abort(404)
        mimetype = statement.company_logo_type if own else "image/png"
        if not own:
            company = statement_data.company_of(statement_data.placement_of(statement))
            mimetype = getattr(company, "logo_type", None) or "image/png"
        return Response(data, mimetype=mimetype, headers={"Cache-Control": "private, max-age=60"})

    @expose("/branchelogo/<bid>")
    def branch_logo(self, bid):
        org = BranchOrganisation.objects(pk=bid).first() if parse_object_id(bid) is not None else None
        data = org.logo if org is not None else None
        if not data:
            abort(404)
        return Response(data, mimetype=org.logo_type or "image/png", headers={"Cache-Control": "private, max-age=300"})

    # --- 4.5 summary, concept, definitief ------------------------------------------------------------------

    @expose("/<sid>/samenvatting")
    @concept_step
    def summary(self, statement):
        data = statement_data.build(statement)
        return self._page(
            "statements/step_summary.html",
            statement,
            "summary",
            data=data,
            problems=svc.readiness_problems(statement),
            concept_problems=svc.concept_problems(statement),
            company_logo=bool(data["company"].get("logo")),
            school_logo=bool(data["institution"].get("logo")),
        )

    @expose("/<sid>/concept.pdf")
    def concept(self, sid):
        statement = self._statement(sid)
        if statement.status != CONCEPT:
            return redirect(_step_url("download", statement))
        try:
            return download(svc.concept_pdf(statement), _file_name(statement))
        except svc.StatementError as exc:
            flash_problems(exc)
            return redirect(_step_url("summary", statement))

    @expose("/<sid>/definitief", methods=("POST",))
    @concept_step
    def finalize(self, statement):
        if request.form.get("confirm") != "ja":
            flash(
                "Bevestig eerst dat u de gegevens hebt gecontroleerd: na Definitief maken kan er niets meer "
                "worden gewijzigd.",
                "danger",
            )
            return redirect(_step_url("summary", statement))
        try:
            final = svc.finalize(statement, current_user._get_current_object())
        except svc.StatementError as exc:
            flash_problems(exc)
            return redirect(_step_url("summary", statement))
        flash(f"De praktijkverklaring is definitief gemaakt met nummer {final.number}.", "success")
        return redirect(_step_url("done", final))

    @expose("/<sid>/klaar")
    def done(self, sid):
        statement = self._statement(sid)
        if statement.status != FINAL:
            return redirect(_step_url("summary", statement))
        from services.urls import external_url

        return self._page(
            "statements/done.html",
            statement,
            None,
            verification_url=external_url("verification.verify", code=statement.verification_code),
        )

    @expose("/<sid>/pdf")
    def download(self, sid):
        statement = self._statement(sid)
        if statement.status != FINAL:
            return redirect(_step_url("concept", statement))
        return download(svc.final_pdf(statement), _file_name(statement))

    # --- delete --------------------------------------------------------------------------------------------

    @expose("/<sid>/verwijderen", methods=("GET", "POST"))
    def delete(self, sid):
        require(current_user, "edit_participants")
        statement = self._statement(sid)
        user = current_user._get_current_object()
        refusal = svc.delete_refusal_reason(user, statement)
        errors = []
        if request.method == "POST" and not refusal:
            try:
                svc.delete_statement(
                    statement,
                    user,
                    taken_back=request.form.get("taken_back") == "ja",
                    reason=request.form.get("reason"),
                )
            except svc.StatementError as exc:
                errors = exc.problems
            else:
                if statement.status == FINAL:
                    flash(
                        f"Praktijkverklaring {statement.number} is verwijderd en staat op de verificatiepagina "
                        "als ingetrokken.",
                        "success",
                    )
                else:
                    flash("De concept-praktijkverklaring is verwijderd.", "success")
                return redirect(_participant_url(statement))
        return self._page(
            "statements/delete.html",
            statement,
            None,
            refusal=refusal,
            errors=errors,
            reason=request.form.get("reason", ""),
        )


# --- participant page, overview, dependents ---------------------------------------------------------------


def participant_panel(participant, user):
    rows = [
        {
            "s": s,
            "status": label(STATEMENT_STATUSES, s.status),
            "refusal": svc.delete_refusal_reason(user, s),
            "form": label(EDUCATION_FORMS, s.education_form) if s.education_form else "",
        }
        for s in svc.panel_statements(participant)
    ]
    return {
        "order": 4,
        "template": "statements/_participant_panel.html",
        "statement_rows": rows,
        "may_edit_statements": can(user, "edit_participants") and not participant.archived_at,
        "statements_archived": bool(participant.archived_at),
    }


def dependents(participant):
    total, final = svc.counts(participant)
    if not total:
        return []
    text = (
        f"{noun(total, 'praktijkverklaring', 'praktijkverklaringen')} (waarvan {final} definitief; "
        "die worden op de verificatiepagina ingetrokken)"
    )
    return [(text, total)]


# --- SBB: branch organisations ----------------------------------------------------------------------------


class BranchOrganisationView(SecureModelView):
    capability = "manage_registry"
    edit_capability = "manage_registry"
    column_list = ("name", "logo", "created_at")
    column_labels = {"logo": "Logo", "created_at": "Toegevoegd op"}
    column_searchable_list = ("name",)
    column_default_sort = "name"
    form_columns = ("name", "logo_upload")
    form_extra_fields = {"logo_upload": FileField("Logo (JPG of PNG, hoogstens 2 MB)")}

    def _logo_formatter(view, context, model, name):
        if not has_file(model, "logo"):
            return "-"
        return Markup('<img src="{}" alt="Logo {}" style="max-height:40px;max-width:120px">').format(
            url_for("statements.branch_logo", bid=model.pk), model.name
        )

    column_formatters = {"logo": _logo_formatter}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        upload = form.logo_upload.data
        if upload is not None and getattr(upload, "filename", ""):
            try:
                model._replaced_logo = attach_logo(model, upload.read(MAX_LOGO_READ))
            except ImageError as exc:
                raise ValueError(str(exc)) from None
        elif is_created:
            raise ValueError("Kies een logo (JPG of PNG).")

    def after_model_change(self, form, model, is_created):
        StoredFile.discard(getattr(model, "_replaced_logo", None))  # the logo it replaced
        audit.record("create" if is_created else "update", model, label=f"Branchelogo {model.name}")

    def after_model_delete(self, model):
        audit.record("delete", model, label=f"Branchelogo {model.name}")


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    admin.add_view(StatementWizardView(name="Praktijkverklaring", endpoint="statements", url="/praktijkverklaringen"))
    admin.add_view(
        BranchOrganisationView(
            BranchOrganisation,
            name="Branchelogo's",
            category="Beheer",
            endpoint="branch_organisations",
            url="/beheer/branchelogos",
        )
    )
    registry.PARTICIPANT_PANELS.append(participant_panel)
    registry.PARTICIPANT_OVERVIEW_COLUMNS.append(("statement", "Praktijkverklaring", svc.latest_status))
    registry.PARTICIPANT_DEPENDENTS.append(dependents)
