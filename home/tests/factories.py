"""Campaign-site pages for tests: built under the seeded demo tree (``seed_output``) or a fresh one."""

import itertools

from django.utils import timezone
from wagtail.models import Page

from home.models import ArticleIndexPage, ArticleKind, ArticlePage
from portal.models import Channel

_slugs = itertools.count(1)


def article_create(
    *,
    index: ArticleIndexPage,
    title: str = "测试文章：安全用电",
    summary: str = "一段测试摘要。",
    kind: str = ArticleKind.KNOWLEDGE,
    channels: list[Channel] | None = None,
    body: list | None = None,
    publish: bool = True,
    area=None,
    first_published_at=None,
    **fields,
) -> ArticlePage:
    """An article under ``index``; published through a revision (as an editor would) unless told not."""
    article = ArticlePage(
        title=title,
        slug=f"test-article-{next(_slugs)}",
        summary=summary,
        kind=kind,
        body=body or [("paragraph", f"<p>{summary}</p>")],
        area=area,
        live=False,
        **fields,
    )
    article.channels = channels or []
    index.add_child(instance=article)
    if publish:
        article.save_revision().publish()
        if first_published_at is not None:
            Page.objects.filter(pk=article.pk).update(first_published_at=first_published_at)
            article.first_published_at = first_published_at
    return article


def articles_bulk(*, index: ArticleIndexPage, channel: Channel, count: int) -> None:
    """Many live articles quickly (no revisions): for query-count tests at a large size."""
    now = timezone.now()
    for n in range(count):
        article = ArticlePage(
            title=f"批量文章{n}",
            slug=f"bulk-{next(_slugs)}",
            summary="批量生成的测试文章。",
            kind=ArticleKind.KNOWLEDGE if n % 2 else ArticleKind.CASE,
            live=True,
            first_published_at=now,
            last_published_at=now,
        )
        article.channels = [channel]
        index.add_child(instance=article)
