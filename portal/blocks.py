"""The one StreamBlock every page body uses, so editors learn a single toolbox."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=64)
    text = blocks.TextBlock(label=_("text"))

    class Meta:
        icon = "warning"
        template = "blocks/callout_block.html"
        label = _("Safety tip")
        description = _("A highlighted tip, e.g. what to do when a pan catches fire.")
        preview_value = {"title": "油锅起火", "text": "立即盖上锅盖，关闭燃气，切勿用水浇。"}


class PortalStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("heading"), form_classname="title", icon="title", template="blocks/heading_block.html"
    )
    paragraph = blocks.RichTextBlock(
        label=_("paragraph"), icon="pilcrow", features=["bold", "italic", "link", "ol", "ul"]
    )
    image = ImageBlock(label=_("image"))
    callout = CalloutBlock()
