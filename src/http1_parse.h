/*
 * http1_parse.h -- incremental HTTP/1.x response parser (pure: no I/O).
 *
 * Feed it bytes in any split -- one at a time or all at once gives the same
 * events.  It keeps no copy of the headers: only the status, the framing
 * (Content-Length / chunked / until close), so its state is about a
 * hundred bytes whatever the peer sends.  Status line plus headers (interim
 * 1xx responses included) and the trailer section share a cap of
 * LP_H1_HEAD_MAX bytes; chunk-size lines are capped at LP_H1_LINE_MAX.
 * Accepts HTTP/1.0 and 1.1, CRLF or bare LF line ends (RFC 9112 §2.2),
 * obs-fold continuations (§5.2); skips 1xx interim responses except 101.
 *
 * Two parts: the chunked decoder (struct lp_h1_chunked, RFC 9112 §7.1, after
 * picohttpparser's phr_chunked_decoder) and the message parser around it
 * (struct lp_http1), which runs the decoder when the body is chunked.
 */
#ifndef LP_HTTP1_PARSE_H
#define LP_HTTP1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_H1_HEAD_MAX (64 * 1024)
#define LP_H1_LINE_MAX 1024

/* --- the chunked decoder --------------------------------------------------- */

/* Chunk sizes are 64-bit: 16 significant hex digits (leading zeros do not
 * count; the line cap bounds them). */
#define LP_H1_CHUNK_DIGITS_MAX 16

struct lp_h1_chunked {
	uint8_t state;	     /* where in chunk-size [ext] CRLF data CRLF */
	uint8_t size_digits; /* significant hex digits of the size read so far */
	uint16_t line_bytes; /* bytes of the current chunk-size line and its CRLFs */
	uint64_t bytes_left; /* the size read so far; then data bytes left in the chunk */
};

/* What lp_h1_chunked_byte returns: 0 or more is progress, below 0 an error
 * (lp_h1_chunked_strerror gives its sentence). */
enum lp_h1_chunk_status {
	/* The byte was framing; feed the next one. */
	LP_H1_CHUNK_MORE = 0,
	/* The last-chunk line ("0" [ext] CRLF) is complete: the trailer
	 * section follows and the decoder is done. */
	LP_H1_CHUNK_LAST = 1,
	/* The chunk-size is not 1*HEXDIG (a sign, a space, nothing). */
	LP_H1_CHUNK_ERR_SIZE = -1,
	/* The chunk-size has more than LP_H1_CHUNK_DIGITS_MAX significant
	 * hex digits: it does not fit 64 bits. */
	LP_H1_CHUNK_ERR_OVERFLOW = -2,
	/* A NUL byte in a chunk extension. */
	LP_H1_CHUNK_ERR_EXT = -3,
	/* A CR not followed by LF at the end of the chunk-size line. */
	LP_H1_CHUNK_ERR_CR = -4,
	/* The chunk data is not followed by CRLF (or LF): the chunk is longer
	 * than its size says. */
	LP_H1_CHUNK_ERR_CRLF = -5,
	/* The chunk-size line is over LP_H1_LINE_MAX bytes. */
	LP_H1_CHUNK_ERR_LINE = -6,
};

/* Prepares d to read the first chunk-size line. */
void lp_h1_chunked_init(struct lp_h1_chunked *d);

/* Reads one framing byte (never call it while lp_h1_chunked_in_data). */
enum lp_h1_chunk_status lp_h1_chunked_byte(struct lp_h1_chunked *d, unsigned char c);

/* True while chunk data is expected: hand it to lp_h1_chunked_data. */
bool lp_h1_chunked_in_data(const struct lp_h1_chunked *d);

/* Takes up to len data bytes of the current chunk; returns how many are
 * data (min(len, bytes left)); the rest is framing again. */
size_t lp_h1_chunked_data(struct lp_h1_chunked *d, size_t len);

/* The sentence for a status below 0. */
const char *lp_h1_chunked_strerror(enum lp_h1_chunk_status st);

/* --- the response parser --------------------------------------------------- */

enum lp_h1_event {
	LP_H1_MORE = 0,	 /* all input consumed, need more */
	LP_H1_HEAD,	 /* status line and headers complete */
	LP_H1_DATA,	 /* body bytes at p->data, p->data_len */
	LP_H1_DONE,	 /* body complete */
	LP_H1_ERROR,	 /* malformed: p->error says why */
	LP_H1_TOO_LARGE, /* headers (or headers and trailers) over LP_H1_HEAD_MAX */
};

struct lp_http1 {
	unsigned char state;
	bool no_body; /* response to HEAD: no body whatever the headers say */
	bool chunked; /* the last transfer coding seen is "chunked" */
	bool has_te;  /* a Transfer-Encoding header was seen */
	bool have_length;
	uint8_t hdr;	  /* which framing header is being read */
	uint8_t prev_hdr; /* ... and which one the previous line was */
	uint8_t vpos_in;  /* position inside a framing header's value */
	uint8_t name_len;
	char name[18];	  /* enough to recognise the two framing headers */
	uint8_t tok_len;  /* length of the last transfer coding, up to sizeof tok + 1 */
	bool tok_spoiled; /* ... which holds a byte no token may: not "chunked" */
	char tok[8];
	int status;
	int minor;	       /* HTTP/1.<minor> */
	uint64_t length_value; /* Content-Length digits read so far */
	uint64_t length;       /* Content-Length */
	uint64_t remaining;    /* body bytes left of a Content-Length body */
	struct lp_h1_chunked chunk;
	size_t head_bytes;	   /* of the head and trailers, against LP_H1_HEAD_MAX */
	size_t vpos;		   /* position in "HTTP/1.x 123" */
	const unsigned char *data; /* LP_H1_DATA: body bytes in the caller's buffer */
	size_t data_len;
	const char *error; /* LP_H1_ERROR: a static sentence */
};

/* Prepares p for one response; head_request: the request was HEAD. */
void lp_http1_init(struct lp_http1 *p, bool head_request);

/* Consumes bytes from buf up to and including the next event; *used tells
 * how many.  Call again with the rest after HEAD or DATA. */
enum lp_h1_event lp_http1_feed(struct lp_http1 *p, const unsigned char *buf, size_t len,
			       size_t *used);

/* The peer closed the stream: LP_H1_DONE if that ends a close-delimited
 * body, else LP_H1_ERROR (headers or a framed body were cut short). */
enum lp_h1_event lp_http1_eof(struct lp_http1 *p);

/* True once the headers are complete. */
bool lp_http1_head_done(const struct lp_http1 *p);

#endif
