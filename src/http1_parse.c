/*
 * http1_parse.c -- the response grammar of RFC 9112, one byte at a time for
 * the head and in spans for body data.  Only what decides the verdict and
 * the framing is kept; every other header is checked for shape and dropped.
 */
#include "http1_parse.h"

#include <string.h>

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
	S_BODY_NONE,
	S_LENGTH,
	S_CHUNK_SIZE,
	S_CHUNK_EXT,
	S_CHUNK_LF,
	S_CHUNK_DATA,
	S_CHUNK_CR,
	S_CHUNK_DLF,
	S_TRAILER,
	S_TRAILER_TEXT,
	S_TRAILER_LF,
	S_CLOSE,
	S_DONE,
};

enum { H_OTHER, H_LENGTH, H_TE };	     /* framing header being read */
enum { V_LEAD, V_DIGITS, V_TRAIL, V_PARAM }; /* position inside its value */

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

/* Content-Length (RFC 9110 §8.6): 1*DIGIT with optional whitespace. */
static enum lp_h1_event lp_h1_length_byte(struct lp_http1 *p, unsigned char c)
{
	if (c >= '0' && c <= '9' && p->tok_len != V_TRAIL) {
		if (p->value > (UINT64_MAX >> 4))
			return lp_h1_error(p, "Content-Length too large");
		p->value = p->value * 10 + (uint64_t)(c - '0');
		p->tok_len = V_DIGITS;
	} else if (c == ' ' || c == '\t') {
		if (p->tok_len == V_DIGITS)
			p->tok_len = V_TRAIL;
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
		p->value = V_LEAD; /* the token so far stays until a new one starts */
	} else if (p->value == V_PARAM) {
		return;
	} else if (c == ';') {
		p->value = V_PARAM;
	} else if (c == ' ' || c == '\t') {
		if (p->value == V_DIGITS)
			p->value = V_TRAIL;
	} else if (lp_tchar(c) && p->value != V_TRAIL) {
		if (p->value == V_LEAD)
			p->tok_len = 0, p->value = V_DIGITS;
		if (p->tok_len < sizeof p->tok)
			p->tok[p->tok_len] = (char)(c | 0x20);
		if (p->tok_len < 255)
			p->tok_len++;
	} else {
		p->tok_len = 255, p->value = V_DIGITS; /* "chun ked", "\"chunked\"" */
	}
}

static enum lp_h1_event lp_h1_value_end(struct lp_http1 *p)
{
	if (p->hdr == H_LENGTH) {
		if (p->tok_len == V_LEAD)
			return lp_h1_error(p, "empty Content-Length");
		if (p->have_length && p->length != p->value)
			return lp_h1_error(p, "conflicting Content-Length headers");
		p->have_length = true;
		p->length = p->value;
	} else if (p->hdr == H_TE) {
		p->has_te = true;
		if (p->tok_len) /* an empty field adds nothing to the list */
			p->chunked = p->tok_len == 7 && memcmp(p->tok, "chunked", 7) == 0;
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
	p->value = 0, p->tok_len = 0;
}

/* The empty line: decide the body framing (RFC 9112 §6.3). */
static enum lp_h1_event lp_h1_head_end(struct lp_http1 *p)
{
	if (p->status < 200 && p->status != 101) { /* interim: read the next head */
		p->state = S_VER, p->vpos = 0, p->status = 0;
		p->have_length = p->chunked = p->has_te = false;
		return LP_H1_MORE;
	}
	if (p->no_body || p->status < 200 || p->status == 204 || p->status == 304)
		p->state = S_BODY_NONE;
	else if (p->chunked)
		p->state = S_CHUNK_SIZE, p->value = 0, p->tok_len = 0, p->line_bytes = 0;
	else if (p->has_te) /* RFC 9112 §6.3 rule 4: Content-Length does not apply */
		p->state = S_CLOSE;
	else if (p->have_length)
		p->state = p->length ? S_LENGTH : S_BODY_NONE, p->remaining = p->length;
	else
		p->state = S_CLOSE;
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

static int lp_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* chunk-size [ chunk-ext ] CRLF, the chunk's CRLF, and the trailer section
 * (RFC 9112 §7.1). */
static enum lp_h1_event lp_h1_chunk_byte(struct lp_http1 *p, unsigned char c)
{
	switch (p->state) {
	case S_CHUNK_SIZE:
		if (lp_hex(c) >= 0) {
			if (p->value > (UINT64_MAX >> 8))
				return lp_h1_error(p, "chunk size too large");
			p->value = p->value * 16 + (uint64_t)lp_hex(c);
			p->tok_len = 1;
			return LP_H1_MORE;
		}
		if (!p->tok_len)
			return lp_h1_error(p, "bad chunk size");
		p->state = S_CHUNK_EXT;
		/* fall through */
	case S_CHUNK_EXT:
		if (c == '\r')
			p->state = S_CHUNK_LF;
		else if (c == '\n')
			goto chunk_start;
		else if (c == 0)
			return lp_h1_error(p, "bad chunk extension");
		return LP_H1_MORE;
	case S_CHUNK_LF:
		if (c != '\n')
			return lp_h1_error(p, "CR without LF");
	chunk_start:
		p->remaining = p->value;
		p->state = p->value ? S_CHUNK_DATA : S_TRAILER;
		p->line_bytes = 0; /* the CRLF after the data is not the size line's */
		return LP_H1_MORE;
	case S_CHUNK_CR:
		if (c == '\r') {
			p->state = S_CHUNK_DLF;
			return LP_H1_MORE;
		}
		/* bare LF */
		/* fall through */
	case S_CHUNK_DLF:
		if (c != '\n')
			return lp_h1_error(p, "missing CRLF after chunk data");
		p->state = S_CHUNK_SIZE, p->value = 0, p->tok_len = 0, p->line_bytes = 0;
		return LP_H1_MORE;
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

static enum lp_h1_event lp_h1_span(struct lp_http1 *p, const unsigned char *buf, size_t len,
				   size_t *used)
{
	size_t n = len;

	if (p->state != S_CLOSE && p->remaining < n)
		n = (size_t)p->remaining;
	p->data = buf, p->data_len = n;
	*used = n;
	if (p->state != S_CLOSE) {
		p->remaining -= n;
		if (p->remaining == 0)
			p->state = p->state == S_LENGTH ? S_DONE : S_CHUNK_CR;
	}
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
		if (p->state == S_LENGTH || p->state == S_CHUNK_DATA || p->state == S_CLOSE) {
			ev = lp_h1_span(p, buf + i, len - i, used);
			*used += i;
			return ev;
		}
		if (p->state < S_BODY_NONE || p->state >= S_TRAILER) {
			if (++p->head_bytes > LP_H1_HEAD_MAX)
				return *used = i + 1, LP_H1_TOO_LARGE;
		} else if (++p->line_bytes > LP_H1_LINE_MAX) {
			return *used = i + 1, lp_h1_error(p, "chunk-size line too long");
		}
		if (p->state <= S_REASON)
			ev = lp_h1_status_byte(p, buf[i]);
		else if (p->state < S_BODY_NONE)
			ev = lp_h1_header_byte(p, buf[i]);
		else
			ev = lp_h1_chunk_byte(p, buf[i]);
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
