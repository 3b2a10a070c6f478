"""Rate limits: scans, certificate verification, quiz start and allauth's log-in, keyed on the
real client IP behind a trusted proxy (``portal.clientip``) and on the account."""

import json

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from portal import clientip, ratelimit
from portal import services as portal_services
from tests.guard_world import PASSWORD, module_fixture

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
guard_world = module_fixture()


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


# ------------------------------------------------------------------------------
# portal.clientip
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.7", None, "203.0.113.7"),
        # Without trusted proxies the header is anyone's to write: ignored.
        ([], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # A peer that is not our proxy cannot speak for someone else either.
        ([PROXY], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # Behind our proxy: the hop it appended.
        ([PROXY], PROXY, "198.51.100.1", "198.51.100.1"),
        # A forged hop on the left is the client's own writing: the proxy's hop wins.
        ([PROXY], PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two proxies of ours (a network): both skipped.
        (["10.0.0.0/8"], PROXY, "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        ([PROXY], PROXY, "garbage, 198.51.100.1", "198.51.100.1"),
        ([PROXY], PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        ([PROXY], PROXY, "", PROXY),
    ],
)
def test_client_ip_believes_x_forwarded_for_only_from_trusted_proxies(
    settings, proxies, remote, forwarded, expected
):
    """The rate limits' client address cannot be chosen by the client."""
    settings.TRUSTED_PROXIES = proxies
    assert clientip.client_ip(_request(remote, forwarded)) == expected


def test_rate_strings_are_parsed_like_allauths():
    assert ratelimit.parse("120/m/user, 600/5m/ip") == [
        ratelimit.Rate(120, 60, "user"),
        ratelimit.Rate(600, 300, "ip"),
    ]
    with pytest.raises(ValueError):
        ratelimit.parse("ten/m/ip")


def test_production_rates_cover_every_limited_scope():
    for scope in ("scan", "certificate_verify", "quiz_start"):
        assert ratelimit.parse(ratelimit.DEFAULT_RATES[scope])


# ------------------------------------------------------------------------------
# Scans
# ------------------------------------------------------------------------------
def _api(client: Client, user, **extra) -> Client:
    token = portal_services.api_token_issue(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _checkin(client: Client, world, code: str, nonce: str, **meta):
    return client.post(
        "/api/v1/checkin",
        data=json.dumps({"code": code, "nonce": nonce, "session": world.own.session.pk}),
        content_type="application/json",
        **meta,
    )


def test_api_checkin_is_limited_per_scanner(settings, guard_world):
    """Guessing codes through the scan API stops after the account's quota (429 RATE_LIMITED),
    whichever address the guesses come from."""
    settings.PORTAL_RATE_LIMITS = {"scan": "3/m/user"}
    client = _api(Client(), guard_world.users["trainer"])
    answers = [
        _checkin(client, guard_world, f"guess{i}.0.aaaa", f"n{i}", REMOTE_ADDR=f"198.51.100.{i}")
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.json()["result"] for a in answers[:3]] == ["invalid_code"] * 3
    assert answers[3].json()["code"] == "RATE_LIMITED"


def test_api_checkin_is_limited_per_client_ip_behind_the_proxy(settings, guard_world):
    """Per IP: the real client behind our proxy is counted, not the proxy (other clients go on)
    and not the address the client claims."""
    settings.PORTAL_RATE_LIMITS = {"scan": "2/m/ip"}
    settings.TRUSTED_PROXIES = [PROXY]
    client = _api(Client(), guard_world.users["trainer"])
    meta = {"REMOTE_ADDR": PROXY}
    first = [
        _checkin(
            client, guard_world, "x.0.a", f"a{i}", HTTP_X_FORWARDED_FOR=f"9.9.9.{i}, 198.51.100.7", **meta
        )
        for i in range(3)
    ]
    other_client = _checkin(client, guard_world, "x.0.a", "b0", HTTP_X_FORWARDED_FOR="198.51.100.8", **meta)
    assert [a.status_code for a in first] == [200, 200, 429]
    assert other_client.status_code == 200


def test_scan_pages_are_limited(settings, guard_world):
    """The trainer's scan page, the helpers' scan page, the volunteer's activity scan and the
    leader's sign-in desk all count against the same quota."""
    settings.PORTAL_RATE_LIMITS = {"scan": "1/m/user"}
    world = guard_world
    session = world.own.session
    cases = [
        (world.users["trainer"], reverse("training:checkin_scan", args=[session.pk])),
        (world.users["district_admin"], reverse("training:helpers_scan", args=[session.pk])),
        (world.own.volunteer_user, reverse("volunteers:scan")),
        (world.users["team_leader"], reverse("volunteers:activity_signin", args=[world.own.activity.pk])),
    ]
    for user, url in cases:
        client = Client()
        client.force_login(user)
        first = client.post(url, {"code": "nope"}, HTTP_ACCEPT="application/json")
        second = client.post(url, {"code": "nope"}, HTTP_ACCEPT="application/json")
        assert first.status_code in (200, 400), url
        assert second.status_code == 429, url
        assert second.json()["code"] == "RATE_LIMITED"
        page = client.post(url, {"code": "nope"})
        assert page.status_code == 429
        assert 'data-error-code="RATE_LIMITED"' in page.content.decode()


# ------------------------------------------------------------------------------
# Certificate verification
# ------------------------------------------------------------------------------
def test_certificate_verification_is_limited_per_ip(settings, guard_world):
    """Guessing verification codes stops at the quota: even the right code is refused then."""
    settings.PORTAL_RATE_LIMITS = {"certificate_verify": "3/m/ip"}
    certificate = guard_world.own.certificate
    client = Client()
    statuses = [
        client.get(reverse("certificate_verify"), {"n": certificate.number, "c": f"WRONG{i}"}).status_code
        for i in range(3)
    ]
    right = client.get(
        reverse("certificate_verify"), {"n": certificate.number, "c": certificate.verification_code}
    )
    api = client.get(f"/api/v1/certificates/{certificate.number}", {"code": certificate.verification_code})
    elsewhere = Client(REMOTE_ADDR="198.51.100.99").get(
        f"/api/v1/certificates/{certificate.number}", {"code": certificate.verification_code}
    )
    assert statuses == [404, 404, 404]
    assert right.status_code == 429
    assert api.status_code == 429
    assert api.json()["code"] == "RATE_LIMITED"
    assert elsewhere.status_code == 200


def test_certificate_verification_form_without_input_is_not_counted(settings):
    settings.PORTAL_RATE_LIMITS = {"certificate_verify": "1/m/ip"}
    client = Client()
    assert [client.get(reverse("certificate_verify")).status_code for _ in range(3)] == [200, 200, 200]


# ------------------------------------------------------------------------------
# Quiz start
# ------------------------------------------------------------------------------
@pytest.fixture
def quiz(guard_world):
    from courses.tests.factories import QuestionFactory, course_index, quiz_page

    for _ in range(12):
        QuestionFactory()
    return quiz_page(parent=course_index(district=guard_world.own.district), question_count=10)


def test_anonymous_quiz_starts_are_limited_per_ip(settings, quiz):
    """A caller without a learner key gets a new learner on every start, so the per-learner
    limit never counted it; the per-IP limit does, before any learner is made."""
    from courses.models import Learner

    settings.PORTAL_RATE_LIMITS = {"quiz_start": "3/m/ip"}
    learners_before = Learner.objects.count()
    answers = [Client().post(f"/api/v1/quizzes/{quiz.pk}/attempts") for _ in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert answers[3].json()["code"] == "RATE_LIMITED"
    assert Learner.objects.count() == learners_before + 3
    page = Client().post(reverse("courses:quiz_start", args=[quiz.pk]))
    assert page.status_code == 429


# ------------------------------------------------------------------------------
# allauth: log-in brute force, keyed on the real client behind the proxy
# ------------------------------------------------------------------------------
LOGIN_LIMITS = {"login_failed": "3/5m/ip,5/5m/key", "login": "30/m/ip"}


def test_allauth_sees_the_forwarded_client_only_behind_a_trusted_proxy(settings):
    from allauth.account.adapter import get_adapter

    settings.TRUSTED_PROXIES = [PROXY]
    adapter = get_adapter()
    assert adapter.get_client_ip(_request(PROXY, "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert adapter.get_client_ip(_request("203.0.113.7", "198.51.100.7")) == "203.0.113.7"


def test_production_settings_limit_login_and_sms_codes():
    """The production (base) settings limit failed log-ins per IP and per account and SMS codes
    per number and per IP (the test settings switch allauth's limits off)."""
    from portal.settings import base

    limits = base.ACCOUNT_RATE_LIMITS
    assert "/ip" in limits["login_failed"] and "/key" in limits["login_failed"]
    assert "/key" in limits["verify_phone"] and "/ip" in limits["verify_phone"]
    assert "/ip" in limits["login"]


def _login(client, login: str, password: str, forwarded: str):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failed_logins_are_limited_per_real_client_behind_the_proxy(settings, guard_world):
    """Password guessing from one client is stopped even when it forges X-Forwarded-For (past the
    quota even the right password is refused); another resident behind the same proxy logs in."""
    settings.ACCOUNT_RATE_LIMITS = LOGIN_LIMITS
    settings.TRUSTED_PROXIES = [PROXY]
    user = guard_world.users["plain"]
    attacker = Client()
    for i in range(3):
        _login(attacker, f"nobody{i}@example.org", "wrong-pass", f"7.7.7.{i}, 198.51.100.66")
    late = _login(attacker, user.email, PASSWORD, "8.8.8.8, 198.51.100.66")
    neighbour = Client()
    answer = _login(neighbour, user.email, PASSWORD, "198.51.100.67")
    assert late.status_code in (200, 429)
    assert not _logged_in(attacker)
    assert answer.status_code == 302
    assert _logged_in(neighbour)


def test_failed_logins_are_limited_per_account(settings, guard_world):
    """Guessing one account's password from many addresses stops at the per-account quota."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "100/5m/ip,2/5m/key"}
    settings.TRUSTED_PROXIES = [PROXY]
    user = guard_world.users["plain"]
    for i in range(2):
        _login(Client(), user.email, "wrong-pass", f"198.51.100.{i}")
    client = Client()
    right = _login(client, user.email, PASSWORD, "198.51.100.200")
    assert right.status_code == 200
    assert not _logged_in(client)


def _last_code() -> str:
    import re

    from portal.models import SMSMessage

    return re.search(r"\d{6}", SMSMessage.objects.order_by("-pk").first().text).group()


def test_sms_login_code_cannot_be_brute_forced(settings, guard_world):
    """Three wrong SMS codes end the attempt: the right code does not log in afterwards."""
    settings.ACCOUNT_RATE_LIMITS = {}
    phone = guard_world.secret_phones[0]
    client = Client()
    assert client.post(reverse("account_request_login_code"), {"phone": phone}).status_code == 302
    code = _last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        client.post(reverse("account_confirm_login_code"), {"code": wrong})
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert not _logged_in(client)


def test_sms_code_requests_are_limited_per_number(settings, guard_world):
    """Asking for log-in codes by SMS (each one costs money and opens a guess) is limited per
    number, whichever client asks: no SMS is sent past the quota."""
    from portal.models import SMSMessage

    settings.ACCOUNT_RATE_LIMITS = {"request_login_code": "2/m/key"}
    phone = guard_world.secret_phones[0]
    before = SMSMessage.objects.count()
    for i in range(4):
        Client(REMOTE_ADDR=f"198.51.100.{i}").post(reverse("account_request_login_code"), {"phone": phone})
    assert SMSMessage.objects.count() - before == 2
