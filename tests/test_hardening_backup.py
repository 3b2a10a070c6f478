"""bin/backup and bin/restore on the run's PostgreSQL server: records of every module are dumped,
restored into a fresh database this test creates, and all found again (the row count of every
table equal, rows spot-checked, encrypted personal data readable with the same keys), and the
media and certificate files come back byte for byte."""

import hashlib
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from portal.tests.factories import wagtail_root
from tests.guard_world import build_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parent.parent


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _env(*, database: str, media: Path, private: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY="backup-test-" + "x" * 50,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        PII_HASH_KEY=settings.PII_HASH_KEY,
        DJANGO_ALLOWED_HOSTS="localhost",
        DATABASE_URL=_url(database),
        MEDIA_ROOT=str(media),
        PRIVATE_MEDIA_ROOT=str(private),
        REDIS_URL="",
        CELERY_BROKER_URL="",
    )
    return env


def _counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from pg_tables
        counts[table] = cursor.fetchone()[0]
    return counts


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def fresh_database():
    """A database of its own on the same server, dropped afterwards."""
    name = settings.DATABASES["default"]["NAME"] + "_restore"
    admin = psycopg.connect(_url("postgres"), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_backup_restores_every_record_and_file_into_a_fresh_database(tmp_path, fresh_database, settings):
    """Seed records of every module, back up with bin/backup, restore with bin/restore into a
    fresh database and empty file stores: every table has the same number of rows, sample rows are
    equal, a person's encrypted ID number decrypts, and every file is back with the same bytes."""
    from django.core.files.base import ContentFile
    from wagtail.images import get_image_model

    from portal.models import Certificate, Person
    from volunteers.seal import seal_png

    media, private = tmp_path / "media", tmp_path / "private"
    # The seeding writes here. Through pytest-django's settings fixture: the file storage drops its
    # cached location (an earlier test may have used it) and the settings are put back afterwards.
    settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT = media, private
    wagtail_root()  # a transactional test before this one may have flushed the root collection
    world = build_world()
    get_image_model().objects.create(title="印章", file=ContentFile(seal_png(text="守卫"), name="seal.png"))
    (private / "certificates").mkdir(parents=True, exist_ok=True)
    (private / "certificates" / "sample.pdf").write_bytes(b"%PDF-1.4 certificate of a volunteer")
    with connection.cursor() as cursor:
        before = _counts(cursor)
    media_before, private_before = _files(media), _files(private)
    assert before["portal_person"] >= 4 and before["training_booking"] >= 2 and media_before

    backup = tmp_path / "backup"
    source_db = settings.DATABASES["default"]["NAME"]
    run = subprocess.run(
        ["bin/backup", str(backup)],
        cwd=REPO,
        env=_env(database=source_db, media=media, private=private),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert {p.name for p in backup.iterdir()} == {"db.dump", "media.tar.gz", "private.tar.gz", "SHA256SUMS"}
    assert oct(backup.stat().st_mode & 0o777) == "0o700"  # personal data: owner only

    restored_media, restored_private = tmp_path / "r-media", tmp_path / "r-private"
    run = subprocess.run(
        ["bin/restore", str(backup)],
        cwd=REPO,
        env=_env(database=fresh_database, media=restored_media, private=restored_private),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr

    with psycopg.connect(_url(fresh_database)) as restored, restored.cursor() as cursor:
        assert _counts(cursor) == before
        person = Person.objects.get(pk=world.own.trainee.pk)
        cursor.execute("SELECT name, id_number_hash, id_number FROM portal_person WHERE id = %s", [person.pk])
        name, id_hash, encrypted = cursor.fetchone()
        assert (name, id_hash) == (person.name, person.id_number_hash)
        certificate = Certificate.objects.get(pk=world.own.certificate.pk)
        cursor.execute(
            "SELECT number, verification_code FROM portal_certificate WHERE id = %s", [certificate.pk]
        )
        assert cursor.fetchone() == (certificate.number, certificate.verification_code)
    from portal import crypto

    assert encrypted != person.id_number  # stored encrypted, and the same keys read it back
    assert crypto.decrypt(encrypted) == person.id_number
    assert _files(restored_media) == media_before
    assert _files(restored_private) == private_before

    # A second restore into the now-filled database is refused: nothing is restored twice over.
    again = subprocess.run(
        ["bin/restore", str(backup)],
        cwd=REPO,
        env=_env(database=fresh_database, media=tmp_path / "x", private=tmp_path / "y"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0 and "not empty" in again.stderr
