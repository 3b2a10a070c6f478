"""Chinese search on PostgreSQL: the same selector, the same results as on SQLite."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from home import selectors
from home.models import HomePage
from portal.tests.factories import wagtail_root

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_chinese_search_on_postgresql():
    assert connection.vendor == "postgresql"
    wagtail_root()  # an earlier transactional test's flush removed the root page
    call_command("seed_demo", stdout=StringIO())
    xc = HomePage.objects.get(district__code="xc")

    extinguisher = {page.title for page in selectors.pages_search(home=xc, query="灭火器")}
    ebike = {page.title for page in selectors.pages_search(home=xc, query="电动车")}

    assert "小火会用灭火器：一拔二握三瞄四压" in extinguisher
    assert "消防夜校：灭火器和消火栓实操" in extinguisher
    assert "冬季取暖，用电安全这样做" not in extinguisher
    assert "电动自行车不进楼道、不入户充电" in ebike
    assert "家用燃气安全：三查一关" not in ebike
