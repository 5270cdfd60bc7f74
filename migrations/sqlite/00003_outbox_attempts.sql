-- An outbox event that cannot be fanned out (it cannot be rendered, say) is
-- retried a bounded number of times, then left dead: kept, visible, skipped.

-- +goose Up
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN dead_at TEXT;

-- +goose Down
ALTER TABLE outbox DROP COLUMN dead_at;
ALTER TABLE outbox DROP COLUMN last_error;
ALTER TABLE outbox DROP COLUMN attempts;
