-- Target pushes are claimed by due time, then outbox order: a membership deferred behind its
-- member's contact comes back due every few hundred milliseconds, and claimed by outbox order a
-- few hundred of them filled every claim ahead of the contacts they wait for, which were never
-- claimed (seen in the 1,000-membership fault run). This index serves that order.
CREATE INDEX target_pushes_due ON target_pushes(target, next_attempt_at_ms, outbox_seq) WHERE status = 'pending';
