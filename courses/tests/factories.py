"""factory_boy factories and small builders for the courses app.

Questions go through ``services.question_save`` (options validated); pages are added to the
Wagtail tree under a district home page, as editors would.
"""

import factory

from courses import services
from courses.models import CourseIndexPage, CoursePage, LessonPage, Question, QuizPage, Topic
from portal.tests.factories import DistrictFactory, wagtail_root


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"主题{n}")
    slug = factory.Sequence(lambda n: f"topic{n}")


class QuestionFactory(factory.Factory):
    """A single-choice question (option 1 of 4 correct) unless ``kind``/``options`` given."""

    class Meta:
        model = Question

    code = factory.Sequence(lambda n: f"T{n:05d}")
    kind = Question.Kind.SINGLE
    text = factory.Sequence(lambda n: f"第{n}题：发现火灾应拨打哪个电话？")
    explanation = "火警电话是119。"
    options = factory.LazyFunction(lambda: [("119", True), ("110", False), ("120", False), ("122", False)])
    topics = factory.LazyFunction(list)
    difficulty = 1
    district = None
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Question:
        question, _created = services.question_save(**kwargs)
        return question

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("use create()")


def home_page_for(district):
    """The district home page (home.HomePage) the course catalogue hangs under."""
    from home.models import HomePage

    page = HomePage.objects.filter(district=district).first()
    if page is None:
        page = HomePage(title=f"{district.name}首页", slug=f"home-{district.code}", district=district)
        wagtail_root().add_child(instance=page)
    return page


def add_page(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def course_index(*, district=None) -> CourseIndexPage:
    district = district or DistrictFactory()
    existing = CourseIndexPage.objects.filter(district=district).first()
    if existing is not None:
        return existing
    return add_page(
        home_page_for(district),
        CourseIndexPage(title="在线学习", slug=f"courses-{district.code}", district=district),
    )


def quiz_page(*, parent, slug="quiz", topics=(), **fields) -> QuizPage:
    quiz = add_page(parent, QuizPage(title=fields.pop("title", "消防知识测验"), slug=slug, **fields))
    if topics:
        quiz.topics.set(topics)
        quiz.save_revision().publish()
    return quiz


def family_channel():
    """The 进家庭 channel, whatever code an earlier fixture (or the demo) gave it: the name is
    unique too, so looking up by code alone would clash with a 进家庭 channel coded otherwise."""
    from django.db.models import Q

    from portal.models import Channel

    channel = Channel.objects.filter(Q(code="family") | Q(name="进家庭")).order_by("pk").first()
    return channel or Channel.objects.create(code="family", name="进家庭")


def course_with_lessons(*, index, slug="course", lessons=2, with_quiz=True, **quiz_fields):
    """A course with ``lessons`` lessons and (optionally) a final quiz; returns (course, [lessons], quiz)."""
    course = add_page(
        index, CoursePage(title="家庭防火", slug=slug, summary="居家防火常识", channel=family_channel())
    )
    assert course.channel_id is not None  # the admin form requires a channel: so does every test course
    pages = [
        add_page(course, LessonPage(title=f"第{i}课", slug=f"{slug}-lesson-{i}"))
        for i in range(1, lessons + 1)
    ]
    quiz = quiz_page(parent=course, slug=f"{slug}-quiz", **quiz_fields) if with_quiz else None
    return course, pages, quiz
