-- The foreign key locks projects briefly: wait at most 5 s for it, then fail and retry.
SET LOCAL lock_timeout = '5s';

CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title text NOT NULL,
    done boolean NOT NULL DEFAULT false
);
CREATE INDEX tasks_project_id_idx ON tasks (project_id);
