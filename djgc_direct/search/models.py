import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from djgc_direct.extensions import db


class SimilarLetter(db.Model):
    """An earlier letter found about the same matter as a case when that case was submitted
    (search/similar.py). Kept, so that the case's page reads them in one query instead of scoring
    hundreds of letters each time; whether each may still be merged into is decided when shown."""

    __tablename__ = "similar_letters"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    # Not indexed on its own: it is read by case_id, and cases are never deleted.
    similar_case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(sa.Float, nullable=False)
    # The place and organisation names both letters mention, as shown beside the score.
    names: Mapped[list] = mapped_column(sa.JSON, nullable=False)
