"""SQLite state of the sandbox platform: survives restarts; one lock serialises writers."""

import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, appkey TEXT, expires REAL);
CREATE TABLE IF NOT EXISTS invoices (
    tax_num TEXT NOT NULL, order_no TEXT NOT NULL, serial TEXT UNIQUE NOT NULL,
    number TEXT UNIQUE NOT NULL, kind TEXT, blue INTEGER, created REAL, ready_at REAL,
    outcome TEXT, fail_code TEXT, fail_msg TEXT, amount TEXT, tax TEXT, total TEXT,
    file_token TEXT, bad_signature INTEGER DEFAULT 0, request TEXT,
    PRIMARY KEY (tax_num, order_no));
CREATE TABLE IF NOT EXISTS red_forms (
    tax_num TEXT NOT NULL, bill_id TEXT NOT NULL, bill_no TEXT UNIQUE NOT NULL,
    bill_uuid TEXT UNIQUE NOT NULL, blue_number TEXT NOT NULL, apply_source TEXT, reason TEXT,
    status TEXT, created REAL, amount TEXT, tax TEXT, lines TEXT, red_serial TEXT,
    PRIMARY KEY (tax_num, bill_id));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER);
CREATE TABLE IF NOT EXISTS documents (
    serial TEXT NOT NULL, ext TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (serial, ext));
CREATE TABLE IF NOT EXISTS credit (
    tax_num TEXT, month TEXT, used TEXT, PRIMARY KEY (tax_num, month));
"""
MIGRATIONS = (
    ("invoices", "buyer_confirmed INTEGER DEFAULT 0"),
    ("invoices", "voided INTEGER DEFAULT 0"),
)


class Store:
    def __init__(self, path):
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL's recommended durability: a commit survives the sandbox being killed (the tests
        # kill it mid-flight), only an operating-system crash may lose the last ones; no fsync
        # per commit
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        for table, column in MIGRATIONS:  # data directories of older sandbox versions
            try:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            except sqlite3.OperationalError:
                pass  # already there

    def query(self, sql, params=()):
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def one(self, sql, params=()):
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def transaction(self):
        return _Transaction(self)

    def next_value(self, name):
        """Called inside a transaction."""
        row = self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        value = (row["value"] if row else 0) + 1
        self.db.execute(
            "INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value)
        )
        return value


class _Transaction:
    def __init__(self, store):
        self.store = store

    def __enter__(self):
        self.store.lock.acquire()
        self.store.db.execute("BEGIN IMMEDIATE")
        return self.store.db

    def __exit__(self, exc_type, exc, tb):
        try:
            self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store.lock.release()
