"""MongoEngine documents, one module per aggregate; importing the package registers them all."""

from documents import (  # noqa: F401
    access,
    audit,
    companies,
    guidance,
    imports,
    institutions,
    participants,
    qualifications,
    statements,
    users,
)
