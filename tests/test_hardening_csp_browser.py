"""The Content-Security-Policy breaks no page: every public and staff page of the accessibility
tour (tests/test_a11y_pages.py's lists) and the main Wagtail admin screens load in a real
Chromium with the policy on (test settings run the same middleware as production) and the
browser reports no violation (``securitypolicyviolation`` events and "Refused to …" console
errors). The app's own browser journeys also run under the policy, so a blocked script would fail
them too.
"""

import pytest

from tests.a11y_site import context, seeded_server
from tests.test_a11y_pages import PUBLIC, STAFF_PAGES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    # The policy and the pages are the same whatever the database: bin/test runs it once, in the
    # SQLite run (root conftest.py).
    pytest.mark.once,
]

ADMIN_PAGES = [
    ("district_admin", "/admin/"),
    ("district_admin", "/admin/pages/"),
    ("district_admin", "/admin/images/"),
    ("district_admin", "/admin/documents/"),
    ("district_admin", "/admin/campaign/coverage/"),
]
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber
  );
});
"""


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    users = {who for who, _path, _name in PUBLIC + STAFF_PAGES if who} | {"district_admin"}
    with seeded_server(django_db_blocker, sorted(users)) as seeded:
        yield seeded


def test_no_page_violates_the_content_security_policy(chromium, site):
    """Every page of the tour loads with zero CSP violations."""
    contexts = {}
    problems = []
    pages = [(who, path) for who, path, _name in PUBLIC + STAFF_PAGES if not path.startswith("heping:")]
    try:
        for who, path in pages + ADMIN_PAGES:
            if who not in contexts:
                contexts[who] = context(chromium, site, who)
                contexts[who].add_init_script(RECORD_VIOLATIONS)
            page = contexts[who].new_page()
            console = []
            page.on(
                "console",
                lambda message, console=console: (
                    console.append(message.text)
                    if message.type == "error" and "Content Security Policy" in message.text
                    else None
                ),
            )
            try:
                response = page.goto(site.url + site.path(path), wait_until="load")
                assert response is not None and "content-security-policy" in response.headers
                page.wait_for_timeout(50)  # late violations (deferred scripts) are reported after load
                violations = page.evaluate("window.__csp || []") + console
                problems += [f"{who or 'anon'} {path}: {v}" for v in violations]
            finally:
                page.close()
    finally:
        for ctx in contexts.values():
            ctx.close()
    assert problems == [], sorted({p.split(": ", 1)[1] for p in problems})
