"""The shared kernel's models; one module per concept, re-exported here."""

from .accounts import ApiToken, SMSMessage
from .areas import Area
from .audit import AuditEntry
from .base import TimeStampedModel
from .certificates import KIND_PREFIX, Certificate, CertificateKind, CertificateSerial
from .channels import Channel
from .organisations import Organisation
from .outbox import OutboxMessage
from .people import Person
from .targets import Metric, PlanPeriod, Target
from .users import STAFF_ROLES, Role, User

__all__ = [
    "KIND_PREFIX",
    "STAFF_ROLES",
    "ApiToken",
    "Area",
    "AuditEntry",
    "Certificate",
    "CertificateKind",
    "CertificateSerial",
    "Channel",
    "Metric",
    "Organisation",
    "OutboxMessage",
    "Person",
    "PlanPeriod",
    "Role",
    "SMSMessage",
    "Target",
    "TimeStampedModel",
    "User",
]
