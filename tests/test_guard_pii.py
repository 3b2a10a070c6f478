"""Personal data: no full ID number or phone in any page, API answer, export (xlsx), PDF
(pdftotext), QR code (decoded with zxing-cpp), URL or log line, for any role — the portal shows
them masked to everyone; the full ID number only comes out of the audited
``portal.services.person_reveal_id_number``, which is tested here too.

The world's ID numbers and phones are distinctive (tests/guard_world.py); every artefact the
test collects is grepped for each of them."""

import io
import logging
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portal import services as portal_services
from portal.errors import PermissionDenied, PortalError
from portal.logging import MaskPIIFilter
from portal.models import AuditEntry, Role
from tests import guard_matrix as m
from tests.guard_world import module_fixture
from tests.test_guard_matrix import _call, _client, all_rows

pytestmark = pytest.mark.django_db
guard_world = module_fixture(courses=True)


class Collector(logging.Handler):
    """Every log record at DEBUG, as the configured console handler would write it (its PII
    filter applied) and raw (what any other handler would get)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.masked: list[str] = []
        self.raw: list[str] = []
        self._mask = MaskPIIFilter()

    def emit(self, record):
        message = record.getMessage()
        self.raw.append(f"{record.name} {message}")
        copy = logging.makeLogRecord(record.__dict__)
        self._mask.filter(copy)
        self.masked.append(f"{record.name} {copy.getMessage()}")


@pytest.fixture
def logs():
    handler = Collector()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def _texts(response) -> list[str]:
    """The text a reader could get out of a response: HTML/JSON, xlsx cells, PDF text, QR payloads."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind or (content[:2] == b"PK" and b"xl/" in content[:2000]):
        return [_xlsx_text(content)]
    if "zip" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [_pdf_text(archive.read(name)) for name in archive.namelist()]
    if "pdf" in kind:
        return [_pdf_text(content)]
    if kind.startswith("image/png"):
        return [_qr_text(content)]
    return [content.decode("utf-8", "replace")]


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join("" if v is None else str(v) for v in row)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
    )


def _pdf_text(content: bytes) -> str:
    if not content.startswith(b"%PDF") or len(content) < 200:
        return ""  # the matrix world's placeholder files
    result = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return result.stdout.decode("utf-8", "replace")


def _qr_text(content: bytes) -> str:
    import zxingcpp
    from PIL import Image

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(content)))
    assert decoded, "a QR image the scanner cannot read"
    return " ".join(code.text for code in decoded)


def _leaks(world, texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        flat = text.replace(" ", "").replace("-", "")
        for secret in world.secret_ids + world.secret_phones:
            if secret in flat:
                found.append(secret)
    return found


EXPORTS = [
    # (role, url name, kwargs, query): every export and download of ours
    (Role.DISTRICT_ADMIN, "volunteers:district_export", {"kind": "roster"}, ""),
    (Role.DISTRICT_ADMIN, "volunteers:district_export", {"kind": "hours"}, ""),
    (Role.DISTRICT_ADMIN, "training:dashboard", {}, "?format=xlsx"),
    (Role.DISTRICT_ADMIN, "courses:dashboard", {}, "?format=xlsx"),
    (Role.DISTRICT_ADMIN, "home_coverage", {}, "?format=xlsx"),
    (Role.TRAINER, "training:session_certificates_zip", "session", ""),
    (Role.UNIT_MANAGER, "training:unit_certificates_zip", "organisation", ""),
    (Role.RESIDENT, "certificate_download", "certificate", ""),
    (Role.VOLUNTEER, "volunteers:my_qr", {}, ""),
    (Role.TEAM_LEADER, "volunteers:activity_qr_png", "activity", ""),
]


@pytest.fixture
def rendered_pdf(guard_world, settings, tmp_path):
    """The own side's certificate rendered for real by the kernel (names and IDs masked)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    certificate = guard_world.own.certificate
    type(certificate).objects.filter(pk=certificate.pk).update(pdf="")
    try:
        portal_services.certificate_render(certificate_id=certificate.pk)
    except PortalError as error:
        pytest.skip(f"no CJK font here: {error.code}")
    return certificate


def test_no_full_id_or_phone_in_any_page_api_answer_export_pdf_qr_or_log(guard_world, logs, rendered_pdf):
    """Every GET of the matrix for every role, every export and download, QR images decoded, the
    certificate PDF as text, every URL visited and every log line at DEBUG: no full number."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (poppler-utils)")
    collected: list[tuple[str, str]] = []  # (where, text)
    for row in all_rows():
        if row.method != m.GET or row.extra.get("skip"):
            continue
        # Snippet views: only roles with admin access see more than the log-in page.
        roles = m.ROLES_ORDER if not row.extra.get("area_only") else sorted(m.ADMIN_ACCESS, key=str)
        for role in roles:
            client = _client(guard_world, role)
            with transaction.atomic():
                response = _call(client, row, guard_world, "own")
                transaction.set_rollback(True)
            collected.append((f"{role} {row.name} URL", response.request["PATH_INFO"]))
            collected += [(f"{role} {row.name}", text) for text in _texts(response)]
    kwargs_of = {
        "session": {"session_id": guard_world.own.session.pk},
        "organisation": {"organisation_id": guard_world.own.organisation.pk},
        "certificate": {"number": guard_world.own.certificate.number},
        "activity": {"pk": guard_world.own.activity.pk},
    }
    for role, name, kwargs, query in EXPORTS:
        client = _client(guard_world, role)
        url = reverse(name, kwargs=kwargs_of.get(kwargs, kwargs) if isinstance(kwargs, str) else kwargs)
        response = client.get(url + query)
        assert response.status_code == 200, (role, name, response.status_code)
        collected += [(f"export {role} {name}{query}", text) for text in _texts(response)]
    pdf_text = _pdf_text(
        (Path(rendered_pdf_root(rendered_pdf)) / rendered_pdf_path(rendered_pdf)).read_bytes()
    )
    assert rendered_pdf.number in pdf_text  # the PDF really was read
    collected.append(("certificate PDF", pdf_text))
    qr_texts = [text for where, text in collected if where.startswith("export") and "qr" in where]
    assert qr_texts and all(text.count(".") == 2 for text in qr_texts)  # a signed code, nothing else

    leaks = [(where, secret) for where, text in collected for secret in _leaks(guard_world, [text])]
    assert not leaks, leaks
    log_leaks = _leaks(guard_world, logs.masked)
    assert not log_leaks, f"log lines with a full number: {log_leaks}"


def rendered_pdf_root(certificate):
    from django.conf import settings

    return settings.PRIVATE_MEDIA_ROOT


def rendered_pdf_path(certificate):
    certificate.refresh_from_db()
    return certificate.pdf


def test_no_service_logs_a_full_number_even_before_the_log_filter(guard_world, logs):
    """Sending an SMS, booking, registering: the raw log records (before the console's masking
    filter) carry no full number either, so a handler without the filter cannot leak them."""
    from portal import sms

    phone = guard_world.secret_phones[0]
    sms.sms_send(phone=phone, text="测试短信")
    Client().post(reverse("account_request_login_code"), {"phone": phone})
    assert not _leaks(guard_world, logs.raw), [line for line in logs.raw if _leaks(guard_world, [line])]


def test_revealing_a_full_id_number_is_audited_and_limited_to_staff_with_the_right(guard_world):
    person = guard_world.own.trainee
    coordinator = guard_world.own.staff[Role.STREET_COORDINATOR]
    number = portal_services.person_reveal_id_number(person=person, viewer=coordinator, reason="核对培训报名")
    assert number == guard_world.secret_ids[0]
    entry = AuditEntry.objects.filter(action="portal.person.id_number_viewed").latest("pk")
    assert entry.actor == coordinator
    assert entry.target == person
    assert number not in str(entry.data)
    refused = [
        guard_world.own.staff[Role.EDITOR],
        guard_world.own.staff[Role.TEAM_LEADER],
        guard_world.own.staff[Role.TRAINER],
        guard_world.own.staff[Role.UNIT_MANAGER],
        guard_world.other.staff[Role.DISTRICT_ADMIN],
        guard_world.users[Role.RESIDENT],
    ]
    before = AuditEntry.objects.filter(action="portal.person.id_number_viewed").count()
    for viewer in refused:
        with pytest.raises(PermissionDenied) as exc:
            portal_services.person_reveal_id_number(person=person, viewer=viewer, reason="好奇")
        assert exc.value.code == "PII_FORBIDDEN", viewer
    assert AuditEntry.objects.filter(action="portal.person.id_number_viewed").count() == before
