-- +goose Up
-- Timeline rows keep the source's time of their event in at, and now also CEREBRO's own
-- time of writing them in recorded_at, by which they are listed: at alone mixed the
-- server's clock (opened, diagnosed) with each source's.
ALTER TABLE timeline ADD COLUMN recorded_at INTEGER NOT NULL DEFAULT 0;

-- Rows written before this column existed get the best estimate the store holds. Opened
-- and diagnosed rows were stamped with the server's clock already.
UPDATE timeline SET recorded_at = at;
-- A row about a signal was written when correlate applied it, just after its receipt.
-- Signals named by timeline rows are never pruned.
UPDATE timeline SET recorded_at = COALESCE(
    (SELECT received_at FROM signals WHERE signals.id = timeline.signal_id), at)
    WHERE signal_id != 0 AND type != 'opened';
-- incident_resolved was written in the same transaction as the resolve before it.
UPDATE timeline SET recorded_at = COALESCE((SELECT p.recorded_at FROM timeline p
    WHERE p.incident_id = timeline.incident_id AND p.id < timeline.id
    ORDER BY p.id DESC LIMIT 1), at)
    WHERE type = 'incident_resolved';

-- Timelines are read in id order; (incident_id, at) made every read sort them.
DROP INDEX timeline_incident;
CREATE INDEX timeline_order ON timeline (incident_id, id);

-- +goose Down
DROP INDEX timeline_order;
CREATE INDEX timeline_incident ON timeline (incident_id, at);
ALTER TABLE timeline DROP COLUMN recorded_at;
