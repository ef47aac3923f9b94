"""The deelnemersoverzicht's view of steps 2-4, stored on each participant and refreshed when those change.

The text of each column comes from the areas' providers in services.registry.PARTICIPANT_OVERVIEW_COLUMNS
(one query per column for any number of participants). Storing the result means a page of the overview is
one query whatever its size. Refreshing runs on every save or delete of a placement, guidance document or
statement (MongoEngine signals; finalize_conditionally sends post_save too) and after bulk updates that
bypass signals (the services that make them call refresh()).
"""

from mongoengine import signals

from documents.companies import Placement
from documents.guidance import GuidanceDocument
from documents.participants import Participant
from documents.statements import PracticeStatement
from services import registry
from services.ids import ref_id

BATCH = 500


def newest_status(model, participant_ids, labels):
    """{participant id: Dutch label of the status of their newest document of this kind}, in one query."""
    if not participant_ids:
        return {}
    rows = (
        model.objects(participant__in=list(participant_ids))
        .only("participant", "status", "created_at")
        .order_by("participant", "-created_at")
        .as_pymongo()
    )
    newest = {}
    for row in rows:
        newest.setdefault(row["participant"], dict(labels).get(row.get("status"), ""))
    return newest


def columns():
    """The registry's overview columns [(key, header, provider)], each key once (a second app registers again)."""
    seen, result = set(), []
    for key, header, provider in registry.PARTICIPANT_OVERVIEW_COLUMNS:
        if key not in seen:
            seen.add(key)
            result.append((key, header, provider))
    return result


def headers():
    """{column key: Dutch header} of the overview columns."""
    return {key: header for key, header, _provider in columns()}


def refresh(participant_ids):
    """Recompute and store the overview columns of these participants."""
    ids = list(dict.fromkeys(ref_id(pid) for pid in participant_ids if pid is not None))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        computed = [(key, provider(chunk) or {}) for key, _header, provider in columns()]
        for pid in chunk:
            overview = {key: values.get(pid, values.get(str(pid), "")) or "" for key, values in computed}
            Participant.objects(pk=pid).update_one(set__overview=overview)


def refresh_all():
    """Recompute every participant's overview (after an upgrade or a data repair); return the count."""
    ids = list(Participant.objects.scalar("id"))
    refresh(ids)
    return len(ids)


def _changed(sender, document, **kwargs):
    participant = document._data.get("participant")
    if participant is not None:
        refresh([participant])


def connect():
    """Refresh on every save and delete of the documents the overview shows (idempotent)."""
    for cls in (Placement, GuidanceDocument, PracticeStatement):
        signals.post_save.connect(_changed, sender=cls, weak=False)
        signals.post_delete.connect(_changed, sender=cls, weak=False)
