-- wrk workload: GET /api/v1/Contact/{id} for a random generated contact (contact_ids.txt), with the
-- API key. The nginx reference runs this same script, so the client's work per request is equal.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local ids
local get

setup = common.setup
done = common.done

function init(args)
  common.seed()
  ids = common.read_lines("contact_ids.txt")
  get = common.path_template("GET", common.base .. "/Contact/" .. common.MARK)
end

function request()
  return get(ids[math.random(#ids)])
end
