/* floor-grpc: the smallest honest gRPC health probe (grpc.health.v1 Check over
 * h2c), the floor lprobe -mode=grpc is measured against.
 *
 * One write: the HTTP/2 connection preface, an empty SETTINGS frame, a
 * HEADERS frame for POST /grpc.health.v1.Health/Check (HPACK literal header
 * fields without indexing, no Huffman) and a DATA frame carrying the 5-byte
 * gRPC message prefix and an empty HealthCheckRequest, with END_STREAM.
 * Then read frames: ACK the server's SETTINGS, note whether the response
 * message is HealthCheckResponse{status: SERVING} (bytes 08 01), and stop at
 * the HEADERS frame with END_STREAM on stream 1 (the trailers).  Exit 0 iff
 * the trailers arrived after a SERVING response.  No timeouts, no HPACK
 * decoding (grpc-status is not read), no flow control: a floor, not a probe.
 *
 *   floor-grpc 127.0.0.1 50051
 *
 * Built with: musl-gcc -static -Os -s -o floor-grpc floor_grpc.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { DATA = 0, HEADERS = 1, SETTINGS = 4, GOAWAY = 7 };
enum { END_STREAM = 1, ACK = 1, END_HEADERS = 4 };

static unsigned char *frame(unsigned char *p, unsigned len, int type, int flags, unsigned stream)
{
	*p++ = len >> 16; *p++ = len >> 8; *p++ = len;
	*p++ = type; *p++ = flags;
	*p++ = stream >> 24; *p++ = stream >> 16; *p++ = stream >> 8; *p++ = stream;
	return p;
}

/* HPACK "literal header field without indexing, new name", no Huffman. */
static unsigned char *field(unsigned char *p, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	*p++ = 0x00;
	*p++ = n; memcpy(p, name, n); p += n;   /* all names and values here are < 127 bytes */
	*p++ = v; memcpy(p, value, v); p += v;
	return p;
}

int main(int argc, char **argv)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	static const unsigned char settings_ack[9] = { 0, 0, 0, SETTINGS, ACK, 0, 0, 0, 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned char out[512], *p = out, *hdr;
	static unsigned char in[65536];
	char authority[64];
	size_t have = 0;
	int fd, port = 0, serving = 0;

	if (argc != 3 || strlen(argv[1]) + strlen(argv[2]) > 60)
		return 1;
	for (const char *s = argv[2]; *s >= '0' && *s <= '9'; s++)
		port = port * 10 + (*s - '0');
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		return 1;
	strcpy(authority, argv[1]);
	strcat(authority, ":");
	strcat(authority, argv[2]);

	memcpy(p, preface, sizeof preface - 1);
	p += sizeof preface - 1;
	p = frame(p, 0, SETTINGS, 0, 0);
	hdr = p;
	p += 9;                                   /* HEADERS frame header, filled in below */
	p = field(p, ":method", "POST");
	p = field(p, ":scheme", "http");
	p = field(p, ":path", "/grpc.health.v1.Health/Check");
	p = field(p, ":authority", authority);
	p = field(p, "content-type", "application/grpc");
	p = field(p, "te", "trailers");
	frame(hdr, p - hdr - 9, HEADERS, END_HEADERS, 1);
	p = frame(p, 5, DATA, END_STREAM, 1);
	memset(p, 0, 5);                          /* not compressed, length 0 */
	p += 5;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return 1;
	if (write(fd, out, p - out) != p - out)
		return 1;

	for (;;) {
		ssize_t n = read(fd, in + have, sizeof in - have);
		if (n <= 0)
			return 1;
		have += n;
		while (have >= 9) {
			size_t len = (size_t)in[0] << 16 | in[1] << 8 | in[2];
			int type = in[3], flags = in[4];
			unsigned stream = (in[5] & 0x7f) << 24 | in[6] << 16 | in[7] << 8 | in[8];
			unsigned char *pl = in + 9;
			if (len > sizeof in - 9)
				return 1;
			if (have < 9 + len)
				break;
			if (type == SETTINGS && !(flags & ACK)) {
				if (write(fd, settings_ack, 9) != 9)
					return 1;
			} else if (type == DATA && stream == 1) {
				/* 5-byte prefix then the message: field 1 (status) = 1 (SERVING) */
				serving = len == 7 && pl[5] == 0x08 && pl[6] == 0x01;
			} else if (type == HEADERS && stream == 1 && (flags & END_STREAM)) {
				return serving ? 0 : 1;
			} else if (type == GOAWAY) {
				return 1;
			}
			memmove(in, in + 9 + len, have - 9 - len);
			have -= 9 + len;
		}
	}
}
