"""Account operations. They change state and flush; the caller commits once."""
import functools
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from djgc_direct.accounts.models import ApiToken, Role, User, UserSession
from djgc_direct.audit.services import changes, record
from djgc_direct.core.clock import now_utc
from djgc_direct.core.errors import NotFound, ValidationError
from djgc_direct.core.text import clean_text
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Delegation, Organisation

# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = None

USER_FIELDS = ("name", "email", "role", "organisation", "delegation", "title", "precedence", "active")


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_problem(password):
    """The reason `password` is unacceptable, or None."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        return _("密码至少需要 %(n)d 个字符。", n=min_length)
    if len(password) > 128:
        return _("密码不能超过 128 个字符。")
    if password.isdigit() or password.isalpha():
        return _("密码须同时包含字母和数字或符号。")
    return None


def authenticate(username, password):
    """Check a login attempt. Returns (user, None) or (None, message); throttles per account.

    The messages never reveal whether the username exists.
    """
    global _DUMMY_HASH
    now = now_utc()
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    generic = _("用户名或密码错误。")
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        return None, generic
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return None, _("登录失败次数过多,账户已临时锁定,请 %(n)d 分钟后再试。", n=minutes)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            record("login_locked", user, actor=user)
        else:
            record("login_failed", user, actor=user)
        db.session.flush()
        return None, generic
    if not user.active:
        return None, _("该账户已停用,请联系系统管理员。")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user, None


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user, *, user_agent=None, ip_address=None):
    """Open a server-side session for `user` and return its secret token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = now_utc()
    db.session.add(UserSession(
        user=user, token_hash=_token_hash(token), created_at=now,
        expires_at=now + current_app.config["PERMANENT_SESSION_LIFETIME"],
        user_agent=(user_agent or "")[:256], ip_address=ip_address,
    ))
    record("login", user, actor=user)
    db.session.flush()
    return token


def session_user(user_id, token):
    """The active user behind a cookie's (user id, session token), or None."""
    if not token or not user_id:
        return None
    found = db.session.execute(
        sa.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _token_hash(token), User.id == _as_int(user_id))
    ).first()
    if found is None:
        return None
    user, user_session = found
    if user_session.revoked_at is not None or user_session.expires_at <= now_utc() or not user.active:
        return None
    return user


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def end_session(token, user):
    """Revoke the session behind `token` (logout)."""
    if token:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == _token_hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=now_utc())
        )
    record("logout", user, actor=user)
    db.session.flush()


def revoke_all_sessions(user):
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )


def change_password(user, current_password, new_password):
    """Change the password and end every session of the user (the caller then opens a new one)."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationError(_("当前密码不正确。"), field="current_password")
    problem = password_problem(new_password)
    if problem:
        raise ValidationError(problem, field="new_password")
    if check_password_hash(user.password_hash, new_password):
        raise ValidationError(_("新密码不能与当前密码相同。"), field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_utc()
    revoke_all_sessions(user)
    record("password_changed", user, actor=user)
    db.session.flush()


def find_organisation(name):
    if not name:
        return None
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == name.strip()))
    if org is None:
        raise ValidationError(_("没有名为“%(name)s”的组织。", name=name), field="organisation")
    return org


def find_delegation(name):
    if not name:
        return None
    delegation = db.session.scalar(sa.select(Delegation).where(Delegation.name == name.strip()))
    if delegation is None:
        raise ValidationError(_("没有名为“%(name)s”的代表团。", name=name), field="delegation")
    return delegation


def parse_role(value):
    if isinstance(value, Role):
        return value
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(
            _("未知角色“%(role)s”,可选:%(roles)s。", role=value, roles=", ".join(r.value for r in Role)),
            field="role",
        ) from None


def _check_profile(values):
    """Role-specific rules for a user's profile fields."""
    role = values["role"]
    if role is Role.LEADER and not values.get("title"):
        raise ValidationError(_("市委领导须填写职务。"), field="title")
    if role is Role.UNIT_STAFF:
        org = values.get("organisation")
        if org is None or not org.is_unit:
            raise ValidationError(_("承办单位人员须属于一个承办单位。"), field="organisation")
    if role is Role.REPRESENTATIVE and values.get("delegation") is None:
        raise ValidationError(_("党代表须属于一个代表团。"), field="delegation")
    precedence = values.get("precedence")
    if precedence is not None and not (1 <= precedence <= 999):
        raise ValidationError(_("排序须在 1 到 999 之间。"), field="precedence")


def create_user(*, username, role, name, password, organisation=None, delegation=None,
                email=None, title=None, precedence=None, actor=None):
    """Create an account. `organisation` and `delegation` are objects or names."""
    username = (username or "").strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ValidationError(_("用户名只能包含字母、数字、下划线、连字符和点,最长 64 个字符。"), field="username")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationError(_("用户名“%(name)s”已存在。", name=username), field="username")
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationError(_("请填写姓名(最长 64 个字符)。"), field="name")
    problem = password_problem(password or "")
    if problem:
        raise ValidationError(problem, field="password")
    values = {
        "role": parse_role(role),
        "organisation": organisation if not isinstance(organisation, str) else find_organisation(organisation),
        "delegation": delegation if not isinstance(delegation, str) else find_delegation(delegation),
        "title": (title or "").strip() or None,
        "precedence": precedence,
        "email": (email or "").strip() or None,
    }
    _check_profile(values)
    user = User(username=username, name=name, password_hash=hash_password(password),
                password_changed_at=now_utc(), active=True, **values)
    db.session.add(user)
    db.session.flush()
    record("user_created", user, actor=actor,
           after={"username": username, "role": values["role"].value, "name": name})
    return user


def update_user(user, values, *, actor):
    """Edit a user's profile (admin). Deactivating also ends the user's sessions."""
    merged = {field: values.get(field, getattr(user, field)) for field in USER_FIELDS}
    merged["role"] = parse_role(merged["role"])
    _check_profile(merged)
    before, after = changes(user, USER_FIELDS, merged)
    if not after:
        return user
    if after.get("active") is False:
        revoke_all_sessions(user)
    record("user_updated", user, actor=actor, before=before, after=after)
    db.session.flush()
    return user


def reset_password(user, new_password, *, actor):
    """An admin sets a new password; the user's sessions end."""
    problem = password_problem(new_password or "")
    if problem:
        raise ValidationError(problem, field="password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now_utc()
    user.failed_logins = 0
    user.locked_until = None
    revoke_all_sessions(user)
    record("password_reset", user, actor=actor)
    db.session.flush()


def leaders():
    """Active leaders in order of precedence."""
    return db.session.scalars(_leaders_statement(User)).all()


@functools.cache
def leader_choices_statement():
    """SELECT (id, name, position) of each active leader, its position in order of precedence: a
    form's choices, read with others in one statement (search.services.filter_choices)."""
    return _leaders_statement(User.id, User.name, sa.func.row_number().over(order_by=_LEADER_ORDER).label("position"))


_LEADER_ORDER = (User.precedence.nulls_last(), User.id)


@functools.cache
def _leaders_statement(*columns):
    return sa.select(*columns).where(User.role == Role.LEADER, User.active.is_(True)).order_by(*_LEADER_ORDER)


API_TOKEN_NAME_MAX = 64


def issue_token(user, *, name=None):
    """Issue a bearer token for the JSON API. Returns (token, ApiToken); only the hash is kept."""
    name = clean_text(name, field="name", label=_("令牌名称"), max_length=API_TOKEN_NAME_MAX,
                      required=False, multiline=False) or "API"
    token = secrets.token_urlsafe(32)
    now = now_utc()
    api_token = ApiToken(user=user, token_hash=_token_hash(token), name=name, created_at=now,
                         expires_at=now + current_app.config["API_TOKEN_LIFETIME"])
    db.session.add(api_token)
    db.session.flush()
    record("api_token_issued", api_token, actor=user,
           after={"name": name, "expires_at": api_token.expires_at.isoformat()})
    db.session.flush()
    return token, api_token


def token_user(token):
    """The active user behind a bearer token, or None. A token dies when it is revoked or
    expires, when its user is deactivated, and when the user's password changes after it was
    issued. Notes the token's last use (not audited: using a token changes no state)."""
    if not token:
        return None
    now = now_utc()
    # A single UPDATE finds the live token and notes its use. Writing before reading keeps SQLite
    # from having to upgrade a read snapshot, which fails at once if another request wrote meanwhile.
    found = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None),
               ApiToken.expires_at > now)
        .values(last_used_at=now)
        .returning(ApiToken.user_id, ApiToken.created_at)
        .execution_options(synchronize_session=False)
    ).first()
    if found is None:
        return None
    user = db.session.get(User, found.user_id)
    if not user.active or (user.password_changed_at and user.password_changed_at > found.created_at):
        return None
    return user


def revoke_token(token, user):
    """Revoke `user`'s bearer token `token` (the API's logout)."""
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.user_id == user.id))
    if api_token is None or api_token.revoked_at is not None:
        raise NotFound(_("找不到该令牌,或它已被撤销。"))
    api_token.revoked_at = now_utc()
    record("api_token_revoked", api_token, actor=user)
    db.session.flush()
