"""Form widgets that render faster than WTForms' own where pages show long lists of choices
(every handling unit, leader and delegation): WTForms builds each <option> through html_params,
about 20 µs apiece, which made the search form a quarter of its page, and each checkbox of a list
as a subfield with its own label."""
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


def choice_items(field):
    """The <li> items of a checkbox list or radio group: each option's input and label, exactly as
    WTForms renders them (`option()` and `option.label`), without building a subfield and a Label
    per option — a leader's assign form lists every handling unit twice."""
    choices = list(field.iter_choices())
    if field.render_kw or any(choice.render_kw for choice in choices):
        return Markup("").join(Markup("<li>{} {}</li>").format(option(), option.label) for option in field)
    flags = [(name, True) for name in ("disabled", "required") if getattr(field.flags, name, False)]
    items = []
    for index, choice in enumerate(choices):
        option_id = f"{field.id}-{index}"
        attributes = sorted([("checked", True)] * bool(choice.selected) + flags + [
            ("id", option_id), ("name", field.name), ("type", field.option_widget.input_type),
            ("value", choice.value)])
        html = " ".join(name if value is True else f'{name}="{escape(value)}"' for name, value in attributes)
        items.append(Markup('<li><input {}> <label for="{}">{}</label></li>').format(
            Markup(html), option_id, choice.label))
    return Markup("").join(items)
