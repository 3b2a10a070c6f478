"""Signals between domain apps: the documented hooks that keep the dependency arrows one way.

``volunteer_service_performed``
    Sent by any module where a person did volunteer work that module witnessed (training: a
    volunteer helping at a session signed in and out with the trainer's scanner). The volunteers
    app receives it and, if the person is an approved volunteer, records a *pending* service
    record through its own service; otherwise it does nothing. Senders do not know or care
    whether the volunteers app is installed.

    Send it inside the transaction that recorded the sign-out (``send_robust`` is not used: a
    receiver failing must roll the sign-out back rather than lose the hours silently).

    Keyword arguments:
      person      portal.models.Person who served
      area        portal.models.Area where the service took place (the street or community)
      started_at  aware datetime, signed in
      ended_at    aware datetime, signed out (>= started_at)
      title       short description shown on the service record, e.g. "一警六员实训保障：…"
      source      the sender's model instance the record comes from (idempotency: one service
                  record per (source, person); a repeated signal changes nothing)

``person_identified``
    Sent by the kernel when an account gets its real-name identity: ``person_create(user=...)`` or
    ``person_link_user``, inside the transaction that linked them. Modules holding work that waits
    for a real name (courses: certificates of courses completed before the learner registered)
    pick it up. Keyword arguments: ``person`` (portal.models.Person), ``user`` (the account).
"""

from django.dispatch import Signal

volunteer_service_performed = Signal()
person_identified = Signal()
