"""Dutch everywhere: Flask-Babel set to nl, and our wording over Flask-Admin's odd nl catalogue."""

import types

from flask_babel import Babel

# Flask-Admin's shipped catalogue wins over a translations_path of our own, so these entries are
# merged into its translations after loading. Keys are Flask-Admin's English msgids.
ADMIN_OVERRIDES = {
    "Home": "Start",
    "Create": "Nieuw",
    "Create New Record": "Nieuw item aanmaken",
    "New": "Nieuw",
    "List": "Overzicht",
    "Details": "Details",
    "View Record": "Bekijken",
    "Edit Record": "Wijzigen",
    "Edit": "Wijzigen",
    "Delete": "Verwijderen",
    "Delete Record": "Verwijderen",
    "Delete?": "Verwijderen?",
    "Apply": "Toepassen",
    "Reset Filters": "Filters wissen",
    "Add Filter": "Filter toevoegen",
    "Filter": "Filter",
    "Export": "Exporteren",
    "Search": "Zoeken",
    "items": "per pagina",
    "No": "Nee",
    "Yes": "Ja",
    "With selected": "Met geselecteerde",
    "Select all records": "Alles selecteren",
    "Select record": "Selecteren",
    "Save": "Opslaan",
    "Save and Add Another": "Opslaan en nog een toevoegen",
    "Save and Continue Editing": "Opslaan en verder wijzigen",
    "Cancel": "Annuleren",
    "Please select at least one record.": "Selecteer ten minste één regel.",
    "Are you sure you want to delete this record?": "Weet u zeker dat u dit wilt verwijderen?",
    "Are you sure you want to delete selected records?": "Weet u zeker dat u de geselecteerde regels wilt verwijderen?",
    "Record was successfully created.": "Opgeslagen.",
    "Record was successfully saved.": "De wijzigingen zijn opgeslagen.",
    "Record was successfully deleted.": "Verwijderd.",
    "Record does not exist.": "Dit item bestaat niet (meer).",
    "Failed to create record.": "Opslaan is niet gelukt.",
    "Failed to save record.": "Opslaan is niet gelukt.",
    "Failed to create record. %(error)s": "Opslaan is niet gelukt. %(error)s",
    "Failed to update record. %(error)s": "Wijzigen is niet gelukt. %(error)s",
    "Failed to delete record. %(error)s": "Verwijderen is niet gelukt. %(error)s",
    "Failed to delete records. %(error)s": "Verwijderen is niet gelukt. %(error)s",
    "Failed to get model. %(error)s": "Ophalen is niet gelukt. %(error)s",
    "There are no items in the table.": "Er is niets gevonden.",
    "Integrity error. %(message)s": "Dit kan niet worden opgeslagen. %(message)s",
    "Invalid Choice: could not coerce": "Ongeldige keuze.",
    "Not a valid choice": "Geen geldige keuze",
    "Already exists.": "Bestaat al.",
    "Permission denied.": "U hebt hier geen toegang toe.",
    "Please select model": "Maak een keuze",
    "ObjectId equals": "is gelijk aan",
    "equals": "is gelijk aan",
    "not equal": "is niet gelijk aan",
    "greater than": "groter dan",
    "smaller than": "kleiner dan",
    "between": "tussen",
    "not between": "niet tussen",
    "Invalid Filter Value: %(value)s": "Ongeldige filterwaarde: %(value)s",
    'Export type "%(type)s" is not supported.': 'Exporttype "%(type)s" wordt niet ondersteund.',
    "Sort by %(name)s": "Sorteren op %(name)s",
    "Invalid time format": "Ongeldige tijd",
}
PLURAL_OVERRIDES = {
    "Record was successfully deleted.": ("Verwijderd.", "%(count)s items verwijderd."),
}


def _patch_admin_domain():
    from flask_admin import babel as admin_babel

    domain = admin_babel.domain
    if getattr(domain, "_praktijkloket_patched", False):
        return
    original = domain.get_translations

    def get_translations(self):
        translations = original()
        catalog = getattr(translations, "_catalog", None)
        if catalog is not None and not catalog.get("__praktijkloket__"):
            catalog.update(ADMIN_OVERRIDES)
            for msgid, (one, many) in PLURAL_OVERRIDES.items():
                catalog[(msgid, 0)] = one
                catalog[(msgid, 1)] = many
            catalog["__praktijkloket__"] = "1"
        return translations

    domain.get_translations = types.MethodType(get_translations, domain)
    domain._praktijkloket_patched = True


def init_i18n(app):
    Babel(app, locale_selector=lambda: "nl", timezone_selector=lambda: "Europe/Amsterdam")
    _patch_admin_domain()
