/*
 * fuzz_exchange.c -- libFuzzer target for the probe state machine: a whole
 * probe (TLS handshake, the mode's exchange, verdict) run by the real poll
 * loop (lp_probes_finish) against a peer that sends fuzzer-chosen bytes.
 *
 * Input: byte 0 = the variant: bits 0-6 index variants[] below (mode and
 * flags; inputs past the table are skipped, so the table only grows at its
 * end); bit 7 is ignored (it once chose a blocking driver, since removed:
 * the committed seeds with it set now run the poll loop too).  The rest =
 * everything the peer sends (at most LP_PEER_MAX bytes).
 *
 * The peer is the other end of a socketpair: the bytes are queued on it
 * before the probe starts and its write side is shut down, so the probe
 * reads them and then end of stream; a thread drains what the probe sends
 * (its request) so that a write never waits.  The probe is given the
 * connected socket with lp_probe_adopt.
 *
 * Checked on every input:
 *  - the loop is bounded: poll(2) calls of the probe loop, read(2) calls
 *    on the probe's socket and calls of the mode's step each stay under
 *    LP_ITER_K * (peer bytes + 16) (poll and read counted through the
 *    linker's --wrap=poll,--wrap=read, see run.sh; step through a copy of
 *    the mode's table), so a probe that spins on a ready socket without
 *    progress aborts here at once instead of running until its deadline;
 *  - the probe ends (phase DONE, socket closed) with a verdict: never
 *    UNDECIDED, and never a timeout -- end of stream always follows the
 *    bytes, so a probe that waits for its deadline ignored it -- nor a
 *    class that cannot happen on a connected socketpair (refused, connect,
 *    usage, target, internal, flood: the input is under the rx budget);
 *  - it never counts more bytes read than the peer sent;
 *  - what the probe sent first is its protocol's opening (the request
 *    line, the HTTP/2 client preface, a TLS handshake record);
 *  - a healthy plaintext verdict had something to be healthy about.
 * Leaks (the grpc mode's nghttp2 session) are libFuzzer's -detect_leaks.
 *
 * TLS entropy is fixed per input (the probe's seed is overwritten after
 * lp_probe_init), so the ClientHello and the key exchange are the same
 * bytes on every run, as libFuzzer needs.
 *
 * FUZZ_EXCHANGE_RECORD_PORT=N: instead, the probe connects to a real
 * server on 127.0.0.1:N (with the same fixed entropy) and the verdict is
 * printed; fuzz/exchange_seeds.py --tls records what such a server sends,
 * which replays as a complete TLS exchange.
 *
 * FUZZ_EXCHANGE_STATS=1 in the environment prints one line per input
 * (variant, verdict, counts) and, at exit, the largest iteration ratios
 * seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "net.h"
#include "probe.h"
#include "tls.h"

#define CHECK(cond)                                                                               \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "fuzz_exchange: invariant failed: %s (line %d)\n", #cond, \
				__LINE__);                                                        \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

#define LP_PEER_MAX (64 * 1024) /* run.sh's -max_len is the same */
#define LP_ITER_K   4		/* iterations allowed per peer byte (+16) */

enum opening { OPEN_HTTP, OPEN_H2, OPEN_TLS };

struct variant {
	const char *argv[10];
	enum opening open;
	bool plain_http, plain_grpc;
	const char *more[3]; /* services sharing the connection (lp_probe_share) */
};

/* Append only: byte 0 of every committed input indexes this table. */
static const struct variant variants[] = {
	/* 0 */ {{"lprobe", "-port=1"}, OPEN_HTTP, true, false},
	/* 1 */ {{"lprobe", "-port=1", "-method=HEAD"}, OPEN_HTTP, true, false},
	/* 2 */ {{"lprobe", "-port=1", "-expect-body=ok"}, OPEN_HTTP, true, false},
	/* 3 */ {{"lprobe", "-port=1", "-tls", "-tls-no-verify"}, OPEN_TLS, false, false},
	/* 4 */
	{{"lprobe", "-port=1", "-tls", "-tls-no-verify", "-expect-body=ok"},
	 OPEN_TLS,
	 false,
	 false},
	/* 5 */ {{"lprobe", "-port=1", "-mode=grpc"}, OPEN_H2, false, true},
	/* 6 */ {{"lprobe", "-port=1", "-mode=grpc", "-gzip"}, OPEN_H2, false, true},
	/* 7 */
	{{"lprobe", "-port=1", "-mode=grpc", "-tls", "-tls-no-verify"}, OPEN_TLS, false, false},
	/* 8 */
	{{"lprobe", "-port=1", "-mode=tcp", "-tls", "-tls-no-verify"}, OPEN_TLS, false, false},
	/* 9 */
	{{"lprobe", "-port=1", "-mode=grpc", "-service=foo", "-rpc-header=x-a: b"},
	 OPEN_H2,
	 false,
	 true},
	/* 10 */
	{{"lprobe", "-port=1", "-http-codes=200-599", "-expect-body=ok"}, OPEN_HTTP, true, false},
	/* 11: a -service list, three streams on one connection */
	{{"lprobe", "-port=1", "-mode=grpc", "-service=a"}, OPEN_H2, false, true, {"b", "", "c"}},
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

/* ---- counting: the linker sends the probe's poll(2) and read(2) here ---- */

int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
ssize_t __real_read(int fd, void *buf, size_t len);
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);
ssize_t __wrap_read(int fd, void *buf, size_t len);

static int probe_fd = -1; /* main thread only (the drain thread uses recv) */
static size_t n_polls, n_reads, n_steps, bound;

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (probe_fd >= 0 && ++n_polls > bound) {
		fprintf(stderr, "fuzz_exchange: %zu poll loop iterations, bound %zu\n", n_polls,
			bound);
		abort();
	}
	return __real_poll(fds, n, timeout);
}

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
	if (fd >= 0 && fd == probe_fd && ++n_reads > bound) {
		fprintf(stderr, "fuzz_exchange: %zu reads of the probe's socket, bound %zu\n",
			n_reads, bound);
		abort();
	}
	return __real_read(fd, buf, len);
}

static const struct lp_mode_ops *real_ops;
static struct lp_mode_ops counted_ops;

static int counted_step(void *m, struct lp_exchange *x)
{
	if (++n_steps > bound) {
		fprintf(stderr, "fuzz_exchange: %zu steps of the %s mode, bound %zu\n", n_steps,
			real_ops->name, bound);
		abort();
	}
	return real_ops->step(m, x);
}

/* The probe calls its mode through counted_ops from now on. */
static void count_steps(struct lp_probe *p)
{
	real_ops = p->ops;
	counted_ops = *p->ops;
	counted_ops.step = counted_step;
	p->ops = &counted_ops;
}

/* ---- the peer ------------------------------------------------------------ */

struct drain {
	int fd;
	unsigned char first[32];
	size_t total;
};

/* Reads what the probe sends until it closes its end. */
static void *drain_main(void *arg)
{
	struct drain *d = arg;
	unsigned char buf[16384];
	ssize_t n;
	size_t k;

	for (;;) {
		n = recv(d->fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		if (d->total < sizeof d->first) {
			k = sizeof d->first - d->total;
			memcpy(d->first + d->total, buf, (size_t)n < k ? (size_t)n : k);
		}
		d->total += (size_t)n;
	}
}

/* Queues all of the peer's bytes, then its end of stream. */
static void peer_send(int fd, const uint8_t *in, size_t len)
{
	int sz = 4 * LP_PEER_MAX;
	ssize_t n;

	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	while (len > 0) {
		n = write(fd, in, len);
		CHECK(n > 0); /* the socket buffer holds LP_PEER_MAX */
		in += n, len -= (size_t)n;
	}
	CHECK(fcntl(fd, F_SETFL, 0) == 0);
	CHECK(shutdown(fd, SHUT_WR) == 0);
}

/* ---- checks -------------------------------------------------------------- */

static bool has(const uint8_t *in, size_t len, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= len; i++)
		if (memcmp(in + i, s, k) == 0)
			return true;
	return false;
}

static void check_opening(const struct variant *v, const struct drain *d)
{
	static const char h2[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

	switch (v->open) {
	case OPEN_HTTP:
		CHECK(d->total >= 16);
		CHECK(memcmp(d->first, "GET /", 5) == 0 || memcmp(d->first, "HEAD /", 6) == 0);
		break;
	case OPEN_H2:
		CHECK(d->total >= sizeof h2 - 1);
		CHECK(memcmp(d->first, h2, sizeof h2 - 1) == 0);
		break;
	case OPEN_TLS: /* handshake record, TLS 1.0 record version (RFC 5246 E.1) */
		CHECK(d->total >= 5);
		CHECK(d->first[0] == 22 && d->first[1] == 3);
		break;
	}
}

static void check_verdict(const struct variant *v, const struct lp_probe *p, const uint8_t *in,
			  size_t len)
{
	const struct lp_result *r = lp_probe_result(p);

	CHECK(p->phase == LP_PH_DONE);
	CHECK(r->kind > LP_UNDECIDED && r->kind < LP_KIND_COUNT);
	CHECK(r->kind != LP_TIMEOUT && r->kind != LP_CONNECT_TIMEOUT);
	CHECK(r->kind != LP_USAGE && r->kind != LP_TARGET && r->kind != LP_REFUSED);
	CHECK(r->kind != LP_CONNECT && r->kind != LP_INTERNAL && r->kind != LP_FLOOD);
	CHECK(memchr(r->detail, '\0', sizeof r->detail) != NULL);
	CHECK(strcmp(r->where, "127.0.0.1:1") == 0);
	CHECK(p->x.conn.rx_total <= len);
	if (r->kind != LP_OK)
		return;
	if (v->plain_http) /* a status line, and for -expect-body its letters */
		CHECK(has(in, len, "HTTP/1.") &&
		      (!p->cfg->expect_body || (memchr(in, 'o', len) && memchr(in, 'k', len))));
	if (v->plain_grpc) /* SETTINGS, HEADERS, DATA of 5 + 2 bytes, trailers */
		CHECK(p->x.conn.rx_total >= 4 * 9 + 7);
}

/* ---- the target ---------------------------------------------------------- */

static struct lp_probe probe;
static struct lp_tls_files files;
static struct lp_config cfg;
static bool stats;
static const char *record_port;
static double worst_polls, worst_reads, worst_steps;

static void print_worst(void)
{
	fprintf(stderr, "fuzz_exchange: worst per (len+16): polls %.3f, reads %.3f, steps %.3f\n",
		worst_polls, worst_reads, worst_steps);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lp_result r;

	(void)argc, (void)argv;
	memset(&r, 0, sizeof r);
	CHECK(lp_net_init(&r) == 0);
	stats = getenv("FUZZ_EXCHANGE_STATS") != NULL;
	record_port = getenv("FUZZ_EXCHANGE_RECORD_PORT");
	if (stats)
		atexit(print_worst);
	return 0;
}

static void setup(const struct variant *v)
{
	static struct lp_config more[3];
	static char port[32];
	char *argv[16];
	struct lp_result r;
	int argc = 0;
	size_t i;

	for (i = 0; v->argv[i]; i++)
		argv[argc++] = (char *)v->argv[i];
	/* far deadlines: the bound is on iterations, not time */
	argv[argc++] = "-connect-timeout=5s";
	argv[argc++] = "-rpc-timeout=5s";
	if (record_port) { /* the last -port wins */
		snprintf(port, sizeof port, "-port=%s", record_port);
		argv[argc++] = port;
	}
	argv[argc] = NULL;
	memset(&r, 0, sizeof r);
	CHECK(lp_config_parse(&cfg, argc, argv, NULL, &r) == 0);
	if (cfg.tls)
		CHECK(lp_tls_load(&files, &cfg, &r) == 0);
	CHECK(lp_probe_init(&probe, &cfg, cfg.tls ? &files : NULL, &r) == 0);
	for (i = 0; i < 3 && v->more[i]; i++) {
		more[i] = cfg;
		more[i].service = v->more[i];
		CHECK(lp_probe_share(&probe, &more[i], &r) == 0);
	}
	if (cfg.tls)
		memset(probe.tls.seed, 0x5a, sizeof probe.tls.seed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct variant *v;
	struct drain d;
	pthread_t th;
	int sv[2];
	size_t len;

	if (size < 1 || (data[0] & 0x7f) >= N_VARIANTS)
		return 0;
	v = &variants[data[0] & 0x7f];
	data++, len = size - 1;
	if (len > LP_PEER_MAX)
		len = LP_PEER_MAX;
	setup(v);
	if (record_port) {
		lp_probes_connect(&probe, 1);
		lp_probes_finish(&probe, 1);
		fprintf(stderr, "variant %u: kind %d: %s\n", data[-1], (int)probe.x.res.kind,
			probe.x.res.detail);
		return 0;
	}

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	peer_send(sv[1], data, len);
	memset(&d, 0, sizeof d);
	d.fd = sv[1];
	CHECK(pthread_create(&th, NULL, drain_main, &d) == 0);

	n_polls = n_reads = n_steps = 0;
	bound = LP_ITER_K * (len + 16);
	probe_fd = sv[0];
	count_steps(&probe);
	lp_probe_adopt(&probe, sv[0]);
	lp_probes_finish(&probe, 1);
	probe_fd = -1;
	/* done, so its socket is closed and the drain thread ends */
	CHECK(probe.phase == LP_PH_DONE);
	CHECK(probe.x.conn.fd == -1);
	CHECK(pthread_join(th, NULL) == 0);
	close(sv[1]);
	if (stats) {
		fprintf(stderr,
			"variant %u: kind %d polls %zu reads %zu steps %zu len %zu sent %zu: %s\n",
			data[-1], (int)probe.x.res.kind, n_polls, n_reads, n_steps, len, d.total,
			probe.x.res.detail);
		if ((double)n_polls / (double)(len + 16) > worst_polls)
			worst_polls = (double)n_polls / (double)(len + 16);
		if ((double)n_reads / (double)(len + 16) > worst_reads)
			worst_reads = (double)n_reads / (double)(len + 16);
		if ((double)n_steps / (double)(len + 16) > worst_steps)
			worst_steps = (double)n_steps / (double)(len + 16);
	}
	check_verdict(v, &probe, data, len);
	check_opening(v, &d);
	return 0;
}
