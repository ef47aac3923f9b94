"""Uploaded logos: checked to be real images, size-limited, re-encoded (never stored as uploaded)."""

import io

from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 1200


class ImageError(ValueError):
    """A Dutch message about an uploaded image that cannot be used."""


def process_logo(data, *, max_bytes=MAX_LOGO_BYTES):
    """Return (bytes, mimetype) of a re-encoded JPEG (or PNG when it has transparency)."""
    if not data:
        raise ImageError("Kies een afbeelding (JPG of PNG).")
    if len(data) > max_bytes:
        raise ImageError(f"Het logo is te groot ({len(data) / 1024 / 1024:.1f} MB). "
                         f"Kies een bestand van hoogstens {max_bytes // (1024 * 1024)} MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        fmt = image.format
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError("Dit bestand is geen afbeelding die we kunnen lezen. Kies een JPG- of PNG-bestand.") from None
    if fmt not in ("JPEG", "PNG"):
        raise ImageError(f"Een logo moet een JPG- of PNG-bestand zijn (dit is {fmt or 'een onbekend formaat'}).")
    image.thumbnail((MAX_LOGO_PIXELS, MAX_LOGO_PIXELS))
    out = io.BytesIO()
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue(), "image/jpeg"
