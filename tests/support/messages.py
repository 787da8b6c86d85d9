"""The pages' messages: what the templates and web/*.py ask to translate, and the
catalogs that translate them (src/patron/web/locales/<language>/LC_MESSAGES/messages.po).

`make messages` runs `python -m tests.support.messages`: every catalog gets the messages
that are new (untranslated, for a translator to fill in) and loses those no page uses
any more; tests/web/test_i18n.py fails until every message is translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parents[2] / "src" / "patron" / "web"
LOCALES = WEB / "locales"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> Catalog:
    """Every message the pages use, singular or (singular, plural)."""
    catalog = Catalog()
    for filename, line, message, comments, context in extract_from_dir(
        WEB, method_map=METHODS, options_map=OPTIONS, keywords=DEFAULT_KEYWORDS
    ):
        catalog.add(message, locations=[(filename, line)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language)


def update(language: str) -> Catalog:
    """The language's catalog brought in line with the pages: new messages added empty,
    unused ones dropped, translations kept."""
    path = po_path(language)
    current = read(language) if path.exists() else Catalog(locale=language)
    template = extracted()
    created = current.creation_date
    current.update(template, no_fuzzy_matching=True)
    current.creation_date = created  # no diff in the file when nothing changed
    current.obsolete.clear()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        write_po(target, current, omit_header=False, no_location=True, sort_output=True, width=100)
    return current


if __name__ == "__main__":
    for folder in sorted(p.name for p in LOCALES.iterdir() if p.is_dir()):
        catalog = update(folder)
        strings = [m.string if isinstance(m.string, tuple) else (m.string,) for m in catalog]
        missing = [s for m, s in zip(catalog, strings, strict=True) if m.id and not all(s)]
        print(f"{folder}: {len(catalog)} messages, {len(missing)} to translate")
