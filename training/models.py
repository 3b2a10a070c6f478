"""一警六员 training: venues, practical items, sessions, bookings, check-in, sign-off, helpers.

Everything is written through ``training.services``; invariants the database can hold are
constraints here (one booking per person and session, a category in 1–7, one result per booking
and item, a unique nonce per check-in attempt, one open helper shift per person and session,
sessions that end after they start).
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models.base import TimeStampedModel


class Category(models.IntegerChoices):
    """The seven 一警六员 trainee categories, verbatim from the district plan (002, line 282)."""

    POLICE = 1, _("社区公安民警和中央在京单位执勤武警")
    GRASSROOTS = 2, _("各街道、乡镇政府、村（居）委会基层工作人员")
    COORDINATOR = 3, _("城市综合协管员")
    PROPERTY = 4, _("物业服务企业职员")
    SECURITY = 5, _("保安员")
    KEY_UNIT = 6, _("消防安全重点单位及餐饮、娱乐等火灾高风险场所职员")
    FIREFIGHTER = 7, _("微型消防站、单位义务消防队和社会志愿力量等多种形式消防队员")


class TraineeProfile(TimeStampedModel):
    """A person's 一警六员 category, remembered from their last booking (or set by a manager), so
    a resident can book again with an empty form."""

    person = models.OneToOneField(
        "portal.Person", models.CASCADE, related_name="trainee_profile", verbose_name=_("person")
    )
    category = models.PositiveSmallIntegerField(_("一警六员 category"), choices=Category.choices)

    class Meta:
        verbose_name = _("trainee profile")
        verbose_name_plural = _("trainee profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__gte=1, category__lte=7), name="training_trainee_category_1_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.category}"


# ------------------------------------------------------------------------------
# Venues and practical items
# ------------------------------------------------------------------------------
class PracticalItem(TimeStampedModel):
    """A practical skill a trainer signs off. ``extinguisher`` (灭火器“灭真火”) and ``hydrant``
    (消火栓“出真水”) are the standard two; venues may configure extra items."""

    EXTINGUISHER = "extinguisher"
    HYDRANT = "hydrant"
    STANDARD_CODES = (EXTINGUISHER, HYDRANT)

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_standard = models.BooleanField(_("standard item"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("practical item")
        verbose_name_plural = _("practical items")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Venue(TimeStampedModel):
    """Where training happens: a fire station, a small station, a training base, ..."""

    class Kind(models.TextChoices):
        FIRE_STATION = "fire_station", _("消防救援站")
        SMALL_STATION = "small_station", _("小型站")
        TRAINING_BASE = "training_base", _("实训基地")
        EDUCATION_BASE = "education_base", _("科普教育基地")
        EXPERIENCE_HALL = "experience_hall", _("体验馆")

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        "portal.Area", models.PROTECT, related_name="training_venues", verbose_name=_("area")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=30)
    trainers = models.ManyToManyField(
        "portal.User", blank=True, related_name="training_venues", verbose_name=_("trainers")
    )
    extra_items = models.ManyToManyField(
        PracticalItem,
        blank=True,
        related_name="venues",
        verbose_name=_("extra practical items"),
        help_text=_("Items assessed here besides 灭真火 and 出真水."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="training_venue_unique_name")]

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------------
# Sessions
# ------------------------------------------------------------------------------
class Session(TimeStampedModel):
    """One dated session at a venue. Sessions of a series share ``series``."""

    class Kind(models.TextChoices):
        PRACTICAL = "practical", _("一警六员实操实训")
        NIGHT_SCHOOL = "night_school", _("消防安全夜校")
        OPEN_DAY = "open_day", _("队站开放日/体验馆参观")

    # The last two are open to any resident and have no sign-off.
    OPEN_KINDS = (Kind.NIGHT_SCHOOL, Kind.OPEN_DAY)

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=128, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRACTICAL)
    venue = models.ForeignKey(Venue, models.PROTECT, related_name="sessions", verbose_name=_("venue"))
    area = models.ForeignKey(
        "portal.Area", models.PROTECT, related_name="training_sessions", verbose_name=_("area")
    )
    channel = models.ForeignKey(
        "portal.Channel", models.PROTECT, related_name="training_sessions", verbose_name=_("channel")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booking_opens_at = models.DateTimeField(_("booking opens"), null=True, blank=True)
    booking_closes_at = models.DateTimeField(_("booking closes"), null=True, blank=True)
    items = models.ManyToManyField(
        PracticalItem, blank=True, related_name="sessions", verbose_name=_("practical items")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    series = models.UUIDField(_("series"), null=True, blank=True, db_index=True)
    trainer = models.ForeignKey(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_sessions_led",
        verbose_name=_("trainer"),
    )
    created_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="training_session_status_start"),
            models.Index(fields=["area", "starts_at"], name="training_session_area_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="training_session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(booking_closes_at__isnull=True)
                | Q(booking_opens_at__isnull=True)
                | Q(booking_closes_at__gte=F("booking_opens_at")),
                name="training_session_booking_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def needs_signoff(self) -> bool:
        return self.kind == self.Kind.PRACTICAL


# ------------------------------------------------------------------------------
# Bookings
# ------------------------------------------------------------------------------
class Booking(TimeStampedModel):
    """A person's place (or place in the queue) at a session."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        WAITLISTED = "waitlisted", _("On the waiting list")
        OFFERED = "offered", _("Seat offered")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not attend")

    # Statuses that hold a seat.
    SEAT_STATUSES = (Status.BOOKED, Status.OFFERED, Status.ATTENDED)

    session = models.ForeignKey(Session, models.PROTECT, related_name="bookings", verbose_name=_("session"))
    person = models.ForeignKey(
        "portal.Person", models.PROTECT, related_name="training_bookings", verbose_name=_("person")
    )
    category = models.PositiveSmallIntegerField(
        _("一警六员 category"), choices=Category.choices, null=True, blank=True
    )
    organisation = models.ForeignKey(
        "portal.Organisation",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_bookings",
        verbose_name=_("unit"),
    )
    booked_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("booked by")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.BOOKED)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )
    passed = models.BooleanField(
        _("passed"),
        null=True,
        blank=True,
        help_text=_("Set when the session closes: attended and every item passed."),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["session", "created_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status"], name="training_booking_session_stat"),
            models.Index(fields=["status", "offer_expires_at"], name="training_booking_offer_expiry"),
            models.Index(fields=["person", "status"], name="training_booking_person_stat"),
            models.Index(fields=["organisation", "status"], name="training_booking_org_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="training_booking_unique_person"),
            models.CheckConstraint(
                condition=Q(category__isnull=True) | Q(category__gte=1, category__lte=7),
                name="training_booking_category_1_7",
            ),
            models.CheckConstraint(
                condition=~Q(status="attended") | Q(checked_in_at__isnull=False),
                name="training_booking_attended_checked_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.session_id} ({self.status})"


class BookingNotice(models.Model):
    """A booking message (SMS, e-mail) that was sent, one row per job: a job delivered twice (a
    worker killed after sending, a redelivery after a broker outage) finds its row and sends nothing
    again. Written in the transaction that records the message."""

    job = models.CharField(_("job"), max_length=64, unique=True)
    booking = models.ForeignKey(Booking, models.CASCADE, related_name="notices", verbose_name=_("booking"))
    event = models.CharField(_("event"), max_length=24)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking notice")
        verbose_name_plural = _("booking notices")

    def __str__(self) -> str:
        return f"{self.booking_id} {self.event} ({self.job})"


class CheckInAttempt(models.Model):
    """Every scan, successful or not. ``nonce`` is unique: a repeated request returns ``response``
    (the first answer) and writes nothing."""

    nonce = models.CharField(_("nonce"), max_length=64, unique=True)
    session = models.ForeignKey(
        Session,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="checkin_attempts",
        verbose_name=_("session"),
    )
    booking = models.ForeignKey(
        Booking,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkin_attempts",
        verbose_name=_("booking"),
    )
    result = models.CharField(_("result"), max_length=24)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    response = models.JSONField(_("response"), default=dict)
    scanned_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("scanned by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("check-in attempt")
        verbose_name_plural = _("check-in attempts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.nonce}: {self.result}"


class Assessment(models.Model):
    """A trainer's pass/fail for one practical item of one booking."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    booking = models.ForeignKey(
        Booking, models.CASCADE, related_name="assessments", verbose_name=_("booking")
    )
    item = models.ForeignKey(
        PracticalItem, models.PROTECT, related_name="assessments", verbose_name=_("item")
    )
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    assessed_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assessed by")
    )
    assessed_at = models.DateTimeField(_("assessed at"))

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["item", "result"], name="training_assessment_item_res")]
        constraints = [
            models.UniqueConstraint(fields=["booking", "item"], name="training_assessment_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}/{self.item_id}: {self.result}"


class HelperShift(models.Model):
    """A volunteer helping at a session, signed in and out with the trainer's scanner."""

    session = models.ForeignKey(
        Session, models.PROTECT, related_name="helper_shifts", verbose_name=_("session")
    )
    person = models.ForeignKey(
        "portal.Person", models.PROTECT, related_name="training_helper_shifts", verbose_name=_("person")
    )
    signed_in_at = models.DateTimeField(_("signed in at"))
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)
    signed_in_by = models.ForeignKey(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed in by"),
    )
    signed_out_by = models.ForeignKey(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed out by"),
    )

    class Meta:
        verbose_name = _("helper shift")
        verbose_name_plural = _("helper shifts")
        ordering = ["session", "signed_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=Q(signed_out_at__isnull=True),
                name="training_helper_one_open_shift",
            ),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True) | Q(signed_out_at__gte=F("signed_in_at")),
                name="training_helper_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.session_id}"


class Tally(models.Model):
    """Annual counts kept ready for the district dashboard: distinct people per (district, year,
    dimension, key), for trained (attended), passed, 灭真火 passed (``fire``) and 出真水 passed
    (``hydrant``). For the ``item`` dimension (key 1 灭真火, 2 出真水) ``trained`` counts people
    assessed on the item and ``passed`` those who passed it.

    Kept by the services that change attendance, sign-off and passing (``training.tally``), in
    their transaction; ``training.tally.rebuild`` recounts from the bookings (after bulk loads or
    writes that bypassed the services). Plain integers: a drifted row never blocks a check-in."""

    class Dimension(models.TextChoices):
        TOTAL = "total", _("Total")
        ITEM = "item", _("Item")
        CATEGORY = "category", _("Category")
        STREET = "street", _("Street")
        VENUE = "venue", _("Venue")
        MONTH = "month", _("Month")

    district = models.ForeignKey("portal.Area", models.CASCADE, related_name="+", verbose_name=_("district"))
    year = models.PositiveSmallIntegerField(_("year"))
    dimension = models.CharField(_("dimension"), max_length=8, choices=Dimension.choices)
    key = models.IntegerField(
        _("key"), help_text=_("Category 1–7, street, venue, month 1–12 or item 1–2; 0 when not given.")
    )
    trained = models.IntegerField(_("trained"), default=0)
    passed = models.IntegerField(_("passed"), default=0)
    fire = models.IntegerField(_("灭真火 passed"), default=0)
    hydrant = models.IntegerField(_("出真水 passed"), default=0)

    class Meta:
        verbose_name = _("annual count")
        verbose_name_plural = _("annual counts")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "dimension", "key"], name="training_tally_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id}/{self.year}/{self.dimension}/{self.key}: {self.trained}/{self.passed}"
