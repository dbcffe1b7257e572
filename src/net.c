/*
 * net.c -- tiny wrappers over the socket calls, each mapping errno to a
 * result kind: refused, reset and other failures are told apart because a
 * user acts differently on each.  Results carry kind and detail; the probe
 * owns "where".
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int lp_net_init(struct lp_result *r)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return lp_fail(r, LP_INTERNAL, "sigaction: %s", strerror(errno));
	return 0;
}

static const struct lp_stream_ops lp_plain_ops = {lp_sock_send, lp_sock_recv};

void lp_conn_init(struct lp_conn *c, const int64_t *deadline)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->ops = &lp_plain_ops;
	c->deadline = deadline;
}

static int lp_connect_error(int err, const struct lp_target *t, struct lp_result *r)
{
	if (err == ECONNREFUSED)
		return lp_fail(r, LP_REFUSED, "%s", "");
	if (err == ENOENT && t->addr.sa.sa_family == AF_UNIX)
		return lp_fail(r, LP_CONNECT, "no such socket file");
	/* AF_UNIX: EAGAIN is a full listen backlog, not "in progress"
	 * (unix(7)); the server is not accepting */
	if (err == EAGAIN && t->addr.sa.sa_family == AF_UNIX)
		return lp_fail(r, LP_CONNECT,
			       "the socket's listen backlog is full (the server is not accepting)");
	return lp_fail(r, LP_CONNECT, "%s", strerror(err));
}

int lp_net_connect(struct lp_conn *c, const struct lp_target *t, struct lp_result *r)
{
	int s = socket(t->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	c->fd = s;
	if (s < 0)
		return lp_connect_error(errno, t, r);
	if (connect(s, &t->addr.sa, t->addr_len) == 0)
		return 1;
	if (errno == EINPROGRESS || errno == EINTR)
		return 0;
	return lp_connect_error(errno, t, r);
}

int lp_net_connect_finish(struct lp_conn *c, const struct lp_target *t, struct lp_result *r)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return lp_connect_error(err, t, r);
	return 1;
}

static ssize_t lp_io_error(int err, struct lp_result *r)
{
	if (err == ECONNRESET || err == EPIPE)
		return lp_fail(r, LP_RESET, "%s", "");
	return lp_fail(r, LP_CONNECT, "%s", strerror(err));
}

/* EINTR (a signal, say SIGSTOP/SIGCONT): back to the probe, which checks
 * its deadline and calls again. */
static ssize_t lp_io_again(struct lp_conn *c, short events)
{
	c->events = events;
	return LP_IO_AGAIN;
}

ssize_t lp_sock_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r)
{
	ssize_t n = write(c->fd, buf, len);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return lp_io_again(c, POLLOUT);
	return lp_io_error(errno, r);
}

ssize_t lp_sock_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r)
{
	ssize_t n;
	size_t k;

	/* a peer that always has more to send would otherwise keep this loop
	 * (and its caller's) running past the deadline */
	if (lp_now() >= *c->deadline)
		return lp_io_again(c, POLLIN);
	if (c->rx_total >= LP_RX_BUDGET)
		return lp_fail(r, LP_FLOOD, "%d KiB", LP_RX_BUDGET / 1024);
	if (len > LP_RX_BUDGET - c->rx_total)
		len = LP_RX_BUDGET - c->rx_total;
	n = read(c->fd, buf, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return lp_io_again(c, POLLIN);
		return lp_io_error(errno, r);
	}
	if (c->first_len < LP_FIRST_MAX) {
		k = LP_FIRST_MAX - c->first_len < (size_t)n ? LP_FIRST_MAX - c->first_len
							    : (size_t)n;
		memcpy(c->first + c->first_len, buf, k);
		c->first_len += k;
	}
	c->rx_total += (size_t)n;
	return n;
}

ssize_t lp_conn_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r)
{
	return c->ops->send(c, buf, len, r);
}

ssize_t lp_conn_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r)
{
	return c->ops->recv(c, buf, len, r);
}

bool lp_conn_peer_spoke_http(const struct lp_conn *c)
{
	return c->first_len >= 5 && memcmp(c->first, "HTTP/", 5) == 0;
}

void lp_net_nodelay(int fd)
{
	int one = 1;

	/* fails harmlessly (EOPNOTSUPP) on AF_UNIX */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void lp_conn_close(struct lp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->ops = &lp_plain_ops;
	c->layer = NULL;
}
