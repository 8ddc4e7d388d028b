"""Imports every model module so that SQLAlchemy's metadata (and Alembic) knows all tables."""
from djgc_direct.accounts.models import ApiToken, User, UserSession  # noqa: F401
from djgc_direct.assessments.models import AssessmentResult, AssessmentRun, ManualScore, RubricVersion  # noqa: F401
from djgc_direct.audit.models import AuditRecord  # noqa: F401
from djgc_direct.cases.models import (  # noqa: F401
    Annotation, Assignment, Attachment, Case, CaseLeader, CaseNumberCounter, ExtensionRequest, Feedback,
    ProgressReport, Reply,
)
from djgc_direct.deadlines.models import CalendarOverride, DeadlineSetting, Reminder  # noqa: F401
from djgc_direct.documents.models import Bulletin  # noqa: F401
from djgc_direct.notifications.models import Notification, OutboxEmail  # noqa: F401
from djgc_direct.organisations.models import Delegation, Organisation  # noqa: F401
from djgc_direct.scheduler.models import SchedulerLease  # noqa: F401
from djgc_direct.search.models import SimilarLetter  # noqa: F401
