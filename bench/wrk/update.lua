-- wrk workload: PATCH /api/v1/Contact/{id} of a random generated contact, changing its title and
-- description (a real change every time, so every request writes the row and an outbox event).
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local ids

setup = common.setup
done = common.done

function init(args)
  common.seed()
  ids = common.read_lines("contact_ids.txt")
end

function request()
  return common.body_request("PATCH", common.base .. "/Contact/" .. ids[math.random(#ids)],
    common.update_body())
end
