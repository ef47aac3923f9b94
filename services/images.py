"""Uploaded logos: checked to be real images, size-limited, re-encoded (never stored as uploaded)."""

import io
import warnings

from PIL import Image, UnidentifiedImageError

from services.clock import format_number
from services.errors import RuleBroken

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 1200
# Width x height an upload may have before decoding: a 670 KB PNG can declare 13,300 x 13,300 pixels and
# cost 0.7 GB to decode, so the header decides and nothing larger is ever loaded.
MAX_SOURCE_PIXELS = 16_000_000
NOT_AN_IMAGE = "Dit bestand is geen afbeelding die we kunnen lezen. Kies een JPG- of PNG-bestand."


class ImageError(RuleBroken):
    """A Dutch message about an uploaded image that cannot be used."""


def _too_many_pixels(width=None, height=None):
    size = f" ({format_number(width)} × {format_number(height)})" if width and height else ""
    return ImageError(
        f"Het logo heeft te veel pixels{size}. Kies een afbeelding "
        f"van hoogstens {MAX_SOURCE_PIXELS // 1_000_000} megapixel (bijvoorbeeld 4.000 × 4.000 pixels); "
        f"een logo wordt toch verkleind tot {format_number(MAX_LOGO_PIXELS)} pixels breed of hoog."
    )


def process_logo(data, *, max_bytes=MAX_LOGO_BYTES):
    """Return (bytes, mimetype) of a re-encoded JPEG (or PNG when it has transparency)."""
    if not data:
        raise ImageError("Kies een afbeelding (JPG of PNG).")
    if len(data) > max_bytes:
        raise ImageError(
            f"Het logo is te groot ({len(data) / 1024 / 1024:.1f} MB). "
            f"Kies een bestand van hoogstens {max_bytes // (1024 * 1024)} MB."
        )
    width = height = None
    try:
        with warnings.catch_warnings():
            # Pillow warns above 89 megapixels; our own, lower limit is checked right after the header is read.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Image.open reads the header only: format and size are known before any pixel is decoded.
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ("JPEG", "PNG"):
                    raise ImageError(
                        f"Een logo moet een JPG- of PNG-bestand zijn (dit is {fmt or 'een onbekend formaat'})."
                    )
                if width * height > MAX_SOURCE_PIXELS:
                    raise _too_many_pixels(width, height)
                probe.verify()
            image = Image.open(io.BytesIO(data))
            if image.size != (width, height):
                raise ImageError(NOT_AN_IMAGE)
            image.load()
    except ImageError:
        raise
    except Image.DecompressionBombError:  # above 179 megapixels Pillow refuses inside Image.open
        raise _too_many_pixels(width, height) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageError(NOT_AN_IMAGE) from None
    image.thumbnail((MAX_LOGO_PIXELS, MAX_LOGO_PIXELS))
    out = io.BytesIO()
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue(), "image/jpeg"


def attach_logo(document, data, slot="logo"):
    """Check and re-encode an uploaded logo, store it as a file for the (unsaved) document; return the replaced id.

    The caller discards the returned id (documents.files.StoredFile.discard) once the document is saved.
    """
    from documents.files import attach

    logo, mimetype = process_logo(data)
    return attach(document, slot, logo, mimetype)
