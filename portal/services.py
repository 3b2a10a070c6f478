"""Kernel services: every write to the shared kernel goes through one of these functions.

Keyword-only, typed, named ``<entity>_<verb>``; each docstring states the rule it enforces.
"""

import datetime
import logging
import secrets
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import crypto, pdf, signals, validators
from portal.codes import human_code
from portal.errors import PermissionDenied, PortalError
from portal.models import (
    KIND_PREFIX,
    ApiToken,
    Area,
    AuditEntry,
    Certificate,
    CertificateSerial,
    Organisation,
    OutboxMessage,
    Person,
    Role,
    User,
)
from portal.selectors import id_number_hash, user_can_act_in

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------
# Areas
# ------------------------------------------------------------------------------
_CHILD_LEVEL = {
    Area.Level.DISTRICT: Area.Level.STREET,
    Area.Level.STREET: Area.Level.COMMUNITY,
    Area.Level.COMMUNITY: Area.Level.GRID,
}


@transaction.atomic
def area_create(
    *, name: str, code: str, parent: Area | None = None, resident_population: int | None = None
) -> Area:
    """A district has no parent; every other area sits exactly one level below its parent."""
    level = Area.Level.DISTRICT if parent is None else _CHILD_LEVEL.get(parent.level)
    if level is None:
        raise PortalError(_("A grid cannot contain other areas."), code="AREA_TOO_DEEP")
    area = Area(name=name, code=code, level=level, parent=parent, resident_population=resident_population)
    area.path = "/"  # set once the id is known
    area.full_clean(exclude=["path"])
    area.save()
    area.path = f"{parent.path if parent else '/'}{area.pk}/"
    Area.objects.filter(pk=area.pk).update(path=area.path)
    return area


# ------------------------------------------------------------------------------
# People
# ------------------------------------------------------------------------------
def _validate_identity(*, id_type: str, id_number: str) -> str:
    if id_type == Person.IdType.RESIDENT_ID:
        return validators.validate_id_number(id_number)
    number = id_number.strip().upper()
    if not 6 <= len(number) <= 20 or not number.isalnum():
        raise ValidationError(_("Enter the document number exactly as printed."), code="id_format")
    return number


@transaction.atomic
def person_create(
    *,
    name: str,
    id_number: str,
    id_type: str = Person.IdType.RESIDENT_ID,
    phone: str = "",
    area: Area | None = None,
    organisation: Organisation | None = None,
    user: User | None = None,
) -> Person:
    """A real-name identity: the ID number is checked (GB 11643 check digit for resident IDs),
    unique by keyed hash, stored encrypted and shown masked; the phone likewise when given.

    Raises ValidationError (field errors, codes ``id_*``/``phone_format``) or PortalError
    ``PERSON_EXISTS`` when the ID number is already registered.
    """
    name = name.strip()
    if not name:
        raise ValidationError(
            {"name": ValidationError(_("Enter the name as on the ID document."), code="name_required")}
        )
    try:
        number = _validate_identity(id_type=id_type, id_number=id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.error_list}) from exc
    id_hash = id_number_hash(id_type=id_type, id_number=number)
    if Person.objects.filter(id_number_hash=id_hash).exists():
        raise PortalError(
            _("A person with this ID number is already registered."), code="PERSON_EXISTS", field="id_number"
        )
    person = Person(
        name=name,
        id_type=id_type,
        id_number=number,
        id_number_hash=id_hash,
        id_number_masked=validators.mask_id_number(number),
        area=area,
        organisation=organisation,
        user=user,
    )
    if id_type == Person.IdType.RESIDENT_ID:
        person.birth_date = validators.id_birth_date(number)
        person.gender = Person.Gender.MALE if int(number[16]) % 2 else Person.Gender.FEMALE
    if phone:
        try:
            mobile = validators.validate_mobile(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.error_list}) from exc
        person.phone = mobile
        person.phone_hash = crypto.keyed_hash(mobile)
        person.phone_masked = validators.mask_phone(mobile)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent registration of the same ID number
        raise PortalError(
            _("A person with this ID number is already registered."), code="PERSON_EXISTS", field="id_number"
        ) from exc
    if user is not None:
        signals.person_identified.send(sender=Person, person=person, user=user)
    return person


@transaction.atomic
def person_link_user(*, person: Person, user: User) -> Person:
    """Give an account its real-name identity (a person registered earlier, e.g. by a unit
    manager's roster, signs up). Refuses PERSON_TAKEN when either side is already linked
    elsewhere; linking the same pair again changes nothing."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id == user.pk:
        return person
    if person.user_id is not None or Person.objects.filter(user=user).exists():
        raise PortalError(
            _("This ID number is registered to another account."), code="PERSON_TAKEN", field="id_number"
        )
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    signals.person_identified.send(sender=Person, person=person, user=user)
    return person


def person_reveal_id_number(*, person: Person, viewer: User, reason: str) -> str:
    """Only staff responsible for the person's area who may look people up (``portal.view_person``:
    district admins, street coordinators) see the full ID number, and it is audited. Any staff
    role of the area used to pass — an editor or a trainer had no need to."""
    if (
        person.area is None
        or not viewer.has_perm("portal.view_person")
        or not user_can_act_in(user=viewer, area=person.area)
    ):
        raise PermissionDenied(_("You may not see this person's full ID number."), code="PII_FORBIDDEN")
    audit_log(
        actor=viewer,
        action="portal.person.id_number_viewed",
        target=person,
        area=person.area,
        data={"reason": reason},
    )
    return person.id_number


# ------------------------------------------------------------------------------
# Users and roles
# ------------------------------------------------------------------------------
def user_set_phone(*, user: User, phone: str, verified: bool) -> User:
    """A phone number belongs to one account at most (unique keyed hash).

    Only a verified number is owned: an unverified one is a claim no SMS code has proved, and it
    moves to the next account that claims the number, so an abandoned or squatted sign-up cannot
    lock the real owner out.
    """
    mobile = validators.validate_mobile(phone)
    phone_hash = crypto.keyed_hash(mobile)
    others = User.objects.filter(phone_hash=phone_hash).exclude(pk=user.pk)
    if others.filter(phone_verified=True).exists():
        raise PortalError(_("This mobile number is already used by another account."), code="PHONE_TAKEN")
    others.update(phone="", phone_hash=None, phone_masked="", phone_verified=False)
    user.phone, user.phone_hash = mobile, phone_hash
    user.phone_masked, user.phone_verified = validators.mask_phone(mobile), verified
    user.save(update_fields=["phone", "phone_hash", "phone_masked", "phone_verified"])
    return user


def role_assign(*, user: User, role: Role, area: Area | None = None) -> User:
    """Staff roles act within an area, so they need one; residents and volunteers do not."""
    from portal.models import STAFF_ROLES

    if role in STAFF_ROLES and area is None and user.area is None:
        raise PortalError(_("A staff role needs an area of responsibility."), code="ROLE_NEEDS_AREA")
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if area is not None and user.area_id != area.pk:
        user.area = area
        user.save(update_fields=["area"])
    user.__dict__.pop("_role_codes", None)
    return user


# ------------------------------------------------------------------------------
# Audit log
# ------------------------------------------------------------------------------
def audit_log(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    area: Area | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Append-only record of a state change a person may later dispute."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=str(target.pk) if target is not None else "",
        area=area,
        data=data or {},
    )


# ------------------------------------------------------------------------------
# Outbox: Celery jobs that survive a broker outage
# ------------------------------------------------------------------------------
_broker_down_until = 0.0
_BROKER_BACKOFF_SECONDS = 30


def outbox_enqueue(*, task_name: str, kwargs: dict) -> OutboxMessage:
    """Record the job in the caller's transaction and send it after commit.

    If the broker is unreachable the request still succeeds: the row stays pending and the
    drain sends it later. Tasks must be idempotent: a job may arrive twice.
    """
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: outbox_send(message_id=message.pk))
    return message


_JOB_NAMESPACE = uuid.UUID("6f2b1c9e-4a57-5e0b-9d1a-0c1e9f3b7a55")


def _job_id(message: OutboxMessage) -> str:
    """The Celery task id of an outbox job: the same on every send (the drain's resend, a broker's
    redelivery), so a task with an external effect can tell a repeat from a new job. A UUID like
    Celery's own, from the row's id and creation time (unique even if ids are reused)."""
    return str(uuid.uuid5(_JOB_NAMESPACE, f"{message.pk}:{message.created_at.isoformat()}"))


def outbox_send(*, message_id: int) -> bool:
    """Hand one pending job to Celery (inline when eager). Returns whether it was sent."""
    global _broker_down_until
    from kombu.exceptions import OperationalError

    from portal.celery import app

    try:
        message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    except DatabaseError:
        # The database went away after the commit that wrote the job (this runs on commit): the
        # change is stored, so the caller's success stands; the drain sends the job later.
        logger.warning("database unavailable, job %s left in the outbox", message_id)
        return False
    if message is None:
        return False
    if app.conf.task_always_eager:
        if message.task_name not in app.tasks:
            # Only a worker imports the apps' tasks.py by itself; inline runs look tasks up by name.
            app.autodiscover_tasks(force=True)
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
        app.tasks[message.task_name].apply(kwargs=message.kwargs, task_id=_job_id(message), throw=True)
        return True
    if time.monotonic() < _broker_down_until:
        return False
    try:
        with app.producer_or_acquire() as producer:
            # One connection attempt: kombu's own loop sleeps 2 s before giving up on a refused
            # connection, and the request would wait for it. The drain retries later.
            producer.connection.ensure_connection(max_retries=0)
            app.send_task(
                message.task_name,
                kwargs=message.kwargs,
                task_id=_job_id(message),
                retry=False,
                producer=producer,
            )
    except (OperationalError, OSError) as exc:
        _broker_down_until = time.monotonic() + _BROKER_BACKOFF_SECONDS
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:255]
        )
        logger.warning("broker unavailable, job %s left in the outbox", message.pk)
        return False
    try:
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
    except DatabaseError:  # sent but not marked: the drain sends it again, tasks are idempotent
        logger.warning("database unavailable, job %s sent but not marked", message.pk)
    return True


def outbox_drain(*, older_than_seconds: int = 10, limit: int = 500) -> int:
    """Send jobs still pending after their on-commit attempt; returns how many were sent."""
    global _broker_down_until
    _broker_down_until = 0.0
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff).order_by(
        "created_at"
    )
    sent = 0
    for message_id in pending.values_list("pk", flat=True)[:limit]:
        if not outbox_send(message_id=message_id):
            break
        sent += 1
    return sent


# ------------------------------------------------------------------------------
# Certificates: one registry for every module
# ------------------------------------------------------------------------------
def _next_certificate_number(*, district: Area, kind: str, year: int) -> str:
    serial, _created = CertificateSerial.objects.get_or_create(district=district, kind=kind, year=year)
    # The UPDATE takes the row lock; concurrent issuers queue here until commit.
    CertificateSerial.objects.filter(pk=serial.pk).update(last=F("last") + 1)
    serial.refresh_from_db(fields=["last"])
    return f"{district.code.upper()}-{KIND_PREFIX[kind]}-{year}-{serial.last:06d}"


@transaction.atomic
def certificate_issue(
    *,
    kind: str,
    district: Area,
    holder: Person,
    title: str,
    issuer_name: str,
    details: list[dict],
    source: models.Model,
    issued_on: datetime.date | None = None,
    seal: str = "",
) -> Certificate:
    """One certificate per source record and kind, numbered district-kind-year-serial; the PDF
    is rendered afterwards by a Celery job. Issuing again for the same source returns the first.

    ``details`` is a list of ``{"heading": str, "lines": [[label, value], ...]}`` blocks.
    ``seal`` (optional) names the issuer's seal image in the default (media) storage, e.g. a
    Wagtail image's ``file.name``; it is printed over the issuer's lines.
    """
    source_type = ContentType.objects.get_for_model(source)
    existing = Certificate.objects.filter(source_type=source_type, source_id=source.pk, kind=kind).first()
    if existing is not None:
        return existing
    issued_on = issued_on or timezone.localdate()
    certificate = Certificate(
        number=_next_certificate_number(district=district, kind=kind, year=issued_on.year),
        verification_code=human_code(8),
        kind=kind,
        district=district,
        title=title,
        holder=holder,
        holder_name_masked=validators.mask_name(holder.name),
        holder_id_masked=holder.id_number_masked,
        issuer_name=issuer_name,
        issued_on=issued_on,
        details=details,
        seal=seal,
        source_type=source_type,
        source_id=source.pk,
    )
    certificate.full_clean()
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:  # issued concurrently for the same source: keep the first
        return Certificate.objects.get(source_type=source_type, source_id=source.pk, kind=kind)
    audit_log(
        actor=None,
        action="portal.certificate.issued",
        target=certificate,
        area=district,
        data={"number": certificate.number, "kind": kind},
    )
    outbox_enqueue(
        task_name="portal.tasks.certificate_render_task", kwargs={"certificate_id": certificate.pk}
    )
    return certificate


def certificate_verify_url(*, certificate: Certificate) -> str:
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return f"{base}/certificates/verify/?n={certificate.number}&c={certificate.verification_code}"


def _certificate_seal_bytes(certificate: Certificate) -> bytes | None:
    if not certificate.seal:
        return None
    try:
        with default_storage.open(certificate.seal, "rb") as handle:
            return handle.read()
    except OSError:  # the image was deleted since: print the certificate without it, say so
        logger.warning("certificate.seal_missing", extra={"number": certificate.number})
        return None


def certificate_render(*, certificate_id: int) -> Path:
    """Write the certificate's PDF once; a repeated run (a retried job) leaves the file as it is.

    The holder appears masked (name and ID number), as on the public verification page: the PDF
    is shared, printed and posted, and its number plus verification code prove whose it is.
    """
    certificate = Certificate.objects.select_related("holder", "district").get(pk=certificate_id)
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    relative = Path("certificates") / certificate.district.code / str(certificate.issued_on.year)
    target = root / relative / f"{certificate.number}.pdf"
    if certificate.pdf and target.is_file():
        return target
    holder = certificate.holder
    identity = [
        (_("Name"), certificate.holder_name_masked),
        (_("ID type"), holder.get_id_type_display()),
        (_("ID number"), certificate.holder_id_masked),
    ]
    blocks = [(_("Holder"), identity)]
    blocks += [(block["heading"], [tuple(line) for line in block["lines"]]) for block in certificate.details]
    blocks.append(
        (
            _("Issuer"),
            [
                (_("Issued by"), certificate.issuer_name),
                (_("Date of issue"), certificate.issued_on.isoformat()),
            ],
        )
    )
    document = pdf.CertificateDocument(
        title=certificate.title,
        number=certificate.number,
        blocks=blocks,
        qr_url=certificate_verify_url(certificate=certificate),
        footer=_("Verification code: %(code)s") % {"code": certificate.verification_code},
        seal_image=_certificate_seal_bytes(certificate),
    )
    content = pdf.render_certificate(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{secrets.token_hex(4)}.part")
    partial.write_bytes(content)
    partial.replace(target)  # atomic: a killed worker never leaves half a file behind
    Certificate.objects.filter(pk=certificate.pk).update(pdf=str(relative / target.name))
    return target


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """Only staff responsible for the certificate's district revoke it, with a reason; audited."""
    if not user_can_act_in(user=by, area=certificate.district, roles={Role.DISTRICT_ADMIN}):
        raise PermissionDenied(_("You may not revoke this certificate."), code="CERTIFICATE_REVOKE_FORBIDDEN")
    reason = reason.strip()
    if not reason:
        raise PortalError(_("Give a reason for the revocation."), code="REASON_REQUIRED", field="reason")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        raise PortalError(_("This certificate is already revoked."), code="CERTIFICATE_ALREADY_REVOKED")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by
    certificate.revoke_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason", "updated_at"])
    audit_log(
        actor=by,
        action="portal.certificate.revoked",
        target=certificate,
        area=certificate.district,
        data={"number": certificate.number, "reason": reason},
    )
    return certificate


# ------------------------------------------------------------------------------
# API tokens
# ------------------------------------------------------------------------------
def api_token_issue(*, user: User, name: str = "") -> str:
    """Return a new bearer token; only its hash is kept, so it can be shown this once."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=crypto.keyed_hash(token), prefix=token[:8])
    return token
