"""Form widgets that render faster than WTForms' own where pages show long lists of choices
(every handling unit, leader and delegation): WTForms builds each <option> through html_params,
about 20 µs apiece, which made the search form a quarter of its page."""
from markupsafe import Markup, escape
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.widgets import Select


class QuickSelect(Select):
    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = " selected" if choice.selected else ""
        return Markup(f'<option{selected} value="{escape(value)}">{escape(choice.label or choice.value)}</option>')


class SelectField(_SelectField):
    widget = QuickSelect()


class SelectMultipleField(_SelectMultipleField):
    widget = QuickSelect(multiple=True)
