-- +goose Up
-- Correlate asks, for every firing signal, whether an active incident already has a member
-- of the signal's source group, and, for every resolve, whether its incident has a member
-- still open. Without these indexes both questions read every member of the incident, so
-- a large Alertmanager group or an anomaly burst slowed down with the square of its size.
CREATE INDEX members_group ON members (incident_id, grp, source);
CREATE INDEX members_status ON members (incident_id, status);

-- Diagnosis ranks an incident by each service's first member and by its strongest
-- anomaly; these find both without sorting every member.
CREATE INDEX members_onset ON members (incident_id, service, starts_at, fingerprint);
CREATE INDEX members_score ON members (incident_id, score DESC, starts_at, fingerprint);

-- +goose Down
DROP INDEX members_score;
DROP INDEX members_onset;
DROP INDEX members_status;
DROP INDEX members_group;
