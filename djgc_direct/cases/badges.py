"""The status and deadline badges of case lists and pages, as template globals.

Plain functions rather than Jinja macros: a list page shows sixty of them, and a macro call costs
several times a function call. Markup.format escapes every value it is given.
"""
from markupsafe import Markup


def status_badge(status):
    return Markup('<span class="badge status-{}">{}</span>').format(status.value, status.label)


def deadline_badge(deadline):
    urgency = deadline.urgency.label
    return Markup('<span class="deadline urgency-{}" title="{}">{} {} · {}</span>').format(
        deadline.urgency.value, urgency, deadline.stage.label, deadline.due.isoformat(), urgency)
