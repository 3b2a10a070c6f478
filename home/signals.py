"""Thin receivers: keep the Chinese search text in step with publishing, and drop the shared
fragment cache (``home/cache.py``, and with it the anonymous page cache) whenever what it shows
may have changed: pages, targets, periods, channels, and the decisions behind the progress
figures (a volunteer approved or declined, a role model selected), so those show at once."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from home import cache as fragments
from home import services
from portal.models import Channel, PlanPeriod, Target
from volunteers.models import RoleModel, VolunteerProfile


@receiver(page_published)
def index_published_page(sender, instance, **kwargs) -> None:
    services.page_search_text_update(page=instance)
    fragments.invalidate()


@receiver(page_unpublished)
def unindex_unpublished_page(sender, instance, **kwargs) -> None:
    services.page_search_text_update(page=instance)
    fragments.invalidate()


@receiver(post_delete, sender=Page, dispatch_uid="home.fragments.page_deleted")
def page_deleted(sender, **kwargs) -> None:
    fragments.invalidate()


@receiver(post_save, sender=Target, dispatch_uid="home.fragments.target_saved")
@receiver(post_delete, sender=Target, dispatch_uid="home.fragments.target_deleted")
@receiver(post_save, sender=PlanPeriod, dispatch_uid="home.fragments.period_saved")
@receiver(post_delete, sender=PlanPeriod, dispatch_uid="home.fragments.period_deleted")
@receiver(post_save, sender=Channel, dispatch_uid="home.fragments.channel_saved")
def plan_changed(sender, **kwargs) -> None:
    fragments.invalidate()


@receiver(post_save, sender=VolunteerProfile, dispatch_uid="home.fragments.volunteer_saved")
@receiver(post_delete, sender=VolunteerProfile, dispatch_uid="home.fragments.volunteer_deleted")
@receiver(post_save, sender=RoleModel, dispatch_uid="home.fragments.role_model_saved")
def figures_changed(sender, **kwargs) -> None:
    fragments.invalidate()
