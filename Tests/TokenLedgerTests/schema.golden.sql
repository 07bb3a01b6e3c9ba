-- The schema of a newly created TokenLedger ledger, as SQLite keeps it:
-- SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
-- Compared by SchemaTests.goldenSchema. A new migration changes it on purpose: regenerate with
-- TOKENLEDGER_RECORD_GOLDEN=1 swift test --filter SchemaTests, and review the difference.

-- index allocation_by_lot on allocation
CREATE INDEX allocation_by_lot ON allocation(lot_id);

-- index event_by_account on event
CREATE INDEX event_by_account ON event(account_id, seq);

-- index lot_by_account on lot
CREATE INDEX lot_by_account ON lot(account_id, expires_at_ms);

-- index lot_return_by_lot on lot_return
CREATE INDEX lot_return_by_lot ON lot_return(lot_id);

-- index recharge_attempt_by_account_time on recharge_attempt
CREATE INDEX recharge_attempt_by_account_time ON recharge_attempt(account_id, occurred_at_ms);

-- index reservation_by_close_reference on reservation
CREATE UNIQUE INDEX reservation_by_close_reference ON reservation(close_reference) WHERE close_reference IS NOT NULL;

-- index reservation_open_by_account on reservation
CREATE INDEX reservation_open_by_account ON reservation(account_id, expires_at_ms, hold_nanos, status) WHERE status = 'open';

-- index spend_alert_by_usage on spend_alert
CREATE INDEX spend_alert_by_usage ON spend_alert(usage_id);

-- index transfer_by_credit_account on transfer
CREATE INDEX transfer_by_credit_account ON transfer(credit_account_id, occurred_at_ms);

-- index transfer_by_debit_account on transfer
CREATE INDEX transfer_by_debit_account ON transfer(debit_account_id, occurred_at_ms);

-- index usage_by_account_time on usage
CREATE INDEX usage_by_account_time ON usage(account_id, occurred_at_ms);

-- index webhook_attempt_by_event on webhook_attempt
CREATE INDEX webhook_attempt_by_event ON webhook_attempt(event_seq, endpoint_id);

-- index webhook_delivery_pending on webhook_delivery
CREATE INDEX webhook_delivery_pending ON webhook_delivery(status, endpoint_id, account_id, event_seq);

-- table account on account
CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'system')),
    -- credits minus debits of every transfer that touches the account; kept in the same write
    -- transaction as the transfer, and always equal to a re-fold of the journal (`verify`).
    balance_nanos INTEGER NOT NULL DEFAULT 0,
    max_purchase_nanos INTEGER NOT NULL DEFAULT 100000000000
        CHECK (max_purchase_nanos BETWEEN 5000000000 AND 1000000000000000 AND max_purchase_nanos % 10000000 = 0),
    overdraft_allowance_nanos INTEGER NOT NULL DEFAULT 0
        CHECK (overdraft_allowance_nanos BETWEEN 0 AND 1000000000000000),
    created_at_ms INTEGER NOT NULL, usage_month_ms INTEGER NOT NULL DEFAULT 0 CHECK (usage_month_ms % 86400000 = 0), usage_month_nanos INTEGER NOT NULL DEFAULT 0 CHECK (usage_month_nanos >= 0),
    CHECK (kind = 'system' OR substr(name, 1, 1) <> '@')
) STRICT;

-- table allocation on allocation
CREATE TABLE allocation (
    transfer_id INTEGER NOT NULL REFERENCES transfer(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (transfer_id, lot_id)
) STRICT, WITHOUT ROWID;

-- table api_key on api_key
CREATE TABLE api_key (
    id INTEGER PRIMARY KEY,
    -- the key's public name: 'key_' and 16 lowercase hexadecimal digits, random
    public_id TEXT NOT NULL UNIQUE
        CHECK (length(public_id) = 20 AND substr(public_id, 1, 4) = 'key_' AND substr(public_id, 5) NOT GLOB '*[^0-9a-f]*'),
    -- SHA-256 of the secret's UTF-8 bytes; the secret itself is nowhere in the file
    secret_sha256 BLOB NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    -- a label for people
    name TEXT CHECK (name IS NULL OR length(name) BETWEEN 1 AND 256),
    role TEXT NOT NULL CHECK (role = 'admin' OR role = 'gateway' OR role = 'reader'),
    -- the one (customer) account the key may touch; NULL: every account
    account_id INTEGER REFERENCES account(id),
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER CHECK (revoked_at_ms IS NULL OR revoked_at_ms >= created_at_ms)
) STRICT;

-- table auto_recharge on auto_recharge
CREATE TABLE auto_recharge (
    account_id INTEGER PRIMARY KEY REFERENCES account(id),
    threshold_nanos INTEGER NOT NULL CHECK (threshold_nanos > 0),
    restore_to_nanos INTEGER NOT NULL CHECK (restore_to_nanos > threshold_nanos AND restore_to_nanos <= 1000000000000000),
    -- the most recharges may add in one calendar month; NULL: no cap
    monthly_cap_nanos INTEGER CHECK (monthly_cap_nanos > 0 AND monthly_cap_nanos % 10000000 = 0),
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- table correction on correction
CREATE TABLE correction (
    -- the `adjustment` transfer this correction is
    transfer_id INTEGER PRIMARY KEY REFERENCES transfer(id),
    kind TEXT NOT NULL CHECK (kind IN ('adjust', 'refund', 'reverse')),
    -- why (required for an adjustment, optional for a reversal, none for a refund)
    reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 256),
    -- a refund's purchase lot
    lot_id INTEGER REFERENCES lot(id),
    -- a reversal's charge: reversed at most once
    usage_id INTEGER UNIQUE REFERENCES usage(id),
    CHECK ((kind = 'refund') = (lot_id IS NOT NULL)),
    CHECK ((kind = 'reverse') = (usage_id IS NOT NULL)),
    CHECK (kind <> 'adjust' OR reason IS NOT NULL)
) STRICT;

-- table event on event
CREATE TABLE event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES account(id),
    kind TEXT NOT NULL CHECK (kind IN ('soft_limit', 'hard_limit', 'tier_limit', 'low_balance', 'recharge_succeeded', 'recharge_failed',
        'lot_expired')),
    occurred_at_ms INTEGER NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload))
) STRICT;

-- table grdb_migrations on grdb_migrations
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);

-- table lot on lot
CREATE TABLE lot (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id),
    kind TEXT NOT NULL CHECK (kind IN ('purchase', 'grant')),
    -- the purchase, grant or recharge that created the lot
    transfer_id INTEGER NOT NULL UNIQUE REFERENCES transfer(id),
    original_nanos INTEGER NOT NULL CHECK (original_nanos > 0),
    remaining_nanos INTEGER NOT NULL CHECK (remaining_nanos BETWEEN 0 AND original_nanos),
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > created_at_ms)
) STRICT;

-- table lot_return on lot_return
CREATE TABLE lot_return (
    transfer_id INTEGER NOT NULL REFERENCES transfer(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (transfer_id, lot_id)
) STRICT, WITHOUT ROWID;

-- table low_balance_watch on low_balance_watch
CREATE TABLE low_balance_watch (
    account_id INTEGER PRIMARY KEY REFERENCES account(id),
    threshold_nanos INTEGER NOT NULL CHECK (threshold_nanos > 0 AND threshold_nanos <= 1000000000000000),
    armed INTEGER NOT NULL CHECK (armed IN (0, 1))
) STRICT;

-- table model_alias on model_alias
CREATE TABLE model_alias (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 256),
    model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 256)
) STRICT;

-- table model_requirement on model_requirement
CREATE TABLE model_requirement (
    model TEXT PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 256),
    minimum_tier TEXT NOT NULL REFERENCES usage_tier(name)
) STRICT, WITHOUT ROWID;

-- table price_entry on price_entry
CREATE TABLE "price_entry" (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 256),
    effective_from_ms INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('default', 'manual', 'litellm', 'genai-prices')),
    max_input_tokens INTEGER CHECK (max_input_tokens > 0),
    max_output_tokens INTEGER CHECK (max_output_tokens > 0),
    long_context_threshold_tokens INTEGER CHECK (long_context_threshold_tokens > 0), provider TEXT
    CHECK (provider IS NULL OR (length(provider) BETWEEN 1 AND 64 AND provider NOT GLOB '*[^a-z0-9_.-]*')),
    UNIQUE (model, effective_from_ms)
) STRICT;

-- table price_rate on price_rate
CREATE TABLE price_rate (
    price_entry_id INTEGER NOT NULL REFERENCES price_entry(id),
    service_tier TEXT NOT NULL CHECK (service_tier IN ('default', 'flex', 'batch', 'priority')),
    band TEXT NOT NULL CHECK (band IN ('standard', 'long_context')),
    input_nanos_per_million INTEGER CHECK (input_nanos_per_million BETWEEN 0 AND 10000000000000),
    cached_input_nanos_per_million INTEGER CHECK (cached_input_nanos_per_million BETWEEN 0 AND 10000000000000),
    cache_write_nanos_per_million INTEGER CHECK (cache_write_nanos_per_million BETWEEN 0 AND 10000000000000),
    output_nanos_per_million INTEGER CHECK (output_nanos_per_million BETWEEN 0 AND 10000000000000), cache_write_1h_nanos_per_million INTEGER
    CHECK (cache_write_1h_nanos_per_million BETWEEN 0 AND 10000000000000), input_audio_nanos_per_million INTEGER
    CHECK (input_audio_nanos_per_million BETWEEN 0 AND 10000000000000), input_image_nanos_per_million INTEGER
    CHECK (input_image_nanos_per_million BETWEEN 0 AND 10000000000000), output_audio_nanos_per_million INTEGER
    CHECK (output_audio_nanos_per_million BETWEEN 0 AND 10000000000000), output_image_nanos_per_million INTEGER
    CHECK (output_image_nanos_per_million BETWEEN 0 AND 10000000000000),
    PRIMARY KEY (price_entry_id, service_tier, band)
) STRICT, WITHOUT ROWID;

-- table recharge_attempt on recharge_attempt
CREATE TABLE recharge_attempt (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id),
    usage_id INTEGER NOT NULL UNIQUE REFERENCES usage(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos >= 5000000000 AND amount_nanos % 10000000 = 0),
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    -- the recharge transfer (with its lot) when the payment succeeded
    transfer_id INTEGER UNIQUE REFERENCES transfer(id),
    -- why the payment failed, as the payment method said
    failure TEXT CHECK (failure IS NULL OR length(failure) BETWEEN 1 AND 1024),
    occurred_at_ms INTEGER NOT NULL,
    CHECK ((status = 'succeeded') = (transfer_id IS NOT NULL)),
    CHECK ((status = 'failed') = (failure IS NOT NULL))
) STRICT;

-- table reservation on reservation
CREATE TABLE reservation (
    id INTEGER PRIMARY KEY,
    -- the caller's id (or a generated one); also the request id of the charge that settles it
    reference TEXT NOT NULL UNIQUE CHECK (length(reference) BETWEEN 1 AND 256),
    account_id INTEGER NOT NULL REFERENCES account(id),
    model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 256),
    service_tier TEXT NOT NULL CHECK (service_tier IN ('default', 'flex', 'batch', 'priority')),
    project TEXT CHECK (project IS NULL OR length(project) BETWEEN 1 AND 256),
    api_key TEXT CHECK (api_key IS NULL OR length(api_key) BETWEEN 1 AND 256),
    end_user TEXT CHECK (end_user IS NULL OR length(end_user) BETWEEN 1 AND 256),
    input_tokens INTEGER NOT NULL CHECK (input_tokens BETWEEN 0 AND 100000000000),
    max_output_tokens INTEGER NOT NULL CHECK (max_output_tokens BETWEEN 0 AND 100000000000),
    hold_nanos INTEGER NOT NULL CHECK (hold_nanos >= 0),
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > created_at_ms),
    status TEXT NOT NULL CHECK (status IN ('open', 'settled', 'voided', 'expired')),
    -- when it was settled or voided, or its expiry
    closed_at_ms INTEGER,
    -- the charge that settled it
    usage_id INTEGER UNIQUE REFERENCES usage(id), close_reference TEXT CHECK (close_reference IS NULL OR length(close_reference) BETWEEN 1 AND 256),
    CHECK ((status = 'open') = (closed_at_ms IS NULL)),
    CHECK ((status = 'settled') = (usage_id IS NOT NULL))
) STRICT;

-- table setting on setting
CREATE TABLE setting (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- table spend_alert on spend_alert
CREATE TABLE spend_alert (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id),
    project TEXT NOT NULL CHECK (length(project) <= 256),
    kind TEXT NOT NULL CHECK (kind IN ('soft_limit', 'hard_limit', 'tier_limit')),
    -- the first instant of the calendar month (UTC)
    month_ms INTEGER NOT NULL CHECK (month_ms % 86400000 = 0),
    limit_nanos INTEGER NOT NULL CHECK (limit_nanos > 0),
    -- month-to-date spend right after the charge that reached the limit
    spend_nanos INTEGER NOT NULL CHECK (spend_nanos >= limit_nanos),
    usage_id INTEGER NOT NULL REFERENCES usage(id),
    occurred_at_ms INTEGER NOT NULL,
    UNIQUE (account_id, month_ms, kind, project)
) STRICT;

-- table spend_limit on spend_limit
CREATE TABLE spend_limit (
    account_id INTEGER NOT NULL REFERENCES account(id),
    project TEXT NOT NULL CHECK (length(project) <= 256),
    -- the first charge that brings month-to-date spend to it records an alert
    soft_nanos INTEGER CHECK (soft_nanos > 0 AND soft_nanos <= 1000000000000000),
    -- reservations and enforced charges are refused once month-to-date spend reaches it
    hard_nanos INTEGER CHECK (hard_nanos > 0 AND hard_nanos <= 1000000000000000),
    CHECK (soft_nanos IS NOT NULL OR hard_nanos IS NOT NULL),
    CHECK (soft_nanos IS NULL OR hard_nanos IS NULL OR soft_nanos <= hard_nanos),
    PRIMARY KEY (account_id, project)
) STRICT, WITHOUT ROWID;

-- table transfer on transfer
CREATE TABLE transfer (
    id INTEGER PRIMARY KEY,
    -- the caller's id for purchases, grants and recharges (the idempotency key); NULL for
    -- usage (keyed by usage.request_id) and expiry (keyed by its lot)
    reference TEXT UNIQUE CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 256),
    kind TEXT NOT NULL CHECK (kind IN ('purchase', 'grant', 'usage', 'expiry', 'recharge', 'adjustment')),
    debit_account_id INTEGER NOT NULL REFERENCES account(id),
    credit_account_id INTEGER NOT NULL REFERENCES account(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    occurred_at_ms INTEGER NOT NULL,
    -- the customer account's balance right after this transfer
    balance_after_nanos INTEGER NOT NULL,
    CHECK (debit_account_id <> credit_account_id)
) STRICT;

-- table usage on usage
CREATE TABLE "usage" (
    id INTEGER PRIMARY KEY,
    -- the provider's request id (or one given or generated): the idempotency key of a charge
    request_id TEXT NOT NULL UNIQUE CHECK (length(request_id) BETWEEN 1 AND 256),
    -- the account debited (the credit side is always @usage)
    account_id INTEGER NOT NULL REFERENCES account(id),
    price_entry_id INTEGER NOT NULL REFERENCES price_entry(id),
    model TEXT NOT NULL,
    service_tier TEXT NOT NULL CHECK (service_tier = 'default' OR service_tier = 'flex' OR service_tier = 'batch' OR service_tier = 'priority'),
    band TEXT NOT NULL CHECK (band IN ('standard', 'long_context')),
    input_tokens INTEGER NOT NULL CHECK (input_tokens BETWEEN 0 AND 100000000000),
    cached_tokens INTEGER NOT NULL CHECK (cached_tokens BETWEEN 0 AND 100000000000),
    cache_write_tokens INTEGER NOT NULL CHECK (cache_write_tokens BETWEEN 0 AND 100000000000),
    output_tokens INTEGER NOT NULL CHECK (output_tokens BETWEEN 0 AND 100000000000),
    requests INTEGER NOT NULL DEFAULT 1 CHECK (requests >= 1),
    cost_nanos INTEGER NOT NULL CHECK (cost_nanos >= 0),
    occurred_at_ms INTEGER NOT NULL,
    -- the account's balance right after the charge (what a retried request id is answered with)
    balance_after_nanos INTEGER NOT NULL,
    -- the first lot the charge drew from and how much; NULL when no lot paid any of it
    -- (overdraft). What no lot paid is cost - lot_nanos - its usage_allocation rows.
    lot_id INTEGER REFERENCES lot(id),
    lot_nanos INTEGER CHECK (lot_nanos > 0 AND lot_nanos <= cost_nanos),
    project TEXT CHECK (project IS NULL OR length(project) BETWEEN 1 AND 256),
    api_key TEXT CHECK (api_key IS NULL OR length(api_key) BETWEEN 1 AND 256),
    end_user TEXT CHECK (end_user IS NULL OR length(end_user) BETWEEN 1 AND 256), model_sent TEXT CHECK (model_sent IS NULL OR length(model_sent) BETWEEN 1 AND 256), provider TEXT
    CHECK (provider IS NULL OR (length(provider) BETWEEN 1 AND 64 AND provider NOT GLOB '*[^a-z0-9_.-]*')), cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (cache_write_1h_tokens BETWEEN 0 AND 100000000000), input_audio_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (input_audio_tokens BETWEEN 0 AND 100000000000), input_image_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (input_image_tokens BETWEEN 0 AND 100000000000), output_audio_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (output_audio_tokens BETWEEN 0 AND 100000000000), output_image_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (output_image_tokens BETWEEN 0 AND 100000000000
        AND cached_tokens + cache_write_tokens + cache_write_1h_tokens + input_audio_tokens + input_image_tokens <= input_tokens
        AND output_audio_tokens + output_image_tokens <= output_tokens),
    CHECK (cached_tokens + cache_write_tokens <= input_tokens),
    CHECK ((lot_id IS NULL) = (lot_nanos IS NULL))
) STRICT;

-- table usage_allocation on usage_allocation
CREATE TABLE usage_allocation (
    usage_id INTEGER NOT NULL REFERENCES "usage"(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (usage_id, lot_id)
) STRICT, WITHOUT ROWID;

-- table usage_daily on usage_daily
CREATE TABLE "usage_daily" (
    account_id INTEGER NOT NULL REFERENCES account(id),
    -- the day's first instant (UTC midnight)
    day_ms INTEGER NOT NULL CHECK (day_ms % 86400000 = 0),
    model TEXT NOT NULL,
    service_tier TEXT NOT NULL,
    band TEXT NOT NULL,
    project TEXT NOT NULL,
    api_key TEXT NOT NULL,
    end_user TEXT NOT NULL,
    provider TEXT NOT NULL,
    -- usage rows added up
    charges INTEGER NOT NULL CHECK (charges > 0),
    requests INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_nanos INTEGER NOT NULL, cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0, input_audio_tokens INTEGER NOT NULL DEFAULT 0, input_image_tokens INTEGER NOT NULL DEFAULT 0, output_audio_tokens INTEGER NOT NULL DEFAULT 0, output_image_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider)
) STRICT, WITHOUT ROWID;

-- table usage_fold on usage_fold
CREATE TABLE usage_fold (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    usage_id INTEGER NOT NULL CHECK (usage_id >= 0)
) STRICT;

-- table usage_tier on usage_tier
CREATE TABLE usage_tier (
    rank INTEGER PRIMARY KEY CHECK (rank BETWEEN 0 AND 99),
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 32),
    minimum_paid_nanos INTEGER NOT NULL CHECK (minimum_paid_nanos BETWEEN 0 AND 1000000000000000),
    minimum_days INTEGER NOT NULL CHECK (minimum_days BETWEEN 0 AND 36500),
    monthly_usage_limit_nanos INTEGER NOT NULL CHECK (monthly_usage_limit_nanos BETWEEN 0 AND 1000000000000000000),
    CHECK (rank > 0 OR (minimum_paid_nanos = 0 AND minimum_days = 0))
) STRICT;

-- table webhook_attempt on webhook_attempt
CREATE TABLE webhook_attempt (
    id INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoint(id),
    event_seq INTEGER NOT NULL REFERENCES event(seq),
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    status_code INTEGER,
    error TEXT CHECK (error IS NULL OR length(error) <= 1024),
    outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
    attempted_at_ms INTEGER NOT NULL
, account_id INTEGER REFERENCES account(id)) STRICT;

-- table webhook_delivery on webhook_delivery
CREATE TABLE webhook_delivery (
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoint(id),
    event_seq INTEGER NOT NULL REFERENCES event(seq),
    account_id INTEGER NOT NULL REFERENCES account(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at_ms INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, event_seq)
) STRICT, WITHOUT ROWID;

-- table webhook_endpoint on webhook_endpoint
CREATE TABLE webhook_endpoint (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the endpoint's public name: 'wh_' and 16 lowercase hexadecimal digits
    public_id TEXT NOT NULL UNIQUE CHECK (length(public_id) = 19 AND substr(public_id, 1, 3) = 'wh_'),
    url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    secret TEXT NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),
    -- the one account whose events it wants; NULL: every account
    account_id INTEGER REFERENCES account(id),
    -- the kinds it wants, as ',kind,kind,'; NULL: every kind
    kinds TEXT CHECK (kinds IS NULL OR (substr(kinds, 1, 1) = ',' AND substr(kinds, -1, 1) = ',')),
    created_at_ms INTEGER NOT NULL,
    removed_at_ms INTEGER
) STRICT;

-- trigger api_key_is_never_changed on api_key
CREATE TRIGGER api_key_is_never_changed BEFORE UPDATE OF id, public_id, secret_sha256, name, role, account_id, created_at_ms ON api_key
BEGIN SELECT RAISE(ABORT, 'API keys are never changed: revoke them and make another'); END;

-- trigger api_key_is_never_deleted on api_key
CREATE TRIGGER api_key_is_never_deleted BEFORE DELETE ON api_key
BEGIN SELECT RAISE(ABORT, 'API keys are never deleted: revoke them'); END;

-- trigger api_key_is_revoked_once on api_key
CREATE TRIGGER api_key_is_revoked_once BEFORE UPDATE OF revoked_at_ms ON api_key WHEN OLD.revoked_at_ms IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'an API key is revoked once'); END;

-- trigger correction_is_an_adjustment on correction
CREATE TRIGGER correction_is_an_adjustment BEFORE INSERT ON correction
WHEN (SELECT kind FROM transfer WHERE id = NEW.transfer_id) IS NOT 'adjustment'
BEGIN SELECT RAISE(ABORT, 'a correction is an adjustment transfer'); END;

-- trigger correction_is_append_only_delete on correction
CREATE TRIGGER correction_is_append_only_delete BEFORE DELETE ON correction
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: corrections are never deleted'); END;

-- trigger correction_is_append_only_update on correction
CREATE TRIGGER correction_is_append_only_update BEFORE UPDATE ON correction
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: corrections are never updated'); END;

-- trigger event_is_append_only_delete on event
CREATE TRIGGER event_is_append_only_delete BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'events are never deleted'); END;

-- trigger event_is_append_only_update on event
CREATE TRIGGER event_is_append_only_update BEFORE UPDATE ON event
BEGIN SELECT RAISE(ABORT, 'events are never updated'); END;

-- trigger lot_return_is_append_only_delete on lot_return
CREATE TRIGGER lot_return_is_append_only_delete BEFORE DELETE ON lot_return
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: returns are never deleted'); END;

-- trigger lot_return_is_append_only_update on lot_return
CREATE TRIGGER lot_return_is_append_only_update BEFORE UPDATE ON lot_return
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: returns are never updated'); END;

-- trigger recharge_attempt_is_append_only_delete on recharge_attempt
CREATE TRIGGER recharge_attempt_is_append_only_delete BEFORE DELETE ON recharge_attempt
BEGIN SELECT RAISE(ABORT, 'recharge attempts are never deleted'); END;

-- trigger recharge_attempt_is_append_only_update on recharge_attempt
CREATE TRIGGER recharge_attempt_is_append_only_update BEFORE UPDATE ON recharge_attempt
BEGIN SELECT RAISE(ABORT, 'recharge attempts are never updated'); END;

-- trigger transfer_is_append_only_delete on transfer
CREATE TRIGGER transfer_is_append_only_delete BEFORE DELETE ON transfer
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never deleted'); END;

-- trigger transfer_is_append_only_update on transfer
CREATE TRIGGER transfer_is_append_only_update BEFORE UPDATE ON transfer
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never updated'); END;

-- trigger transfer_is_not_usage on transfer
CREATE TRIGGER transfer_is_not_usage BEFORE INSERT ON transfer WHEN NEW.kind = 'usage'
BEGIN SELECT RAISE(ABORT, 'usage is journaled by its usage row, not by a transfer'); END;

-- trigger usage_allocation_is_append_only_delete on usage_allocation
CREATE TRIGGER usage_allocation_is_append_only_delete BEFORE DELETE ON usage_allocation
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: allocations are never deleted'); END;

-- trigger usage_allocation_is_append_only_update on usage_allocation
CREATE TRIGGER usage_allocation_is_append_only_update BEFORE UPDATE ON usage_allocation
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: allocations are never updated'); END;

-- trigger usage_is_append_only_delete on usage
CREATE TRIGGER usage_is_append_only_delete BEFORE DELETE ON usage
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: usage is never deleted'); END;

-- trigger usage_is_append_only_update on usage
CREATE TRIGGER usage_is_append_only_update BEFORE UPDATE ON usage
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: usage is never updated'); END;

-- view account_balance on account_balance
CREATE VIEW account_balance AS SELECT id, name, kind, balance_nanos FROM account;

-- view journal on journal
CREATE VIEW journal AS
SELECT 'transfer' AS source, t.id, t.reference, t.kind, t.debit_account_id, t.credit_account_id, t.amount_nanos, t.occurred_at_ms,
       t.balance_after_nanos, r.usage_id AS after_usage_id
FROM transfer t LEFT JOIN recharge_attempt r ON r.transfer_id = t.id
UNION ALL
SELECT 'usage', id, request_id, 'usage', account_id, 3, cost_nanos, occurred_at_ms, balance_after_nanos, NULL
FROM usage WHERE cost_nanos > 0;

