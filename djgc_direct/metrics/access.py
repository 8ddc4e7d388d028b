"""Who reads which metrics, for the pages and the API alike: the secretariat and leaders the
whole city; unit staff their own unit's figures only; representatives and admins nothing."""
from flask_babel import gettext as _

from djgc_direct.accounts.models import Role
from djgc_direct.core.errors import PermissionDenied

CITY_ROLES = frozenset({Role.SECRETARIAT, Role.LEADER})


def check_group(user, group):
    if user.role in CITY_ROLES:
        return
    if user.role is Role.UNIT_STAFF and user.organisation_id and group == "unit":
        return
    raise PermissionDenied(_("您无权查看这些办理指标。"))


def unit_ids(user):
    """The units whose own figures `user` may list (None: every unit)."""
    return None if user.role in CITY_ROLES else [user.organisation_id]


def may_read_unit(user, unit_id):
    return user.role in CITY_ROLES or (user.role is Role.UNIT_STAFF and unit_id == user.organisation_id)
