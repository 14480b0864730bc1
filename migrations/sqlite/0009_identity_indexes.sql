-- Records find their canonical entity by an identity field of `fields` (mappings' `identity`):
-- Cal.com bookings by `origin_uid`, Snipe-IT assets by `tag`. Without these indexes each record
-- read scanned its whole table, parsing every row's JSON. Written as the lookup writes them.
CREATE INDEX bookings_origin_uid ON bookings((fields ->> 'origin_uid'));
CREATE INDEX assets_tag ON assets((fields ->> 'tag'));
