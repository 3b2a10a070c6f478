"""Volunteers benchmark (issue 4 "Speed"; ../shared/QUALITY.md P6–P8): the district progress
dashboard and a volunteer's "my hours" page with 20 000 volunteers and 1 000 000 service records,
and the service-hours certificate PDF render.

    bin/stack start            # once
    bin/bench volunteers       # seeds bench_volunteers once (a few minutes), then measures

Data: district L (300 streets, 20 000 volunteers in every state, 1 000 000 service records over
three years in every state) and district S (10 streets, 500 volunteers, 5 000 records) in the same
database, so S and L are measured in the same run against the same H. Persons and profiles go in
with ``bulk_create`` (their ID numbers must be encrypted by the model field), records with
PostgreSQL COPY; the kept aggregates are rebuilt by the same function the services' tests check.
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from decimal import Decimal

from bench.harness import Bench, bulk_areas, bulk_people, log

SEED_VERSION = "volunteers-v1"
L_STREETS, L_VOLUNTEERS, L_RECORDS = 300, 20_000, 1_000_000
S_STREETS, S_VOLUNTEERS, S_RECORDS = 10, 500, 5_000
MY_RECORDS = 300  # the measured volunteer's own history ("my hours" shows the newest 200)
TYPES = ["publicity", "patrol", "hazard_fix", "relief", "drill", "event_support", "online"]
STATES = ["approved"] * 80 + ["pending"] * 12 + ["declined"] * 8
ORIGINS = ["attendance", "declared", "group", "signal"]


def _profiles(district, streets, people, rng, number_offset: int = 0):
    from django.utils import timezone

    from volunteers.models import VolunteerProfile

    now = timezone.now()
    profiles = []
    for i, person in enumerate(people):
        street = streets[i % len(streets)]
        roll = rng.random()
        status = "approved" if roll < 0.85 else ("pending" if roll < 0.95 else "declined")
        registered = now - datetime.timedelta(days=rng.randint(30, 1100))
        profiles.append(
            VolunteerProfile(
                person=person,
                district=district,
                street=street,
                area=street,
                skills=["publicity"],
                availability=["weekend"],
                emergency_contact_name="家属",
                emergency_contact_phone="13900001111",
                emergency_contact_phone_masked="139****1111",
                notice_consented_at=registered,
                id_consented_at=registered,
                status=status,
                decided_at=registered + datetime.timedelta(days=3) if status != "pending" else None,
                decision_reason="信息不全" if status == "declined" else "",
                number=f"{district.code.upper()}-{registered.year}-{number_offset + i + 1:06d}"
                if status == "approved"
                else None,
            )
        )
    return VolunteerProfile.objects.bulk_create(profiles, batch_size=2000)


def _copy_records(rows) -> None:
    from django.db import connection

    columns = (
        "created_at, updated_at, volunteer_id, person_id, area_id, activity_type, channel_id, title, "
        "origin, started_at, ended_at, hours, note, state, decided_at, decision_reason, "
        "flagged_auto_closed"
    )
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY volunteers_servicerecord ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _records(profiles, count: int, channels, rng, now):
    """``count`` records over the last three years, spread over the approved volunteers."""
    approved = [p for p in profiles if p.status == "approved"]
    span = 3 * 365 * 24 * 3600
    for _ in range(count):
        profile = approved[rng.randrange(len(approved))]
        start = now - datetime.timedelta(seconds=rng.randrange(span))
        start = start.replace(second=0, microsecond=0)
        minutes = rng.choice((60, 90, 120, 180, 240))
        state = rng.choice(STATES)
        yield (
            now,
            now,
            profile.pk,
            profile.person_id,
            profile.area_id,
            rng.choice(TYPES),
            rng.choice(channels),
            "社区消防宣传",
            rng.choice(ORIGINS),
            start,
            start + datetime.timedelta(minutes=minutes),
            Decimal(minutes) / 60,
            "",
            state,
            start + datetime.timedelta(days=2) if state != "pending" else None,
            "时间不符" if state == "declined" else "",
            False,
        )


def _staff(username: str, role: str, area):
    from portal import services
    from portal.models import User

    user = User.objects.create_user(username=username)
    services.role_assign(user=user, role=role, area=area)
    return user


def _own_volunteer(username: str, profile, channels, rng, now, count: int):
    """Give one approved volunteer an account and a history of ``count`` records of their own."""
    from portal.models import Person, User
    from volunteers.models import VolunteerProfile

    user = User.objects.create_user(username=username)
    Person.objects.filter(pk=profile.person_id).update(user=user)
    VolunteerProfile.objects.filter(pk=profile.pk).update(user=user)
    profile.user_id = user.pk
    rows = list(_records([profile], count, channels, rng, now))
    _copy_records(rows)
    return user


def _profile_totals() -> None:
    """What the services keep per volunteer (approved hours, last service), in one statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE volunteers_volunteerprofile p
               SET approved_hours = t.hours, last_served_at = t.last
              FROM (SELECT volunteer_id, SUM(hours) AS hours, MAX(ended_at) AS last
                      FROM volunteers_servicerecord WHERE state = 'approved'
                     GROUP BY volunteer_id) t
             WHERE p.id = t.volunteer_id
            """
        )


def seed(bench: Bench) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.models import Channel, Role
    from volunteers import services
    from volunteers.models import ServiceRecord, VolunteerProfile

    rng = random.Random(4)
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        channels = [
            Channel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": i})[0].pk
            for i, (code, name) in enumerate(
                [
                    ("agency", "进机关"),
                    ("school", "进学校"),
                    ("community", "进社区"),
                    ("enterprise", "进企业"),
                    ("family", "进家庭"),
                ]
            )
        ]
        started = time.monotonic()
        big, big_streets = bulk_areas("bl", "基准大区", L_STREETS)
        small, small_streets = bulk_areas("bs", "基准小区", S_STREETS)
        log("areas")
        big_people = bulk_people(
            prefix="大区志愿者", region="120101", count=L_VOLUNTEERS, streets=big_streets
        )
        small_people = bulk_people(
            prefix="小区志愿者",
            region="120101",
            count=S_VOLUNTEERS,
            streets=small_streets,
            offset=L_VOLUNTEERS,
        )
        log(f"{len(big_people) + len(small_people)} people")
        big_profiles = _profiles(big, big_streets, big_people, rng)
        small_profiles = _profiles(small, small_streets, small_people, rng)
        log("profiles")
        _copy_records(_records(big_profiles, L_RECORDS, channels, rng, now))
        log(f"{L_RECORDS} records (L)")
        _copy_records(_records(small_profiles, S_RECORDS, channels, rng, now))
        me_big = next(p for p in big_profiles if p.status == "approved")
        me_small = next(p for p in small_profiles if p.status == "approved")
        _own_volunteer("bench-volunteer-l", me_big, channels, rng, now, MY_RECORDS)
        _own_volunteer("bench-volunteer-s", me_small, channels, rng, now, 20)
        _staff("bench-admin-l", Role.DISTRICT_ADMIN, big)
        _staff("bench-admin-s", Role.DISTRICT_ADMIN, small)
        _profile_totals()
        if hasattr(services, "hours_tally_rebuild"):
            services.hours_tally_rebuild()
            log("kept aggregates rebuilt")
        bench.mark_seeded(SEED_VERSION)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the visibility map lets the counts read indexes only
    log(
        f"done in {time.monotonic() - started:.0f} s: {VolunteerProfile.objects.count()} volunteers, "
        f"{ServiceRecord.objects.count()} records"
    )


def main() -> None:
    bench = Bench("volunteers")
    if not bench.seeded(SEED_VERSION):
        seed(bench)

    from django.core.cache import cache
    from django.urls import reverse

    from portal import pdf
    from portal.models import Area, User
    from volunteers import seal
    from volunteers.models import ServiceRecord, VolunteerProfile

    users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    for code in ("bl", "bs"):
        district = Area.objects.get(code=code)
        bench.note(
            f"district {code}",
            f"{Area.objects.filter(parent=district).count()} streets, "
            f"{VolunteerProfile.objects.filter(district=district).count()} volunteers, "
            f"{ServiceRecord.objects.filter(area__path__startswith=district.path).count()} records",
        )
    dashboard = reverse("volunteers:district_dashboard")
    my_hours = reverse("volunteers:my_hours")
    admin_s, admin_l = bench.client(user=users["bench-admin-s"]), bench.client(user=users["bench-admin-l"])
    me_s, me_l = bench.client(user=users["bench-volunteer-s"]), bench.client(user=users["bench-volunteer-l"])

    def uncached(client, url):
        def call():
            cache.clear()  # nothing of the dashboard may come from a cache
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        return call

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    bench.measure("district dashboard S (uncached)", uncached(admin_s, dashboard), n=n)
    bench.measure("district dashboard L (uncached)", uncached(admin_l, dashboard), n=n)
    bench.measure("my hours S", uncached(me_s, my_hours), n=n)
    bench.measure("my hours L", uncached(me_l, my_hours), n=n)

    document = pdf.CertificateDocument(
        title="志愿服务记录证明",
        number="BL-ZY-2026-000001",
        blocks=[
            ("持证人", [("姓名", "王*愿"), ("证件类型", "居民身份证"), ("证件号码", "1201**********1234")]),
            ("志愿者", [("志愿者编号", "BL-2026-000001")]),
            (
                "服务信息",
                [
                    ("累计服务时长", "128.5 小时"),
                    ("服务记录", "57"),
                    ("服务期间", "2024-01-02 — 2026-11-20"),
                    ("服务内容", "消防宣传、巡查上报、应急演练"),
                ],
            ),
            ("出具单位", [("负责人", "刘建国"), ("经办人", "陈晓红"), ("联系方式", "010-66001119")]),
            ("出具信息", [("出具单位", "基准大区消防志愿服务总队"), ("出具日期", "2026-11-29")]),
        ],
        qr_url="https://example.invalid/certificates/verify/?n=BL-ZY-2026-000001&c=ABCD2345",
        footer="验证码：ABCD2345",
        seal_image=seal.seal_png(text="基准大区消防志愿服务总队"),
    )
    cold = time.perf_counter()
    size = len(pdf.render_certificate(document))
    bench.note(
        "certificate PDF first render in this process (font registered)",
        f"{(time.perf_counter() - cold) * 1000:.0f} ms",
    )
    bench.note("certificate PDF size", f"{size // 1024} KiB")
    bench.measure("certificate PDF render (warm, with seal)", lambda: pdf.render_certificate(document), n=100)
    bench.report()


if __name__ == "__main__":
    main()
