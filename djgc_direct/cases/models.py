import enum
import functools
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from djgc_direct.core.models import UTCDateTime, str_enum
from djgc_direct.extensions import db


class LabelledEnum(enum.Enum):
    """An enum whose members carry a translatable UI label."""

    @property
    def label(self):
        return _label_table(type(self))[self]

    @classmethod
    def choices(cls):
        return [(member.value, member.label) for member in cls]


@functools.cache
def _label_table(enum_class):
    """The labels of `enum_class`, made once: lazy strings, translated each time one is shown."""
    return enum_class._labels()


class CaseStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    REGISTERED = "registered"
    FORWARDED = "forwarded"
    ANNOTATED = "annotated"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"  # the lead unit's reply waits for the secretariat's review
    ANSWERED = "answered"  # the approved reply waits for the representative's verdict
    CLOSED = "closed"
    REOPENED = "reopened"
    MERGED = "merged"

    @staticmethod
    def _labels():
        return {
            CaseStatus.DRAFT: _l("草稿"), CaseStatus.SUBMITTED: _l("已提交"),
            CaseStatus.RETURNED: _l("退回补充"), CaseStatus.WITHDRAWN: _l("已撤回"),
            CaseStatus.REJECTED: _l("不予受理"), CaseStatus.REGISTERED: _l("已登记"),
            CaseStatus.FORWARDED: _l("已呈阅"), CaseStatus.ANNOTATED: _l("已批示"),
            CaseStatus.ASSIGNED: _l("已交办"), CaseStatus.IN_PROGRESS: _l("办理中"),
            CaseStatus.REPLIED: _l("答复审核中"), CaseStatus.ANSWERED: _l("已答复待评价"),
            CaseStatus.CLOSED: _l("已办结"), CaseStatus.REOPENED: _l("重办"),
            CaseStatus.MERGED: _l("已并案"),
        }


class Category(LabelledEnum):
    ECONOMY = "economy"
    URBAN_RURAL = "urban_rural"
    LABOUR = "labour"
    LIVELIHOOD = "livelihood"
    ENVIRONMENT = "environment"
    PARTY_BUILDING = "party_building"
    GOVERNANCE = "governance"
    OTHER = "other"

    @staticmethod
    def _labels():
        return {
            Category.ECONOMY: _l("经济发展"), Category.URBAN_RURAL: _l("城乡建设"),
            Category.LABOUR: _l("劳动就业与社会保障"), Category.LIVELIHOOD: _l("民生服务"),
            Category.ENVIRONMENT: _l("生态环境"), Category.PARTY_BUILDING: _l("党的建设"),
            Category.GOVERNANCE: _l("社会治理"), Category.OTHER: _l("其他"),
        }


class OnBehalfOf(LabelledEnum):
    SELF = "self"
    MEMBERS_AND_PUBLIC = "members_and_public"

    @staticmethod
    def _labels():
        return {OnBehalfOf.SELF: _l("本人"), OnBehalfOf.MEMBERS_AND_PUBLIC: _l("党员群众反映")}


class AssignmentStatus(LabelledEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    REPLIED = "replied"
    DONE = "done"  # the case's reply was approved, or the round ended with a reopen

    @staticmethod
    def _labels():
        return {AssignmentStatus.ASSIGNED: _l("待签收"), AssignmentStatus.ACKNOWLEDGED: _l("办理中"),
                AssignmentStatus.REPLIED: _l("已答复"), AssignmentStatus.DONE: _l("已完成")}


class ExtensionStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @staticmethod
    def _labels():
        return {ExtensionStatus.PENDING: _l("待审批"), ExtensionStatus.APPROVED: _l("已同意"),
                ExtensionStatus.REFUSED: _l("未同意")}


class Outcome(LabelledEnum):
    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    EXPLAINED = "explained"

    @staticmethod
    def _labels():
        return {Outcome.RESOLVED: _l("已解决"), Outcome.PARTLY_RESOLVED: _l("部分解决"),
                Outcome.EXPLAINED: _l("已说明解释")}


class ReplyStatus(LabelledEnum):
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    SENT_BACK = "sent_back"

    @staticmethod
    def _labels():
        return {ReplyStatus.PENDING_REVIEW: _l("待审核"), ReplyStatus.APPROVED: _l("已审核"),
                ReplyStatus.SENT_BACK: _l("已退回")}


class Rating(LabelledEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"

    @staticmethod
    def _labels():
        return {Rating.SATISFIED: _l("满意"), Rating.BASICALLY_SATISFIED: _l("基本满意"),
                Rating.DISSATISFIED: _l("不满意")}


class CloseReason(LabelledEnum):
    FEEDBACK = "feedback"
    NO_FEEDBACK = "no_feedback"

    @staticmethod
    def _labels():
        return {CloseReason.FEEDBACK: _l("代表已评价"), CloseReason.NO_FEEDBACK: _l("逾期未评价")}


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 直通〔2026〕0173号: year and sequence are unique together; the text is derived from them.
    number_year: Mapped[int | None] = mapped_column(sa.Integer)
    number_seq: Mapped[int | None] = mapped_column(sa.Integer)
    number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)

    representative_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    content: Mapped[str] = mapped_column(sa.Text, nullable=False)
    category: Mapped[Category] = mapped_column(str_enum(Category), nullable=False)
    on_behalf_of: Mapped[OnBehalfOf] = mapped_column(str_enum(OnBehalfOf), nullable=False)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), nullable=False, index=True)
    # The reason given with the latest return, rejection or reopen, shown to the representative.
    status_reason: Mapped[str | None] = mapped_column(sa.Text)

    created_at = mapped_column(UTCDateTime, nullable=False)
    first_submitted_at = mapped_column(UTCDateTime)
    # Restarts at every (re)submission: a return pauses the registration clock.
    submitted_at = mapped_column(UTCDateTime, index=True)
    # Stage deadlines are fixed when the stage starts (the date people were told), in local dates.
    register_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    feedback_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    registered_at = mapped_column(UTCDateTime)
    forwarded_at = mapped_column(UTCDateTime)
    annotated_at = mapped_column(UTCDateTime)
    assigned_at = mapped_column(UTCDateTime)
    answered_at = mapped_column(UTCDateTime)
    closed_at = mapped_column(UTCDateTime)
    close_reason: Mapped[CloseReason | None] = mapped_column(str_enum(CloseReason))
    reopen_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    # When the earlier letters about the same matter were found and kept (at each submission);
    # NULL for letters from before they were kept, which are then scored each time they are shown.
    similar_found_at = mapped_column(UTCDateTime)
    # Optimistic lock: two people acting on the same case at once cannot both win.
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    representative = relationship("User", foreign_keys=[representative_id])
    merged_into = relationship("Case", remote_side=[id], foreign_keys=[merged_into_id])
    leaders = relationship("CaseLeader", back_populates="case", cascade="all, delete-orphan",
                           order_by="CaseLeader.leader_id")
    annotations = relationship("Annotation", back_populates="case", order_by="Annotation.id")
    assignments = relationship("Assignment", back_populates="case", order_by="Assignment.id")
    replies = relationship("Reply", back_populates="case", order_by="Reply.id")
    feedback = relationship("Feedback", back_populates="case", order_by="Feedback.id")
    attachments = relationship("Attachment", back_populates="case", order_by="Attachment.id")
    # Links either way round (each pair is stored once); read-only: links are made by CaseLink rows.
    links = relationship("CaseLink", viewonly=True, order_by="CaseLink.id", primaryjoin=(
        "or_(Case.id == foreign(CaseLink.case_id), Case.id == foreign(CaseLink.linked_case_id))"))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("number_year", "number_seq", name="uq_cases_number_year_seq"),
        # Few letters are merged: indexing only those keeps SQLite's statistics true to them (over a
        # column of NULLs it took every lookup for a whole-table match and scanned).
        sa.Index("ix_cases_merged_into_id", "merged_into_id", sqlite_where=sa.text("merged_into_id IS NOT NULL"),
                 postgresql_where=sa.text("merged_into_id IS NOT NULL")),
    )

    def __repr__(self):
        return f"<Case {self.id} {self.number or ''} {self.status.value}>"


class CaseLink(db.Model):
    """Two cases about related matters, linked by the secretariat (关联) so each page points to the
    other while both are handled on their own — unlike a merge (并案). Stored once per pair, the
    smaller id first."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    linked_case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (sa.UniqueConstraint("case_id", "linked_case_id", name="uq_case_links_pair"),
                      sa.CheckConstraint("case_id < linked_case_id", name="ordered"))


class CaseNumberCounter(db.Model):
    """The last sequence number used in a year; locked while a number is taken."""

    __tablename__ = "case_number_counters"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class CaseLeader(db.Model):
    """A leader on a case: addressed by the representative, and/or forwarded (or delegated) to."""

    __tablename__ = "case_leaders"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)
    addressed: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    forwarded_at = mapped_column(UTCDateTime)
    forwarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    annotate_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    delegated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    case = relationship("Case", back_populates="leaders")
    leader = relationship("User", foreign_keys=[leader_id])
    delegated_by = relationship("User", foreign_keys=[delegated_by_id])


class Annotation(db.Model):
    """A leader's 批示. `transcribed_by` is set when the secretariat entered a paper annotation."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    internal: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    transcribed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, nullable=False)

    case = relationship("Case", back_populates="annotations")
    leader = relationship("User", foreign_keys=[leader_id])
    transcribed_by = relationship("User", foreign_keys=[transcribed_by_id])


class Assignment(db.Model):
    """A handling unit's part in a case (交办); one lead (主办) and any support units (协办) per round."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), nullable=False, index=True)
    is_lead: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    round: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    status: Mapped[AssignmentStatus] = mapped_column(str_enum(AssignmentStatus), nullable=False, index=True)
    assigned_at = mapped_column(UTCDateTime, nullable=False)
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    acknowledge_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    due_date: Mapped[date] = mapped_column(sa.Date, nullable=False, index=True)  # the reply deadline
    original_due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    # How many times the reply deadline has moved (approved extensions). Reminders key on the due
    # date itself, so a moved deadline starts the ladder again.
    deadline_version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    acknowledged_at = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    replied_at = mapped_column(UTCDateTime)

    case = relationship("Case", back_populates="assignments")
    unit = relationship("Organisation")
    progress_reports = relationship("ProgressReport", back_populates="assignment",
                                    order_by="ProgressReport.id")
    extension_requests = relationship("ExtensionRequest", back_populates="assignment",
                                      order_by="ExtensionRequest.id")

    __table_args__ = (sa.UniqueConstraint("case_id", "unit_id", "round", name="uq_assignments_case_unit_round"),)


class ProgressReport(db.Model):
    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False)

    assignment = relationship("Assignment", back_populates="progress_reports")
    author = relationship("User")


class ExtensionRequest(db.Model):
    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), nullable=False, index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    previous_due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    requested_due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[ExtensionStatus] = mapped_column(str_enum(ExtensionStatus), nullable=False, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    assignment = relationship("Assignment", back_populates="extension_requests")
    requested_by = relationship("User", foreign_keys=[requested_by_id])


class Reply(db.Model):
    """The lead unit's result (办理结果); the representative sees it once the secretariat approves."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome), nullable=False)
    amount_yuan = mapped_column(sa.Numeric(16, 2))
    status: Mapped[ReplyStatus] = mapped_column(str_enum(ReplyStatus), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(sa.Text)

    case = relationship("Case", back_populates="replies")
    assignment = relationship("Assignment")
    author = relationship("User", foreign_keys=[author_id])
    attachments = relationship("Attachment", back_populates="reply", order_by="Attachment.id")


class Feedback(db.Model):
    """The representative's verdict on an approved reply."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    reply_id: Mapped[int] = mapped_column(sa.ForeignKey("replies.id"), nullable=False, unique=True)
    representative_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    rating: Mapped[Rating] = mapped_column(str_enum(Rating), nullable=False)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at = mapped_column(UTCDateTime, nullable=False)

    case = relationship("Case", back_populates="feedback")


class Attachment(db.Model):
    """A file kept outside the static folder under a random name; served only after a permission check."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    reply_id: Mapped[int | None] = mapped_column(sa.ForeignKey("replies.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    stored_name: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    size_bytes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False)

    case = relationship("Case", back_populates="attachments")
    reply = relationship("Reply", back_populates="attachments")
