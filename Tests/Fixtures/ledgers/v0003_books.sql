-- A ledger file made by TokenLedger at schema v0003_controls (commit 1683617), as `sqlite3 .dump`
-- printed it, plus its application_id (which .dump leaves out). Never edit: later versions must
-- open it, migrate it and keep every balance (UpgradeTests). Made by:
--   init; account create acme --overdraft 5; account create beta --max-purchase 500 (at 2026-01-01)
--   grant acme 1 --at 2026-01-01 --expires-at 2026-01-10 --id g-welcome
--   purchase acme 20 --at 2026-01-01T01:00:00Z --id p-1
--   recharge acme --threshold 10 --restore-to 20 --monthly-cap 100 --at 2026-01-01
--   limit acme --soft 5 --hard 50; limit acme --project web --hard 1
--   charge acme --model o3 --input 1000 --output 500 --at 2026-01-02 --id r-1 --project web
--   prices set pricey --input 1000 --output 1000 --effective-from 2025-01-01
--   charge acme --model pricey --input 12000 --output 500 --at 2026-01-03 --id r-big --api-key k1 --user u1
--     (recharges $11.51 back to $20)
--   charge acme --model gpt-4o-mini --tier flex --input 5000 --cached 1000 --output 100 --at 2026-01-12 --id r-3
--     (writes off the expired grant first)
--   reserve acme --model gpt-4o --input 1200 --max-output 800 --id res-1 --at 2026-01-13
--   settle res-1 --input 1180 --output 412 --at 2026-01-13T00:00:05Z
--   reserve acme --model gpt-4o --input 1200 --max-output 800 --id res-open --at 2026-01-14 --expires-in 600
--   charge beta --model gpt-4o --input 100000 --output 16000 --at 2026-01-20 --id b-1   (overdraft)
--   purchase beta 5 --at 2026-01-21 --id pb-1   (repays it)
--   charge beta --model gpt-4o --input 100 --output 100 --at 2026-02-02 --id b-2
--   import usage usage.csv --account acme --format csv   (UpgradeTests.v0003CSV)
--   balance acme --at 2026-02-15; balance beta --at 2026-02-15
PRAGMA application_id = 1416315236;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES('v0001_initial');
INSERT INTO grdb_migrations VALUES('v0002_usage_entries');
INSERT INTO grdb_migrations VALUES('v0003_controls');
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
INSERT INTO account VALUES(1,'@payments','system',-36510000000,100000000000,0,0,0,0);
INSERT INTO account VALUES(2,'@grants','system',-1000000000,100000000000,0,0,0,0);
INSERT INTO account VALUES(3,'@usage','system',12925542500,100000000000,0,0,0,0);
INSERT INTO account VALUES(4,'@expired','system',0,100000000000,0,0,0,0);
INSERT INTO account VALUES(5,'@adjustments','system',0,100000000000,0,0,0,0);
INSERT INTO account VALUES(6,'acme','customer',19995707500,100000000000,5000000000,1767225600000,1767225600000,12514292500);
INSERT INTO account VALUES(7,'beta','customer',4588750000,500000000000,0,1767225600000,1769904000000,1250000);
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
INSERT INTO transfer VALUES(1,'g-welcome','grant',2,6,1000000000,1767225600000,1000000000);
INSERT INTO transfer VALUES(2,'p-1','purchase',1,6,20000000000,1767229200000,21000000000);
INSERT INTO transfer VALUES(3,NULL,'recharge',1,6,11510000000,1767398400000,20004000000);
INSERT INTO transfer VALUES(4,'pb-1','purchase',1,7,5000000000,1768953600000,4590000000);
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
INSERT INTO lot VALUES(1,6,'grant',1,1000000000,0,1767225600000,1768003200000);
INSERT INTO lot VALUES(2,6,'purchase',2,20000000000,8485707500,1767229200000,1798765200000);
INSERT INTO lot VALUES(3,6,'purchase',3,11510000000,11510000000,1767398400000,1798934400000);
INSERT INTO lot VALUES(4,7,'purchase',4,5000000000,4588750000,1768953600000,1800489600000);
CREATE TABLE allocation (
    transfer_id INTEGER NOT NULL REFERENCES transfer(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (transfer_id, lot_id)
) STRICT, WITHOUT ROWID;
INSERT INTO allocation VALUES(4,4,410000000);
CREATE TABLE price_entry (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 256),
    effective_from_ms INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('default', 'manual', 'litellm')),
    max_input_tokens INTEGER CHECK (max_input_tokens > 0),
    max_output_tokens INTEGER CHECK (max_output_tokens > 0),
    long_context_threshold_tokens INTEGER CHECK (long_context_threshold_tokens > 0),
    UNIQUE (model, effective_from_ms)
) STRICT;
INSERT INTO price_entry VALUES(1,'o3',1744761600000,'default',200000,100000,NULL);
INSERT INTO price_entry VALUES(2,'o3',1749513600000,'default',200000,100000,NULL);
INSERT INTO price_entry VALUES(3,'o4-mini',1744761600000,'default',200000,100000,NULL);
INSERT INTO price_entry VALUES(4,'gpt-4o',1715558400000,'default',128000,4096,NULL);
INSERT INTO price_entry VALUES(5,'gpt-4o',1727827200000,'default',128000,16384,NULL);
INSERT INTO price_entry VALUES(6,'gpt-4o-mini',1721260800000,'default',128000,16384,NULL);
INSERT INTO price_entry VALUES(7,'gpt-4',1678752000000,'default',8192,4096,NULL);
INSERT INTO price_entry VALUES(8,'gpt-4-32k',1678752000000,'default',32768,4096,NULL);
INSERT INTO price_entry VALUES(9,'gpt-4-0125-preview',1706140800000,'default',128000,4096,NULL);
INSERT INTO price_entry VALUES(10,'gpt-3.5-turbo-0125',1706140800000,'default',16385,4096,NULL);
INSERT INTO price_entry VALUES(11,'gpt-3.5-turbo',1677628800000,'default',4096,4096,NULL);
INSERT INTO price_entry VALUES(12,'gpt-3.5-turbo',1686614400000,'default',4096,4096,NULL);
INSERT INTO price_entry VALUES(13,'gpt-3.5-turbo',1706140800000,'default',4096,4096,NULL);
INSERT INTO price_entry VALUES(14,'gpt-4-turbo-preview',1706140800000,'default',128000,4096,NULL);
INSERT INTO price_entry VALUES(15,'gpt-3.5-turbo-instruct',1694995200000,'default',4096,4096,NULL);
INSERT INTO price_entry VALUES(16,'pricey',1735689600000,'manual',NULL,NULL,NULL);
CREATE TABLE price_rate (
    price_entry_id INTEGER NOT NULL REFERENCES price_entry(id),
    service_tier TEXT NOT NULL CHECK (service_tier IN ('default', 'flex', 'batch', 'priority')),
    band TEXT NOT NULL CHECK (band IN ('standard', 'long_context')),
    input_nanos_per_million INTEGER CHECK (input_nanos_per_million BETWEEN 0 AND 10000000000000),
    cached_input_nanos_per_million INTEGER CHECK (cached_input_nanos_per_million BETWEEN 0 AND 10000000000000),
    cache_write_nanos_per_million INTEGER CHECK (cache_write_nanos_per_million BETWEEN 0 AND 10000000000000),
    output_nanos_per_million INTEGER CHECK (output_nanos_per_million BETWEEN 0 AND 10000000000000),
    PRIMARY KEY (price_entry_id, service_tier, band)
) STRICT, WITHOUT ROWID;
INSERT INTO price_rate VALUES(1,'batch','standard',5000000000,NULL,NULL,20000000000);
INSERT INTO price_rate VALUES(1,'default','standard',10000000000,2500000000,NULL,40000000000);
INSERT INTO price_rate VALUES(1,'flex','standard',5000000000,1250000000,NULL,20000000000);
INSERT INTO price_rate VALUES(2,'batch','standard',1000000000,NULL,NULL,4000000000);
INSERT INTO price_rate VALUES(2,'default','standard',2000000000,500000000,NULL,8000000000);
INSERT INTO price_rate VALUES(2,'flex','standard',1000000000,250000000,NULL,4000000000);
INSERT INTO price_rate VALUES(2,'priority','standard',3500000000,875000000,NULL,14000000000);
INSERT INTO price_rate VALUES(3,'batch','standard',550000000,NULL,NULL,2200000000);
INSERT INTO price_rate VALUES(3,'default','standard',1100000000,275000000,NULL,4400000000);
INSERT INTO price_rate VALUES(3,'flex','standard',550000000,138000000,NULL,2200000000);
INSERT INTO price_rate VALUES(3,'priority','standard',2000000000,500000000,NULL,8000000000);
INSERT INTO price_rate VALUES(4,'batch','standard',2500000000,NULL,NULL,7500000000);
INSERT INTO price_rate VALUES(4,'default','standard',5000000000,NULL,NULL,15000000000);
INSERT INTO price_rate VALUES(5,'batch','standard',1250000000,NULL,NULL,5000000000);
INSERT INTO price_rate VALUES(5,'default','standard',2500000000,1250000000,NULL,10000000000);
INSERT INTO price_rate VALUES(5,'priority','standard',4250000000,2125000000,NULL,17000000000);
INSERT INTO price_rate VALUES(6,'batch','standard',75000000,NULL,NULL,300000000);
INSERT INTO price_rate VALUES(6,'default','standard',150000000,75000000,NULL,600000000);
INSERT INTO price_rate VALUES(6,'priority','standard',250000000,125000000,NULL,1000000000);
INSERT INTO price_rate VALUES(7,'default','standard',30000000000,NULL,NULL,60000000000);
INSERT INTO price_rate VALUES(8,'default','standard',60000000000,NULL,NULL,120000000000);
INSERT INTO price_rate VALUES(9,'default','standard',10000000000,NULL,NULL,30000000000);
INSERT INTO price_rate VALUES(10,'batch','standard',250000000,NULL,NULL,750000000);
INSERT INTO price_rate VALUES(10,'default','standard',500000000,NULL,NULL,1500000000);
INSERT INTO price_rate VALUES(11,'default','standard',2000000000,NULL,NULL,2000000000);
INSERT INTO price_rate VALUES(12,'default','standard',1500000000,NULL,NULL,2000000000);
INSERT INTO price_rate VALUES(13,'default','standard',500000000,NULL,NULL,1500000000);
INSERT INTO price_rate VALUES(14,'default','standard',10000000000,NULL,NULL,30000000000);
INSERT INTO price_rate VALUES(15,'default','standard',1500000000,NULL,NULL,2000000000);
INSERT INTO price_rate VALUES(16,'default','standard',1000000000000,NULL,NULL,1000000000000);
CREATE TABLE IF NOT EXISTS "usage" (
    id INTEGER PRIMARY KEY,
    -- the provider's request id (or one given or generated): the idempotency key of a charge
    request_id TEXT NOT NULL UNIQUE CHECK (length(request_id) BETWEEN 1 AND 256),
    -- the account debited (the credit side is always @usage)
    account_id INTEGER NOT NULL REFERENCES account(id),
    price_entry_id INTEGER NOT NULL REFERENCES price_entry(id),
    model TEXT NOT NULL,
    service_tier TEXT NOT NULL CHECK (service_tier IN ('default', 'flex', 'batch', 'priority')),
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
    end_user TEXT CHECK (end_user IS NULL OR length(end_user) BETWEEN 1 AND 256),
    CHECK (cached_tokens + cache_write_tokens <= input_tokens),
    CHECK ((lot_id IS NULL) = (lot_nanos IS NULL))
) STRICT;
INSERT INTO usage VALUES(1,'r-1',6,2,'o3','default','standard',1000,0,0,500,1,6000000,1767312000000,20994000000,1,6000000,'web',NULL,NULL);
INSERT INTO usage VALUES(2,'r-big',6,16,'pricey','default','standard',12000,0,0,500,1,12500000000,1767398400000,8494000000,1,994000000,NULL,'k1','u1');
INSERT INTO usage VALUES(3,'r-3',6,6,'gpt-4o-mini','flex','standard',5000,1000,0,100,1,367500,1768176000000,20003632500,2,367500,NULL,NULL,NULL);
INSERT INTO usage VALUES(4,'res-1',6,5,'gpt-4o','default','standard',1180,0,0,412,1,7070000,1768262405000,19996562500,2,7070000,NULL,NULL,NULL);
INSERT INTO usage VALUES(5,'b-1',7,5,'gpt-4o','default','standard',100000,0,0,16000,1,410000000,1768867200000,-410000000,NULL,NULL,NULL,NULL,NULL);
INSERT INTO usage VALUES(6,'b-2',7,5,'gpt-4o','default','standard',100,0,0,100,1,1250000,1769990400000,4588750000,4,1250000,NULL,NULL,NULL);
INSERT INTO usage VALUES(7,'imp_019be3003400_30360f87188703b0144269cf',6,6,'gpt-4o-mini','default','standard',1000,0,0,100,1,210000,1769040000000,19996352500,2,210000,'p',NULL,NULL);
INSERT INTO usage VALUES(8,'imp_019be3011e60_87b6201ef3789b9cfee63059',6,6,'gpt-4o-mini','default','standard',2000,500,0,100,1,322500,1769040060000,19996030000,2,322500,'p',NULL,NULL);
INSERT INTO usage VALUES(9,'imp_019be3011e60_ba7faecc7179437ac2e7ba06',6,6,'gpt-4o-mini','default','standard',2000,500,0,100,1,322500,1769040060000,19995707500,2,322500,'p',NULL,NULL);
CREATE TABLE usage_allocation (
    usage_id INTEGER NOT NULL REFERENCES "usage"(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (usage_id, lot_id)
) STRICT, WITHOUT ROWID;
INSERT INTO usage_allocation VALUES(2,2,11506000000);
CREATE TABLE usage_daily (
    account_id INTEGER NOT NULL REFERENCES account(id),
    -- the day's first instant (UTC midnight)
    day_ms INTEGER NOT NULL CHECK (day_ms % 86400000 = 0),
    model TEXT NOT NULL,
    service_tier TEXT NOT NULL,
    band TEXT NOT NULL,
    project TEXT NOT NULL,
    api_key TEXT NOT NULL,
    end_user TEXT NOT NULL,
    -- usage rows added up
    charges INTEGER NOT NULL CHECK (charges > 0),
    requests INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_nanos INTEGER NOT NULL,
    PRIMARY KEY (account_id, day_ms, model, service_tier, band, project, api_key, end_user)
) STRICT, WITHOUT ROWID;
INSERT INTO usage_daily VALUES(6,1767312000000,'o3','default','standard','web','','',1,1,1000,0,0,500,6000000);
INSERT INTO usage_daily VALUES(6,1767398400000,'pricey','default','standard','','k1','u1',1,1,12000,0,0,500,12500000000);
INSERT INTO usage_daily VALUES(6,1768176000000,'gpt-4o-mini','flex','standard','','','',1,1,5000,1000,0,100,367500);
INSERT INTO usage_daily VALUES(6,1768262400000,'gpt-4o','default','standard','','','',1,1,1180,0,0,412,7070000);
INSERT INTO usage_daily VALUES(6,1769040000000,'gpt-4o-mini','default','standard','p','','',3,3,5000,1000,0,300,855000);
INSERT INTO usage_daily VALUES(7,1768867200000,'gpt-4o','default','standard','','','',1,1,100000,0,0,16000,410000000);
INSERT INTO usage_daily VALUES(7,1769990400000,'gpt-4o','default','standard','','','',1,1,100,0,0,100,1250000);
CREATE TABLE setting (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO setting VALUES('import_id_scheme','2');
CREATE TABLE auto_recharge (
    account_id INTEGER PRIMARY KEY REFERENCES account(id),
    threshold_nanos INTEGER NOT NULL CHECK (threshold_nanos > 0),
    restore_to_nanos INTEGER NOT NULL CHECK (restore_to_nanos > threshold_nanos AND restore_to_nanos <= 1000000000000000),
    -- the most recharges may add in one calendar month; NULL: no cap
    monthly_cap_nanos INTEGER CHECK (monthly_cap_nanos > 0 AND monthly_cap_nanos % 10000000 = 0),
    updated_at_ms INTEGER NOT NULL
) STRICT;
INSERT INTO auto_recharge VALUES(6,10000000000,20000000000,100000000000,1767225600000);
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
INSERT INTO recharge_attempt VALUES(1,6,2,11510000000,'succeeded',3,NULL,1767398400000);
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
INSERT INTO spend_limit VALUES(6,'',5000000000,50000000000);
INSERT INTO spend_limit VALUES(6,'web',NULL,1000000000);
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
INSERT INTO spend_alert VALUES(1,6,'','soft_limit',1767225600000,5000000000,12506000000,2,1767398400000);
CREATE TABLE usage_tier (
    rank INTEGER PRIMARY KEY CHECK (rank BETWEEN 0 AND 99),
    name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 32),
    minimum_paid_nanos INTEGER NOT NULL CHECK (minimum_paid_nanos BETWEEN 0 AND 1000000000000000),
    minimum_days INTEGER NOT NULL CHECK (minimum_days BETWEEN 0 AND 36500),
    monthly_usage_limit_nanos INTEGER NOT NULL CHECK (monthly_usage_limit_nanos BETWEEN 0 AND 1000000000000000000),
    CHECK (rank > 0 OR (minimum_paid_nanos = 0 AND minimum_days = 0))
) STRICT;
INSERT INTO usage_tier VALUES(0,'free',0,0,100000000000);
INSERT INTO usage_tier VALUES(1,'1',5000000000,0,100000000000);
INSERT INTO usage_tier VALUES(2,'2',50000000000,7,500000000000);
INSERT INTO usage_tier VALUES(3,'3',100000000000,7,1000000000000);
INSERT INTO usage_tier VALUES(4,'4',250000000000,14,5000000000000);
INSERT INTO usage_tier VALUES(5,'5',1000000000000,30,200000000000000);
CREATE TABLE model_requirement (
    model TEXT PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 256),
    minimum_tier TEXT NOT NULL REFERENCES usage_tier(name)
) STRICT, WITHOUT ROWID;
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
INSERT INTO reservation VALUES(1,'res-1',6,'gpt-4o','default',NULL,NULL,NULL,1200,800,11000000,1768262400000,1768263000000,'settled',1768262405000,4);
INSERT INTO reservation VALUES(2,'res-open',6,'gpt-4o','default',NULL,NULL,NULL,1200,800,11000000,1768348800000,1768349400000,'expired',1768349400000,NULL);
CREATE INDEX transfer_by_debit_account ON transfer(debit_account_id, occurred_at_ms);
CREATE INDEX transfer_by_credit_account ON transfer(credit_account_id, occurred_at_ms);
CREATE TRIGGER transfer_is_append_only_update BEFORE UPDATE ON transfer
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never updated'); END;
CREATE INDEX allocation_by_lot ON allocation(lot_id);
CREATE TRIGGER transfer_is_append_only_delete BEFORE DELETE ON transfer
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never deleted'); END;
CREATE TRIGGER transfer_is_not_usage BEFORE INSERT ON transfer WHEN NEW.kind = 'usage'
BEGIN SELECT RAISE(ABORT, 'usage is journaled by its usage row, not by a transfer'); END;
CREATE TRIGGER usage_is_append_only_update BEFORE UPDATE ON usage
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: usage is never updated'); END;
CREATE TRIGGER usage_is_append_only_delete BEFORE DELETE ON usage
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: usage is never deleted'); END;
CREATE TRIGGER usage_allocation_is_append_only_update BEFORE UPDATE ON usage_allocation
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: allocations are never updated'); END;
CREATE TRIGGER usage_allocation_is_append_only_delete BEFORE DELETE ON usage_allocation
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: allocations are never deleted'); END;
CREATE INDEX lot_by_account ON lot(account_id, expires_at_ms);
CREATE INDEX recharge_attempt_by_account_time ON recharge_attempt(account_id, occurred_at_ms);
CREATE TRIGGER recharge_attempt_is_append_only_update BEFORE UPDATE ON recharge_attempt
BEGIN SELECT RAISE(ABORT, 'recharge attempts are never updated'); END;
CREATE TRIGGER recharge_attempt_is_append_only_delete BEFORE DELETE ON recharge_attempt
BEGIN SELECT RAISE(ABORT, 'recharge attempts are never deleted'); END;
CREATE INDEX spend_alert_by_usage ON spend_alert(usage_id);
CREATE INDEX reservation_open_by_account ON reservation(account_id, expires_at_ms) WHERE status = 'open';
CREATE VIEW journal AS
SELECT 'transfer' AS source, t.id, t.reference, t.kind, t.debit_account_id, t.credit_account_id, t.amount_nanos, t.occurred_at_ms,
       t.balance_after_nanos, r.usage_id AS after_usage_id
FROM transfer t LEFT JOIN recharge_attempt r ON r.transfer_id = t.id
UNION ALL
SELECT 'usage', id, request_id, 'usage', account_id, 3, cost_nanos, occurred_at_ms, balance_after_nanos, NULL
FROM usage WHERE cost_nanos > 0;
COMMIT;
