import datetime
import io
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone
from PIL import Image, ImageDraw

from portal import pdf, services
from portal.errors import PermissionDenied, PortalError
from portal.models import AuditEntry, Certificate, CertificateKind, CertificateSerial, OutboxMessage, Person
from portal.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

DETAILS = [
    {
        "heading": "培训信息",
        "lines": [["培训项目", "一警六员实操实训（灭火器灭真火）"], ["考核结果", "合格"]],
    }
]


@pytest.fixture
def issue(district, private_media, django_capture_on_commit_callbacks):
    """Issue a certificate and run its on-commit PDF job, as a committed request would."""

    def issue_certificate(
        *,
        holder: Person,
        source=None,
        kind: str = CertificateKind.TRAINING,
        in_district=None,
        issued_on: datetime.date | None = None,
    ) -> Certificate:
        with django_capture_on_commit_callbacks(execute=True):
            certificate = services.certificate_issue(
                kind=kind,
                district=in_district or district,
                holder=holder,
                title="一警六员实操实训合格证书",
                issuer_name="北京市西城区消防救援支队",
                details=DETAILS,
                source=source or holder,
                issued_on=issued_on,
            )
        certificate.refresh_from_db()
        return certificate

    return issue_certificate


@pytest.fixture
def certificate(issue, person) -> Certificate:
    return issue(holder=person)


def _pdf_path(certificate: Certificate) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _qr_codes(path: Path, tmp_path: Path) -> list[str]:
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(prefix)], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    with Image.open(png) as image:
        return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


# ------------------------------------------------------------------------------
# Issuing
# ------------------------------------------------------------------------------
def test_certificates_are_numbered_per_district_kind_and_year(issue, person, other_district):
    year = timezone.localdate().year
    second_holder = PersonFactory()

    first = issue(holder=person)
    second = issue(holder=second_holder)
    volunteer_record = issue(holder=person, kind=CertificateKind.VOLUNTEER_SERVICE)
    other_district_one = issue(holder=PersonFactory(), in_district=other_district)

    assert first.number == f"XC-PX-{year}-000001"
    assert second.number == f"XC-PX-{year}-000002"
    assert volunteer_record.number == f"XC-ZY-{year}-000001"
    assert other_district_one.number == f"HP-PX-{year}-000001"


def test_numbering_restarts_each_year(issue, person):
    last_year = issue(holder=person, issued_on=datetime.date(2025, 12, 31))
    this_year = issue(holder=PersonFactory(), issued_on=datetime.date(2026, 1, 1))
    next_in_2025 = issue(holder=PersonFactory(), issued_on=datetime.date(2025, 6, 1))

    assert last_year.number == "XC-PX-2025-000001"
    assert this_year.number == "XC-PX-2026-000001"
    assert next_in_2025.number == "XC-PX-2025-000002"


def test_issuing_again_for_the_same_source_returns_the_first_certificate(issue, person):
    first = issue(holder=person)

    again = issue(holder=person)

    assert again.pk == first.pk
    assert again.number == first.number
    assert Certificate.objects.count() == 1
    assert CertificateSerial.objects.get().last == 1
    assert AuditEntry.objects.filter(action="portal.certificate.issued").count() == 1
    assert OutboxMessage.objects.count() == 1


def test_certificate_shows_the_holder_masked_and_is_valid(certificate, person):
    assert certificate.holder == person
    assert certificate.holder_name_masked == "张*明"
    assert certificate.holder_id_masked == person.id_number_masked
    assert person.id_number not in certificate.holder_id_masked
    assert certificate.status == Certificate.Status.VALID
    assert len(certificate.verification_code) == 8
    entry = AuditEntry.objects.get(action="portal.certificate.issued")
    assert entry.target == certificate
    assert entry.data == {"number": certificate.number, "kind": CertificateKind.TRAINING}


# ------------------------------------------------------------------------------
# The PDF
# ------------------------------------------------------------------------------
def test_pdf_is_rendered_after_commit_with_masked_holder_number_and_code(certificate, person, private_media):
    path = _pdf_path(certificate)
    assert path.is_file()
    assert path.is_relative_to(private_media)
    assert OutboxMessage.objects.get().sent_at is not None

    text = _pdf_text(path)

    assert "张*明" in text
    assert "张晓明" not in text
    assert certificate.number in text
    assert person.id_number_masked in text
    assert "一警六员实操实训（灭火器灭真火）" in text
    assert certificate.verification_code in text
    assert person.id_number not in text
    assert person.phone not in text


def test_pdf_qr_code_links_to_the_verification_page_and_carries_no_personal_data(
    certificate, person, tmp_path
):
    (url,) = _qr_codes(_pdf_path(certificate), tmp_path)

    assert url == (
        f"{settings.PORTAL_BASE_URL}/certificates/verify/"
        f"?n={certificate.number}&c={certificate.verification_code}"
    )
    for secret in (person.id_number, person.id_number[-4:], person.phone, person.name):
        assert secret not in url


def test_rendering_again_keeps_the_file_as_it_is(certificate):
    path = _pdf_path(certificate)
    content = path.read_bytes()

    assert services.certificate_render(certificate_id=certificate.pk) == path
    assert path.read_bytes() == content
    assert list(path.parent.iterdir()) == [path]  # no partial files left behind


def _pdf_images(path: Path) -> list[list[str]]:
    """Rows of ``pdfimages -list``: page, num, type, width, height, … (header lines dropped)."""
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


def _red_disc_png() -> bytes:
    image = Image.new("RGBA", (120, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 116, 116), outline=(200, 16, 24, 255), width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_certificate_without_a_seal_holds_only_the_qr_image(certificate):
    rows = _pdf_images(_pdf_path(certificate))

    assert [row[2] for row in rows] == ["image"]  # the QR code, as before seals existed


def test_the_issuers_seal_is_printed_and_the_text_still_reads_back(
    person, district, private_media, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    name = default_storage.save("seals/xc.png", ContentFile(_red_disc_png()))
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue(
            kind=CertificateKind.TRAINING,
            district=district,
            holder=person,
            title="一警六员实操实训合格证书",
            issuer_name="北京市西城区消防救援支队",
            details=DETAILS,
            source=person,
            seal=name,
        )
    certificate.refresh_from_db()
    path = _pdf_path(certificate)

    rows = _pdf_images(path)
    images = [row for row in rows if row[2] == "image"]
    assert len(images) == 2  # the QR code and the seal
    assert any(row[3:5] == ["120", "120"] for row in images)  # the seal, at its own size
    assert any(row[2] == "smask" for row in rows)  # its transparency kept: the text shows through
    text = _pdf_text(path)
    assert "北京市西城区消防救援支队" in text
    assert certificate.number in text


def test_a_seal_deleted_since_issuing_leaves_the_certificate_printable(
    person, district, private_media, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    certificate = services.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=district,
        holder=person,
        title="一警六员实操实训合格证书",
        issuer_name="北京市西城区消防救援支队",
        details=DETAILS,
        source=person,
        seal="seals/gone.png",
    )

    path = services.certificate_render(certificate_id=certificate.pk)

    assert [row[2] for row in _pdf_images(path)] == ["image"]
    assert certificate.number in _pdf_text(path)


def test_no_pdf_until_the_issuing_transaction_commits(person, district, private_media):
    certificate = services.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=district,
        holder=person,
        title="一警六员实操实训合格证书",
        issuer_name="北京市西城区消防救援支队",
        details=DETAILS,
        source=person,
    )

    assert Certificate.objects.get(pk=certificate.pk).pdf == ""
    assert OutboxMessage.objects.get().sent_at is None


def test_rendering_without_a_cjk_font_fails_loudly_and_names_the_package(person, district, private_media):
    certificate = services.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=district,
        holder=person,
        title="一警六员实操实训合格证书",
        issuer_name="北京市西城区消防救援支队",
        details=DETAILS,
        source=person,
    )

    with override_settings(CJK_FONT_PATH="/nonexistent.ttc"), pytest.raises(pdf.FontMissingError) as exc:
        services.certificate_render(certificate_id=certificate.pk)

    assert exc.value.code == "CJK_FONT_MISSING"
    assert "fonts-wqy-microhei" in exc.value.message
    assert Certificate.objects.get(pk=certificate.pk).pdf == ""
    assert not list(private_media.rglob("*.pdf"))


def test_healthz_reports_a_missing_cjk_font(client):
    with override_settings(CJK_FONT_PATH="/nonexistent.ttc"):
        response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["cjk_font"]["ok"] is False
    assert "fonts-wqy-microhei" in body["checks"]["cjk_font"]["install"]


# ------------------------------------------------------------------------------
# Public verification: page and API
# ------------------------------------------------------------------------------
def test_verification_page_shows_a_valid_certificate_with_the_holder_masked(client, certificate, person):
    response = client.get(
        "/certificates/verify/", {"n": certificate.number, "c": certificate.verification_code.lower()}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "verify-result--valid" in content
    assert "张*明" in content
    assert person.id_number_masked in content
    assert "张晓明" not in content
    assert person.id_number not in content
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("wrong_code", ["WRONGCOD", "", "23456789"])
def test_verification_page_with_a_wrong_code_is_404_and_shows_no_holder(client, certificate, wrong_code):
    response = client.get("/certificates/verify/", {"n": certificate.number, "c": wrong_code})

    content = response.content.decode()
    assert response.status_code == (404 if wrong_code else 200)
    assert "张*明" not in content
    assert "verify-result--valid" not in content


def test_verification_page_without_a_query_shows_the_form(client):
    response = client.get("/certificates/verify/")

    assert response.status_code == 200
    assert 'name="n"' in response.content.decode()
    assert "verify-result" not in response.content.decode()


def test_verification_page_shows_a_revoked_certificate_as_revoked(client, certificate, district_admin):
    services.certificate_revoke(certificate=certificate, by=district_admin, reason="考核成绩录入错误")

    response = client.get(
        "/certificates/verify/", {"n": certificate.number, "c": certificate.verification_code}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "verify-result--revoked" in content
    assert "verify-result--valid" not in content


def test_api_returns_the_certificate_with_the_holder_masked(client, certificate, person):
    response = client.get(
        f"/api/v1/certificates/{certificate.number}", {"code": certificate.verification_code}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == certificate.number
    assert body["status"] == "valid"
    assert body["holder"] == "张*明"
    assert body["holder_id"] == person.id_number_masked
    assert body["district"] == "西城区"
    assert body["kind"] == CertificateKind.TRAINING
    assert body["revoked_at"] is None
    assert person.id_number not in response.content.decode()
    assert "张晓明" not in response.content.decode()


def test_api_with_a_wrong_code_is_404_with_a_stable_error_code(client, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.number}", {"code": "WRONGCOD"})

    assert response.status_code == 404
    assert response.json()["code"] == "CERTIFICATE_NOT_FOUND"
    assert "张*明" not in response.content.decode()


def test_api_shows_revocation(client, certificate, district_admin):
    services.certificate_revoke(certificate=certificate, by=district_admin, reason="考核成绩录入错误")

    body = client.get(
        f"/api/v1/certificates/{certificate.number}", {"code": certificate.verification_code}
    ).json()

    assert body["status"] == "revoked"
    assert body["revoked_at"] is not None


# ------------------------------------------------------------------------------
# Revocation
# ------------------------------------------------------------------------------
def test_district_admin_revokes_with_a_reason_and_it_is_audited(certificate, district_admin):
    services.certificate_revoke(certificate=certificate, by=district_admin, reason="  考核成绩录入错误 ")

    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_at is not None
    assert certificate.revoked_by == district_admin
    assert certificate.revoke_reason == "考核成绩录入错误"
    entry = AuditEntry.objects.get(action="portal.certificate.revoked")
    assert entry.actor == district_admin
    assert entry.target == certificate
    assert entry.area == certificate.district
    assert entry.data == {"number": certificate.number, "reason": "考核成绩录入错误"}


def test_superuser_may_revoke(certificate, superuser):
    services.certificate_revoke(certificate=certificate, by=superuser, reason="重复发放")

    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.REVOKED


@pytest.mark.parametrize(
    "user_fixture",
    [
        "other_district_coordinator",
        "other_district_admin",
        "resident",
        "volunteer",
        "street_coordinator",  # a street of the same district: revocation is the district's call
    ],
)
def test_anyone_but_the_districts_admin_is_refused(request, certificate, user_fixture):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(PermissionDenied) as exc:
        services.certificate_revoke(certificate=certificate, by=user, reason="无")

    assert exc.value.code == "CERTIFICATE_REVOKE_FORBIDDEN"
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
    assert not AuditEntry.objects.filter(action="portal.certificate.revoked").exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_revocation_needs_a_reason(certificate, district_admin, reason):
    with pytest.raises(PortalError) as exc:
        services.certificate_revoke(certificate=certificate, by=district_admin, reason=reason)

    assert exc.value.code == "REASON_REQUIRED"
    assert exc.value.field == "reason"
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID


def test_revoking_twice_is_refused(certificate, district_admin):
    services.certificate_revoke(certificate=certificate, by=district_admin, reason="考核成绩录入错误")

    with pytest.raises(PortalError) as exc:
        services.certificate_revoke(certificate=certificate, by=district_admin, reason="再次撤销")

    assert exc.value.code == "CERTIFICATE_ALREADY_REVOKED"
    assert AuditEntry.objects.filter(action="portal.certificate.revoked").count() == 1
    assert Certificate.objects.get(pk=certificate.pk).revoke_reason == "考核成绩录入错误"


# ------------------------------------------------------------------------------
# Download
# ------------------------------------------------------------------------------
def _download(client, certificate: Certificate):
    response = client.get(f"/certificates/{certificate.number}.pdf")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return response, body


@pytest.mark.parametrize("user_fixture", ["resident", "district_admin", "superuser"])
def test_holder_and_district_staff_download_the_pdf(client, request, certificate, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))  # the resident fixture is the holder

    response, body = _download(client, certificate)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{certificate.number}.pdf" in response["Content-Disposition"]
    assert body == _pdf_path(certificate).read_bytes()


@pytest.mark.parametrize(
    "user_fixture",
    ["volunteer", "other_street_coordinator", "other_district_admin", "other_district_coordinator"],
)
def test_anyone_else_gets_404(client, request, certificate, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    response, body = _download(client, certificate)

    assert response.status_code == 404
    assert not body.startswith(b"%PDF")


def test_anonymous_visitor_gets_404(client, certificate):
    response, body = _download(client, certificate)

    assert response.status_code == 404
    assert not body.startswith(b"%PDF")


def test_download_before_the_pdf_exists_is_404(client, person, district, resident, private_media):
    certificate = services.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=district,
        holder=person,
        title="一警六员实操实训合格证书",
        issuer_name="北京市西城区消防救援支队",
        details=DETAILS,
        source=person,
    )
    client.force_login(resident)

    response, _body = _download(client, certificate)

    assert response.status_code == 404
