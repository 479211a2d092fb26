"""make backup / make restore on a real PostgreSQL: the database and its filestore come back
as they were, into a new database only; a backup whose files do not match its MANIFEST is
refused. (make check-platform is tested in Odoo: TestConnector.test_check_against_the_...)"""

import pathlib
import subprocess
import uuid

import psycopg2
import pytest
from psycopg2 import sql

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(script, **env):
    import os

    return subprocess.run(
        ["bash", str(ROOT / "scripts" / script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def execute(dbname, statement, *args):
    connection = psycopg2.connect(dbname=dbname)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, args)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


@pytest.fixture
def databases():
    names = [f"fapiao_backup_{uuid.uuid4().hex[:8]}" for _i in range(2)]
    yield names
    for name in names:
        execute("postgres", sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_backup_and_restore(tmp_path, databases):
    source, target = databases
    execute("postgres", sql.SQL("CREATE DATABASE {}").format(sql.Identifier(source)))
    execute(
        source,
        "CREATE TABLE tax_fapiao (number varchar); INSERT INTO tax_fapiao VALUES (%s)",
        "26312000000000000001",
    )
    data_dir = tmp_path / "data"
    archived = data_dir / "filestore" / source / "ab" / "ab12"
    archived.parent.mkdir(parents=True)
    archived.write_bytes(b"%PDF-1.4 the fapiao")
    made = run("backup.sh", DB=source, TO=str(tmp_path / "backups"), DATA_DIR=str(data_dir))
    assert made.returncode == 0, made.stderr
    folder = pathlib.Path(made.stdout.strip().splitlines()[-1])
    assert {p.name for p in folder.iterdir()} == {"database.dump", "filestore.tar.gz", "MANIFEST"}
    assert "key file is not in it" in made.stderr

    restored = run("restore.sh", FROM=str(folder), DB=target, DATA_DIR=str(data_dir))
    assert restored.returncode == 0, restored.stderr
    assert execute(target, "SELECT number FROM tax_fapiao") == [("26312000000000000001",)]
    assert (data_dir / "filestore" / target / "ab" / "ab12").read_bytes() == b"%PDF-1.4 the fapiao"
    assert "make check-platform DB=" in restored.stderr

    # never over an existing database
    again = run("restore.sh", FROM=str(folder), DB=source, DATA_DIR=str(data_dir))
    assert again.returncode != 0 and "exists" in again.stderr
    # a dump that is not the one the MANIFEST names is refused before anything is made
    with open(folder / "database.dump", "ab") as dump:
        dump.write(b"tampered")
    other = f"fapiao_backup_{uuid.uuid4().hex[:8]}"
    bad = run("restore.sh", FROM=str(folder), DB=other, DATA_DIR=str(data_dir))
    assert bad.returncode != 0 and "MANIFEST" in bad.stderr
    assert not execute("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", other)
