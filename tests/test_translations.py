"""The English catalogue: every message in the source is translated, and pages really show English.

The message ids are the Chinese UI strings. When you add or change one, run `make messages`, translate
the new entries in djgc_direct/translations/en/LC_MESSAGES/messages.po (and remove any `#, fuzzy`
flag), then `make translations`. The first test lists exactly which ids still need work.
"""
import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_domain

from djgc_direct.extensions import db

from tests.cases_world import make_world, write_letter
from tests.helpers import login

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "djgc_direct" / "translations"
PO_FILE = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# What `make messages` runs: pybabel extract -F babel.cfg -k _l ... djgc_direct templates.
# pybabel keeps its default keywords (_, gettext, ngettext, ...) and adds the -k ones; lazy_gettext
# is listed too so that a direct `lazy_gettext(...)` call is never missed.
SOURCE_DIRS = ("djgc_direct", "templates")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def extracted_messages():
    """{(msgid, context): first "path:line"} for every translatable string in the source."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for source_dir in SOURCE_DIRS:
        for filename, lineno, message, _comments, context in extract_from_dir(
                ROOT / source_dir, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
            msgid = message[0] if isinstance(message, (list, tuple)) else message
            if msgid:
                found.setdefault((msgid, context), f"{source_dir}/{filename}:{lineno}")
    return found


def english_catalogue():
    with open(PO_FILE, "rb") as po:
        return read_po(po, locale="en")


def _untranslated(entry):
    strings = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
    return not all(s and s.strip() for s in strings)


def test_every_source_message_has_an_english_translation():
    catalogue = english_catalogue()
    extracted = extracted_messages()
    assert len(extracted) > 100, "extraction found almost nothing; is babel.cfg still in the project root?"
    problems = []
    for (msgid, context), where in sorted(extracted.items(), key=lambda item: item[1]):
        entry = catalogue.get(msgid, context)
        if entry is None:
            problems.append(f"  missing   {where}  {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"  fuzzy     {where}  {msgid!r}")
        elif _untranslated(entry):
            problems.append(f"  empty     {where}  {msgid!r}")
    assert not problems, (
        f"{len(problems)} message id(s) lack an English translation in {os.path.relpath(PO_FILE, ROOT)}.\n"
        "Run `make messages`, fill in each msgstr (remove `#, fuzzy`), then `make translations`:\n"
        + "\n".join(problems))


def test_translations_keep_their_placeholders():
    """pybabel compile checks this too; here it fails with the entry named."""
    placeholder = re.compile(r"%\(\w+\)[sdifr]")
    wrong = []
    for entry in english_catalogue():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, (list, tuple)) else [entry.id]
        strings = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
        wanted = set(placeholder.findall(ids[-1]))
        for string in strings:
            if string and set(placeholder.findall(string)) != wanted:
                wrong.append(f"  {ids[0]!r} -> {string!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


@pytest.fixture
def compiled_english(app):
    """The .mo the app reads, rebuilt from the .po if it is missing or older (as `make translations`)."""
    if not MO_FILE.exists() or MO_FILE.stat().st_mtime < PO_FILE.stat().st_mtime:
        scratch = MO_FILE.with_name(f".messages.{os.getpid()}.mo")
        with open(scratch, "wb") as mo:
            write_mo(mo, english_catalogue())
        os.replace(scratch, MO_FILE)
        get_domain().cache.clear()  # drop any catalogue loaded before the rebuild


def _visible_text(html, *data):
    """The page's text (tags, the language switcher and the given data values removed)."""
    html = re.sub(r'<nav class="lang".*?</nav>', " ", html, flags=re.S)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    for value in data:
        text = text.replace(value, " ")
    return text


def _leftover_chinese(text):
    return sorted({match.group(0) for match in re.finditer(
        r"[^\s]*(?:[\u3400-\u4dbf\u4e00-\u9fff])[^\s]*", text)})


def test_pages_show_english_after_switching_language(client, compiled_english):
    world = make_world()
    case = write_letter(world)
    db.session.commit()
    client.get("/language/en?next=/login")
    assert login(client, world.secretary.username).status_code == 302
    data = (world.secretary.name, world.representative.name, case.title)

    home = client.get("/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert 'lang="en"' in page
    for label in ("Log out", "Home", "To register", "All letters", "Briefing pack", "Change password",
                  "Party Representative Direct Line", "Secretariat workspace", "My to-do list", "Submitted"):
        assert label in page, f"{label!r} not on the English home page"
    nav = re.search(r'<nav class="main-nav".*?</nav>', page, flags=re.S).group(0)
    assert not CJK.search(nav), f"Chinese left in the main navigation: {_leftover_chinese(_visible_text(nav))}"
    header = re.search(r"<header class=\"site-header\">.*?</header>", page, flags=re.S).group(0)
    assert not _leftover_chinese(_visible_text(header, *data)), "Chinese left in the page header"
    assert not _leftover_chinese(_visible_text(page, *data)), (
        f"untranslated text on the home page: {_leftover_chinese(_visible_text(page, *data))}")

    listing = client.get("/cases/")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    for label in ("All letters", "Number", "Status", "Filter", "Submitted", "Log out"):
        assert label in page, f"{label!r} not on the English case list"
    assert case.title in page
    assert not _leftover_chinese(_visible_text(page, *data)), (
        f"untranslated text on the case list: {_leftover_chinese(_visible_text(page, *data))}")


def test_local_times_read_as_babel_formats_them(app):
    """The `localtime` filter's fast path gives what Flask-Babel's format_datetime gives."""
    from datetime import datetime, timezone

    from flask_babel import format_datetime

    from djgc_direct.i18n import local_datetime

    values = [datetime(2026, 11, 26, 16, 5, tzinfo=timezone.utc), datetime(2026, 12, 31, 23, 59, 59),  # naive: UTC
              datetime(1999, 1, 2, 3, 4, tzinfo=timezone.utc)]
    with app.test_request_context("/"):
        for value in values:
            assert local_datetime(value) == format_datetime(value, "yyyy-MM-dd HH:mm")
        assert local_datetime(values[0]) == "2026-11-27 00:05"
        assert local_datetime(values[0], "yyyy-MM-dd") == "2026-11-27"
