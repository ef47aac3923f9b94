"""Stap 4 Praktijkverklaring: the wizard (4.1-4.5), downloads, delete, the participant panel and overview column,
and the SBB screen for branch organisations. Thin: read input, call services.statements, render.

Endpoints:
  statements.start(pid)              POST "Aan de slag": a new concept, then 4.1
  statements.education_form(sid)     4.1   statements.work_processes(sid)  4.2   statements.hours(sid)  4.3
  statements.logos(sid)              4.4   statements.summary(sid)         4.5
  statements.download(sid)           the final PDF (exact stored bytes) or a concept PDF
  statements.delete(sid)             confirmation page and the delete itself
"""

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from wtforms import FileField

from admin_views.base import SecureModelView, SecureView
from admin_views.filters import noun
from core.filenames import attachment
from documents.constants import EDUCATION_FORMS, STATEMENT_STATUSES, label
from documents.files import StoredFile, has_file
from documents.finality import CONCEPT, FINAL, FinalDocumentError
from documents.guidance import GuidanceDocument
from documents.statements import BranchOrganisation, PracticeStatement
from services import audit, registry, statement_data, trainer_review
from services import statements as svc
from services.ids import parse_object_id
from services.images import ImageError, attach_logo
from services.permissions import can

STEPS = (
    ("education_form", "4.1 Onderwijsvorm"),
    ("work_processes", "4.2 Behaalde werkprocessen"),
    ("hours", "4.3 BPV-uren"),
    ("logos", "4.4 Logo's"),
    ("summary", "4.5 Definitief maken"),
)


STEP2_FIRST = "Kies eerst een leerbedrijf en praktijkopleider (stap 2). Daarna kunt u de praktijkverklaring maken."


def _participant_url(statement_or_participant):
    participant = getattr(statement_or_participant, "participant", statement_or_participant)
    return url_for("participants.details", pid=participant.pk)


def _pdf_response(data, name):
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": attachment(name), "Cache-Control": "no-store"},
    )


def _file_name(statement):
    person = statement.participant.full_name.replace(" ", "-")
    if statement.status == FINAL:
        return f"praktijkverklaring-{statement.number}-{person}.pdf"
    return f"praktijkverklaring-concept-{person}.pdf"


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

    def _editable(self, sid):
        """The concept for a wizard step (404 for another school; a final one goes back to the participant)."""
        if not can(current_user, "edit_participants"):
            abort(403)
        statement = self._statement(sid)
        if statement.status != CONCEPT:
            flash("Deze praktijkverklaring is definitief en kan niet meer worden gewijzigd.", "warning")
            return statement, redirect(_participant_url(statement))
        return statement, None

    def _page(self, template, statement, step, **context):
        return self.render(
            template, statement=statement, participant=statement.participant, steps=STEPS, step=step, **context
        )

    def _after_save(self, statement, this_step):
        if request.form.get("go") == "back":
            names = [s for s, _l in STEPS]
            target = names[max(0, names.index(this_step) - 1)]
        elif request.form.get("go") == "stay":
            target = this_step
        else:
            names = [s for s, _l in STEPS]
            target = names[min(len(names) - 1, names.index(this_step) + 1)]
        return redirect(url_for(f"statements.{target}", sid=statement.pk))

    def _stale_or_error(self, exc, statement, step):
        if isinstance(exc, FinalDocumentError):
            flash(str(exc), "warning")
            return redirect(_participant_url(statement))
        for problem in exc.problems:
            flash(problem, "danger")
        return None

    # --- start ---------------------------------------------------------------------------------------------

    @expose("/nieuw/<pid>", methods=("POST",))
    def start(self, pid):
        from services.participants import get_participant_for

        if not can(current_user, "edit_participants"):
            abort(403)
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
        return redirect(url_for("statements.education_form", sid=statement.pk))

    # --- 4.1 onderwijsvorm ---------------------------------------------------------------------------------

    @expose("/<sid>/onderwijsvorm", methods=("GET", "POST"))
    def education_form(self, sid):
        statement, leave = self._editable(sid)
        if leave:
            return leave
        forms = svc.education_forms_for(statement.institution)
        if request.method == "POST":
            choice = request.form.get("education_form")
            if not choice:
                flash("Kies de onderwijsvorm die past bij de deelnemer.", "danger")
            else:
                try:
                    statement = svc.update_concept(
                        statement,
                        current_user._get_current_object(),
                        expected_version=request.form.get("version"),
                        education_form=choice,
                    )
                except (svc.StatementError, FinalDocumentError) as exc:
                    leave = self._stale_or_error(exc, statement, "education_form")
                    if leave:
                        return leave
                else:
                    return self._after_save(statement, "education_form")
        return self._page("statements/step_education_form.html", statement, "education_form", forms=forms)

    # --- 4.2 behaalde werkprocessen ------------------------------------------------------------------------

    @expose("/<sid>/werkprocessen", methods=("GET", "POST"))
    def work_processes(self, sid):
        from services import qualifications as qsvc

        statement, leave = self._editable(sid)
        if leave:
            return leave
        user = current_user._get_current_object()
        if request.method == "POST":
            action = request.form.get("action", "save")
            version = request.form.get("version")
            try:
                if action in ("review_take_over", "review_print"):
                    return self._trainer_review_action(statement, user, action, version)
                if action == "take_over":
                    guidance = (
                        GuidanceDocument.objects(
                            pk=request.form.get("guidance"), participant=statement.participant
                        ).first()
                        if parse_object_id(request.form.get("guidance")) is not None
                        else None
                    )
                    statement = svc.take_over_guidance(statement, user, guidance, expected_version=version)
                    flash(
                        f"De werkprocessen van {guidance} zijn overgenomen. Pas ze zo nodig aan en klik op Volgende.",
                        "success",
                    )
                    return redirect(url_for("statements.work_processes", sid=statement.pk))
                selections = _selections_from_form(statement)
                if action == "add_qualification":
                    chosen = qsvc.get_qualification(request.form.get("qualification"))
                    if chosen is None:
                        flash("Kies een kwalificatie om toe te voegen.", "danger")
                    elif any(s["crebo"] == chosen.crebo for s in selections):
                        flash(f"Kwalificatie {chosen.crebo} staat al op de verklaring.", "warning")
                    else:
                        selections.append(
                            {
                                "crebo": chosen.crebo,
                                "qualification_id": str(chosen.pk),
                                "codes": [],
                                "behaviour_codes": [],
                            }
                        )
                elif action.startswith("remove:"):
                    crebo = action.split(":", 1)[1]
                    selections = [s for s in selections if s["crebo"] != crebo]
                statement = svc.set_selections(statement, user, selections, expected_version=version)
            except (svc.StatementError, FinalDocumentError) as exc:
                leave = self._stale_or_error(exc, statement, "work_processes")
                if leave:
                    return leave
            else:
                if action == "save":
                    if statement.werkproces_count == 0 and request.form.get("go") != "back":
                        flash("Kies ten minste één behaald werkproces.", "danger")
                    else:
                        return self._after_save(statement, "work_processes")
                return redirect(url_for("statements.work_processes", sid=statement.pk))
        placement = statement_data.placement_of(statement)
        company = statement_data.company_of(placement)
        blocks = []
        for selection in statement.selections:
            qualification = statement_data.qualification_of(selection)
            if qualification is None:
                continue
            blocks.append(
                {
                    "selection": selection,
                    "qualification": qualification,
                    "chosen": set(selection.codes),
                    "accredited": company.is_accredited_for(selection.crebo) if company is not None else None,
                }
            )
        on_statement = {s.crebo for s in statement.selections}
        choices = [c for c in qsvc.current_qualifications() if c.crebo not in on_statement]
        guidance_docs = list(GuidanceDocument.objects(participant=statement.participant).order_by("-created_at"))
        return self._page(
            "statements/step_work_processes.html",
            statement,
            "work_processes",
            blocks=blocks,
            choices=choices,
            guidance_docs=guidance_docs,
            company=company,
            review_docs=trainer_review.reviewed_documents(statement.participant),
            signed_review=trainer_review.signed_review(statement.source_guidance),
        )

    def _trainer_review_action(self, statement, user, action, version):
        """Stap 4.2: take over what the praktijkopleider marked "wel", or choose to print the sign-off date."""
        try:
            if action == "review_take_over":
                doc = (
                    GuidanceDocument.objects(pk=request.form.get("guidance"), participant=statement.participant).first()
                    if parse_object_id(request.form.get("guidance")) is not None
                    else None
                )
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
        except (trainer_review.ReviewError, FinalDocumentError) as exc:
            flash(str(exc), "danger")
        except svc.StatementError as exc:
            for problem in getattr(exc, "problems", None) or [str(exc)]:
                flash(problem, "danger")
        return redirect(url_for("statements.work_processes", sid=statement.pk))

    # --- 4.3 BPV-uren --------------------------------------------------------------------------------------

    @expose("/<sid>/uren", methods=("GET", "POST"))
    def hours(self, sid):
        statement, leave = self._editable(sid)
        if leave:
            return leave
        value = "" if statement.bpv_hours is None else str(statement.bpv_hours)
        error = None
        if request.method == "POST":
            value = request.form.get("bpv_hours", "")
            try:
                statement = svc.update_concept(
                    statement,
                    current_user._get_current_object(),
                    expected_version=request.form.get("version"),
                    bpv_hours=value,
                )
            except FinalDocumentError as exc:
                return self._stale_or_error(exc, statement, "hours")
            except svc.StatementError as exc:
                error = str(exc)
            else:
                return self._after_save(statement, "hours")
        return self._page("statements/step_hours.html", statement, "hours", value=value, error=error)

    # --- 4.4 logo's ----------------------------------------------------------------------------------------

    @expose("/<sid>/logos", methods=("GET", "POST"))
    def logos(self, sid):
        statement, leave = self._editable(sid)
        if leave:
            return leave
        user = current_user._get_current_object()
        error = None
        if request.method == "POST":
            version = request.form.get("version")
            action = request.form.get("action", "save")
            try:
                if action == "remove_logo":
                    statement = svc.remove_company_logo(statement, user, expected_version=version)
                    flash("Het geüploade logo is weggehaald.", "success")
                    return redirect(url_for("statements.logos", sid=statement.pk))
                upload = request.files.get("company_logo")
                if upload is not None and upload.filename:
                    statement = svc.set_company_logo(
                        statement, user, upload.read(svc_max_read()), expected_version=version
                    )
                    version = statement.version
                    flash("Het logo van het leerbedrijf is toegevoegd voor deze praktijkverklaring.", "success")
                elif action == "upload":
                    raise svc.StatementError("Kies een afbeelding (JPG of PNG) om te uploaden.")
                statement = svc.set_branch_organisations(
                    statement, user, request.form.getlist("branch"), expected_version=version
                )
            except FinalDocumentError as exc:
                return self._stale_or_error(exc, statement, "logos")
            except svc.StatementError as exc:
                error = str(exc)
            else:
                if action == "upload":
                    return redirect(url_for("statements.logos", sid=statement.pk))
                return self._after_save(statement, "logos")
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
    def summary(self, sid):
        statement, leave = self._editable(sid)
        if leave:
            return leave
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
            return redirect(url_for("statements.download", sid=statement.pk))
        try:
            data = svc.concept_pdf(statement)
        except svc.StatementError as exc:
            for problem in exc.problems:
                flash(problem, "danger")
            return redirect(url_for("statements.summary", sid=statement.pk))
        return _pdf_response(data, _file_name(statement))

    @expose("/<sid>/definitief", methods=("POST",))
    def finalize(self, sid):
        statement, leave = self._editable(sid)
        if leave:
            return leave
        if request.form.get("confirm") != "ja":
            flash(
                "Bevestig eerst dat u de gegevens hebt gecontroleerd: na Definitief maken kan er niets meer "
                "worden gewijzigd.",
                "danger",
            )
            return redirect(url_for("statements.summary", sid=statement.pk))
        try:
            final = svc.finalize(statement, current_user._get_current_object())
        except svc.StatementError as exc:
            for problem in exc.problems:
                flash(problem, "danger")
            return redirect(url_for("statements.summary", sid=statement.pk))
        flash(f"De praktijkverklaring is definitief gemaakt met nummer {final.number}.", "success")
        return redirect(url_for("statements.done", sid=final.pk))

    @expose("/<sid>/klaar")
    def done(self, sid):
        statement = self._statement(sid)
        if statement.status != FINAL:
            return redirect(url_for("statements.summary", sid=statement.pk))
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
            return redirect(url_for("statements.concept", sid=statement.pk))
        return _pdf_response(svc.final_pdf(statement), _file_name(statement))

    # --- delete --------------------------------------------------------------------------------------------

    @expose("/<sid>/verwijderen", methods=("GET", "POST"))
    def delete(self, sid):
        if not can(current_user, "edit_participants"):
            abort(403)
        statement = self._statement(sid)
        user = current_user._get_current_object()
        refusal = svc.delete_refusal_reason(user, statement)
        errors = []
        if request.method == "POST" and not refusal:
            participant_url = _participant_url(statement)
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
                return redirect(participant_url)
        return self._page(
            "statements/delete.html",
            statement,
            None,
            refusal=refusal,
            errors=errors,
            reason=request.form.get("reason", ""),
        )


def svc_max_read():
    # Read a little more than allowed, so a too-big file gets the size message instead of being cut off.
    from services.images import MAX_LOGO_BYTES

    return MAX_LOGO_BYTES + 1


def _selections_from_form(statement):
    """The ticked werkprocessen per kwalificatie on the statement (codes posted as wp-<crebo>)."""
    selections = []
    for sel in statement.selections:
        codes = request.form.getlist(f"wp-{sel.crebo}")
        selections.append(
            {
                "crebo": sel.crebo,
                "qualification_id": sel.qualification_id,
                "codes": codes,
                "behaviour_codes": [c for c in sel.behaviour_codes if c in codes],
            }
        )
    return selections


# --- participant page, overview, dependents ---------------------------------------------------------------


def participant_panel(participant, user):
    # The panel needs no PDF, logo or snapshot; references load only when read (may_delete compares stored ids).
    statements = list(
        PracticeStatement.objects(participant=participant)
        .exclude("pdf_inline", "company_logo_inline", "snapshot")
        .order_by("-created_at")
    )
    rows = [
        {
            "s": s,
            "status": label(STATEMENT_STATUSES, s.status),
            "refusal": svc.delete_refusal_reason(user, s),
            "form": label(EDUCATION_FORMS, s.education_form) if s.education_form else "",
        }
        for s in statements
    ]
    return {
        "order": 4,
        "template": "statements/_participant_panel.html",
        "statement_rows": rows,
        "may_edit_statements": can(user, "edit_participants") and not participant.archived_at,
        "statements_archived": bool(participant.archived_at),
    }


def overview_status(participant_ids):
    """Status of each participant's latest statement, in one query for the whole page."""
    if not participant_ids:
        return {}
    rows = (
        PracticeStatement.objects(participant__in=list(participant_ids))
        .only("participant", "status", "created_at")
        .order_by("participant", "-created_at")
        .as_pymongo()
    )
    latest = {}
    for row in rows:
        latest.setdefault(row["participant"], label(STATEMENT_STATUSES, row["status"]))
    return latest


def dependents(participant):
    total = PracticeStatement.objects(participant=participant).count()
    final = PracticeStatement.objects(participant=participant, status=FINAL).count()
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
    column_labels = {"name": "Naam", "logo": "Logo", "created_at": "Toegevoegd op"}
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
                model._replaced_logo = attach_logo(model, upload.read(svc_max_read()))
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
    # The registry lists live in a module: every app a test creates registers again, so add each entry once.
    if participant_panel not in registry.PARTICIPANT_PANELS:
        registry.PARTICIPANT_PANELS.append(participant_panel)
    if not any(key == "statement" for key, _h, _f in registry.PARTICIPANT_OVERVIEW_COLUMNS):
        registry.PARTICIPANT_OVERVIEW_COLUMNS.append(("statement", "Praktijkverklaring", overview_status))
    if dependents not in registry.PARTICIPANT_DEPENDENTS:
        registry.PARTICIPANT_DEPENDENTS.append(dependents)
