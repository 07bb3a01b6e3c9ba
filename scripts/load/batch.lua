-- wrk: batches of TOKENLEDGER_BATCH charges (default 1,000) per request, each charge with an id of
-- its own. Charges per second = requests per second x the batch size. No response() callback (see
-- charge.lua).
local counter = 0
local thread_id = 0
local threads = {}
local size = tonumber(os.getenv("TOKENLEDGER_BATCH") or "1000")

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
   local items = {}
   for i = 1, size do
      items[i] = string.format(
         '{"account":"load","model":"gpt-4o-mini","input_tokens":%d,"output_tokens":%d,"id":"b%d-%d-%d"}',
         500 + i % 977, 50 + i % 313, thread_id, counter, i)
   end
   return wrk.format(nil, "/v1/charges/batch", nil, '{"charges":[' .. table.concat(items, ",") .. ']}')
end
