"""Configuration classes. Secrets and the database come only from the environment.

`DJGC_CONFIG` selects the class (development, testing, production); development is the default.
"""
import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_int(name, default):
    return int(os.environ.get(name, default))


class BaseConfig:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'djgc_direct.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Sessions: HttpOnly and SameSite cookies; Secure is switched on in production.
    SESSION_COOKIE_NAME = "djgc_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("DJGC_SESSION_HOURS", 12))

    # A representative may take hours to draft a long letter: the CSRF token lives as long as
    # the session rather than Flask-WTF's default hour.
    WTF_CSRF_TIME_LIMIT = None

    # Login throttling per account.
    LOGIN_MAX_FAILURES = _env_int("DJGC_LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _env_int("DJGC_LOGIN_LOCK_MINUTES", 15)
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "djgc_direct" / "translations")
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}

    # Time limits in Chinese working days (DESIGN §6). These and the ladder below are defaults:
    # admins can change each one on /admin/deadlines (see deadlines.services.deadline_workdays).
    DEADLINE_WORKDAYS = {"register": 1, "annotate": 3, "acknowledge": 1, "reply": 15, "feedback": 10}
    # The reminder ladder in working days: due soon before the deadline; overdue and the two
    # escalations after it.
    REMINDER_LADDER = {"due_soon": 2, "overdue": 1, "escalation_1": 3, "escalation_2": 5}

    # A rate over fewer cases than this is shown but flagged, and not ranked (docs/metrics.md).
    METRICS_MIN_CASES = _env_int("DJGC_METRICS_MIN_CASES", 5)
    # The rubric the assessment pages and `djgc assess` use unless told otherwise (docs/assessments.md).
    ASSESSMENT_RUBRIC = os.environ.get("DJGC_ASSESSMENT_RUBRIC", "djgc_direct")

    # The scheduler process renews its lease every heartbeat; a second one takes over when the
    # lease has run out (SQLite) or the first one's connection is gone (PostgreSQL).
    SCHEDULER_HEARTBEAT_SECONDS = _env_int("DJGC_SCHEDULER_HEARTBEAT_SECONDS", 30)
    SCHEDULER_LEASE_SECONDS = _env_int("DJGC_SCHEDULER_LEASE_SECONDS", 120)

    # Attachments live outside the static folder; downloads go through a permission check.
    UPLOAD_FOLDER = os.environ.get("DJGC_UPLOAD_FOLDER", str(ROOT / "instance" / "uploads"))
    ATTACHMENT_MAX_BYTES = _env_int("DJGC_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
    ATTACHMENT_MAX_COUNT = 10
    MAX_CONTENT_LENGTH = 12 * ATTACHMENT_MAX_BYTES

    # The issuing office named in the letterhead and signature of every generated document.
    DOCUMENT_OFFICE_NAME = os.environ.get("DJGC_DOCUMENT_OFFICE_NAME", "中共柳州市委党代表直通车办公室")

    # Outgoing e-mail: `djgc outbox deliver` sends the outbox through this SMTP server.
    MAIL_SERVER = os.environ.get("DJGC_SMTP_HOST", "127.0.0.1")
    MAIL_PORT = _env_int("DJGC_SMTP_PORT", 25)
    MAIL_USE_STARTTLS = os.environ.get("DJGC_SMTP_STARTTLS", "").lower() in ("1", "true", "yes", "on")
    MAIL_USERNAME = os.environ.get("DJGC_SMTP_USERNAME")
    MAIL_PASSWORD = os.environ.get("DJGC_SMTP_PASSWORD")
    MAIL_SENDER = os.environ.get("DJGC_MAIL_SENDER", "党代表直通车办公室 <noreply@djgc.liuzhou.gov.cn>")
    # After this many failed attempts an e-mail is given up on (it stays in the outbox, marked failed).
    MAIL_MAX_ATTEMPTS = _env_int("DJGC_MAIL_MAX_ATTEMPTS", 8)

    # Password of the demo accounts made by `djgc seed-demo`.
    DEMO_PASSWORD = os.environ.get("DJGC_DEMO_PASSWORD", "djgc-demo-2026")


class DevelopmentConfig(BaseConfig):
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-not-for-production")


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DJGC_TEST_DATABASE_URL", "sqlite://")
    # Real hashes, cheaper parameters: the suite creates many users.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    DEMO_PASSWORD = os.environ.get("DJGC_DEMO_PASSWORD")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

# Keys that production refuses to start with.
INSECURE_SECRET_KEYS = {None, "", DevelopmentConfig.SECRET_KEY, TestingConfig.SECRET_KEY}
MIN_SECRET_KEY_LENGTH = 32


def get_config(name=None):
    name = name or os.environ.get("DJGC_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"unknown DJGC_CONFIG {name!r}; choose one of {sorted(CONFIGS)}") from None
