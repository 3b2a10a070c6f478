"""Fire volunteers: real-name profiles, teams, activities, attendance, service records, stars,
role models and the service-hours certificate settings.

Everything is written through ``volunteers.services``; invariants the database can hold are
constraints here (one sign-up per activity and volunteer, non-negative hours, nobody decides
their own service record, one record per source and person).
"""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField
from portal.models.base import TimeStampedModel

DEFAULT_STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)


class Skill(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    EXTINGUISHER = "extinguisher", _("Using fire extinguishers and hydrants")
    PUBLICITY = "publicity", _("Fire-safety talks and publicity")
    INSPECTION = "inspection", _("Spotting fire hazards")
    ELECTRICIAN = "electrician", _("Electrical work")
    DRIVING = "driving", _("Driving")
    PHOTOGRAPHY = "photography", _("Photography and video")
    LANGUAGE = "language", _("Foreign language or sign language")
    IT = "it", _("Computers and online services")
    CARE = "care", _("Caring for the elderly")


class Availability(models.TextChoices):
    WEEKDAY_DAY = "weekday_day", _("Weekday daytime")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND = "weekend", _("Weekends")
    HOLIDAY = "holiday", _("Public holidays")
    EMERGENCY = "emergency", _("On call for emergencies")


class ActivityType(models.TextChoices):
    PUBLICITY = "publicity", _("Fire-safety publicity")  # 消防宣传
    PATROL = "patrol", _("Patrol and hazard reporting")  # 巡查上报
    HAZARD_FIX = "hazard_fix", _("Helping to fix hazards")  # 隐患整改协助
    RELIEF = "relief", _("Social relief")  # 社会救助
    DRILL = "drill", _("Emergency drill")  # 应急演练
    EVENT_SUPPORT = "event_support", _("Security at major events")  # 重大活动保障
    ONLINE = "online", _("Online service")  # 线上服务


# ------------------------------------------------------------------------------
# Volunteers
# ------------------------------------------------------------------------------
class VolunteerProfile(TimeStampedModel):
    """A registered fire volunteer: one per person. Pending until the street coordinator decides.

    ``area`` is the community when given, else the street: staff scoping uses it
    (``visible_to(..., area_field="area")``). ``approved_hours``/``star_level`` are kept by the
    services when records are approved, so lists never sum records row by row.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    person = models.OneToOneField(
        "portal.Person", models.PROTECT, related_name="volunteer_profile", verbose_name=_("person")
    )
    user = models.OneToOneField(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profile",
        verbose_name=_("account"),
    )
    district = models.ForeignKey("portal.Area", models.PROTECT, related_name="+", verbose_name=_("district"))
    street = models.ForeignKey("portal.Area", models.PROTECT, related_name="+", verbose_name=_("street"))
    community = models.ForeignKey(
        "portal.Area", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("community")
    )
    area = models.ForeignKey(
        "portal.Area", models.PROTECT, related_name="volunteer_profiles", verbose_name=_("area")
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=64)
    emergency_contact_phone = EncryptedTextField(_("emergency contact phone"))
    emergency_contact_phone_masked = models.CharField(
        _("emergency contact phone (masked)"), max_length=16, editable=False
    )
    notice_consented_at = models.DateTimeField(_("personal information notice accepted at"))
    id_consented_at = models.DateTimeField(_("consent to ID number processing given at"))
    guardian_name = models.CharField(_("guardian"), max_length=64, blank=True)
    guardian_phone = EncryptedTextField(_("guardian's phone"), blank=True, default="")
    guardian_phone_masked = models.CharField(
        _("guardian's phone (masked)"), max_length=16, blank=True, editable=False
    )
    guardian_relation = models.CharField(_("guardian's relationship"), max_length=16, blank=True)
    guardian_consented_at = models.DateTimeField(_("guardian's consent recorded at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decision_reason = models.CharField(_("reason"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    number = models.CharField(_("volunteer number"), max_length=24, unique=True, null=True, blank=True)
    star_level = models.PositiveSmallIntegerField(_("star level"), default=0)
    approved_hours = models.DecimalField(
        _("approved hours"), max_digits=9, decimal_places=2, default=Decimal(0)
    )
    last_served_at = models.DateTimeField(_("last service"), null=True, blank=True)
    # Bumped (in the same transaction) by every service that creates, decides, corrects or
    # deletes one of this volunteer's records: the key of the cached "my hours" fragment.
    records_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "district"]),
            models.Index(fields=["status", "street"]),
            # the district dashboard's counts per street, read from the index alone
            models.Index(
                fields=["district", "street", "status", "last_served_at"], name="volunteer_progress_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="approved", number__isnull=False, decided_at__isnull=False)
                | ~Q(status="approved"),
                name="volunteer_approved_has_number",
            ),
            models.CheckConstraint(condition=Q(approved_hours__gte=0), name="volunteer_hours_non_negative"),
            models.CheckConstraint(condition=Q(star_level__lte=5), name="volunteer_star_level_max_5"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.number or self.get_status_display()}）"


class VolunteerNumberSerial(models.Model):
    """Last serial of volunteer numbers per district and year; bumped under a row lock."""

    district = models.ForeignKey("portal.Area", models.CASCADE, related_name="+", verbose_name=_("district"))
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("volunteer number serial")
        verbose_name_plural = _("volunteer number serials")
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="volunteer_serial_unique")]

    def __str__(self) -> str:
        return f"{self.district_id}-{self.year}: {self.last}"


# ------------------------------------------------------------------------------
# Teams
# ------------------------------------------------------------------------------
class Team(TimeStampedModel):
    """A 志愿服务队 of a street, a community or an organisation (unit); ``area`` scopes it."""

    class Kind(models.TextChoices):
        STREET = "street", _("Street team")
        COMMUNITY = "community", _("Community team")
        ORGANISATION = "organisation", _("Unit team")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    area = models.ForeignKey(
        "portal.Area", models.PROTECT, related_name="volunteer_teams", verbose_name=_("area")
    )
    organisation = models.ForeignKey(
        "portal.Organisation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_teams",
        verbose_name=_("unit"),
    )
    leaders = models.ManyToManyField(
        "portal.User", blank=True, related_name="led_teams", verbose_name=_("leaders")
    )
    join_code = models.CharField(_("join code"), max_length=12, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="team_unique_name_per_area"),
            models.CheckConstraint(
                condition=~Q(kind="organisation") | Q(organisation__isnull=False),
                name="team_unit_team_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(TimeStampedModel):
    """A volunteer in a team: joined by code (active at once) or by a request the leader accepts."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    team = models.ForeignKey(Team, models.CASCADE, related_name="memberships", verbose_name=_("team"))
    volunteer = models.ForeignKey(
        VolunteerProfile, models.CASCADE, related_name="memberships", verbose_name=_("volunteer")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    message = models.CharField(_("message"), max_length=255, blank=True)
    joined_at = models.DateTimeField(_("joined at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="team_membership_unique")]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer_id}"


# ------------------------------------------------------------------------------
# Activities, sign-ups, attendance
# ------------------------------------------------------------------------------
class Activity(TimeStampedModel):
    """A volunteer activity. A risky one opens for sign-ups only once its insurance is recorded."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for sign-ups")
        CLOSED = "closed", _("Sign-ups closed")
        CANCELLED = "cancelled", _("Cancelled")

    team = models.ForeignKey(Team, models.PROTECT, related_name="activities", verbose_name=_("team"))
    title = models.CharField(_("title"), max_length=128)
    activity_type = models.CharField(_("type"), max_length=16, choices=ActivityType.choices)
    channel = models.ForeignKey(
        "portal.Channel", models.PROTECT, related_name="volunteer_activities", verbose_name=_("channel")
    )
    area = models.ForeignKey(
        "portal.Area", models.PROTECT, related_name="volunteer_activities", verbose_name=_("area")
    )
    location = models.CharField(_("place"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), default=14)
    is_risky = models.BooleanField(
        _("risky"),
        default=False,
        help_text=_("Risky activities need accident insurance before sign-ups open."),
    )
    insurance_policy_number = models.CharField(_("insurance policy number"), max_length=64, blank=True)
    insurer = models.CharField(_("insurer"), max_length=128, blank=True)
    insurance_recorded_at = models.DateTimeField(_("insurance recorded at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="activity_capacity_positive"),
            models.CheckConstraint(
                condition=Q(is_risky=False)
                | Q(status="draft")
                | Q(status="cancelled")
                | ~Q(insurance_policy_number=""),
                name="activity_risky_open_needs_insurance",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SignUp(TimeStampedModel):
    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        CANCELLED = "cancelled", _("Cancelled")

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="signups", verbose_name=_("activity"))
    volunteer = models.ForeignKey(
        VolunteerProfile, models.CASCADE, related_name="signups", verbose_name=_("volunteer")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SIGNED_UP)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_unique_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.volunteer_id}"


class Attendance(TimeStampedModel):
    """Sign-in and sign-out at an activity; the sign-out makes a pending service record."""

    class Method(models.TextChoices):
        LEADER_SCAN = "leader_scan", _("Leader scanned the volunteer's QR")
        SELF_SCAN = "self_scan", _("Volunteer scanned the activity QR")
        AUTO_CLOSED = "auto_closed", _("Closed automatically")

    activity = models.ForeignKey(
        Activity, models.CASCADE, related_name="attendances", verbose_name=_("activity")
    )
    volunteer = models.ForeignKey(
        VolunteerProfile, models.CASCADE, related_name="attendances", verbose_name=_("volunteer")
    )
    signed_in_at = models.DateTimeField(_("signed in at"))
    sign_in_method = models.CharField(_("sign-in method"), max_length=16, choices=Method.choices)
    signed_in_by = models.ForeignKey(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed in by"),
    )
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)
    sign_out_method = models.CharField(
        _("sign-out method"), max_length=16, choices=Method.choices, blank=True
    )
    signed_out_by = models.ForeignKey(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed out by"),
    )
    auto_closed = models.BooleanField(_("closed automatically"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        indexes = [models.Index(fields=["signed_out_at", "signed_in_at"])]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="attendance_unique_per_activity"),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True) | Q(signed_out_at__gte=F("signed_in_at")),
                name="attendance_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.volunteer_id}"


# ------------------------------------------------------------------------------
# Service records
# ------------------------------------------------------------------------------
class ServiceRecord(TimeStampedModel):
    """Hours of actual service: pending → approved or declined, never deleted.

    ``volunteer_user`` copies the volunteer's account so the database itself refuses a record
    decided by the volunteer (``service_record_not_self_decided``). ``source`` links records that
    came from another module (``portal.signals.volunteer_service_performed``): one per source and
    person. ``area`` (the activity's area, else the volunteer's) scopes staff.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    class Origin(models.TextChoices):
        ATTENDANCE = "attendance", _("Sign-in and sign-out")
        DECLARED = "declared", _("Declared by the volunteer")
        GROUP = "group", _("Entered by the leader")
        SIGNAL = "signal", _("Recorded by another module")

    volunteer = models.ForeignKey(
        VolunteerProfile, models.PROTECT, related_name="service_records", verbose_name=_("volunteer")
    )
    person = models.ForeignKey("portal.Person", models.PROTECT, related_name="+", verbose_name=_("person"))
    volunteer_user = models.ForeignKey(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("volunteer's account"),
    )
    activity = models.ForeignKey(
        Activity,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name=_("activity"),
    )
    attendance = models.OneToOneField(
        Attendance,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_record",
        verbose_name=_("attendance"),
    )
    team = models.ForeignKey(
        Team, models.SET_NULL, null=True, blank=True, related_name="service_records", verbose_name=_("team")
    )
    area = models.ForeignKey("portal.Area", models.PROTECT, related_name="+", verbose_name=_("area"))
    activity_type = models.CharField(_("type"), max_length=16, choices=ActivityType.choices)
    channel = models.ForeignKey(
        "portal.Channel", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("channel")
    )
    title = models.CharField(_("service"), max_length=160)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    source_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source type")
    )
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    note = models.CharField(_("note"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    entered_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("entered by")
    )
    decided_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=255, blank=True)
    flagged_auto_closed = models.BooleanField(_("sign-out missing (closed automatically)"), default=False)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "state"]),
            models.Index(fields=["area", "state"]),
            models.Index(fields=["state", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="service_record_hours_non_negative"),
            models.CheckConstraint(
                condition=Q(ended_at__gte=F("started_at")), name="service_record_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(volunteer_user__isnull=True)
                | ~Q(decided_by=F("volunteer_user")),
                name="service_record_not_self_decided",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False),
                name="service_record_decided_has_time",
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id", "person"],
                condition=Q(source_type__isnull=False),
                name="service_record_one_per_source_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.hours}h"


class CorrectionRequest(TimeStampedModel):
    """A volunteer asks for a record to be corrected (民政部令第67号); staff accept or reject."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    record = models.ForeignKey(
        ServiceRecord, models.PROTECT, related_name="corrections", verbose_name=_("record")
    )
    requested_by = models.ForeignKey(
        "portal.User", models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    reason = models.CharField(_("reason"), max_length=255)
    proposed_started_at = models.DateTimeField(_("proposed start"), null=True, blank=True)
    proposed_ended_at = models.DateTimeField(_("proposed end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    response = models.CharField(_("response"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.reason[:20]}"


# ------------------------------------------------------------------------------
# Stars, notices, role models
# ------------------------------------------------------------------------------
class StarLevelSetting(TimeStampedModel):
    """Per-district approved-hour thresholds for 1–5 stars and how long a new level is on notice."""

    district = models.OneToOneField(
        "portal.Area", models.CASCADE, related_name="volunteer_star_setting", verbose_name=_("district")
    )
    star1 = models.DecimalField(
        _("1 star from (hours)"), max_digits=7, decimal_places=1, default=Decimal(100)
    )
    star2 = models.DecimalField(
        _("2 stars from (hours)"), max_digits=7, decimal_places=1, default=Decimal(300)
    )
    star3 = models.DecimalField(
        _("3 stars from (hours)"), max_digits=7, decimal_places=1, default=Decimal(600)
    )
    star4 = models.DecimalField(
        _("4 stars from (hours)"), max_digits=7, decimal_places=1, default=Decimal(1000)
    )
    star5 = models.DecimalField(
        _("5 stars from (hours)"), max_digits=7, decimal_places=1, default=Decimal(1500)
    )
    notice_days = models.PositiveSmallIntegerField(_("days on the notice list"), default=7)

    class Meta:
        verbose_name = _("star level setting")
        verbose_name_plural = _("star level settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(star1__gt=0)
                & Q(star2__gt=F("star1"))
                & Q(star3__gt=F("star2"))
                & Q(star4__gt=F("star3"))
                & Q(star5__gt=F("star4")),
                name="star_thresholds_ascending",
            )
        ]

    def __str__(self) -> str:
        return str(self.district)

    @property
    def thresholds(self) -> tuple[Decimal, ...]:
        return (self.star1, self.star2, self.star3, self.star4, self.star5)


class StarNotice(TimeStampedModel):
    """A newly reached star level, published on the notice list until ``publish_until``."""

    volunteer = models.ForeignKey(
        VolunteerProfile, models.CASCADE, related_name="star_notices", verbose_name=_("volunteer")
    )
    district = models.ForeignKey("portal.Area", models.PROTECT, related_name="+", verbose_name=_("district"))
    level = models.PositiveSmallIntegerField(_("star level"))
    hours = models.DecimalField(_("approved hours"), max_digits=9, decimal_places=2)
    published_on = models.DateField(_("published on"))
    publish_until = models.DateField(_("on notice until"))

    class Meta:
        verbose_name = _("star level notice")
        verbose_name_plural = _("star level notices")
        ordering = ["-published_on", "-level"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "level"], name="star_notice_once_per_level"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="star_notice_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} ★{self.level}"


class RoleModel(TimeStampedModel):
    """A volunteer 典型: nominated by a coordinator, selected (or not) by the district."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        SELECTED = "selected", _("Selected")
        NOT_SELECTED = "not_selected", _("Not selected")

    volunteer = models.ForeignKey(
        VolunteerProfile, models.PROTECT, related_name="role_model_nominations", verbose_name=_("volunteer")
    )
    district = models.ForeignKey("portal.Area", models.PROTECT, related_name="+", verbose_name=_("district"))
    year = models.PositiveSmallIntegerField(_("year"))
    citation = models.TextField(_("deeds"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NOMINATED)
    nominated_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, related_name="+", verbose_name=_("nominated by")
    )
    decided_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("volunteer role model")
        verbose_name_plural = _("volunteer role models")
        ordering = ["-year", "status"]
        constraints = [models.UniqueConstraint(fields=["volunteer", "year"], name="role_model_once_per_year")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.year}"


# ------------------------------------------------------------------------------
# Certificates
# ------------------------------------------------------------------------------
class CertificateSetting(TimeStampedModel):
    """Who issues a district's service-hour certificates (谁组织谁记录，谁记录谁证明)."""

    district = models.OneToOneField(
        "portal.Area",
        models.CASCADE,
        related_name="volunteer_certificate_setting",
        verbose_name=_("district"),
    )
    issuer_name = models.CharField(_("issuing organisation"), max_length=128)
    person_in_charge = models.CharField(_("person in charge"), max_length=64)
    handler = models.CharField(_("handler"), max_length=64)
    contact = models.CharField(_("contact"), max_length=64)
    seal_image = models.ForeignKey(
        "wagtailimages.Image",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("seal image"),
    )

    class Meta:
        verbose_name = _("certificate setting")
        verbose_name_plural = _("certificate settings")

    def __str__(self) -> str:
        return str(self.district)


class ServiceCertificate(TimeStampedModel):
    """A snapshot of a volunteer's approved hours at the time a certificate was asked for; the
    source of one ``portal.Certificate``. A new one is made only when the hours have changed."""

    volunteer = models.ForeignKey(
        VolunteerProfile, models.PROTECT, related_name="service_certificates", verbose_name=_("volunteer")
    )
    hours = models.DecimalField(_("approved hours"), max_digits=9, decimal_places=2)
    records = models.PositiveIntegerField(_("approved records"))
    first_service_on = models.DateField(_("first service"), null=True, blank=True)
    last_service_on = models.DateField(_("last service"), null=True, blank=True)
    certificate = models.OneToOneField(
        "portal.Certificate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate"),
    )

    class Meta:
        verbose_name = _("service-hours certificate")
        verbose_name_plural = _("service-hours certificates")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=0), name="service_certificate_hours_non_negative")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.hours}h"


class HoursTally(models.Model):
    """Approved hours per area, activity type and channel: what the district dashboard sums
    instead of every approved record. Kept by the services that approve a record or reopen an
    approved one, in the same transaction; ``services.hours_tally_rebuild`` recounts from the
    records (the tests check that both agree)."""

    area = models.ForeignKey("portal.Area", models.CASCADE, related_name="+", verbose_name=_("area"))
    activity_type = models.CharField(_("type"), max_length=16, choices=ActivityType.choices)
    channel_key = models.PositiveIntegerField(_("channel id"), default=0, help_text=_("0: no channel."))
    hours = models.DecimalField(_("approved hours"), max_digits=12, decimal_places=2, default=Decimal(0))
    records = models.IntegerField(_("approved records"), default=0)

    class Meta:
        verbose_name = _("approved hours by type and channel")
        verbose_name_plural = _("approved hours by type and channel")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "activity_type", "channel_key"], name="hours_tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.activity_type} · {self.channel_key}: {self.hours}"


class MonthlyHoursTally(models.Model):
    """Approved hours per area and month (local time, first day of the month); kept like
    ``HoursTally``."""

    area = models.ForeignKey("portal.Area", models.CASCADE, related_name="+", verbose_name=_("area"))
    month = models.DateField(_("month"))
    hours = models.DecimalField(_("approved hours"), max_digits=12, decimal_places=2, default=Decimal(0))
    records = models.IntegerField(_("approved records"), default=0)

    class Meta:
        verbose_name = _("approved hours by month")
        verbose_name_plural = _("approved hours by month")
        constraints = [models.UniqueConstraint(fields=["area", "month"], name="monthly_hours_tally_unique")]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.month:%Y-%m}: {self.hours}"
