"""Writes for the campaign site: search text, target snapshots, hazard reports, reviewers."""

import datetime
import re
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from wagtail.models import Page

from home.models import HazardReport, PageSearchText, TargetSnapshot
from home.selfcheck import QUESTIONS_BY_CODE
from portal import metrics, validators
from portal.errors import PortalError
from portal.models import Area, Role, Target, User
from portal.selectors import plan_period_current, visible_to
from portal.services import audit_log

TEXT_FIELDS = ("introduction", "summary", "audience_framing", "location")
STREAM_FIELDS = ("body",)


def _stream_strings(value) -> list[str]:
    if isinstance(value, str):
        return [strip_tags(value)]
    if isinstance(value, dict):
        return [
            text for key, item in value.items() if key not in {"id", "type"} for text in _stream_strings(item)
        ]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _stream_strings(item)]
    return []


def page_text(*, page: Page) -> str:
    """The plain text of a page: title, description, text fields and every string in its body."""
    specific = page.specific
    parts = [specific.title, specific.search_description or ""]
    for name in TEXT_FIELDS:
        parts.append(str(getattr(specific, name, "") or ""))
    for name in STREAM_FIELDS:
        stream = getattr(specific, name, None)
        if stream is not None and hasattr(stream, "get_prep_value"):
            parts += _stream_strings(stream.get_prep_value())
    return re.sub(r"\s+", " ", " ".join(part for part in parts if part)).strip()


def page_search_text_update(*, page: Page) -> PageSearchText | None:
    """Index a page's text for the Chinese search (called on publish); a non-live page is removed."""
    if not page.live:
        PageSearchText.objects.filter(page_id=page.pk).delete()
        return None
    entry, _created = PageSearchText.objects.update_or_create(
        page_id=page.pk, defaults={"text": page_text(page=page)}
    )
    return entry


def page_search_text_rebuild() -> int:
    """Re-index every live page (after an import or a code change); returns how many."""
    count = 0
    for page in Page.objects.live().exclude(depth=1).specific():
        page_search_text_update(page=page)
        count += 1
    return count


@transaction.atomic
def target_snapshots_take(*, on: datetime.date | None = None) -> int:
    """Record today's value of every measured target of every district's current period.

    Idempotent per day: a second run the same day updates the values. Unmeasured metrics are
    skipped (no made-up zero). Returns how many snapshots were written.
    """
    on = on or timezone.localdate()
    written = 0
    for district in Area.objects.filter(level=Area.Level.DISTRICT):
        period = plan_period_current(district=district, year=on.year)
        if period is None:
            continue
        for target in Target.objects.filter(period=period):
            value = metrics.actual(target.metric, district=district, year=on.year)
            if value is None:
                continue
            TargetSnapshot.objects.update_or_create(
                target=target, taken_on=on, defaults={"actual": Decimal(value)}
            )
            written += 1
    return written


def hazard_report_create(
    *, area_id: int | None, hazards: list[str], address_hint: str = "", note: str = "", phone: str = ""
) -> HazardReport:
    """A resident sends hazards found by the self-check to the street. Anonymous; phone optional."""
    area = Area.objects.filter(pk=area_id, level=Area.Level.STREET).first() if area_id else None
    if area is None:
        raise PortalError(
            _("Choose the street where the hazard is."), code="HAZARD_STREET_REQUIRED", field="area"
        )
    codes = [
        code
        for code in dict.fromkeys(hazards)
        if code in QUESTIONS_BY_CODE and QUESTIONS_BY_CODE[code].hazard
    ]
    if not codes:
        raise PortalError(_("There is no hazard to report."), code="HAZARD_NONE")
    phone = (phone or "").strip()
    if phone:
        try:
            phone = validators.validate_mobile(phone)
        except ValidationError as exc:
            raise PortalError(
                _("Enter a valid mobile number, or leave it empty."),
                code="HAZARD_PHONE_INVALID",
                field="phone",
            ) from exc
    report = HazardReport.objects.create(
        area=area,
        hazards=codes,
        address_hint=address_hint.strip()[:100],
        note=note.strip()[:1000],
        phone=phone,
    )
    audit_log(
        actor=None, action="home.hazard_report_create", target=report, area=area, data={"hazards": codes}
    )
    return report


# --- review workflow ----------------------------------------------------------------------------

REVIEWER_GROUP = "reviewer"


@transaction.atomic
def reviewer_set(*, user: User, is_reviewer: bool, by: User) -> User:
    """Make ``user`` a reviewer (审核员) of campaign content, or stop them being one.

    A reviewer is a member of the plain Django group ``reviewer``, the group the review workflow's
    approval task asks (``home.demo.seed_workflow``). Only a district administrator (or a
    superuser) may change it, and only for accounts whose area lies in their own area; residents
    and volunteers without an area cannot review. Audited (``home.reviewer.assigned``/``removed``).
    """
    if not (by.is_superuser or Role.DISTRICT_ADMIN in by.role_codes):
        raise PortalError(_("Only a district administrator assigns reviewers."), code="REVIEWER_NOT_ALLOWED")
    if user.area_id is None:
        raise PortalError(_("A reviewer needs an area of responsibility."), code="REVIEWER_NEEDS_AREA")
    if not visible_to(User.objects.filter(pk=user.pk), user=by).exists():
        raise PortalError(_("This account is outside your area."), code="REVIEWER_OUT_OF_AREA")
    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    if is_reviewer:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    user.__dict__.pop("_role_codes", None)
    audit_log(
        actor=by,
        action="home.reviewer.assigned" if is_reviewer else "home.reviewer.removed",
        target=user,
        area=user.area,
    )
    return user
