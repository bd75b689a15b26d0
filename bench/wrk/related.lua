-- wrk workload: a related list, GET /api/v1/Account/{id}/contacts?maxSize=20 for a random
-- generated account (account_ids.txt), in the default order (createdAt desc). Rows come through
-- the account_contact join table and carry accountRole and accountIsInactive.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local ids
local get

setup = common.setup
done = common.done

function init(args)
  common.seed()
  ids = common.read_lines("account_ids.txt")
  get = common.path_template("GET", common.base .. "/Account/" .. common.MARK .. "/contacts?maxSize=20")
end

function request()
  return get(ids[math.random(#ids)])
end
