"""Courses demo data: topics, the 60-question bank, four courses per demo district with lessons
and a quiz each, the 119消防宣传月 awareness quiz, and some learning by residents of the streets.

Idempotent (a second run changes nothing) and quick. Runs after ``home.demo.seed_home_pages``:
the course catalogues hang under the district home pages.
"""

import datetime
import random

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from courses import services
from courses.demo_content import COURSES, QUESTIONS, TOPICS
from courses.models import (
    Attempt,
    Audience,
    CourseIndexPage,
    CoursePage,
    Learner,
    LessonPage,
    Question,
    QuestionOption,
    QuizPage,
    QuizRound,
    Topic,
)
from portal.models import Area, Channel

DISTRICTS = ["xc", "hp"]
AWARENESS_SLUG = "119-awareness-quiz"


def seed_topics() -> dict[str, Topic]:
    topics = {}
    for order, (name, slug) in enumerate(TOPICS):
        topics[slug], _created = Topic.objects.get_or_create(
            slug=slug, defaults={"name": name, "sort_order": order}
        )
    return topics


def seed_questions(topics: dict[str, Topic]) -> None:
    existing = set(Question.objects.filter(code__in=[q[0] for q in QUESTIONS]).values_list("code", flat=True))
    for code, kind, tags, text, options, correct, explanation, difficulty in QUESTIONS:
        if code in existing:
            continue
        services.question_save(
            code=code,
            kind=kind,
            text=text,
            explanation=explanation,
            options=[(option, "ABCDEF"[i] in correct) for i, option in enumerate(options)],
            topics=[topics[t] for t in tags],
            difficulty=difficulty,
        )


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _republish(page):
    page.save_revision().publish()


def seed_district(code: str, topics: dict[str, Topic]) -> CourseIndexPage | None:
    HomePage = apps.get_model("home", "HomePage")
    district = Area.objects.get(code=code)
    home = HomePage.objects.filter(district=district).first()
    if home is None:
        return None
    index = CourseIndexPage.objects.filter(district=district).first()
    if index is None:
        index = _publish(
            home,
            CourseIndexPage(
                title="在线学习",
                slug="courses",
                district=district,
                introduction="跟着课程学消防：每课几分钟，学完做一套小测验，通过后可领取课程证书。",
            ),
        )
    channels = {c.code: c for c in Channel.objects.all()}
    audiences = {a.code: a for a in Audience.objects.all()}
    for slug, title, channel, topic_slugs, audience_codes, summary, lessons in COURSES:
        if CoursePage.objects.child_of(index).filter(slug=slug).exists():
            continue
        course = CoursePage(
            title=title,
            slug=slug,
            summary=summary,
            channel=channels.get(channel),
            duration_minutes=10 * len(lessons),
        )
        course.topics = [topics[t] for t in topic_slugs]
        course.audiences = [audiences[a] for a in audience_codes if a in audiences]
        _publish(index, course)
        for number, (lesson_title, lesson_summary, body) in enumerate(lessons, start=1):
            _publish(
                course,
                LessonPage(title=lesson_title, slug=f"lesson-{number}", summary=lesson_summary, body=body),
            )
        quiz = QuizPage(
            title=f"{title}小测验",
            slug="quiz",
            introduction="5道题，10分钟，60分及格；每轮可以答3次。",
            question_count=5,
            time_limit_minutes=10,
            pass_mark=60,
            attempts_per_round=3,
            channel=channels.get(channel),
        )
        quiz.topics = [topics[t] for t in topic_slugs]
        _publish(course, quiz)
    awareness = QuizPage.objects.child_of(index).filter(slug=AWARENESS_SLUG).first()
    if awareness is None:
        awareness = _publish(
            index,
            QuizPage(
                title="119消防宣传月消防安全知识答题",
                slug=AWARENESS_SLUG,
                introduction="全国消防知识竞答同款规则：从题库随机抽取10道题，限时15分钟，60分及格，"
                "每轮最多答10次。你的第一次成绩会计入本区消防安全知晓率。",
                question_count=10,
                time_limit_minutes=15,
                pass_mark=60,
                attempts_per_round=10,
                channel=channels.get("community"),
            ),
        )
    year = timezone.localdate().year
    tz = timezone.get_current_timezone()
    QuizRound.objects.get_or_create(
        quiz=awareness,
        name=f"{year}年日常答题",
        defaults={
            "starts_at": datetime.datetime(year, 1, 1, tzinfo=tz),
            "ends_at": datetime.datetime(year, 11, 1, tzinfo=tz),
        },
    )
    QuizRound.objects.get_or_create(
        quiz=awareness,
        name=f"{year}年119消防宣传月",
        defaults={
            "starts_at": datetime.datetime(year, 11, 1, tzinfo=tz),
            "ends_at": datetime.datetime(year + 1, 1, 1, tzinfo=tz),
        },
    )
    if index.awareness_quiz_id != awareness.pk:
        index.awareness_quiz = awareness
        _republish(index)
    return index


def _answers(attempt: Attempt, rng: random.Random, skill: float) -> dict:
    """A demo resident answers each question right with probability ``skill``."""
    correct, wrong = {}, {}
    for question_id, option_id, ok in QuestionOption.objects.filter(
        question_id__in=[item["q"] for item in attempt.drawn]
    ).values_list("question_id", "pk", "is_correct"):
        (correct if ok else wrong).setdefault(question_id, []).append(option_id)
    return {
        str(item["q"]): correct[item["q"]] if rng.random() < skill else wrong[item["q"]][:1]
        for item in attempt.drawn
    }


def seed_learning(index: CourseIndexPage) -> None:
    """A dozen residents of the district's streets: lessons read and awareness quiz attempts."""
    prefix = f"demo-{index.district.code}-"
    if Learner.objects.filter(anonymous_key__startswith=prefix).exists():
        return
    rng = random.Random(119)
    streets = list(Area.objects.filter(parent=index.district, level=Area.Level.STREET).order_by("sort_order"))
    courses = list(CoursePage.objects.child_of(index).live().order_by("path"))
    quiz = index.awareness_quiz
    now = timezone.now()
    for n in range(12):
        learner = Learner.objects.create(anonymous_key=f"{prefix}{n:03d}", area=streets[n % len(streets)])
        course = courses[n % len(courses)]
        for lesson in LessonPage.objects.child_of(course).live().order_by("path")[: 1 + n % 2]:
            services.lesson_complete(learner=learner, lesson=lesson, now=now - datetime.timedelta(days=n))
        if quiz is None or n % 4 == 3:
            continue
        for attempt_number in range(1 + n % 2):
            started = now - datetime.timedelta(hours=n * 3 + attempt_number)
            try:
                attempt = services.attempt_start(
                    learner=learner, quiz=quiz, now=started, rng=rng, resume=False
                )
            except services.PortalError:
                break
            skill = 0.55 + 0.04 * n + 0.2 * attempt_number
            services.attempt_submit(
                learner=learner,
                attempt_id=attempt.pk,
                answers=_answers(attempt, rng, skill),
                now=started + datetime.timedelta(minutes=4 + n % 5),
            )


@transaction.atomic
def seed() -> None:
    topics = seed_topics()
    seed_questions(topics)
    for code in DISTRICTS:
        index = seed_district(code, topics)
        if index is not None:
            seed_learning(index)
