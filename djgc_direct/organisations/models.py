import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from djgc_direct.core.models import str_enum
from djgc_direct.extensions import db


class Level(enum.Enum):
    """The four levels of party committees (四级), from the top."""

    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def rank(self):
        return list(Level).index(self)

    @property
    def label(self):
        return LEVEL_LABELS[self]


LEVEL_LABELS = {
    Level.CITY: _l("市"),
    Level.COUNTY: _l("县(区)"),
    Level.TOWNSHIP: _l("乡镇(街道)"),
    Level.VILLAGE: _l("村(社区)"),
}


class Sector(enum.Enum):
    """The sectors the tree covers across its levels (横向)."""

    RURAL = "rural"
    ENTERPRISE = "enterprise"
    COMMUNITY = "community"
    GOVERNMENT = "government"
    PUBLIC_INSTITUTION = "public_institution"
    NON_PUBLIC_ECONOMY = "non_public_economy"
    SOCIAL_ORGANISATION = "social_organisation"

    @property
    def label(self):
        return SECTOR_LABELS[self]


SECTOR_LABELS = {
    Sector.RURAL: _l("农村"),
    Sector.ENTERPRISE: _l("企业"),
    Sector.COMMUNITY: _l("社区"),
    Sector.GOVERNMENT: _l("机关"),
    Sector.PUBLIC_INSTITUTION: _l("事业单位"),
    Sector.NON_PUBLIC_ECONOMY: _l("非公有制经济组织"),
    Sector.SOCIAL_ORGANISATION: _l("新社会组织"),
}

# The Chinese names people write in import files, beside the code names.
LEVEL_BY_CHINESE = {"市": Level.CITY, "县(区)": Level.COUNTY, "县": Level.COUNTY, "区": Level.COUNTY,
                    "乡镇(街道)": Level.TOWNSHIP, "乡镇": Level.TOWNSHIP, "街道": Level.TOWNSHIP,
                    "村(社区)": Level.VILLAGE, "村": Level.VILLAGE, "社区": Level.VILLAGE}
SECTOR_BY_CHINESE = {"农村": Sector.RURAL, "企业": Sector.ENTERPRISE, "社区": Sector.COMMUNITY,
                     "机关": Sector.GOVERNMENT, "事业单位": Sector.PUBLIC_INSTITUTION,
                     "非公有制经济组织": Sector.NON_PUBLIC_ECONOMY,
                     "新社会组织": Sector.SOCIAL_ORGANISATION}


class Organisation(db.Model):
    """A party organisation; departments sit at their committee's level (市财政局 is city level)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False, unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    level: Mapped[Level] = mapped_column(str_enum(Level), nullable=False)
    sector: Mapped[Sector] = mapped_column(str_enum(Sector), nullable=False)
    is_unit: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)

    parent = relationship("Organisation", remote_side=[id], back_populates="children")
    children = relationship("Organisation", back_populates="parent", order_by="Organisation.name")

    def __repr__(self):
        return f"<Organisation {self.name}>"


class Delegation(db.Model):
    """A delegation (代表团) of party representatives, e.g. 鹿寨县代表团."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)

    def __repr__(self):
        return f"<Delegation {self.name}>"
