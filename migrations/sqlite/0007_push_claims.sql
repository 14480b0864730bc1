-- How many times each push was claimed: a push claimed once and never attempted cannot have
-- reached its tool before, so the connector may skip its search for an earlier write.
ALTER TABLE target_pushes ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
