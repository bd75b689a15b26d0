-- wrk workload: POST /api/v1/Contact, one new contact per request (name, email, phone, address,
-- title, an existing account). Creates are durable: crmd acknowledges after the commit (group
-- commit, synchronous=FULL) and runs the duplicate check, link check and business rules.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local accounts
local path

setup = common.setup
done = common.done

function init(args)
  common.seed()
  accounts = common.read_lines("account_ids.txt")
  path = common.base .. "/Contact"
end

function request()
  return common.body_request("POST", path, common.contact_body(accounts))
end
