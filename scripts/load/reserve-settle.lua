-- wrk: reservations and their settles, any number of connections per thread. Each thread makes
-- reservations r<thread>-1, -2, … and settles each one TOKENLEDGER_LAG requests later (default 64):
-- the first LAG requests reserve, then settles and reservations alternate (settle 1, reserve LAG+1,
-- settle 2, …). A thread has at most as many requests in flight as it has connections, so with a
-- lag at least that number a reservation has been answered before its settle is sent. A pair is two
-- requests; the summary's requests/s halves to pairs/s. No response() callback (see charge.lua).
local thread_id = 0
local threads = {}
local lag = tonumber(os.getenv("TOKENLEDGER_LAG") or "64")

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

local sent = 0
local reserved = 0
local settled = 0

local function reserve()
   reserved = reserved + 1
   local body = string.format(
      '{"account":"load","model":"gpt-4o-mini","input_tokens":800,"max_output_tokens":400,"id":"r%d-%d"}', thread_id, reserved)
   return wrk.format(nil, "/v1/reservations", nil, body)
end

-- wrk calls the first thread's request() once before the run, to see what it sends, and sends
-- nothing of it: that call must not count, or the settle of a reservation never sent would fail.
local checked = false

function request()
   if thread_id == 1 and not checked then
      checked = true
      return wrk.format(nil, "/v1/reservations", nil, "{}")
   end
   sent = sent + 1
   if sent <= lag or sent % 2 == 0 then return reserve() end
   settled = settled + 1
   return wrk.format(nil, string.format("/v1/reservations/r%d-%d/settle", thread_id, settled), nil, '{"input_tokens":800,"output_tokens":120}')
end
