"""Thin receivers: keep the Chinese search text in step with publishing."""

from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from home import services


@receiver(page_published)
def index_published_page(sender, instance, **kwargs) -> None:
    services.page_search_text_update(page=instance)


@receiver(page_unpublished)
def unindex_unpublished_page(sender, instance, **kwargs) -> None:
    services.page_search_text_update(page=instance)
