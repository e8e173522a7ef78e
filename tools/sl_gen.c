/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sl-gen: sluice's own traffic generator for benchmarks and end-to-end tests.
 *
 * One port (whatever the EAL arguments create, e.g. a net_memif vdev) and
 * one or more queues (--queues: on a link without RSS, such as memif, a peer
 * with N workers reads N queues, and each flow must stay on one of them:
 * flow i is always sent on queue i % N).  The queues are shared out over the
 * EAL's lcores (-l): lcore k of L sends and receives on queues k, k+L, ...,
 * each with its own copy of the context below and its own counters, summed
 * at the end; one lcore (the default) serves every queue.  It sends a configurable mix of TCP
 * or UDP flows towards one VIP and counts what comes back on the same port; with
 * --expect-encap it also checks that what comes back is tunnelled and counts
 * it by outer destination, which shows how the load balancer spread the flows.
 *
 * Speed matters more than generality: on memif the generator and the
 * forwarder pay about the same per packet, so the generator must not be the
 * bottleneck.  Every frame is built once before the run; the hot loop only
 * picks a prebuilt frame per packet (and patches the source of brand-new
 * flows).  Two ways to hand frames to the PMD, chosen with --tx-mode:
 *   ref:  one prebuilt mbuf per established flow, sent again and again with
 *         its reference count raised; the PMD's free after transmit drops the
 *         count back.  Safe because nothing on the transmit path writes the
 *         frame (no offloads are requested, so no tx_prepare fixes up
 *         checksums in place) and the port has no MBUF_FAST_FREE.
 *   copy: allocate in bulk and copy the frame from a template.
 * Measured on net_null (one core, 64-byte frames, noisy host): ref ~1.5-2x
 * the packet rate of copy up to ~16K flows; beyond, the prebuilt mbufs (two
 * cache lines each) fall out of cache and copy from dense 64-byte templates
 * wins.  Both are several times faster than a forwarder on memif.  The
 * default, auto, picks by that measurement.
 * New flows always use copy, since each one needs its own source.
 *
 * The last line of stdout is one JSON object (see print_results()); the
 * lines before it are for people.
 *
 * Anomaly injection (tests/e2e/alerts.sh): with --mode-file, the file is
 * read every 100 ms and its one line switches what the generator sends,
 * without restarting it (a memif peer must not come and go, see the e2e
 * scripts):
 *   steady            the configured mix
 *   malformed SHARE   that share of the packets has an IPv4 header length
 *                     below 5 words (the balancer drops them as malformed)
 *   nonsyn SHARE      that share of the packets opens new flows, each with
 *                     an ACK instead of a SYN (TCP non-SYN flow-table misses,
 *                     as after a re-route)
 *   skew ADDRESS      new flows only to backend ADDRESS, honestly: in steady
 *                     mode the generator learns from the tunnelled SYNs that
 *                     come back (inner source and port, outer destination)
 *                     which of its new-flow tuples the balancer sent where;
 *                     in skew mode each new flow is the SYN of a tuple that
 *                     went to ADDRESS, sent again once the balancer's flow
 *                     table has forgotten it (--reuse-after, longer than its
 *                     TCP timeout), so the balancer sees a new flow and its
 *                     own table sends it to ADDRESS.  When no such tuple is
 *                     old enough, an established flow's packet goes instead.
 *                     (IPv4, IPIP replies.)
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define GEN_BURST	 32
#define GEN_RX_ROUNDS	 4 /* rx bursts per loop at most: drain faster than we send */
#define GEN_RX_POOL	 8192
#define GEN_NEW_POOL	 8192
#define GEN_RING_SIZE	 1024
#define GEN_MAX_FRAME	 1514
#define GEN_MIN_FRAME	 60   /* Ethernet minimum without FCS */
#define GEN_DST_SLOTS	 1024 /* power of two; distinct outer destinations we can tell apart */
#define GEN_SPORT_BASE	 1024
#define GEN_SPORT_SPAN	 (65536 - GEN_SPORT_BASE)
#define GEN_MAX_QUEUES	 16
#define GEN_LEARN_MAX	 16384 /* --mode-file skew: learned new-flow tuples */
#define GEN_MODE_POLL_MS 100

enum gen_mode { MODE_STEADY = 0, MODE_MALFORMED, MODE_NONSYN, MODE_SKEW };

enum tx_mode { TX_COPY = 0, TX_REF, TX_AUTO };

/* TX_AUTO: up to this many flows ref, above copy (see the top comment). */
#define GEN_REF_MAX_FLOWS 16384

struct gen_opts {
	uint32_t flows;
	bool ipv6;
	bool vip_set;
	uint8_t vip[16];
	uint16_t vport;
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t size; /* frame size without FCS */
	double new_share;
	struct rte_ether_addr dst_mac;
	uint64_t rate; /* packets per second; 0 = as fast as the port takes them */
	double duration;
	double warmup;
	double link_timeout;
	double linger; /* after the window: keep the link up this long, or until a signal */
	bool expect_encap;
	enum tx_mode tx_mode;
	uint64_t seed;
	uint16_t port;
	bool port_set;
	uint16_t queues;       /* rx and tx queues; flow i goes out on queue i % queues */
	const char *mode_file; /* --mode-file: anomaly injection (top of the file) */
	double reuse_after;    /* --reuse-after: skew mode's tuple reuse, seconds */
	bool syn_first;	       /* --syn-first: open every established flow with a SYN */
};

/* A new-flow tuple and where the balancer sent it (mode skew). */
struct learned {
	uint32_t src_low; /* below the new-flow prefix */
	uint16_t sport;	  /* host order */
	uint8_t dst[4];	  /* outer destination: the backend */
	uint64_t last;	  /* TSC of its last SYN */
};

/* Counters of the measured window.  Single lcore, so plain integers. */
struct gen_counts {
	uint64_t tx, tx_bytes, tx_new;
	uint64_t rx, rx_bytes;
	uint64_t tx_short;  /* tx bursts the port did not take completely: backpressure */
	uint64_t tx_bad;    /* mode malformed: malformed packets sent */
	uint64_t tx_skew;   /* mode skew: learned tuples sent again */
	uint64_t tx_bursts; /* tx bursts tried */
	uint64_t encap_bad; /* --expect-encap: not an IPv4/IPv6 tunnel packet */
	uint64_t dst_other; /* --expect-encap: more distinct destinations than slots */
};

struct dst_slot {
	uint64_t pkts;
	uint8_t used;
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
};

/* Everything the hot loop touches, in one place. */
struct gen_ctx {
	struct gen_opts o;
	uint16_t frame_len;
	uint8_t *templates;		 /* flows x frame_len: established-flow frames */
	struct rte_mbuf **refs;		 /* TX_REF: one prebuilt mbuf per established flow */
	uint8_t new_tmpl[GEN_MAX_FRAME]; /* SYN (or UDP) frame with a zeroed source */
	uint8_t ack_tmpl[GEN_MAX_FRAME]; /* the same with ACK instead of SYN (mode nonsyn) */
	uint16_t l3_off;		 /* offset of the IP header */
	uint16_t src_off;		 /* offset of the part of the source address patched */
	uint16_t sport_off;		 /* offset of the L4 source port */
	uint16_t ip_cksum_off;		 /* IPv4 header checksum offset, 0 for IPv6 */
	uint16_t l4_cksum_off;
	uint32_t new_thresh; /* a 32-bit random value below it means "new flow" */
	uint64_t new_ctr;    /* next never-used new-flow source */
	uint64_t rng;
	struct rte_mempool *tx_pool;
	struct rte_mempool *rx_pool;
	uint16_t q;		/* the queue fill_burst() fills for */
	uint16_t qfirst, qstep; /* this lcore's queues: qfirst, qfirst + qstep, ... */
	uint16_t nmyq;		/* how many */
	uint64_t new_step;	/* new_ctr steps by the number of lcores: no overlap */
	uint64_t t_start;	/* TSC when every lcore starts its warm-up */
	uint64_t window;	/* run()'s result, for the lcores other than the main one */
	uint16_t nlcores;	/* lcores that ran the loop (run_all) */
	struct rte_mbuf *pend[GEN_MAX_QUEUES][GEN_BURST]; /* per queue: not sent yet */
	unsigned npend[GEN_MAX_QUEUES];
	struct gen_counts c;
	struct dst_slot dsts[GEN_DST_SLOTS];
	/* --mode-file */
	enum gen_mode mode;
	uint32_t mode_thresh; /* malformed, nonsyn: share of packets (32-bit) */
	uint8_t skew_dst[4];
	char mode_line[128];
	uint64_t next_mode_poll;
	struct learned *learn; /* GEN_LEARN_MAX */
	uint32_t nb_learn;
	uint32_t *skew_q; /* learned indices to ADDRESS, least recently sent first */
	uint32_t skew_n, skew_head;
};

static volatile sig_atomic_t quit_signal;

static void on_signal(int sig)
{
	quit_signal = sig;
}

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void usage(const char *prog)
{
	fprintf(
	    stderr,
	    "usage: %s [EAL args] -- [options]\n"
	    "  --flows N          established flows (distinct 5-tuples), default 1024\n"
	    "  --vip ADDR         destination VIP, IPv4 or IPv6 (default 192.0.2.10 / "
	    "2001:db8::10)\n"
	    "  --ipv6             IPv6 traffic (implied by an IPv6 --vip)\n"
	    "  --vport PORT       destination port, default 80\n"
	    "  --proto tcp|udp    default tcp\n"
	    "  --size BYTES       frame size without FCS, default 64 (raised to the headers' "
	    "size)\n"
	    "  --new-share P      fraction 0..1 of packets that open a never-seen flow, default 0\n"
	    "  --dst-mac MAC      destination MAC, default 02:00:00:00:00:01\n"
	    "  --rate PPS         target packet rate, 0 = as fast as possible (default)\n"
	    "  --duration SEC     measured time, default 5\n"
	    "  --warmup SEC       time sent but not measured before it, default 1\n"
	    "  --expect-encap     check replies are IPv4/IPv6 tunnels, count by outer dst\n"
	    "  --tx-mode auto|ref|copy  resend refcounted prebuilt mbufs, or copy templates\n"
	    "                     into fresh mbufs; auto (default): ref up to 16384 flows\n"
	    "  --link-timeout SEC wait this long for link up, default 10\n"
	    "  --port ID          port id, default the first one\n"
	    "  --queues N         rx and tx queues, 1..16 (default 1); flow i is sent on\n"
	    "                     queue i %% N, for a peer with N workers and no RSS (memif)\n"
	    "  --seed N           random seed, default 1\n"
	    "  --linger SEC       after printing the results keep the link up (receiving,\n"
	    "                     not sending) until SIGINT/SIGTERM or SEC seconds pass,\n"
	    "                     so the peer can read its own statistics first\n"
	    "  --syn-first        open every established flow with a SYN before the run\n"
	    "  --mode-file PATH   read PATH every 100 ms: steady | malformed SHARE |\n"
	    "                     nonsyn SHARE | skew ADDRESS (anomaly injection, see\n"
	    "                     the top of tools/sl_gen.c); needs --expect-encap for skew\n"
	    "  --reuse-after SEC  skew: send a learned tuple again after SEC (default 5)\n",
	    prog);
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parses the application arguments (after EAL's).  Returns 0 or -EINVAL after
 * saying what was wrong. */
static int parse_args(int argc, char **argv, struct gen_opts *o)
{
	enum {
		OPT_FLOWS = 256,
		OPT_VIP,
		OPT_IPV6,
		OPT_VPORT,
		OPT_PROTO,
		OPT_SIZE,
		OPT_NEW_SHARE,
		OPT_DST_MAC,
		OPT_RATE,
		OPT_DURATION,
		OPT_WARMUP,
		OPT_EXPECT_ENCAP,
		OPT_TX_MODE,
		OPT_LINK_TIMEOUT,
		OPT_PORT,
		OPT_SEED,
		OPT_LINGER,
		OPT_QUEUES,
		OPT_SYN_FIRST,
		OPT_MODE_FILE,
		OPT_REUSE_AFTER,
		OPT_HELP,
	};
	static const struct option longopts[] = {
	    {"flows", required_argument, NULL, OPT_FLOWS},
	    {"vip", required_argument, NULL, OPT_VIP},
	    {"ipv6", no_argument, NULL, OPT_IPV6},
	    {"vport", required_argument, NULL, OPT_VPORT},
	    {"proto", required_argument, NULL, OPT_PROTO},
	    {"size", required_argument, NULL, OPT_SIZE},
	    {"new-share", required_argument, NULL, OPT_NEW_SHARE},
	    {"dst-mac", required_argument, NULL, OPT_DST_MAC},
	    {"rate", required_argument, NULL, OPT_RATE},
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"warmup", required_argument, NULL, OPT_WARMUP},
	    {"expect-encap", no_argument, NULL, OPT_EXPECT_ENCAP},
	    {"tx-mode", required_argument, NULL, OPT_TX_MODE},
	    {"link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT},
	    {"port", required_argument, NULL, OPT_PORT},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"linger", required_argument, NULL, OPT_LINGER},
	    {"queues", required_argument, NULL, OPT_QUEUES},
	    {"syn-first", no_argument, NULL, OPT_SYN_FIRST},
	    {"mode-file", required_argument, NULL, OPT_MODE_FILE},
	    {"reuse-after", required_argument, NULL, OPT_REUSE_AFTER},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	const char *prog = "sl-gen";
	bool want_v6 = false;
	uint64_t u;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *a = optarg;
		int rc = 0;

		switch (opt) {
		case OPT_FLOWS:
			/* The source scramble is a bijection on 23 (IPv4) bits, so
			 * this many established sources are all distinct. */
			rc = parse_u64(a, 1, 1u << 23, &u);
			o->flows = (uint32_t)u;
			break;
		case OPT_VIP:
			if (inet_pton(AF_INET, a, o->vip) == 1) {
				o->ipv6 = false;
			} else if (inet_pton(AF_INET6, a, o->vip) == 1) {
				o->ipv6 = true;
			} else {
				rc = -EINVAL;
			}
			o->vip_set = true;
			break;
		case OPT_IPV6:
			want_v6 = true;
			break;
		case OPT_VPORT:
			rc = parse_u64(a, 0, 65535, &u);
			o->vport = (uint16_t)u;
			break;
		case OPT_PROTO:
			if (strcmp(a, "tcp") == 0)
				o->proto = IPPROTO_TCP;
			else if (strcmp(a, "udp") == 0)
				o->proto = IPPROTO_UDP;
			else
				rc = -EINVAL;
			break;
		case OPT_SIZE:
			rc = parse_u64(a, 1, GEN_MAX_FRAME, &u);
			o->size = (uint16_t)u;
			break;
		case OPT_NEW_SHARE:
			rc = parse_double(a, 0.0, 1.0, &o->new_share);
			break;
		case OPT_DST_MAC:
			rc = rte_ether_unformat_addr(a, &o->dst_mac) == 0 ? 0 : -EINVAL;
			break;
		case OPT_RATE:
			rc = parse_u64(a, 0, UINT64_C(1) << 40, &o->rate);
			break;
		case OPT_DURATION:
			rc = parse_double(a, 0.001, 86400.0, &o->duration);
			break;
		case OPT_WARMUP:
			rc = parse_double(a, 0.0, 86400.0, &o->warmup);
			break;
		case OPT_EXPECT_ENCAP:
			o->expect_encap = true;
			break;
		case OPT_TX_MODE:
			if (strcmp(a, "copy") == 0)
				o->tx_mode = TX_COPY;
			else if (strcmp(a, "ref") == 0)
				o->tx_mode = TX_REF;
			else if (strcmp(a, "auto") == 0)
				o->tx_mode = TX_AUTO;
			else
				rc = -EINVAL;
			break;
		case OPT_LINK_TIMEOUT:
			rc = parse_double(a, 0.0, 3600.0, &o->link_timeout);
			break;
		case OPT_PORT:
			rc = parse_u64(a, 0, RTE_MAX_ETHPORTS - 1, &u);
			o->port = (uint16_t)u;
			o->port_set = true;
			break;
		case OPT_SEED:
			rc = parse_u64(a, 0, UINT64_MAX, &o->seed);
			break;
		case OPT_LINGER:
			rc = parse_double(a, 0.0, 3600.0, &o->linger);
			break;
		case OPT_QUEUES:
			rc = parse_u64(a, 1, GEN_MAX_QUEUES, &u);
			o->queues = (uint16_t)u;
			break;
		case OPT_SYN_FIRST:
			o->syn_first = true;
			break;
		case OPT_MODE_FILE:
			o->mode_file = a;
			break;
		case OPT_REUSE_AFTER:
			rc = parse_double(a, 0.001, 3600.0, &o->reuse_after);
			break;
		case OPT_HELP:
			usage(prog);
			exit(0);
		default:
			usage(prog);
			return -EINVAL;
		}
		if (rc != 0) {
			fprintf(stderr, "sl-gen: bad value '%s' for --%s\n", a,
				longopts[opt - OPT_FLOWS].name);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sl-gen: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (want_v6 && o->vip_set && !o->ipv6) {
		fprintf(stderr, "sl-gen: --ipv6 with an IPv4 --vip\n");
		return -EINVAL;
	}
	if (want_v6)
		o->ipv6 = true;
	if (o->queues > o->flows) {
		fprintf(stderr, "sl-gen: --queues %u: more queues than --flows %u\n", o->queues,
			o->flows);
		return -EINVAL;
	}
	if (o->tx_mode == TX_AUTO)
		o->tx_mode = o->flows <= GEN_REF_MAX_FLOWS ? TX_REF : TX_COPY;
	if (!o->vip_set) {
		if (o->ipv6)
			inet_pton(AF_INET6, "2001:db8::10", o->vip);
		else
			inet_pton(AF_INET, "192.0.2.10", o->vip);
	}
	return 0;
}

/* Source of established flow i (i < 2^23): the multiply by an odd constant is
 * a bijection mod 2^23, so sources never repeat yet look random to a hash.
 * Established sources live in 10.0.0.0/9 (2001:db8:a::/64), new flows in
 * 10.128.0.0/9 (2001:db8:b::/64), so the two sets cannot overlap. */
static uint32_t est_src_low(uint32_t i, uint64_t seed)
{
	return (uint32_t)((i * UINT64_C(0x9E3779B1) + seed) & 0x7fffff);
}

/* Writes one frame into buf (ctx->frame_len bytes).  src_low: the low 32 bits
 * of the source address below the fixed prefix; sport in host order.  TCP
 * flags: SYN for a new flow, ACK otherwise, unless `flags` is not 0. */
static void build_frame(const struct gen_ctx *ctx, const struct rte_ether_addr *src_mac,
			uint8_t *buf, uint32_t src_low, bool new_flow, uint16_t sport,
			uint32_t tcp_seq, uint8_t flags)
{
	const struct gen_opts *o = &ctx->o;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint16_t l3_len = ctx->frame_len - sizeof(*eth);
	uint16_t l4_len;
	void *l4;

	memset(buf, 0, ctx->frame_len);
	rte_ether_addr_copy(&o->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	if (!o->ipv6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		uint32_t src = (UINT32_C(10) << 24) | (new_flow ? (1u << 23) : 0) | src_low;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(l3_len);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = o->proto;
		ip->src_addr = rte_cpu_to_be_32(src);
		memcpy(&ip->dst_addr, o->vip, 4);
		l4 = ip + 1;
		l4_len = l3_len - sizeof(*ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
		static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a, 0, 0};
		uint32_t be = rte_cpu_to_be_32(src_low);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(l3_len - sizeof(*ip));
		ip->proto = o->proto;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, pfx, sizeof(pfx));
		if (new_flow)
			ip->src_addr[5] = 0x0b;
		memcpy(&ip->src_addr[12], &be, 4);
		memcpy(ip->dst_addr, o->vip, 16);
		l4 = ip + 1;
		l4_len = l3_len - sizeof(*ip);
	}
	if (o->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = l4;

		tcp->src_port = rte_cpu_to_be_16(sport);
		tcp->dst_port = rte_cpu_to_be_16(o->vport);
		tcp->sent_seq = rte_cpu_to_be_32(tcp_seq);
		tcp->recv_ack = new_flow ? 0 : rte_cpu_to_be_32(1);
		tcp->data_off = (sizeof(*tcp) / 4) << 4;
		tcp->tcp_flags = flags ? flags : new_flow ? RTE_TCP_SYN_FLAG : RTE_TCP_ACK_FLAG;
		tcp->rx_win = rte_cpu_to_be_16(65535);
	} else {
		struct rte_udp_hdr *udp = l4;

		udp->src_port = rte_cpu_to_be_16(sport);
		udp->dst_port = rte_cpu_to_be_16(o->vport);
		udp->dgram_len = rte_cpu_to_be_16(l4_len);
	}
	/* Checksums correct, so a forwarder that verifies them (or a backend
	 * behind it) sees valid traffic. */
	if (!o->ipv6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		uint16_t ck = rte_ipv4_udptcp_cksum(ip, l4);

		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (o->proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4)->cksum = ck;
		else
			((struct rte_udp_hdr *)l4)->dgram_cksum = ck;
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
		uint16_t ck = rte_ipv6_udptcp_cksum(ip, l4);

		if (o->proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4)->cksum = ck;
		else
			((struct rte_udp_hdr *)l4)->dgram_cksum = ck;
	}
}

/* Builds the templates (and, in ref mode, the prebuilt mbufs).  Returns 0 or
 * a negative errno. */
static int build_templates(struct gen_ctx *ctx, const struct rte_ether_addr *src_mac)
{
	struct gen_opts *o = &ctx->o;
	uint16_t hdr =
	    sizeof(struct rte_ether_hdr) +
	    (o->ipv6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr)) +
	    (o->proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr));
	uint64_t seed = o->seed;
	uint32_t i;

	ctx->frame_len = RTE_MAX(RTE_MAX(o->size, hdr), (uint16_t)GEN_MIN_FRAME);
	if (ctx->frame_len != o->size)
		printf("sl-gen: frame size raised from %u to %u bytes\n", o->size, ctx->frame_len);
	ctx->l3_off = sizeof(struct rte_ether_hdr);
	if (!o->ipv6) {
		ctx->src_off = ctx->l3_off + offsetof(struct rte_ipv4_hdr, src_addr);
		ctx->ip_cksum_off = ctx->l3_off + offsetof(struct rte_ipv4_hdr, hdr_checksum);
		ctx->sport_off = ctx->l3_off + sizeof(struct rte_ipv4_hdr);
	} else {
		ctx->src_off = ctx->l3_off + offsetof(struct rte_ipv6_hdr, src_addr) + 12;
		ctx->ip_cksum_off = 0;
		ctx->sport_off = ctx->l3_off + sizeof(struct rte_ipv6_hdr);
	}
	ctx->l4_cksum_off =
	    ctx->sport_off + (o->proto == IPPROTO_TCP ? offsetof(struct rte_tcp_hdr, cksum)
						      : offsetof(struct rte_udp_hdr, dgram_cksum));

	ctx->templates =
	    rte_malloc("sl_gen_tmpl", (size_t)o->flows * ctx->frame_len, RTE_CACHE_LINE_SIZE);
	if (ctx->templates == NULL)
		return -ENOMEM;
	for (i = 0; i < o->flows; i++) {
		uint64_t r = xorshift64(&seed);

		build_frame(ctx, src_mac, ctx->templates + (size_t)i * ctx->frame_len,
			    est_src_low(i, o->seed), false,
			    GEN_SPORT_BASE + (uint16_t)(r % GEN_SPORT_SPAN), (uint32_t)(r >> 32),
			    0);
	}
	/* New-flow template: the patched source bits and port are zero, so the
	 * hot path only adds their values into the checksums (RFC 1624). */
	build_frame(ctx, src_mac, ctx->new_tmpl, 0, true, 0, 1, 0);
	build_frame(ctx, src_mac, ctx->ack_tmpl, 0, true, 0, 1, RTE_TCP_ACK_FLAG);

	if (o->tx_mode == TX_REF) {
		/* A pool just for the prebuilt frames, sized to them, so a large
		 * flow count does not cost 2 KB of data room per flow. */
		struct rte_mempool *mp =
		    rte_pktmbuf_pool_create("sl_gen_ref", o->flows, 0, 0,
					    RTE_PKTMBUF_HEADROOM + ctx->frame_len, rte_socket_id());

		if (mp == NULL)
			return -rte_errno;
		ctx->refs =
		    rte_zmalloc("sl_gen_refs", sizeof(*ctx->refs) * o->flows, RTE_CACHE_LINE_SIZE);
		if (ctx->refs == NULL)
			return -ENOMEM;
		if (rte_pktmbuf_alloc_bulk(mp, ctx->refs, o->flows) != 0)
			return -ENOMEM;
		for (i = 0; i < o->flows; i++) {
			struct rte_mbuf *m = ctx->refs[i];

			rte_memcpy(rte_pktmbuf_mtod(m, void *),
				   ctx->templates + (size_t)i * ctx->frame_len, ctx->frame_len);
			m->data_len = ctx->frame_len;
			m->pkt_len = ctx->frame_len;
		}
	}
	/* new_share of the 32-bit random range; 1.0 must mean every packet. */
	ctx->new_thresh =
	    o->new_share >= 1.0 ? UINT32_MAX : (uint32_t)(o->new_share * 4294967296.0);
	return 0;
}

/* One's-complement add of the 16-bit words at p[0..n-1] (n even) into the
 * checksum stored at ck (both as they are in memory: the sum is byte-order
 * independent as long as everything is taken from memory the same way). */
static inline void cksum_add(uint8_t *ck, const uint8_t *p, unsigned n)
{
	uint16_t old, w, res;
	uint32_t sum;
	unsigned i;

	memcpy(&old, ck, 2);
	sum = (uint16_t)~old;
	for (i = 0; i < n; i += 2) {
		memcpy(&w, p + i, 2);
		sum += w;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	res = (uint16_t)~sum;
	memcpy(ck, &res, 2);
}

/* Fills m with new-flow template `tmpl` (SYN or ACK; its source bits and
 * port zero) for the source src_low (below the new-flow prefix) and port
 * sport (host order), fixing the checksums incrementally (RFC 1624). */
static inline void fill_tuple(struct gen_ctx *ctx, struct rte_mbuf *m, const uint8_t *tmpl,
			      uint32_t src_low, uint16_t sport_host)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t sport = rte_cpu_to_be_16(sport_host);
	uint8_t patch[6];
	uint32_t src_be;

	rte_memcpy(p, tmpl, ctx->frame_len);
	src_be = rte_cpu_to_be_32(src_low);
	if (!ctx->o.ipv6) {
		/* The template's source is 10.128.0.0: only add the low bits. */
		uint32_t cur;

		memcpy(&cur, p + ctx->src_off, 4);
		cur |= src_be;
		memcpy(p + ctx->src_off, &cur, 4);
	} else {
		memcpy(p + ctx->src_off, &src_be, 4);
	}
	memcpy(p + ctx->sport_off, &sport, 2);
	memcpy(patch, &src_be, 4);
	memcpy(patch + 4, &sport, 2);
	if (ctx->ip_cksum_off != 0)
		cksum_add(p + ctx->ip_cksum_off, patch, 4);
	cksum_add(p + ctx->l4_cksum_off, patch, 6);
	if (ctx->o.proto == IPPROTO_UDP && p[ctx->l4_cksum_off] == 0 &&
	    p[ctx->l4_cksum_off + 1] == 0)
		p[ctx->l4_cksum_off] = p[ctx->l4_cksum_off + 1] = 0xff; /* 0 means "none" */
	m->data_len = ctx->frame_len;
	m->pkt_len = ctx->frame_len;
}

/* Fills m with a never-seen flow: the new-flow template with source address
 * bits and port taken from a counter.  The address changes with every flow
 * (scrambled by a bijection, so it looks random to a hash yet cannot repeat)
 * and the port only once the address bits wrap: 2^23 (IPv4) or 2^32 (IPv6)
 * times 64512 flows before anything repeats.  Mode nonsyn: with ACK. */
static inline void fill_new_flow(struct gen_ctx *ctx, struct rte_mbuf *m)
{
	uint64_t n = ctx->new_ctr;
	unsigned bits = ctx->o.ipv6 ? 32 : 23; /* IPv4: 10.128.0.0/9 */
	uint32_t mask = (uint32_t)((UINT64_C(1) << bits) - 1);

	ctx->new_ctr += ctx->new_step; /* lcores interleave: no overlap */
	fill_tuple(ctx, m, ctx->mode == MODE_NONSYN ? ctx->ack_tmpl : ctx->new_tmpl,
		   (uint32_t)(n * UINT64_C(0x9E3779B1)) & mask,
		   GEN_SPORT_BASE + (uint16_t)((n >> bits) % GEN_SPORT_SPAN));
}

/* Mode skew: the SYN of the learned tuple to the chosen backend that was
 * sent least recently, if that was at least --reuse-after ago (the
 * balancer's flow table has forgotten it).  false: none is old enough. */
static inline bool fill_skew(struct gen_ctx *ctx, struct rte_mbuf *m, uint64_t now)
{
	struct learned *l;

	if (ctx->skew_n == 0)
		return false;
	l = &ctx->learn[ctx->skew_q[ctx->skew_head]];
	if (now - l->last < (uint64_t)(ctx->o.reuse_after * rte_get_tsc_hz()))
		return false;
	l->last = now;
	ctx->skew_head = (ctx->skew_head + 1) % ctx->skew_n;
	fill_tuple(ctx, m, ctx->new_tmpl, l->src_low, l->sport);
	ctx->c.tx_skew++;
	return true;
}

/* Mode malformed: an established flow's frame with an IPv4 header length
 * of 4 words (below the minimum of 5), checksum fixed. */
static inline void fill_malformed(struct gen_ctx *ctx, struct rte_mbuf *m, uint32_t idx)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip;

	rte_memcpy(p, ctx->templates + (size_t)idx * ctx->frame_len, ctx->frame_len);
	m->data_len = ctx->frame_len;
	m->pkt_len = ctx->frame_len;
	if (ctx->o.ipv6) {
		p[ctx->l3_off] = 0x45; /* IPv6 frames: "version 4" in an IPv6 header */
		return;
	}
	ip = (struct rte_ipv4_hdr *)(p + ctx->l3_off);
	ip->version_ihl = 0x44;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ctx->c.tx_bad++;
}

/* Fills pkts[0..n-1] with the next n packets of the mix for queue ctx->q:
 * established flows only from those of that queue (i % queues == q).
 * Returns how many it could fill (fewer only when the copy pool runs dry). */
/* idx[] marks (fill_burst): a new flow, and a malformed packet (mode
 * malformed) on top of an established flow's index. */
#define IDX_NEW UINT32_MAX
#define IDX_BAD 0x80000000u

static unsigned fill_burst(struct gen_ctx *ctx, struct rte_mbuf **pkts, unsigned n)
{
	uint32_t idx[GEN_BURST];
	struct rte_mbuf *fresh[GEN_BURST];
	unsigned i, nfresh = 0, used = 0;
	uint32_t nq = ctx->o.queues, q = ctx->q;
	uint32_t qflows = (ctx->o.flows - q + nq - 1) / nq; /* flows of queue q */
	enum gen_mode mode = ctx->mode;
	uint32_t thresh = mode == MODE_NONSYN ? ctx->mode_thresh : ctx->new_thresh;
	uint64_t now = mode == MODE_SKEW ? rte_rdtsc() : 0;

	/* Pick first, prefetch, then build: with many flows the templates or
	 * prebuilt mbufs are not in cache. */
	for (i = 0; i < n; i++) {
		uint64_t r = xorshift64(&ctx->rng);

		if ((uint32_t)r < thresh) {
			idx[i] = IDX_NEW;
			nfresh++;
			continue;
		}
		idx[i] = (uint32_t)(((r >> 32) * qflows) >> 32) * nq + q;
		if (unlikely(mode == MODE_MALFORMED) &&
		    (uint32_t)xorshift64(&ctx->rng) < ctx->mode_thresh) {
			idx[i] |= IDX_BAD;
			nfresh++;
			continue;
		}
		if (ctx->o.tx_mode == TX_REF) {
			/* The header (refcount) and the data the PMD copies:
			 * the ref pool has no private area, so the data sits
			 * right after the headroom. */
			const uint8_t *m = (const uint8_t *)ctx->refs[idx[i]];

			rte_prefetch0(m);
			rte_prefetch0(m + sizeof(struct rte_mbuf) + RTE_PKTMBUF_HEADROOM);
		} else {
			nfresh++;
			rte_prefetch0(ctx->templates + (size_t)idx[i] * ctx->frame_len);
		}
	}
	if (nfresh != 0 && rte_pktmbuf_alloc_bulk(ctx->tx_pool, fresh, nfresh) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m;

		if (idx[i] == IDX_NEW) {
			m = fresh[used++];
			if (likely(mode != MODE_SKEW)) {
				fill_new_flow(ctx, m);
				ctx->c.tx_new++;
			} else if (!fill_skew(ctx, m, now)) {
				/* No learned tuple is old enough: an
				 * established flow's packet instead. */
				uint32_t k =
				    (uint32_t)(((xorshift64(&ctx->rng) >> 32) * ctx->o.flows) >>
					       32);

				rte_memcpy(rte_pktmbuf_mtod(m, void *),
					   ctx->templates + (size_t)k * ctx->frame_len,
					   ctx->frame_len);
				m->data_len = ctx->frame_len;
				m->pkt_len = ctx->frame_len;
			}
		} else if (unlikely(idx[i] & IDX_BAD)) {
			m = fresh[used++];
			fill_malformed(ctx, m, idx[i] & ~IDX_BAD);
		} else if (ctx->o.tx_mode == TX_REF) {
			m = ctx->refs[idx[i]];
			/* The PMD's free after its copy takes this back. */
			rte_mbuf_refcnt_update(m, 1);
		} else {
			m = fresh[used++];
			rte_memcpy(rte_pktmbuf_mtod(m, void *),
				   ctx->templates + (size_t)idx[i] * ctx->frame_len,
				   ctx->frame_len);
			m->data_len = ctx->frame_len;
			m->pkt_len = ctx->frame_len;
		}
		pkts[i] = m;
	}
	return n;
}

/* Adds pkts to the count of outer destination addr (16 bytes, zero-padded). */
static void dst_add(struct gen_ctx *ctx, uint8_t family, const uint8_t *addr_in, uint64_t pkts)
{
	/* rte_hash_crc reads 8-byte words: hash an aligned copy (the slots'
	 * addresses are not aligned). */
	uint8_t addr[16] __rte_aligned(8);
	uint32_t h, k;

	memcpy(addr, addr_in, sizeof(addr));
	h = rte_hash_crc(addr, sizeof(addr), family);

	for (k = 0; k < GEN_DST_SLOTS; k++) {
		struct dst_slot *s = &ctx->dsts[(h + k) & (GEN_DST_SLOTS - 1)];

		if (!s->used) {
			s->used = 1;
			s->family = family;
			memcpy(s->addr, addr, 16);
		}
		if (s->family == family && memcmp(s->addr, addr, 16) == 0) {
			s->pkts += pkts;
			return;
		}
	}
	ctx->c.dst_other += pkts;
}

/* Mode skew's learning (steady mode, --mode-file): a tunnelled IPv4 TCP
 * SYN of one of our new flows came back; remember its tuple and the outer
 * destination `dst` (the backend the balancer chose).  p/len: the frame,
 * inner: offset of the inner IPv4 header. */
static void learn_tuple(struct gen_ctx *ctx, const uint8_t *p, uint32_t len, uint32_t inner,
			const uint8_t dst[4])
{
	const struct rte_ipv4_hdr *ip = (const void *)(p + inner);
	const struct rte_tcp_hdr *tcp;
	uint32_t ihl, src;
	struct learned *l;

	if (ctx->learn == NULL || ctx->mode != MODE_STEADY || ctx->nb_learn >= GEN_LEARN_MAX ||
	    len < inner + sizeof(*ip))
		return;
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ip->next_proto_id != IPPROTO_TCP ||
	    len < inner + ihl + sizeof(*tcp))
		return;
	tcp = (const void *)(p + inner + ihl);
	src = rte_be_to_cpu_32(ip->src_addr);
	/* Only our new flows (10.128.0.0/9), only their SYN. */
	if ((src & 0xff800000u) != 0x0a800000u ||
	    (tcp->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) != RTE_TCP_SYN_FLAG)
		return;
	l = &ctx->learn[ctx->nb_learn++];
	l->src_low = src & 0x7fffffu;
	l->sport = rte_be_to_cpu_16(tcp->src_port);
	memcpy(l->dst, dst, 4);
	l->last = rte_rdtsc();
}

/* --expect-encap: classifies one received frame by its outer destination. */
static void count_encap(struct gen_ctx *ctx, const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t et;
	uint8_t family, l4, addr[16] = {0};

	if (len < off)
		goto bad;
	memcpy(&et, p + 12, 2);
	et = rte_be_to_cpu_16(et);
	if (et == RTE_ETHER_TYPE_VLAN) {
		if (len < off + 4)
			goto bad;
		memcpy(&et, p + 16, 2);
		et = rte_be_to_cpu_16(et);
		off += 4;
	}
	if (et == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + off);

		if (len < off + sizeof(*ip))
			goto bad;
		family = 4;
		l4 = ip->next_proto_id;
		memcpy(addr, &ip->dst_addr, 4);
	} else if (et == RTE_ETHER_TYPE_IPV6) {
		const struct rte_ipv6_hdr *ip = (const void *)(p + off);

		if (len < off + sizeof(*ip))
			goto bad;
		family = 6;
		l4 = ip->proto;
		memcpy(addr, ip->dst_addr, 16);
	} else {
		goto bad;
	}
	/* A tunnel: IPIP (4), IPv6 inside (41), or GUE (UDP). */
	if (l4 != IPPROTO_IPIP && l4 != IPPROTO_IPV6 && l4 != IPPROTO_UDP)
		goto bad;
	if (l4 == IPPROTO_IPIP && family == 4 && ctx->learn != NULL)
		learn_tuple(ctx, p, len, off + (uint32_t)(p[off] & 0x0f) * 4, addr);

	dst_add(ctx, family, addr, 1);
	return;
bad:
	ctx->c.encap_bad++;
}

/* Polls each of this lcore's receive queues a few bursts deep and counts
 * (when `count`) what came back.  Returns the number received. */
static unsigned rx_poll(struct gen_ctx *ctx, bool count)
{
	struct rte_mbuf *pkts[GEN_BURST];
	unsigned total = 0, r, i, n;

	for (uint16_t q = ctx->qfirst; q < ctx->o.queues;
	     q = (uint16_t)(q + (ctx->qstep ? ctx->qstep : 1)))
		for (r = 0; r < GEN_RX_ROUNDS; r++) {
			n = rte_eth_rx_burst(ctx->o.port, q, pkts, GEN_BURST);
			if (n == 0)
				break;
			if (count) {
				ctx->c.rx += n;
				for (i = 0; i < n; i++) {
					ctx->c.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
					if (ctx->o.expect_encap)
						count_encap(ctx, pkts[i]);
				}
			}
			rte_pktmbuf_free_bulk(pkts, n);
			total += n;
			if (n < GEN_BURST)
				break;
		}
	return total;
}

/* --mode-file: read the file and switch modes when its line changed (see
 * the top of the file).  An empty or missing file changes nothing; a line
 * that cannot be used is reported and the mode stays. */
static void poll_mode(struct gen_ctx *ctx)
{
	char line[128] = "", word[16] = "", arg[64] = "";
	FILE *f = fopen(ctx->o.mode_file, "r");
	double share = 0;
	uint8_t dst[4];

	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0' || strcmp(line, ctx->mode_line) == 0)
		return;
	snprintf(ctx->mode_line, sizeof(ctx->mode_line), "%s", line);
	if (sscanf(line, "%15s %63s", word, arg) < 1)
		goto bad;
	if (strcmp(word, "steady") == 0) {
		ctx->mode = MODE_STEADY;
	} else if (strcmp(word, "malformed") == 0 || strcmp(word, "nonsyn") == 0) {
		if (parse_double(arg, 0.0, 1.0, &share) != 0 ||
		    (word[0] == 'n' && ctx->o.proto != IPPROTO_TCP))
			goto bad;
		ctx->mode_thresh = share >= 1.0 ? UINT32_MAX : (uint32_t)(share * 4294967296.0);
		ctx->mode = word[0] == 'm' ? MODE_MALFORMED : MODE_NONSYN;
	} else if (strcmp(word, "skew") == 0 && ctx->learn != NULL &&
		   inet_pton(AF_INET, arg, dst) == 1) {
		/* Learned in time order, so the queue starts least recently
		 * sent first. */
		ctx->skew_n = 0;
		ctx->skew_head = 0;
		for (uint32_t i = 0; i < ctx->nb_learn; i++)
			if (memcmp(ctx->learn[i].dst, dst, 4) == 0)
				ctx->skew_q[ctx->skew_n++] = i;
		memcpy(ctx->skew_dst, dst, 4);
		ctx->mode = MODE_SKEW;
		printf("sl-gen: %u of %u learned new-flow tuples went to %s\n", ctx->skew_n,
		       ctx->nb_learn, arg);
	} else {
		goto bad;
	}
	printf("sl-gen: mode %s\n", line);
	fflush(stdout);
	return;
bad:
	fprintf(stderr,
		"sl-gen: %s: cannot use \"%s\" (steady | malformed SHARE | nonsyn SHARE | "
		"skew ADDRESS; skew needs --expect-encap and TCP over IPv4)\n",
		ctx->o.mode_file, line);
}

/* --syn-first: a SYN for every established flow (the same tuples as the
 * templates), so that the balancer sees them opened as real clients would
 * and counts no non-SYN flow-table misses for them. */
static void send_syns(struct gen_ctx *ctx, const struct rte_ether_addr *src_mac)
{
	uint64_t seed = ctx->o.seed;
	uint16_t nq = ctx->o.queues;

	/* The main lcore polls every queue while it waits (rx_poll). */
	ctx->qfirst = 0;
	ctx->qstep = 1;
	ctx->nmyq = nq;
	/* One frame at a time: flow i's SYN must leave on queue i % queues,
	 * like the rest of the flow, so that the worker that sees its later
	 * packets is the one that saw its SYN.  A warm-up, not the measured
	 * loop: a burst of one is fine. */
	for (uint32_t i = 0; i < ctx->o.flows && !quit_signal; i++) {
		uint64_t r = xorshift64(&seed);
		struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->tx_pool);
		unsigned tries = 0;

		if (m == NULL)
			break;
		build_frame(ctx, src_mac, rte_pktmbuf_mtod(m, uint8_t *),
			    est_src_low(i, ctx->o.seed), false,
			    GEN_SPORT_BASE + (uint16_t)(r % GEN_SPORT_SPAN),
			    (uint32_t)(r >> 32) - 1, RTE_TCP_SYN_FLAG);
		m->data_len = ctx->frame_len;
		m->pkt_len = ctx->frame_len;
		while (rte_eth_tx_burst(ctx->o.port, (uint16_t)(i % nq), &m, 1) == 0) {
			rx_poll(ctx, false);
			if (++tries >= 100000 || quit_signal) {
				rte_pktmbuf_free(m);
				break;
			}
		}
		if ((i & (GEN_BURST - 1)) == GEN_BURST - 1)
			rx_poll(ctx, false);
	}
}

static int port_init(struct gen_ctx *ctx)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	uint16_t port = ctx->o.port;
	uint16_t nrx = GEN_RING_SIZE, ntx = GEN_RING_SIZE;
	uint64_t deadline;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_configure(port, ctx->o.queues, ctx->o.queues, &conf);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < ctx->o.queues; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrx, rte_eth_dev_socket_id(port), NULL,
					    ctx->rx_pool);
		if (rc != 0)
			return rc;
		rc = rte_eth_tx_queue_setup(port, q, ntx, rte_eth_dev_socket_id(port), NULL);
		if (rc != 0)
			return rc;
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0)
		return rc;
	/* Not every vdev has promiscuous mode (memif does not filter anyway). */
	(void)rte_eth_promiscuous_enable(port);

	/* memif is "up" only once the peer has connected. */
	deadline = rte_get_tsc_cycles() + (uint64_t)(ctx->o.link_timeout * rte_get_tsc_hz());
	for (;;) {
		memset(&link, 0, sizeof(link));
		rc = rte_eth_link_get_nowait(port, &link);
		if (rc == 0 && link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (quit_signal || rte_get_tsc_cycles() > deadline)
			return -ETIMEDOUT;
		rte_delay_ms(10);
	}
}

/* The send/receive loop: warm-up, then the measured window.  Returns the
 * measured window's length in TSC cycles. */
static uint64_t run(struct gen_ctx *ctx)
{
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t start = ctx->t_start ? ctx->t_start : rte_rdtsc();
	uint64_t t_meas = start + (uint64_t)(ctx->o.warmup * hz);
	uint64_t t_end = t_meas + (uint64_t)(ctx->o.duration * hz);
	uint64_t t_rate0 = start, sent_rate = 0; /* for --rate */
	uint64_t now, t_stop;
	bool measuring = ctx->o.warmup <= 0.0;
	struct gen_counts zero = {0};

	/* Every lcore starts at the same TSC, so their windows coincide. */
	while (rte_rdtsc() < start && !quit_signal)
		rte_pause();
	for (uint64_t turn = 0;; turn++) {
		unsigned room, sent;
		/* One queue per turn, in order: each gets the same share. */
		uint16_t q = (uint16_t)(ctx->qfirst + (turn % ctx->nmyq) * ctx->qstep);
		struct rte_mbuf **pend = ctx->pend[q];
		unsigned npend = ctx->npend[q];

		now = rte_rdtsc();
		if (unlikely(now >= t_end || quit_signal))
			break;
		if (unlikely(ctx->o.mode_file != NULL && now >= ctx->next_mode_poll)) {
			poll_mode(ctx);
			ctx->next_mode_poll = now + hz / (1000 / GEN_MODE_POLL_MS);
		}
		if (unlikely(!measuring && now >= t_meas)) {
			/* Start the window from clean counters; what is in
			 * flight now roughly balances what is in flight at the
			 * end, which is not counted. */
			ctx->c = zero;
			memset(ctx->dsts, 0, sizeof(ctx->dsts));
			measuring = true;
			t_meas = now;
		}
		room = GEN_BURST - npend;
		if (ctx->o.rate != 0) {
			uint64_t due = (now - t_rate0) * ctx->o.rate / hz;

			room = due > sent_rate ? (unsigned)RTE_MIN(due - sent_rate, (uint64_t)room)
					       : 0;
		}
		ctx->q = q;
		if (room != 0)
			npend += fill_burst(ctx, pend + npend, room);
		if (npend != 0) {
			/* Unsent packets stay pending for the next round: under
			 * backpressure we neither drop nor rebuild them. */
			sent = rte_eth_tx_burst(ctx->o.port, q, pend, npend);
			ctx->c.tx_bursts++;
			ctx->c.tx += sent;
			sent_rate += sent;
			if (sent < npend) {
				ctx->c.tx_short++;
				memmove(pend, pend + sent, (npend - sent) * sizeof(pend[0]));
			}
			npend -= sent;
		}
		ctx->npend[q] = npend;
		rx_poll(ctx, true);
	}
	t_stop = rte_rdtsc();
	if (!measuring)
		t_meas = t_stop; /* stopped during warm-up: nothing measured */
	/* tx_bytes from the count: every frame has the same size. */
	ctx->c.tx_bytes = ctx->c.tx * ctx->frame_len;
	for (uint16_t q = 0; q < ctx->o.queues; q++)
		if (ctx->npend[q] != 0)
			rte_pktmbuf_free_bulk(ctx->pend[q], ctx->npend[q]);
	/* Drain what is still coming back so the peer is not left with a
	 * full ring, without counting it (it belongs after the window). */
	now = rte_rdtsc();
	while (rte_rdtsc() - now < hz / 20)
		rx_poll(ctx, false);
	return t_stop - t_meas;
}

static int run_lcore(void *arg)
{
	struct gen_ctx *ctx = arg;

	ctx->window = run(ctx);
	return 0;
}

/* Runs the send/receive loop on every lcore (the main one included), each
 * with its share of the queues, and sums their counters into base.  Returns
 * the main lcore's window in TSC cycles (every window starts at the same
 * TSC and lasts the same time).  Main lcore. */
static uint64_t run_all(struct gen_ctx *base)
{
	unsigned nlc = RTE_MIN(rte_lcore_count(), (unsigned)base->o.queues), k = 1, lcore;
	struct gen_ctx *others = NULL;
	uint64_t window;

	base->qfirst = 0;
	base->qstep = (uint16_t)nlc;
	base->nmyq = (uint16_t)((base->o.queues + nlc - 1) / nlc);
	base->new_step = nlc;
	base->new_ctr = 0;
	if (nlc > 1) {
		others = calloc(nlc - 1, sizeof(*others));
		if (others == NULL) {
			fprintf(stderr, "sl-gen: out of memory: running on the main lcore only\n");
			nlc = 1;
			base->qstep = 1;
			base->nmyq = base->o.queues;
			base->new_step = 1;
		}
	}
	/* --rate is the total: each lcore sends its share. */
	if (base->o.rate != 0 && nlc > 1)
		base->o.rate = RTE_MAX(base->o.rate / nlc, (uint64_t)1);
	base->t_start = rte_rdtsc() + rte_get_tsc_hz() / 100;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct gen_ctx *c;

		if (k >= nlc)
			break;
		c = &others[k - 1];
		memcpy(c, base, sizeof(*c));
		c->qfirst = (uint16_t)k;
		c->nmyq = (uint16_t)((base->o.queues - k + nlc - 1) / nlc);
		c->new_ctr = k;
		c->rng = base->rng ^ (UINT64_C(0x9E3779B97F4A7C15) * (k + 1));
		if (rte_eal_remote_launch(run_lcore, c, lcore) != 0) {
			fprintf(stderr, "sl-gen: cannot launch lcore %u\n", lcore);
			quit_signal = SIGTERM;
		}
		k++;
	}
	window = run(base);
	rte_eal_mp_wait_lcore();
	for (k = 1; k < nlc; k++) {
		const struct gen_ctx *c = &others[k - 1];

		base->c.tx += c->c.tx;
		base->c.tx_bytes += c->c.tx_bytes;
		base->c.tx_new += c->c.tx_new;
		base->c.rx += c->c.rx;
		base->c.rx_bytes += c->c.rx_bytes;
		base->c.tx_short += c->c.tx_short;
		base->c.tx_bursts += c->c.tx_bursts;
		base->c.encap_bad += c->c.encap_bad;
		base->c.dst_other += c->c.dst_other;
		for (unsigned i = 0; i < GEN_DST_SLOTS; i++)
			if (c->dsts[i].used)
				dst_add(base, c->dsts[i].family, c->dsts[i].addr, c->dsts[i].pkts);
	}
	free(others);
	base->nlcores = (uint16_t)nlc;
	/* From here on the main lcore alone polls every queue (linger). */
	base->qfirst = 0;
	base->qstep = 1;
	base->nmyq = base->o.queues;
	return window;
}

static void addr_str(const struct dst_slot *s, char *buf, size_t len)
{
	inet_ntop(s->family == 4 ? AF_INET : AF_INET6, s->addr, buf, len);
}

static void print_results(const struct gen_ctx *ctx, double secs)
{
	const struct gen_counts *c = &ctx->c;
	double tx_pps = secs > 0 ? c->tx / secs : 0;
	double rx_pps = secs > 0 ? c->rx / secs : 0;
	/* Share of tx bursts the port refused in part: near 1, the peer's ring
	 * was full (the peer sets the rate); near 0, the generator does. */
	double bp = c->tx_bursts ? (double)c->tx_short / c->tx_bursts : 0;
	double loss = c->tx != 0 ? ((double)c->tx - (double)c->rx) / (double)c->tx : 0;
	char a[INET6_ADDRSTRLEN];
	unsigned i, ndst = 0;
	uint64_t dmax = 0, dmin = UINT64_MAX;

	printf("sl-gen: %.3f s measured, %u flows, new-share %.4f, %u-byte %s/%s frames, tx-mode "
	       "%s\n",
	       secs, ctx->o.flows, ctx->o.new_share, ctx->frame_len, ctx->o.ipv6 ? "IPv6" : "IPv4",
	       ctx->o.proto == IPPROTO_TCP ? "TCP" : "UDP",
	       ctx->o.tx_mode == TX_REF ? "ref" : "copy");
	printf("  tx %" PRIu64 " pkts (%.3f Mpps, %" PRIu64 " new flows), %" PRIu64
	       " short tx bursts\n",
	       c->tx, tx_pps / 1e6, c->tx_new, c->tx_short);
	if (ctx->o.mode_file != NULL)
		printf("  mode file: %" PRIu64 " malformed sent, %" PRIu64
		       " learned tuples sent again, %u tuples learned\n",
		       c->tx_bad, c->tx_skew, ctx->nb_learn);
	printf("  rx %" PRIu64 " pkts (%.3f Mpps, %" PRIu64 " bytes), loss %.4f%%\n", c->rx,
	       rx_pps / 1e6, c->rx_bytes, loss * 100);
	printf("  backpressure %.3f (share of tx bursts refused in part; near 0: the generator, "
	       "not the peer, sets the rate)\n",
	       bp);
	if (ctx->o.expect_encap) {
		printf("  encap: %" PRIu64 " not tunnelled, %" PRIu64
		       " beyond the destination table\n",
		       c->encap_bad, c->dst_other);
		for (i = 0; i < GEN_DST_SLOTS; i++) {
			const struct dst_slot *s = &ctx->dsts[i];

			if (!s->used)
				continue;
			addr_str(s, a, sizeof(a));
			printf("  dst %-40s %12" PRIu64 " pkts %6.2f%%\n", a, s->pkts,
			       c->rx ? 100.0 * s->pkts / c->rx : 0.0);
			ndst++;
			dmax = RTE_MAX(dmax, s->pkts);
			dmin = RTE_MIN(dmin, s->pkts);
		}
		if (ndst != 0)
			printf("  %u destinations, max/min %.3f\n", ndst,
			       dmin ? (double)dmax / dmin : 0.0);
	}

	/* The machine-readable line: always last, always one line. */
	printf("{\"tx_pps\":%.0f,\"rx_pps\":%.0f,\"tx\":%" PRIu64 ",\"rx\":%" PRIu64
	       ",\"loss\":%.6f,\"duration_s\":%.3f,\"tx_bytes\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
	       ",\"tx_new\":%" PRIu64 ",\"tx_short\":%" PRIu64
	       ",\"backpressure\":%.4f,\"frame\":%u,\"flows\":%u,\"tx_mode\":\"%s\""
	       ",\"queues\":%u,\"lcores\":%u",
	       tx_pps, rx_pps, c->tx, c->rx, loss, secs, c->tx_bytes, c->rx_bytes, c->tx_new,
	       c->tx_short, bp, ctx->frame_len, ctx->o.flows,
	       ctx->o.tx_mode == TX_REF ? "ref" : "copy", ctx->o.queues, ctx->nlcores);
	if (ctx->o.mode_file != NULL)
		printf(",\"tx_bad\":%" PRIu64 ",\"tx_skew\":%" PRIu64 ",\"learned\":%u", c->tx_bad,
		       c->tx_skew, ctx->nb_learn);
	if (ctx->o.expect_encap) {
		bool first = true;

		printf(",\"encap_bad\":%" PRIu64 ",\"dst_other\":%" PRIu64 ",\"dst\":{",
		       c->encap_bad, c->dst_other);
		for (i = 0; i < GEN_DST_SLOTS; i++) {
			const struct dst_slot *s = &ctx->dsts[i];

			if (!s->used)
				continue;
			addr_str(s, a, sizeof(a));
			printf("%s\"%s\":%" PRIu64, first ? "" : ",", a, s->pkts);
			first = false;
		}
		printf("}");
	}
	printf("}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct gen_ctx ctx; /* large (destination table): not on the stack */
	struct rte_ether_addr src_mac;
	double secs = 0;
	int ret, rc = 1;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "sl-gen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	/* From here on DPDK's messages go to stderr: stdout is ours, and its
	 * last line is the JSON result. */
	rte_openlog_stream(stderr);

	ctx.o.flows = 1024;
	ctx.o.vport = 80;
	ctx.o.proto = IPPROTO_TCP;
	ctx.o.size = 64;
	ctx.o.duration = 5;
	ctx.o.warmup = 1;
	ctx.o.link_timeout = 10;
	ctx.o.tx_mode = TX_AUTO;
	ctx.o.seed = 1;
	ctx.o.queues = 1;
	ctx.o.reuse_after = 5;
	rte_ether_unformat_addr("02:00:00:00:00:01", &ctx.o.dst_mac);
	if (parse_args(argc, argv, &ctx.o) != 0)
		goto out_eal;
	/* The mode's state (learned tuples, skew queue) belongs to one loop. */
	if (ctx.o.mode_file != NULL && ctx.o.queues > 1) {
		fprintf(stderr, "sl-gen: --mode-file needs --queues 1 (got %u)\n", ctx.o.queues);
		goto out_eal;
	}
	if (ctx.o.mode_file != NULL && ctx.o.expect_encap && !ctx.o.ipv6 &&
	    ctx.o.proto == IPPROTO_TCP) {
		ctx.learn = calloc(GEN_LEARN_MAX, sizeof(*ctx.learn));
		ctx.skew_q = calloc(GEN_LEARN_MAX, sizeof(*ctx.skew_q));
		if (ctx.learn == NULL || ctx.skew_q == NULL) {
			fprintf(stderr, "sl-gen: out of memory\n");
			goto out_eal;
		}
	}
	ctx.rng = ctx.o.seed * UINT64_C(0x9E3779B97F4A7C15) + 1; /* xorshift needs non-zero */

	if (!ctx.o.port_set) {
		uint16_t p;

		ret = -ENODEV;
		RTE_ETH_FOREACH_DEV(p)
		{
			ctx.o.port = p;
			ret = 0;
			break;
		}
		if (ret != 0) {
			fprintf(stderr, "sl-gen: no port (give one with --vdev)\n");
			goto out_eal;
		}
	} else if (!rte_eth_dev_is_valid_port(ctx.o.port)) {
		fprintf(stderr, "sl-gen: no port %u\n", ctx.o.port);
		goto out_eal;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ctx.rx_pool = rte_pktmbuf_pool_create("sl_gen_rx", GEN_RX_POOL * ctx.o.queues, 256, 0,
					      RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	ctx.tx_pool =
	    rte_pktmbuf_pool_create("sl_gen_tx", GEN_NEW_POOL, 256, 0,
				    RTE_PKTMBUF_HEADROOM + GEN_MAX_FRAME, rte_socket_id());
	if (ctx.rx_pool == NULL || ctx.tx_pool == NULL) {
		fprintf(stderr, "sl-gen: mbuf pools: %s\n", rte_strerror(rte_errno));
		goto out_eal;
	}
	ret = rte_eth_macaddr_get(ctx.o.port, &src_mac);
	if (ret != 0)
		rte_ether_unformat_addr("02:00:00:00:00:02", &src_mac);
	ret = build_templates(&ctx, &src_mac);
	if (ret != 0) {
		fprintf(stderr, "sl-gen: building %u flows: %s\n", ctx.o.flows, strerror(-ret));
		goto out_eal;
	}
	ret = port_init(&ctx);
	if (ret != 0) {
		fprintf(stderr, "sl-gen: port %u: %s\n", ctx.o.port,
			ret == -ETIMEDOUT ? "link did not come up" : strerror(-ret));
		goto out_port;
	}

	if (ctx.o.syn_first && ctx.o.proto == IPPROTO_TCP)
		send_syns(&ctx, &src_mac);
	/* Flushed now: scripts time their own sampling from this line. */
	printf("sl-gen: link up on port %u, sending\n", ctx.o.port);
	fflush(stdout);
	secs = (double)run_all(&ctx) / rte_get_tsc_hz();
	print_results(&ctx, secs);
	rc = 0;
	if (ctx.o.linger > 0 && !quit_signal) {
		/* The peer's statistics (testpmd's, memif's) vanish when the
		 * link goes down, so give it time to read them first. */
		uint64_t end = rte_get_tsc_cycles() + (uint64_t)(ctx.o.linger * rte_get_tsc_hz());

		while (!quit_signal && rte_get_tsc_cycles() < end)
			if (rx_poll(&ctx, false) == 0)
				rte_delay_us_sleep(1000);
	}
out_port:
	rte_eth_dev_stop(ctx.o.port);
	rte_eth_dev_close(ctx.o.port);
out_eal:
	free(ctx.learn);
	free(ctx.skew_q);
	rte_eal_cleanup();
	return rc;
}
