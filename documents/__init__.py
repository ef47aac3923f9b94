"""MongoEngine documents, one module per aggregate; importing the package registers them all.

Order matters: a document whose ReferenceField has a reverse_delete_rule must come after the document it points to.
"""

from documents import institutions, users, audit  # noqa: F401, I001
from documents import participants, qualifications, companies, imports  # noqa: F401, I001
from documents import guidance, statements, access  # noqa: F401, I001
from documents import reviews  # noqa: F401, I001
from documents import api_keys  # noqa: F401, I001
from documents import signing  # noqa: F401, I001
