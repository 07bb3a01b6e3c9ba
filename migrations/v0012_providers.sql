-- v0012_providers: who served and billed each charge, whose price each entry is, and the daily
-- rollup keyed by provider.
--
-- Why: issue 15. Teams pay several providers (OpenAI, Anthropic, Google, Bedrock, Azure,
-- Groq…): a charge records the provider that served it (`usage.provider`, decided by the core's
-- Providers.charged: the caller's, else the import format's, else the name as sent, else the
-- price entry's), so charges filter by it, the monthly report groups by it (`--by provider`) and
-- the FOCUS export names it. A price entry records the publisher or seller whose price it is
-- (`price_entry.provider`): it decides which service tiers the entry prices (no invented
-- half-price flex or batch rates for a provider that sells none).
--
-- Every charge and entry recorded before this step keeps NULL (unknown): no charge changes its
-- cost, and an entry without a provider prices flex and batch as before.

ALTER TABLE usage ADD COLUMN provider TEXT
    CHECK (provider IS NULL OR (length(provider) BETWEEN 1 AND 64 AND provider NOT GLOB '*[^a-z0-9_.-]*'));
ALTER TABLE price_entry ADD COLUMN provider TEXT
    CHECK (provider IS NULL OR (length(provider) BETWEEN 1 AND 64 AND provider NOT GLOB '*[^a-z0-9_.-]*'));

-- usage_daily gains the provider in its key ('' where a usage has none, as for project, API
-- key and user). SQLite cannot change a primary key in place: the table is built anew with the
-- rows it holds (every one of them without a provider, since no usage had one), so it still
-- adds up exactly the folded usage rows (v0004) and `verify` still agrees.
CREATE TABLE usage_daily_new (
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
    cost_nanos INTEGER NOT NULL,
    PRIMARY KEY (account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider)
) STRICT, WITHOUT ROWID;

INSERT INTO usage_daily_new
SELECT account_id, day_ms, model, service_tier, band, project, api_key, end_user, '', charges, requests, input_tokens, cached_tokens,
       cache_write_tokens, output_tokens, cost_nanos
FROM usage_daily;

DROP TABLE usage_daily;
ALTER TABLE usage_daily_new RENAME TO usage_daily;
