from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal import health, ratelimit, selectors
from portal.forms import CertificateVerifyForm
from portal.models import Certificate


@never_cache
@require_GET
def healthz(request):
    payload, status = health.health()
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def certificate_verify(request):
    """Public: anyone holding a certificate's number and verification code may check it."""
    form = CertificateVerifyForm(request.GET or None)
    certificate = None
    searched = False
    if form.is_valid():
        try:
            ratelimit.check_request(request, scope="certificate_verify")
        except ratelimit.RateLimited as error:
            return ratelimit.too_many_response(request, error)
        searched = True
        certificate = selectors.certificate_for_verification(
            number=form.cleaned_data["n"], verification_code=form.cleaned_data["c"]
        )
    response = render(
        request,
        "portal/certificate_verify.html",
        {"form": form, "certificate": certificate, "searched": searched},
        status=404 if searched and certificate is None else 200,
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def certificate_download(request, number: str):
    """The PDF for its holder and for staff of the certificate's district who hold
    ``portal.view_certificate`` (district admins). Any staff role used to do: numbers are
    sequential, so an editor or a team leader could fetch every certificate of the district."""
    certificate = get_object_or_404(Certificate.objects.select_related("holder", "district"), number=number)
    user = request.user
    is_holder = user.is_authenticated and certificate.holder.user_id == user.pk
    is_staff = user.has_perm("portal.view_certificate") and selectors.user_can_act_in(
        user=user, area=certificate.district
    )
    if not (is_holder or is_staff):
        raise Http404
    if not certificate.pdf:
        raise Http404
    path = Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="application/pdf", filename=f"{certificate.number}.pdf")
