/*
 * log.c -- one line, one write(2).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LP_LINE_MAX (LP_WHERE_MAX + 2 * LP_DETAIL_MAX + 64)

void lp_log_line(int fd, const char *msg)
{
	char line[LP_LINE_MAX];
	int n = snprintf(line, sizeof line, "lprobe: %s\n", msg);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (write(fd, line, (size_t)n) < 0)
		return; /* nowhere left to say it */
}

void lp_log(const char *fmt, ...)
{
	char msg[LP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lp_log_line(2, msg);
}

/* A unix socket cannot be open(2)ed (ENXIO): connect to it instead, as a
 * datagram socket (syslog's /dev/log), else a stream one. */
static int lp_log_connect(const char *path, const char *q, struct lp_result *r)
{
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t i, len = strlen(path);
	int fd, err = ENAMETOOLONG;

	if (len >= sizeof sa.sun_path)
		return lp_fail(r, LP_USAGE, "-log %s: socket path too long", q);
	memcpy(sa.sun_path, path, len + 1);
	for (i = 0; i < 2; i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return lp_fail(r, LP_USAGE, "-log %s: socket: %s", q, strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return fd;
		err = errno;
		close(fd);
	}
	return lp_fail(r, LP_USAGE, "-log %s: a socket lprobe cannot connect to: %s", q,
		       strerror(err));
}

int lp_log_open(const char *path, struct lp_result *r)
{
	char q[140];
	struct stat st;
	/* O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of
	 * hanging, and a full pipe later drops the line instead of stalling
	 * the probe */
	int fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);

	lp_quote(q, sizeof q, path, strlen(path));
	if (fd < 0 && errno == ENXIO && stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return lp_log_connect(path, q, r);
	if (fd < 0)
		return lp_fail(r, LP_USAGE, "-log %s: %s%s", q, strerror(errno),
			       errno == ENOENT ? " (lprobe never creates a file)" : "");
	if (fstat(fd, &st) != 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISREG(st.st_mode))) {
		close(fd);
		return lp_fail(r, LP_USAGE,
			       "-log %s: not a pipe, socket, character device or regular file", q);
	}
	return fd;
}
