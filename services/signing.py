"""PAdES signatures on final PDFs (pyHanko): the signing key, signing, and checking an uploaded PDF's signature.

Key and chain come from the environment (SIGNING_PKCS12 + SIGNING_PKCS12_PASSWORD, or SIGNING_KEY_PEM +
SIGNING_CERT_PEM (+ SIGNING_CHAIN_PEM)). Without them, demo mode (or SIGNING_DEMO_CA=1) generates a CA and a
signing certificate once and keeps them in the database, so every app server signs with the same key. Every
certificate ever used is recorded (documents.signing) and stays trusted: rotating the key never makes an older
statement unverifiable.
"""

import asyncio
import datetime as dt
import hashlib
import io
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import current_app, has_app_context
from mongoengine.errors import NotUniqueError

from documents.signing import ENVIRONMENT, GENERATED, ROOT, SIGNER, SigningCertificate

log = logging.getLogger("praktijkloket.signing")

FIELD_NAME = "Praktijkloket"
SIGNER_NAME = "Praktijkloket"
REASON = "Uitgegeven via het Praktijkloket"
# Room for the CMS container beyond the certificates it carries (signature, attributes); a fixed reservation saves
# pyHanko a second, trial signature per PDF (half the signing time).
CMS_OVERHEAD_BYTES = 3000
TIMESTAMP_TOKEN_BYTES = 12000
GENERATED_VALID_YEARS = 10

_cache_lock = threading.Lock()
_signers = {}  # key of the key material -> pyHanko signer (parsing keys costs more than signing)


class SigningConfigurationError(RuntimeError):
    """The configured signing key cannot be used (Dutch message; the app refuses to start)."""


# --- configuration -------------------------------------------------------------------------------------------------


def _setting(name):
    if has_app_context() and name in current_app.config:
        return current_app.config.get(name)
    return os.environ.get(name) or None


def configured_source():
    """'pkcs12' or 'pem' when a key is configured in the environment, else None."""
    if _setting("SIGNING_PKCS12"):
        return "pkcs12"
    if _setting("SIGNING_KEY_PEM") or _setting("SIGNING_CERT_PEM"):
        return "pem"
    return None


def _read_pem(value):
    """PEM text given inline (starts with -----BEGIN) or as a file path."""
    if value is None:
        return None
    text = str(value)
    if text.lstrip().startswith("-----BEGIN"):
        return text.encode()
    with open(text, "rb") as handle:
        return handle.read()


def ensure_ready(*, demo):
    """At start: check the configured key, or make sure a generated one exists; refuse production without either."""
    source = configured_source()
    if source:
        signer = _environment_signer()
        _record_environment_chain(signer)
        return source
    if not (demo or _setting("SIGNING_DEMO_CA") in ("1", "true", "ja", True)):
        raise SigningConfigurationError(
            "Ondertekeningssleutel ontbreekt: met MONGODB_URI (productie) start het Praktijkloket niet zonder "
            "SIGNING_PKCS12 (met SIGNING_PKCS12_PASSWORD) of SIGNING_KEY_PEM en SIGNING_CERT_PEM. Zet "
            "SIGNING_DEMO_CA=1 om bewust te ondertekenen met een zelfgemaakte CA in de database."
        )
    if not demo:
        log.warning(
            "SIGNING_DEMO_CA: PDF's worden ondertekend met een zelfgemaakte CA waarvan de sleutel in de database "
            "staat; wie de database kan lezen, kan ondertekenen. Configureer een echte sleutel voor productie."
        )
    _generated_signer_document()
    return "generated"


# --- key material ----------------------------------------------------------------------------------------------------


def _load_asn1_cert(pem_or_der):
    from asn1crypto import pem, x509

    data = pem_or_der.encode() if isinstance(pem_or_der, str) else pem_or_der
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def _certs_from_pem(data):
    from pyhanko.keys import load_certs_from_pemder_data

    return list(load_certs_from_pemder_data(data)) if data else []


def _cert_pem(cert):
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", cert.dump()).decode()


def fingerprint(cert):
    return hashlib.sha256(cert.dump()).hexdigest()


def _environment_signer():
    """The pyHanko signer of the configured key (cached per file and its modification time)."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    source = configured_source()
    names = ("SIGNING_PKCS12",) if source == "pkcs12" else ("SIGNING_KEY_PEM", "SIGNING_CERT_PEM", "SIGNING_CHAIN_PEM")
    names += ("SIGNING_PKCS12_PASSWORD", "SIGNING_KEY_PASSWORD")
    key = (source, *(_stamp(_setting(n)) for n in names))
    with _cache_lock:
        if key in _signers:
            return _signers[key]
    try:
        if source == "pkcs12":
            password = _setting("SIGNING_PKCS12_PASSWORD")
            with open(_setting("SIGNING_PKCS12"), "rb") as handle:
                data = handle.read()
            signer = signers.SimpleSigner.load_pkcs12_data(
                data, other_certs=[], passphrase=password.encode() if password else None
            )
        else:
            from pyhanko.keys import load_private_key_from_pemder_data

            password = _setting("SIGNING_KEY_PASSWORD")
            private_key = load_private_key_from_pemder_data(
                _read_pem(_setting("SIGNING_KEY_PEM")), passphrase=password.encode() if password else None
            )
            cert = _load_asn1_cert(_read_pem(_setting("SIGNING_CERT_PEM")))
            chain = _certs_from_pem(_read_pem(_setting("SIGNING_CHAIN_PEM")))
            signer = signers.SimpleSigner(
                signing_cert=cert, signing_key=private_key, cert_registry=SimpleCertificateStore.from_certs(chain)
            )
    except Exception as exc:  # noqa: BLE001 - any unreadable key is one configuration error
        raise SigningConfigurationError(
            f"De ondertekeningssleutel kan niet worden gelezen ({type(exc).__name__}): controleer "
            "SIGNING_PKCS12/SIGNING_PKCS12_PASSWORD of SIGNING_KEY_PEM/SIGNING_CERT_PEM/SIGNING_CHAIN_PEM."
        ) from exc
    if signer is None or signer.signing_cert is None:
        raise SigningConfigurationError(
            "De ondertekeningssleutel kan niet worden gelezen: controleer het PKCS#12-bestand en het wachtwoord."
        )
    with _cache_lock:
        _signers[key] = signer
    return signer


def _stamp(value):
    """What identifies a setting's content for the cache: a hash of inline text, or a path and its mtime."""
    if not value:
        return None
    if not os.path.isfile(str(value)):
        return hashlib.sha256(str(value).encode()).hexdigest()
    try:
        return (str(value), os.stat(value).st_mtime_ns)
    except OSError:
        return (str(value), None)


def _record(cert, role, source, **extra):
    """Keep a certificate (once): it stays trusted after any rotation."""
    try:
        SigningCertificate(
            fingerprint=fingerprint(cert),
            role=role,
            source=source,
            subject=cert.subject.human_friendly[:500],
            certificate_pem=_cert_pem(cert),
            **extra,
        ).save(force_insert=True)
        return True
    except NotUniqueError:
        return False


def _record_environment_chain(signer):
    """Record the configured chain: its root (or the self-signed signer) becomes a lasting trust anchor."""
    cert = signer.signing_cert
    chain = [c for c in signer.cert_registry if fingerprint(c) != fingerprint(cert)]
    if cert.self_signed:  # its own trust anchor (one record per certificate: as a root)
        _record(cert, ROOT, ENVIRONMENT)
        return
    _record(cert, SIGNER, ENVIRONMENT)
    for root in [c for c in chain if c.self_signed] or chain[-1:]:
        _record(root, ROOT, ENVIRONMENT)


def _generated_signer_document():
    """The newest generated signing certificate; the first one is made here (one winner among app servers)."""
    current = SigningCertificate.objects(role=SIGNER, source=GENERATED).order_by("-created_at", "-id").first()
    return current or generate_key(slot="generation-1")


def generate_key(slot=None):
    """Make a new CA and signing certificate (EC P-256) and keep them; the newest signs from now on.

    The CA's private key is thrown away once it has signed the signing certificate: only the signing key is kept.
    Older certificates stay in the database, so what they signed stays verifiable (key rotation).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    count = SigningCertificate.objects(role=SIGNER, source=GENERATED).count()
    slot = slot or f"generation-{count + 1}"

    def name(common_name):
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Praktijkloket"),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            ]
        )

    def usage(**on):
        flags = dict.fromkeys(
            (
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ),
            False,
        )
        return x509.KeyUsage(**{**flags, **on})

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"Praktijkloket CA ({stamp})")
    validity = (now - dt.timedelta(days=1), now + dt.timedelta(days=365 * GENERATED_VALID_YEARS))
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(SIGNER_NAME))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    ca_asn1, cert_asn1 = _load_asn1_cert(ca_cert.public_bytes(der)), _load_asn1_cert(cert.public_bytes(der))
    # The CA first: a signer is never in the database without its trust anchor.
    _record(ca_asn1, ROOT, GENERATED)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    _record(cert_asn1, SIGNER, GENERATED, private_key_pem=key_pem, chain_pem=_cert_pem(ca_asn1), slot=slot)
    if SigningCertificate.objects(fingerprint=fingerprint(cert_asn1)).count() == 0:
        # Another app server made this generation at the same moment: use its key, drop our unused CA.
        SigningCertificate.objects(fingerprint=fingerprint(ca_asn1)).delete()
        return SigningCertificate.objects(slot=slot).first()
    return SigningCertificate.objects(fingerprint=fingerprint(cert_asn1)).first()


def _signer_from_document(doc):
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ("generated", doc.fingerprint)
    with _cache_lock:
        if key in _signers:
            return _signers[key]
    signer = signers.SimpleSigner(
        signing_cert=_load_asn1_cert(doc.certificate_pem),
        signing_key=load_private_key_from_pemder_data(doc.private_key_pem.encode(), passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(_certs_from_pem((doc.chain_pem or "").encode())),
    )
    with _cache_lock:
        _signers[key] = signer
    return signer


def current_signer():
    """The pyHanko signer in use now: the configured key, else the newest generated one."""
    if configured_source():
        signer = _environment_signer()
        if not SigningCertificate.objects(fingerprint=fingerprint(signer.signing_cert)).count():
            _record_environment_chain(signer)  # e.g. after a rotation in the environment without a restart
        return signer
    return _signer_from_document(_generated_signer_document())


# --- signing --------------------------------------------------------------------------------------------------------


def sign_pdf(data, *, certify=False):
    """Sign a PDF (PAdES B-B with signing time; B-T with TSA_URL); certify=True allows form filling only afterwards."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers, timestamps
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

    signer = current_signer()
    tsa_url = _setting("TSA_URL")
    meta = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        name=SIGNER_NAME,
        reason=REASON,
        certify=certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        use_pades_lta=False,
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    reserved = CMS_OVERHEAD_BYTES + len(signer.signing_cert.dump())
    reserved += sum(len(c.dump()) for c in signer.cert_registry)
    if timestamper:
        reserved += TIMESTAMP_TOKEN_BYTES
    reserved += reserved % 2  # pyHanko writes the container as hex into an even-sized slot
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    out = io.BytesIO()
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    _outside_event_loop(pdf_signer.sign_pdf, writer, output=out, bytes_reserved=reserved)
    return out.getvalue()


def _outside_event_loop(fn, *args, **kwargs):
    """Call one of pyHanko's synchronous functions (they use asyncio.run) even from a thread with a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


# --- trust ----------------------------------------------------------------------------------------------------------


def trusted_certificates():
    """Every trust anchor: recorded roots (all generations), the configured chain's root, SIGNING_TRUST_PEM."""
    certs = [_load_asn1_cert(c.certificate_pem) for c in SigningCertificate.objects(role=ROOT).order_by("-created_at")]
    extra = _setting("SIGNING_TRUST_PEM")
    if extra:
        certs += _certs_from_pem(_read_pem(extra))
    return certs


def ca_certificates_pem():
    """The trust anchors as one PEM file (newest first), for /verificatie's download."""
    return "".join(_cert_pem(c) for c in trusted_certificates())


# --- checking an uploaded PDF -------------------------------------------------------------------------------------

UNSIGNED = "unsigned"  # no signature at all
INTACT = "intact"  # our signature covers the whole file
ADDED = "added"  # our signature covers the original; something was appended afterwards
FILLED = "filled"  # ... and what was appended is form filling only
INVALID = "invalid"  # a signed part was changed (or the signature does not cover what it claims)
FOREIGN = "foreign"  # a signature, but not by a certificate of ours


@dataclass
class SignatureCheck:
    """What the signature of an uploaded PDF says (state is one of the constants above)."""

    state: str
    signed_at: dt.datetime | None = None
    signer: str | None = None
    signed_bytes: int = 0
    total_bytes: int = 0
    signed_sha256: str | None = None
    modification: str | None = None

    @property
    def original_is_valid(self):
        return self.state in (INTACT, ADDED, FILLED)


def check_signature(data):
    """Validate the earliest signature of a PDF against our trust anchors (never raises for hostile files)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - damaged or hostile: answered as unsigned (the page says "not issued")
        log.info("Uploaded PDF not readable for its signatures", exc_info=True)
        return SignatureCheck(UNSIGNED, total_bytes=len(data))
    if not signatures:
        return SignatureCheck(UNSIGNED, total_bytes=len(data))
    signature = min(signatures, key=lambda s: s.signed_revision)
    try:
        # A certificate that expired after it signed still validates here (tests/test_signing.py proves it).
        context = ValidationContext(trust_roots=trusted_certificates(), allow_fetching=False)
        status = _outside_event_loop(validate_pdf_signature, signature, context)
    except Exception:  # noqa: BLE001 - a malformed signature dictionary is a broken signature
        log.info("Signature of an uploaded PDF not validated", exc_info=True)
        return SignatureCheck(INVALID, total_bytes=len(data))
    byte_range = list(signature.byte_range)
    signed_bytes = byte_range[2] + byte_range[3]
    check = SignatureCheck(
        INVALID,
        signed_at=status.signer_reported_dt,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
        signed_bytes=signed_bytes,
        total_bytes=len(data),
        signed_sha256=hashlib.sha256(data[:signed_bytes]).hexdigest(),
        modification=getattr(status.modification_level, "name", None),
    )
    timestamp = getattr(status, "timestamp_validity", None)
    if timestamp is not None and timestamp.intact and timestamp.valid:
        check.signed_at = timestamp.timestamp
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not (status.intact and status.valid):
        return check
    if not status.trusted:
        check.state = FOREIGN
        return check
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        check.state = INTACT
    elif status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        filled = status.modification_level in (ModificationLevel.FORM_FILLING, ModificationLevel.LTA_UPDATES)
        check.state = FILLED if filled and status.docmdp_ok else ADDED
    return check
