import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from home import selectors, services
from home.tests.factories import article_create
from portal.errors import PortalError
from portal.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(seed_output):
    return User.objects.get(username="editor")


@pytest.fixture
def reviewer(seed_output):
    return User.objects.get(username="reviewer")


def test_editor_may_not_publish_reviewer_may(xc_articles, editor, reviewer):
    article = article_create(index=xc_articles, title="待审文章", publish=False)

    assert article.permissions_for_user(editor).can_edit()
    assert not article.permissions_for_user(editor).can_publish()
    assert article.permissions_for_user(reviewer).can_publish()


def test_editor_submits_reviewer_approves_and_the_article_goes_live(xc, xc_articles, editor, reviewer):
    article = article_create(index=xc_articles, title="审核流程测试：灭火毯怎么用", publish=False)
    workflow = article.get_workflow()
    assert workflow is not None and workflow.name == "宣传内容审核发布"

    article.save_revision(user=editor)
    state = workflow.start(article, editor)
    article.refresh_from_db()
    assert state.status == state.STATUS_IN_PROGRESS
    assert not article.live
    task = state.current_task_state.task.specific
    assert task.get_actions(article, editor) == []  # the editor cannot approve their own work
    assert "approve" in [name for name, *_rest in task.get_actions(article, reviewer)]

    task.on_action(state.current_task_state, reviewer, "approve")

    article.refresh_from_db()
    state.refresh_from_db()
    assert article.live
    assert state.status == state.STATUS_APPROVED
    assert "审核流程测试：灭火毯怎么用" in {
        page.title for page in selectors.pages_search(home=xc, query="灭火毯")
    }


def test_reviewer_rejects_and_the_article_stays_a_draft(xc_articles, editor, reviewer):
    article = article_create(index=xc_articles, title="需要修改的文章", publish=False)
    article.save_revision(user=editor)
    state = article.get_workflow().start(article, editor)

    state.current_task_state.task.specific.on_action(state.current_task_state, reviewer, "reject")

    article.refresh_from_db()
    state.refresh_from_db()
    assert not article.live
    assert state.status == state.STATUS_NEEDS_CHANGES


def test_scheduled_article_goes_live_at_its_time(client, xc, xc_articles, time_machine):
    time_machine.move_to("2026-11-20 10:00 +08:00", tick=False)
    article = article_create(index=xc_articles, title="定时发布：119宣传月倒计时", publish=False)
    article.go_live_at = timezone.now() + datetime.timedelta(hours=3)
    article.save_revision().publish()

    article.refresh_from_db()
    assert not article.live
    call_command("publish_scheduled")
    article.refresh_from_db()
    assert not article.live  # not yet

    time_machine.move_to("2026-11-20 13:01 +08:00", tick=False)
    call_command("publish_scheduled")

    article.refresh_from_db()
    assert article.live
    assert client.get(article.url).status_code == 200


def test_editor_submits_reviewer_approves_a_scheduled_article_that_goes_live_at_its_time(
    client, xc, xc_articles, editor, reviewer, time_machine
):
    time_machine.move_to("2026-11-20 10:00 +08:00", tick=False)
    article = article_create(index=xc_articles, title="定时审核：消防宣传月启动仪式", publish=False)
    article.go_live_at = timezone.now() + datetime.timedelta(days=1)
    article.save_revision(user=editor)
    state = article.get_workflow().start(article, editor)

    state.current_task_state.task.specific.on_action(state.current_task_state, reviewer, "approve")

    article.refresh_from_db()
    state.refresh_from_db()
    assert state.status == state.STATUS_APPROVED
    assert not article.live  # approved, waiting for its time
    assert "定时审核：消防宣传月启动仪式" not in client.get(xc_articles.url).content.decode()

    time_machine.move_to("2026-11-21 10:01 +08:00", tick=False)
    call_command("publish_scheduled")

    article.refresh_from_db()
    assert article.live
    assert client.get(article.url).status_code == 200
    assert "定时审核：消防宣传月启动仪式" in client.get(xc_articles.url).content.decode()
    assert "定时审核：消防宣传月启动仪式" in {
        page.title for page in selectors.pages_search(home=xc, query="启动仪式")
    }


# --- who reviews: assigned by a district administrator ---------------------------------------------

REVIEWERS_URL = "/admin/campaign/reviewers/"


@pytest.fixture
def new_editor(seed_output):
    from portal.models import Area, Role
    from portal.services import role_assign

    user = User.objects.create_user(username="editor_2", first_name="新编辑", password="x")
    return role_assign(user=user, role=Role.EDITOR, area=Area.objects.get(code="xc"))


def test_district_admin_makes_a_reviewer_who_can_then_approve(client, xc_articles, editor, new_editor):
    from portal.models import AuditEntry

    article = article_create(index=xc_articles, title="等新审核员批准", publish=False)
    assert not article.permissions_for_user(new_editor).can_publish()
    client.force_login(User.objects.get(username="district_admin"))
    listing = client.get(REVIEWERS_URL).content.decode()
    assert "editor_2" in listing and "设为审核员" in listing

    response = client.post(REVIEWERS_URL, {"user": new_editor.pk, "is_reviewer": "1"}, follow=True)

    assert response.status_code == 200
    assert "新编辑 现在是审核员" in response.content.decode()
    new_reviewer = User.objects.get(pk=new_editor.pk)
    assert new_reviewer.groups.filter(name="reviewer").exists()
    assert AuditEntry.objects.filter(action="home.reviewer.assigned", object_id=str(new_editor.pk)).exists()
    article.save_revision(user=editor)
    state = article.get_workflow().start(article, editor)
    task = state.current_task_state.task.specific
    assert "approve" in [name for name, *_rest in task.get_actions(article, new_reviewer)]
    task.on_action(state.current_task_state, new_reviewer, "approve")
    article.refresh_from_db()
    assert article.live

    client.post(REVIEWERS_URL, {"user": new_editor.pk, "is_reviewer": "0"})
    assert not User.objects.get(pk=new_editor.pk).groups.filter(name="reviewer").exists()


def test_reviewers_are_chosen_only_within_the_admins_district(client, seed_output):
    from portal.models import Area

    outsider = User.objects.create_user(username="hp_staff", area=Area.objects.get(code="hp"))
    admin = User.objects.get(username="district_admin")
    client.force_login(admin)

    assert "hp_staff" not in client.get(REVIEWERS_URL).content.decode()
    assert client.post(REVIEWERS_URL, {"user": outsider.pk, "is_reviewer": "1"}).status_code == 404
    with pytest.raises(PortalError) as error:
        services.reviewer_set(user=outsider, is_reviewer=True, by=admin)
    assert error.value.code == "REVIEWER_OUT_OF_AREA"
    assert not outsider.groups.exists()


@pytest.mark.parametrize("username", ["editor", "reviewer", "street_coordinator"])
def test_only_a_district_admin_assigns_reviewers(client, seed_output, new_editor, username):
    someone = User.objects.get(username=username)
    client.force_login(someone)

    assert client.post(REVIEWERS_URL, {"user": new_editor.pk, "is_reviewer": "1"}).status_code in (302, 403)
    with pytest.raises(PortalError) as error:
        services.reviewer_set(user=new_editor, is_reviewer=True, by=someone)
    assert error.value.code == "REVIEWER_NOT_ALLOWED"
    assert not new_editor.groups.filter(name="reviewer").exists()
