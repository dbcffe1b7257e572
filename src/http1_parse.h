/*
 * http1_parse.h -- incremental HTTP/1.x response parser (pure: no I/O).
 *
 * Feed it bytes in any split -- one at a time or all at once gives the same
 * events.  It keeps no copy of the headers: only the status, the framing
 * (Content-Length / chunked / until close), so its state is about a
 * hundred bytes whatever the peer sends.  Status line plus headers (interim 1xx responses included) are
 * capped at LP_H1_HEAD_MAX bytes; chunk-size lines at LP_H1_LINE_MAX.
 * Accepts HTTP/1.0 and 1.1, CRLF or bare LF line ends (RFC 9112 §2.2),
 * obs-fold continuations (§5.2); skips 1xx interim responses except 101.
 */
#ifndef LP_HTTP1_PARSE_H
#define LP_HTTP1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_H1_HEAD_MAX (64 * 1024)
#define LP_H1_LINE_MAX 1024

enum lp_h1_event {
	LP_H1_MORE = 0,	 /* all input consumed, need more */
	LP_H1_HEAD,	 /* status line and headers complete */
	LP_H1_DATA,	 /* body bytes at p->data, p->data_len */
	LP_H1_DONE,	 /* body complete */
	LP_H1_ERROR,	 /* malformed: p->error says why */
	LP_H1_TOO_LARGE, /* headers over LP_H1_HEAD_MAX */
};

struct lp_http1 {
	unsigned char state;
	unsigned char body_mode;
	bool no_body; /* response to HEAD: no body whatever the headers say */
	bool chunked, has_te, have_length;
	uint8_t name_len, tok_len;
	char name[18];	  /* enough to recognise the two framing headers */
	char tok[8];	  /* last transfer-coding token */
	uint8_t hdr;	  /* which framing header is being read */
	uint8_t prev_hdr; /* ... and which one the previous line was */
	int status;
	int minor;	    /* HTTP/1.<minor> */
	uint64_t length;    /* Content-Length */
	uint64_t remaining; /* body bytes left in this length or chunk */
	uint64_t value;	    /* number being parsed */
	size_t head_bytes, line_bytes;
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
