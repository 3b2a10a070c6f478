"""Record ids from forms and query strings, read defensively.

``Model.objects.filter(pk="abc")`` raises ``ValueError`` (a server error) and ``str.isdigit()``
accepts "²" and "١", which ``int()`` then refuses: a tampered id must be "no such record" (404 or
the form's own message), never a crash. Found by tests/test_hardening_fuzz_forms.py.
"""


def id_param(value) -> int | None:
    """The id as an int, or None unless ``value`` is 1 to 18 ASCII digits."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None
