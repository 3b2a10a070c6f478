"""Receivers of the kernel's cross-module signals: thin, one service call each."""

from volunteers import services


def on_volunteer_service_performed(sender, *, person, area, started_at, ended_at, title, source, **kwargs):
    """``portal.signals.volunteer_service_performed``: a pending service record for an approved
    volunteer (nothing for anyone else), at most one per (source, person)."""
    services.service_record_from_signal(
        person=person, area=area, started_at=started_at, ended_at=ended_at, title=title, source=source
    )


def on_service_record_changed(sender, *, instance, **kwargs):
    """A record created, saved or deleted (services, admin, cascades): the volunteer's cached
    "my hours" is stale. ``post_save``/``post_delete``: inside the writer's transaction."""
    if instance.volunteer_id:
        services.records_version_bump(volunteer_ids=[instance.volunteer_id])
