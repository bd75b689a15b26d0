-- wrk workload: what a sync job does (an ETL tool, an n8n flow): PUT /api/v1/Contact/{id} with the
-- whole record as crmd answered it (every attribute, link sets and read-only ones included), one
-- value changed: the description. The records come from BENCH_SYNC, one JSON object per line as
-- GET /api/v1/Contact/{id} answered it (bench/run.sh fetches them before the write rows).
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local records

setup = common.setup
done = common.done

function init(args)
  common.seed()
  records = {}
  local path = common.env("BENCH_SYNC", "")
  local file = io.open(path, "r")
  if file == nil then
    error("cannot read BENCH_SYNC=" .. path)
  end
  for line in file:lines() do
    local id = line:match('^{"id":"([0-9a-f]+)"')
    if id ~= nil then
      records[#records + 1] = { id = id, body = line }
    end
  end
  file:close()
  if #records == 0 then
    error(path .. " holds no records")
  end
end

local synced = 0

function request()
  local record = records[math.random(#records)]
  synced = synced + 1
  local description = common.json_string(string.format("Synced by the crmd benchmark %s-%d",
    common.run_tag(), synced))
  -- Generated descriptions are plain sentences: no escaped quote ends the string early.
  local body, replaced = record.body:gsub('"description":"[^"]*"', '"description":' .. description, 1)
  if replaced == 0 then
    body = record.body:gsub('"description":null', '"description":' .. description, 1)
  end
  return common.body_request("PUT", common.base .. "/Contact/" .. record.id, body)
end
