-- Equipment loans of bookings: per (booking, asset tag), where the asset stands for the hub —
-- `out` (checked out to the booker), `in` (checked back in, or never lent because the booking
-- ended first), `unavailable` (reported once in the resource's channel, never retried). The
-- asset's own state in Snipe-IT stays the reference: a crash between a move and its row here is
-- repaired by the connector's idempotent outcomes on the next tick.
CREATE TABLE equipment_loans (
    booking_id UUID NOT NULL,
    asset_tag TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (booking_id, asset_tag)
);
CREATE INDEX equipment_loans_state ON equipment_loans(state);
