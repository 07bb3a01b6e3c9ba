-- v0010_model_names: the model name a charge was sent with, and the user's model aliases.
--
-- Why: issue 15. Gateways and providers send names that are not the price book's keys
-- (`openai/gpt-5-mini`, `gpt-4o-2024-08-06`, `us.anthropic.claude-…-v2:0`, Azure deployment
-- names). A charge is priced by the entry the name resolves to (the core's ModelResolver) and
-- recorded under that entry's model (`usage.model`, so reports group by the catalog's model);
-- the name as sent is kept beside it when it differs (`usage.model_sent`, NULL otherwise and for
-- every charge recorded before this step), so a retry with the same request id and the same
-- name as sent is recognised as a retry.

ALTER TABLE usage ADD COLUMN model_sent TEXT CHECK (model_sent IS NULL OR length(model_sent) BETWEEN 1 AND 256);

-- A user's alias: a name as sent (an Azure deployment, a gateway's route) and the priced model
-- it stands for. The resolver consults it after the exact key (step 2).
CREATE TABLE model_alias (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 256),
    model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 256)
) STRICT;
