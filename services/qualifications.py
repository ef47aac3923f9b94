"""Read-side of the qualification structure: the queries other areas need, and the work-process snapshot."""

import re
from dataclasses import dataclass, field

from mongoengine import Q

from documents.qualifications import Qualification, QualificationDossier
from services.ids import parse_object_id
from services.text import fold


@dataclass
class QualificationChoice:
    """A current kwalificatie with its earlier versions (newest first), as a selection list offers them."""

    current: Qualification
    earlier_versions: list = field(default_factory=list)

    @property
    def crebo(self):
        return self.current.crebo

    @property
    def title(self):
        return self.current.title


def current_qualifications(today=None):
    """Kwalificaties open for intake (einde instroom empty or in the future), each with its earlier versions."""
    current = list(Qualification.objects.current(today).summaries().order_by("title_key", "crebo"))
    earlier = {}
    if current:
        rows = Qualification.objects(crebo__in=[q.crebo for q in current], superseded=True).summaries()
        for q in rows.order_by("-valid_from", "-imported_at"):
            earlier.setdefault(q.crebo, []).append(q)
    return [QualificationChoice(q, earlier.get(q.crebo, [])) for q in current]


def get_qualification(qualification_id):
    """One kwalificatie (any version) by id, or None."""
    oid = parse_object_id(qualification_id)
    return Qualification.objects(pk=oid).first() if oid else None


def get_by_crebo(crebo, version=None):
    """The newest version of a kwalificatie by crebo (or the given dossier version), or None."""
    query = Qualification.objects(crebo=str(crebo).strip())
    if version:
        return query.filter(version=version).order_by("-valid_from", "-imported_at").first()
    return query.filter(superseded=False).first() or query.order_by("-valid_from", "-imported_at").first()


def versions_of(crebo):
    """Every stored version of a kwalificatie, newest first (without the embedded structure)."""
    return list(Qualification.objects(crebo=crebo).summaries().order_by("superseded", "-valid_from", "-imported_at"))


def qualification_titles(crebos):
    """{crebo: title of the newest version} for many crebos in one query."""
    crebos = sorted({str(c).strip() for c in crebos if c})
    if not crebos:
        return {}
    titles = {}
    rows = Qualification.objects(crebo__in=crebos).only("crebo", "title", "superseded").order_by("superseded")
    for q in rows:
        titles.setdefault(q.crebo, q.title)
    return titles


def search(text="", *, include_earlier=False):
    """Kwalificaties by crebo prefix or by the starts of title words (accents and case ignored)."""
    query = Qualification.objects.summaries()
    if not include_earlier:
        query = query.latest()
    words = [w for w in re.split(r"[^0-9a-z]+", fold(text)) if w]
    digits = [w for w in words if w.isdigit()]
    if digits and len(digits) == len(words):
        return query.filter(crebo__startswith=digits[0]).order_by("crebo", "superseded")
    condition = Q()
    for word in words:
        condition &= Q(title_words=re.compile("^" + re.escape(word)))
    return query.filter(condition).order_by("title_key", "crebo", "superseded")


def dossier_versions(dossier_crebo):
    """Every version of a kwalificatiedossier, newest first."""
    return list(QualificationDossier.objects(crebo=dossier_crebo).order_by("superseded", "-valid_from", "-imported_at"))


def selection_snapshot(qualification, selected_codes, show_behaviour_codes):
    """The snapshot dict of the chosen werkprocessen of one kwalificatie (see the snapshot data contract).

    Only selected werkprocessen appear; kerntaken without a selected werkproces are left out.
    """
    selected = set(selected_codes or ())
    show = set(show_behaviour_codes or ())
    tasks = []
    for task in qualification.core_tasks:
        processes = [
            {
                "code": wp.code,
                "title": wp.title,
                "description": wp.description or "",
                "result": wp.result or "",
                "behaviour": list(wp.behaviour or []),
                "show_behaviour": wp.code in show,
            }
            for wp in task.work_processes
            if wp.code in selected
        ]
        if processes:
            tasks.append({"code": task.code, "title": task.title, "work_processes": processes})
    return {
        "crebo": qualification.crebo,
        "title": qualification.title,
        "level": qualification.level,
        "version": qualification.version or "",
        "dossier_title": qualification.dossier_title or "",
        "core_tasks": tasks,
    }
