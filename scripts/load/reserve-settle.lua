-- wrk: reserve, then settle the same reservation, over and over, one connection per thread (run
-- with as many threads as connections, so each connection's requests go one after another).
-- A pair is two requests; the summary's requests/s halves to pairs/s.
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

-- The step is moved on by the answers, not by request(): wrk may call request() once more than
-- it sends (for the first thread), which would otherwise settle a pair before reserving it.
local pair = 1
local settling = false

function request()
   local id = string.format("r%d-%d", thread_id, pair)
   if not settling then
      local body = string.format(
         '{"account":"load","model":"gpt-4o-mini","input_tokens":800,"max_output_tokens":400,"id":"%s"}', id)
      return wrk.format(nil, "/v1/reservations", nil, body)
   end
   return wrk.format(nil, "/v1/reservations/" .. id .. "/settle", nil, '{"input_tokens":800,"output_tokens":120}')
end

local bad = 0
function response(status, headers, body)
   if settling then pair = pair + 1 end
   settling = not settling
   if status ~= 201 and status ~= 200 then
      bad = bad + 1
      if bad <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
   end
end
