-- wrk: one charge per request, each with an id of its own (thread number, then a counter).
-- Used by scripts/load-service; reads the key from the environment (TOKENLEDGER_KEY).
local counter = 0
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
      '{"account":"load","model":"gpt-4o-mini","input_tokens":%d,"cached_tokens":0,"output_tokens":%d,"id":"w%d-%d","project":"p%d"}',
      500 + counter % 977, 50 + counter % 313, thread_id, counter, counter % 7)
   return wrk.format(nil, "/v1/charges", nil, body)
end

local bad = 0
function response(status, headers, body)
   if status ~= 201 then
      bad = bad + 1
      if bad <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
   end
end
