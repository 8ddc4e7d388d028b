"""The quick select renders exactly what WTForms' own Select does (escaping and selection
included), only faster."""
import pytest
from wtforms import Form
from wtforms import SelectField as WTFormsSelectField
from wtforms import SelectMultipleField as WTFormsSelectMultipleField

from djgc_direct.core.widgets import SelectField, SelectMultipleField

CHOICES = [("", "全部"), (1, "雒容工业园区管委会"), (2, '<script>"x"&</script>'), (3, "")]


@pytest.mark.parametrize("data", [{"one": "", "many": []}, {"one": "2", "many": ["1", "3"]}])
def test_quick_select_renders_as_wtforms_does(data):
    class Reference(Form):
        one = WTFormsSelectField(choices=CHOICES, coerce=str)
        many = WTFormsSelectMultipleField(choices=CHOICES, coerce=str)

    class Quick(Form):
        one = SelectField(choices=CHOICES, coerce=str)
        many = SelectMultipleField(choices=CHOICES, coerce=str)

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
