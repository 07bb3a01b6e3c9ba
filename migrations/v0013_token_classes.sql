-- v0013_token_classes: the token classes providers bill apart from text input and output.
--
-- Why: issue 15. Anthropic bills 1-hour cache writes at twice the input price (its 5-minute
-- writes, `cache_write`, at 1.25 times); OpenAI bills audio and image tokens, input and output,
-- at their own rates (`input_audio_tokens`, `output_image_tokens`…), which a text rate
-- undercharges many times over. Each is a count **within** the input or output tokens: the
-- input's 1-hour writes, audio and images are billed at their rates, what is left at the text
-- rates. A price entry gives these rates where the catalog has them; usage with tokens of a
-- class its entry does not price is refused (`no_price_for_class`), never billed at another
-- class's rate.
--
-- Every charge recorded before this step has none of these tokens (0) and keeps its cost; every
-- rate is NULL (not priced).

ALTER TABLE price_rate ADD COLUMN cache_write_1h_nanos_per_million INTEGER
    CHECK (cache_write_1h_nanos_per_million BETWEEN 0 AND 10000000000000);
ALTER TABLE price_rate ADD COLUMN input_audio_nanos_per_million INTEGER
    CHECK (input_audio_nanos_per_million BETWEEN 0 AND 10000000000000);
ALTER TABLE price_rate ADD COLUMN input_image_nanos_per_million INTEGER
    CHECK (input_image_nanos_per_million BETWEEN 0 AND 10000000000000);
ALTER TABLE price_rate ADD COLUMN output_audio_nanos_per_million INTEGER
    CHECK (output_audio_nanos_per_million BETWEEN 0 AND 10000000000000);
ALTER TABLE price_rate ADD COLUMN output_image_nanos_per_million INTEGER
    CHECK (output_image_nanos_per_million BETWEEN 0 AND 10000000000000);

ALTER TABLE usage ADD COLUMN cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (cache_write_1h_tokens BETWEEN 0 AND 100000000000);
ALTER TABLE usage ADD COLUMN input_audio_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (input_audio_tokens BETWEEN 0 AND 100000000000);
ALTER TABLE usage ADD COLUMN input_image_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (input_image_tokens BETWEEN 0 AND 100000000000);
ALTER TABLE usage ADD COLUMN output_audio_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (output_audio_tokens BETWEEN 0 AND 100000000000);
-- The last column carries the checks across columns: the input's parts fit in the input, the
-- output's in the output (as the core's TokenUsage.validated refuses otherwise).
ALTER TABLE usage ADD COLUMN output_image_tokens INTEGER NOT NULL DEFAULT 0
    CHECK (output_image_tokens BETWEEN 0 AND 100000000000
        AND cached_tokens + cache_write_tokens + cache_write_1h_tokens + input_audio_tokens + input_image_tokens <= input_tokens
        AND output_audio_tokens + output_image_tokens <= output_tokens);

-- The daily rollup adds them up like the other counts (every existing day: 0, as its rows).
ALTER TABLE usage_daily ADD COLUMN cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN input_audio_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN input_image_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN output_audio_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN output_image_tokens INTEGER NOT NULL DEFAULT 0;
