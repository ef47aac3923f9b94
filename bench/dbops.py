"""Count database operations: a pymongo CommandListener on a real MongoDB, a counting wrapper on mongomock."""

import contextlib
import functools

from pymongo import monitoring

# Collection methods that each make one round trip to the server.
MONGOMOCK_OPERATIONS = (
    "find_one", "count_documents", "estimated_document_count", "aggregate", "distinct",
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "bulk_write",
)
IGNORED_COMMANDS = {"endSessions", "hello", "isMaster", "ismaster", "ping", "getMore"}


class Counter:
    def __init__(self):
        self.count = 0
        self.commands = []
        self.active = False
        self.depth = 0

    def hit(self, name):
        if self.active:
            self.count += 1
            self.commands.append(name)


COUNTER = Counter()


class _Listener(monitoring.CommandListener):
    def started(self, event):
        if event.command_name not in IGNORED_COMMANDS:
            COUNTER.hit(f"{event.command_name} {event.command.get(event.command_name, '')}")

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def install():
    """Install the counter for the current backend (call once, before connecting for a real MongoDB)."""
    monitoring.register(_Listener())
    import mongomock.collection

    cls = mongomock.collection.Collection
    if getattr(cls, "_bench_counting", False):
        return
    for name in MONGOMOCK_OPERATIONS:
        original = getattr(cls, name, None)
        if original is None:
            continue

        def wrapper(self, *args, __original=original, __name=name, **kwargs):
            # mongomock implements some operations with others (find_one -> find): count the outer call only.
            if COUNTER.depth == 0:
                COUNTER.hit(f"{__name} {self.name}")
            COUNTER.depth += 1
            try:
                return __original(self, *args, **kwargs)
            finally:
                COUNTER.depth -= 1

        functools.update_wrapper(wrapper, original)
        setattr(cls, name, wrapper)
    # pymongo's find() makes no round trip until the cursor is read: count a mongomock cursor when it
    # fetches its results (and cursor.distinct, which is its own command).
    cursor_cls = mongomock.collection.Cursor
    compute = cursor_cls._compute_results

    def compute_results(self, *args, **kwargs):
        fresh = not self._results or self._factory_last_generated_results != self._factory
        if fresh and COUNTER.depth == 0:
            COUNTER.hit(f"find {self.collection.name}")
        COUNTER.depth += 1
        try:
            return compute(self, *args, **kwargs)
        finally:
            COUNTER.depth -= 1

    cursor_cls._compute_results = compute_results
    distinct = cursor_cls.distinct

    def cursor_distinct(self, *args, **kwargs):
        if COUNTER.depth == 0:
            COUNTER.hit(f"distinct {self.collection.name}")
        COUNTER.depth += 1
        try:
            return distinct(self, *args, **kwargs)
        finally:
            COUNTER.depth -= 1

    cursor_cls.distinct = cursor_distinct
    cls._bench_counting = True


@contextlib.contextmanager
def counting():
    """Count the operations made inside the block; yields the counter (read .count after the block)."""
    COUNTER.count = 0
    COUNTER.commands = []
    COUNTER.active = True
    try:
        yield COUNTER
    finally:
        COUNTER.active = False
