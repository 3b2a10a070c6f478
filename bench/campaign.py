"""Campaign site benchmark (issue 6 "Quality", QUALITY.md P1/P2/P9): ``bin/bench campaign``.

In process (bench/harness.py: every figure a ratio to H measured in the same run), anonymous:
the district home page with its live progress figures, a 五进 hub page, an article page and
``GET /api/v1/stats/targets`` — on two district sites of one database, 和平 with 100 articles
and 西城 with 2 000, so both sizes are measured in the same run and their query counts compared.

Seeding (once per database, then reused): ``seed_demo`` (both district sites, hubs, topics,
events, the demo volunteers, trainees and learners behind the figures), then articles added
under each site's article index until it holds 100 (和平) and 2 000 (西城). Wagtail pages
go in through treebeard's ``add_child`` without revisions (about a minute in all).
"""

from __future__ import annotations

import sys

SEED = "campaign-v1"
SIZES = {"hp": 100, "xc": 2000}
HOSTS = {"hp": "heping.localhost", "xc": "localhost"}


def seed() -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from home.models import ArticleIndexPage, ArticleKind, ArticlePage, HomePage
    from portal.models import Channel

    call_command("seed_demo", stdout=StringIO())
    channels = list(Channel.objects.filter(is_active=True))
    now = timezone.now()
    for code, size in SIZES.items():
        home = HomePage.objects.get(district__code=code)
        index = ArticleIndexPage.objects.child_of(home).get()
        have = ArticlePage.objects.descendant_of(home).count()
        with transaction.atomic():
            for n in range(have, size):
                article = ArticlePage(
                    title=f"消防安全小知识第{n}期：电动自行车、燃气和用电",
                    slug=f"bench-{code}-{n}",
                    summary="电动自行车不进楼入户充电；燃气软管定期更换；不私拉乱接电线。",
                    body=[("paragraph", "<p>发现火情立即拨打119。小火会用灭火器，大火会用消火栓。</p>")],
                    kind=(ArticleKind.KNOWLEDGE, ArticleKind.CASE)[n % 2],
                    live=True,
                    first_published_at=now,
                    last_published_at=now,
                )
                article.channels = [channels[n % len(channels)]]
                index.add_child(instance=article)
        print(f"  {code}: {ArticlePage.objects.descendant_of(home).count()} articles", flush=True)


def main() -> None:
    from bench.harness import Bench

    bench = Bench("campaign")
    if not bench.seeded(SEED):
        print("seeding (once) ...", flush=True)
        seed()
        bench.mark_seeded(SEED)

    from django.core.cache import cache

    from home.models import ArticlePage, HomePage, HubPage

    client = bench.client()
    counts = {}
    for code in ("hp", "xc"):
        home = HomePage.objects.get(district__code=code)
        host = HOSTS[code]
        hub = HubPage.objects.child_of(home).get(channel__code="family")
        article = ArticlePage.objects.descendant_of(home).live().order_by("-id").first()
        size = ArticlePage.objects.descendant_of(home).count()
        counts[code] = size
        cache.clear()
        for label, url in (
            ("home page", "/"),
            ("hub page 进家庭", hub.url_path[len(home.url_path) - 1 :]),
            ("article page", article.url_path[len(home.url_path) - 1 :]),
            ("GET /api/v1/stats/targets", f"/api/v1/stats/targets?district={code}"),
        ):
            response = client.get(url, HTTP_HOST=host)
            if response.status_code != 200:
                sys.exit(f"{label} {url} on {host}: HTTP {response.status_code}")
            bench.measure(
                f"{label} ({size} articles)",
                lambda url=url, host=host: client.get(url, HTTP_HOST=host),
                n=200,
            )
    bench.note("articles per site", counts)
    bench.note("goal", "P1 home page and P2 article/hub pages ≥ 0.4 × H; same query count at both sizes")
    bench.report()


if __name__ == "__main__":
    main()
