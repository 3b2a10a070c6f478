"""factory_boy factories for the volunteers app. Records with rules go through the services."""

import datetime
import itertools

from django.utils import timezone

from portal import services as portal_services
from portal.models import Area, Channel, User
from portal.tests.factories import UserFactory, resident_id_number
from volunteers import services
from volunteers.models import ActivityType, Team, VolunteerProfile

_serial = itertools.count(1)


def id_number_for_age(age: int, *, today: datetime.date | None = None, n: int | None = None) -> str:
    """A valid resident ID number of someone exactly ``age`` years old today (birthday 30 days ago)."""
    today = today or timezone.localdate()
    birth = today.replace(year=today.year - age) - datetime.timedelta(days=30)
    return resident_id_number(birth=birth, sequence=n if n is not None else next(_serial))


def verified_user(*, phone: str | None = None, **kwargs) -> User:
    user = UserFactory(**kwargs)
    portal_services.user_set_phone(user=user, phone=phone or f"139{next(_serial):08d}", verified=True)
    return user


def register(
    *, street: Area, community: Area | None = None, age: int = 30, user: User | None = None, **kwargs
) -> VolunteerProfile:
    user = user or verified_user()
    fields = {
        "name": "王志愿",
        "id_number": id_number_for_age(age),
        "emergency_contact_name": "王家属",
        "emergency_contact_phone": "13900001111",
        "notice_consent": True,
        "id_consent": True,
        "skills": ["first_aid"],
        "availability": ["weekend"],
    }
    if 14 <= age < 18:
        fields["guardian"] = {"name": "王监护", "phone": "13900002222", "relation": "父亲", "consent": True}
    fields.update(kwargs)
    return services.volunteer_register(user=user, street=street, community=community, **fields)


def approved_volunteer(
    *, street: Area, approver: User, community: Area | None = None, **kwargs
) -> VolunteerProfile:
    return services.volunteer_approve(
        profile=register(street=street, community=community, **kwargs), by=approver
    )


def channel() -> Channel:
    return Channel.objects.get_or_create(code="community", defaults={"name": "进社区", "sort_order": 3})[0]


def team(*, area: Area, leaders=(), name: str | None = None) -> Team:
    return services.team_create(
        name=name or f"测试志愿服务队{next(_serial)}",
        kind=Team.Kind.STREET,
        area=area,
        by=None,
        leaders=leaders,
    )


def activity(*, team: Team, start: datetime.datetime | None = None, hours: int = 3, **kwargs):
    start = start or timezone.now() + datetime.timedelta(days=2)
    fields = {
        "title": "社区消防宣传",
        "activity_type": ActivityType.PUBLICITY,
        "channel": channel(),
        "area": team.area,
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=hours),
        "capacity": 10,
    }
    fields.update(kwargs)
    return services.activity_publish(team=team, by=None, **fields)
