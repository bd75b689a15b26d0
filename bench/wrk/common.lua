-- Helpers shared by the crmd wrk scripts (bench/wrk/*.lua), loaded with dofile() from the same
-- directory. Configuration comes from environment variables that bench/run.sh sets:
--   BENCH_API_KEY     the X-Api-Key sent with every request
--   BENCH_LISTS       directory with contact_ids.txt, account_ids.txt, first_names.txt
--   BENCH_NAME        workload name written to the result line
--   BENCH_RESULT      file that done() appends one result line to (stdout when unset)
--   BENCH_SEED        random seed (a different one per run keeps created names unique)
-- Requests are built by concatenating a pre-formatted template around the variable part, which
-- keeps the client's cost per request small and the same for crmd and the nginx reference.

local M = {}

function M.env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    return default
  end
  return value
end

function M.read_lines(name)
  local path = M.env("BENCH_LISTS", ".") .. "/" .. name
  local lines = {}
  local file = io.open(path, "r")
  if file == nil then
    error("cannot read " .. path)
  end
  for line in file:lines() do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  file:close()
  if #lines == 0 then
    error(path .. " is empty")
  end
  return lines
end

M.api_key = M.env("BENCH_API_KEY", "")
M.base = M.env("BENCH_API_BASE", "/api/v1")

-- Splits a request made by wrk.format around the marker, so that a request is prefix..x..suffix.
local MARK = "\1MARK\1"
M.MARK = MARK

local function split(text)
  local at = text:find(MARK, 1, true)
  if at == nil then
    return text, nil
  end
  return text:sub(1, at - 1), text:sub(at + #MARK)
end

local function headers(extra, has_body)
  local h = { ["X-Api-Key"] = M.api_key }
  if has_body then
    h["Content-Type"] = "application/json"
  end
  for k, v in pairs(extra or {}) do
    h[k] = v
  end
  return h
end

-- A template whose path contains MARK: returns function(x) -> request string.
function M.path_template(method, path, extra_headers)
  local prefix, suffix = split(wrk.format(method, path, headers(extra_headers, false)))
  return function(x)
    return prefix .. x .. suffix
  end
end

-- A template for a request with a JSON body. wrk.format writes Content-Length for the body it is
-- given, so the body is built first and the request formatted per call (writes are far slower
-- than the formatting).
function M.body_request(method, path, body, extra_headers)
  return wrk.format(method, path, headers(extra_headers, true), body)
end

-- Seeds math.random per thread: distinct threads and runs pick different ids and names.
local thread_counter = 0
function M.setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_number", thread_counter)
end

function M.seed()
  local seed = tonumber(M.env("BENCH_SEED", "1")) + (thread_number or 1) * 7919
  math.randomseed(seed)
  -- LuaJIT's first values after seeding are poorly mixed.
  for _ = 1, 10 do
    math.random()
  end
  return seed
end

function M.pick(list)
  return list[math.random(#list)]
end

-- A short string unique to this run and thread, for names and emails of created records.
function M.run_tag()
  return string.format("%s%d", M.env("BENCH_SEED", "1"), thread_number or 1)
end

-- Escapes the few characters JSON strings need here (generated names are plain ASCII).
function M.json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- Bodies of created contacts. Names and addresses are unique per run (the tag and a counter), as
-- the duplicate check on create would otherwise answer 409; every other value looks like the
-- generated data.
local FIRST = { "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
  "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica" }
local LAST = { "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
  "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas" }
local TITLES = { "CEO", "CTO", "Buyer", "Engineer", "Sales Manager", "Analyst", "Consultant" }
local CITIES = { "Boston", "Chicago", "Denver", "Seattle", "Austin", "Toronto", "Berlin", "Paris" }
local created = 0

function M.contact_body(account_ids)
  created = created + 1
  local tag = M.run_tag() .. "n" .. created
  local first = FIRST[math.random(#FIRST)]
  local last = LAST[math.random(#LAST)] .. "-" .. tag
  local account = ""
  if account_ids ~= nil then
    account = string.format(',"accountId":"%s"', account_ids[math.random(#account_ids)])
  end
  return string.format(
    '{"salutationName":"Mr.","firstName":"%s","lastName":"%s","title":"%s",'
      .. '"emailAddress":"%s.%s@bench.example.com","phoneNumber":"+1 555 %03d %04d",'
      .. '"addressStreet":"%d Main St","addressCity":"%s","addressPostalCode":"%05d",'
      .. '"addressCountry":"United States","description":"Created by the crmd benchmark"%s}',
    first, last, TITLES[math.random(#TITLES)], first:lower(), last:lower(),
    math.random(200, 999), math.random(0, 9999), math.random(1, 9999),
    CITIES[math.random(#CITIES)], math.random(10000, 99999), account)
end

local updated = 0
function M.update_body()
  updated = updated + 1
  return string.format('{"title":"%s","description":"Updated by the crmd benchmark %s-%d"}',
    TITLES[math.random(#TITLES)], M.run_tag(), updated)
end

-- Appends "name requests duration_us rps p50_us p99_us mean_us max_us errors bytes" to
-- BENCH_RESULT. errors counts connect/read/write/timeout errors and HTTP statuses > 399.
function M.done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  local line = string.format(
    "%s %d %d %.1f %d %d %.0f %d %d %d\n",
    M.env("BENCH_NAME", "workload"),
    summary.requests,
    summary.duration,
    summary.requests / seconds,
    latency:percentile(50.0),
    latency:percentile(99.0),
    latency.mean,
    latency.max,
    errors,
    summary.bytes
  )
  local path = M.env("BENCH_RESULT", "")
  if path == "" then
    io.write(line)
  else
    local file = assert(io.open(path, "a"))
    file:write(line)
    file:close()
  end
  if errors > 0 then
    io.stderr:write(string.format(
      "%s: %d errors (connect %d, read %d, write %d, status>399 %d, timeout %d)\n",
      M.env("BENCH_NAME", "workload"), errors, e.connect, e.read, e.write, e.status, e.timeout))
  end
end

return M
