"""PDF rendering of the begeleidingsdocument and the praktijkverklaring (xhtml2pdf on reportlab).

Renderers take plain snapshot dicts (no database access): render_guidance, render_statement; a filled-in
begeleidingsdocument is read back with read_guidance_fields.
"""

from services.pdf.base import PdfRenderError
from services.pdf.guidance import GuidancePdfError, read_guidance_fields, render_guidance, work_process_keys
from services.pdf.statement import render_statement

__all__ = [
    "GuidancePdfError",
    "PdfRenderError",
    "read_guidance_fields",
    "render_guidance",
    "render_statement",
    "work_process_keys",
]
