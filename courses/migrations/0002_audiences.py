"""The audiences a course can be tagged for: residents, students and the seven 一警六员
categories, verbatim from the plan (002, line 282)."""

from django.db import migrations

AUDIENCES = [
    ("residents", "居民"),
    ("students", "学生"),
    ("police", "社区公安民警和中央在京单位执勤武警"),
    ("grassroots", "各街道、乡镇政府、村（居）委会基层工作人员"),
    ("urban-assistants", "城市综合协管员"),
    ("property", "物业服务企业职员"),
    ("security-guards", "保安员"),
    ("key-units", "消防安全重点单位及餐饮、娱乐等火灾高风险场所职员"),
    ("fire-teams", "微型消防站、单位义务消防队和社会志愿力量等多种形式消防队员"),
]


def seed(apps, schema_editor):
    Audience = apps.get_model("courses", "Audience")
    for order, (code, name) in enumerate(AUDIENCES):
        Audience.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
