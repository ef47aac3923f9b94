"""The participant import preview of a 5,000-row file against reading its cells with openpyxl alone."""

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

        def preview():
            participant_import.preview(user, data, "bench.xlsx")

        # In turns and in CPU time: the ratio is the target, so both sides see the same machine.
        timings = interleaved_ms({"preview": preview, "floor": lambda: openpyxl_floor(data)}, repeat=repeat)
        peak = peak_mb(preview)
    return {
        "import_preview_5000_s": timings["preview"] / 1000,
        "import_openpyxl_floor_s": timings["floor"] / 1000,
        "import_preview_peak_mb": peak,
    }
