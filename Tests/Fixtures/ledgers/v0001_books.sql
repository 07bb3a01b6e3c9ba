-- A ledger file made by TokenLedger at schema v0001_initial (commit aa95cad), as `sqlite3 .dump`
-- printed it, plus its application_id (which .dump leaves out). Never edit: later versions must
-- open it, migrate it and keep every balance (UpgradeTests). Made by:
--   init; account create acme --overdraft 5; account create beta --max-purchase 500
--   grant acme 1 --at 2025-07-01 --expires-at 2025-07-10 --id g-welcome
--   purchase acme 20 --at 2025-07-01T01:00:00Z --id p-1; grant acme 0.01 --at 2025-07-15 --id g-small
--   charge acme --model o3 --input 1000 --output 500 --at 2025-07-16 --id r-1 --project web
--   charge acme --model o3 --input 1000 --output 500 --at 2025-07-16T00:00:01Z --id r-2 --api-key k1 --user u1
--     (r-2 draws on two lots: the rest of g-small and p-1)
--   charge acme --model gpt-4o --input 0 --output 0 --at 2025-07-17 --id r-zero
--   charge acme --model gpt-4o-mini --tier flex --input 5000 --cached 1000 --output 100 --at 2025-07-18 --id r-3
--   charge beta --model gpt-4o --input 100000 --output 16000 --at 2025-07-20 --id b-1   (overdraft)
--   purchase beta 5 --at 2025-07-21 --id pb-1   (repays it)
--   charge beta --model gpt-4o --input 100 --output 100 --at 2025-08-02 --id b-2
--   import usage usage.csv --account acme --format csv   (UsageImportFixture.v0001CSV; scheme-1 ids)
PRAGMA application_id = 1416315236;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES('v0001_initial');
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
    created_at_ms INTEGER NOT NULL,
    CHECK (kind = 'system' OR substr(name, 1, 1) <> '@')
) STRICT;
INSERT INTO account VALUES(1,'@payments','system',-25000000000,100000000000,0,0);
INSERT INTO account VALUES(2,'@grants','system',-1010000000,100000000000,0,0);
INSERT INTO account VALUES(3,'@usage','system',424472500,100000000000,0,0);
INSERT INTO account VALUES(4,'@expired','system',1000000000,100000000000,0,0);
INSERT INTO account VALUES(5,'@adjustments','system',0,100000000000,0,0);
INSERT INTO account VALUES(6,'acme','customer',19996777500,100000000000,5000000000,1795407814062);
INSERT INTO account VALUES(7,'beta','customer',4588750000,500000000000,0,1795407814101);
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
INSERT INTO transfer VALUES(1,'g-welcome','grant',2,6,1000000000,1751328000000,1000000000);
INSERT INTO transfer VALUES(2,'p-1','purchase',1,6,20000000000,1751331600000,21000000000);
INSERT INTO transfer VALUES(3,NULL,'expiry',6,4,1000000000,1752105600000,20000000000);
INSERT INTO transfer VALUES(4,'g-small','grant',2,6,10000000,1752537600000,20010000000);
INSERT INTO transfer VALUES(5,NULL,'usage',6,3,6000000,1752624000000,20004000000);
INSERT INTO transfer VALUES(6,NULL,'usage',6,3,6000000,1752624001000,19998000000);
INSERT INTO transfer VALUES(7,NULL,'usage',6,3,367500,1752796800000,19997632500);
INSERT INTO transfer VALUES(8,NULL,'usage',7,3,410000000,1752969600000,-410000000);
INSERT INTO transfer VALUES(9,'pb-1','purchase',1,7,5000000000,1753056000000,4590000000);
INSERT INTO transfer VALUES(10,NULL,'usage',7,3,1250000,1754092800000,4588750000);
INSERT INTO transfer VALUES(11,NULL,'usage',6,3,210000,1753142400000,19997422500);
INSERT INTO transfer VALUES(12,NULL,'usage',6,3,322500,1753142460000,19997100000);
INSERT INTO transfer VALUES(13,NULL,'usage',6,3,322500,1753142460000,19996777500);
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
INSERT INTO lot VALUES(1,6,'grant',1,1000000000,0,1751328000000,1752105600000);
INSERT INTO lot VALUES(2,6,'purchase',2,20000000000,19996777500,1751331600000,1782867600000);
INSERT INTO lot VALUES(3,6,'grant',4,10000000,0,1752537600000,1784073600000);
INSERT INTO lot VALUES(4,7,'purchase',9,5000000000,4588750000,1753056000000,1784592000000);
CREATE TABLE allocation (
    transfer_id INTEGER NOT NULL REFERENCES transfer(id),
    lot_id INTEGER NOT NULL REFERENCES lot(id),
    amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
    PRIMARY KEY (transfer_id, lot_id)
) STRICT, WITHOUT ROWID;
INSERT INTO allocation VALUES(3,1,1000000000);
INSERT INTO allocation VALUES(5,3,6000000);
INSERT INTO allocation VALUES(6,2,2000000);
INSERT INTO allocation VALUES(6,3,4000000);
INSERT INTO allocation VALUES(7,2,367500);
INSERT INTO allocation VALUES(9,4,410000000);
INSERT INTO allocation VALUES(10,4,1250000);
INSERT INTO allocation VALUES(11,2,210000);
INSERT INTO allocation VALUES(12,2,322500);
INSERT INTO allocation VALUES(13,2,322500);
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
CREATE TABLE usage (
    id INTEGER PRIMARY KEY,
    -- the provider's request id (or one given or generated): the idempotency key of a charge
    request_id TEXT NOT NULL UNIQUE CHECK (length(request_id) BETWEEN 1 AND 256),
    account_id INTEGER NOT NULL REFERENCES account(id),
    -- the usage transfer; NULL exactly when the usage cost nothing
    transfer_id INTEGER UNIQUE REFERENCES transfer(id),
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
    project TEXT CHECK (project IS NULL OR length(project) BETWEEN 1 AND 256),
    api_key TEXT CHECK (api_key IS NULL OR length(api_key) BETWEEN 1 AND 256),
    end_user TEXT CHECK (end_user IS NULL OR length(end_user) BETWEEN 1 AND 256),
    CHECK (cached_tokens + cache_write_tokens <= input_tokens),
    CHECK ((cost_nanos = 0) = (transfer_id IS NULL))
) STRICT;
INSERT INTO usage VALUES(1,'r-1',6,5,2,'o3','default','standard',1000,0,0,500,1,6000000,1752624000000,20004000000,'web',NULL,NULL);
INSERT INTO usage VALUES(2,'r-2',6,6,2,'o3','default','standard',1000,0,0,500,1,6000000,1752624001000,19998000000,NULL,'k1','u1');
INSERT INTO usage VALUES(3,'r-zero',6,NULL,5,'gpt-4o','default','standard',0,0,0,0,1,0,1752710400000,19998000000,NULL,NULL,NULL);
INSERT INTO usage VALUES(4,'r-3',6,7,6,'gpt-4o-mini','flex','standard',5000,1000,0,100,1,367500,1752796800000,19997632500,NULL,NULL,NULL);
INSERT INTO usage VALUES(5,'b-1',7,8,5,'gpt-4o','default','standard',100000,0,0,16000,1,410000000,1752969600000,-410000000,NULL,NULL,NULL);
INSERT INTO usage VALUES(6,'b-2',7,10,5,'gpt-4o','default','standard',100,0,0,100,1,1250000,1754092800000,4588750000,NULL,NULL,NULL);
INSERT INTO usage VALUES(7,'imp_643fe98588c0bc1713cd41a3bb98a213cf5a76e5480fff09d21fd0627de6fcb3',6,11,6,'gpt-4o-mini','default','standard',1000,0,0,100,1,210000,1753142400000,19997422500,'p',NULL,NULL);
INSERT INTO usage VALUES(8,'imp_cf0ad6e41077e45e5029cb2fa689ff9e822a959a5a872a819ebb80dfbb4ace3c',6,12,6,'gpt-4o-mini','default','standard',2000,500,0,100,1,322500,1753142460000,19997100000,'p',NULL,NULL);
INSERT INTO usage VALUES(9,'imp_8c1cc5b9167af18e7336945e62b109c3e23a07cc8dbbc25c40f6a5bdcb253490',6,13,6,'gpt-4o-mini','default','standard',2000,500,0,100,1,322500,1753142460000,19996777500,'p',NULL,NULL);
CREATE INDEX transfer_by_debit_account ON transfer(debit_account_id, occurred_at_ms);
CREATE INDEX transfer_by_credit_account ON transfer(credit_account_id, occurred_at_ms);
CREATE TRIGGER transfer_is_append_only_update BEFORE UPDATE ON transfer
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never updated'); END;
CREATE TRIGGER transfer_is_append_only_delete BEFORE DELETE ON transfer
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never deleted'); END;
CREATE INDEX lot_live_by_account ON lot(account_id, expires_at_ms) WHERE remaining_nanos > 0;
CREATE INDEX allocation_by_lot ON allocation(lot_id);
CREATE INDEX usage_by_account_time ON usage(account_id, occurred_at_ms);
COMMIT;
