import datetime
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from django.utils import timezone
from PIL import Image

from portal import services as portal_services
from portal.errors import PortalError
from portal.models import Certificate, CertificateKind
from volunteers import seal, services
from volunteers.models import ServiceCertificate
from volunteers.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def settings_xc(district):
    return services.certificate_setting_save(
        district=district,
        by=None,
        issuer_name="西城区消防志愿服务总队",
        person_in_charge="刘建国",
        handler="陈晓红",
        contact="010-66001119",
    )


def _approved(profile, team, leader, hours: int):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=5)
    activity = factories.activity(team=team, start=start, hours=hours)
    record = services._record_create(
        profile=profile,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=hours),
        origin="group",
        title="社区消防宣传",
        area=team.area,
        activity=activity,
    )
    services.service_record_approve(records=[record], by=leader)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pdf_images(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


def _qr_codes(path: Path, tmp_path: Path) -> list[str]:
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(prefix)], check=True
    )
    [png] = list(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_certificate_pdf_holds_masked_id_hours_and_a_verifying_qr(
    private_media, settings_xc, profile, team, leader, tmp_path, django_capture_on_commit_callbacks
):
    _approved(profile, team, leader, 3)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.volunteer_certificate_issue(user=profile.user)
    certificate.refresh_from_db()

    assert certificate.kind == CertificateKind.VOLUNTEER_SERVICE
    assert certificate.number.startswith(f"XC-ZY-{timezone.localdate().year}-")
    path = Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf
    text = _pdf_text(path)
    assert profile.person.id_number_masked in text
    assert profile.person.id_number not in text
    assert profile.number in text
    assert "3" in text and certificate.number in text
    for value in ("西城区消防志愿服务总队", "刘建国", "陈晓红", "010-66001119"):
        assert value in text
    assert _qr_codes(path, tmp_path) == [portal_services.certificate_verify_url(certificate=certificate)]
    assert [row[2] for row in _pdf_images(path)] == ["image"]  # no seal configured, none printed


def test_the_districts_seal_is_printed_on_the_certificate(
    private_media, settings, tmp_path, district, profile, team, leader, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    image = seal.seal_image(title="西城区印章", text="西城区消防志愿服务总队", file_name="seal-xc.png")
    services.certificate_setting_save(
        district=district,
        by=None,
        issuer_name="西城区消防志愿服务总队",
        person_in_charge="刘建国",
        handler="陈晓红",
        contact="010-66001119",
        seal_image=image,
    )
    _approved(profile, team, leader, 3)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.volunteer_certificate_issue(user=profile.user)
    certificate.refresh_from_db()

    assert certificate.seal == image.file.name
    path = Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf
    rows = _pdf_images(path)
    assert len([row for row in rows if row[2] == "image"]) == 2  # QR code and seal
    assert any(row[2] == "image" and row[3:5] == ["320", "320"] for row in rows)  # the seal, scaled
    text = _pdf_text(path)
    for value in ("西城区消防志愿服务总队", "刘建国", "陈晓红", "010-66001119", certificate.number):
        assert value in text  # the stamp lies over the issuer's lines without hiding them


def test_same_hours_same_certificate_new_hours_new_one(private_media, settings_xc, profile, team, leader):
    _approved(profile, team, leader, 2)
    first = services.volunteer_certificate_issue(user=profile.user)
    assert services.volunteer_certificate_issue(user=profile.user) == first
    _approved(profile, team, leader, 1)
    second = services.volunteer_certificate_issue(user=profile.user)
    assert second != first
    assert ServiceCertificate.objects.get(certificate=second).hours == Decimal("3.00")
    assert Certificate.objects.count() == 2


def test_no_hours_no_certificate(private_media, settings_xc, profile):
    with pytest.raises(PortalError) as error:
        services.volunteer_certificate_issue(user=profile.user)
    assert error.value.code == "NO_APPROVED_HOURS"


def test_district_without_settings_cannot_issue(private_media, profile, team, leader):
    _approved(profile, team, leader, 1)
    with pytest.raises(PortalError) as error:
        services.volunteer_certificate_issue(user=profile.user)
    assert error.value.code == "CERTIFICATE_SETTINGS_MISSING"


def test_public_verification_shows_masked_data_only(
    client, private_media, settings_xc, profile, team, leader
):
    _approved(profile, team, leader, 2)
    certificate = services.volunteer_certificate_issue(user=profile.user)
    answer = client.get(
        f"/api/v1/certificates/{certificate.number}", {"code": certificate.verification_code}
    ).json()
    assert answer["holder_id"] == profile.person.id_number_masked
    assert profile.person.name not in str(answer)
