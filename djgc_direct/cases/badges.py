"""The status and deadline badges of case lists and pages, as template globals.

Plain functions rather than Jinja macros: a list page shows sixty of them, and a macro call costs
several times a function call. Markup.format escapes every value it is given. A label is
translated once per language and kept: a lazy label goes through Flask-Babel's lookup each time it
is shown, a tenth of a list page.
"""
from flask_babel import get_locale
from markupsafe import Markup

_translated = {}  # (language, enum member) → its label in that language


def _label(member):
    key = (str(get_locale()), member)
    text = _translated.get(key)
    if text is None:
        text = _translated[key] = str(member.label)
    return text


def status_badge(status):
    return Markup('<span class="badge status-{}">{}</span>').format(status.value, _label(status))


def deadline_badge(deadline):
    urgency = _label(deadline.urgency)
    return Markup('<span class="deadline urgency-{}" title="{}">{} {} · {}</span>').format(
        deadline.urgency.value, urgency, _label(deadline.stage), deadline.due.isoformat(), urgency)
