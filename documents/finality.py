"""Final means final, at the data layer: documents with a `status` that becomes final refuse every change.

`save()` on a final document, and `update()`/`update_one()`/`modify()` through the queryset that would touch a
final document, raise FinalDocumentError. The one way to make a document final is `finalize_conditionally`,
used by the services (atomic: only a concept becomes final).
"""

from mongoengine import QuerySet, signals
from mongoengine.errors import SaveConditionError

FINAL = "final"
CONCEPT = "concept"


class FinalDocumentError(Exception):
    """Raised when anything tries to change a final document."""

    def __init__(self, message="Dit document is definitief en kan niet meer worden gewijzigd."):
        super().__init__(message)


class FinalGuardQuerySet(QuerySet):
    """Updates never reach final documents: they are filtered out, and a targeted update of one raises."""

    _finalizing = False

    def _guarded(self):
        if self._finalizing:
            return self
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
        keys = [k for k in kwargs if k not in ("write_concern", "upsert", "multi", "full_result")]

        def detaches(key):
            for prefix in ("unset__", "pull_all__"):
                if key.startswith(prefix) and key[len(prefix):] in detachable:
                    return True
            return False

        return bool(keys) and all(detaches(k) for k in keys)

    @staticmethod
    def _refuse_status_change(kwargs):
        """Only finalize_conditionally sets the status: an update cannot make a concept 'final' unchecked."""
        if any(key.split("__")[-1] == "status" or key.endswith("__status") for key in kwargs
               if key.startswith(("set__", "unset__", "status"))):
            raise FinalDocumentError("De status verandert alleen via 'Afronden' of 'Definitief maken'.")

    def update(self, *args, **kwargs):
        self._refuse_status_change(kwargs)
        if not args and self._only_detaches(kwargs):
            return QuerySet.update(self, **kwargs)
        return QuerySet.update(self._guarded(), *args, **kwargs)

    def update_one(self, *args, **kwargs):
        self._refuse_status_change(kwargs)
        return QuerySet.update_one(self._guarded(), *args, **kwargs)

    def modify(self, *args, **kwargs):
        self._refuse_status_change(kwargs)
        return QuerySet.modify(self._guarded(), *args, **kwargs)

    def finalize_conditionally(self, pk, **fields):
        """Atomically turn the concept with this pk final and set `fields`; return the document or None."""
        qs = self.filter(pk=pk, status=CONCEPT)
        qs._finalizing = True
        updates = {f"set__{name}": value for name, value in fields.items()}
        document = QuerySet.modify(qs, new=True, set__status=FINAL, inc__version=1, **updates)
        if document is not None:
            # Becoming final is a save in all but name: let post_save receivers (the overview) know.
            signals.post_save.send(self._document, document=document, created=False)
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
