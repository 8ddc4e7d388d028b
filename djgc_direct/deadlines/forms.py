from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from djgc_direct.deadlines.services import NOTE_MAX_LENGTH

WORKDAY, HOLIDAY = "workday", "holiday"


class OverrideForm(FlaskForm):
    day = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])
    kind = SelectField(_l("设为"), choices=[SelectChoice(HOLIDAY, _l("休息日(放假)")),
                                          SelectChoice(WORKDAY, _l("工作日(上班,如调休)"))],
                       validators=[InputRequired()])
    note = StringField(_l("说明"), validators=[InputRequired(_l("请填写说明。")), Length(max=NOTE_MAX_LENGTH)])

    @property
    def is_workday(self):
        return self.kind.data == WORKDAY
