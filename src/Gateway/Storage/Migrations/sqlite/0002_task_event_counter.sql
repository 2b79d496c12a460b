-- Each task counts its own events: a change statement increments the counter on the row it updates and numbers
-- its event with it, so concurrent changes of one task can never pick the same seq.
ALTER TABLE tasks ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET event_seq = COALESCE((SELECT MAX(e.seq) FROM task_events e WHERE e.task_id = tasks.id), 0);
