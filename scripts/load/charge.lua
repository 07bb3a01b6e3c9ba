-- wrk: one charge per request, each with an id of its own (thread number, then a counter).
-- Used by scripts/load-service; reads the key from the environment (TOKENLEDGER_KEY). No response()
-- callback: wrk counts answers other than 2xx itself ("Non-2xx or 3xx responses", which
-- scripts/load-service refuses), and a callback would cost wrk the CPU it shares with the server.
local counter = 0
-- A prefix of the ids, so that a second run on the same ledger charges anew (the soak).
local run = os.getenv("TOKENLEDGER_RUN") or ""
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
   local body = string.format(
      '{"account":"load","model":"gpt-4o-mini","input_tokens":%d,"cached_tokens":0,"output_tokens":%d,"id":"w%s%d-%d","project":"p%d"}',
      500 + counter % 977, 50 + counter % 313, run, thread_id, counter, counter % 7)
   return wrk.format(nil, "/v1/charges", nil, body)
end
