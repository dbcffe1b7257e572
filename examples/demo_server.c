/*
 * demo_server.c -- the stand-in service of the example image: a tiny
 * static HTTP/1.1 server with no shell and no libraries, so that the image
 * holds nothing but it and /lprobe.
 *
 *   demo-server [-port N] [-bind IPV4]     (default 0.0.0.0:8080)
 *
 * GET or HEAD of /, /healthz and /ready answer 200 "ok"; anything else 404.
 * SIGUSR1 toggles /healthz to 503 "sick" and back (the container test uses
 * it to show healthy -> unhealthy -> healthy); SIGTERM and SIGINT end it at
 * once, also as PID 1 of a container, where the kernel drops signals that
 * have no handler.
 *
 * It binds all interfaces by default because that is what a service in a
 * container must do to be reachable through a published port; lprobe
 * itself only ever connects to loopback, which a 0.0.0.0 listener also
 * serves.
 *
 * One connection at a time, each bounded: at most 2 s and 4 KiB to send
 * its request head, one answer, then close.  Not a web server: a demo.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DS_HEAD_MAX 4096
#define DS_CONN_MS  2000

static volatile sig_atomic_t ds_stop;
static volatile sig_atomic_t ds_sick;

static void ds_on_signal(int sig)
{
	if (sig == SIGUSR1)
		ds_sick = !ds_sick;
	else
		ds_stop = 1;
}

static long long ds_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the request head (up to the blank line) within the deadline. */
static ssize_t ds_read_head(int fd, char *buf, size_t cap)
{
	long long deadline = ds_now_ms() + DS_CONN_MS;
	size_t n = 0;

	while (n + 1 < cap) {
		long long left = deadline - ds_now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (left <= 0 || ds_stop || poll(&p, 1, (int)left) <= 0)
			return -1;
		r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)n;
	}
	return -1;
}

static void ds_send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, s, len, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		s += w, len -= (size_t)w;
	}
}

static void ds_answer(int fd, const char *head)
{
	static const char *const ok_paths[] = {"/", "/healthz", "/ready"};
	char path[256], method[8], out[512];
	const char *status = "404 Not Found", *body = "not found\n";
	size_t i;
	int len;

	if (sscanf(head, "%7s %255s", method, path) != 2)
		return;
	for (i = 0; i < sizeof ok_paths / sizeof ok_paths[0]; i++)
		if (strcmp(path, ok_paths[i]) == 0)
			status = "200 OK", body = "ok\n";
	if (ds_sick && strcmp(path, "/healthz") == 0)
		status = "503 Service Unavailable", body = "sick\n";
	len = snprintf(out, sizeof out,
		       "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n\r\n%s",
		       status, strlen(body), strcmp(method, "HEAD") == 0 ? "" : body);
	if (len > 0 && (size_t)len < sizeof out)
		ds_send_all(fd, out, (size_t)len);
}

static int ds_listen(const char *bind_ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	int one = 1, fd;

	if (inet_pton(AF_INET, bind_ip, &sa.sin_addr) != 1) {
		fprintf(stderr, "demo-server: bad -bind address %s\n", bind_ip);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
		perror("demo-server: listen");
		return -1;
	}
	return fd;
}

/* -name=value or -name value (Go flag style, like lprobe's own). */
static const char *ds_flag(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	a += (a[0] == '-' && a[1] == '-');
	if (a[0] != '-' || strncmp(a + 1, name, n) != 0)
		return NULL;
	if (a[1 + n] == '=')
		return a + 2 + n;
	if (a[1 + n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = ds_on_signal}; /* no SA_RESTART: poll wakes */
	const char *bind_ip = "0.0.0.0", *v;
	char head[DS_HEAD_MAX];
	int port = 8080, lfd, i;

	for (i = 1; i < argc; i++) {
		if ((v = ds_flag(argc, argv, &i, "port")))
			port = atoi(v);
		else if ((v = ds_flag(argc, argv, &i, "bind")))
			bind_ip = v;
		else {
			fprintf(stderr, "usage: demo-server [-port N] [-bind IPV4]\n");
			return 2;
		}
	}
	if (port < 1 || port > 65535) {
		fprintf(stderr, "demo-server: bad -port\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if ((lfd = ds_listen(bind_ip, port)) < 0)
		return 1;
	fprintf(stderr, "demo-server: listening on %s:%d\n", bind_ip, port);
	while (!ds_stop) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		int c;

		if (poll(&p, 1, 500) <= 0)
			continue; /* a signal or 500 ms: re-check ds_stop */
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		if (ds_read_head(c, head, sizeof head) > 0)
			ds_answer(c, head);
		close(c);
	}
	fprintf(stderr, "demo-server: stopping\n");
	return 0;
}
