-- Plover's history table: one row per applied migration (docs/versioned-migrations.md).
CREATE TABLE IF NOT EXISTS {table} (
    version           bigint      PRIMARY KEY,
    name              text        NOT NULL,
    checksum          text        NOT NULL,
    script            text        NOT NULL,
    status            text        NOT NULL,
    statements_done   integer     NOT NULL DEFAULT 0,
    statements_total  integer     NOT NULL DEFAULT 0,
    in_flight         integer,
    applied_at        timestamptz NOT NULL DEFAULT now(),
    execution_ms      bigint      NOT NULL DEFAULT 0,
    applied_by        text        NOT NULL,
    previous_checksum text,
    accept_reason     text,
    accepted_by       text,
    accepted_at       timestamptz,
    lint_override     text
);
