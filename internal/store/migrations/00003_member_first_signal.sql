-- +goose Up
-- A member's signal_id follows its latest observation (for a PagerDuty alert, the
-- resolve), which carries no name, labels or start. Diagnosis cites the signal that first
-- showed the symptom instead, so members keep it here. Members written before this column
-- existed have only their latest signal to offer.
ALTER TABLE members ADD COLUMN first_signal_id INTEGER NOT NULL DEFAULT 0;
UPDATE members SET first_signal_id = signal_id;

-- +goose Down
ALTER TABLE members DROP COLUMN first_signal_id;
