-- citus.sql: distributes the TokenLedger PostgreSQL schema (v0001_initial.sql) on Citus.
--
-- Designed, not run on Citus: no Citus cluster was available. The ALTER TABLE part was run on
-- plain PostgreSQL 15 after v0001, with create_reference_table and create_distributed_table
-- replaced by no-ops, which checks its syntax and constraint names only. Not a migration:
-- the runner does not apply it. Run it once, by hand, on the coordinator of a ledger database
-- where v0001 has been applied (best before it holds data), after `CREATE EXTENSION citus` and
-- the workers have been added:
--   psql "$URL" -v ON_ERROR_STOP=1 --single-transaction -f migrations/postgres/citus.sql
--
-- The layout: everything that belongs to a customer account is distributed by its account id
-- (account by `id`, every other account-owned table by `account_id`), all colocated with
-- `account`, so that one account's charge, its lots, balance and journal rows are on one shard
-- and one node's transaction. Tables that every account reads and few write (price book,
-- aliases, tiers, settings, API keys, webhook endpoints) are reference tables, copied to every
-- node. The system accounts' balances are already split per customer (system_balance), so no
-- shard holds a row that every charge writes.
--
-- What changes, and what the store must do about it:
--   1. Unique constraints must contain the distribution column. The caller's idempotency keys
--      become unique per account, not across the ledger: transfer.reference, usage.request_id,
--      reservation.reference and reservation.close_reference. The same request id charged to
--      two accounts is two charges here (SQLite refuses the second as a conflict): the store's
--      look-ups and ON CONFLICT targets become (account_id, request_id) and so on.
--      Row ids (transfer.id, usage.id, ...) stay unique because they come from identity
--      sequences, no longer because a constraint says so; the keys are (account_id, id).
--      Account names lose their uniqueness in the database (account is distributed by id):
--      the store must keep them unique itself, e.g. with a reference table of names that
--      account creation writes (rare, so a reference-table write per creation is cheap).
--   2. Foreign keys between distributed tables must include the distribution column. v0001's
--      references between account-owned rows are already (account_id, x_id); these remain
--      unsupported and are dropped:
--        transfer.debit_account_id/credit_account_id -> account: one side is a system account,
--          on another shard. The CHECKs transfer_account_is_a_side and
--          transfer_is_customer_and_system (the other side is 1..5) and account_id's own
--          foreign key still hold.
--        system_balance.system_account_id -> account: its CHECK (1..5) still holds.
--        api_key.account_id and webhook_endpoint.account_id -> account: a reference table
--          cannot reference a distributed table; the store checks the account exists.
--   3. Triggers on distributed tables need citus.enable_unsafe_triggers (Citus 11+): they run
--      on the shards. The append-only ones only raise. correction_is_an_adjustment reads
--      transfer by (account_id, id), a colocated shard of the same node.
--   4. Identity columns: check that the Citus version in use supports bigint identity columns
--      on distributed tables (each node then draws ids from its own range); otherwise make them
--      sequences with DEFAULT nextval(...). event.seq was never in commit order once there
--      were several writers (see v0001), and across nodes it is not even in insert order.
--   5. Queries that name one account_id go to one shard. Per-system-account sums
--      (account_balance for ids 1..5, verify) and reports over all accounts fan out to every
--      shard.

SET citus.enable_unsafe_triggers TO on;
-- One connection per node for the DDL below, so that distributing tables that reference
-- reference tables in the same transaction does not fail.
SET citus.multi_shard_modify_mode TO 'sequential';

-- 2. Foreign keys Citus cannot keep.
ALTER TABLE transfer DROP CONSTRAINT transfer_debit_account_id_fkey, DROP CONSTRAINT transfer_credit_account_id_fkey;
ALTER TABLE system_balance DROP CONSTRAINT system_balance_system_account_id_fkey;
ALTER TABLE api_key DROP CONSTRAINT api_key_account_id_fkey;
ALTER TABLE webhook_endpoint DROP CONSTRAINT webhook_endpoint_account_id_fkey;

-- 1. Unique constraints with the distribution column. Where v0001 already has a unique
-- (account_id, id) that foreign keys reference, the single-column primary key is dropped and
-- that index becomes the replica identity (shard moves replicate by it).
ALTER TABLE account DROP CONSTRAINT account_name_key;

ALTER TABLE transfer DROP CONSTRAINT transfer_pkey, DROP CONSTRAINT transfer_reference_key,
    ADD CONSTRAINT transfer_reference_key UNIQUE (account_id, reference);
ALTER TABLE transfer REPLICA IDENTITY USING INDEX transfer_by_account;

ALTER TABLE lot DROP CONSTRAINT lot_pkey, DROP CONSTRAINT lot_transfer_id_key,
    ADD CONSTRAINT lot_transfer_id_key UNIQUE (account_id, transfer_id);
ALTER TABLE lot REPLICA IDENTITY USING INDEX lot_by_account_id;

ALTER TABLE usage DROP CONSTRAINT usage_pkey, DROP CONSTRAINT usage_request_id_key,
    ADD CONSTRAINT usage_request_id_key UNIQUE (account_id, request_id);
ALTER TABLE usage REPLICA IDENTITY USING INDEX usage_by_account_id;

ALTER TABLE event DROP CONSTRAINT event_pkey;
ALTER TABLE event REPLICA IDENTITY USING INDEX event_by_account;

ALTER TABLE allocation DROP CONSTRAINT allocation_pkey, ADD PRIMARY KEY (account_id, transfer_id, lot_id);
ALTER TABLE usage_allocation DROP CONSTRAINT usage_allocation_pkey, ADD PRIMARY KEY (account_id, usage_id, lot_id);
ALTER TABLE lot_return DROP CONSTRAINT lot_return_pkey, ADD PRIMARY KEY (account_id, transfer_id, lot_id);

ALTER TABLE correction DROP CONSTRAINT correction_pkey, DROP CONSTRAINT correction_usage_id_key,
    ADD PRIMARY KEY (account_id, transfer_id), ADD CONSTRAINT correction_usage_id_key UNIQUE (account_id, usage_id);

ALTER TABLE recharge_attempt DROP CONSTRAINT recharge_attempt_pkey, DROP CONSTRAINT recharge_attempt_usage_id_key,
    DROP CONSTRAINT recharge_attempt_transfer_id_key, ADD PRIMARY KEY (account_id, id),
    ADD CONSTRAINT recharge_attempt_usage_id_key UNIQUE (account_id, usage_id),
    ADD CONSTRAINT recharge_attempt_transfer_id_key UNIQUE (account_id, transfer_id);

ALTER TABLE reservation DROP CONSTRAINT reservation_pkey, DROP CONSTRAINT reservation_reference_key,
    DROP CONSTRAINT reservation_usage_id_key, ADD PRIMARY KEY (account_id, id),
    ADD CONSTRAINT reservation_reference_key UNIQUE (account_id, reference),
    ADD CONSTRAINT reservation_usage_id_key UNIQUE (account_id, usage_id);
DROP INDEX reservation_by_close_reference;
CREATE UNIQUE INDEX reservation_by_close_reference ON reservation(account_id, close_reference) WHERE close_reference IS NOT NULL;

ALTER TABLE spend_alert DROP CONSTRAINT spend_alert_pkey, ADD PRIMARY KEY (account_id, id);
ALTER TABLE webhook_delivery DROP CONSTRAINT webhook_delivery_pkey, ADD PRIMARY KEY (account_id, endpoint_id, event_seq);
ALTER TABLE webhook_attempt DROP CONSTRAINT webhook_attempt_pkey, ADD PRIMARY KEY (account_id, id);
-- Already keyed by account: auto_recharge, low_balance_watch, spend_limit, usage_daily,
-- system_balance.

-- Reference tables (referenced ones first).
SELECT create_reference_table('usage_tier');
SELECT create_reference_table('model_requirement');
SELECT create_reference_table('price_entry');
SELECT create_reference_table('price_rate');
SELECT create_reference_table('model_alias');
SELECT create_reference_table('setting');
SELECT create_reference_table('api_key');
SELECT create_reference_table('webhook_endpoint');

-- Distributed tables, colocated with account (referenced ones first).
SELECT create_distributed_table('account', 'id');
SELECT create_distributed_table('system_balance', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('transfer', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('lot', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('allocation', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('usage', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('usage_allocation', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('usage_daily', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('correction', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('lot_return', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('auto_recharge', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('recharge_attempt', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('spend_limit', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('spend_alert', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('reservation', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('low_balance_watch', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('event', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('webhook_delivery', 'account_id', colocate_with => 'account');
SELECT create_distributed_table('webhook_attempt', 'account_id', colocate_with => 'account');
