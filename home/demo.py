"""Demo home pages: one Wagtail site per district, the first one the default site."""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import GroupPagePermission, Page, Site

from home.models import HomePage
from portal.models import Area, Role

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


def seed_editor_permissions(pages: list[HomePage]) -> None:
    """Editors may draft and publish under every district home page (review comes with issue 6)."""
    editors = Group.objects.get(name=Role.EDITOR)
    for page in pages:
        for codename in ("add_page", "change_page", "publish_page"):
            GroupPagePermission.objects.get_or_create(
                group=editors,
                page=page,
                permission__codename=codename,
                defaults={"permission": _page_permission(codename)},
            )


def _page_permission(codename: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
