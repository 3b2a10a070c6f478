"""Uploads: only the allowed types and sizes, each refusal with a Chinese message and nothing
stored; private documents only through Wagtail's permission-checking view."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction

from portal.tests.conftest import *  # noqa: F403 - the kernel's area tree and staff
from portal.tests.factories import wagtail_root

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def _errors(response) -> str:
    return " ".join(re.findall(r'class="error-message"[^>]*>(.*?)</', response.content.decode(), re.S)) or (
        " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S))
    )


@pytest.fixture
def admin_client(client, superuser):
    wagtail_root()
    client.force_login(superuser)
    return client


@pytest.mark.parametrize(
    ("name", "content"),
    [("evil.svg", SVG), ("evil.html", HTML), ("page.png", HTML), ("evil.svgz", SVG)],
)
def test_image_upload_refuses_svg_html_and_fake_images(admin_client, name, content):
    """SVG and HTML (also HTML named .png) are refused by the image upload, in Chinese; nothing stored."""
    response = admin_client.post(
        "/admin/images/add/",
        {
            "title": "恶意",
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    assert CJK.search(_errors(response)), _errors(response)
    assert get_image_model().objects.count() == 0


def test_image_upload_refuses_an_oversized_file_and_accepts_a_png(admin_client, settings):
    """Above WAGTAILIMAGES_MAX_UPLOAD_SIZE the image is refused with its message; a small PNG is stored."""
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    root = Collection.get_first_root_node().pk
    response = admin_client.post(
        "/admin/images/add/",
        {"title": "大图", "file": SimpleUploadedFile("big.png", _png((64, 64))), "collection": root},
    )
    assert "100" in _errors(response) and CJK.search(_errors(response))
    assert get_image_model().objects.count() == 0
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
    response = admin_client.post(
        "/admin/images/add/",
        {"title": "印章", "file": SimpleUploadedFile("seal.png", _png()), "collection": root},
    )
    assert response.status_code == 302
    assert get_image_model().objects.count() == 1


@pytest.mark.parametrize("name", ["evil.html", "evil.htm", "evil.svg", "evil.js", "evil.xhtml"])
def test_document_upload_refuses_html_svg_and_script(admin_client, name):
    """Documents that would run script when opened from our origin are refused, in Chinese."""
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": "恶意",
            "file": SimpleUploadedFile(name, HTML),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    assert CJK.search(_errors(response)), _errors(response)
    assert get_document_model().objects.count() == 0


def test_document_upload_is_size_capped(admin_client, settings):
    """Above WAGTAILDOCS_MAX_UPLOAD_SIZE a document is refused with its message."""
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 10
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": "大文件",
            "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 " + b"x" * 100),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert CJK.search(_errors(response)), _errors(response)
    assert get_document_model().objects.count() == 0


def test_question_import_refuses_other_types_and_large_files(admin_client, monkeypatch):
    """The question bank import takes only .xlsx up to 5 MB, refusing with a Chinese message."""
    from courses import wagtail_hooks
    from courses.models import Question

    response = admin_client.post(
        "/admin/courses/questions/import/", {"file": SimpleUploadedFile("bank.html", HTML)}
    )
    assert "请上传 Excel .xlsx 格式的题库文件。" in response.content.decode()
    monkeypatch.setattr(wagtail_hooks, "MAX_IMPORT_BYTES", 10)
    response = admin_client.post(
        "/admin/courses/questions/import/", {"file": SimpleUploadedFile("bank.xlsx", b"PK" + b"x" * 100)}
    )
    assert "文件超过 5 MB" in response.content.decode()
    assert Question.objects.count() == 0


def test_private_documents_are_served_only_through_the_checking_view(client, settings, tmp_path):
    """A document in a log-in-only collection: anonymous visitors are sent to log in by Wagtail's
    serve view, and the file's media path is not served by the application at all."""
    settings.MEDIA_ROOT = tmp_path
    wagtail_root()
    root = Collection.get_first_root_node()
    private = root.add_child(name="内部资料")
    CollectionViewRestriction.objects.create(collection=private, restriction_type="login")
    document = get_document_model().objects.create(
        title="内部", file=ContentFile(b"%PDF-1.4 secret", name="internal.pdf"), collection=private
    )
    response = client.get(document.url)
    assert document.url.startswith("/documents/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(settings.MEDIA_URL + document.file.name).status_code == 404


def test_served_documents_cannot_run_script_in_our_origin(client, settings, tmp_path):
    """Wagtail serves a document with its own lock-down policy (``default-src 'none'``),
    which our CSP middleware keeps, and with nosniff: even a text file full of markup cannot run."""
    settings.MEDIA_ROOT = tmp_path
    wagtail_root()
    document = get_document_model().objects.create(
        title="说明", file=ContentFile(HTML, name="notes.txt"), collection=Collection.get_first_root_node()
    )
    response = client.get(document.url)
    b"".join(response.streaming_content)
    response.close()  # the file handle of the streamed document
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
