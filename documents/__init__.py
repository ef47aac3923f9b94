"""MongoEngine documents, one module per aggregate; importing the package registers them all."""

from documents import (  # noqa: F401
    audit,
    companies,
    guidance,
    institutions,
    participants,
    qualifications,
    statements,
    users,
)
