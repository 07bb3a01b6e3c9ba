-- wrk: one charge per request, each with an id of its own (thread number, then a counter).
-- Used by scripts/load-service; reads the key from the environment (TOKENLEDGER_KEY). No response()
-- callback: wrk counts answers other than 2xx itself ("Non-2xx or 3xx responses", which
-- scripts/load-service refuses), and a callback would cost wrk the CPU it shares with the server.
local counter = 0
-- A prefix of the ids, so that a second run on the same ledger charges anew (the soak).
local run = os.getenv("TOKENLEDGER_RUN") or ""
-- TOKENLEDGER_ACCOUNTS=N spreads the charges over the accounts load0 … load(N-1); by default
-- every charge is on the account `load`.
local accounts = tonumber(os.getenv("TOKENLEDGER_ACCOUNTS") or "0")
local thread_id = 0
local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   thread_id = id
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKENLEDGER_KEY")
end

function request()
   counter = counter + 1
   local account = "load"
   if accounts > 0 then account = "load" .. (counter % accounts) end
   local body = string.format(
      '{"account":"%s","model":"gpt-4o-mini","input_tokens":%d,"cached_tokens":0,"output_tokens":%d,"id":"w%s%d-%d","project":"p%d"}',
      account, 500 + counter % 977, 50 + counter % 313, run, thread_id, counter, counter % 7)
   return wrk.format(nil, "/v1/charges", nil, body)
end
