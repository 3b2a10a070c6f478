"""Demo data for the volunteers app: teams in several 西城 and 和平 streets, a season of activities,
service records in every state, stars, 典型, and a few hundred volunteers so the progress bars
mean something.

Idempotent: a second run changes nothing (everything hangs off the demo teams' fixed join codes).
The two demo users ``volunteer`` (陈静) and ``team_leader`` (赵磊) are in 金融街消防志愿服务队, and
``volunteer`` has pending records ``team_leader`` may approve. The named demo people go through
the services; the crowd is bulk-inserted (same derived columns the services write) to stay fast.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from portal import validators
from portal.demo import demo_id_number
from portal.models import Area, Channel, Person, User
from portal.selectors import id_number_hash
from volunteers import seal, services
from volunteers.models import (
    Activity,
    ActivityType,
    RoleModel,
    ServiceRecord,
    SignUp,
    StarLevelSetting,
    StarNotice,
    Team,
    TeamMembership,
    VolunteerNumberSerial,
    VolunteerProfile,
)

# join code, team name, area code, leader username
TEAMS = [
    ("JRJ119", "金融街消防志愿服务队", "xc-jrj", "team_leader"),
    ("SCH119", "什刹海消防志愿服务队", "xc-sch", None),
    ("YT1190", "月坛街道消防志愿服务队", "xc-yt", None),
    ("DS1190", "德胜街道消防志愿服务队", "xc-ds", None),
    ("XJK119", "新街口消防志愿服务队", "xc-xjk", None),
    ("QYC119", "劝业场街道消防志愿服务队", "hp-qyc", None),
]
# streets and how many volunteers each gets in the crowd
CROWD = {
    "xc-jrj": 70,
    "xc-sch": 60,
    "xc-yt": 45,
    "xc-ds": 40,
    "xc-xjk": 35,
    "xc-zll": 25,
    "xc-dsl": 20,
    "xc-tq": 15,
    "hp-qyc": 60,
    "hp-wdd": 40,
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文海燕晓梅"
# title, type, channel code, team index, days from today, hours, risky
ACTIVITIES = [
    ("丰盛社区电动自行车安全宣传", ActivityType.PUBLICITY, "community", 0, -90, 3, False),
    ("金融街写字楼消防通道巡查", ActivityType.PATROL, "enterprise", 0, -75, 4, False),
    ("什刹海景区冬季防火巡查", ActivityType.PATROL, "community", 1, -70, 4, False),
    ("月坛中学应急疏散演练保障", ActivityType.DRILL, "school", 2, -60, 3, True),
    ("德胜街道老旧小区隐患整改协助", ActivityType.HAZARD_FIX, "family", 3, -52, 5, False),
    ("新街口独居老人家庭防火走访", ActivityType.RELIEF, "family", 4, -45, 3, False),
    ("金融街“119”消防宣传月启动仪式保障", ActivityType.EVENT_SUPPORT, "enterprise", 0, -30, 6, False),
    ("线上消防知识答疑", ActivityType.ONLINE, "family", 0, -21, 2, False),
    ("丰盛社区灭火器使用教学", ActivityType.PUBLICITY, "community", 0, -9, 3, False),
    ("劝业场商圈消防宣传", ActivityType.PUBLICITY, "enterprise", 5, -40, 4, False),
    ("二龙路社区消防安全夜校助教", ActivityType.PUBLICITY, "community", 0, 5, 3, False),
    ("太平桥社区高层住宅消防演练", ActivityType.DRILL, "community", 0, 12, 4, True),
    ("什刹海胡同燃气安全入户宣传", ActivityType.PUBLICITY, "family", 1, 8, 3, False),
]


def _aware(days: int, hour: int = 9) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def seed() -> None:
    """Load the volunteers demo once; returns at once when the demo teams already exist."""
    if Team.objects.filter(join_code=TEAMS[0][0]).exists():
        return
    areas = {a.code: a for a in Area.objects.all()}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["team_leader", "volunteer", "street_coordinator", "district_admin"]
        )
    }
    if "xc-jrj" not in areas or len(users) < 4:
        return  # the kernel demo is not loaded
    with transaction.atomic():
        _seed(areas, users)


def _seed(areas: dict[str, Area], users: dict[str, User]) -> None:
    rng = random.Random(119)
    xc, hp = areas["xc"], areas["hp"]
    coordinator, admin = users["street_coordinator"], users["district_admin"]
    for district, issuer, seal_text, chief, handler, contact in (
        (
            xc,
            "北京市西城区消防救援支队 · 西城区消防志愿服务总队",
            "西城区消防志愿服务总队",
            "刘建国",
            "陈晓红",
            "010-66001119",
        ),
        (
            hp,
            "天津市和平区消防救援支队 · 和平区消防志愿者协会",
            "和平区消防志愿者协会",
            "张卫东",
            "马丽",
            "022-27001119",
        ),
    ):
        services.certificate_setting_save(
            district=district,
            by=None,
            issuer_name=issuer,
            person_in_charge=chief,
            handler=handler,
            contact=contact,
            # A drawn stand-in; the district uploads a scan of its real seal in the admin.
            seal_image=seal.seal_image(
                title=f"{seal_text}印章（演示）", text=seal_text, file_name=f"seal-{district.code}.png"
            ),
        )
        StarLevelSetting.objects.get_or_create(district=district)

    teams = []
    for code, name, area_code, leader in TEAMS:
        team = services.team_create(
            name=name,
            kind=Team.Kind.STREET,
            area=areas[area_code],
            by=None,
            leaders=[users[leader]] if leader else [],
            description="由街道组织、社区居民自愿参加，开展消防宣传、隐患巡查和应急保障。",
        )
        Team.objects.filter(pk=team.pk).update(join_code=code)
        teams.append(team)

    channels = {c.code: c for c in Channel.objects.all()}
    activities = []
    for title, kind, channel, team_index, days, hours, risky in ACTIVITIES:
        team = teams[team_index]
        start = _aware(days, 9 if hours < 5 else 8)
        activities.append(
            services.activity_publish(
                team=team,
                by=None,
                title=title,
                activity_type=kind,
                channel=channels[channel],
                area=team.area,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=hours),
                capacity=30,
                is_risky=risky,
                minimum_age=18 if risky else 14,
                location=f"{team.area.name}辖区",
                description="请穿着志愿者马甲，提前十五分钟到场签到。",
                insurance_policy_number="PICC-XC-2026-0119" if risky and days < 0 else "",
                insurer="中国人民财产保险股份有限公司北京市西城支公司" if risky and days < 0 else "",
            )
        )
    # A past activity is no longer open for sign-ups.
    Activity.objects.filter(pk__in=[a.pk for a in activities], ends_at__lt=timezone.now()).update(
        status=Activity.Status.CLOSED
    )

    # The demo volunteer 陈静 (person already seeded by the kernel with the ``volunteer`` account).
    volunteer = users["volunteer"]
    person = Person.objects.get(user=volunteer)
    profile = services.volunteer_register(
        user=volunteer,
        name=person.name,
        id_number=person.id_number,
        street=areas["xc-jrj"],
        community=areas.get("xc-jrj-fs"),
        skills=["first_aid", "publicity"],
        availability=["weekend", "weekday_evening"],
        emergency_contact_name="陈建华",
        emergency_contact_phone="13910086119",
        notice_consent=True,
        id_consent=True,
    )
    profile = services.volunteer_approve(profile=profile, by=coordinator)
    services.team_join_by_code(user=volunteer, code=TEAMS[0][0])

    crowd = _seed_crowd(areas, rng)
    jrj_team = teams[0]
    TeamMembership.objects.bulk_create(
        [
            TeamMembership(
                team=teams[_team_of(p, teams)],
                volunteer=p,
                status=TeamMembership.Status.ACTIVE,
                joined_at=p.decided_at,
            )
            for p in crowd
            if p.status == VolunteerProfile.Status.APPROVED and _team_of(p, teams) is not None
        ]
    )

    # Records: the crowd's history (approved, some declined/pending), all decided by the coordinator.
    past = [a for a in activities if a.ends_at < timezone.now()]
    records = []
    approved = [p for p in crowd if p.status == VolunteerProfile.Status.APPROVED]
    for p in approved:
        own = [a for a in past if a.area.path.startswith(p.street.path)] or []
        for activity in own:
            if rng.random() < 0.55:
                continue
            state = rng.choices(["approved", "pending", "declined"], weights=[85, 10, 5])[0]
            records.append(_bulk_record(p, activity, state, coordinator if p.district_id == xc.pk else admin))
        if rng.random() < 0.08:  # long-serving volunteers for the star levels
            hours = rng.choice([105, 160, 320, 420, 640, 1010, 1520])
            records.append(_bulk_history(p, Decimal(hours), coordinator if p.district_id == xc.pk else admin))
    SignUp.objects.bulk_create(
        [SignUp(activity_id=r.activity_id, volunteer=r.volunteer) for r in records if r.activity_id],
        ignore_conflicts=True,
    )
    ServiceRecord.objects.bulk_create(records, batch_size=500)
    _refresh_totals(approved)

    # 陈静: signed up for the season in her team; hours in every state; pending ones for 赵磊.
    leader = users["team_leader"]
    mine = [a for a in past if a.team_id == jrj_team.pk]
    for activity in mine:
        SignUp.objects.get_or_create(activity=activity, volunteer=profile)
    for activity, state in zip(
        mine, ["approved", "approved", "declined", "pending", "pending"], strict=False
    ):
        record = services._record_create(
            profile=profile,
            started_at=activity.starts_at,
            ended_at=activity.ends_at - datetime.timedelta(minutes=30),
            origin=ServiceRecord.Origin.DECLARED,
            title=activity.title,
            area=activity.area,
            activity=activity,
            entered_by=volunteer,
            note="现场讲解与发放资料",
        )
        if state == "approved":
            services.service_record_approve(records=[record], by=leader)
        elif state == "declined":
            services.service_record_decline(
                records=[record], by=leader, reason="签到记录显示提前离开，请申请更正"
            )
    upcoming = [a for a in activities if a.starts_at > timezone.now() and a.status == Activity.Status.OPEN]
    for activity in upcoming[:2]:
        services.signup_create(user=volunteer, activity=activity)

    # 典型: nominated by the coordinator, five selected by the district (西城 target ≥ 5).
    stars = sorted((p for p in approved if p.district_id == xc.pk), key=lambda p: -p.approved_hours)[:7]
    year = timezone.localdate().year
    for index, p in enumerate(stars):
        nomination = RoleModel.objects.create(
            volunteer=p,
            district=xc,
            year=year,
            nominated_by=coordinator,
            citation="长期坚持在社区开展消防安全宣传和隐患巡查，带动身边居民参与志愿服务。",
        )
        if index < 5:
            services.role_model_select(nomination=nomination, by=admin, selected=True)

    # The history above went in with bulk inserts: count it into the dashboard's kept aggregates.
    services.hours_tally_rebuild()


def _team_of(profile: VolunteerProfile, teams: list[Team]) -> int | None:
    for index, team in enumerate(teams):
        if team.area_id == profile.street_id:
            return index
    return None


def _seed_crowd(areas: dict[str, Area], rng: random.Random) -> list[VolunteerProfile]:
    now = timezone.now()
    year = timezone.localdate().year
    people, profiles = [], []
    serials: dict[int, int] = {}
    for p in VolunteerNumberSerial.objects.all():
        serials[p.district_id] = p.last
    for street_index, (street_code, count) in enumerate(CROWD.items()):
        street = areas.get(street_code)
        if street is None:
            continue
        district = areas[street_code.split("-")[0]]
        communities = [a for a in areas.values() if a.parent_id == street.pk]
        for i in range(count):
            birth = datetime.date(1955, 1, 1) + datetime.timedelta(days=street_index * 997 + i * 173)
            number = demo_id_number(
                "110102" if district.code == "xc" else "120101", birth, f"{500 + i % 400:03d}"
            )
            name = (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            )
            community = rng.choice(communities) if communities else None
            people.append(
                Person(
                    name=name,
                    id_type=Person.IdType.RESIDENT_ID,
                    id_number=number,
                    id_number_hash=id_number_hash(id_type=Person.IdType.RESIDENT_ID, id_number=number),
                    id_number_masked=validators.mask_id_number(number),
                    birth_date=birth,
                    gender=Person.Gender.MALE if int(number[16]) % 2 else Person.Gender.FEMALE,
                    area=community or street,
                )
            )
            status = rng.choices(["approved", "pending", "declined"], weights=[88, 9, 3])[0]
            decided = now - datetime.timedelta(days=rng.randint(10, 900)) if status != "pending" else None
            number_text = None
            if status == "approved":
                serials[district.pk] = serials.get(district.pk, 0) + 1
                number_text = f"{district.code.upper()}-{year}-{serials[district.pk]:06d}"
            phone = f"139{rng.randint(0, 99_999_999):08d}"
            profiles.append(
                VolunteerProfile(
                    district=district,
                    street=street,
                    community=community,
                    area=community or street,
                    skills=rng.sample(
                        ["first_aid", "publicity", "inspection", "photography", "driving", "care"], 2
                    ),
                    availability=rng.sample(["weekend", "weekday_evening", "holiday"], 1),
                    emergency_contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    emergency_contact_phone=phone,
                    emergency_contact_phone_masked=validators.mask_phone(phone),
                    notice_consented_at=now,
                    id_consented_at=now,
                    status=status,
                    decided_at=decided,
                    decision_reason="未能联系本人核实" if status == "declined" else "",
                    number=number_text,
                )
            )
    existing = set(
        Person.objects.filter(id_number_hash__in=[p.id_number_hash for p in people]).values_list(
            "id_number_hash", flat=True
        )
    )
    pairs = [
        (person, profile)
        for person, profile in zip(people, profiles, strict=True)
        if person.id_number_hash not in existing
    ]
    created_people = Person.objects.bulk_create([person for person, _p in pairs], batch_size=500)
    for person, (_x, profile) in zip(created_people, pairs, strict=True):
        profile.person = person
    created = VolunteerProfile.objects.bulk_create([profile for _x, profile in pairs], batch_size=500)
    for district_id, last in serials.items():
        VolunteerNumberSerial.objects.update_or_create(
            district_id=district_id, year=year, defaults={"last": last}
        )
    return list(
        VolunteerProfile.objects.filter(pk__in=[p.pk for p in created]).select_related("street", "district")
    )


def _bulk_record(profile: VolunteerProfile, activity: Activity, state: str, decider: User) -> ServiceRecord:
    end = activity.ends_at - datetime.timedelta(minutes=15 * (profile.pk % 3))
    decided = state != "pending"
    return ServiceRecord(
        volunteer=profile,
        person_id=profile.person_id,
        activity=activity,
        team_id=activity.team_id,
        area=activity.area,
        activity_type=activity.activity_type,
        channel_id=activity.channel_id,
        title=activity.title,
        origin=ServiceRecord.Origin.ATTENDANCE,
        started_at=activity.starts_at,
        ended_at=end,
        hours=services._hours_between(activity.starts_at, end),
        state=state,
        decided_by=decider if decided else None,
        decided_at=activity.ends_at + datetime.timedelta(days=1) if decided else None,
        decision_reason="与签到记录不符" if state == "declined" else "",
    )


def _bulk_history(profile: VolunteerProfile, hours: Decimal, decider: User) -> ServiceRecord:
    start = timezone.now() - datetime.timedelta(days=400)
    end = start + datetime.timedelta(hours=float(hours))
    return ServiceRecord(
        volunteer=profile,
        person_id=profile.person_id,
        area=profile.area,
        activity_type=ActivityType.PUBLICITY,
        title="往年志愿服务时长（历史记录导入）",
        origin=ServiceRecord.Origin.GROUP,
        started_at=start,
        ended_at=end,
        hours=hours,
        state="approved",
        decided_by=decider,
        decided_at=end,
    )


def _refresh_totals(profiles: list[VolunteerProfile]) -> None:
    totals = {
        row["volunteer_id"]: row
        for row in ServiceRecord.objects.filter(volunteer__in=profiles, state="approved")
        .values("volunteer_id")
        .annotate(h=Sum("hours"), last=Max("ended_at"))
    }
    thresholds = [Decimal(t) for t in (100, 300, 600, 1000, 1500)]
    notices = []
    today = timezone.localdate()
    for p in profiles:
        row = totals.get(p.pk)
        if row is None:
            continue
        p.approved_hours, p.last_served_at = row["h"], row["last"]
        p.star_level = services.star_level_for(hours=p.approved_hours, thresholds=thresholds)
        if p.star_level:
            notices.append(
                StarNotice(
                    volunteer=p,
                    district_id=p.district_id,
                    level=p.star_level,
                    hours=p.approved_hours,
                    published_on=today - datetime.timedelta(days=p.pk % 10),
                    publish_until=today + datetime.timedelta(days=7 - p.pk % 10),
                )
            )
    VolunteerProfile.objects.bulk_update(
        profiles, ["approved_hours", "last_served_at", "star_level"], batch_size=500
    )
    StarNotice.objects.bulk_create(notices, ignore_conflicts=True)
