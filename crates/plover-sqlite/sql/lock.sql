-- The lease behind Plover's migration lock on SQLite: one row per guarded history table.
CREATE TABLE IF NOT EXISTS {table} (
    name      TEXT    PRIMARY KEY,
    host      TEXT    NOT NULL,
    namespace TEXT    NOT NULL,
    pid       INTEGER NOT NULL,
    token     TEXT    NOT NULL,
    since     INTEGER NOT NULL,
    heartbeat INTEGER NOT NULL
);
