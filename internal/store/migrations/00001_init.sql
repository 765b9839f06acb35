-- +goose Up
CREATE TABLE signals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key    TEXT    NOT NULL UNIQUE,
    fingerprint  TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    native_id    TEXT    NOT NULL DEFAULT '',
    kind         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    service      TEXT    NOT NULL DEFAULT '',
    name         TEXT    NOT NULL DEFAULT '',
    event_time   INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    body         TEXT    NOT NULL
);
CREATE INDEX signals_source ON signals (source, id);
CREATE INDEX signals_fingerprint ON signals (fingerprint, event_time);
CREATE INDEX signals_change ON signals (kind, service, event_time);
CREATE INDEX signals_received ON signals (received_at);

-- identities holds the current state of every signal identity, ordered by source time.
CREATE TABLE identities (
    fingerprint  TEXT    PRIMARY KEY,
    status       TEXT    NOT NULL,
    event_time   INTEGER NOT NULL,
    starts_at    INTEGER NOT NULL,
    incident_id  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    status          TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    services        TEXT    NOT NULL DEFAULT '[]',
    opened_at       INTEGER NOT NULL,
    first_signal_at INTEGER NOT NULL,
    detected_at     INTEGER NOT NULL,
    diagnosed_at    INTEGER NOT NULL DEFAULT 0,
    resolved_at     INTEGER NOT NULL DEFAULT 0,
    last_activity   INTEGER NOT NULL,
    hypotheses      TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX incidents_status ON incidents (status, last_activity);

CREATE TABLE members (
    incident_id  INTEGER NOT NULL,
    fingerprint  TEXT    NOT NULL,
    signal_id    INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    service      TEXT    NOT NULL,
    grp          TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    score        REAL    NOT NULL DEFAULT 0,
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, fingerprint)
);

CREATE TABLE timeline (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    type         TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    signal_id    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX timeline_incident ON timeline (incident_id, at);

-- cursors record how far a consumer has read the signal log.
CREATE TABLE cursors (
    name  TEXT    PRIMARY KEY,
    seq   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE cursors;
DROP TABLE timeline;
DROP TABLE members;
DROP TABLE incidents;
DROP TABLE identities;
DROP TABLE signals;
