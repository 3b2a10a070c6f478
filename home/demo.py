"""Demo campaign site: one Wagtail site per district (the first the default), its hubs, topics,
articles and events, the review workflow, and some progress history. Idempotent and quick."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from home import demo_content, services
from home.models import (
    ArticleIndexPage,
    ArticlePage,
    EventIndexPage,
    EventPage,
    HomePage,
    HubPage,
    TargetSnapshot,
    TopicIndexPage,
    TopicPage,
)
from portal.models import Area, Channel, Role, Target, User
from portal.selectors import plan_period_current

HOME_PAGES = [
    # district code, hostname, title, introduction
    (
        "xc",
        "localhost",
        "西城区消防宣教与志愿服务",
        "学消防知识、报名实操实训、加入消防志愿者队伍——西城区消防救援支队与15个街道一起，"
        "让每一位居民“小火会用灭火器、大火会用消火栓”。",
    ),
    (
        "hp",
        "heping.localhost",
        "和平区消防宣教与志愿服务",
        "和平区“和和平平话消防”：在线学习答题、预约队站开放日、报名成为消防志愿者，共建平安和平。",
    ),
]

TIPS = {
    "xc": [
        (
            "电动自行车不进楼入户",
            "电动自行车请在室外集中充电区充电，不要停放在楼道、疏散通道和室内，更不要“飞线”充电。",
        ),
        ("油锅起火怎么办", "立即关闭燃气，用锅盖或湿毛巾盖住油锅；千万不要用水浇，以免热油飞溅、火势扩大。"),
    ],
    "hp": [
        (
            "高层住宅逃生",
            "发生火灾时不要乘坐电梯，用湿毛巾捂住口鼻，沿疏散楼梯向下撤离；被困时关门堵缝，等待救援。",
        ),
    ],
}

REVIEWER_GROUP = services.REVIEWER_GROUP
REVIEWER_USERNAME = "reviewer"
WORKFLOW_NAME = "宣传内容审核发布"


def _body(code: str) -> list[tuple[str, dict | str]]:
    blocks: list[tuple[str, dict | str]] = [("heading", "安全小贴士")]
    blocks += [("callout", {"title": title, "text": text}) for title, text in TIPS.get(code, [])]
    return blocks


@transaction.atomic
def seed_home_pages() -> list[HomePage]:
    root = Page.get_first_root_node()
    pages = []
    for index, (code, hostname, title, introduction) in enumerate(HOME_PAGES):
        district = Area.objects.get(code=code)
        page = HomePage.objects.filter(district=district).first()
        if page is None:
            page = HomePage(
                title=title,
                slug=f"home-{code}",
                district=district,
                introduction=introduction,
                body=_body(code),
            )
            root.add_child(instance=page)
            page.save_revision().publish()
        site = Site.objects.filter(hostname=hostname, port=80).first()
        if site is None and index == 0:
            site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site(hostname=hostname, port=80)
        site.hostname, site.port, site.root_page = hostname, 80, page
        site.site_name, site.is_default_site = title, index == 0
        site.save()
        pages.append(page)
    # Wagtail's own welcome page is replaced by the district home pages.
    Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore").delete()
    return pages


def _page_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


def _grant(group: Group, page: Page, codenames: tuple[str, ...]) -> None:
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=page,
            permission__codename=codename,
            defaults={"permission": _page_permission(codename)},
        )


def seed_editor_permissions(pages: list[HomePage]) -> None:
    """Editors draft and submit for review; reviewers approve and publish (the workflow below)."""
    editors = Group.objects.get(name=Role.EDITOR)
    reviewers, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    reviewers.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    for page in pages:
        _grant(editors, page, ("add_page", "change_page"))
        _grant(reviewers, page, ("add_page", "change_page", "publish_page"))
    GroupPagePermission.objects.filter(group=editors, permission__codename="publish_page").delete()


def seed_reviewer() -> User:
    """The demo reviewer (审核员) of 西城, who approves what editors submit."""
    user = User.objects.filter(username=REVIEWER_USERNAME).first()
    if user is None:
        user = User(
            username=REVIEWER_USERNAME, email="reviewer@example.org", first_name="审核员", last_name="赵"
        )
        user.area = Area.objects.get(code="xc")
        password = getattr(settings, "DEMO_PASSWORD", None)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    return user


def seed_workflow(pages: list[HomePage]) -> Workflow:
    """An editor submits, a reviewer approves: one Wagtail workflow over every district site."""
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name="审核员审核").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name="审核员审核")
        task.groups.set([Group.objects.get(name=REVIEWER_GROUP)])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for page in pages:
        WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})
    return workflow


def _child(parent: Page, model, slug: str, **fields) -> Page:
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _campaign_month_start(today: datetime.date) -> datetime.date:
    year = today.year if today <= datetime.date(today.year, 11, 30) else today.year + 1
    return datetime.date(year, 11, 1)


def seed_campaign(pages: list[HomePage], *, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    channels = {channel.code: channel for channel in Channel.objects.all()}
    streets = {area.code: area for area in Area.objects.filter(level=Area.Level.STREET)}
    for home in pages:
        code = home.district.code
        for channel_code, (title, framing) in demo_content.HUBS.items():
            if channel_code in channels:
                _child(
                    home,
                    HubPage,
                    channel_code,
                    title=title,
                    channel=channels[channel_code],
                    audience_framing=framing,
                )
        topic_index = _child(
            home, TopicIndexPage, "topics", title="消防安全专题", introduction="按主题查找消防安全知识。"
        )
        topics = {
            topic_code: _child(topic_index, TopicPage, topic_code, title=title, introduction=introduction)
            for topic_code, (title, introduction) in demo_content.TOPICS.items()
        }
        article_index = _child(
            home,
            ArticleIndexPage,
            "articles",
            title="安全知识与警示",
            introduction="常识普及、案例警示和隐患曝光。",
        )
        for (
            slug,
            kind,
            title,
            summary,
            channel_codes,
            topic_codes,
            audience,
            street,
            video,
            body,
        ) in demo_content.ARTICLES.get(code, []):
            if ArticlePage.objects.child_of(article_index).filter(slug=slug).exists():
                continue
            article = ArticlePage(
                slug=slug,
                title=title,
                kind=kind,
                summary=summary,
                audience=audience,
                video_url=video,
                body=body,
                area=streets.get(street),
            )
            article.channels = [channels[c] for c in channel_codes if c in channels]
            article.topics = [topics[t] for t in topic_codes]
            article_index.add_child(instance=article)
            article.save_revision().publish()
        event_index = _child(
            home,
            EventIndexPage,
            "events",
            title="近期活动",
            introduction="119消防宣传月、消防夜校、队站开放日。",
        )
        for slug, kind, title, summary, location, days, channel_code, street in demo_content.EVENTS.get(
            code, []
        ):
            if days is None:
                start_day = _campaign_month_start(today)
                starts = timezone.make_aware(datetime.datetime.combine(start_day, datetime.time(9)))
                ends = timezone.make_aware(
                    datetime.datetime.combine(start_day.replace(day=30), datetime.time(18))
                )
            else:
                starts = timezone.make_aware(
                    datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(19))
                )
                ends = starts + datetime.timedelta(hours=2)
            _child(
                event_index,
                EventPage,
                slug,
                title=title,
                kind=kind,
                summary=summary,
                location=location,
                starts_at=starts,
                ends_at=ends,
                channel=channels.get(channel_code),
                area=streets.get(street),
            )


def seed_snapshots(*, today: datetime.date | None = None) -> None:
    """Monthly demo history for the progress chart (only where a target has none yet)."""
    today = today or timezone.localdate()
    for code, series in demo_content.SNAPSHOTS.items():
        district = Area.objects.get(code=code)
        period = plan_period_current(district=district, year=today.year)
        if period is None:
            continue
        for metric, values in series.items():
            target = Target.objects.filter(period=period, metric=metric, kind=Target.Kind.TARGET).first()
            if target is None or TargetSnapshot.objects.filter(target=target).exists():
                continue
            first = today.replace(day=1)
            for months_back, value in zip(range(len(values) - 1, -1, -1), values, strict=True):
                month = (first.month - months_back - 1) % 12 + 1
                year = first.year + (first.month - months_back - 1) // 12
                TargetSnapshot.objects.create(
                    target=target, taken_on=datetime.date(year, month, 1), actual=Decimal(value)
                )


@transaction.atomic
def seed_campaign_site(pages: list[HomePage]) -> None:
    """Everything after the home pages and editor permissions (called by ``seed_demo``)."""
    seed_reviewer()
    seed_workflow(pages)
    seed_campaign(pages)
    seed_snapshots()
