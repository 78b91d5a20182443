-- Plover's history table: one row per applied migration (docs/versioned-migrations.md).
CREATE TABLE IF NOT EXISTS {table} (
    version           INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    checksum          TEXT    NOT NULL,
    script            TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    statements_done   INTEGER NOT NULL DEFAULT 0,
    statements_total  INTEGER NOT NULL DEFAULT 0,
    in_flight         INTEGER,
    applied_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00', 'now')),
    execution_ms      INTEGER NOT NULL DEFAULT 0,
    applied_by        TEXT    NOT NULL,
    previous_checksum TEXT,
    accept_reason     TEXT,
    accepted_by       TEXT,
    accepted_at       TEXT,
    lint_override     TEXT
);
