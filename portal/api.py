"""The one JSON API router, /api/v1/. Token (``Authorization: Bearer``) or browser session."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.security import HttpBearer, django_auth

from portal import crypto, ratelimit, selectors
from portal.errors import PortalError
from portal.models import ApiToken, User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=crypto.keyed_hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(
    title="消防宣教与志愿服务平台 API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
AUTH = [BearerToken(), django_auth]


class ErrorOut(Schema):
    code: str
    message: str


@api.exception_handler(PortalError)
def portal_error(request, exc: PortalError):
    return api.create_response(request, {"code": exc.code, "message": exc.message}, status=exc.status)


class CertificateOut(Schema):
    number: str
    kind: str
    kind_label: str
    title: str
    status: str
    holder: str
    holder_id: str
    issuer: str
    issued_on: str
    revoked_at: str | None
    district: str


@api.get(
    "/certificates/{number}",
    response={200: CertificateOut, 404: ErrorOut, 429: ErrorOut},
    tags=["certificates"],
    summary="Verify a certificate by its number and verification code",
)
def certificate_get(request, number: str, code: str):
    """Public. Both the number and the verification code printed beside it are needed, so
    guessing numbers reveals nothing; the holder is shown masked. Rate-limited per IP and account
    (429 ``RATE_LIMITED``), so the code cannot be guessed either."""
    ratelimit.check_request(request, scope="certificate_verify")
    certificate = selectors.certificate_for_verification(number=number, verification_code=code)
    if certificate is None:
        return Status(
            404,
            {
                "code": "CERTIFICATE_NOT_FOUND",
                "message": _("No certificate matches this number and verification code."),
            },
        )
    return Status(
        200,
        {
            "number": certificate.number,
            "kind": certificate.kind,
            "kind_label": str(certificate.get_kind_display()),
            "title": certificate.title,
            "status": certificate.status,
            "holder": certificate.holder_name_masked,
            "holder_id": certificate.holder_id_masked,
            "issuer": certificate.issuer_name,
            "issued_on": certificate.issued_on.isoformat(),
            "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
            "district": certificate.district.name,
        },
    )


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    area: str | None
    phone: str


@api.get("/me", response=MeOut, auth=AUTH, tags=["accounts"], summary="Who the caller is")
def me(request):
    user = request.auth
    return {
        "username": user.username,
        "display_name": str(user),
        "roles": sorted(user.role_codes),
        "area": user.area.name if user.area_id else None,
        "phone": user.phone_masked,
    }


class AreaOut(Schema):
    id: int
    name: str
    code: str
    level: str
    parent_id: int | None


@api.get("/areas", response=list[AreaOut], auth=AUTH, tags=["areas"], summary="Areas the caller may act in")
def areas(request):
    return list(
        selectors.areas_visible_to(user=request.auth).values("id", "name", "code", "level", "parent_id")
    )


api.add_router("/stats/", "home.api.router")
api.add_router("/volunteers/", "volunteers.api.router")
api.add_router("/quizzes", "courses.api.quizzes_router")
api.add_router("/courses", "courses.api.courses_router")
api.add_router("/training/", "training.api.router")
api.add_router("/", "training.api.checkin_router")
