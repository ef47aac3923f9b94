"""Demo mode: an API key for ROC Demo, made at every start and printed in the start log (demo mode only)."""

from datetime import timedelta

from bson import ObjectId

from core.clock import local_today, utcnow
from documents.api_keys import ApiKey
from documents.institutions import Institution
from services.api_keys import KEY_PREFIX, hash_key

DEMO_KEY_NAME = "Demo leerlingvolgsysteem"


def seed_demo_api_key():
    """Make a fresh read-and-write key for ROC Demo; return the key (None without ROC Demo)."""
    import secrets

    school = Institution.objects(name="ROC Demo").first()
    if school is None:
        return None
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    ApiKey(
        id=ObjectId(),
        name=DEMO_KEY_NAME,
        institution=school,
        scope="write",
        expires_on=local_today() + timedelta(days=30),
        key_hash=hash_key(plain),
        prefix=plain[:10],
        created_by="demo",
        created_at=utcnow(),
    ).save(force_insert=True)
    return plain
