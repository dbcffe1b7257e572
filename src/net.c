/*
 * net.c -- tiny wrappers over the socket calls, each mapping errno to a
 * result kind: refused, reset and other failures are told apart because a
 * user acts differently on each.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"

int64_t lp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int lp_ms_left(int64_t deadline, int64_t now)
{
	int64_t ms;

	if (deadline <= now)
		return 0;
	ms = (deadline - now + 999) / 1000;
	return ms > 86400000 ? 86400000 : (int)ms;
}

static int lp_connect_error(int err, const struct lp_target *t, struct lp_result *r)
{
	memcpy(r->where, t->name, sizeof r->where);
	if (err == ECONNREFUSED)
		return lp_fail(r, LP_REFUSED, "%s", "");
	if (err == ENOENT && t->addr.sa.sa_family == AF_UNIX)
		return lp_fail(r, LP_CONNECT, "no such socket file");
	return lp_fail(r, LP_CONNECT, "%s", strerror(err));
}

int lp_net_connect(const struct lp_target *t, int *fd, struct lp_result *r)
{
	int s = socket(t->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	*fd = s;
	if (s < 0)
		return lp_connect_error(errno, t, r);
	if (connect(s, &t->addr.sa, t->addr_len) == 0)
		return 1;
	/* EAGAIN: a unix socket whose backlog is full is still "in progress" */
	if (errno == EINPROGRESS || errno == EINTR || errno == EAGAIN)
		return 0;
	return lp_connect_error(errno, t, r);
}

int lp_net_connect_finish(int fd, const struct lp_target *t, struct lp_result *r)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return lp_connect_error(err, t, r);
	return 1;
}

static ssize_t lp_io_error(struct lp_conn *c, int err, struct lp_result *r)
{
	memcpy(r->where, c->where, sizeof r->where);
	if (err == ECONNRESET || err == EPIPE)
		return lp_fail(r, LP_RESET, "%s", "");
	return lp_fail(r, LP_CONNECT, "%s", strerror(err));
}

ssize_t lp_sock_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r)
{
	ssize_t n;

	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->events = POLLOUT;
		return LP_IO_AGAIN;
	}
	return lp_io_error(c, errno, r);
}

ssize_t lp_sock_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r)
{
	ssize_t n;

	do
		n = recv(c->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->events = POLLIN;
		return LP_IO_AGAIN;
	}
	return lp_io_error(c, errno, r);
}

ssize_t lp_conn_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r)
{
	if (c->tls)
		return lp_tls_send(c, buf, len, r);
	return lp_sock_send(c, buf, len, r);
}

ssize_t lp_conn_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r)
{
	if (c->tls)
		return lp_tls_recv(c, buf, len, r);
	return lp_sock_recv(c, buf, len, r);
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
}
