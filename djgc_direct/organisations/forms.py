from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from djgc_direct.core.widgets import SelectField
from djgc_direct.organisations.models import Level, Sector


class OrganisationForm(FlaskForm):
    """The parent choices are set by the view."""

    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=120)])
    parent_id = SelectField(_l("上级组织"), coerce=int)
    level = SelectField(_l("层级"), choices=lambda: [(lv.value, lv.label) for lv in Level])
    sector = SelectField(_l("领域"), choices=lambda: [(s.value, s.label) for s in Sector])
    is_unit = BooleanField(_l("承办单位"))
    active = BooleanField(_l("启用"), default=True)


class DelegationForm(FlaskForm):
    name = StringField(_l("代表团名称"), validators=[DataRequired(), Length(max=120)])
    active = BooleanField(_l("启用"), default=True)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV 文件"), validators=[FileRequired(), FileAllowed(["csv"], _l("只接受 .csv 文件。"))])
