"""Template helpers of the training pages: the booking's QR as inline SVG."""

import qrcode
import qrcode.image.svg
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def qr_svg(data: str, label: str = "") -> str:
    """An inline SVG QR code of ``data`` (a signed check-in code: no personal data in it).

    Inline, so the phone shows it without another request and it still shows offline once loaded.
    """
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=3,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    # Size by CSS instead of the library's millimetres; a white square behind the modules so
    # the code reads on a dark-mode screen too.
    head, _sep, rest = svg.partition(">")
    head = head.replace('width="', 'data-w="').replace('height="', 'data-h="')
    label_attr = f' role="img" aria-label="{escape(label)}"' if label else ' aria-hidden="true"'
    view_box = head.split('viewBox="', 1)[1].split('"', 1)[0]
    size = view_box.split()[2]
    background = f'<rect width="{size}" height="{size}" fill="#fff"/>'
    return mark_safe(f"{head}{label_attr}>{background}{rest}")  # noqa: S308 - generated SVG, label escaped


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` for dicts keyed by ids in the sign-off grid and dashboard tables."""
    if mapping is None:
        return None
    return mapping.get(key)
