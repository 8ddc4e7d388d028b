from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length

from djgc_direct.core.widgets import SelectField
from djgc_direct.deadlines.services import LADDER, LIMITS, NOTE_MAX_LENGTH, WORKDAYS, not_a_whole_number

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


def _workdays_field(key, description):
    # Only whole numbers are checked here; the ranges and the order of the rungs are the
    # service's rules (update_deadline_settings), shown on the field it names.
    limit = LIMITS[key]
    return IntegerField(limit.label, description=description, invalid_value_message=not_a_whole_number(key),
                        validators=[InputRequired(_l("请填写“%(label)s”。", label=limit.label))],
                        render_kw={"min": limit.low, "max": limit.high})


class DeadlineSettingsForm(FlaskForm):
    register = _workdays_field("register", _l("自来信提交起,登记并呈阅领导。"))
    annotate = _workdays_field("annotate", _l("自呈阅起,领导批示。"))
    acknowledge = _workdays_field("acknowledge", _l("自交办起,承办单位签收。"))
    reply = _workdays_field("reply", _l("自交办起,主办单位答复;交办时可另定日期。"))
    feedback = _workdays_field("feedback", _l("自答复送达起,代表评价;逾期按“未评价”办结。"))
    due_soon = _workdays_field("due_soon", _l("到期前几个工作日起提醒,页面标为“即将到期”;0 为不提前提醒。"))
    overdue = _workdays_field("overdue", _l("逾期满几个工作日时提醒承办方。"))
    escalation_1 = _workdays_field("escalation_1", _l("逾期满几个工作日时向秘书处督办,须多于逾期提醒。"))
    escalation_2 = _workdays_field("escalation_2", _l("逾期满几个工作日时向批示领导督办,须多于一级督办。"))

    @property
    def time_limits(self):
        return [self[key] for key, limit in LIMITS.items() if limit.config_key == WORKDAYS]

    @property
    def ladder(self):
        return [self[key] for key, limit in LIMITS.items() if limit.config_key == LADDER]

    def values(self):
        return {key: self[key].data for key in LIMITS}
