-- wrk workload: POST /api/v1/Contact/action/massCreate with BENCH_BATCH (default 100) new contacts
-- per request, each like create.lua's. records/s = requests/s x BENCH_BATCH.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local accounts
local batch
local path

setup = common.setup
done = common.done

function init(args)
  common.seed()
  accounts = common.read_lines("account_ids.txt")
  batch = tonumber(common.env("BENCH_BATCH", "100"))
  path = common.base .. "/Contact/action/massCreate"
end

function request()
  local list = {}
  for i = 1, batch do
    list[i] = common.contact_body(accounts)
  end
  return common.body_request("POST", path, '{"list":[' .. table.concat(list, ",") .. "]}")
end
