"""Rubric versions, manual scores, and assessment runs with their per-unit results.

A rubric version and a run are written once and never changed: a new file is a new version, a
re-run is a new run number. Manual scores may be corrected; each change is audited."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from djgc_direct.core.models import UTCDateTime
from djgc_direct.extensions import db


class RubricVersion(db.Model):
    """One imported version of a rubric file (the YAML text as imported, and its parsed summary)."""

    __tablename__ = "rubric_versions"
    __table_args__ = (sa.UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    total = mapped_column(sa.Numeric(8, 2), nullable=False)
    source: Mapped[str] = mapped_column(sa.Text, nullable=False)
    imported_at = mapped_column(UTCDateTime, nullable=False)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    imported_by = relationship("User")

    def __repr__(self):
        return f"<RubricVersion {self.name} v{self.version}>"


class ManualScore(db.Model):
    """An assessor's points for one manual indicator of one unit in one month."""

    __tablename__ = "assessment_manual_scores"
    __table_args__ = (sa.UniqueConstraint("rubric_id", "period", "unit_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_versions.id"), nullable=False)
    period: Mapped[str] = mapped_column(sa.String(7), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), nullable=False)
    indicator: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    points = mapped_column(sa.Numeric(8, 2), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False)
    evidence: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    scored_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    scored_at = mapped_column(UTCDateTime, nullable=False)


class AssessmentRun(db.Model):
    """One scoring of every unit for (month, rubric version). `scheduled` is True for the monthly
    job's run and NULL otherwise, so the unique key lets the job run once and people any number."""

    __tablename__ = "assessment_runs"
    __table_args__ = (sa.UniqueConstraint("period", "rubric_id", "run_number"),
                      sa.UniqueConstraint("period", "rubric_id", "scheduled", name="uq_assessment_runs_scheduled"))

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), nullable=False, index=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_versions.id"), nullable=False)
    run_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    scheduled: Mapped[bool | None] = mapped_column(sa.Boolean)
    created_at = mapped_column(UTCDateTime, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    min_cases: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # The mean score of the units under each organisation, frozen with the run: [{id, name, level,
    # parent_id, score, units}] (a later change to the tree does not rewrite an old run).
    rollup: Mapped[list] = mapped_column(sa.JSON, nullable=False)

    rubric = relationship("RubricVersion")
    created_by = relationship("User")
    results = relationship("AssessmentResult", back_populates="run", order_by="AssessmentResult.id")

    @property
    def trigger(self):
        return "scheduled" if self.scheduled else "manual"


class AssessmentResult(db.Model):
    """One unit's outcome in a run: score (None when nothing could be scored), the indicator
    breakdown, the star level before and after, and its rank (None: not ranked)."""

    __tablename__ = "assessment_results"
    __table_args__ = (sa.UniqueConstraint("run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment_runs.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), nullable=False, index=True)
    unit_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    score = mapped_column(sa.Numeric(8, 1))
    breakdown: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    flagged: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)  # an indicator skipped for too few cases
    previous_stars: Mapped[int | None] = mapped_column(sa.Integer)
    stars: Mapped[int | None] = mapped_column(sa.Integer)
    rank: Mapped[int | None] = mapped_column(sa.Integer)

    run = relationship("AssessmentRun", back_populates="results")
