"""Form widgets that render faster than WTForms' own where pages show long lists of choices
(every handling unit, leader and delegation): WTForms builds each <option> through html_params,
about 20 µs apiece, which made the search form a quarter of its page, and each checkbox of a list
as a subfield with its own label.

A long list renders the same for every request until its units or the selection change, so the
HTML of a list with plain-text labels is kept, keyed by everything it is made from; a secretary's
annotated case lists all handling units four times (a third of the page's time before)."""
import threading

from flask_babel import LazyString, get_locale
from markupsafe import Markup, escape
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import Select

KEPT_LISTS = 256
LABEL_TYPES = (str, LazyString)
_kept_lists = {}
_kept_lock = threading.Lock()


def _list_key(field, *extra):
    """What a field's rendered choices are made of, or None when they are not kept: choices with
    attributes of their own, labels other than text, or unhashable values. A label translated per
    request (a lazy string) is in the key as its message and the current locale, so each language
    is kept apart without translating every label to make the key."""
    choices = field.choices
    if not _plain(choices) or field.render_kw or not all(type(label) in LABEL_TYPES for _value, label in choices):
        return None
    data = field.data
    selected = tuple(data) if isinstance(data, list) else data
    flags = tuple(name for name in ("disabled", "required") if getattr(field.flags, name, False))
    shown = tuple((value, _label_key(label)) for value, label in choices)
    locale = str(get_locale()) if any(type(label) is LazyString for _value, label in choices) else None
    key = (type(field.widget), field.id, field.name, field.coerce, flags, shown, selected, locale, *extra)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _label_key(label):
    """A label as it stands in a key: text itself; a lazy string as the call that translates it
    (flask_babel's LazyString keeps it as _func, _args and _kwargs)."""
    if type(label) is str:
        return label
    return label._func, label._args, tuple(sorted(label._kwargs.items()))


def _kept(key, render):
    """`render()`, kept under `key` (None: rendered each time)."""
    if key is None:
        return render()
    html = _kept_lists.get(key)
    if html is None:
        html = render()
        with _kept_lock:
            if len(_kept_lists) >= KEPT_LISTS:  # units renamed or added: start again
                _kept_lists.clear()
            _kept_lists[key] = html
    return html


class QuickSelect(Select):
    def __call__(self, field, **kwargs):
        key = _list_key(field, self.multiple, tuple(sorted(kwargs.items())))
        return _kept(key, lambda: super(QuickSelect, self).__call__(field, **kwargs))

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = " selected" if choice.selected else ""
        return Markup(f'<option{selected} value="{escape(value)}">{escape(choice.label or choice.value)}</option>')


class SelectField(_SelectField):
    widget = QuickSelect()

    def pre_validate(self, form):
        # WTForms looks for the value among every choice, building an object per choice, and when
        # nothing was chosen it words an error (loading WTForms' own translations) that the
        # Optional validator then drops: a search form's four empty filters cost a millisecond.
        # Plain choices are looked through directly; anything else, and a wrong value, WTForms decides.
        if self.validate_choice and not self.process_errors and _plain(self.choices) and (
                _left_empty(self) or any(self.coerce(value) == self.data for value, _label in self.choices)):
            return
        super().pre_validate(form)


def _left_empty(field):
    """Nothing chosen in a field the Optional validator lets be empty (it stops the validation
    and clears the errors, as WTForms' Optional decides)."""
    optional = next((v for v in field.validators if isinstance(v, Optional)), None)
    if optional is None:
        return False
    raw = field.raw_data
    return not raw or isinstance(raw[0], str) and not optional.string_check(raw[0])


def _plain(choices):
    return isinstance(choices, list) and all(type(choice) is tuple and len(choice) == 2 for choice in choices)


class SelectMultipleField(_SelectMultipleField):
    widget = QuickSelect(multiple=True)


def choice_items(field):
    """The <li> items of a checkbox list or radio group: each option's input and label, exactly as
    WTForms renders them (`option()` and `option.label`), without building a subfield and a Label
    per option — a leader's assign form lists every handling unit twice."""
    return _kept(_list_key(field, type(field.option_widget)), lambda: _choice_items(field))


def _choice_items(field):
    choices = list(field.iter_choices())
    if field.render_kw or any(choice.render_kw for choice in choices):
        return Markup("").join(Markup("<li>{} {}</li>").format(option(), option.label) for option in field)
    # Plain strings, escaped here, joined once: Markup.format per item cost more than the rest.
    common = [(name, True) for name in ("disabled", "required") if getattr(field.flags, name, False)] + [
        ("name", field.name), ("type", field.option_widget.input_type)]
    items = []
    for index, choice in enumerate(choices):
        option_id = f"{field.id}-{index}"
        attributes = sorted([("checked", True)] * bool(choice.selected) + common + [
            ("id", option_id), ("value", choice.value)])
        html = " ".join(name if value is True else f'{name}="{escape(value)}"' for name, value in attributes)
        items.append(f'<li><input {html}> <label for="{escape(option_id)}">{escape(choice.label)}</label></li>')
    return Markup("".join(items))
