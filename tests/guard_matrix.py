"""The authorisation matrix: one row per URL name — who may use it on records of their own area
(``own``) and on another district's records (``other``; ``None`` when the URL names no record).

Read a row as: ``R("training:checkin", GET, own=TR | DA | SU, other=SU)`` = the check-in page
of a session opens for trainers and district admins of the session's area and for superusers;
for a session of another district only superusers get it. For self-service URLs "own" is the
caller's own record (their booking, their attempt) and "other" someone else's.

``tests/test_guard_matrix.py`` walks ``get_resolver()`` (Django views, the django-ninja
``/api/v1/`` routes, Wagtail admin and snippet views of our models) and fails for any URL
pattern that is neither here, nor in ``PUBLIC``, nor under one of ``FOREIGN`` (third-party
views: Wagtail's own admin, allauth, Django admin), so a new endpoint cannot escape the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.models import Role

GET, POST, DELETE = "GET", "POST", "DELETE"

ANON = frozenset({"anonymous"})
PLAIN = frozenset({"plain"})
RES = frozenset({Role.RESIDENT})
VOL = frozenset({Role.VOLUNTEER})
TL = frozenset({Role.TEAM_LEADER})
SC = frozenset({Role.STREET_COORDINATOR})
UM = frozenset({Role.UNIT_MANAGER})
TR = frozenset({Role.TRAINER})
DA = frozenset({Role.DISTRICT_ADMIN})
ED = frozenset({Role.EDITOR})
SU = frozenset({"superuser"})
NOBODY = frozenset()
ROLES_ORDER = (
    "anonymous",
    "plain",
    Role.RESIDENT,
    Role.VOLUNTEER,
    Role.TEAM_LEADER,
    Role.STREET_COORDINATOR,
    Role.UNIT_MANAGER,
    Role.TRAINER,
    Role.DISTRICT_ADMIN,
    Role.EDITOR,
    "superuser",
)
STAFF = TL | SC | UM | TR | DA | ED
AUTH = PLAIN | RES | VOL | STAFF | SU
ALL = ANON | AUTH
# Wagtail admin access: the roles ``portal.roles`` gives ``wagtailadmin.access_admin``.
ADMIN = DA | ED | SU
# Roles with Wagtail admin access once the domain apps extended portal.roles.
ADMIN_ACCESS = DA | ED | SC | TR | SU


@dataclass(frozen=True)
class R:
    name: str
    method: str
    own: frozenset[str]
    other: frozenset[str] | None = None
    # URL kwargs for the own or the other side: ``kwargs(world, "own"|"other")``.
    kwargs: Callable | None = None
    data: Callable | dict | None = None
    json: bool = False
    # The page lists other districts' records by design (public listings): no leak check.
    lists_everyone: bool = False
    note: str = ""
    extra: dict = field(default_factory=dict)


def session(w, a):
    return {"session_id": w.side(a).session.pk}


def booking(w, a):
    return {"booking_id": w.side(a).booking.pk}


def activity(w, a):
    return {"pk": w.side(a).activity.pk}


def record_pk(w, a):
    return {"pk": w.side(a).record.pk}


def record_id(w, a):
    return {"record_id": w.side(a).record.pk}


def activity_id(w, a):
    return {"activity_id": w.side(a).activity.pk}


def certificate(w, a):
    return {"number": w.side(a).certificate.number}


def organisation(w, a):
    return {"organisation_id": w.side(a).organisation.pk}


def quiz(w, a):
    return {"quiz_id": w.courses.quiz.pk}


def lesson(w, a):
    return {"lesson_id": w.courses.lesson.pk}


def attempt(w, a):
    return {"attempt_id": w.courses.attempts[a].pk}


def pk_of(attr):
    def kwargs(w, a):
        return {"pk": getattr(w.side(a), attr).pk}

    return kwargs


def checkin_body(w, a):
    return {"code": w.side(a).booking_code, "nonce": f"matrix-{a}", "session": w.side(a).session.pk}


ROWS: list[R] = [
    # ---- kernel -------------------------------------------------------------------------------
    R(
        "certificate_download",
        GET,
        own=RES | DA | SU,
        other=SU,
        kwargs=certificate,
        note="the holder, and district admins (portal.view_certificate) of the certificate's district",
    ),
    R("account_change_phone", GET, own=AUTH),
    R("api:me", GET, own=AUTH, json=True),
    R("api:areas", GET, own=AUTH, json=True),
    # ---- training -----------------------------------------------------------------------------
    R(
        "training:book",
        GET,
        own=AUTH,
        other=AUTH,
        kwargs=session,
        lists_everyone=True,
        note="anyone with an account books any open session",
    ),
    R("training:my_bookings", GET, own=AUTH),
    R("training:helper_code", GET, own=AUTH),
    R("training:booking", GET, own=RES, other=NOBODY, kwargs=booking, note="the booker's own page"),
    R("training:booking_offer_accept", POST, own=RES, other=NOBODY, kwargs=booking),
    R("training:booking_cancel", POST, own=RES, other=NOBODY, kwargs=booking),
    R("training:unit_home", GET, own=UM | SU),
    R("training:unit_book", GET, own=UM | SU, lists_everyone=True, note="lists every open session"),
    R("training:unit_roster", GET, own=UM | SU, lists_everyone=True, note="lists every open session"),
    R("training:roster_template", GET, own=UM | SU),
    R(
        "training:roster_report",
        GET,
        own=NOBODY,
        kwargs=lambda w, a: {"token": "not-this-sessions"},
        note="only the browser session that uploaded the roster holds the token",
    ),
    R("training:unit_certificates_zip", GET, own=UM | TR | DA | SU, other=SU, kwargs=organisation),
    R("training:trainer_home", GET, own=TR | DA | SU),
    R("training:session_create", GET, own=TR | DA | SU),
    R("training:checkin", GET, own=TR | DA | SU, other=SU, kwargs=session),
    R("training:checkin_scan", POST, own=TR | DA | SU, other=SU, kwargs=session, data={"code": "x"}),
    R("training:helpers", GET, own=TR | DA | SU, other=SU, kwargs=session),
    R("training:helpers_scan", POST, own=TR | DA | SU, other=SU, kwargs=session, data={"code": "x"}),
    R("training:signoff", GET, own=TR | DA | SU, other=SU, kwargs=session),
    R("training:close", POST, own=TR | DA | SU, other=SU, kwargs=session),
    R("training:session_certificates_zip", GET, own=TR | DA | SU, other=SU, kwargs=session),
    R("training:certificate_find", GET, own=DA | SU),
    R("training:certificate_revoke", GET, own=DA | SU, other=SU, kwargs=certificate),
    R("training:dashboard", GET, own=DA | SU),
    R(
        "api:session_create",
        POST,
        own=TR | DA | SU,
        json=True,
        data=lambda w, a: {
            "venue": w.side(a).venue.pk,
            "start": "2030-01-01T09:00:00+08:00",
            "end": "2030-01-01T11:00:00+08:00",
        },
        kwargs=None,
    ),
    R(
        "api:booking_create",
        POST,
        own=AUTH,
        other=AUTH,
        kwargs=session,
        json=True,
        data={"category": 4},
        note="self booking: any account, any open session",
    ),
    R(
        "api:assessment",
        POST,
        own=TR | DA | SU,
        other=SU,
        kwargs=booking,
        json=True,
        data={"items": {"extinguisher": "pass"}},
    ),
    R("api:session_close", POST, own=TR | DA | SU, other=SU, kwargs=session, json=True),
    R(
        "api:booking_detail",
        GET,
        own=RES | SC | TR | DA | SU,
        other=SU,
        kwargs=booking,
        json=True,
        note="the booker and staff of the session's area (training.selectors.booking_for)",
    ),
    R("api:checkin", POST, own=TR | DA | SU, other=SU, json=True, data=checkin_body),
    # ---- volunteers ---------------------------------------------------------------------------
    R(
        "volunteers:register",
        GET,
        own=AUTH,
        lists_everyone=True,
        note="every district's streets to choose from",
    ),
    R("volunteers:register_done", GET, own=AUTH),
    R("volunteers:me", GET, own=AUTH),
    R("volunteers:my_qr", GET, own=VOL, note="an approved volunteer's own QR"),
    R("volunteers:my_hours", GET, own=AUTH),
    R("volunteers:declare", GET, own=AUTH),
    R(
        "volunteers:correction",
        GET,
        own=VOL,
        other=NOBODY,
        kwargs=record_pk,
        note="a volunteer asks to correct their own record only",
    ),
    R(
        "volunteers:my_certificate",
        GET,
        own=AUTH - VOL,
        note="non-volunteers are sent to register; a volunteer without a certificate gets 404",
    ),
    R("volunteers:team_join", GET, own=AUTH),
    R("volunteers:activity_signup", POST, own=AUTH, other=AUTH, kwargs=activity),
    R("volunteers:activity_cancel", POST, own=AUTH, other=AUTH, kwargs=activity),
    R("volunteers:scan", GET, own=AUTH),
    R("volunteers:lead_home", GET, own=TL | SC | DA | SU),
    R("volunteers:activity_new", GET, own=TL | SC | DA | SU),
    R("volunteers:activity_signin", GET, own=TL | SC | DA | SU, other=SU, kwargs=activity),
    R("volunteers:activity_insurance", POST, own=TL | SC | DA | SU, other=SU, kwargs=activity),
    R("volunteers:activity_qr", GET, own=TL | SC | DA | SU, other=SU, kwargs=activity),
    R("volunteers:activity_qr_png", GET, own=TL | SC | DA | SU, other=SU, kwargs=activity),
    R("volunteers:activity_hours", GET, own=TL | SC | DA | SU, other=SU, kwargs=activity),
    R("volunteers:records_pending", GET, own=TL | SC | DA | SU),
    R("volunteers:join_requests", GET, own=TL | SC | DA | SU),
    R("volunteers:corrections", GET, own=TL | SC | DA | SU),
    R("volunteers:street_home", GET, own=SC | DA | SU),
    R("volunteers:roster", GET, own=SC | DA | SU),
    R("volunteers:nominate", GET, own=SC | DA | SU),
    R("volunteers:district_dashboard", GET, own=DA | SU),
    R("volunteers:district_export", GET, own=DA | SU, kwargs=lambda w, a: {"kind": "roster"}),
    R("volunteers:role_models", GET, own=DA | SU),
    R("api:signup_create", POST, own=AUTH, other=AUTH, kwargs=activity_id, json=True),
    R("api:signup_cancel", DELETE, own=AUTH, other=AUTH, kwargs=activity_id, json=True),
    R("api:my_records", GET, own=VOL, json=True),
    R(
        "api:record_declare",
        POST,
        own=AUTH,
        json=True,
        data=lambda w, a: {
            "activity": w.side(a).activity.pk,
            "started_at": w.side(a).activity.starts_at.isoformat(),
            "ended_at": w.side(a).activity.ends_at.isoformat(),
        },
    ),
    R("api:record_approve", POST, own=TL | SC | DA | SU, other=SU, kwargs=record_id, json=True),
    R(
        "api:record_decline",
        POST,
        own=TL | SC | DA | SU,
        other=SU,
        kwargs=record_id,
        json=True,
        data={"reason": "核对"},
    ),
    # ---- courses ------------------------------------------------------------------------------
    R("courses:lesson_complete", POST, own=ALL, kwargs=lesson),
    R("courses:quiz_start", POST, own=ALL, kwargs=quiz),
    R("courses:attempt", GET, own=RES, other=NOBODY, kwargs=attempt, note="own = the resident's attempt"),
    R("courses:attempt_result", GET, own=RES, other=NOBODY, kwargs=attempt),
    R("courses:dashboard", GET, own=SC | DA | SU),
    R("courses:learner_area", POST, own=ALL),
    R("api:attempt_start", POST, own=ALL, kwargs=quiz, json=True),
    R("api:attempt_submit", POST, own=RES, other=NOBODY, kwargs=attempt, json=True, data={"answers": {}}),
    R("api:attempt_get", GET, own=RES, other=NOBODY, kwargs=attempt, json=True),
    R("api:my_progress", GET, own=ALL, json=True),
    R("api:my_attach", POST, own=AUTH, json=True),
    # ---- our Wagtail admin views --------------------------------------------------------------
    R("home_coverage", GET, own=DA | SC | TR | ED | SU, note="scoped to the streets the user answers for"),
    R("home_reviewers", GET, own=DA | SU),
    R("courses_questions_import", GET, own=ED | SU),
    R("courses_questions_export", GET, own=DA | ED | SU),
    R("courses_questions_import_report", GET, own=NOBODY, kwargs=lambda w, a: {"token": "x"}),
    R("wagtailusers_users:index", GET, own=DA | SU),
    R("wagtailusers_users:index_results", GET, own=DA | SU),
    R("wagtailusers_users:add", GET, own=DA | SU),
    R(
        "wagtailusers_users:edit",
        GET,
        own=DA | SU,
        other=SU,
        kwargs=lambda w, a: {"pk": w.side(a).staff[Role.TRAINER].pk},
    ),
    R(
        "wagtailusers_users:delete",
        GET,
        own=SU,
        other=SU,
        kwargs=lambda w, a: {"pk": w.side(a).staff[Role.TRAINER].pk},
    ),
]

# Public by design: anyone, any district's records (nothing personal shown unmasked).
PUBLIC = {
    "healthz",
    "language_switch",
    "set_language",
    "certificate_verify",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    "api:certificate_get",
    "api:targets",
    "api:activities",
    "api:quizzes",
    "api:courses",
    "api:sessions",
    "api:venues",
    "home:search",
    "home:progress",
    "home:channel_feed",
    "home:escape_plan",
    "home:self_check",
    "home:hazard_report",
    "training:sessions",
    "volunteers:home",
    "volunteers:activity_list",
    "volunteers:activity_detail",
    "volunteers:star_notices",
    "wagtailcore_login",
}

# Our code: views in these modules, the django-ninja API and snippet views of our models. Every
# other URL pattern is a third-party view guarded by its own framework (Wagtail's admin needs
# access_admin, Django's admin is_staff, allauth's pages are the log-in itself).
OUR_MODULES = ("portal.", "home.", "courses.", "volunteers.", "training.")
OUR_APPS = ("portal", "home", "courses", "volunteers", "training")

# Snippet views of our models: generated rows. ``perm`` = the model permission the action needs;
# who holds it comes from ``portal.roles``; area-scoped models are checked own/other.
SNIPPET_ACTIONS = {
    "list": "view",
    "list_results": "view",
    "inspect": "view",
    "usage": "view",
    "history": "view",
    "history_results": "view",
    "add": "add",
    "copy": "add",
    "edit": "change",
    "delete": "delete",
}
