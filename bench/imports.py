"""The participant import preview of a 5,000-row file against reading its cells with openpyxl alone."""

import io

from openpyxl import load_workbook

from bench.harness import median_ms, peak_mb


def openpyxl_floor(data):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for _row in workbook["Deelnemers"].iter_rows(values_only=True):
        pass
    workbook.close()


def results(repeat=3):
    from app import create_app
    from bench.participants_preview import build_file
    from documents.users import User
    from services import participant_import

    app = create_app({"SECRET_KEY": "bench", "SEED_DEMO": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        user = User.objects.get(email="mbo@school.example")
        data = build_file(5000)

        def preview():
            participant_import.preview(user, data, "bench.xlsx")

        floor_ms = median_ms(lambda: openpyxl_floor(data), repeat=repeat)
        preview_ms = median_ms(preview, repeat=repeat)
        peak = peak_mb(preview)
    return {
        "import_preview_5000_s": preview_ms / 1000,
        "import_openpyxl_floor_s": floor_ms / 1000,
        "import_preview_peak_mb": peak,
    }
