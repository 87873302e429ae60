-- The layout of the events table, chosen by OMNI_EVENTS_LAYOUT when a schema is created
-- (adapters/postgres/layout.py). This file is the plain layout: the table of 0001 stays as it
-- is, its primary key (stream_id, version) arbitrating between writers. The partitioned
-- layout is 0021_events_layout.partitioned.sql, applied instead of this one.
SELECT 1;
