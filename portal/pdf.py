"""The one PDF renderer every certificate uses: an embedded CJK font and a QR code.

reportlab with an embedded TrueType font: about 30× faster per page than HTML-to-PDF, and
the font travels inside the file, so the PDF reads the same on any phone. Without a CJK font
reportlab would print empty boxes silently, so rendering refuses to start instead.
"""

import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from portal.errors import PortalError

FONT_NAME = "PortalCJK"
# Debian/Ubuntu package → file. The first one found is used.
KNOWN_CJK_FONTS = (
    ("fonts-wqy-microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    ("fonts-wqy-zenhei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    ("fonts-noto-cjk", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    ("fonts-arphic-uming", "/usr/share/fonts/truetype/arphic/uming.ttc"),
)
INSTALL_HINT = "apt-get install -y fonts-wqy-microhei"


class FontMissingError(PortalError):
    CODE = "CJK_FONT_MISSING"


@dataclass(frozen=True)
class CertificateDocument:
    """What a certificate page shows: a title, blocks of label/value lines, a QR and a footer."""

    title: str
    number: str
    blocks: list[tuple[str, list[tuple[str, str]]]]
    qr_url: str
    footer: str
    # The issuer's seal (PNG/JPEG bytes, transparency kept), printed over the last block (the
    # issuer's); optional, so certificates without one render as before.
    seal_image: bytes | None = None


def cjk_font_path() -> Path | None:
    configured = getattr(settings, "CJK_FONT_PATH", "")
    candidates = [configured] if configured else [path for _package, path in KNOWN_CJK_FONTS]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@cache
def _register_font(path: str) -> str:
    # .ttc collections hold several faces; face 0 is the regular one in every font listed.
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def _font() -> str:
    path = cjk_font_path()
    if path is None:
        raise FontMissingError(
            _("No Chinese font is installed, so certificates cannot be printed. Install one: %(hint)s")
            % {"hint": INSTALL_HINT},
            code=FontMissingError.CODE,
        )
    return _register_font(str(path))


def qr_png(data: str, *, box_size: int = 8) -> bytes:
    image = qrcode.make(data, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


SEAL_PIXELS = 320  # 40 mm at ≈ 200 dpi: sharp on paper, light to embed


@lru_cache(maxsize=16)
def _seal_reader(seal_image: bytes) -> ImageReader:
    """The seal decoded, scaled and split into colour and transparency once per process (a
    district's seal is the same on every certificate); reportlab reuses the reader's data."""
    with Image.open(io.BytesIO(seal_image)) as image:
        image = image.convert("RGBA")
        image.thumbnail((SEAL_PIXELS, SEAL_PIXELS))
        reader = ImageReader(image.copy())
    reader.getRGBData()  # decode now, not on every page
    return reader


def render_certificate(document: CertificateDocument) -> bytes:
    """One A4 page: title, number, label/value blocks, the seal if given, QR code bottom right, footer."""
    font = _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{document.title} {document.number}")
    width, height = A4

    pdf.setStrokeColor(colors.HexColor("#b71c1c"))
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)

    pdf.setFillColor(colors.HexColor("#b71c1c"))
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 40 * mm, document.title)
    pdf.setFillColor(colors.black)
    pdf.setFont(font, 11)
    pdf.drawCentredString(width / 2, height - 50 * mm, _("No. %(number)s") % {"number": document.number})

    y = height - 68 * mm
    last_block_top = y
    for heading, lines in document.blocks:
        last_block_top = y
        pdf.setFont(font, 13)
        pdf.setFillColor(colors.HexColor("#b71c1c"))
        pdf.drawString(25 * mm, y, heading)
        pdf.setFillColor(colors.black)
        y -= 8 * mm
        pdf.setFont(font, 11)
        for label, value in lines:
            pdf.drawString(30 * mm, y, f"{label}：")
            pdf.drawString(68 * mm, y, str(value))
            y -= 7 * mm
        y -= 4 * mm

    if document.seal_image:
        # 40 mm across, over the issuer's lines, as a stamp is pressed on paper.
        seal = _seal_reader(document.seal_image)
        size = 40 * mm
        pdf.drawImage(
            seal, 95 * mm, last_block_top - size + 6 * mm, size, size, mask="auto", preserveAspectRatio=True
        )

    qr = ImageReader(io.BytesIO(qr_png(document.qr_url)))
    pdf.drawImage(qr, width - 70 * mm, 22 * mm, 45 * mm, 45 * mm)
    pdf.setFont(font, 9)
    pdf.drawCentredString(width - 47.5 * mm, 19 * mm, _("Scan to verify"))
    pdf.drawString(25 * mm, 25 * mm, document.footer)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
