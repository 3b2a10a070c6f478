"""Course certificate: issued when a logged-in resident finished the lessons and passed the quiz;
a real PDF (read back with pdftotext) whose QR code (decoded by zxingcpp) is the verification URL."""

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image

from courses import services
from courses.models import CourseCompletion, QuestionOption
from courses.tests.factories import course_with_lessons
from portal.models import Certificate
from portal.services import certificate_verify_url
from portal.tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def pass_quiz(learner, quiz):
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    answers = {
        str(item["q"]): list(
            QuestionOption.objects.filter(question_id=item["q"], is_correct=True).values_list("pk", flat=True)
        )
        for item in attempt.drawn
    }
    return services.attempt_submit(learner=learner, attempt_id=attempt.pk, answers=answers)


def test_certificate_issued_after_lessons_and_quiz_with_masked_holder_and_qr(
    index, bank, tmp_path, client, django_capture_on_commit_callbacks
):
    course, lessons, quiz = course_with_lessons(index=index, question_count=3, min_seconds=0)
    user = UserFactory()
    person = PersonFactory(name="张晓明", user=user)
    learner = services.learner_resolve(user=user, session={})
    services.lesson_complete(learner=learner, lesson=lessons[0])
    pass_quiz(learner, quiz)
    assert not Certificate.objects.exists()  # one lesson still to read
    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_complete(learner=learner, lesson=lessons[1])
    completion = CourseCompletion.objects.get(learner=learner, course=course)
    certificate = Certificate.objects.get()
    assert completion.certificate == certificate and certificate.holder == person
    assert certificate.number.startswith(f"{index.district.code.upper()}-KC-")
    assert certificate.holder_name_masked == "张*明"
    path = Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert certificate.number in text and certificate.holder_id_masked in text and "家庭防火" in text
    assert person.id_number not in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    (png,) = tmp_path.glob("p*.png")
    with Image.open(png) as image:
        codes = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    assert codes == [certificate_verify_url(certificate=certificate)]
    # Verifiable through the kernel API; issuing again changes nothing.
    body = client.get(
        f"/api/v1/certificates/{certificate.number}?code={certificate.verification_code}"
    ).json()
    assert body["holder"] == "张*明" and body["kind"] == "course"
    services.course_certificate_issue(completion_id=completion.pk)
    assert Certificate.objects.count() == 1


def test_no_certificate_for_anonymous_learners_or_accounts_without_real_name(
    index, bank, django_capture_on_commit_callbacks
):
    _course, lessons, quiz = course_with_lessons(index=index, question_count=2, min_seconds=0)
    anonymous = services.learner_resolve(user=None, session={})
    user = UserFactory()
    named_later = services.learner_resolve(user=user, session={})
    with django_capture_on_commit_callbacks(execute=True):
        for learner in (anonymous, named_later):
            for lesson in lessons:
                services.lesson_complete(learner=learner, lesson=lesson)
            pass_quiz(learner, quiz)
    assert CourseCompletion.objects.count() == 2 and not Certificate.objects.exists()
    PersonFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.course_certificates_issue_pending(user=user) == 1
    assert Certificate.objects.get().holder.user == user


def test_certificate_follows_when_the_account_registers_its_real_name_later(
    index, bank, client, django_capture_on_commit_callbacks
):
    """Completed while logged in without a Person: no certificate; the kernel's
    ``person_identified`` (sent by person_create with the account) issues it, verifiable by the API."""
    import datetime

    from portal import services as kernel
    from portal.tests.factories import resident_id_number

    course, lessons, quiz = course_with_lessons(index=index, question_count=3, min_seconds=0)
    user = UserFactory()
    learner = services.learner_resolve(user=user, session={})
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons:
            services.lesson_complete(learner=learner, lesson=lesson)
        assert pass_quiz(learner, quiz).passed
    completion = CourseCompletion.objects.get(learner=learner, course=course)
    assert completion.certificate is None and not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        person = kernel.person_create(
            name="李桂兰",
            id_number=resident_id_number(birth=datetime.date(1958, 4, 12), sequence=62),
            area=index.district,
            user=user,
        )
    completion.refresh_from_db()
    certificate = Certificate.objects.get()
    assert completion.certificate == certificate and certificate.holder == person
    assert certificate.kind == "course" and certificate.pdf
    response = client.get(f"/api/v1/certificates/{certificate.number}?code={certificate.verification_code}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == certificate.number and body["holder"] == "李*兰"
    assert body["status"] == "valid"
    # A second identification signal (person_link_user repeats) issues nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        kernel.person_link_user(person=person, user=user)
        assert services.course_certificates_issue_pending(user=user) == 0
    assert Certificate.objects.count() == 1
