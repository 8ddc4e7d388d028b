"""Forms for the case pages. Choices that come from the database are filled in by the views."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length, Optional

from djgc_direct.cases.models import Category, OnBehalfOf, Outcome, Rating
from djgc_direct.core.widgets import SelectField, SelectMultipleField


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# Length limits here only stop absurd requests early; the services enforce the real rules.
class LetterForm(FlaskForm):
    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=200)])
    content = TextAreaField(_l("内容"), validators=[DataRequired(), Length(max=50_000)])
    category = SelectField(_l("类别"), choices=Category.choices)
    on_behalf_of = RadioField(_l("反映方式"), choices=OnBehalfOf.choices, default=OnBehalfOf.SELF.value)
    leader_ids = CheckboxListField(_l("致信领导"), coerce=int)
    attachments = MultipleFileField(_l("附件"))
    save_draft = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(), Length(max=5000)])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("说明"), validators=[Optional(), Length(max=5000)])


class ForwardForm(FlaskForm):
    leader_ids = CheckboxListField(_l("呈阅领导"), coerce=int)
    comment = TextAreaField(_l("拟办意见"), validators=[Optional(), Length(max=5000)])


class AssignFieldsMixin:
    unit_ids = CheckboxListField(_l("承办单位"), coerce=int)
    lead_unit_id = SelectField(_l("主办单位"), coerce=int, validators=[Optional()])
    due_date = DateField(_l("办理期限(不填则按默认工作日计算)"), validators=[Optional()])


class AnnotateForm(AssignFieldsMixin, FlaskForm):
    text = TextAreaField(_l("批示内容"), validators=[DataRequired(), Length(max=5000)])
    internal = BooleanField(_l("内部批示(不向党代表显示)"))
    leader_id = SelectField(_l("批示领导(代录纸质批示)"), coerce=int, validators=[Optional()])


class AssignForm(AssignFieldsMixin, FlaskForm):
    pass


class DelegateForm(FlaskForm):
    to_leader_id = SelectField(_l("转批给"), coerce=int)
    comment = TextAreaField(_l("转批意见"), validators=[Optional(), Length(max=5000)])


class MergeForm(FlaskForm):
    into_case_id = IntegerField(_l("并入来信的系统编号"), validators=[DataRequired()])


class LinkForm(FlaskForm):
    linked_case_id = IntegerField(_l("关联来信的系统编号"), validators=[DataRequired()])


class ProgressForm(FlaskForm):
    text = TextAreaField(_l("办理进展"), validators=[DataRequired(), Length(max=5000)])


class ExtensionForm(FlaskForm):
    due_date = DateField(_l("申请延期至"), validators=[DataRequired()])
    reason = TextAreaField(_l("延期理由"), validators=[DataRequired(), Length(max=5000)])


class ExtensionDecisionForm(FlaskForm):
    note = TextAreaField(_l("审批意见"), validators=[Optional(), Length(max=5000)])


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("答复内容"), validators=[DataRequired(), Length(max=20_000)])
    outcome = SelectField(_l("办理结果"), choices=Outcome.choices)
    amount_yuan = StringField(_l("涉及金额(元,可不填)"), validators=[Optional(), Length(max=32)])
    attachments = MultipleFileField(_l("附件"))


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("评价"), choices=Rating.choices, validators=[DataRequired()])
    comment = TextAreaField(_l("评价意见(不满意时必填)"), validators=[Optional(), Length(max=5000)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    status = SelectField(_l("状态"), validators=[Optional()])
    q = StringField(_l("关键词或编号"), validators=[Optional(), Length(max=100)])
