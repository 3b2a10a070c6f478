"""Demo data for the kernel, drawn from the five district plans in ../shared/seeds.

Every function is idempotent: it looks records up by their stable codes before creating them.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from portal import selectors, services, validators
from portal.models import Area, Channel, Metric, Organisation, Person, PlanPeriod, Role, Target, User

# district code → (name, population, [(street code, street name), ...])
DISTRICTS = {
    "xc": (
        "西城区",
        1_106_000,
        [
            ("xc-xcaj", "西长安街街道"),
            ("xc-xjk", "新街口街道"),
            ("xc-yt", "月坛街道"),
            ("xc-zll", "展览路街道"),
            ("xc-ds", "德胜街道"),
            ("xc-jrj", "金融街街道"),
            ("xc-sch", "什刹海街道"),
            ("xc-dsl", "大栅栏街道"),
            ("xc-tq", "天桥街道"),
            ("xc-cs", "椿树街道"),
            ("xc-trt", "陶然亭街道"),
            ("xc-gamn", "广安门内街道"),
            ("xc-nj", "牛街街道"),
            ("xc-bzf", "白纸坊街道"),
            ("xc-gamw", "广安门外街道"),
        ],
    ),
    "hp": (
        "和平区",
        355_000,
        [
            ("hp-qyc", "劝业场街道"),
            ("hp-xbl", "小白楼街道"),
            ("hp-wdd", "五大道街道"),
            ("hp-xx", "新兴街道"),
            ("hp-nym", "南营门街道"),
            ("hp-ns", "南市街道"),
        ],
    ),
    "mtg": (
        "门头沟区",
        396_000,
        [
            ("mtg-dy", "大峪街道"),
            ("mtg-cz", "城子街道"),
            ("mtg-dxf", "东辛房街道"),
            ("mtg-dt", "大台街道"),
            ("mtg-lq", "龙泉镇"),
            ("mtg-yd", "永定镇"),
            ("mtg-tzs", "潭柘寺镇"),
            ("mtg-wp", "王平镇"),
            ("mtg-jz", "军庄镇"),
            ("mtg-mfs", "妙峰山镇"),
            ("mtg-yc", "雁翅镇"),
            ("mtg-zt", "斋堂镇"),
            ("mtg-qs", "清水镇"),
        ],
    ),
    "ft": (
        "丰台区",
        2_019_000,
        [
            ("ft-yam", "右安门街道"),
            ("ft-tpq", "太平桥街道"),
            ("ft-xly", "西罗园街道"),
            ("ft-dhm", "大红门街道"),
            ("ft-ny", "南苑街道"),
            ("ft-fz", "方庄街道"),
            ("ft-cxd", "长辛店街道"),
            ("ft-wp", "宛平街道"),
        ],
    ),
}

COMMUNITIES = {
    "xc-jrj": [("xc-jrj-fs", "丰盛社区"), ("xc-jrj-elc", "二龙路社区"), ("xc-jrj-tpq", "太平桥社区")],
    "xc-sch": [("xc-sch-dsgc", "大石碑胡同社区"), ("xc-sch-yds", "鸦儿胡同社区")],
    "hp-qyc": [("hp-qyc-bjd", "滨江道社区"), ("hp-qyc-hpl", "和平路社区")],
    "hp-wdd": [("hp-wdd-cdd", "成都道社区"), ("hp-wdd-clg", "重庆道社区")],
}

PLANS = [
    # district, period, first, last, title
    ("xc", "十四五", 2021, 2025, "北京市西城区“十四五”时期消防事业发展建设规划"),
    ("ft", "十四五", 2021, 2025, "北京市丰台区“十四五”时期消防救援事业发展建设规划"),
    ("mtg", "十五五", 2026, 2030, "北京市门头沟区“十五五”时期消防事业发展建设规划"),
    ("hp", "十四五", 2021, 2025, "天津市和平区“十四五”社会消防救援事业发展规划"),
]


@dataclass(frozen=True)
class TargetSeed:
    district: str
    period: str
    metric: str
    value: str
    unit: str
    source: str
    kind: str = Target.Kind.TARGET
    comparison: str = Target.Comparison.AT_LEAST
    note: str = ""


TARGETS = [
    TargetSeed(
        "xc",
        "十四五",
        Metric.REGISTERED_VOLUNTEERS,
        "3000",
        "人",
        "西城区消防事业发展建设规划 · 聚力推进公益性志愿服务（2025年底前）",
    ),
    TargetSeed(
        "xc",
        "十四五",
        Metric.VOLUNTEER_ROLE_MODELS,
        "5",
        "个",
        "西城区消防事业发展建设规划 · 树立志愿服务典型",
    ),
    TargetSeed(
        "xc",
        "十四五",
        Metric.TRAINEES_PASSED_PER_YEAR,
        "25000",
        "人/年",
        "西城区消防事业发展建设规划 · 全面推行“一警六员”实操实训",
        note="通过实操实训成为“准消防员”的人数",
    ),
    TargetSeed(
        "ft",
        "十四五",
        Metric.AWARENESS_RATE,
        "85",
        "%",
        "丰台区消防救援事业发展建设规划 · 主要指标（公众消防安全知晓率）",
    ),
    TargetSeed(
        "mtg",
        "十五五",
        Metric.TRAINEES_TRAINED_PER_YEAR,
        "5000",
        "人/年",
        "门头沟区消防事业发展建设规划 · “灭火器灭真火、消火栓出真水”培训",
        comparison=Target.Comparison.ABOUT,
        note="预期性指标，计参训人数",
    ),
    TargetSeed(
        "mtg",
        "十五五",
        Metric.TRAINEES_TRAINED_PER_YEAR,
        "100000",
        "人/年",
        "门头沟区消防事业发展建设规划 · 主要指标表（总队建议值）",
        kind=Target.Kind.REFERENCE,
        comparison=Target.Comparison.ABOUT,
        note="总队参考值，全市口径",
    ),
    TargetSeed(
        "hp",
        "十四五",
        Metric.REGISTERED_VOLUNTEERS,
        "20000",
        "人",
        "和平区社会消防救援事业发展规划 · 壮大消防志愿者队伍",
    ),
    TargetSeed(
        "hp",
        "十四五",
        Metric.LEARNER_SHARE,
        "5",
        "%",
        "和平区社会消防救援事业发展规划 · 推广全民消防安全学习平台（常住人口上线使用率）",
    ),
    TargetSeed(
        "hp",
        "十四五",
        Metric.AWARENESS_RATE,
        "80",
        "%",
        "和平区社会消防救援事业发展规划 · 公众消防安全知晓率（“十四五”末期）",
    ),
]

ORGANISATIONS = [
    # area code, name, kind, address
    ("xc-jrj", "金融街丰盛物业服务有限公司", Organisation.Kind.PROPERTY, "西城区丰盛胡同甲12号"),
    ("xc-jrj", "京西卫安保安服务有限公司", Organisation.Kind.SECURITY, "西城区太平桥大街88号"),
    ("xc-sch", "什刹海荷花市场餐饮管理有限公司", Organisation.Kind.HIGH_RISK, "西城区前海西沿6号"),
    ("hp-qyc", "劝业场商厦物业管理有限公司", Organisation.Kind.PROPERTY, "和平区滨江道与和平路交口"),
]


@dataclass(frozen=True)
class UserSeed:
    username: str
    display_name: str
    role: str
    area: str | None
    phone: str
    email: str


USERS = [
    UserSeed(
        "district_admin",
        "王建国（西城区管理员）",
        Role.DISTRICT_ADMIN,
        "xc",
        "13810000001",
        "district_admin@example.org",
    ),
    UserSeed(
        "street_coordinator",
        "李晓梅（金融街街道）",
        Role.STREET_COORDINATOR,
        "xc-jrj",
        "13810000002",
        "street_coordinator@example.org",
    ),
    UserSeed(
        "team_leader",
        "赵磊（金融街志愿服务队）",
        Role.TEAM_LEADER,
        "xc-jrj",
        "13810000003",
        "team_leader@example.org",
    ),
    UserSeed(
        "unit_manager",
        "孙丽（丰盛物业安全管理人）",
        Role.UNIT_MANAGER,
        "xc-jrj",
        "13810000004",
        "unit_manager@example.org",
    ),
    UserSeed(
        "trainer", "周强（西城区实训基地教员）", Role.TRAINER, "xc", "13810000005", "trainer@example.org"
    ),
    UserSeed("volunteer", "陈静", Role.VOLUNTEER, None, "13810000006", "volunteer@example.org"),
    UserSeed("resident", "刘洋", Role.RESIDENT, None, "13810000007", "resident@example.org"),
    UserSeed("editor", "吴芳（宣传编辑）", Role.EDITOR, "xc", "13810000008", "editor@example.org"),
]

# name, 6-digit region code, birth date, sequence, residence (community code), user
PEOPLE = [
    ("陈静", "110102", datetime.date(1988, 5, 17), "062", "xc-jrj-fs", "volunteer"),
    ("刘洋", "110102", datetime.date(1975, 9, 3), "031", "xc-jrj-elc", "resident"),
    ("孙丽", "110102", datetime.date(1983, 2, 21), "048", "xc-jrj-tpq", "unit_manager"),
]


def demo_id_number(region: str, birth: datetime.date, sequence: str) -> str:
    """A syntactically valid (check digit and all) but invented resident ID number."""
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + validators.id_check_digit(first17)


def seed_areas() -> dict[str, Area]:
    areas = {area.code: area for area in Area.objects.all()}
    for order, (code, (name, population, streets)) in enumerate(DISTRICTS.items()):
        if code not in areas:
            areas[code] = services.area_create(name=name, code=code, resident_population=population)
            Area.objects.filter(pk=areas[code].pk).update(sort_order=order)
        for street_order, (street_code, street_name) in enumerate(streets):
            if street_code not in areas:
                areas[street_code] = services.area_create(
                    name=street_name, code=street_code, parent=areas[code]
                )
                Area.objects.filter(pk=areas[street_code].pk).update(sort_order=street_order)
    for street_code, communities in COMMUNITIES.items():
        for code, name in communities:
            if code not in areas:
                areas[code] = services.area_create(name=name, code=code, parent=areas[street_code])
    return areas


def seed_targets(areas: dict[str, Area]) -> None:
    periods = {}
    for district, name, first, last, title in PLANS:
        periods[(district, name)], _created = PlanPeriod.objects.get_or_create(
            district=areas[district],
            name=name,
            defaults={"start_year": first, "end_year": last, "plan_title": title},
        )
    for seed in TARGETS:
        Target.objects.get_or_create(
            period=periods[(seed.district, seed.period)],
            metric=seed.metric,
            kind=seed.kind,
            defaults={
                "value": Decimal(seed.value),
                "unit": seed.unit,
                "source": seed.source,
                "comparison": seed.comparison,
                "note": seed.note,
            },
        )


def seed_users(areas: dict[str, Area]) -> dict[str, User]:
    users = {}
    for seed in USERS:
        user = User.objects.filter(username=seed.username).first()
        if user is None:
            user = User.objects.create_user(
                username=seed.username,
                email=seed.email,
                password=settings.DEMO_PASSWORD,
                display_name=seed.display_name,
            )
            services.user_set_phone(user=user, phone=seed.phone, verified=True)
        services.role_assign(user=user, role=seed.role, area=areas[seed.area] if seed.area else None)
        users[seed.username] = user
    return users


def seed_organisations(areas: dict[str, Area], users: dict[str, User]) -> None:
    for area_code, name, kind, address in ORGANISATIONS:
        organisation, _created = Organisation.objects.get_or_create(
            area=areas[area_code], name=name, defaults={"kind": kind, "address": address}
        )
        if name == "金融街丰盛物业服务有限公司":
            organisation.managers.add(users["unit_manager"])


def seed_people(areas: dict[str, Area], users: dict[str, User]) -> None:
    for name, region, birth, sequence, area_code, username in PEOPLE:
        number = demo_id_number(region, birth, sequence)
        if selectors.person_find(id_type=Person.IdType.RESIDENT_ID, id_number=number) is not None:
            continue
        user = users[username]
        services.person_create(
            name=name, id_number=number, phone=user.phone, area=areas[area_code], user=user
        )


# 五进 as defined in the 门头沟 plan (专栏1); districts may add more (进机关) in the admin.
CHANNELS = [
    (
        "enterprise",
        "进企业",
        "企业员工与安全管理人",
        "结合企业生产经营特点，开展消防安全培训和隐患排查指导。",
    ),
    ("countryside", "进农村", "农村村民", "宣传栏、巡回宣讲，普及用火用电安全和秸秆防火知识。"),
    ("community", "进社区", "社区居民", "消防演练、发放宣传资料，规范停放电动车、安全使用燃气。"),
    ("school", "进学校", "学生与教职工", "消防知识课、应急疏散演练，培养自护自救能力。"),
    ("family", "进家庭", "家庭成员", "普及报警、初期火灾扑救和逃生常识，倡导制订家庭逃生计划。"),
]


def seed_channels() -> None:
    for order, (code, name, audience, description) in enumerate(CHANNELS, start=1):
        Channel.objects.get_or_create(
            code=code,
            defaults={"name": name, "audience": audience, "description": description, "sort_order": order},
        )


@transaction.atomic
def seed_kernel() -> dict[str, Area]:
    seed_channels()
    areas = seed_areas()
    seed_targets(areas)
    users = seed_users(areas)
    seed_organisations(areas, users)
    seed_people(areas, users)
    return areas
