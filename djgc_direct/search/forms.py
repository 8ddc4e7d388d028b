"""The search form: words and filters in the query string. Choices come from the view."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from djgc_direct.core.widgets import SelectField
from djgc_direct.search.services import MAX_QUERY


def _optional_id(value):
    return int(value) if value not in (None, "") else None


def _overdue_choices():
    return [("", _l("不限")), ("yes", _l("已逾期")), ("no", _l("未逾期"))]


def _sort_choices():
    return [("", _l("默认")), ("relevance", _l("相关度")), ("newest", _l("最新")), ("oldest", _l("最早"))]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("关键词"), validators=[Optional(), Length(max=MAX_QUERY)])
    status = SelectField(_l("状态"), validators=[Optional()])
    category = SelectField(_l("类别"), validators=[Optional()])
    leader_id = SelectField(_l("领导"), coerce=_optional_id, validators=[Optional()])
    unit_id = SelectField(_l("承办单位"), coerce=_optional_id, validators=[Optional()])
    delegation_id = SelectField(_l("代表团"), coerce=_optional_id, validators=[Optional()])
    date_from = DateField(_l("来信日期自"), validators=[Optional()])
    date_to = DateField(_l("至"), validators=[Optional()])
    overdue = SelectField(_l("逾期"), choices=_overdue_choices, validators=[Optional()])
    sort = SelectField(_l("排序"), choices=_sort_choices, validators=[Optional()])
