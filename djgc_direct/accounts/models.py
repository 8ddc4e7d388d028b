import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from djgc_direct.core.models import UTCDateTime, str_enum
from djgc_direct.extensions import db


class Role(enum.Enum):
    """One role per account, least privilege first (DESIGN §4)."""

    REPRESENTATIVE = "representative"
    SECRETARIAT = "secretariat"
    LEADER = "leader"
    UNIT_STAFF = "unit_staff"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REPRESENTATIVE: _l("党代表"),
    Role.SECRETARIAT: _l("秘书处"),
    Role.LEADER: _l("市委领导"),
    Role.UNIT_STAFF: _l("承办单位"),
    Role.ADMIN: _l("系统管理员"),
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(256), nullable=False)
    role: Mapped[Role] = mapped_column(str_enum(Role), nullable=False, index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)

    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delegations.id"), index=True)
    # Leaders: title (市委书记, 市委常委 …) and order of precedence (1 comes first).
    title: Mapped[str | None] = mapped_column(sa.String(64))
    precedence: Mapped[int | None] = mapped_column(sa.Integer)

    failed_logins: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    locked_until = mapped_column(UTCDateTime)
    last_login_at = mapped_column(UTCDateTime)
    password_changed_at = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")
    delegation = relationship("Delegation")

    @property
    def is_active(self):  # Flask-Login refuses inactive accounts
        return self.active

    def __repr__(self):
        return f"<User {self.username} {self.role.value}>"


class UserSession(db.Model):
    """A login, kept on the server so that logout and password change can end it for good.

    The browser's signed cookie only carries the random token; its SHA-256 is stored here.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    revoked_at = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(sa.String(256))
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))

    user = relationship("User")


class ApiToken(db.Model):
    """A bearer token for the JSON API. Like a login session, only its SHA-256 is stored:
    the token itself is shown once, when it is issued."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False)
    last_used_at = mapped_column(UTCDateTime)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    revoked_at = mapped_column(UTCDateTime)

    user = relationship("User")
