-- The monthly programme: events are read by month (their `date`), tasks and registrations by the
-- event they belong to (their `event`). Expression indexes over the canonical fields, written as
-- the programme's queries write them (PostgreSQL: same version as sqlite/).
CREATE INDEX events_date ON events ((fields ->> 'date'));
CREATE INDEX tasks_event ON tasks ((fields ->> 'event'));
CREATE INDEX registrations_event ON registrations ((fields ->> 'event'));
