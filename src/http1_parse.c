/*
 * http1_parse.c -- the response grammar of RFC 9112, one byte at a time for
 * the head and in spans for body data.  Only what decides the verdict and
 * the framing is kept; every other header is checked for shape and dropped.
 */
#include "http1_parse.h"

#include <string.h>

#include "hexdig.h"

/* --- the chunked decoder (RFC 9112 §7.1) ----------------------------------- */

enum {
	C_SIZE_FIRST, /* the first digit of a chunk-size: one is required */
	C_SIZE,	      /* more digits, or the end of the size */
	C_EXT,	      /* chunk-ext: skipped up to the line end */
	C_SIZE_LF,    /* LF after the size line's CR */
	C_DATA,	      /* bytes_left data bytes */
	C_DATA_CR,    /* CRLF (or a bare LF) after the data */
	C_DATA_LF,
	C_LAST, /* the last chunk was read: the trailer section is the caller's */
};

void lp_h1_chunked_init(struct lp_h1_chunked *d)
{
	memset(d, 0, sizeof *d);
	d->state = C_SIZE_FIRST;
}

bool lp_h1_chunked_in_data(const struct lp_h1_chunked *d)
{
	return d->state == C_DATA;
}

size_t lp_h1_chunked_data(struct lp_h1_chunked *d, size_t len)
{
	size_t n = len;

	if (d->bytes_left < n)
		n = (size_t)d->bytes_left;
	d->bytes_left -= n;
	if (d->bytes_left == 0)
		d->state = C_DATA_CR;
	return n;
}

const char *lp_h1_chunked_strerror(enum lp_h1_chunk_status st)
{
	switch (st) {
	case LP_H1_CHUNK_ERR_SIZE:
		return "bad chunk size";
	case LP_H1_CHUNK_ERR_OVERFLOW:
		return "chunk size too large";
	case LP_H1_CHUNK_ERR_EXT:
		return "bad chunk extension";
	case LP_H1_CHUNK_ERR_CR:
		return "CR without LF";
	case LP_H1_CHUNK_ERR_CRLF:
		return "missing CRLF after chunk data";
	case LP_H1_CHUNK_ERR_LINE:
		return "chunk-size line too long";
	default:
		return "no error";
	}
}

/* One hex digit of the size.  Leading zeros add no significant digit; a
 * 17th significant digit would shift a bit out of 64. */
static enum lp_h1_chunk_status lp_h1_size_digit(struct lp_h1_chunked *d, int v)
{
	if (d->bytes_left || v) {
		if (d->size_digits == LP_H1_CHUNK_DIGITS_MAX)
			return LP_H1_CHUNK_ERR_OVERFLOW;
		d->size_digits++;
	}
	d->bytes_left = d->bytes_left << 4 | (uint64_t)v;
	d->state = C_SIZE;
	return LP_H1_CHUNK_MORE;
}

/* The size line ended: data follows, or it was the last chunk. */
static enum lp_h1_chunk_status lp_h1_size_line_end(struct lp_h1_chunked *d)
{
	d->line_bytes = 0; /* the CRLF after the data is not the size line's */
	if (d->bytes_left == 0) {
		d->state = C_LAST;
		return LP_H1_CHUNK_LAST;
	}
	d->state = C_DATA;
	return LP_H1_CHUNK_MORE;
}

enum lp_h1_chunk_status lp_h1_chunked_byte(struct lp_h1_chunked *d, unsigned char c)
{
	if (++d->line_bytes > LP_H1_LINE_MAX)
		return LP_H1_CHUNK_ERR_LINE;
	switch (d->state) {
	case C_SIZE_FIRST:
		if (lp_hexval(c) < 0)
			return LP_H1_CHUNK_ERR_SIZE;
		return lp_h1_size_digit(d, lp_hexval(c));
	case C_SIZE:
		if (lp_hexval(c) >= 0)
			return lp_h1_size_digit(d, lp_hexval(c));
		d->state = C_EXT; /* this byte starts the extension, or is the CR */
				  /* fall through */
	case C_EXT:
		if (c == '\r')
			d->state = C_SIZE_LF;
		else if (c == '\n')
			return lp_h1_size_line_end(d);
		else if (c == 0)
			return LP_H1_CHUNK_ERR_EXT;
		return LP_H1_CHUNK_MORE;
	case C_SIZE_LF:
		if (c != '\n')
			return LP_H1_CHUNK_ERR_CR;
		return lp_h1_size_line_end(d);
	case C_DATA_CR:
		if (c == '\r') {
			d->state = C_DATA_LF;
			return LP_H1_CHUNK_MORE;
		}
		/* a bare LF ends the data too */
		/* fall through */
	case C_DATA_LF:
		if (c != '\n')
			return LP_H1_CHUNK_ERR_CRLF;
		lp_h1_chunked_init(d);
		return LP_H1_CHUNK_MORE;
	default: /* C_DATA, C_LAST: the caller's bytes, not framing */
		return LP_H1_CHUNK_ERR_SIZE;
	}
}

/* --- the response parser ----------------------------------------------------- */

/* The order matters in one place: the states before S_BODY_NONE are the
 * head, the rest come after it (lp_http1_head_done). */
enum {
	S_VER,	      /* "HTTP/1." then the minor digit and SP */
	S_CODE,	      /* three digits */
	S_AFTER_CODE, /* SP, or the end of the line (empty reason) */
	S_REASON,
	S_STATUS_LF,
	S_LINE, /* start of a header line, or the empty line */
	S_NAME,
	S_VALUE,
	S_HDR_LF,
	S_END_LF,
	S_BODY_NONE, /* first state past the head */
	S_LENGTH,    /* a Content-Length body: p->remaining bytes left */
	S_CHUNKED,   /* a chunked body: p->chunk decodes it */
	S_TRAILER,   /* start of a trailer line, or the empty line */
	S_TRAILER_TEXT,
	S_TRAILER_LF,
	S_CLOSE, /* the body runs to the end of the stream */
	S_DONE,
};

enum { H_OTHER, H_LENGTH, H_TE }; /* framing header being read */

/* Position inside a framing header's value (p->vpos_in):
 * leading whitespace, the digits or the token, trailing whitespace, and
 * (Transfer-Encoding only) a parameter after ';'. */
enum { V_LEAD, V_TOKEN, V_TRAIL, V_PARAM };

void lp_http1_init(struct lp_http1 *p, bool head_request)
{
	memset(p, 0, sizeof *p);
	p->no_body = head_request;
}

bool lp_http1_head_done(const struct lp_http1 *p)
{
	return p->state >= S_BODY_NONE;
}

/* RFC 9110 §5.6.2 tchar, as a bitmap: header names are read per byte. */
static bool lp_tchar(unsigned char c)
{
	static const uint32_t map[8] = {
		0x00000000, 0x03ff6cfa, 0xc7fffffe, 0x57ffffff, 0, 0, 0, 0,
	};

	return (map[c >> 5] >> (c & 31)) & 1;
}

static enum lp_h1_event lp_h1_error(struct lp_http1 *p, const char *why)
{
	p->error = why;
	return LP_H1_ERROR;
}

/* Content-Length (RFC 9110 §8.6): 1*DIGIT with optional whitespace.  Any
 * value up to UINT64_MAX is taken: x * 10 + d fits exactly when
 * x <= (UINT64_MAX - d) / 10. */
static enum lp_h1_event lp_h1_length_byte(struct lp_http1 *p, unsigned char c)
{
	if (c >= '0' && c <= '9' && p->vpos_in != V_TRAIL) {
		uint64_t d = (uint64_t)(c - '0');
		if (p->length_value > (UINT64_MAX - d) / 10)
			return lp_h1_error(p, "Content-Length too large");
		p->length_value = p->length_value * 10 + d;
		p->vpos_in = V_TOKEN;
	} else if (c == ' ' || c == '\t') {
		if (p->vpos_in == V_TOKEN)
			p->vpos_in = V_TRAIL;
	} else {
		return lp_h1_error(p, "invalid Content-Length");
	}
	return LP_H1_MORE;
}

/* Transfer-Encoding: remember the last coding of the list; only whether it
 * is "chunked" matters (RFC 9112 §6.3).  Empty list items are skipped
 * (RFC 9110 §5.6.1); anything but a token before ';' spoils the coding. */
static void lp_h1_te_byte(struct lp_http1 *p, unsigned char c)
{
	if (c == ',') {
		p->vpos_in = V_LEAD; /* the token so far stays until a new one starts */
	} else if (p->vpos_in == V_PARAM) {
		return;
	} else if (c == ';') {
		p->vpos_in = V_PARAM;
	} else if (c == ' ' || c == '\t') {
		if (p->vpos_in == V_TOKEN)
			p->vpos_in = V_TRAIL;
	} else if (lp_tchar(c) && p->vpos_in != V_TRAIL) {
		if (p->vpos_in == V_LEAD)
			p->tok_len = 0, p->tok_spoiled = false, p->vpos_in = V_TOKEN;
		if (p->tok_len < sizeof p->tok)
			p->tok[p->tok_len] = (char)(c | 0x20);
		if (p->tok_len <= sizeof p->tok) /* one more: too long to be "chunked" */
			p->tok_len++;
	} else { /* "chun ked", "\"chunked\"" */
		if (p->vpos_in == V_LEAD)
			p->tok_len = 0;
		p->tok_spoiled = true, p->vpos_in = V_TOKEN;
	}
}

static enum lp_h1_event lp_h1_value_end(struct lp_http1 *p)
{
	if (p->hdr == H_LENGTH) {
		if (p->vpos_in == V_LEAD)
			return lp_h1_error(p, "empty Content-Length");
		if (p->have_length && p->length != p->length_value)
			return lp_h1_error(p, "conflicting Content-Length headers");
		p->have_length = true;
		p->length = p->length_value;
	} else if (p->hdr == H_TE) {
		p->has_te = true;
		if (p->tok_len || p->tok_spoiled) /* an empty field adds nothing to the list */
			p->chunked = !p->tok_spoiled && p->tok_len == 7 &&
				     memcmp(p->tok, "chunked", 7) == 0;
	}
	p->prev_hdr = p->hdr;
	p->hdr = H_OTHER;
	return LP_H1_MORE;
}

static void lp_h1_name_end(struct lp_http1 *p)
{
	static const char cl[] = "content-length", te[] = "transfer-encoding";

	p->hdr = H_OTHER;
	if (p->name_len == sizeof cl - 1 && memcmp(p->name, cl, sizeof cl - 1) == 0)
		p->hdr = H_LENGTH;
	else if (p->name_len == sizeof te - 1 && memcmp(p->name, te, sizeof te - 1) == 0)
		p->hdr = H_TE;
	p->vpos_in = V_LEAD, p->length_value = 0, p->tok_len = 0, p->tok_spoiled = false;
}

/* The empty line: decide the body framing (RFC 9112 §6.3). */
static enum lp_h1_event lp_h1_head_end(struct lp_http1 *p)
{
	if (p->status < 200 && p->status != 101) { /* interim: read the next head */
		p->state = S_VER, p->vpos = 0, p->status = 0;
		p->have_length = p->chunked = p->has_te = false;
		return LP_H1_MORE;
	}
	if (p->no_body || p->status < 200 || p->status == 204 || p->status == 304) {
		p->state = S_BODY_NONE;
	} else if (p->chunked) {
		p->state = S_CHUNKED;
		lp_h1_chunked_init(&p->chunk);
	} else if (p->has_te) { /* RFC 9112 §6.3 rule 4: Content-Length does not apply */
		p->state = S_CLOSE;
	} else if (p->have_length) {
		p->state = p->length ? S_LENGTH : S_BODY_NONE;
		p->remaining = p->length;
	} else {
		p->state = S_CLOSE;
	}
	return LP_H1_HEAD;
}

static enum lp_h1_event lp_h1_status_byte(struct lp_http1 *p, unsigned char c)
{
	static const char ver[] = "HTTP/1.";

	switch (p->state) {
	case S_VER:
		if (p->vpos < 7 && c != (unsigned char)ver[p->vpos])
			return lp_h1_error(p, "not an HTTP/1.x status line");
		if (p->vpos == 7 && !(c >= '0' && c <= '9'))
			return lp_h1_error(p, "bad HTTP version");
		if (p->vpos == 7)
			p->minor = c - '0';
		if (p->vpos == 8 && c != ' ')
			return lp_h1_error(p, "bad HTTP version");
		if (++p->vpos == 9)
			p->state = S_CODE;
		return LP_H1_MORE;
	case S_CODE:
		if (c < '0' || c > '9')
			return lp_h1_error(p, "bad status code");
		p->status = p->status * 10 + (c - '0');
		if (++p->vpos == 12) {
			if (p->status < 100 || p->status > 599)
				return lp_h1_error(p, "status code out of range");
			p->state = S_AFTER_CODE;
		}
		return LP_H1_MORE;
	case S_AFTER_CODE:
		if (c == ' ') {
			p->state = S_REASON;
			return LP_H1_MORE;
		}
		/* "HTTP/1.1 200\r\n": an empty reason, no SP */
		/* fall through */
	default: /* S_REASON */
		if (c == '\r')
			p->state = S_STATUS_LF;
		else if (c == '\n')
			p->state = S_LINE;
		else if (p->state == S_AFTER_CODE || c == 0)
			return lp_h1_error(p, "bad status line");
		return LP_H1_MORE;
	}
}

static enum lp_h1_event lp_h1_header_byte(struct lp_http1 *p, unsigned char c)
{
	switch (p->state) {
	case S_STATUS_LF:
	case S_HDR_LF:
		if (c != '\n')
			return lp_h1_error(p, "CR without LF");
		p->state = S_LINE;
		return LP_H1_MORE;
	case S_END_LF:
		if (c != '\n')
			return lp_h1_error(p, "CR without LF");
		return lp_h1_head_end(p);
	case S_LINE:
		if (c == '\r')
			p->state = S_END_LF;
		else if (c == '\n')
			return lp_h1_head_end(p);
		else if ((c == ' ' || c == '\t') && p->prev_hdr != H_OTHER)
			return lp_h1_error(p, "folded Content-Length or Transfer-Encoding");
		else if (c == ' ' || c == '\t') /* obs-fold (RFC 9112 §5.2) */
			p->state = S_VALUE, p->hdr = H_OTHER;
		else if (lp_tchar(c))
			p->state = S_NAME, p->name_len = 0,
			p->name[p->name_len++] = (char)(c | 0x20);
		else
			return lp_h1_error(p, "invalid header line");
		return LP_H1_MORE;
	case S_NAME:
		if (c == ':') {
			lp_h1_name_end(p);
			p->state = S_VALUE;
		} else if (!lp_tchar(c)) {
			return lp_h1_error(p, "invalid header name");
		} else if (p->name_len < sizeof p->name) {
			p->name[p->name_len++] = (char)(c | 0x20);
		} else {
			p->name_len = sizeof p->name; /* too long to be a framing header */
		}
		return LP_H1_MORE;
	default: /* S_VALUE */
		if (c == '\r' || c == '\n') {
			p->state = c == '\r' ? S_HDR_LF : S_LINE;
			return lp_h1_value_end(p);
		}
		if (c == 0)
			return lp_h1_error(p, "NUL in header value");
		if (p->hdr == H_LENGTH)
			return lp_h1_length_byte(p, c);
		if (p->hdr == H_TE)
			lp_h1_te_byte(p, c);
		return LP_H1_MORE;
	}
}

/* A framing byte of the chunked body, through the decoder. */
static enum lp_h1_event lp_h1_chunk_byte(struct lp_http1 *p, unsigned char c)
{
	enum lp_h1_chunk_status st = lp_h1_chunked_byte(&p->chunk, c);

	if (st == LP_H1_CHUNK_LAST)
		p->state = S_TRAILER;
	else if (st < 0)
		return lp_h1_error(p, lp_h1_chunked_strerror(st));
	return LP_H1_MORE;
}

/* The trailer section (RFC 9112 §7.1.2): lines skipped up to the empty one. */
static enum lp_h1_event lp_h1_trailer_byte(struct lp_http1 *p, unsigned char c)
{
	switch (p->state) {
	case S_TRAILER:
		if (c == '\r') {
			p->state = S_TRAILER_LF;
			return LP_H1_MORE;
		}
		if (c == '\n')
			return p->state = S_DONE, LP_H1_DONE;
		p->state = S_TRAILER_TEXT;
		/* fall through */
	case S_TRAILER_TEXT:
		if (c == '\n')
			p->state = S_TRAILER;
		return LP_H1_MORE;
	default: /* S_TRAILER_LF */
		if (c != '\n')
			return lp_h1_error(p, "CR without LF");
		return p->state = S_DONE, LP_H1_DONE;
	}
}

/* One byte that is not body data, to the grammar of the current state.
 * The head and the trailer section share the LP_H1_HEAD_MAX cap; the
 * chunk-size lines have theirs in the decoder. */
static enum lp_h1_event lp_h1_byte(struct lp_http1 *p, unsigned char c)
{
	if (p->state == S_CHUNKED)
		return lp_h1_chunk_byte(p, c);
	if (++p->head_bytes > LP_H1_HEAD_MAX)
		return LP_H1_TOO_LARGE;
	switch (p->state) {
	case S_VER:
	case S_CODE:
	case S_AFTER_CODE:
	case S_REASON:
		return lp_h1_status_byte(p, c);
	case S_TRAILER:
	case S_TRAILER_TEXT:
	case S_TRAILER_LF:
		return lp_h1_trailer_byte(p, c);
	default: /* S_STATUS_LF to S_END_LF */
		return lp_h1_header_byte(p, c);
	}
}

/* True when the next bytes are body data: a Content-Length body, chunk
 * data, or a body that runs to the close. */
static bool lp_h1_in_body_data(const struct lp_http1 *p)
{
	return p->state == S_LENGTH || p->state == S_CLOSE ||
	       (p->state == S_CHUNKED && lp_h1_chunked_in_data(&p->chunk));
}

static enum lp_h1_event lp_h1_span(struct lp_http1 *p, const unsigned char *buf, size_t len,
				   size_t *used)
{
	size_t n = len;

	if (p->state == S_CHUNKED) {
		n = lp_h1_chunked_data(&p->chunk, len);
	} else if (p->state == S_LENGTH) {
		if (p->remaining < n)
			n = (size_t)p->remaining;
		p->remaining -= n;
		if (p->remaining == 0)
			p->state = S_DONE;
	}
	p->data = buf, p->data_len = n;
	*used = n;
	return LP_H1_DATA;
}

/* Text whose bytes need no look (a reason phrase, an ordinary header
 * value, a trailer line): the hot path, scanned in a tight loop. */
static bool lp_h1_opaque(const struct lp_http1 *p)
{
	return (p->state == S_VALUE && p->hdr == H_OTHER) || p->state == S_REASON ||
	       p->state == S_TRAILER_TEXT;
}

enum lp_h1_event lp_http1_feed(struct lp_http1 *p, const unsigned char *buf, size_t len,
			       size_t *used)
{
	enum lp_h1_event ev;
	size_t i;

	*used = 0;
	if (p->state == S_BODY_NONE || p->state == S_DONE)
		return p->state = S_DONE, LP_H1_DONE;
	for (i = 0; i < len; i++) {
		if (lp_h1_opaque(p)) { /* skip to the byte that ends the text */
			size_t j = i, room = LP_H1_HEAD_MAX - p->head_bytes;
			while (j < len && buf[j] != '\r' && buf[j] != '\n' && buf[j] != 0)
				j++;
			if (j - i > room) {
				p->head_bytes = LP_H1_HEAD_MAX + 1;
				return *used = i + room + 1, LP_H1_TOO_LARGE;
			}
			p->head_bytes += j - i;
			if ((i = j) == len)
				break;
		}
		if (lp_h1_in_body_data(p)) {
			ev = lp_h1_span(p, buf + i, len - i, used);
			*used += i;
			return ev;
		}
		ev = lp_h1_byte(p, buf[i]);
		if (ev != LP_H1_MORE) {
			*used = i + 1;
			return ev;
		}
	}
	*used = len;
	return LP_H1_MORE;
}

enum lp_h1_event lp_http1_eof(struct lp_http1 *p)
{
	if (p->state == S_CLOSE || p->state == S_BODY_NONE || p->state == S_DONE) {
		p->state = S_DONE;
		return LP_H1_DONE;
	}
	return lp_h1_error(p, lp_http1_head_done(p) ? "body cut short" : "headers cut short");
}
