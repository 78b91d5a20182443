#!/usr/bin/env python3
"""Writes the tenant migrations for the tenant-fleet benchmark.

    gen_tenants.py OUT_DIR

writes (the same bytes for every tool; file names `<version>_<name>.sql`, which both Plover's
tenant runner and drizzle-multitenant read):

    OUT_DIR/base/0001_core.sql       8 tables: users, teams, team_members, projects, tasks, ...
    OUT_DIR/base/0002_billing.sql    6 tables: plans, customers, subscriptions, invoices, ...
    OUT_DIR/base/0003_activity.sql   6 tables: events, notifications, attachments, ..., and a
                                     few rows (20 users, 5 projects, 200 tasks) per tenant
    OUT_DIR/real/                    the same three, plus the "real migration":
    OUT_DIR/real/0004_task_priority.sql
                                     ALTER TABLE tasks ADD COLUMN priority ... DEFAULT 0;
                                     CREATE INDEX tasks_priority_idx ON tasks (priority);
    OUT_DIR/stats.json               tables, indexes, foreign keys per tenant

Every statement names its tables without a schema: each tool runs a tenant's migrations with
the tenant's schema first on the search path. 20 tables per tenant, as the issue asks.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

CORE = """\
-- Tenant schema, part 1: people and work.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    display_name text NOT NULL,
    is_admin boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teams (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
    team_id bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'member',
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id_idx ON team_members (user_id);

CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id bigint REFERENCES teams (id) ON DELETE SET NULL,
    name text NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_team_id_idx ON projects (team_id);

CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    assignee_id bigint REFERENCES users (id) ON DELETE SET NULL,
    title text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'doing', 'done')),
    due_on date,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_project_id_idx ON tasks (project_id);
CREATE INDEX tasks_assignee_id_idx ON tasks (assignee_id);

CREATE TABLE comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id bigint REFERENCES users (id) ON DELETE SET NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_task_id_idx ON comments (task_id);

CREATE TABLE labels (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    color text NOT NULL DEFAULT '#888888'
);

CREATE TABLE task_labels (
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id bigint NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
"""

BILLING = """\
-- Tenant schema, part 2: billing.
CREATE TABLE plans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE,
    monthly_price numeric(10, 2) NOT NULL
);

CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    email text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscriptions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    plan_id bigint NOT NULL REFERENCES plans (id),
    started_on date NOT NULL,
    ends_on date
);
CREATE INDEX subscriptions_customer_id_idx ON subscriptions (customer_id);

CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    number text NOT NULL UNIQUE,
    total numeric(12, 2) NOT NULL DEFAULT 0,
    issued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_customer_id_idx ON invoices (customer_id);

CREATE TABLE invoice_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    description text NOT NULL,
    quantity integer NOT NULL DEFAULT 1,
    amount numeric(12, 2) NOT NULL
);
CREATE INDEX invoice_lines_invoice_id_idx ON invoice_lines (invoice_id);

CREATE TABLE payments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id bigint NOT NULL REFERENCES invoices (id),
    amount numeric(12, 2) NOT NULL,
    paid_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_invoice_id_idx ON payments (invoice_id);
"""

ACTIVITY = """\
-- Tenant schema, part 3: activity, integrations, and a few rows to work on.
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_user_id_created_at_idx ON events (user_id, created_at);

CREATE TABLE notifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message text NOT NULL,
    read_at timestamptz
);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

CREATE TABLE attachments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    file_name text NOT NULL,
    byte_size bigint NOT NULL CHECK (byte_size >= 0)
);
CREATE INDEX attachments_task_id_idx ON attachments (task_id);

CREATE TABLE webhooks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url text NOT NULL,
    secret text NOT NULL,
    active boolean NOT NULL DEFAULT true
);

CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    prefix text NOT NULL UNIQUE,
    hashed_key text NOT NULL,
    last_used_at timestamptz
);

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id bigint,
    action text NOT NULL,
    target text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

INSERT INTO users (email, display_name)
SELECT 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 20) AS g;
INSERT INTO projects (name) SELECT 'Project ' || g FROM generate_series(1, 5) AS g;
INSERT INTO tasks (project_id, assignee_id, title, status)
SELECT 1 + g % 5, 1 + g % 20, 'Task ' || g, (ARRAY['open', 'doing', 'done'])[1 + g % 3]
FROM generate_series(1, 200) AS g;
"""

REAL = """\
-- The real migration: a column with a default, and an index on it. The table is small and
-- tenant-local, so a plain CREATE INDEX inside the migration's transaction is intended.
-- plover:allow require-concurrent-index-creation tasks holds a few hundred rows per tenant
SET LOCAL lock_timeout = '5s';
ALTER TABLE tasks ADD COLUMN priority integer NOT NULL DEFAULT 0;
CREATE INDEX tasks_priority_idx ON tasks (priority);
"""

BASE = {"0001_core.sql": CORE, "0002_billing.sql": BILLING, "0003_activity.sql": ACTIVITY}


def main() -> None:
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out)
    for folder, files in (("base", BASE), ("real", {**BASE, "0004_task_priority.sql": REAL})):
        (out / folder).mkdir(parents=True)
        for name, sql in files.items():
            (out / folder / name).write_text(sql, encoding="utf-8")
    text = "".join(BASE.values())
    stats = {
        "tables": len(re.findall(r"^CREATE TABLE", text, re.M)),
        "indexes": len(re.findall(r"^CREATE (UNIQUE )?INDEX", text, re.M)),
        "unique_constraints": text.count(" UNIQUE"),
        "foreign_keys": text.count(" REFERENCES "),
        "base_migrations": len(BASE),
        "real_migration": "0004_task_priority.sql",
        "rows": {"users": 20, "projects": 5, "tasks": 200},
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(f"wrote {len(BASE)} tenant migrations ({stats['tables']} tables) and the real migration under {out}")


if __name__ == "__main__":
    main()
