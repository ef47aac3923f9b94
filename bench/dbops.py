"""Count database operations: a pymongo CommandListener on a real MongoDB, a counting wrapper on mongomock."""

import contextlib
import functools

from pymongo import monitoring

# Collection methods that each make one round trip to the server.
MONGOMOCK_OPERATIONS = (
    "find_one",
    "count_documents",
    "estimated_document_count",
    "aggregate",
    "distinct",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
    "bulk_write",
)
IGNORED_COMMANDS = {"endSessions", "hello", "isMaster", "ismaster", "ping", "getMore"}


class Counter:
    def __init__(self):
        self.count = 0
        self.commands = []
        self.active = False
        self.depth = 0
        self.shapes = []  # (collection, filter, sort) of each counted read, for the index checks

    def hit(self, name):
        if self.active:
            self.count += 1
            self.commands.append(name)

    def shape(self, collection, spec, sort=None):
        """Record the filter and sort of a read (sort as [(key, direction)])."""
        if self.active:
            self.shapes.append((collection, dict(spec or {}), list(sort or [])))


def _pipeline_shape(pipeline):
    """The filter and sort an aggregate starts with: its leading $match and the $sort right after it."""
    spec, sort = {}, []
    for stage in pipeline or []:
        if "$match" in stage and not spec and not sort:
            spec = stage["$match"]
        elif "$sort" in stage and not sort:
            sort = list(stage["$sort"].items())
            break
        elif "$project" in stage or "$addFields" in stage:
            continue
        else:
            break
    return spec, sort


COUNTER = Counter()


class _Listener(monitoring.CommandListener):
    def started(self, event):
        if event.command_name not in IGNORED_COMMANDS:
            COUNTER.hit(f"{event.command_name} {event.command.get(event.command_name, '')}")
            command, collection = event.command, event.command.get(event.command_name, "")
            if event.command_name in ("find", "count", "distinct"):
                COUNTER.shape(
                    collection, command.get("filter") or command.get("query"), command.get("sort", {}).items()
                )
            elif event.command_name == "aggregate":
                COUNTER.shape(collection, *_pipeline_shape(command.get("pipeline")))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def _counted(method, describe):
    """Wrap a mongomock method so its outermost call counts as one operation (describe -> label or None).

    mongomock implements some operations with others (find_one -> find): nested calls are not counted.
    """

    def wrapper(self, *args, **kwargs):
        if COUNTER.depth == 0:
            label = describe(self, *args)
            if label:
                COUNTER.hit(label)
        COUNTER.depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            COUNTER.depth -= 1

    return functools.update_wrapper(wrapper, method)


def install():
    """Install the counter for the current backend (call once, before connecting for a real MongoDB)."""
    import mongomock.collection

    cls = mongomock.collection.Collection
    if getattr(cls, "_bench_counting", False):
        return
    # pymongo applies listeners to clients created after this: install before create_app() connects.
    monitoring.register(_Listener())
    for name in MONGOMOCK_OPERATIONS:
        if getattr(cls, name, None) is not None:
            setattr(cls, name, _counted(getattr(cls, name), lambda coll, *a, __name=name: f"{__name} {coll.name}"))
    # pymongo's find() makes no round trip until the cursor is read: count a mongomock cursor when it
    # fetches its results (and cursor.distinct, which is its own command).
    cursor_cls = mongomock.collection.Cursor
    cursor_cls._compute_results = _counted(
        cursor_cls._compute_results,
        lambda cur, *a: (
            f"find {cur.collection.name}"
            if not cur._results or cur._factory_last_generated_results != cur._factory
            else None
        ),
    )
    cursor_cls.distinct = _counted(cursor_cls.distinct, lambda cur, *a: f"distinct {cur.collection.name}")
    _record_shapes(cls, cursor_cls)
    cls._bench_counting = True


def _record_shapes(cls, cursor_cls):
    """Record the filter and sort of every mongomock read (outermost calls only, like the count)."""

    def recording(method, shape_of):
        def wrapper(self, *args, **kwargs):
            if COUNTER.depth == 0 and COUNTER.active:
                shape = shape_of(self, *args, **kwargs)
                if shape is not None:
                    COUNTER.shape(*shape)
            return method(self, *args, **kwargs)

        return functools.update_wrapper(wrapper, method)

    def filter_of(spec, kwargs):
        spec = kwargs.get("filter", spec)
        return spec if isinstance(spec, dict) else {"_id": spec} if spec is not None else {}

    cls.find_one = recording(cls.find_one, lambda c, spec=None, *a, **k: (c.name, filter_of(spec, k), k.get("sort")))
    cls.count_documents = recording(
        cls.count_documents, lambda c, spec=None, *a, **k: (c.name, filter_of(spec, k), None)
    )
    cls.distinct = recording(cls.distinct, lambda c, key, spec=None, *a, **k: (c.name, filter_of(spec, k), None))
    cls.aggregate = recording(cls.aggregate, lambda c, pipeline, *a, **k: (c.name, *_pipeline_shape(pipeline)))
    cursor_cls._compute_results = recording(
        cursor_cls._compute_results,
        lambda cur, *a, **k: (
            (cur.collection.name, cur._spec, cur._sort)
            if not cur._results or cur._factory_last_generated_results != cur._factory
            else None
        ),
    )


@contextlib.contextmanager
def counting():
    """Count the operations made inside the block; yields the counter (read .count after the block)."""
    COUNTER.count = 0
    COUNTER.commands = []
    COUNTER.shapes = []
    COUNTER.active = True
    try:
        yield COUNTER
    finally:
        COUNTER.active = False
