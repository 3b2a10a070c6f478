"""Where the browser journeys put the screenshots the guides in docs/guide/ show.

A normal test run must not rewrite committed files, so the copies go to test-artifacts/guide/;
``UPDATE_GUIDE_SCREENSHOTS=1 make test`` writes them to docs/guide/img/ to refresh the guides.
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GUIDE_IMG = (
    REPO / "docs" / "guide" / "img"
    if os.environ.get("UPDATE_GUIDE_SCREENSHOTS")
    else REPO / "test-artifacts" / "guide"
)
