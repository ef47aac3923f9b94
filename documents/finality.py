"""Final means final, at the data layer: documents with a `status` that becomes final refuse every change.

`save()` on a final document, and `update()`/`update_one()`/`modify()` through the queryset that would touch a
final document, raise FinalDocumentError. No update writes the status in any form (keyword, `__raw__`,
`$rename`, pipeline), no upsert creates one and `insert()` takes no final document. The one way to make a
document final is `finalize_conditionally`, used by the services (atomic: only a concept becomes final).
"""

import logging
import sys

from mongoengine import Document, QuerySet, signals
from mongoengine.errors import SaveConditionError
from mongoengine.queryset import transform
from mongoengine.queryset.base import BaseQuerySet

FINAL = "final"
CONCEPT = "concept"
log = logging.getLogger("praktijkloket.finality")
STATUS_REFUSAL = "De status verandert alleen via 'Afronden' of 'Definitief maken'."

# Keyword arguments of update()/update_one()/modify() that are options, not part of the update itself.
_UPDATE_OPTIONS = frozenset(
    (
        "upsert",
        "multi",
        "write_concern",
        "read_concern",
        "full_result",
        "array_filters",
        "full_response",
        "remove",
        "new",
    )
)


class FinalDocumentError(Exception):
    """Raised when anything tries to change a final document."""

    def __init__(self, message="Dit document is definitief en kan niet meer worden gewijzigd."):
        super().__init__(message)


def _writes_status(stage):
    """Say whether one compiled update document ({"$set": {...}, ...}) writes the status field."""

    def is_status(path):
        return isinstance(path, str) and (path == "status" or path.startswith("status."))

    for operator, fields in stage.items():
        if not isinstance(fields, dict):
            return True  # not a field-by-field operator: it could write anything
        if any(is_status(path) for path in fields):
            return True
        if operator == "$rename" and any(is_status(target) for target in fields.values()):
            return True
    return False


class FinalGuardQuerySet(QuerySet):
    """Updates never reach final documents: they are filtered out, and a targeted update of one raises."""

    def _guarded(self):
        if self.clone().filter(status=FINAL).count():
            raise FinalDocumentError()
        return self.filter(status__ne=FINAL)

    def _only_detaches(self, kwargs):
        """True for the update a NULLIFY (unset) or PULL (pull from a list) delete rule sends when a referenced
        document goes away.

        A final document keeps everything it printed in its snapshot and PDF, so losing the link to a deleted
        placement, source document or branch organisation changes nothing it says; refusing it would make deleting
        a participant (or a branch organisation) impossible.
        """
        detachable = getattr(self._document, "detachable_references", ())
        keys = [k for k in kwargs if k not in _UPDATE_OPTIONS]

        def detaches(key):
            for prefix in ("unset__", "pull_all__"):
                if key.startswith(prefix) and key[len(prefix) :] in detachable:
                    return True
            return False

        return bool(keys) and all(detaches(k) for k in keys)

    def _sent_by_delete_cascade(self, kwargs, caller):
        """True when this detaching update comes from MongoEngine's delete of the referenced documents.

        QuerySet.delete applies a NULLIFY/PULL rule by calling `<Doc>.objects(<field>__in=<the queryset being
        deleted>).update(...)` before it removes those documents. Only that call qualifies: the caller's frame
        must be QuerySet.delete itself and the queryset in our one filter must be the very one it is deleting.
        A hand-written detach (even with a queryset in the filter) therefore still meets the final guard.
        """
        if not self._only_detaches(kwargs) or caller is None:
            return False
        if caller.f_code is not BaseQuerySet.delete.__code__:
            return False
        query = getattr(self._query_obj, "query", None)
        if not isinstance(query, dict) or len(query) != 1:
            return False
        ((key, deleting),) = query.items()
        if not key.endswith("__in") or deleting is not caller.f_locals.get("self"):
            return False
        # pull_all carries the same queryset as its value; an unset carries a flag.
        return all(value is deleting or not k.startswith("pull_all__") for k, value in kwargs.items())

    def _refuse_unsanctioned(self, kwargs):
        """Only finalize_conditionally sets the status, and no upsert or pipeline sneaks a document in final."""
        if kwargs.get("remove"):
            return
        if kwargs.get("upsert"):
            raise FinalDocumentError(
                "Een document met een status wordt niet met een upsert gemaakt: gebruik de service die het maakt."
            )
        update = {k: v for k, v in kwargs.items() if k not in _UPDATE_OPTIONS}
        raw = update.get("__raw__")
        if isinstance(raw, (list, tuple)):
            raise FinalDocumentError(STATUS_REFUSAL)  # an aggregation pipeline can write any field
        if _writes_status(transform.update(self._document, **update)):
            raise FinalDocumentError(STATUS_REFUSAL)

    def update(self, *args, **kwargs):
        caller = sys._getframe(1)
        self._refuse_unsanctioned(kwargs)
        if not args and self._sent_by_delete_cascade(kwargs, caller):
            return QuerySet.update(self, **kwargs)
        return QuerySet.update(self._guarded(), *args, **kwargs)

    def update_one(self, *args, **kwargs):
        self._refuse_unsanctioned(kwargs)
        return QuerySet.update_one(self._guarded(), *args, **kwargs)

    def modify(self, *args, **kwargs):
        self._refuse_unsanctioned(kwargs)
        return QuerySet.modify(self._guarded(), *args, **kwargs)

    def insert(self, doc_or_docs, *args, **kwargs):
        """Insert concepts only: a final document exists only through finalize_conditionally."""
        docs = [doc_or_docs] if isinstance(doc_or_docs, Document) else list(doc_or_docs)
        if any(getattr(doc, "status", None) == FINAL for doc in docs):
            raise FinalDocumentError("Een document wordt alleen via 'Afronden' of 'Definitief maken' definitief.")
        return QuerySet.insert(self, doc_or_docs if isinstance(doc_or_docs, Document) else docs, *args, **kwargs)

    def finalize_conditionally(self, pk, **fields):
        """Atomically turn the concept with this pk final and set `fields`; return the document or None.

        The sanctioned path: it bypasses the guards above on purpose (QuerySet.modify, not self.modify).
        Filters already on the queryset (e.g. a version) stay part of the condition.
        """
        qs = self.filter(pk=pk, status=CONCEPT)
        updates = {f"set__{name}": value for name, value in fields.items()}
        document = QuerySet.modify(qs, new=True, set__status=FINAL, inc__version=1, **updates)
        if document is not None:
            # Becoming final is a save in all but name: let post_save receivers (the overview) know. The document
            # is final by now, so a receiver's failure must not reach the caller, which would otherwise undo the
            # verification record and audit event of a statement that stays final. The participant overview can
            # be refreshed later (services.participant_overview.refresh_all), so a failure is only logged.
            for receiver in signals.post_save.receivers_for(self._document):
                try:
                    receiver(self._document, document=document, created=False)
                except Exception:
                    log.exception("A post_save receiver failed after %s %s became final", self._document.__name__, pk)
        return document


class FinalGuardMixin:
    """For Document subclasses with `status` and `version` fields and `queryset_class = FinalGuardQuerySet`."""

    @property
    def is_final(self):
        return self.status == FINAL

    def _stored_status(self):
        if not self.pk:
            return None
        raw = self._get_collection().find_one({"_id": self.pk}, {"status": 1})
        return raw.get("status") if raw else None

    def save(self, *args, **kwargs):
        if self._stored_status() == FINAL:
            raise FinalDocumentError()
        if self.status == FINAL:
            raise FinalDocumentError("Een document wordt alleen via 'Afronden' of 'Definitief maken' definitief.")
        if self.pk and "save_condition" not in kwargs:
            # Made final between the check above and this write: the condition makes the write miss.
            kwargs["save_condition"] = {"status": CONCEPT}
        try:
            return super().save(*args, **kwargs)
        except SaveConditionError:
            raise FinalDocumentError() from None
