"""The selection of cases for a briefing pack."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice
from wtforms.validators import Optional

from djgc_direct.core.widgets import SelectField, SelectMultipleField
from djgc_direct.documents.builders import PACK_STATUSES


class PackForm(FlaskForm):
    """Status and period of first submission choose the cases; the download posts the cases
    ticked in the preview as well."""

    status = SelectField(_l("办理状态"), validators=[Optional()], choices=[
        SelectChoice("", _l("全部")), *[SelectChoice(status.value, status.label) for status in PACK_STATUSES]])
    date_from = DateField(_l("收信日期(起)"), validators=[Optional()])
    date_to = DateField(_l("收信日期(止)"), validators=[Optional()])
    case_ids = SelectMultipleField(_l("来信"), coerce=int, validate_choice=False)

    def criteria(self):
        return {"status": self.status.data or None, "date_from": self.date_from.data, "date_to": self.date_to.data}
