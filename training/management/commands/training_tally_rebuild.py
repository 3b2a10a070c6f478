"""Recount the district dashboard's tally from the bookings (after a bulk load or a restore)."""

from django.core.management.base import BaseCommand

from training import tally


class Command(BaseCommand):
    help = "Recount training's annual-count tally (training.Tally) from the bookings."

    def handle(self, *args, **options):
        rows = tally.rebuild()
        self.stdout.write(f"{rows} tally rows")
