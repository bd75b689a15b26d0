-- wrk workload: a mixed CRM load. 80% reads (60% GET a contact by id, 20% a filtered list page of
-- 20 without total, as list.lua), 15% updates (as update.lua), 5% creates (as create.lua).
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local ids
local accounts
local names
local get
local list
local contact_path

setup = common.setup
done = common.done

function init(args)
  common.seed()
  ids = common.read_lines("contact_ids.txt")
  accounts = common.read_lines("account_ids.txt")
  names = common.read_lines("first_names.txt")
  get = common.path_template("GET", common.base .. "/Contact/" .. common.MARK)
  list = common.path_template("GET", common.base .. "/Contact?maxSize=20"
    .. "&where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=firstName"
    .. "&where%5B0%5D%5Bvalue%5D=" .. common.MARK .. "&orderBy=lastName&order=asc",
    { ["X-No-Total"] = "true" })
  contact_path = common.base .. "/Contact"
end

function request()
  local r = math.random(100)
  if r <= 60 then
    return get(ids[math.random(#ids)])
  elseif r <= 80 then
    return list(names[math.random(#names)])
  elseif r <= 95 then
    return common.body_request("PATCH", contact_path .. "/" .. ids[math.random(#ids)],
      common.update_body())
  end
  return common.body_request("POST", contact_path, common.contact_body(accounts))
end
