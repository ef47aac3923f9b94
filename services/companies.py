"""Finding companies in the registry (fast on 250,000 companies: indexed prefix queries only) and their trainers."""

import math
import re
from dataclasses import dataclass, field

from mongoengine import Q, signals
from mongoengine.errors import ValidationError as MEValidationError

from documents.companies import AccreditationRequest, Company, Placement, Trainer, search_words
from services import audit, participant_overview
from services.errors import NotFound, RuleBroken, first_error
from services.ids import object_id_or_404
from services.permissions import require
from services.text import fold

# Fields a results page needs; the logo bytes stay in the database.
LIST_FIELDS = ("company_id", "name", "address", "postcode", "city", "logo_type", "accreditations")
MAX_COUNT = 1000  # counting beyond this says "meer dan 1000": the count then stays cheap on a huge registry
MIN_NAME_LENGTH = 2
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class SearchError(RuleBroken):
    """Search input we cannot run; the message is Dutch and says what to change."""


@dataclass
class SearchResult:
    items: list = field(default_factory=list)
    total: int = 0
    capped: bool = False  # total is at least MAX_COUNT + 1
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    searched: bool = False

    @property
    def pages(self):
        return max(1, math.ceil(min(self.total, MAX_COUNT) / self.page_size))

    @property
    def total_label(self):
        return f"meer dan {MAX_COUNT}" if self.capped else str(self.total)


def _literal(text):
    """Escape regex metacharacters (spaces stay plain, so MongoDB sees a simple prefix it can bound the index with)."""
    return re.escape(text).replace("\\ ", " ")


def _prefix(text):
    return {"$regex": "^" + _literal(text)}


def build_query(q="", city=""):
    """Turn the search box into a raw MongoDB filter that an index answers; None when nothing was asked."""
    q = (q or "").strip()
    city = fold(city)
    clauses = []
    digits = re.sub(r"\s", "", q)
    if digits.isdigit():
        if len(digits) > 9:
            raise SearchError("Een leerbedrijf-ID heeft 9 cijfers: controleer het nummer.")
        clauses.append({"company_id": digits if len(digits) == 9 else _prefix(digits)})
    elif q:
        folded = fold(q)
        if len(folded) < MIN_NAME_LENGTH:
            raise SearchError("Typ ten minste 2 letters van de naam, of het leerbedrijf-ID.")
        terms = search_words(q)
        if terms:
            # The longest word narrows most; it must start a word of the name (multikey index on search_words),
            # or the whole input starts the name (index on search_name). Other words must occur in the name.
            anchor = max(terms, key=len)
            clauses.append({"$or": [{"search_name": _prefix(folded)}, {"search_words": _prefix(anchor)}]})
            for term in terms:
                if term != anchor:
                    clauses.append({"search_name": {"$regex": _literal(term)}})
        else:
            clauses.append({"search_name": _prefix(folded)})
    if city:
        clauses.append({"search_city": _prefix(city)})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def search_companies(q="", city="", page=1, page_size=DEFAULT_PAGE_SIZE):
    """One page of companies by name (case and accents ignored), leerbedrijf-ID or plaats: two database queries."""
    page_size = max(1, min(int(page_size or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE))
    page = max(1, int(page or 1))
    query = build_query(q, city)
    if query is None:
        return SearchResult(page_size=page_size)
    base = Company.objects(__raw__=query).only(*LIST_FIELDS).order_by("search_name", "company_id")
    # Counted on the collection: a MongoEngine count first builds a cursor, which mongomock counts as a find.
    total = Company._get_collection().count_documents(query, limit=MAX_COUNT + 1)
    pages = max(1, math.ceil(min(total, MAX_COUNT) / page_size))
    page = min(page, pages)
    items = list(base.skip((page - 1) * page_size).limit(page_size)) if total else []
    return SearchResult(
        items=items,
        total=min(total, MAX_COUNT),
        capped=total > MAX_COUNT,
        page=page,
        page_size=page_size,
        searched=True,
    )


def get_company(company_pk):
    """The company or a 404 (the registry is public to every signed-in user)."""
    company = Company.objects(pk=object_id_or_404(company_pk)).first()
    if company is None:
        raise NotFound()
    return company


def trainers_for(company=None, request=None, participant=None):
    """Trainers to offer: registered ones of the company, plus those added for this participant."""
    if company is None and request is None:
        return []
    target = Q(company=company) if company is not None else Q(request=request)
    visible = Q(source="sbb") | Q(review_status="approved")
    if participant is not None:
        visible = visible | Q(participant=participant)
    return list(Trainer.objects(target & visible).order_by("sort_name"))


def registered_trainers(company):
    return list(
        Trainer.objects(Q(company=company) & (Q(source="sbb") | Q(review_status="approved"))).order_by("sort_name")
    )


def spread_company_name(company_pk, name):
    """Give the company's requests, trainers and placements its current name.

    They keep a copy of the name for their lists, sorting and word search; a rename in the register (a form, an
    import, or an import taken back) must reach every copy, and the participants' overview that shows it.
    Return how many copies were out of date.
    """
    count = 0
    for cls in (AccreditationRequest, Trainer):
        for row in cls.objects(company=company_pk, company_name__ne=name):
            row.company_name = name
            row.derive_search_tokens()
            count += cls.objects(pk=row.pk).update_one(set__company_name=name, set__search_tokens=row.search_tokens)
    placed = Placement.objects(company=company_pk, company_name__ne=name)
    participants = [row["participant"] for row in placed.only("participant").as_pymongo()]
    if participants:
        count += placed.update(set__company_name=name)
        participant_overview.refresh(participants)
    return count


def _renamed(sender, document, created=False, **kwargs):
    if not created and "name" in document._get_changed_fields():
        spread_company_name(document.pk, document.name)


def connect():
    """Follow every saved rename of a company (idempotent)."""
    signals.post_save.connect(_renamed, sender=Company, weak=False)


TRAINER_FIELDS = ("initials", "first_name", "infix", "last_name", "function", "email", "phone")


def add_registered_trainer(user, company, data):
    """SBB registers a trainer at a company (offered for every participant)."""
    require(user, "manage_registry")
    trainer = Trainer(
        company=company, source="sbb", added_by_email=user.email, **{k: (data.get(k) or None) for k in TRAINER_FIELDS}
    )
    try:
        trainer.save()
    except MEValidationError as exc:
        raise ValueError(first_error(exc)) from exc
    audit.record("create", trainer, institution=None)
    return trainer
