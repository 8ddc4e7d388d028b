"""factory_boy factories. Objects are committed so that requests (their own sessions) see them."""
import factory
from factory.alchemy import SQLAlchemyModelFactory

from djgc_direct.accounts.models import Role, User
from djgc_direct.accounts.services import hash_password
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Delegation, Level, Organisation, Sector

PASSWORD = "Test-pass-2026"
_hash_cache = {}


def password_hash(password=PASSWORD):
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试组织{n}")
    level = Level.CITY
    sector = Sector.GOVERNMENT
    is_unit = False
    active = True


class UnitFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"测试承办单位{n}")
    is_unit = True


class DelegationFactory(BaseFactory):
    class Meta:
        model = Delegation

    name = factory.Sequence(lambda n: f"测试代表团{n}")
    active = True


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.SECRETARIAT
    active = True
    failed_logins = 0
    password_hash = factory.LazyFunction(password_hash)


class AdminFactory(UserFactory):
    role = Role.ADMIN


class RepresentativeFactory(UserFactory):
    role = Role.REPRESENTATIVE
    delegation = factory.SubFactory(DelegationFactory)


class LeaderFactory(UserFactory):
    role = Role.LEADER
    title = "市委常委"
    precedence = factory.Sequence(lambda n: n + 1)


class UnitStaffFactory(UserFactory):
    role = Role.UNIT_STAFF
    organisation = factory.SubFactory(UnitFactory)
