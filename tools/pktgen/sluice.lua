-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright (c) 2026 The sluice authors
--
-- sluice.lua: drive sluiced at full rate with Pktgen-DPDK 23.03 and report
-- what came back.  Written against Pktgen 23.03's Lua API (app/lpktgenlib.c)
-- and CLI (app/cli-functions.c); not run against a live Pktgen here:
-- tools/pktgen/README.md says what is checked and how.
--
--   pktgen <EAL args> -- -P -m <mapping> -f tools/pktgen/sluice.lua
--
-- Parameters come from the environment (all optional):
--   SL_TX_PORT     port that sends to sluiced (0)
--   SL_RX_PORT     port sluiced's encapsulated packets come back on (SL_TX_PORT)
--   SL_DST_MAC     sluiced's MAC on that link (02:99:00:00:00:02)
--   SL_IPV6        1: IPv6 traffic (0)
--   SL_VIP         the VIP (10.99.100.1, or fd00:99::100 with SL_IPV6=1)
--   SL_VPORT       its port (80)            SL_PROTO  udp or tcp (udp)
--   SL_SIZE        frame size with FCS, 64..1518 (64)
--   SL_RATE        percent of the port's line rate (100)
--   SL_FLOWS       distinct flows (1024)
--   SL_NEW_SHARE   share of packets that open a new flow, 0..0.5 (0)
--   SL_FLOW_TIMEOUT  sluiced's idle timeout for SL_PROTO in s (30: udp_timeout)
--   SL_TX_QUEUES   TX lcores/queues Pktgen uses on SL_TX_PORT (-m) (1)
--   SL_POOL        range mbufs per TX queue (pktgen.info.maxMbufsPerPort)
--   SL_WARMUP      s before the window (2; longer when the flow set needs it)
--   SL_DURATION    measured s (10)
--   SL_OUT         JSON result file (/tmp/sluice-pktgen.json)
--   SL_QUIT        1: quit Pktgen at the end (1)
--
-- How flows are made (README.md has the arithmetic): Pktgen builds range
-- packets once per mbuf of the port's range pool, when sending starts, each
-- mbuf taking the next value of every range field; then the pool's mbufs are
-- sent again and again.  So a port sends at most POOL x TX_QUEUES distinct
-- flows until the next start, which builds the next ones.  The script:
--   * SL_NEW_SHARE = 0, SL_FLOWS <= pool: one start; SL_FLOWS source ports
--     (one source address) repeat forever: every packet after the first round
--     is an established flow;
--   * SL_NEW_SHARE = 0, SL_FLOWS > pool: restarts every P so that the range
--     (SL_FLOWS tuples) wraps within half of sluiced's idle timeout: each flow
--     comes back before sluiced forgets it;
--   * SL_NEW_SHARE = s > 0: a range of ~10^9 tuples, restarted every
--     P = pool / (s x R) at the measured rate R: each start sends `pool` new
--     flows, each sent R x P / pool times, so a share s of packets is new.

local function env(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	return v
end

local function num(name, default, lo, hi)
	local v = env(name, nil)
	local n = default
	if v ~= nil then
		n = tonumber(v)
		if n == nil then
			error(name .. ": not a number: " .. v)
		end
	end
	if (lo and n < lo) or (hi and n > hi) then
		error(string.format("%s: %s is out of range %s..%s", name, tostring(n), lo, hi))
	end
	return n
end

local ipv6 = num("SL_IPV6", 0, 0, 1) == 1
local cfg = {
	tx = math.floor(num("SL_TX_PORT", 0, 0, 63)),
	dst_mac = env("SL_DST_MAC", "02:99:00:00:00:02"),
	vip = env("SL_VIP", ipv6 and "fd00:99::100" or "10.99.100.1"),
	vport = math.floor(num("SL_VPORT", 80, 0, 65535)),
	proto = env("SL_PROTO", "udp"),
	size = math.floor(num("SL_SIZE", 64, 64, 1518)),
	rate = num("SL_RATE", 100, 0.01, 100),
	flows = math.floor(num("SL_FLOWS", 1024, 1, 1e9)),
	new_share = num("SL_NEW_SHARE", 0, 0, 0.5),
	timeout = num("SL_FLOW_TIMEOUT", 30, 1, 86400),
	txq = math.floor(num("SL_TX_QUEUES", 1, 1, 64)),
	warmup = num("SL_WARMUP", 2, 0, 3600),
	duration = num("SL_DURATION", 10, 1, 86400),
	out = env("SL_OUT", "/tmp/sluice-pktgen.json"),
	quit = num("SL_QUIT", 1, 0, 1) == 1,
}
cfg.rx = math.floor(num("SL_RX_PORT", cfg.tx, 0, 63))
if cfg.proto ~= "udp" and cfg.proto ~= "tcp" then
	error("SL_PROTO: udp or tcp, not " .. cfg.proto)
end
-- The smallest frame that holds the headers (with FCS): IPv6 and TCP need
-- more than Ethernet's 64 bytes.
local min_size = 14 + (ipv6 and 40 or 20) + (cfg.proto == "tcp" and 20 or 8) + 4
if cfg.size < min_size then
	print(string.format("sluice.lua: frame size raised from %d to %d bytes (the headers)",
		cfg.size, min_size))
	cfg.size = min_size
end
local pool_per_q = (pktgen.info and pktgen.info.maxMbufsPerPort) or 8192
cfg.pool = math.floor(num("SL_POOL", pool_per_q, 64, 1e7)) * cfg.txq
local TX, RX = tostring(cfg.tx), tostring(cfg.rx)

-- Source tuples: ports 1025..65535 (64511, odd) and up to 16384 addresses
-- (a power of two) step together, one per packet, so the range repeats after
-- n_addr x n_port packets (coprime: the lcm is the product).
local N_PORT_MAX, N_ADDR_MAX, PORT0 = 64511, 16384, 1025

-- n_addr, n_port for at least `flows` distinct tuples.
local function tuples(flows)
	if flows <= N_PORT_MAX then
		return 1, flows
	end
	local n = 2
	while n * N_PORT_MAX < flows and n < N_ADDR_MAX do
		n = n * 2
	end
	return n, N_PORT_MAX
end

-- Client addresses: 10.99.64.0/18 (IPv4) or fd00:99::4:0/112 (IPv6), the
-- project's test ranges.
local function client_addr(k)
	if ipv6 then
		return string.format("fd00:99::4:%x", k)
	end
	return string.format("10.99.%d.%d", 64 + k // 256, k % 256)
end

-- A range field: start = min, max, inc (Pktgen's SMMI order).
local function range(field, first, last, inc)
	pktgen.range[field](TX, "start", first)
	pktgen.range[field](TX, "min", first)
	pktgen.range[field](TX, "max", last)
	pktgen.range[field](TX, "inc", inc)
end

-- The IPv6 addresses go through Pktgen's CLI (`range <port> type ipv6`,
-- `range <port> src|dst ip ...`): the Lua range.src_ip/dst_ip of this
-- generation parse IPv4 only.  A command file, loaded with pktgen.load().
local function range_ipv6(n_addr)
	local path = os.tmpname() .. ".pkt"
	local f = assert(io.open(path, "w"))
	local function line(fmt, ...)
		f:write(string.format(fmt, ...), "\n")
	end
	line("range %s type ipv6", TX)
	for _, w in ipairs({"start", "min", "max"}) do
		line("range %s dst ip %s %s", TX, w, cfg.vip)
		line("range %s src ip %s %s", TX, w, client_addr(w == "max" and n_addr - 1 or 0))
	end
	line("range %s dst ip inc ::", TX)
	line("range %s src ip inc %s", TX, n_addr > 1 and "::1" or "::")
	f:close()
	pktgen.load(path)
	os.remove(path)
end

local function setup(n_addr, n_port)
	pktgen.set(TX, "rate", cfg.rate)
	pktgen.set(TX, "size", cfg.size)
	pktgen.set_type(TX, ipv6 and "ipv6" or "ipv4")
	pktgen.set_proto(TX, cfg.proto)
	range("dst_mac", cfg.dst_mac, cfg.dst_mac, "00:00:00:00:00:00")
	range("pkt_size", cfg.size, cfg.size, 0)
	range("dst_port", cfg.vport, cfg.vport, 0)
	range("src_port", PORT0, PORT0 + n_port - 1, n_port > 1 and 1 or 0)
	pktgen.range.ip_proto(TX, cfg.proto)
	if ipv6 then
		range_ipv6(n_addr)
	else
		range("dst_ip", cfg.vip, cfg.vip, "0.0.0.0")
		range("src_ip", client_addr(0), client_addr(n_addr - 1),
			n_addr > 1 and "0.0.0.1" or "0.0.0.0")
	end
	pktgen.set_range(TX, "on")
end

-- Cumulative counters of a port ("port" stats: ipackets, opackets, ibytes,
-- obytes, ierrors, oerrors, imissed, rx_nombuf).
local function counters(port)
	return pktgen.portStats(tostring(port), "port")[port]
end

-- Keeps the traffic going for `ms`, restarting every `period` ms (whole
-- ms; nil: never) so that Pktgen builds the range pool's next `pool` flows.
local restarts = 0
local function run_for(ms, period)
	local left = math.floor(ms + 0.5)
	if period == nil then
		pktgen.delay(left)
		return
	end
	while left > 0 do
		local d = math.min(period, left)
		pktgen.delay(d)
		left = left - d
		pktgen.stop(TX)
		pktgen.start(TX)
		restarts = restarts + 1
	end
end

local n_addr, n_port
if cfg.new_share > 0 then
	n_addr, n_port = N_ADDR_MAX, N_PORT_MAX
else
	n_addr, n_port = tuples(cfg.flows)
end
local distinct = n_addr * n_port
setup(n_addr, n_port)

pktgen.start(TX)
-- The rate Pktgen reaches decides the restart period of a new-flow share.
pktgen.delay(1000)
local tx_rate = pktgen.portStats(TX, "rate")[cfg.tx].opackets
local period, warmup = nil, cfg.warmup
if cfg.new_share > 0 then
	-- each start: `pool` new flows; packets per period: R x P
	period = 1000 * cfg.pool / (cfg.new_share * math.max(tx_rate, 1))
	-- the range wraps after distinct / (s x R) seconds: past the timeout,
	-- a wrapped tuple is new again, as it should be
	if distinct / (cfg.new_share * math.max(tx_rate, 1)) < cfg.timeout then
		print("sluice.lua: warning: the range wraps within SL_FLOW_TIMEOUT: lower the share")
	end
elseif distinct > cfg.pool then
	-- every flow back within half the idle timeout
	period = 1000 * (cfg.timeout / 2) * cfg.pool / distinct
	warmup = math.max(warmup, cfg.timeout / 2 + 1)
end
if period ~= nil and period < 10 then
	print(string.format("sluice.lua: warning: restarting every %.1f ms: at %.0f pps the pool " ..
		"(%d) cannot give this mix; the result will say what was sent", period, tx_rate,
		cfg.pool))
	period = 10
end
if period ~= nil then
	period = math.floor(period + 0.5)
end
-- the share the restarts give at the rate measured: pool new flows per period
local share = (cfg.new_share > 0 and period) and cfg.pool / (math.max(tx_rate, 1) * period / 1000)
	or 0

run_for(warmup * 1000, period)
local t0, r0 = counters(cfg.tx), counters(cfg.rx)
run_for(cfg.duration * 1000, period)
local t1, r1 = counters(cfg.tx), counters(cfg.rx)
pktgen.stop(TX)

local d = cfg.duration
local res = {
	tx_pps = (t1.opackets - t0.opackets) / d,
	rx_pps = (r1.ipackets - r0.ipackets) / d,
	tx_mbps = (t1.obytes - t0.obytes) * 8 / d / 1e6,
	rx_mbps = (r1.ibytes - r0.ibytes) * 8 / d / 1e6,
	rx_errors = (r1.ierrors - r0.ierrors),
	rx_missed = (r1.imissed - r0.imissed),
	tx_errors = (t1.oerrors - t0.oerrors),
}
res.ratio = res.tx_pps > 0 and res.rx_pps / res.tx_pps or 0

local json = string.format(
	'{"generator":"pktgen","pktgen_api":"23.03","tx_port":%d,"rx_port":%d,' ..
	'"ipv6":%s,"proto":"%s","size":%d,"rate_pct":%g,"flows":%d,"distinct_tuples":%d,' ..
	'"new_share_target":%g,"new_share_planned":%.4f,"pool":%d,"restart_period_ms":%s,' ..
	'"restarts":%d,' ..
	'"duration_s":%g,"tx_pps":%.0f,"rx_pps":%.0f,"rx_tx_ratio":%.4f,' ..
	'"tx_mbps":%.1f,"rx_mbps":%.1f,"rx_errors":%d,"rx_missed":%d,"tx_errors":%d}',
	cfg.tx, cfg.rx, tostring(ipv6), cfg.proto, cfg.size, cfg.rate, cfg.flows, distinct,
	cfg.new_share, share, cfg.pool, period and string.format("%d", period) or "null", restarts,
	d, res.tx_pps, res.rx_pps, res.ratio, res.tx_mbps, res.rx_mbps, res.rx_errors,
	res.rx_missed, res.tx_errors)
print(string.format("sluice.lua: tx %.3f Mpps, rx %.3f Mpps (ratio %.4f), %d restarts",
	res.tx_pps / 1e6, res.rx_pps / 1e6, res.ratio, restarts))
print(json)
local f = io.open(cfg.out, "w")
if f then
	f:write(json, "\n")
	f:close()
end
if cfg.quit then
	pktgen.quit()
end
