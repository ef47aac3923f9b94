"""Stap 1 Deelnemers: the overview (Actueel/Archief), new/edit forms, participant page, archive, delete,
export and the bulk import. Thin: read input, call services.participants / services.participant_import, render.

Endpoints other areas may link to:
  participants.index                    the deelnemersoverzicht (?tab=archief, q, groep, school, sort, ...)
  participants.details(pid)             the participant page (steps 2-4 add panels through the registry)
  participants.edit(pid)                edit the participant's data
  participants.new_intro                "+ Nieuwe deelnemer" (explanation, then the form)
  participant_import.index              "Bulk import"
"""

import math

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from admin_views.base import SecureView
from documents.institutions import Institution
from services import audit, registry, spreadsheet
from services import participant_import as importer
from services import participants as svc
from services.clock import utcnow
from services.ids import ref_id
from services.permissions import can, sees_all_institutions
from services.urls import local_url

CATEGORY = "Deelnemers"
PAGE_SIZES = (20, 50, 100, 250)
SORT_LABELS = {"naam": "Naam", "geboortedatum": "Geboortedatum", "groep": "Groep", "toegevoegd": "Toegevoegd"}
LIST_FIELDS = ("id", "first_name", "infix", "last_name", "birth_date", "group", "institution", "archived_at",
               "created_at", "overview")


class ParticipantForm(FlaskForm):
    first_name = StringField("Voornaam")
    infix = StringField("Tussenvoegsel")
    last_name = StringField("Achternaam")
    birth_date = StringField("Geboortedatum")
    birth_place = StringField("Geboorteplaats")
    group = StringField("Groep")
    student_number = StringField("Leerlingnummer")
    email = StringField("E-mailadres")
    version = HiddenField()

    def values(self):
        data = {name: getattr(self, name).data for name, _label in svc.EDITABLE_FIELDS}
        raw = (data.get("birth_date") or "").strip()
        if raw:
            try:
                data["birth_date"] = spreadsheet.parse_date(raw)
            except ValueError:
                data["birth_date"] = raw  # the service reports it in Dutch
        else:
            data["birth_date"] = None
        return data


def _overview_columns():
    """The registry's overview columns, each key once (an area registered again by a second app counts once)."""
    seen, columns = set(), []
    for key, header, provider in registry.PARTICIPANT_OVERVIEW_COLUMNS:
        if key not in seen:
            seen.add(key)
            columns.append((key, header, provider))
    return columns


def _extra_columns(rows):
    """The registry's overview columns as stored on each participant: [(key, header, {id: text})]."""
    return [(key, header, {p.pk: (p.overview or {}).get(key, "") for p in rows})
            for key, header, _provider in _overview_columns()]


def _list_args():
    args = request.args
    tab = args.get("tab") if args.get("tab") in svc.TABS else "actueel"
    sort = args.get("sort") if args.get("sort") in svc.SORTS else "naam"
    try:
        per_page = int(args.get("aantal", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    try:
        page = max(1, int(args.get("pagina", 1)))
    except ValueError:
        page = 1
    return {
        "tab": tab, "q": (args.get("q") or "").strip()[:100], "groep": (args.get("groep") or "").strip()[:100],
        "school": (args.get("school") or "").strip()[:40] if sees_all_institutions(current_user) else "",
        "sort": sort, "desc": args.get("desc") == "1", "aantal": per_page, "pagina": page,
    }


def _query(a):
    return svc.overview_query(current_user, tab=a["tab"], q=a["q"], group=a["groep"], school=a["school"],
                              sort=a["sort"], descending=a["desc"])


def _back_to_list(tab=None):
    target = local_url(request.form.get("next"))
    if target:
        return redirect(target)
    return redirect(url_for("participants.index", tab=tab or "actueel"))


class ParticipantsView(SecureView):
    capability = "view_participants"

    # --- overview ------------------------------------------------------------------------------------------

    @expose("/")
    def index(self):
        a = _list_args()
        query = _query(a)
        total = query.count()
        pages = max(1, math.ceil(total / a["aantal"]))
        page = min(a["pagina"], pages)
        skip = (page - 1) * a["aantal"]
        rows = list(query.only(*LIST_FIELDS).no_dereference().skip(skip).limit(a["aantal"]))
        school_names = {}
        schools = []
        if sees_all_institutions(current_user):
            schools = list(Institution.objects.only("name").order_by("name"))
            school_names = {s.pk: s.name for s in schools}
        items = [{"p": p, "school": school_names.get(ref_id(p._data.get("institution")), "")} for p in rows]
        return self.render(
            "participants/list.html", a=a, items=items, total=total, page=page, pages=pages,
            extra=_extra_columns(rows),
            groups=svc.groups_for(current_user, a["school"]), schools=schools, page_sizes=PAGE_SIZES,
            sort_labels=SORT_LABELS, may_edit=can(current_user, "edit_participants"),
            may_add=can(current_user, "edit_participants") and current_user.institution is not None,
            sees_all=sees_all_institutions(current_user),
            list_url=lambda **kw: url_for("participants.index", **{**_url_args(a), **kw}),
        )

    @expose("/export/<fmt>")
    def export(self, fmt):
        if fmt not in ("xlsx", "csv"):
            abort(404)
        a = _list_args()
        headers, rows = _export_rows(_query(a))
        stamp = utcnow().strftime("%Y%m%d")
        name = f"deelnemers-{a['tab']}-{stamp}.{fmt}"
        audit.record("export", None, object_type="Participant", label=f"Deelnemersoverzicht {a['tab']} ({fmt})",
                     changes={"aantal": len(rows), "zoeken": a["q"], "groep": a["groep"]})
        if fmt == "xlsx":
            body = spreadsheet.write_xlsx(headers, rows, sheet_title="Deelnemers")
            mimetype = spreadsheet.XLSX_MIMETYPE
        else:
            body = spreadsheet.write_csv(headers, rows)
            mimetype = spreadsheet.CSV_MIMETYPE
        return Response(body, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @expose("/selectie", methods=("POST",))
    def bulk(self):
        ids = request.form.getlist("ids")
        action = request.form.get("action")
        tab = request.form.get("tab") if request.form.get("tab") in svc.TABS else "actueel"
        if not ids:
            flash("Vink eerst een of meer deelnemers aan.", "warning")
            return _back_to_list(tab)
        try:
            if action == "archive":
                count = svc.archive_participants(current_user, ids)
                flash(f"{count} deelnemer(s) naar het archief verplaatst.", "success")
            elif action == "restore":
                count = svc.restore_participants(current_user, ids)
                flash(f"{count} deelnemer(s) teruggezet naar Actueel.", "success")
        except svc.PartlyDoneError as exc:
            flash(exc.message, "danger")
        if action == "delete":
            return self._confirm_delete(ids, tab)
        elif action not in ("archive", "restore"):
            flash("Kies wat u met de geselecteerde deelnemers wilt doen.", "warning")
        return _back_to_list(tab)

    # --- new / edit ----------------------------------------------------------------------------------------

    @expose("/nieuw")
    def new_intro(self):
        self._require_add()
        return self.render("participants/intro.html")

    @expose("/nieuw/gegevens", methods=("GET", "POST"))
    def new(self):
        self._require_add()
        form = ParticipantForm()
        errors, duplicate = {}, None
        if request.method == "POST" and form.validate_on_submit():
            try:
                participant = svc.create_participant(current_user, form.values())
            except svc.DuplicateParticipantError as exc:
                duplicate = exc.existing  # the warning box on the form says it, with a link
            except svc.ParticipantError as exc:
                errors = exc.errors
                flash(exc.message, "danger")
            else:
                flash(f"{participant.full_name} is toegevoegd. Ga verder met stap 2: het leerbedrijf.", "success")
                # As in the guide: saving leads on to "Leerbedrijfgegevens" (stap 2) when the user may do it.
                if "step2.start" in current_app.view_functions:
                    return redirect(url_for("step2.start", participant_id=str(participant.pk)))
                return redirect(url_for("participants.details", pid=participant.pk))
        return self.render("participants/form.html", form=form, errors=errors, duplicate=duplicate,
                           participant=None, fields=svc.EDITABLE_FIELDS, required=svc.REQUIRED_FIELDS)

    @expose("/<pid>/wijzigen", methods=("GET", "POST"))
    def edit(self, pid):
        participant = svc.get_participant_for(current_user, pid)
        self._require_edit()
        if request.method == "GET":
            form = ParticipantForm(data={
                **{f: getattr(participant, f) or "" for f, _l in svc.EDITABLE_FIELDS},
                "birth_date": participant.birth_date.strftime("%d-%m-%Y") if participant.birth_date else "",
                "version": participant.version,
            })
        else:
            form = ParticipantForm()
        errors, duplicate = {}, None
        if request.method == "POST" and form.validate_on_submit():
            try:
                svc.update_participant(current_user, participant, form.values(), form.version.data)
            except svc.StaleParticipantError as exc:
                flash(exc.message, "danger")
                return redirect(url_for("participants.details", pid=participant.pk))
            except svc.DuplicateParticipantError as exc:
                duplicate = exc.existing
                flash(exc.message, "warning")
            except svc.ParticipantError as exc:
                errors = exc.errors
                flash(exc.message, "danger")
            else:
                flash("De gegevens zijn opgeslagen.", "success")
                return redirect(url_for("participants.details", pid=participant.pk))
        return self.render("participants/form.html", form=form, errors=errors, duplicate=duplicate,
                           participant=participant, fields=svc.EDITABLE_FIELDS, required=svc.REQUIRED_FIELDS)

    # --- participant page, archive, delete -----------------------------------------------------------------

    @expose("/<pid>/")
    def details(self, pid):
        participant = svc.get_participant_for(current_user, pid)
        panels, seen = [], set()
        for provider in dict.fromkeys(registry.PARTICIPANT_PANELS):
            panel = provider(participant, current_user)
            if panel and (panel.get("order"), panel["template"]) not in seen:
                seen.add((panel.get("order"), panel["template"]))
                panels.append(panel)
        panels.sort(key=lambda p: p.get("order", 50))
        return self.render("participants/details.html", participant=participant, panels=panels,
                           may_edit=can(current_user, "edit_participants"), fields=svc.EDITABLE_FIELDS)

    @expose("/<pid>/archiveren", methods=("POST",))
    def archive(self, pid):
        return self._move_one(pid, svc.archive_participants, "staat nu in het archief")

    @expose("/<pid>/terugzetten", methods=("POST",))
    def restore(self, pid):
        return self._move_one(pid, svc.restore_participants, "staat weer bij Actueel")

    def _move_one(self, pid, move, done_text):
        participant = svc.get_participant_for(current_user, pid)
        if move(current_user, [participant.pk]):
            flash(f"{participant.full_name} {done_text}.", "success")
        return redirect(url_for("participants.details", pid=participant.pk))

    @expose("/<pid>/verwijderen", methods=("GET",))
    def delete_one(self, pid):
        participant = svc.get_participant_for(current_user, pid)
        return self._confirm_delete([participant.pk], "archief" if participant.is_archived else "actueel")

    @expose("/verwijderen", methods=("POST",))
    def delete(self):
        self._require_edit()
        tab = request.form.get("tab") if request.form.get("tab") in svc.TABS else "actueel"
        if request.form.get("confirm") != "ja":
            flash("Bevestig eerst dat u de deelnemers definitief wilt verwijderen.", "warning")
            return _back_to_list(tab)
        try:
            names = svc.delete_participants(current_user, request.form.getlist("ids"))
        except svc.PartlyDoneError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"{len(names)} deelnemer(s) definitief verwijderd: {', '.join(names)}.", "success")
        return redirect(url_for("participants.index", tab=tab))

    def _confirm_delete(self, ids, tab):
        self._require_edit()
        chosen = [svc.get_participant_for(current_user, pid) for pid in ids]
        items = [{"p": p, "dependents": svc.dependents(p)} for p in chosen]
        return self.render("participants/delete.html", items=items, tab=tab)

    def _require_edit(self):
        if not can(current_user, "edit_participants"):
            abort(403)

    def _require_add(self):
        self._require_edit()
        if current_user.institution is None:
            flash("Alleen een medewerker van een onderwijsinstelling kan deelnemers toevoegen.", "warning")
            abort(403)


def _url_args(a):
    args = {"tab": a["tab"], "q": a["q"] or None, "groep": a["groep"] or None, "school": a["school"] or None,
            "sort": a["sort"] if a["sort"] != "naam" else None, "desc": "1" if a["desc"] else None,
            "aantal": a["aantal"] if a["aantal"] != PAGE_SIZES[0] else None}
    return {k: v for k, v in args.items() if v is not None}


EXPORT_CHUNK = 1000


def _export_rows(query):
    """Headers and typed rows of the filtered overview (the step columns as stored on each participant)."""
    sees_all = sees_all_institutions(current_user)
    school_names = {s.pk: s.name for s in Institution.objects.only("name")} if sees_all else {}
    headers = ["Achternaam", "Tussenvoegsel", "Voornaam", "Geboortedatum", "Geboorteplaats", "Groep",
               "Leerlingnummer", "E-mailadres", "Status"]
    if sees_all:
        headers.append("Onderwijsinstelling")
    headers += [h for _k, h, _f in _overview_columns()]
    keys = [key for key, _h, _f in _overview_columns()]
    rows = []
    chunk = []

    def flush():
        for p in chunk:
            row = [p.last_name, p.infix, p.first_name, p.birth_date, p.birth_place, p.group, p.student_number,
                   p.email, "Archief" if p.archived_at else "Actueel"]
            if sees_all:
                row.append(school_names.get(ref_id(p._data.get("institution")), ""))
            row += [(p.overview or {}).get(key, "") for key in keys]
            rows.append(row)
        chunk.clear()

    for participant in query.no_dereference():
        chunk.append(participant)
        if len(chunk) >= EXPORT_CHUNK:
            flush()
    if chunk:
        flush()
    return headers, rows


class ParticipantImportView(SecureView):
    capability = "edit_participants"

    def is_accessible(self):
        # Imported participants belong to the user's own school: accounts without one (SBB) cannot import.
        return super().is_accessible() and current_user.institution is not None

    @expose("/", methods=("GET", "POST"))
    def index(self):
        error = None
        if request.method == "POST":
            upload = request.files.get("bestand")
            if upload is None or not upload.filename:
                error = "Kies eerst een Excelbestand (.xlsx) om te uploaden."
            else:
                try:
                    staged = importer.preview(current_user, upload, upload.filename)
                except (spreadsheet.SpreadsheetError, importer.ImportError_) as exc:
                    error = exc.message
                else:
                    return redirect(url_for("participant_import.preview", token=staged.token))
        batches = importer.batches_for(current_user)
        return self.render("participants/import.html", error=error, batches=batches,
                           may_undo=importer.may_undo, max_rows=importer.MAX_ROWS,
                           max_mb=importer.MAX_BYTES // (1024 * 1024), has_school=current_user.institution is not None)

    @expose("/sjabloon")
    def template(self):
        return Response(importer.template_bytes(), mimetype=spreadsheet.XLSX_MIMETYPE,
                        headers={"Content-Disposition": 'attachment; filename="sjabloon-deelnemers.xlsx"'})

    @expose("/voorbeeld/<token>", methods=("GET", "POST"))
    def preview(self, token):
        staged = importer.load(current_user, token)
        if request.method == "POST":
            try:
                batch = importer.import_rows(current_user, token, request.form.getlist("rows"))
            except importer.ImportError_ as exc:
                flash(exc.message, "danger")
            else:
                flash(f"{batch.count} deelnemer(s) geïmporteerd uit {batch.file_name}. U kunt deze import tot "
                      "morgen deze tijd ongedaan maken via Bulk import.", "success")
                return redirect(url_for("participants.index"))
        counts = {s: sum(1 for r in staged.rows if r.get("status") == s)
                  for s in (importer.STATUS_NEW, importer.STATUS_EXISTS, importer.STATUS_ERROR)}
        return self.render("participants/preview.html", staged=staged, counts=counts, columns=importer.COLUMNS,
                           show=spreadsheet.value_or_blank, statuses=importer)

    @expose("/ongedaan/<batch_id>", methods=("POST",))
    def undo(self, batch_id):
        try:
            removed = importer.undo_batch(current_user, batch_id)
        except importer.ImportError_ as exc:
            flash(exc.message, "danger")
        else:
            flash(f"De import is ongedaan gemaakt: {removed} deelnemer(s) verwijderd.", "success")
        return redirect(url_for("participant_import.index"))


def register(admin, app):
    """Add this area's views, blueprints and home panels."""
    admin.add_view(ParticipantsView(name="Deelnemersoverzicht", category=CATEGORY, endpoint="participants",
                                    url="/deelnemers"))
    admin.add_view(ParticipantImportView(name="Bulk import", category=CATEGORY, endpoint="participant_import",
                                         url="/deelnemers/import"))
