"""Check that nothing was lost: run every registered reconciliation check (portal.reconcile)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import reconcile


class Command(BaseCommand):
    help = (
        "Report rows that should exist but do not, orphans, jobs pending too long and kept tallies "
        "that differ from a recount. Exits 1 when any check finds a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=int,
            default=600,
            help="Seconds of recent work that may still be in flight (default 600).",
        )
        parser.add_argument(
            "--expect",
            type=Path,
            help='JSON file of rows that must exist: [{"model": "app.model", "filter": {...}, "count": 1}].',
        )

    def handle(self, *args, grace: int, expect: Path | None, **options):
        expected = json.loads(expect.read_text()) if expect else []
        results = reconcile.run(grace_seconds=grace, expected=expected)
        failed = 0
        for name, problems in results.items():
            if not problems:
                self.stdout.write(f"ok       {name}")
                continue
            failed += 1
            self.stdout.write(f"PROBLEM  {name}: {len(problems)}")
            for line in problems:
                self.stdout.write(f"         {line}")
        if failed:
            raise CommandError(f"{failed} of {len(results)} checks found problems", returncode=1)
        self.stdout.write(f"all {len(results)} checks passed")
