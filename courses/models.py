"""Courses (Wagtail pages), the question bank, quizzes, attempts and learning progress.

Pages: CourseIndexPage (one per district, under the district home page) → CoursePage →
LessonPage / QuizPage; a QuizPage may also sit directly under the index (a standalone quiz such
as the 119消防宣传月 awareness quiz). Writes go through ``courses.services``; reads through
``courses.selectors``.

A *learner* is one person learning: an account, or a browser without one (anonymous key kept in
the session). Progress and attempts hang off the learner, so attaching an anonymous learner to
an account on log-in is a re-pointing, not a copy.
"""

from django import forms
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from portal.blocks import PortalStreamBlock


# ------------------------------------------------------------------------------
# Tags
# ------------------------------------------------------------------------------
class Topic(models.Model):
    """A fire-safety topic (电动车, 燃气, 用电, 秸秆防火, 民宿, 家庭逃生…) tagging courses, quizzes
    and bank questions; a quiz draws its questions from the topics it names."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    slug = models.SlugField(_("code"), max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Audience(models.Model):
    """Whom a course is for: residents, students and the seven 一警六员 categories (seeded by the
    migration, verbatim from the plan)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        ordering = ["sort_order"]

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------
class VideoBlock(blocks.StructBlock):
    video = DocumentChooserBlock(label=_("video file (MP4)"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=128)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video_block.html"


class DownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("title"), required=False, max_length=128)

    class Meta:
        icon = "doc-full"
        label = _("Downloadable material")
        template = "courses/blocks/download_block.html"


class LessonStreamBlock(PortalStreamBlock):
    """The portal toolbox plus a video and a downloadable document."""

    video = VideoBlock()
    download = DownloadBlock()


class CourseIndexPage(Page):
    """A district's course catalogue (one under each district home page). It names the
    district's designated awareness quiz, whose first attempts make the 知晓率."""

    district = models.ForeignKey(
        "portal.Area",
        models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
        verbose_name=_("district"),
    )
    introduction = models.TextField(_("introduction"), blank=True)
    awareness_quiz = models.ForeignKey(
        "courses.QuizPage",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("awareness quiz"),
        help_text=_("The quiz whose first attempts are counted for the public awareness rate (知晓率)."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("district"),
        FieldPanel("introduction"),
        FieldPanel("awareness_quiz"),
    ]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage", "courses.QuizPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course catalogue")
        verbose_name_plural = _("course catalogues")
        constraints = [models.UniqueConstraint(fields=["district"], name="course_index_one_per_district")]


class CoursePage(Page):
    """A course: lessons (child LessonPages, in tree order) and optionally a final quiz (a child
    QuizPage). Completing every lesson and passing the quiz earns a certificate."""

    channel = models.ForeignKey(
        "portal.Channel", models.PROTECT, null=True, related_name="+", verbose_name=_("campaign channel")
    )
    summary = models.TextField(_("summary"), blank=True)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover"),
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration in minutes"), default=20)
    topics = ParentalManyToManyField(Topic, blank=True, related_name="courses", verbose_name=_("topics"))
    audiences = ParentalManyToManyField(
        Audience, blank=True, related_name="courses", verbose_name=_("audiences")
    )
    body = StreamField(PortalStreamBlock(), verbose_name=_("introduction"), blank=True)
    certificate_enabled = models.BooleanField(_("issue a certificate"), default=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("channel"),
                FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
                FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
                FieldPanel("duration_minutes"),
                FieldPanel("certificate_enabled"),
            ],
            heading=_("Tags"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage", "courses.QuizPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")


class LessonPage(Page):
    """One lesson of a course: text, images, video, downloadable material."""

    summary = models.CharField(_("summary"), max_length=255, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration in minutes"), default=5)
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("duration_minutes"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")


class QuizPage(Page):
    """A quiz: ``question_count`` questions drawn at random from the bank questions tagged with
    its topics (all topics when none is chosen), options shuffled, graded on the server."""

    channel = models.ForeignKey(
        "portal.Channel",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("campaign channel"),
    )
    introduction = models.TextField(_("introduction"), blank=True)
    topics = ParentalManyToManyField(
        Topic, blank=True, related_name="quizzes", verbose_name=_("draw from topics")
    )
    question_count = models.PositiveSmallIntegerField(_("number of questions"), default=10)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit in minutes"), default=15)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark"), default=60, help_text=_("Points out of 100 needed to pass.")
    )
    attempts_per_round = models.PositiveSmallIntegerField(_("attempts per round"), default=10)
    min_seconds = models.PositiveSmallIntegerField(
        _("fastest plausible time in seconds"),
        default=20,
        help_text=_("Submissions faster than this are flagged and left out of the awareness rate."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("introduction"),
        MultiFieldPanel(
            [
                FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
                FieldPanel("question_count"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("pass_mark"),
                FieldPanel("attempts_per_round"),
                FieldPanel("min_seconds"),
                FieldPanel("channel"),
            ],
            heading=_("Rules"),
        ),
    ]
    parent_page_types = ["courses.CourseIndexPage", "courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(condition=Q(question_count__gte=1), name="quiz_has_questions"),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_max_100"),
            models.CheckConstraint(condition=Q(attempts_per_round__gte=1), name="quiz_attempts_at_least_one"),
            models.CheckConstraint(condition=Q(time_limit_minutes__gte=1), name="quiz_time_limit_positive"),
        ]


class QuizRound(models.Model):
    """A round of a quiz with dates (e.g. the 119消防宣传月 round, 11月1日–30日); attempts are
    counted per round. Open-ended on a side when that date is empty."""

    quiz = models.ForeignKey(QuizPage, models.CASCADE, related_name="rounds", verbose_name=_("quiz"))
    name = models.CharField(_("name"), max_length=64)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    panels = [FieldPanel("quiz"), FieldPanel("name"), FieldPanel("starts_at"), FieldPanel("ends_at")]

    class Meta:
        verbose_name = _("quiz round")
        verbose_name_plural = _("quiz rounds")
        ordering = ["quiz", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "name"], name="quiz_round_unique_name"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="quiz_round_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz.title} · {self.name}"


# ------------------------------------------------------------------------------
# Question bank
# ------------------------------------------------------------------------------
class Question(ClusterableModel):
    """A bank question. Single choice and true/false have exactly one correct option, multiple
    choice at least two; ``code`` is the stable key that export → import round-trips on."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    class Difficulty(models.IntegerChoices):
        EASY = 1, _("Easy")
        MEDIUM = 2, _("Medium")
        HARD = 3, _("Hard")

    code = models.SlugField(_("code"), max_length=32, unique=True, help_text=_("Stable key, e.g. Q0001."))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    explanation = models.TextField(_("explanation"), help_text=_("Shown after the attempt is submitted."))
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), choices=Difficulty.choices, default=1)
    topics = ParentalManyToManyField(Topic, blank=True, related_name="questions", verbose_name=_("topics"))
    district = models.ForeignKey(
        "portal.Area",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "district"},
        verbose_name=_("district"),
        help_text=_("Empty: usable by every district."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    panels = [
        FieldPanel("code"),
        FieldPanel("kind"),
        FieldPanel("text"),
        InlinePanel("options", label=_("Options"), min_num=2),
        FieldPanel("explanation"),
        FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
        FieldPanel("difficulty"),
        FieldPanel("district"),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("question bank")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=3), name="question_difficulty_1_3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"


class QuestionOption(Orderable):
    question = ParentalKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question")
    )
    text = models.CharField(_("option"), max_length=255)
    is_correct = models.BooleanField(_("correct"), default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.text


# ------------------------------------------------------------------------------
# Learners, progress, attempts
# ------------------------------------------------------------------------------
class Learner(models.Model):
    """One person learning: an account, or a browser without one (``anonymous_key`` in the
    session). ``area`` is where they live as far as we know (a street, else the district of the
    first course or quiz they used); statistics count learners, never rows."""

    user = models.OneToOneField(
        "portal.User",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="learner",
        verbose_name=_("account"),
    )
    anonymous_key = models.CharField(_("anonymous key"), max_length=64, null=True, blank=True, unique=True)
    area = models.ForeignKey(
        "portal.Area", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("area")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("learner")
        verbose_name_plural = _("learners")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(anonymous_key__isnull=False), name="learner_identified"
            ),
        ]

    def __str__(self) -> str:
        return f"learner {self.pk}"


class LessonProgress(models.Model):
    learner = models.ForeignKey(Learner, models.CASCADE, related_name="lessons", verbose_name=_("learner"))
    lesson = models.ForeignKey(LessonPage, models.CASCADE, related_name="+", verbose_name=_("lesson"))
    course = models.ForeignKey(CoursePage, models.CASCADE, related_name="+", verbose_name=_("course"))
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["learner", "lesson"], name="lesson_progress_unique")]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.lesson_id}"


class AttemptQuota(models.Model):
    """The per (learner, quiz, round) attempt counter. ``attempt_start`` bumps ``used`` with a
    conditional UPDATE (a row lock on PostgreSQL), and the check constraint makes more attempts
    than allowed impossible whatever the page does."""

    learner = models.ForeignKey(Learner, models.CASCADE, related_name="quotas", verbose_name=_("learner"))
    quiz = models.ForeignKey(QuizPage, models.CASCADE, related_name="+", verbose_name=_("quiz"))
    round = models.ForeignKey(QuizRound, models.CASCADE, related_name="+", verbose_name=_("round"))
    used = models.PositiveSmallIntegerField(_("attempts used"), default=0)
    allowed = models.PositiveSmallIntegerField(_("attempts allowed"))

    class Meta:
        verbose_name = _("attempt quota")
        verbose_name_plural = _("attempt quotas")
        constraints = [
            models.UniqueConstraint(fields=["learner", "quiz", "round"], name="attempt_quota_unique"),
            models.CheckConstraint(condition=Q(used__lte=F("allowed")), name="attempt_quota_not_exceeded"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.quiz_id} · {self.used}/{self.allowed}"


class Attempt(models.Model):
    """One try at a quiz. ``drawn`` keeps the questions and the option order shown, server-side:
    ``[{"q": question_id, "o": [option_id, ...]}, ...]``."""

    learner = models.ForeignKey(Learner, models.CASCADE, related_name="attempts", verbose_name=_("learner"))
    quiz = models.ForeignKey(QuizPage, models.CASCADE, related_name="attempts", verbose_name=_("quiz"))
    round = models.ForeignKey(QuizRound, models.PROTECT, related_name="attempts", verbose_name=_("round"))
    attempt_no = models.PositiveSmallIntegerField(_("attempt number"))
    district = models.ForeignKey(
        "portal.Area", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("district")
    )
    drawn = models.JSONField(_("questions drawn"), default=list)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(_("correct answers"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    too_fast = models.BooleanField(
        _("implausibly fast"), default=False, help_text=_("Left out of the awareness rate.")
    )

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "quiz", "round", "attempt_no"], name="attempt_unique_number"
            ),
            models.CheckConstraint(condition=Q(attempt_no__gte=1), name="attempt_number_positive"),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, score__isnull=True, passed__isnull=True)
                | Q(submitted_at__isnull=False, score__isnull=False, passed__isnull=False),
                name="attempt_graded_when_submitted",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="attempt_score_max_100"
            ),
        ]
        indexes = [models.Index(fields=["quiz", "learner", "started_at"], name="attempt_quiz_learner")]

    def __str__(self) -> str:
        return f"attempt {self.pk}"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(Attempt, models.CASCADE, related_name="answers", verbose_name=_("attempt"))
    question = models.ForeignKey(Question, models.PROTECT, related_name="answers", verbose_name=_("question"))
    selected = models.JSONField(_("options chosen"), default=list)
    is_correct = models.BooleanField(_("correct"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="attempt_answer_unique")]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.question_id}"


class CourseCompletion(models.Model):
    """A learner completed every lesson of a course and passed its quiz; the certificate's
    source record (one certificate per completion)."""

    learner = models.ForeignKey(
        Learner, models.CASCADE, related_name="completions", verbose_name=_("learner")
    )
    course = models.ForeignKey(CoursePage, models.CASCADE, related_name="+", verbose_name=_("course"))
    attempt = models.ForeignKey(
        Attempt, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("passing attempt")
    )
    completed_at = models.DateTimeField(_("completed at"))
    certificate = models.ForeignKey(
        "portal.Certificate",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate"),
    )

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="course_completion_unique")]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.course_id}"
