"""The participant import preview of a 5,000-row file against reading its cells with openpyxl alone.

The same 5,000 rows in two shapes (bench.participants_preview.build_file), each against its own floor:

- ``import_preview_excel_5000_s`` / ``import_openpyxl_excel_floor_s``: the file as Excel saves it, the shape a
  user uploads: a shared strings table and a ``<dimension>`` at the top of the sheet.
- ``import_preview_5000_s`` / ``import_openpyxl_floor_s``: the file as openpyxl's write-only mode writes it
  (inline strings, no ``<dimension>``), the benchmark's file until now. Opened plainly, openpyxl parses such a
  sheet once more just to size it; the import skips that scan, so this shape flatters the preview.

The floor is openpyxl's own read-only, data-only reading of every cell of the sheet (``openpyxl_floor``). Both
targets (preview <= 1.5x its floor) are checked, so the worse of the two decides.
"""

import io

from openpyxl import load_workbook

from bench.harness import interleaved_ms, peak_mb


def openpyxl_floor(data):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for _row in workbook["Deelnemers"].iter_rows(values_only=True):
        pass
    workbook.close()


def results(repeat=5):
    from app import create_app
    from bench.participants_preview import build_file
    from documents.users import User
    from services import participant_import

    app = create_app({"SECRET_KEY": "bench", "SEED_DEMO": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        user = User.objects.get(email="mbo@school.example")
        data = build_file(5000)
        excel = build_file(5000, excel=True)

        def preview(upload):
            return lambda: participant_import.preview(user, upload, "bench.xlsx")

        # In turns and in CPU time: the ratio is the target, so both sides see the same machine.
        timings = interleaved_ms(
            {
                "excel_preview": preview(excel),
                "excel_floor": lambda: openpyxl_floor(excel),
                "preview": preview(data),
                "floor": lambda: openpyxl_floor(data),
            },
            repeat=repeat,
        )
        peak = max(peak_mb(preview(excel)), peak_mb(preview(data)))
    return {
        "import_preview_excel_5000_s": timings["excel_preview"] / 1000,
        "import_openpyxl_excel_floor_s": timings["excel_floor"] / 1000,
        "import_preview_5000_s": timings["preview"] / 1000,
        "import_openpyxl_floor_s": timings["floor"] / 1000,
        "import_preview_peak_mb": peak,
    }
