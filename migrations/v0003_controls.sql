-- v0003_controls: auto-recharge, spend limits and their alerts, usage tiers, reservations.
--
-- Why: issue 4 puts the provider's controls inside the ledger. Auto-recharge settings and every
-- recharge attempted (a failed payment adds nothing but is recorded); soft and hard monthly
-- limits per account and per project, and the alerts they raised; the usage-tier table (it was
-- a constant) and the minimum tier a model needs; two-phase reservations that hold credit
-- until they are settled, voided or expire.
--
-- Month-to-date usage is read by every charge (the tier's monthly limit is a hard limit on every
-- account), so the account row keeps its latest month's usage beside its balance: the charge
-- already rewrites that row, and a query of the daily rollup per charge would not be free.
--
-- A succeeded recharge is a purchase: a transfer of kind 'recharge' from @payments with its lot,
-- repaying overdraft first, exactly as `purchase` writes it. Its transfer has no reference (a
-- caller's purchase id must never collide with it); `recharge_attempt` links it to the charge
-- that caused it.

-- The calendar month (UTC) of the account's latest usage, and that month's usage so far. Usage
-- in earlier months is read from usage_daily; no usage that cost something is in a later month.
ALTER TABLE account ADD COLUMN usage_month_ms INTEGER NOT NULL DEFAULT 0 CHECK (usage_month_ms % 86400000 = 0);
ALTER TABLE account ADD COLUMN usage_month_nanos INTEGER NOT NULL DEFAULT 0 CHECK (usage_month_nanos >= 0);

UPDATE account SET
    usage_month_ms = (SELECT CAST(strftime('%s', max(d.day_ms) / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000
                      FROM usage_daily d WHERE d.account_id = account.id),
    usage_month_nanos = (SELECT sum(d.cost_nanos) FROM usage_daily d
                         WHERE d.account_id = account.id
                           AND d.day_ms >= (SELECT CAST(strftime('%s', max(e.day_ms) / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000
                                            FROM usage_daily e WHERE e.account_id = account.id))
WHERE EXISTS (SELECT 1 FROM usage_daily d WHERE d.account_id = account.id);

-- Auto-recharge settings of an account; no row: off. The restore-to is within the account's
-- purchase maximum (checked in Swift, where the maximum is known).
CREATE TABLE auto_recharge (
    account_id INTEGER PRIMARY KEY REFERENCES account(id),
    threshold_nanos INTEGER NOT NULL CHECK (threshold_nanos > 0),
    restore_to_nanos INTEGER NOT NULL CHECK (restore_to_nanos > threshold_nanos AND restore_to_nanos <= 1000000000000000),
    -- the most recharges may add in one calendar month; NULL: no cap
    monthly_cap_nanos INTEGER CHECK (monthly_cap_nanos > 0 AND monthly_cap_nanos % 10000000 = 0),
    updated_at_ms INTEGER NOT NULL
) STRICT;

-- Every recharge attempted, succeeded or failed: at most one per charge (the charge that left
-- the balance below the threshold).
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
CREATE INDEX recharge_attempt_by_account_time ON recharge_attempt(account_id, occurred_at_ms);

CREATE TRIGGER recharge_attempt_is_append_only_update BEFORE UPDATE ON recharge_attempt
BEGIN SELECT RAISE(ABORT, 'recharge attempts are never updated'); END;
CREATE TRIGGER recharge_attempt_is_append_only_delete BEFORE DELETE ON recharge_attempt
BEGIN SELECT RAISE(ABORT, 'recharge attempts are never deleted'); END;

-- Monthly spend limits of an account ('' project) or of one of its projects.
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

-- A limit that month-to-date spend reached: recorded once per limit and month, by the charge
-- that reached it.
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
CREATE INDEX spend_alert_by_usage ON spend_alert(usage_id);

-- The usage tiers, lowest first (DOMAIN.md's table by default): reached by the amount paid
-- (purchases and recharges) and the days since the first payment; each sets a monthly usage
-- limit that is a hard limit.
CREATE TABLE usage_tier (
    rank INTEGER PRIMARY KEY CHECK (rank BETWEEN 0 AND 99),
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 32),
    minimum_paid_nanos INTEGER NOT NULL CHECK (minimum_paid_nanos BETWEEN 0 AND 1000000000000000),
    minimum_days INTEGER NOT NULL CHECK (minimum_days BETWEEN 0 AND 36500),
    monthly_usage_limit_nanos INTEGER NOT NULL CHECK (monthly_usage_limit_nanos BETWEEN 0 AND 1000000000000000000),
    CHECK (rank > 0 OR (minimum_paid_nanos = 0 AND minimum_days = 0))
) STRICT;
INSERT INTO usage_tier (rank, name, minimum_paid_nanos, minimum_days, monthly_usage_limit_nanos) VALUES
    (0, 'free', 0, 0, 100000000000),
    (1, '1', 5000000000, 0, 100000000000),
    (2, '2', 50000000000, 7, 500000000000),
    (3, '3', 100000000000, 7, 1000000000000),
    (4, '4', 250000000000, 14, 5000000000000),
    (5, '5', 1000000000000, 30, 200000000000000);

-- The lowest tier an account must have reached before a model answers it.
CREATE TABLE model_requirement (
    model TEXT PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 256),
    minimum_tier TEXT NOT NULL REFERENCES usage_tier(name)
) STRICT, WITHOUT ROWID;

-- A hold on an account's credit for one request a gateway is about to serve: the most the
-- request can cost. Open holds lower the available balance; settling charges the actual usage
-- and releases the hold, voiding or expiry releases it.
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
    usage_id INTEGER UNIQUE REFERENCES usage(id),
    CHECK ((status = 'open') = (closed_at_ms IS NULL)),
    CHECK ((status = 'settled') = (usage_id IS NOT NULL))
) STRICT;
CREATE INDEX reservation_open_by_account ON reservation(account_id, expires_at_ms) WHERE status = 'open';

-- The journal, as v0002 had it, plus the charge that caused each recharge: a recharge is
-- listed right after its charge, even within one millisecond (see `Ledger.journal`).
DROP VIEW journal;
CREATE VIEW journal AS
SELECT 'transfer' AS source, t.id, t.reference, t.kind, t.debit_account_id, t.credit_account_id, t.amount_nanos, t.occurred_at_ms,
       t.balance_after_nanos, r.usage_id AS after_usage_id
FROM transfer t LEFT JOIN recharge_attempt r ON r.transfer_id = t.id
UNION ALL
SELECT 'usage', id, request_id, 'usage', account_id, 3, cost_nanos, occurred_at_ms, balance_after_nanos, NULL
FROM usage WHERE cost_nanos > 0;
