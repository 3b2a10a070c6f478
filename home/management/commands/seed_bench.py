from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Seed benchmark data set S or L (../shared/QUALITY.md) into the configured database with bulk "
        "inserts; a database already seeded is reused. `make bench` runs it on database bench_l."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--size", choices=["S", "L"], required=True)
        parser.add_argument(
            "--records-x5",
            action="store_true",
            help="L only: add service records up to 5 × L (the scale run).",
        )

    def handle(self, *args, size: str, records_x5: bool, **options) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            raise CommandError("seed_bench needs PostgreSQL (COPY): run it with the stack's environment.")
        from bench import seed

        if not seed.run(size):
            self.stdout.write(f"data set {size} already seeded: reused")
        if records_x5:
            if size != "L":
                raise CommandError("--records-x5 goes with --size L")
            seed.extra_records(5)
        self.stdout.write(self.style.SUCCESS(f"data set {size} ready"))
