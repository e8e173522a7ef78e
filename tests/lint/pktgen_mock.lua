-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright (c) 2026 The sluice authors
--
-- A stand-in for Pktgen-DPDK 23.03's Lua library (the `pktgen` table of
-- app/lpktgenlib.c), to run tools/pktgen/*.lua without Pktgen:
--
--   lua5.4 pktgen_mock.lua SCRIPT
--
-- Every function checks its argument count and kinds the way the C
-- functions do (luaL_checkstring, luaL_checkinteger: an integer value;
-- "start|min|max|inc" for range fields), and records the call.  A clock
-- moves with pktgen.delay(); while a port sends, its counters grow at
-- MOCK_PPS packets per second (default 10e6), and MOCK_FWD (0.9) of them come
-- back on SL_RX_PORT.  pktgen.load() records the command file's lines.  At
-- the end one line "mock: {...}" (JSON) tells what the script did.
local PPS = tonumber(os.getenv("MOCK_PPS") or "") or 10e6
local FWD = tonumber(os.getenv("MOCK_FWD") or "") or 0.9
local POOL = tonumber(os.getenv("MOCK_POOL") or "") or 8192

local now_ms = 0
local sending = {} -- port -> true
local ctr = {}     -- port -> counters
local calls = {}   -- "name arg arg ..."
local cli = {}     -- lines of loaded command files
local starts, stops, delays_ms = 0, 0, 0

local function port_ctr(p)
	ctr[p] = ctr[p] or {ipackets = 0, opackets = 0, ibytes = 0, obytes = 0, ierrors = 0,
		oerrors = 0, imissed = 0, rx_nombuf = 0}
	return ctr[p]
end

local function die(fmt, ...)
	error("pktgen mock: " .. string.format(fmt, ...), 3)
end

local function check(name, args, kinds)
	if #args ~= #kinds then
		die("%s: %d arguments, Pktgen 23.03 takes %d", name, #args, #kinds)
	end
	for i, k in ipairs(kinds) do
		local a = args[i]
		if k == "s" and type(a) ~= "string" and type(a) ~= "number" then
			die("%s: argument %d: a string, got %s", name, i, type(a))
		elseif k == "i" and math.type(a) ~= "integer" and
			not (type(a) == "number" and a == math.floor(a)) then
			die("%s: argument %d: an integer, got %s", name, i, tostring(a))
		elseif k == "n" and type(a) ~= "number" then
			die("%s: argument %d: a number, got %s", name, i, type(a))
		end
	end
	local parts = {name}
	for _, a in ipairs(args) do
		parts[#parts + 1] = tostring(a)
	end
	calls[#calls + 1] = table.concat(parts, " ")
end

local function portlist(s)
	local p = tonumber(s)
	if p == nil then
		die("portlist %q: this mock takes one port number", tostring(s))
	end
	return math.floor(p)
end

-- Time passes: sending ports count packets.
local function advance(ms)
	local dt = ms / 1000
	for p in pairs(sending) do
		local t = port_ctr(p)
		t.opackets = t.opackets + math.floor(PPS * dt)
		t.obytes = t.obytes + math.floor(PPS * dt) * 64
		local r = port_ctr(tonumber(os.getenv("SL_RX_PORT") or "") or p)
		r.ipackets = r.ipackets + math.floor(PPS * FWD * dt)
		r.ibytes = r.ibytes + math.floor(PPS * FWD * dt) * 84
	end
	now_ms = now_ms + ms
end

local function smmi(name, args, kind)
	check(name, args, {"s", "s", kind})
	local w = args[2]
	if w ~= "start" and w ~= "min" and w ~= "max" and w ~= "inc" then
		die("%s: %q is not start|min|max|inc", name, w)
	end
end

pktgen = {
	info = {maxMbufsPerPort = POOL, Pktgen_Version = "23.03.0 (mock)"},
	set = function(...)
		local a = {...}
		check("set", a, {"s", "s", "n"})
		local ok = {count = 1, size = 1, rate = 1, burst = 1, cycles = 1, sport = 1,
			dport = 1, ttl = 1, seq_cnt = 1, seqCnt = 1, prime = 1, dump = 1}
		if not ok[a[2]] then
			die("set does not support %s", a[2])
		end
	end,
	set_type = function(...)
		local a = {...}
		check("set_type", a, {"s", "s"})
	end,
	set_proto = function(...)
		local a = {...}
		check("set_proto", a, {"s", "s"})
		if a[2] ~= "udp" and a[2] ~= "tcp" and a[2] ~= "icmp" then
			die("set_proto: %s", a[2])
		end
	end,
	set_range = function(...)
		local a = {...}
		check("set_range", a, {"s", "s"})
	end,
	start = function(...)
		local a = {...}
		check("start", a, {"s"})
		sending[portlist(a[1])] = true
		starts = starts + 1
	end,
	stop = function(...)
		local a = {...}
		check("stop", a, {"s"})
		sending[portlist(a[1])] = nil
		stops = stops + 1
	end,
	delay = function(...)
		local a = {...}
		check("delay", a, {"i"})
		delays_ms = delays_ms + a[1]
		advance(a[1])
	end,
	portStats = function(...)
		local a = {...}
		check("portStats", a, {"s", "s"})
		local p = portlist(a[1])
		local out = {n = 1}
		if a[2] == "port" then
			local t = port_ctr(p)
			out[p] = {}
			for k, v in pairs(t) do
				out[p][k] = v
			end
		elseif a[2] == "rate" then
			out[p] = {opackets = sending[p] and PPS or 0, ipackets = 0, obytes = 0, ibytes = 0,
				ierrors = 0, oerrors = 0, imissed = 0, rx_nombuf = 0}
		else
			die("portStats: type %q (port or rate)", a[2])
		end
		return out
	end,
	load = function(...)
		local a = {...}
		check("load", a, {"s"})
		for l in io.lines(a[1]) do
			cli[#cli + 1] = l
		end
	end,
	quit = function(...)
		check("quit", {...}, {})
	end,
	range = {},
}
for _, f in ipairs({"dst_mac", "src_mac", "src_ip", "dst_ip"}) do
	pktgen.range[f] = function(...)
		smmi("range." .. f, {...}, "s")
	end
end
for _, f in ipairs({"src_port", "dst_port", "ttl", "pkt_size", "vlan_id", "cos", "tos"}) do
	pktgen.range[f] = function(...)
		smmi("range." .. f, {...}, "i")
	end
end
pktgen.range.ip_proto = function(...)
	check("range.ip_proto", {...}, {"s", "s"})
end

dofile(arg[1])

-- what the script did, for the test
local function jstr(s)
	return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end
local cl, cc = {}, {}
for _, c in ipairs(calls) do
	cc[#cc + 1] = jstr(c)
end
for _, c in ipairs(cli) do
	cl[#cl + 1] = jstr(c)
end
print(string.format('mock: {"starts":%d,"stops":%d,"delay_ms":%d,"calls":[%s],"cli":[%s]}',
	starts, stops, delays_ms, table.concat(cc, ","), table.concat(cl, ",")))
