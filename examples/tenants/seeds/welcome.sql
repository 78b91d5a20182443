-- Written to run twice without duplicating anything: `plover tenants seed` may run it again.
INSERT INTO projects (name) VALUES ('Welcome') ON CONFLICT (name) DO NOTHING;
INSERT INTO tasks (project_id, title)
SELECT id, 'Invite your team' FROM projects
WHERE name = 'Welcome'
  AND NOT EXISTS (SELECT 1 FROM tasks WHERE title = 'Invite your team');
