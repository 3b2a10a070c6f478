"""Kernel selectors: reads with no side effects. ``visible_to`` is the one area-scoping rule."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from portal import crypto, metrics
from portal.models import STAFF_ROLES, Area, Certificate, Person, PlanPeriod, Role, Target, User


def user_scope_area(*, user: User) -> Area | None:
    """The area a staff user answers for; None for residents and volunteers."""
    if not user.is_authenticated or user.area_id is None:
        return None
    if not (user.role_codes & STAFF_ROLES):
        return None
    return user.area


def areas_visible_to(*, user: User) -> QuerySet[Area]:
    """Superusers see every area; staff see their area and everything below it; others nothing."""
    if user.is_authenticated and user.is_superuser:
        return Area.objects.all()
    area = user_scope_area(user=user)
    if area is None:
        return Area.objects.none()
    return Area.objects.filter(path__startswith=area.path)


def visible_to(queryset: QuerySet, *, user: User, area_field: str = "area") -> QuerySet:
    """Restrict any staff query to records whose area lies within the user's area.

    Every staff view, export, API endpoint and admin listing filters through here.
    """
    if user.is_authenticated and user.is_superuser:
        return queryset
    area = user_scope_area(user=user)
    if area is None:
        return queryset.none()
    return queryset.filter(**{f"{area_field}__path__startswith": area.path})


def user_can_act_in(*, user: User, area: Area, roles: Iterable[str] | None = None) -> bool:
    """Whether ``user`` holds one of ``roles`` (any staff role by default) for ``area``."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    wanted = set(roles) if roles is not None else STAFF_ROLES
    if not (user.role_codes & wanted):
        return False
    scope = user_scope_area(user=user)
    return scope is not None and area.path.startswith(scope.path)


def districts() -> QuerySet[Area]:
    return Area.objects.filter(level=Area.Level.DISTRICT).order_by("sort_order", "name")


def streets_of(*, district: Area) -> QuerySet[Area]:
    return Area.objects.filter(parent=district, level=Area.Level.STREET).order_by("sort_order", "name")


def id_number_hash(*, id_type: str, id_number: str) -> str:
    """The keyed hash that makes an identity document unique without storing it in clear."""
    return crypto.keyed_hash(f"{id_type}:{id_number}")


def person_find(*, id_type: str, id_number: str) -> Person | None:
    return Person.objects.filter(id_number_hash=id_number_hash(id_type=id_type, id_number=id_number)).first()


def certificate_for_verification(*, number: str, verification_code: str) -> Certificate | None:
    """A certificate only shows itself to someone holding both its number and its code."""
    number, verification_code = (number or "").strip().upper(), (verification_code or "").strip().upper()
    if not number or not verification_code:
        return None
    return (
        Certificate.objects.select_related("district")
        .filter(number=number, verification_code=verification_code)
        .first()
    )


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    actual: Decimal | None

    @property
    def share(self) -> Decimal | None:
        if self.actual is None or not self.target.value:
            return None
        return min(Decimal(100), self.actual * 100 / self.target.value).quantize(Decimal("0.1"))


def plan_period_current(*, district: Area, year: int) -> PlanPeriod | None:
    return (
        PlanPeriod.objects.filter(district=district, start_year__lte=year, end_year__gte=year)
        .order_by("-start_year")
        .first()
        or PlanPeriod.objects.filter(district=district).order_by("-end_year").first()
    )


def targets_progress(*, district: Area, year: int) -> list[TargetProgress]:
    """Every target of the district's current plan period with the live value its module reports."""
    period = plan_period_current(district=district, year=year)
    if period is None:
        return []
    targets = Target.objects.filter(period=period).select_related("period__district")
    return [
        TargetProgress(target=t, actual=metrics.actual(t.metric, district=district, year=year))
        for t in targets
    ]


def staff_users_in(*, area: Area, role: Role) -> QuerySet[User]:
    return User.objects.filter(groups__name=role, area__path__startswith=area.path).filter(
        ~Q(is_active=False)
    )
