/* floor-http: the smallest honest HTTP/1.1 health probe, the floor lprobe is
 * measured against.  socket, connect, write one request, read the status
 * line, exit 0 iff the status is 2xx.  No timeouts, no header parsing, no
 * body reading: anything a real probe does costs more than this.
 *
 *   floor-http 127.0.0.1 8080 /healthz
 *
 * Built with: musl-gcc -static -Os -s -o floor-http floor_http.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char req[512], buf[512], *p = req;
	int fd, port, n, got = 0;

	if (argc != 4 || strlen(argv[1]) + strlen(argv[2]) + strlen(argv[3]) > 400)
		return 1;
	port = 0;
	for (const char *s = argv[2]; *s >= '0' && *s <= '9'; s++)
		port = port * 10 + (*s - '0');
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		return 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return 1;

	p = put(p, "GET ");
	p = put(p, argv[3]);
	p = put(p, " HTTP/1.1\r\nHost: ");
	p = put(p, argv[1]);
	p = put(p, ":");
	p = put(p, argv[2]);
	p = put(p, "\r\nConnection: close\r\n\r\n");
	if (write(fd, req, p - req) != p - req)
		return 1;

	/* "HTTP/1.1 200 " is 13 bytes; normally one read returns it. */
	while (got < 13 && (n = read(fd, buf + got, sizeof buf - got)) > 0)
		got += n;
	if (got < 13 || memcmp(buf, "HTTP/1.", 7) != 0)
		return 1;
	return buf[9] == '2' ? 0 : 1;
}
