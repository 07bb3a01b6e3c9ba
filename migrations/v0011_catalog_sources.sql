-- v0011_catalog_sources: price entries imported from pydantic's genai-prices catalog.
--
-- Why: issue 15. `prices import FILE --input-format genai-prices` adds entries whose source is
-- `genai-prices`, beside `default`, `manual` and `litellm`. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with the wider one: same columns, same ids, same
-- rows (the migrator defers foreign-key checks to the end of the step, when `usage` and
-- `price_rate` point at the same ids again). No price and no charge changes.

CREATE TABLE price_entry_v11 (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 256),
    effective_from_ms INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('default', 'manual', 'litellm', 'genai-prices')),
    max_input_tokens INTEGER CHECK (max_input_tokens > 0),
    max_output_tokens INTEGER CHECK (max_output_tokens > 0),
    long_context_threshold_tokens INTEGER CHECK (long_context_threshold_tokens > 0),
    UNIQUE (model, effective_from_ms)
) STRICT;
INSERT INTO price_entry_v11 (id, model, effective_from_ms, source, max_input_tokens, max_output_tokens, long_context_threshold_tokens)
SELECT id, model, effective_from_ms, source, max_input_tokens, max_output_tokens, long_context_threshold_tokens FROM price_entry ORDER BY id;
DROP TABLE price_entry;
ALTER TABLE price_entry_v11 RENAME TO price_entry;
