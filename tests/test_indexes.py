"""Every query the main pages issue is served by a declared index (equality keys, then sort keys, then a range).

mongomock has no explain(): the operation counter records the shape of each read (collection, filter, sort) while
the pages render, and each shape is checked against the indexes the documents declare in their meta.
"""

import re
from urllib.parse import urlsplit

import pytest
from mongoengine.base import _document_registry

from bench import dbops

RANGE_OPERATORS = {"$gt", "$gte", "$lt", "$lte", "$ne", "$regex", "$exists", "$nin", "$not"}


def declared_indexes():
    """{collection: [[(key, direction), ...], ...]} from every document's meta, the _id index included."""
    found = {}
    for cls in _document_registry.values():
        meta = getattr(cls, "_meta", {})
        collection = meta.get("collection")
        if not collection or meta.get("abstract"):
            continue
        specs = found.setdefault(collection, [[("_id", 1)]])
        for spec in cls._meta.get("index_specs") or []:
            keys = [(key, direction) for key, direction in spec["fields"]]
            if keys not in specs:
                specs.append(keys)
    return found


def _branches(spec):
    """The filter as a list of $or-free filters (each branch of an $or with the rest of the filter)."""
    spec = dict(spec or {})
    ors = spec.pop("$or", None)
    ands = spec.pop("$and", None)
    result = [spec]
    for part in ands or []:
        result = [{**r, **b} for r in result for b in _branches(part)]
    if ors:
        result = [{**r, **b} for r in result for alt in ors for b in _branches(alt)]
    return result


def _classify(spec):
    equality, ranges = set(), set()
    for key, value in spec.items():
        if isinstance(value, re.Pattern) or (isinstance(value, dict) and set(value) & RANGE_OPERATORS):
            ranges.add(key)
        else:
            equality.add(key)
    return equality, ranges


def serves(index, spec, sort):
    """Say whether the index serves the filter and sort: equality keys first, then the sort, then a range key."""
    keys = [key for key, _direction in index]
    equality, ranges = _classify(spec)
    if "_id" in equality:
        return True  # ids pick the documents themselves; what else the filter says is checked on those few
    ranges -= {key for key, _direction in sort}  # a range on a sort key is walked in the sort's order
    if set(keys[: len(equality)]) != equality:
        return False
    rest = index[len(equality) :]
    sort = [(key, direction) for key, direction in sort if key not in equality]
    if sort:
        head = rest[: len(sort)]
        if [k for k, _ in head] != [k for k, _ in sort]:
            return False
        same = all(d == s for (_, d), (_, s) in zip(head, sort, strict=True))
        flipped = all(d == -s for (_, d), (_, s) in zip(head, sort, strict=True))
        if not (same or flipped):
            return False
        rest = rest[len(sort) :]
    # A range key after them: the index bounds (or at least filters) it without reading the documents.
    return not ranges or bool(ranges & {key for key, _direction in rest})


# Shapes no index serves by the rule, each with the reason it is acceptable.
KNOWN = {
    # Company search by words: a prefix on the multikey word list, sorted by name. The (search_words, search_name)
    # index bounds the words; the matches are sorted in memory, and the page shows at most one page of them.
    ("companies", ("search_words",), ("search_name", "company_id")),
}


def unserved(shapes):
    indexes = declared_indexes()
    missing = []
    for collection, spec, sort in shapes:
        sort = [(k, 1 if d in (1, "1") else -1) for k, d in (sort or [])]
        if not spec and not sort:
            continue  # reads everything in the collection (SBB's national figures): nothing to select
        for branch in _branches(spec):
            if (collection, tuple(sorted(branch)), tuple(k for k, _ in sort)) in KNOWN:
                continue
            if not any(serves(index, branch, sort) for index in indexes.get(collection, [[("_id", 1)]])):
                equality, ranges = _classify(branch)
                missing.append((collection, "gelijk", sorted(equality), "sortering", sort, "bereik", sorted(ranges)))
    return missing


def test_the_rule_itself():
    index = [("institution", 1), ("status", 1), ("created_at", -1)]
    assert serves(index, {"institution": 1, "status": "final"}, [("created_at", -1)])
    assert serves(index, {"status": "final", "institution": 1}, [("created_at", 1)])  # walked backwards
    assert serves(index, {"institution": 1, "status": "final", "created_at": {"$lt": 5}}, [])
    assert not serves(index, {"status": "final"}, [])  # not a prefix
    assert not serves(index, {"institution": 1}, [("created_at", -1)])  # a gap before the sort
    assert serves(index, {"institution": 1, "created_at": {"$lt": 5}}, [("status", 1)])  # E, S, R
    range_first = [("institution", 1), ("created_at", -1), ("status", 1)]
    assert not serves(range_first, {"institution": 1, "created_at": {"$lt": 5}}, [("status", 1)])
    assert not serves(index, {"institution": 1, "number": {"$gt": 5}}, [])  # the range key is not in the index


def _shapes_of(client, urls):
    dbops.install()
    shapes = []
    for url in urls:
        with dbops.counting() as counter:
            response = client.get(url, follow_redirects=True)  # a page past the end leads to the last one
        assert response.status_code == 200 and response.request.path == urlsplit(url).path, url
        shapes += [(c, s, so) for c, s, so in counter.shapes]
    return shapes


PARTICIPANT_LIST = [
    "/deelnemers/",
    "/deelnemers/?tab=archief",
    "/deelnemers/?sort=0",
    "/deelnemers/?sort=0&desc=1",
    "/deelnemers/?sort=1",
    "/deelnemers/?sort=2",
    "/deelnemers/?sort=3&desc=1",
    "/deelnemers/?search=jan",
    "/deelnemers/?search=de+vr",
    "/deelnemers/?flt0_0=MZ2A",
    "/deelnemers/?flt0_0=MZ2A&sort=1",
    "/deelnemers/?page=2&page_size=20",
]


@pytest.mark.parametrize("role", ["mbo@school.example", "beheerder@sbb.example"])
def test_every_query_of_the_main_pages_has_an_index(app, client, auth, role):
    from documents.participants import Participant

    auth.login(role)
    participant = Participant.objects(institution__ne=None).first()
    urls = PARTICIPANT_LIST + [
        f"/deelnemers/{participant.pk}/",
        "/leerbedrijven/?q=bakkerij",
        "/leerbedrijven/?q=utrecht",
        "/lijsten/begeleidingsdocumenten/",
        "/lijsten/begeleidingsdocumenten/?sort=1&desc=1",
        "/lijsten/praktijkverklaringen/",
        "/lijsten/praktijkverklaringen/?sort=0",
        "/lijsten/praktijkverklaringen/?sort=3&desc=1",
        "/lijsten/kwalificaties/",
        "/lijsten/kwalificaties/?sort=1",
        "/",
    ]
    if role.startswith("beheerder"):
        urls += ["/lijsten/verzoeken/", "/lijsten/verzoeken/?sort=1", "/lijsten/praktijkopleiders/"]
        urls += ["/deelnemers/?flt1_1=" + str(participant._data["institution"].id)]
    missing = unserved(_shapes_of(client, urls))
    assert not missing, "\n".join(map(str, dict.fromkeys(map(repr, missing))))
