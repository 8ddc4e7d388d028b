"""The quick select renders exactly what WTForms' own Select does (escaping and selection
included), only faster."""
import pytest
from wtforms import Form
from wtforms import SelectField as WTFormsSelectField
from wtforms import SelectMultipleField as WTFormsSelectMultipleField

from djgc_direct.cases.forms import CheckboxListField
from djgc_direct.core.widgets import SelectField, SelectMultipleField

CHOICES = [("", "全部"), (1, "雒容工业园区管委会"), (2, '<script>"x"&</script>'), (3, "")]


def select_forms(choices, coerce):
    """A form of WTForms' own selects and one of ours (with a checkbox list too), alike."""
    class Reference(Form):
        one = WTFormsSelectField(choices=choices, coerce=coerce)
        many = WTFormsSelectMultipleField(choices=choices, coerce=coerce)

    class Quick(Form):
        one = SelectField(choices=choices, coerce=coerce)
        many = SelectMultipleField(choices=choices, coerce=coerce)
        units = CheckboxListField(choices=choices, coerce=coerce)
    return Reference, Quick


@pytest.mark.parametrize("data", [{"one": "", "many": []}, {"one": "2", "many": ["1", "3"]}])
def test_quick_select_renders_as_wtforms_does(data):
    Reference, Quick = select_forms(CHOICES, str)
    reference, quick = Reference(data=data), Quick(data=data)
    for name in ("one", "many"):
        assert str(quick[name]()) == str(reference[name]())
        assert str(quick[name](class_="wide", required=True)) == str(reference[name](class_="wide", required=True))
    assert "&lt;script&gt;" in str(quick.one()) and "<script>" not in str(quick.one())


def test_options_with_their_own_attributes_fall_back_to_wtforms():
    choices = [(1, "甲", {"disabled": True}), (2, "乙", {})]

    class Reference(Form):
        one = WTFormsSelectField(choices=choices, coerce=str)

    class Quick(Form):
        one = SelectField(choices=choices, coerce=str)

    assert str(Quick().one()) == str(Reference().one())


def test_choice_items_render_as_wtforms_options_do():
    """Checkbox lists and radio groups (templates/_forms.html::choice_group): the same <li> items
    as iterating the field, required and escaped alike; with render_kw, WTForms itself renders."""
    from markupsafe import Markup
    from wtforms import RadioField
    from wtforms.validators import DataRequired

    from djgc_direct.core.widgets import choice_items

    class Choices(Form):
        units = CheckboxListField(choices=[(1, "市财政局<"), (2, "雒容工业园区管委会")], coerce=int)
        leaders = CheckboxListField(choices=[(1, '陈刚"'), (2, "张建华&")], coerce=int, validators=[DataRequired()])
        behalf = RadioField(choices=[("self", "本人"), ("members", "党员群众")])
        styled = RadioField(choices=[("x", "X")], validators=[DataRequired()], render_kw={"class": "wide"})

    form = Choices(data={"units": [2], "leaders": [1], "behalf": "members"})
    for field in form:
        wtforms_items = Markup("").join(Markup("<li>{} {}</li>").format(option(), option.label) for option in field)
        assert str(choice_items(field)) == str(wtforms_items)
    assert "required" in str(choice_items(form.leaders)) and "&lt;" in str(choice_items(form.units))


def test_kept_lists_follow_their_choices_selection_and_language(app):
    """Lists are kept by what they are made of: another selection, other units or a lazy label in
    another language render anew, always as WTForms would."""
    from flask_babel import force_locale
    from flask_babel import lazy_gettext as _l
    from markupsafe import Markup

    from djgc_direct.core.widgets import choice_items

    def items(field):
        return str(Markup("").join(Markup("<li>{} {}</li>").format(option(), option.label) for option in field))

    for choices in ([(1, "市财政局"), (2, "雒容工业园区管委会")], [(1, "市财政局"), (3, "市人社局")]):
        Reference, Quick = select_forms(choices, int)
        for data in ({"one": 1, "many": [1], "units": [1]}, {"one": 2, "many": [2, 3], "units": [2, 3]}, {}):
            reference, quick = Reference(data=data), Quick(data=data)
            for _ in range(2):  # the second time from what was kept
                assert str(quick.one()) == str(reference.one())
                assert str(quick.many(size=5)) == str(reference.many(size=5))
                assert str(choice_items(quick.units)) == items(quick.units)

    Reference, Quick = select_forms([(1, _l("草稿"))], int)
    for locale, label in (("zh_Hans_CN", "草稿"), ("en", "Draft"), ("zh_Hans_CN", "草稿"), ("en", "Draft")):
        with app.test_request_context(), force_locale(locale):
            assert f">{label}</option>" in str(Quick().one()) and f">{label}</label>" in str(choice_items(Quick().units))
            assert str(Quick().one()) == str(Reference().one())


@pytest.mark.parametrize("given", [None, "", "2", "9", "x"])
@pytest.mark.parametrize("optional", [True, False])
def test_quick_select_validates_as_wtforms_does(given, optional):
    """The same verdict and errors as WTForms' own select, with and without Optional, for a value
    left out, left empty, among the choices, not among them, and one that cannot be coerced."""
    from werkzeug.datastructures import MultiDict
    from wtforms.validators import DataRequired, Optional

    def optional_id(value):
        return int(value) if value not in (None, "") else None

    validators = [Optional()] if optional else [DataRequired()]

    class Reference(Form):
        one = WTFormsSelectField(choices=CHOICES, coerce=optional_id, validators=validators)

    class Quick(Form):
        one = SelectField(choices=CHOICES, coerce=optional_id, validators=validators)

    formdata = MultiDict({} if given is None else {"one": given})
    reference, quick = Reference(formdata), Quick(formdata)
    assert quick.validate() == reference.validate()
    assert quick.one.errors == reference.one.errors
    assert quick.one.data == reference.one.data
