from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from djgc_direct.accounts.models import Role
from djgc_direct.core.widgets import SelectField


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(), Length(max=128)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("两次输入的新密码不一致。"))],
    )


def _role_choices():
    return [(role.value, role.label) for role in Role]


class UserForm(FlaskForm):
    """Admin form for a user's profile; the organisation and delegation choices are set by the view."""

    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Email(), Length(max=254)])
    role = SelectField(_l("角色"), choices=_role_choices, validators=[DataRequired()])
    organisation_id = SelectField(_l("所属组织"), coerce=int, validators=[Optional()])
    delegation_id = SelectField(_l("所属代表团"), coerce=int, validators=[Optional()])
    title = StringField(_l("职务"), validators=[Optional(), Length(max=64)])
    precedence = IntegerField(_l("排序(领导)"), validators=[Optional(), NumberRange(min=1, max=999)])
    active = BooleanField(_l("启用"), default=True)
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(max=128)])
