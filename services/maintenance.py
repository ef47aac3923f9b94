"""Upkeep of stored data after an upgrade: recompute the derived search and identity fields with today's rules."""

from dataclasses import dataclass, field

from mongoengine import NotUniqueError, ValidationError

from documents.companies import AccreditationRequest, Company, Placement, Trainer
from documents.participants import Participant
from services.companies import spread_company_name

# The fields each document derives from what people typed, and the method that derives them (clean() checks the
# whole document too; a request or trainer of a company removed since would fail it); nothing else is written.
DERIVED_FIELDS = {
    Participant: (("sort_name", "search_first", "search_last", "group_key", "search_tokens", "identity_key"), "clean"),
    Company: (("search_name", "search_words", "search_city"), "clean"),
    AccreditationRequest: (("search_tokens",), "derive_search_tokens"),
    Trainer: (("search_tokens",), "derive_search_tokens"),
}


@dataclass
class RecomputeResult:
    updated: dict = field(default_factory=dict)  # document name -> count
    duplicates: list = field(default_factory=list)  # participants whose identity another one already has
    invalid: list = field(default_factory=list)  # (document name, id, message): stored text today's rules refuse


def _derived(doc, names):
    values = {name: getattr(doc, name) for name in names}
    sets = {k: v for k, v in values.items() if v not in (None, [], "")}
    unsets = {k: "" for k in values if k not in sets}
    return sets, unsets


COMPANY_NAME_COPIES = "Kopieën van bedrijfsnamen"


def repair_company_name_copies():
    """Give every stored copy of a company's name (requests, trainers, placements) the company's current name.

    Renames in the register reach the copies since they are saved (services.companies); this repairs the copies of
    renames made before that. Return how many copies were out of date.
    """
    used = set()
    for cls in (AccreditationRequest, Trainer, Placement):
        used.update(pk for pk in cls._get_collection().distinct("company") if pk is not None)
    rows = Company.objects(pk__in=list(used)).only("name").as_pymongo() if used else []
    return sum(spread_company_name(row["_id"], row.get("name")) for row in rows)


def recompute_derived_fields():
    """Recompute the folded search fields and the participant identity of every stored document, and the copies
    of the company names."""
    result = RecomputeResult()
    result.updated[COMPANY_NAME_COPIES] = repair_company_name_copies()
    for cls, (names, derive) in DERIVED_FIELDS.items():
        count = 0
        collection = cls._get_collection()
        for doc in cls.objects.no_cache():
            if cls is Participant and doc.birth_date is None:
                continue  # anonymised (services.privacy): plain ASCII names, no identity to compute
            try:
                getattr(doc, derive)()
            except ValidationError as exc:
                result.invalid.append((cls.__name__, str(doc.pk), str(exc)))
                continue
            sets, unsets = _derived(doc, names)
            update = {"$set": sets} if sets else {}
            if unsets:
                update["$unset"] = unsets
            try:
                collection.update_one({"_id": doc.pk}, update)
            except Exception as exc:  # pymongo's DuplicateKeyError, or mongomock's
                if "duplicate" not in str(exc).lower() and not isinstance(exc, NotUniqueError):
                    raise
                result.duplicates.append(doc)
                continue
            count += 1
        result.updated[cls.__name__] = count
    return result
