"""Data sets S and L of ../shared/QUALITY.md for `make bench` (``manage.py seed_bench --size S|L``).

One data set per database (`make bench` points ``DATABASE_URL`` at ``bench_s`` / ``bench_l``).
Everything lives in the demo's 西城区 site, so the home page's live figures, the hubs, the
dashboards, "my hours" and the unit view all read the big data set:

======================  ==========  =============
                        S           L
======================  ==========  =============
streets                 15          300
volunteers              500         20 000
service records         5 000       1 000 000
trainees (people)       1 500       60 000
bookings                2 000       300 000
articles (西城 site)    100         2 000
======================  ==========  =============

Streets are the real ones of the district plans (portal/demo.py, drawn from ../shared/seeds); the
285 more that L needs are named after the real streets of the five plans' districts with a
片区 number. Dates spread over three years; every state of every record (volunteers approved /
pending / declined, records approved / pending / declined, bookings attended / no-show /
cancelled / booked / waitlisted / offered, ~5 % of articles drafts). The bulk inserts are the
module benchmarks' own (bench/volunteers.py, bench/training.py, bench/harness.py); articles go in
as page rows with computed treebeard paths (bulk, ~30 × faster than ``add_child``, see
docs/performance.md). Kept aggregates are rebuilt with the functions the services' tests check.

``extra_records`` (``--records-x5``) adds 4 000 000 more service records to L's volunteers for
the scale run (5 × L).

Reused when present: a seeded database carries a row in ``bench_seed`` and is left alone.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid

from bench.harness import bulk_people, log

VERSION = "seed-v1"
SIZES = {
    "S": {
        "streets": 15,
        "volunteers": 500,
        "records": 5_000,
        "trainees": 1_500,
        "bookings": 2_000,
        "articles": 100,
    },
    "L": {
        "streets": 300,
        "volunteers": 20_000,
        "records": 1_000_000,
        "trainees": 60_000,
        "bookings": 300_000,
        "articles": 2_000,
    },
}
DISTRICT = "xc"
MY_RECORDS = 300
UNIT_STAFF = 120


def _marker(version: str, *, set_it: bool = False) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_seed (version text PRIMARY KEY)")
        if set_it:
            cursor.execute("INSERT INTO bench_seed (version) VALUES (%s) ON CONFLICT DO NOTHING", [version])
            return True
        cursor.execute("SELECT 1 FROM bench_seed WHERE version = %s", [version])
        return cursor.fetchone() is not None


def seeded(size: str) -> bool:
    return _marker(f"{VERSION}-{size}")


def _streets(district, count: int):
    """The district's real streets, then more named after the plans' real streets until ``count``."""
    from portal.demo import DISTRICTS
    from portal.models import Area

    have = list(Area.objects.filter(parent=district, level=Area.Level.STREET).order_by("sort_order", "pk"))
    names = [name for _code, (_n, _p, streets) in DISTRICTS.items() for _c, name in streets]
    extra = []
    n = 0
    while len(have) + len(extra) < count:
        base = names[n % len(names)]
        extra.append(
            Area(
                name=f"{base}第{n // len(names) + 1}片区",
                code=f"{district.code}-b{n:03d}",
                level=Area.Level.STREET,
                parent=district,
                path="",
                resident_population=30_000 + (n * 977) % 50_000,
                sort_order=100 + n,
            )
        )
        n += 1
    if extra:
        extra = Area.objects.bulk_create(extra)
        for street in extra:
            street.path = f"{district.path}{street.pk}/"
        Area.objects.bulk_update(extra, ["path"], batch_size=1000)
    return (have + extra)[:count]


def _staff(username: str, role: str, area):
    from portal import services
    from portal.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username)
        services.role_assign(user=user, role=role, area=area)
    return user


def _volunteers(district, streets, sizes, rng, now) -> None:

    from bench import volunteers as vb
    from volunteers import services

    people = bulk_people(
        prefix="志愿者", region="110102", count=sizes["volunteers"], streets=streets, offset=500_000
    )
    profiles = vb._profiles(district, streets, people, rng, number_offset=500_000)
    channels = _channel_ids()
    vb._copy_records(vb._records(profiles, sizes["records"], channels, rng, now))
    log(f"{len(profiles)} volunteers, {sizes['records']} service records")
    me = next(p for p in profiles if p.status == "approved")
    vb._own_volunteer("bench-volunteer", me, channels, rng, now, MY_RECORDS)
    vb._profile_totals()
    services.hours_tally_rebuild()
    log("volunteer aggregates rebuilt")


def _channel_ids() -> list[int]:
    from portal.models import Channel

    return list(Channel.objects.filter(is_active=True).values_list("pk", flat=True))


def _training(district, streets, sizes, rng, now) -> None:
    from bench import training as tb
    from portal.models import Channel, Organisation, Person, Role
    from training import services, tally
    from training.models import Booking, PracticalItem

    trainer = _staff("bench-trainer", Role.TRAINER, district)
    people = [
        p.pk
        for p in bulk_people(
            prefix="学员", region="110102", count=sizes["trainees"], streets=streets, offset=600_000
        )
    ]
    items = [PracticalItem.objects.get(code=PracticalItem.EXTINGUISHER)]
    items.append(PracticalItem.objects.get(code=PracticalItem.HYDRANT))
    channels = list(Channel.objects.filter(is_active=True))
    _venues, n_sessions, n_b, n_a = tb._season(
        district=district,
        streets=streets,
        people=people,
        bookings=sizes["bookings"],
        trainer=trainer,
        channels=channels,
        items=items,
        rng=rng,
        now=now,
    )
    log(f"{n_sessions} sessions, {n_b} bookings, {n_a} sign-off marks")
    # A unit (the unit compliance view): a property company whose staff booked in every state.
    manager = _staff("bench-manager", Role.UNIT_MANAGER, streets[0])
    unit = Organisation.objects.create(
        name="西城区示范物业服务有限公司", kind=Organisation.Kind.values[0], area=streets[0]
    )
    unit.managers.add(manager)
    staff = rng.sample(people, UNIT_STAFF)
    Booking.objects.filter(person_id__in=staff).update(organisation=unit)
    Person.objects.filter(pk__in=staff).update(organisation=unit)
    tally.rebuild()
    passed = Booking.objects.filter(passed=True, session__area__path__startswith=district.path).order_by(
        "-pk"
    )
    services.training_certificate_issue(booking_id=passed.first().pk)
    log("training tally rebuilt")


def _articles(count: int, rng, now) -> int:
    """Articles under the district site's article index, inserted as page rows in bulk."""
    from django.db import connection
    from wagtail.models import Page

    from home.models import ArticleIndexPage, ArticleKind, ArticlePage, HomePage
    from portal.models import Channel

    home = HomePage.objects.get(district__code=DISTRICT)
    index = ArticleIndexPage.objects.child_of(home).get()
    have = ArticlePage.objects.descendant_of(home).count()
    if have >= count:
        return 0
    channels = list(Channel.objects.filter(is_active=True))
    # One article the Wagtail way: every column gets its proper value; the rest copy it.
    template = ArticlePage(
        title="消防安全小知识：电动自行车、燃气和用电",
        slug=f"bench-{uuid.uuid4().hex[:8]}",
        summary="电动自行车不进楼入户充电；燃气软管定期更换；不私拉乱接电线。",
        body=[("paragraph", "<p>发现火情立即拨打119。小火会用灭火器，大火会用消火栓。</p>")],
        kind=ArticleKind.KNOWLEDGE,
        live=True,
        first_published_at=now,
        last_published_at=now,
    )
    template.channels = [channels[0]]
    index.add_child(instance=template)
    index.refresh_from_db()
    base = Page.objects.filter(pk=template.pk).values().get()
    own_fields = [f for f in ArticlePage._meta.local_concrete_fields if f.name != "page_ptr"]
    own = ArticlePage.objects.filter(pk=template.pk).values(*[f.attname for f in own_fields]).get()
    last = index.get_last_child()
    step = int(last.path[-ArticlePage.steplen :], 36)
    topics = [
        "电动自行车",
        "燃气安全",
        "家庭用电",
        "高层住宅",
        "老旧小区",
        "冬季防火",
        "校园消防",
        "九小场所",
    ]
    kinds = [ArticleKind.KNOWLEDGE, ArticleKind.CASE]
    pages, extra = [], []
    for n in range(have + 1, count):
        step += 1
        published = now - datetime.timedelta(days=rng.randrange(3 * 365), minutes=rng.randrange(1440))
        live = rng.random() > 0.05
        slug = f"bench-{n:05d}"
        title = f"{topics[n % len(topics)]}消防安全小知识第{n}期"
        row = dict(base)
        row.update(
            id=None,
            path=ArticlePage._get_path(index.path, index.depth + 1, step),
            title=title,
            draft_title=title,
            slug=slug,
            url_path=f"{index.url_path}{slug}/",
            translation_key=uuid.uuid4(),
            live=live,
            has_unpublished_changes=not live,
            first_published_at=published if live else None,
            last_published_at=published if live else None,
            live_revision_id=None,
            latest_revision_id=None,
            latest_revision_created_at=None,
        )
        pages.append(Page(**row))
        extra.append((n, kinds[n % 2]))
    pages = Page.objects.bulk_create(pages, batch_size=1000)
    columns = ["page_ptr_id"] + [f.column for f in own_fields]
    through = ArticlePage.channels.through
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {ArticlePage._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for page, (_n, kind) in zip(pages, extra, strict=True):
                values = dict(own, kind=kind)
                out = [page.pk]
                for f in own_fields:
                    value = values[f.attname]
                    out.append(f.get_db_prep_save(value, connection) if f.name == "body" else value)
                copy.write_row(out)
        fk = ArticlePage.channels.field.m2m_column_name()
        rel = ArticlePage.channels.field.m2m_reverse_name()
        through.objects.bulk_create(
            [through(**{fk: page.pk, rel: channels[i % len(channels)].pk}) for i, page in enumerate(pages)],
            batch_size=2000,
        )
    Page.objects.filter(pk=index.pk).update(numchild=index.numchild + len(pages))
    return len(pages) + 1


def run(size: str, *, stdout=None) -> bool:
    """Seed data set ``size`` into the default database unless it is there. True when it seeded."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.models import Area, Role

    if seeded(size):
        return False
    sizes = SIZES[size]
    started = time.monotonic()
    rng = random.Random(8)
    now = timezone.now().replace(second=0, microsecond=0)
    call_command("seed_demo", stdout=StringIO())
    log("seed_demo")
    with transaction.atomic():
        district = Area.objects.get(code=DISTRICT)
        streets = _streets(district, sizes["streets"])
        log(f"{len(streets)} streets")
        _staff("bench-admin", Role.DISTRICT_ADMIN, district)
        _volunteers(district, streets, sizes, rng, now)
        _training(district, streets, sizes, rng, now)
        t0 = time.monotonic()
        made = _articles(sizes["articles"], rng, now)
        log(f"{made} articles in {time.monotonic() - t0:.1f} s")
        _marker(f"{VERSION}-{size}", set_it=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"data set {size} seeded in {time.monotonic() - started:.0f} s")
    return True


def extra_records(multiple: int = 5) -> bool:
    """Add service records to L's volunteers until there are ``multiple`` × L's (the scale run)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import volunteers as vb
    from volunteers import services
    from volunteers.models import VolunteerProfile

    marker = f"{VERSION}-records-x{multiple}"
    if _marker(marker):
        return False
    rng = random.Random(9)
    now = timezone.now().replace(second=0, microsecond=0)
    profiles = list(VolunteerProfile.objects.filter(district__code=DISTRICT, status="approved"))
    with transaction.atomic():
        vb._copy_records(
            vb._records(profiles, (multiple - 1) * SIZES["L"]["records"], _channel_ids(), rng, now)
        )
        services.hours_tally_rebuild()
        _marker(marker, set_it=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE volunteers_servicerecord")
    log(f"service records now {multiple} × L")
    return True
