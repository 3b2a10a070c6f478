import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from home import selectors
from home.tests.factories import article_create
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
