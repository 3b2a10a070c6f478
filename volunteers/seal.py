"""A plain red round seal drawn with Pillow, for demo data and tests (a district uploads a scan of
its real seal in the Wagtail admin: 志愿服务 → Certificate settings)."""

import io
import math

from PIL import Image, ImageDraw, ImageFont

from portal import pdf

RED = (200, 16, 24, 255)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = pdf.cjk_font_path()
    if path is None:
        return ImageFont.load_default()
    return ImageFont.truetype(str(path), size, index=0)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.38
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=RED)


def seal_png(*, text: str, bottom: str = "志愿服务专用章", size: int = 400) -> bytes:
    """A transparent PNG: a red ring, ``text`` along the upper arc, a star, ``bottom`` beneath."""
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    ring = size * 0.03
    draw.ellipse((ring, ring, size - ring, size - ring), outline=RED, width=int(ring * 1.6))
    _star(draw, centre, centre, size * 0.16)

    # The name along the upper arc, from about 8 o'clock to 4 o'clock, each glyph upright to the rim.
    glyph = int(size * 0.11)
    font = _font(glyph)
    radius = size / 2 - ring * 2 - glyph * 0.75
    span = math.radians(240)
    count = max(len(text), 1)
    for index, char in enumerate(text):
        angle = -math.pi / 2 - span / 2 + span * (index + 0.5) / count  # 0 = 3 o'clock
        tile = Image.new("RGBA", (glyph * 2, glyph * 2), (255, 255, 255, 0))
        ImageDraw.Draw(tile).text((glyph, glyph), char, font=font, fill=RED, anchor="mm")
        tile = tile.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(angle) - glyph
        y = centre + radius * math.sin(angle) - glyph
        image.alpha_composite(tile, (int(x), int(y)))

    if bottom:
        small = _font(int(size * 0.075))
        draw.text((centre, centre + size * 0.27), bottom, font=small, fill=RED, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def seal_image(*, title: str, text: str, file_name: str):
    """A Wagtail image of the seal, for ``CertificateSetting.seal_image``."""
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    image_model = get_image_model()
    return image_model.objects.create(
        title=title, file=ImageFile(io.BytesIO(seal_png(text=text)), name=file_name)
    )
