from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def seed_output(db) -> str:
    """The demo data, loaded as `manage.py seed_demo` loads it; returns what the command printed."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()
