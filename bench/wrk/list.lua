-- wrk workload: a list page as a CRM list view asks for it: 20 contacts with an equality filter on
-- an indexed attribute and an order (default: firstName = a random generated first name, ordered by
-- lastName; index "name" is (firstName, lastName)). Environment:
--   BENCH_NO_TOTAL=1        sends X-No-Total: true (no count of matching rows)
--   BENCH_LIST_ATTRIBUTE    filtered attribute (default firstName); values from first_names.txt
--   BENCH_LIST_ORDER_BY     order attribute (default lastName), BENCH_LIST_ORDER (asc)
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local values
local get

setup = common.setup
done = common.done

-- Percent-encodes a query value (names are ASCII; spaces and reserved characters are escaped).
local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end

function init(args)
  common.seed()
  values = common.read_lines(common.env("BENCH_LIST_VALUES", "first_names.txt"))
  for i, v in ipairs(values) do
    values[i] = encode(v)
  end
  local attribute = common.env("BENCH_LIST_ATTRIBUTE", "firstName")
  local query = "maxSize=20"
    .. "&where%5B0%5D%5Btype%5D=equals"
    .. "&where%5B0%5D%5Battribute%5D=" .. attribute
    .. "&where%5B0%5D%5Bvalue%5D=" .. common.MARK
    .. "&orderBy=" .. common.env("BENCH_LIST_ORDER_BY", "lastName")
    .. "&order=" .. common.env("BENCH_LIST_ORDER", "asc")
  local extra = nil
  if common.env("BENCH_NO_TOTAL", "0") == "1" then
    extra = { ["X-No-Total"] = "true" }
  end
  get = common.path_template("GET", common.base .. "/Contact?" .. query, extra)
end

function request()
  return get(values[math.random(#values)])
end
