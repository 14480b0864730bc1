-- Bookings are read by resource and end (the ICS feed: those ending after a date; conflicts:
-- those ending after a booking's start), written as the queries write them.
CREATE INDEX bookings_resource_end ON bookings((fields ->> 'resource'), (fields ->> 'ends_at'));
