"""Forged, altered, expired, revoked, replayed, mis-purposed and guessed codes are all refused with
their stable codes: the kernel verifier (portal/codes.py), the training check-in API, volunteer
attendance scans and the public certificate verification."""

import datetime
import json
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from portal import codes
from portal import services as portal_services
from portal.codes import CodeError
from portal.errors import PortalError
from portal.models import Role
from tests.guard_world import module_fixture
from training import services as training_services
from training.models import Booking, CheckInAttempt
from volunteers import services as volunteer_services

pytestmark = pytest.mark.django_db
guard_world = module_fixture()


def _flip(char: str) -> str:
    return "a" if char != "a" else "b"


# ------------------------------------------------------------------------------
# The kernel verifier
# ------------------------------------------------------------------------------
def test_kernel_verifier_refuses_forged_altered_and_mispurposed_codes():
    good = codes.code_issue(purpose="training.booking", object_id=42)
    body, expiry, signature = good.split(".")
    forged = f"{body}.{expiry}.{'a' * len(signature)}"
    altered_id = f"{codes._b32encode(43)}.{expiry}.{signature}"  # another booking, same signature
    altered_sig = f"{body}.{expiry}.{signature[:-1]}{_flip(signature[-1])}"
    extended = f"{body}.{codes._b32encode(int(time.time()) + 10**6)}.{signature}"  # expiry pushed out
    for code in (forged, altered_id, altered_sig, extended, "", "x" * 200, "a.b", "../../etc", good + "."):
        with pytest.raises(CodeError) as exc:
            codes.code_verify(purpose="training.booking", code=code)
        assert exc.value.code == CodeError.INVALID, code
    with pytest.raises(CodeError) as exc:  # a booking code is not a helper code
        codes.code_verify(purpose="training.helper", code=good)
    assert exc.value.code == CodeError.INVALID
    assert codes.code_verify(purpose="training.booking", code=good).object_id == 42


def test_kernel_verifier_refuses_expired_codes():
    code = codes.code_issue(purpose="volunteers.activity", object_id=7, ttl_seconds=60)
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=61)
    with time_machine.travel(later), pytest.raises(CodeError) as exc:
        codes.code_verify(purpose="volunteers.activity", code=code)
    assert exc.value.code == CodeError.EXPIRED


def test_codes_carry_no_personal_data(guard_world):
    """The QR payloads are a signed id, nothing a reader could link to a person."""
    side = guard_world.own
    payloads = [
        side.booking_code,
        training_services.helper_code(person=side.trainee),
        volunteer_services.volunteer_qr_code(profile=side.volunteer),
        volunteer_services.activity_qr_code(activity=side.activity),
    ]
    for payload in payloads:
        assert len(payload) <= 40
        for secret in guard_world.secret_ids + guard_world.secret_phones:
            assert secret not in payload and secret[-4:] not in payload.split(".")[0]


def test_human_codes_avoid_lookalikes_and_are_not_guessable():
    drawn = {codes.human_code() for _ in range(500)}
    assert len(drawn) == 500
    assert not set("".join(drawn)) & set("01OIL")


# ------------------------------------------------------------------------------
# Training check-in (API): every refusal has its result code, every attempt is recorded
# ------------------------------------------------------------------------------
def _scan(client, session, code, nonce):
    return client.post(
        "/api/v1/checkin",
        data=json.dumps({"code": code, "nonce": nonce, "session": session.pk}),
        content_type="application/json",
    )


@pytest.fixture
def trainer_api(guard_world):
    token = portal_services.api_token_issue(user=guard_world.users[Role.TRAINER])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_checkin_refuses_forged_altered_and_foreign_codes(guard_world, trainer_api):
    side, other = guard_world.own, guard_world.other
    body, expiry, signature = side.booking_code.split(".")
    cases = {
        "forged": f"{body}.{expiry}.{'b' * len(signature)}",
        "altered": f"{codes._b32encode(side.booking.pk + 1)}.{expiry}.{signature}",
        "guessed": codes.human_code(),
        "volunteer QR": volunteer_services.volunteer_qr_code(profile=side.volunteer),
    }
    for label, code in cases.items():
        answer = _scan(trainer_api, side.session, code, f"n-{label}")
        assert answer.status_code == 200, label
        assert answer.json()["result"] == "invalid_code", label
    # Another district's valid booking code at this trainer's session: not for this session.
    answer = _scan(trainer_api, side.session, other.booking_code, "n-foreign")
    assert answer.json()["result"] in ("wrong_session", "invalid_code")
    assert answer.json()["result"] != "ok"
    assert CheckInAttempt.objects.filter(nonce__startswith="n-").count() == 5
    assert not Booking.objects.filter(pk=side.booking.pk, checked_in_at__isnull=False).exists()


def test_checkin_replayed_code_and_retried_nonce(guard_world, trainer_api):
    """The same code scanned again answers already_checked_in; the same request retried (same
    nonce) gets the first answer again and writes no second row."""
    side = guard_world.own
    first = _scan(trainer_api, side.session, side.booking_code, "replay-1")
    retry = _scan(trainer_api, side.session, side.booking_code, "replay-1")
    replay = _scan(trainer_api, side.session, side.booking_code, "replay-2")
    assert first.json()["result"] == "ok"
    assert retry.json() == first.json()
    assert replay.json()["result"] == "already_checked_in"
    assert CheckInAttempt.objects.filter(nonce="replay-1").count() == 1


def test_checkin_refuses_a_revoked_booking(guard_world, trainer_api):
    """A cancelled booking's code (the trainee's QR still on their phone) does not check in."""
    side = guard_world.own
    Booking.objects.filter(pk=side.booking.pk).update(status=Booking.Status.CANCELLED)
    answer = _scan(trainer_api, side.session, side.booking_code, "revoked-1")
    assert answer.json()["result"] == "cancelled"


def test_checkin_by_someone_not_running_the_session(guard_world):
    """A valid code scanned by a trainer of another district is refused (403 not_allowed)."""
    side, other = guard_world.own, guard_world.other
    token = portal_services.api_token_issue(user=other.staff[Role.TRAINER])
    answer = _scan(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), side.session, side.booking_code, "x-1")
    assert answer.status_code in (403, 404)
    assert not Booking.objects.filter(pk=side.booking.pk, checked_in_at__isnull=False).exists()


# ------------------------------------------------------------------------------
# Volunteer attendance
# ------------------------------------------------------------------------------
def _volunteer_scan(client, code):
    return client.post(reverse("volunteers:scan"), {"code": code}, HTTP_ACCEPT="application/json")


def test_volunteer_scan_refuses_forged_expired_and_mispurposed_codes(guard_world):
    side = guard_world.own
    client = Client()
    client.force_login(side.volunteer_user)
    good = volunteer_services.activity_qr_code(activity=side.activity)
    body, expiry, signature = good.split(".")
    refused = {
        f"{body}.{expiry}.{'c' * len(signature)}": "CODE_INVALID",
        f"{codes._b32encode(side.activity.pk + 1000)}.{expiry}.{signature}": "CODE_INVALID",
        side.booking_code: "CODE_INVALID",
        volunteer_services.volunteer_qr_code(profile=side.volunteer): "CODE_INVALID",
    }
    for code, expected in refused.items():
        answer = _volunteer_scan(client, code)
        assert answer.status_code == 400
        assert answer.json()["code"] == expected, code
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=61)):
        answer = _volunteer_scan(client, good)
    assert answer.json()["code"] == "CODE_EXPIRED"


def test_leader_scan_refuses_a_forged_volunteer_code(guard_world):
    side = guard_world.own
    with pytest.raises(PortalError) as exc:
        volunteer_services.attendance_scan_volunteer(
            activity=side.activity, by=side.staff[Role.TEAM_LEADER], code=side.booking_code
        )
    assert exc.value.code == "CODE_INVALID"


# ------------------------------------------------------------------------------
# Certificate verification
# ------------------------------------------------------------------------------
def test_certificate_verification_needs_number_and_code(guard_world):
    certificate = guard_world.own.certificate
    client = Client()
    wrong = client.get(f"/api/v1/certificates/{certificate.number}", {"code": "AAAAAAAA"})
    guessed_number = client.get(
        f"/api/v1/certificates/{certificate.number[:-1]}9", {"code": certificate.verification_code}
    )
    page = client.get(reverse("certificate_verify"), {"n": certificate.number, "c": "WRONGONE"})
    assert wrong.status_code == guessed_number.status_code == page.status_code == 404
    assert wrong.json()["code"] == "CERTIFICATE_NOT_FOUND"
    assert certificate.holder.name not in page.content.decode()


def test_revoked_certificate_verifies_as_revoked(guard_world):
    certificate = guard_world.own.certificate
    portal_services.certificate_revoke(
        certificate=certificate, by=guard_world.own.staff[Role.DISTRICT_ADMIN], reason="培训记录有误"
    )
    answer = Client().get(
        f"/api/v1/certificates/{certificate.number}", {"code": certificate.verification_code}
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "revoked"
    assert answer.json()["revoked_at"]
    page = Client().get(
        reverse("certificate_verify"), {"n": certificate.number, "c": certificate.verification_code}
    )
    assert "verify-result--revoked" in page.content.decode()
