import datetime
from decimal import Decimal

import pytest

from home import services, tasks
from home.models import TargetSnapshot
from portal import metrics
from portal.models import Metric, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteers_1234(monkeypatch):
    """Only the registered-volunteer metric is measured: 1234 in 西城, 800 elsewhere."""
    monkeypatch.setattr(metrics, "_registry", {})
    metrics.register(
        Metric.REGISTERED_VOLUNTEERS, lambda *, district, year: 1234 if district.code == "xc" else 800
    )


def test_stats_json_matches_hand_computed_figures(client, seed_output, volunteers_1234):
    response = client.get("/api/v1/stats/targets", {"district": "xc"})

    assert response.status_code == 200
    rows = {row["metric"]: row for row in response.json()}
    assert set(rows) == {"registered_volunteers", "volunteer_role_models", "trainees_passed_per_year"}
    volunteers = rows["registered_volunteers"]
    assert volunteers["district"] == "xc"
    assert volunteers["district_name"] == "西城区"
    assert volunteers["period"] == "十四五"
    assert Decimal(volunteers["target"]) == Decimal(3000)
    assert Decimal(volunteers["actual"]) == Decimal(1234)
    assert volunteers["source"] == "西城区消防事业发展建设规划 · 聚力推进公益性志愿服务（2025年底前）"
    assert rows["volunteer_role_models"]["actual"] is None  # not measured: null, never 0
    assert Decimal(rows["trainees_passed_per_year"]["target"]) == Decimal(25000)


def test_stats_json_lists_every_district_without_a_filter(client, seed_output, volunteers_1234):
    rows = client.get("/api/v1/stats/targets").json()

    by_district = {(row["district"], row["metric"], row["kind"]): row for row in rows}
    assert (
        len(rows) == Target.objects.filter(period__district__code__in={r["district"] for r in rows}).count()
    )
    assert Decimal(by_district[("hp", "registered_volunteers", "target")]["actual"]) == Decimal(800)
    assert Decimal(by_district[("hp", "registered_volunteers", "target")]["target"]) == Decimal(20000)
    assert client.get("/api/v1/stats/targets", {"district": "nowhere"}).json() == []


def test_progress_page_shows_each_target_value_share_source_and_history(client, seed_output, volunteers_1234):
    response = client.get("/campaign/progress/")

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('class="progress-row"') == 3
    assert "<strong>1234</strong>人 （41.1%）" in content  # 1234 / 3000 = 41.13 %
    assert content.count("尚未统计") == 2
    assert "西城区消防事业发展建设规划 · 全面推行“一警六员”实操实训" in content
    assert content.count("<td>2735</td>") == 1  # the newest demo snapshot of registered volunteers
    assert "vendor/chart.js/chart.umd.min.js" in content
    assert 'id="progress-data"' in content


def test_snapshot_records_measured_targets_only_and_is_idempotent_per_day(seed_output, volunteers_1234):
    day = datetime.date(2026, 12, 1)

    written = services.target_snapshots_take(on=day)
    services.target_snapshots_take(on=day)

    snapshots = TargetSnapshot.objects.filter(taken_on=day)
    assert written == snapshots.count() == 2  # 西城 and 和平 registered volunteers; the rest unmeasured
    assert snapshots.get(target__period__district__code="xc").actual == Decimal(1234)


def test_daily_task_takes_todays_snapshot(seed_output, volunteers_1234, time_machine):
    time_machine.move_to("2027-03-05 02:00 +08:00")

    tasks.target_snapshots_take.delay()

    assert TargetSnapshot.objects.filter(taken_on=datetime.date(2027, 3, 5)).count() == 2


def test_daily_task_is_on_the_beat_schedule():
    from portal.celery import app

    entry = app.conf.beat_schedule["home-target-snapshots-daily"]
    assert entry["task"] == "home.tasks.target_snapshots_take"


def test_every_target_of_the_demo_sites_is_measured_by_its_module(client, seed_output):
    """No metric of a district with a site is left unregistered: the home page and the progress
    page show a counted value for each (the demo seeds volunteers, role models, trainees and
    learners); the JSON agrees with the metric functions of the modules."""
    from django.utils import timezone

    from courses import selectors as courses_selectors
    from portal.models import Area
    from training import selectors as training_selectors
    from volunteers import selectors as volunteers_selectors

    year = timezone.localdate().year
    counted_by = {
        Metric.REGISTERED_VOLUNTEERS: volunteers_selectors.registered_volunteers_count,
        Metric.VOLUNTEER_ROLE_MODELS: volunteers_selectors.role_models_count,
        Metric.TRAINEES_PASSED_PER_YEAR: training_selectors.trainees_passed_count,
        Metric.TRAINEES_TRAINED_PER_YEAR: training_selectors.trainees_trained_count,
        Metric.LEARNER_SHARE: courses_selectors.learner_share,
        Metric.AWARENESS_RATE: courses_selectors.awareness_rate_value,
    }
    for code, host in (("xc", "localhost"), ("hp", "heping.localhost")):
        district = Area.objects.get(code=code)
        rows = client.get("/api/v1/stats/targets", {"district": code}).json()
        assert rows
        for row in rows:
            expected = counted_by[row["metric"]](district=district, year=year)
            assert row["actual"] is not None, row
            assert Decimal(row["actual"]) == Decimal(expected), row
        home = client.get("/", HTTP_HOST=host).content.decode()
        progress = client.get("/campaign/progress/", HTTP_HOST=host).content.decode()
        assert 'class="target__pending"' not in home
        assert "尚未统计" not in progress
        assert progress.count('class="progress-row"') == len(rows)
    xc_rows = client.get("/api/v1/stats/targets", {"district": "xc"}).json()
    xc = {row["metric"]: Decimal(row["actual"]) for row in xc_rows}
    assert xc[Metric.REGISTERED_VOLUNTEERS] > 0
    assert xc[Metric.TRAINEES_PASSED_PER_YEAR] > 0


def test_progress_page_shows_the_plans_fire_statistics_as_context(client, seed_output):
    xicheng = client.get("/campaign/progress/").content.decode()
    heping = client.get("/campaign/progress/", HTTP_HOST="heping.localhost").content.decode()

    assert "往年火灾情况（背景）" in xicheng
    assert '<tr><th scope="row">2016年</th><td>82</td><td>1</td><td>4</td><td>297.91</td></tr>' in xicheng
    assert "<td>358</td><td>10</td><td>10</td><td>809.73</td>" in xicheng  # 十三五 total, as in the plan
    assert "专栏1" in xicheng
    assert "往年火灾情况" not in heping  # no figures taken from 和平's plan
