/*
 * config.c -- flags and environment into struct lp_config, validated.
 *
 * One table names every flag of fivexl/lprobe and grpc_health_probe with
 * its kind; lp_flag_set() is the only place a value is interpreted, so the
 * command line and LPROBE_* variables behave identically.
 */
#include "config.h"

#include "grpc_proto.h" /* LP_SERVICE_MAX */
#include "match.h"	/* LP_EXPECT_MAX */

_Static_assert(LP_SERVICE_NAME_MAX == LP_SERVICE_MAX, "one service-name bound");

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum lp_flag_kind {
	F_BOOL, /* bool at offset */
	F_STR,	/* const char * at offset */
	F_PORT,
	F_DUR, /* int64_t ms at offset */
	F_MODE,
	F_ADDR,
	F_METHOD,
	F_CODES,
	F_EXITS,
	F_HHDR,	   /* -http-header, repeatable */
	F_RHDR,	   /* -rpc-header, repeatable */
	F_REFUSED, /* -alts, -spiffe: recognised, refused */
	F_SERVICE, /* -service: repeated, a list (one group per service) */
	F_HELP,
	F_VERSION,
	F_LICENSES, /* -licenses: print the embedded notices */
};

struct lp_flag {
	const char *name;
	unsigned char kind;
	unsigned char cli_only; /* not settable from the environment */
	unsigned short off;
	unsigned char run_wide; /* one value for every group: given in the first */
};

#define OFF(f) ((unsigned short)offsetof(struct lp_config, f))

static const struct lp_flag lp_flags[] = {
	{"mode", F_MODE, 0, 0, 0},
	{"port", F_PORT, 0, 0, 0},
	{"ipv6", F_BOOL, 0, OFF(ipv6), 0},
	{"addr", F_ADDR, 0, 0, 0},
	{"unix", F_STR, 0, OFF(unix_path), 0},
	{"endpoint", F_STR, 0, OFF(endpoint), 0},
	{"http-codes", F_CODES, 0, 0, 0},
	{"method", F_METHOD, 0, 0, 0},
	{"http-header", F_HHDR, 0, 0, 0},
	{"host", F_STR, 0, OFF(host), 0},
	{"expect-body", F_STR, 0, OFF(expect_body), 0},
	{"user-agent", F_STR, 0, OFF(user_agent), 0},
	{"service", F_SERVICE, 0, 0, 0},
	{"rpc-header", F_RHDR, 0, 0, 0},
	{"connect-timeout", F_DUR, 0, OFF(connect_timeout_ms), 0},
	{"rpc-timeout", F_DUR, 0, OFF(rpc_timeout_ms), 0},
	{"tls", F_BOOL, 0, OFF(tls), 0},
	{"tls-no-verify", F_BOOL, 0, OFF(tls_no_verify), 0},
	{"tls-ca-cert", F_STR, 0, OFF(tls_ca_cert), 0},
	{"tls-client-cert", F_STR, 0, OFF(tls_client_cert), 0},
	{"tls-client-key", F_STR, 0, OFF(tls_client_key), 0},
	{"tls-server-name", F_STR, 0, OFF(tls_server_name), 0},
	{"gzip", F_BOOL, 0, OFF(gzip), 0},
	{"exit-codes", F_EXITS, 0, 0, 1},
	{"v", F_BOOL, 0, OFF(verbose), 1},
	{"wait", F_DUR, 0, OFF(wait_ms), 1},
	{"interval", F_DUR, 0, OFF(interval_ms), 1},
	{"log", F_STR, 0, OFF(log_path), 1},
	{"no-sandbox", F_BOOL, 0, OFF(no_sandbox), 1},
	{"alts", F_REFUSED, 0, 0, 0},
	{"spiffe", F_REFUSED, 0, 0, 0},
	{"version", F_VERSION, 1, 0, 1},
	{"licenses", F_LICENSES, 1, 0, 1},
	{"h", F_HELP, 1, 0, 1},
	{"help", F_HELP, 1, 0, 1},
};

#define LP_NFLAGS (sizeof lp_flags / sizeof lp_flags[0])

/* A value of the user's as a message shows it: printable ASCII only, cut
 * at 128 bytes (SPEC: the failure line stays one line).  Parsing is
 * sequential and each message quotes one value: one buffer does. */
static const char *lp_qn(const char *v, size_t len)
{
	static char q[140];

	return lp_quote(q, sizeof q, v, len);
}

static const char *lp_qv(const char *v)
{
	return lp_qn(v, strlen(v));
}

static const struct lp_flag *lp_flag_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < LP_NFLAGS; i++)
		if (strlen(lp_flags[i].name) == len && memcmp(lp_flags[i].name, name, len) == 0)
			return &lp_flags[i];
	return NULL;
}

int lp_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	size_t i;

	for (i = 0; i < 6; i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

/* A decimal number as Go's time.ParseDuration reads it: whole part, and
 * up to 9 fraction digits (frac / scale); later non-zero digits only set
 * `inexact`, which rounds the result up. */
struct lp_decimal {
	uint64_t whole, frac, scale;
	bool inexact;
};

static int lp_parse_decimal(const char **sp, struct lp_decimal *d)
{
	const char *s = *sp;
	int digits = 0;

	d->whole = 0, d->frac = 0, d->scale = 1, d->inexact = false;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (d->whole > 100000000000000ULL) /* past any duration up to a day */
			return -1;
		d->whole = d->whole * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (d->scale < 1000000000ULL)
				d->frac = d->frac * 10 + (uint64_t)(*s - '0'), d->scale *= 10;
			else if (*s != '0')
				d->inexact = true;
		}
	}
	*sp = s;
	return digits ? 0 : -1;
}

/* d units of unit_ns nanoseconds, or UINT64_MAX past a day.  frac < scale
 * <= 1e9, so neither product below can overflow. */
static uint64_t lp_decimal_ns(const struct lp_decimal *d, uint64_t unit_ns)
{
	const uint64_t day_ns = 86400000000000ULL;
	uint64_t ns;

	if (d->whole > day_ns / unit_ns)
		return UINT64_MAX;
	ns = d->whole * unit_ns;
	if (unit_ns % d->scale == 0)
		ns += d->frac * (unit_ns / d->scale);
	else
		ns += (d->frac * unit_ns + d->scale - 1) / d->scale;
	return ns + (d->inexact ? 1 : 0);
}

int lp_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"ns", 1},
		     {"us", 1000},
		     {"\xc2\xb5s", 1000},
		     {"\xce\xbcs", 1000},
		     {"ms", 1000000},
		     {"s", 1000000000ULL},
		     {"m", 60000000000ULL},
		     {"h", 3600000000000ULL}};
	const uint64_t day_ns = 86400000000000ULL;
	uint64_t total = 0, part;
	struct lp_decimal d;
	size_t i, ulen = 0;

	if (*s == '+')
		s++;
	if (*s == '\0' || *s == '-' || lp_parse_decimal(&s, &d) < 0)
		return -1;
	if (*s == '\0') { /* bare number: seconds (kubelet/Docker habit) */
		total = lp_decimal_ns(&d, 1000000000ULL);
	} else {
		for (;;) {
			for (i = 0; i < sizeof units / sizeof units[0]; i++) {
				ulen = strlen(units[i].unit);
				/* "m" must not swallow the "m" of "ms" */
				if (strncmp(s, units[i].unit, ulen) == 0 &&
				    !(ulen == 1 && s[0] == 'm' && s[1] == 's'))
					break;
			}
			if (i == sizeof units / sizeof units[0])
				return -1;
			part = lp_decimal_ns(&d, units[i].ns);
			if (part > day_ns || (total += part) > day_ns)
				return -1;
			s += ulen;
			if (*s == '\0')
				break;
			if (lp_parse_decimal(&s, &d) < 0)
				return -1;
		}
	}
	if (total == 0 || total > day_ns)
		return -1;
	*ms = (int64_t)((total + 999999) / 1000000);
	return 0;
}

void lp_format_duration(int64_t ms, char *buf, size_t cap)
{
	int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, r = ms % 1000;
	size_t n = 0;
	char frac[8] = "";

	if (ms < 1000) {
		snprintf(buf, cap, "%dms", (int)ms);
		return;
	}
	if (r) { /* Go prints 1.5s, 1.25s: no trailing zeros */
		snprintf(frac, sizeof frac, ".%03d", (int)r);
		for (n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	if (h)
		snprintf(buf, cap, "%dh%dm%d%ss", (int)h, (int)m, (int)s, frac);
	else if (m)
		snprintf(buf, cap, "%dm%d%ss", (int)m, (int)s, frac);
	else
		snprintf(buf, cap, "%d%ss", (int)s, frac);
}

static int lp_parse_code(const char **sp, uint16_t *out)
{
	const char *s = *sp;
	unsigned v = 0;
	int i;

	for (i = 0; i < 3; i++, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < 100 || v > 599 || (*s >= '0' && *s <= '9'))
		return -1;
	*out = (uint16_t)v;
	*sp = s;
	return 0;
}

int lp_parse_codes(const char *s, struct lp_code_range *out, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ')
			s++;
		if (n == max || lp_parse_code(&s, &out[n].lo) < 0)
			return -1;
		out[n].hi = out[n].lo;
		while (*s == ' ')
			s++;
		if (*s == '-') {
			s++;
			while (*s == ' ')
				s++;
			if (lp_parse_code(&s, &out[n].hi) < 0 || out[n].hi < out[n].lo)
				return -1;
			while (*s == ' ')
				s++;
		}
		n++;
		if (*s == '\0')
			return n;
		if (*s++ != ',')
			return -1;
	}
}

bool lp_codes_match(const struct lp_code_range *c, int n, int status)
{
	int i;

	for (i = 0; i < n; i++)
		if (status >= c[i].lo && status <= c[i].hi)
			return true;
	return false;
}

int lp_parse_port(const char *s, size_t len, int *port)
{
	long v = 0;
	size_t i;

	/* decimal only, no 0x, no _; and no leading zero: Go reads "0120" as
	 * octal 80, so a manifest written for the Go tools must not silently
	 * probe port 120 */
	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* RFC 9110 §5.6.2 token characters. */
static bool lp_is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A field value as RFC 9110 §5.5 writes it (VCHAR, SP, HTAB), without
 * obs-text: nothing that could end a header line or reach a server as
 * bytes it may read differently (SPEC: bytes >= 0x80 are usage errors). */
static bool lp_is_safe_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 ? *s != '\t' : (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Visible ASCII only (no space): a request-target or a Host value. */
static bool lp_is_visible(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* A DNS name as SNI carries it (RFC 6066 §3: a host name, no trailing
 * dot... which we accept and Go strips too): labels of 1-63 letters,
 * digits, '-' or '_', not starting or ending with '-', 253 bytes at most. */
static bool lp_is_dns_name(const char *s)
{
	size_t len = strlen(s), label = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		char ch = i < len ? s[i] : '.';
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || (ch == '-' && label > 0)))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* -tls-server-name: a DNS name, or an IP literal (matched against
 * iPAddress SANs, never sent as SNI: tls.c). */
static bool lp_is_server_name(const char *s)
{
	unsigned char ip[16];

	return lp_is_dns_name(s) || inet_pton(AF_INET, s, ip) == 1 ||
	       inet_pton(AF_INET6, s, ip) == 1;
}

static bool lp_name_is(const char *name, size_t len, const char *want)
{
	size_t i;

	if (strlen(want) != len)
		return false;
	for (i = 0; i < len; i++)
		if ((name[i] | 0x20) != want[i])
			return false;
	return true;
}

/* -http-header "Name: value": a token name, safe value, and not one of the
 * headers lprobe owns (they would break framing or duplicate ours). */
static int lp_check_http_header(const char *h, struct lp_result *r)
{
	static const char *const owned[] = {"host", "user-agent", "connection", "content-length",
					    "transfer-encoding"};
	const char *colon = strchr(h, ':');
	size_t i, len;

	if (!colon || colon == h)
		return lp_fail(r, LP_USAGE, "-http-header wants \"Name: value\"");
	len = (size_t)(colon - h);
	for (i = 0; i < len; i++)
		if (!lp_is_tchar((unsigned char)h[i]))
			return lp_fail(r, LP_USAGE, "-http-header: invalid header name");
	if (!lp_is_safe_text(colon + 1))
		return lp_fail(r, LP_USAGE,
			       "-http-header: control character or byte >= 0x80 in value");
	for (i = 0; i < sizeof owned / sizeof owned[0]; i++)
		if (lp_name_is(h, len, owned[i]))
			return lp_fail(
				r, LP_USAGE,
				"-http-header: %s is set by lprobe (use -host or -user-agent)",
				owned[i]);
	return 0;
}

/* -rpc-header "name: value" (gRPC metadata): legal key characters, not a
 * reserved key; values of "-bin" keys may be anything (sent base64). */
static int lp_check_rpc_header(const char *h, struct lp_result *r)
{
	static const char *const owned[] = {"te", "content-type", "user-agent", "host",
					    "connection"};
	const char *colon = strchr(h, ':');
	size_t i, len;

	if (!colon || colon == h)
		return lp_fail(r, LP_USAGE, "-rpc-header wants \"name: value\"");
	len = (size_t)(colon - h);
	for (i = 0; i < len; i++) {
		char c = (char)(h[i] | 0x20);
		if (!((c >= 'a' && c <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
		      h[i] == '_' || h[i] == '.'))
			return lp_fail(r, LP_USAGE, "-rpc-header: invalid metadata key");
	}
	if (len >= 5 && lp_name_is(h, 5, "grpc-"))
		return lp_fail(r, LP_USAGE, "-rpc-header: grpc-* keys are reserved");
	for (i = 0; i < sizeof owned / sizeof owned[0]; i++)
		if (lp_name_is(h, len, owned[i]))
			return lp_fail(r, LP_USAGE, "-rpc-header: %s is reserved", owned[i]);
	if (!(len > 4 && lp_name_is(h + len - 4, 4, "-bin")) && !lp_is_safe_text(colon + 1))
		return lp_fail(r, LP_USAGE,
			       "-rpc-header: control character or byte >= 0x80 in value");
	if (strlen(colon + 1) > LP_RPC_VALUE_MAX)
		return lp_fail(r, LP_USAGE, "-rpc-header: value over %d bytes", LP_RPC_VALUE_MAX);
	return 0;
}

/* Appends v to a repeatable flag's list.  *env_values says the list still
 * holds values from the environment: the first command-line value drops
 * them (env_values is NULL while reading the environment). */
static int lp_add_header(const char **list, int *n, bool *env_values, const char *v,
			 const char *flag, struct lp_result *r)
{
	if (env_values && *env_values) {
		*n = 0;
		*env_values = false;
	}
	if (*n == LP_MAX_HEADERS)
		return lp_fail(r, LP_USAGE, "-%s: at most %d", flag, LP_MAX_HEADERS);
	list[(*n)++] = v;
	return 0;
}

struct lp_parse_state {
	bool from_env;
	bool hhdr_from_env, rhdr_from_env; /* lists still hold env values */
	const char *run_wide;		   /* a run-wide flag on this command line */
	bool service_from_cli;		   /* a -service came on the command line */
};

static int lp_bad_bool(const char *v, const struct lp_flag *f, struct lp_result *r)
{
	return lp_fail(r, LP_USAGE, "invalid boolean value \"%s\" for -%s", lp_qv(v), f->name);
}

static int lp_flag_set(struct lp_config *c, const struct lp_flag *f, const char *v,
		       struct lp_parse_state *ps, struct lp_result *r)
{
	char *base = (char *)c;
	bool b;

	switch (f->kind) {
	case F_BOOL:
		if (lp_parse_bool(v, &b) < 0)
			return lp_bad_bool(v, f, r);
		*(bool *)(base + f->off) = b;
		return 0;
	case F_STR:
		*(const char **)(base + f->off) = v;
		return 0;
	case F_PORT:
		if (lp_parse_port(v, strlen(v), &c->port) < 0)
			return lp_fail(r, LP_USAGE, "invalid port \"%s\" (1-65535)", lp_qv(v));
		return 0;
	case F_DUR:
		if (lp_parse_duration(v, (int64_t *)(void *)(base + f->off)) < 0)
			return lp_fail(
				r, LP_USAGE,
				"invalid duration \"%s\" for -%s (e.g. 250ms, 1s, 1m30s; > 0)",
				lp_qv(v), f->name);
		return 0;
	case F_MODE:
		if (strcmp(v, "http") == 0)
			c->mode = LP_MODE_HTTP;
		else if (strcmp(v, "grpc") == 0)
			c->mode = LP_MODE_GRPC;
		else if (strcmp(v, "tcp") == 0)
			c->mode = LP_MODE_TCP;
		else
			return lp_fail(r, LP_USAGE, "invalid -mode \"%s\" (http, grpc or tcp)",
				       lp_qv(v));
		c->mode_given = true;
		return 0;
	case F_ADDR:
		c->addr = v;
		return 0;
	case F_METHOD:
		if (strcmp(v, "GET") == 0)
			c->method = LP_GET;
		else if (strcmp(v, "HEAD") == 0)
			c->method = LP_HEAD;
		else
			return lp_fail(r, LP_USAGE, "invalid -method \"%s\" (GET or HEAD)",
				       lp_qv(v));
		return 0;
	case F_CODES:
		c->n_codes = lp_parse_codes(v, c->codes, LP_MAX_CODE_RANGES);
		if (c->n_codes < 0)
			return lp_fail(
				r, LP_USAGE,
				"invalid -http-codes \"%s\" (e.g. 200-299 or 200,204,300-399)",
				lp_qv(v));
		return 0;
	case F_EXITS:
		if (strcmp(v, "docker") == 0)
			c->exit_mode = LP_EXIT_DOCKER;
		else if (strcmp(v, "detailed") == 0)
			c->exit_mode = LP_EXIT_DETAILED;
		else
			return lp_fail(r, LP_USAGE,
				       "invalid -exit-codes \"%s\" (docker or detailed)", lp_qv(v));
		return 0;
	case F_HHDR:
		if (lp_check_http_header(v, r) < 0)
			return -1;
		return lp_add_header(c->http_headers, &c->n_http_headers,
				     ps->from_env ? NULL : &ps->hhdr_from_env, v, f->name, r);
	case F_RHDR:
		if (lp_check_rpc_header(v, r) < 0)
			return -1;
		return lp_add_header(c->rpc_headers, &c->n_rpc_headers,
				     ps->from_env ? NULL : &ps->rhdr_from_env, v, f->name, r);
	case F_REFUSED:
		if (lp_parse_bool(v, &b) < 0)
			return lp_bad_bool(v, f, r);
		if (b)
			return lp_fail(r, LP_USAGE,
				       "-%s is not supported: a local probe must not depend on %s",
				       f->name,
				       f->name[0] == 'a' ? "ALTS handshaker services"
							 : "a SPIFFE workload API");
		return 0;
	case F_SERVICE:
		/* the first on the command line replaces the environment's; each
		 * further one adds a service */
		if (ps->from_env || !ps->service_from_cli) {
			c->service = v;
			c->n_service_more = 0;
			ps->service_from_cli = !ps->from_env;
			return 0;
		}
		if (c->n_service_more == LP_MAX_GROUPS - 1)
			return lp_fail(r, LP_USAGE, "-service: at most %d", LP_MAX_GROUPS);
		c->service_more[c->n_service_more++] = v;
		return 0;
	case F_HELP:
		c->action = LP_HELP;
		return 0;
	case F_VERSION:
		if (lp_parse_bool(v, &b) < 0)
			return lp_bad_bool(v, f, r);
		if (b)
			c->action = LP_VERSION_ACTION;
		return 0;
	case F_LICENSES:
		if (lp_parse_bool(v, &b) < 0)
			return lp_bad_bool(v, f, r);
		if (b)
			c->action = LP_LICENSES_ACTION;
		return 0;
	}
	return lp_fail(r, LP_INTERNAL, "flag kind");
}

static bool lp_flag_is_bool(const struct lp_flag *f)
{
	return f->kind == F_BOOL || f->kind == F_REFUSED || f->kind == F_HELP ||
	       f->kind == F_VERSION || f->kind == F_LICENSES;
}

/* LPROBE_CONNECT_TIMEOUT=2s -> flag "connect-timeout".  Names that are no
 * flag (LPROBE_VERSION=1.2.3 set by an image build, say) are ignored: an
 * unrelated variable must not fail every health check of a fleet. */
static int lp_parse_env(struct lp_config *c, char **envp, struct lp_parse_state *ps,
			struct lp_result *r)
{
	char name[32];
	const struct lp_flag *f;
	const char *e, *eq;
	size_t i, len;

	ps->from_env = true;
	for (; envp && *envp; envp++) {
		e = *envp;
		if (strncmp(e, "LPROBE_", 7) != 0 || !(eq = strchr(e, '=')))
			continue;
		len = (size_t)(eq - e) - 7;
		if (len >= sizeof name)
			continue;
		for (i = 0; i < len; i++) {
			char ch = e[7 + i];
			name[i] = ch == '_'		     ? '-'
				  : (ch >= 'A' && ch <= 'Z') ? (char)(ch | 0x20)
				  : (ch >= '0' && ch <= '9') ? ch
							     : '?';
		}
		f = lp_flag_find(name, len);
		if (!f || f->cli_only)
			continue;
		if (f->kind == F_MODE)
			c->mode_given = true;
		if (lp_flag_set(c, f, eq + 1, ps, r) < 0) {
			char why[LP_DETAIL_MAX];
			memcpy(why, r->detail, sizeof why);
			return lp_fail(r, LP_USAGE, "%s: %.200s", lp_qn(e, (size_t)(eq - e)), why);
		}
	}
	ps->from_env = false;
	ps->hhdr_from_env = c->n_http_headers > 0;
	ps->rhdr_from_env = c->n_rpc_headers > 0;
	return 0;
}

static int lp_parse_args(struct lp_config *c, int argc, char **argv, struct lp_parse_state *ps,
			 struct lp_result *r)
{
	const struct lp_flag *f;
	const char *a, *eq, *v;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			break;
		a += a[1] == '-' ? 2 : 1;
		if (*a == '\0') { /* "--" ends the flags */
			i++;
			break;
		}
		if (*a == '-' || *a == '=')
			return lp_fail(r, LP_USAGE, "bad flag syntax: %s", lp_qv(argv[i]));
		eq = strchr(a, '=');
		f = lp_flag_find(a, eq ? (size_t)(eq - a) : strlen(a));
		if (!f)
			return lp_fail(r, LP_USAGE, "flag provided but not defined: -%s",
				       lp_qn(a, eq ? (size_t)(eq - a) : strlen(a)));
		if (eq)
			v = eq + 1;
		else if (lp_flag_is_bool(f))
			v = "true";
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return lp_fail(r, LP_USAGE, "flag needs an argument: -%s", f->name);
		if (lp_flag_set(c, f, v, ps, r) < 0)
			return -1;
		if (f->run_wide)
			ps->run_wide = f->name;
	}
	if (i < argc)
		return lp_fail(r, LP_USAGE, "unexpected argument \"%s\"", lp_qv(argv[i]));
	return 0;
}

static int lp_requires_tls(const struct lp_config *c, struct lp_result *r)
{
	static const struct {
		const char *name;
		unsigned short off;
		bool is_bool;
	} dep[] = {
		{"tls-no-verify", OFF(tls_no_verify), true},
		{"tls-ca-cert", OFF(tls_ca_cert), false},
		{"tls-client-cert", OFF(tls_client_cert), false},
		{"tls-client-key", OFF(tls_client_key), false},
		{"tls-server-name", OFF(tls_server_name), false},
	};
	const char *base = (const char *)c;
	size_t i;
	bool set;

	for (i = 0; i < sizeof dep / sizeof dep[0]; i++) {
		set = dep[i].is_bool ? *(const bool *)(base + dep[i].off)
				     : *(const char *const *)(base + dep[i].off) != NULL;
		if (set && !c->tls)
			return lp_fail(r, LP_USAGE, "specified -%s without specifying -tls",
				       dep[i].name);
	}
	return 0;
}

/* Cross-flag rules, as fivexl/lprobe and grpc_health_probe check them. */
static int lp_validate(struct lp_config *c, struct lp_result *r)
{
	if (lp_requires_tls(c, r) < 0)
		return -1;
	if (c->tls_client_cert && !c->tls_client_key)
		return lp_fail(r, LP_USAGE,
			       "specified -tls-client-cert without specifying -tls-client-key");
	if (!c->tls_client_cert && c->tls_client_key)
		return lp_fail(r, LP_USAGE,
			       "specified -tls-client-key without specifying -tls-client-cert");
	if (c->tls_no_verify && c->tls_ca_cert)
		return lp_fail(r, LP_USAGE,
			       "cannot specify -tls-ca-cert with -tls-no-verify (CA cert would not "
			       "be used)");
	if (c->tls_no_verify && c->tls_server_name)
		return lp_fail(r, LP_USAGE,
			       "cannot specify -tls-server-name with -tls-no-verify (server name "
			       "would not be used)");
	if (c->addr && !c->mode_given)
		c->mode = LP_MODE_GRPC; /* grpc_health_probe's -addr */
	if (!lp_is_visible(c->endpoint))
		return lp_fail(r, LP_USAGE,
			       "-endpoint: only visible ASCII (no spaces, control characters or "
			       "bytes >= 0x80; percent-encode them)");
	if (c->host && (!*c->host || strlen(c->host) > LP_HOST_MAX || !lp_is_visible(c->host)))
		return lp_fail(r, LP_USAGE,
			       "-host: 1-%d bytes of visible ASCII (no spaces, control characters "
			       "or bytes >= 0x80)",
			       LP_HOST_MAX);
	if (!lp_is_safe_text(c->user_agent))
		return lp_fail(r, LP_USAGE, "-user-agent: control character or byte >= 0x80");
	if (c->tls_server_name && !lp_is_server_name(c->tls_server_name))
		return lp_fail(r, LP_USAGE,
			       "-tls-server-name \"%s\": not a DNS name (letters, digits, '-', "
			       "'_' in labels of 1-63, 253 at most) or an IP address",
			       lp_qv(c->tls_server_name));
	if (c->interval_ms && !c->wait_ms)
		return lp_fail(r, LP_USAGE, "-interval needs -wait");
	if (c->log_path && !*c->log_path)
		return lp_fail(r, LP_USAGE, "-log: empty path");
	if (c->expect_body && (!*c->expect_body || strlen(c->expect_body) > LP_EXPECT_MAX))
		return lp_fail(r, LP_USAGE, "-expect-body: must be 1-%d bytes", LP_EXPECT_MAX);
	if (c->expect_body && c->method == LP_HEAD)
		return lp_fail(r, LP_USAGE, "-expect-body needs a body: not with -method=HEAD");
	if (strlen(c->service) > LP_SERVICE_MAX)
		return lp_fail(r, LP_USAGE, "-service: at most %d bytes", LP_SERVICE_MAX);
	return 0;
}

static void lp_config_defaults(struct lp_config *c)
{
	memset(c, 0, sizeof *c);
	c->port = 8080;
	c->endpoint = "/";
	c->user_agent = "lprobe";
	c->service = "";
	c->codes[0].lo = 200, c->codes[0].hi = 299, c->n_codes = 1;
	c->connect_timeout_ms = 1000;
	c->rpc_timeout_ms = 1000;
}

int lp_config_parse(struct lp_config *c, int argc, char **argv, char **envp, struct lp_result *r)
{
	struct lp_parse_state ps = {0};

	lp_config_defaults(c);
	if (lp_parse_env(c, envp, &ps, r) < 0 || lp_parse_args(c, argc, argv, &ps, r) < 0)
		return -1;
	if (c->action != LP_RUN)
		return 0;
	return lp_validate(c, r);
}

/* The run-wide flags of the first group hold for every group. */
static void lp_copy_run_wide(struct lp_config *dst, const struct lp_config *src)
{
	dst->action = src->action;
	dst->exit_mode = src->exit_mode;
	dst->verbose = src->verbose;
	dst->no_sandbox = src->no_sandbox;
	dst->wait_ms = src->wait_ms;
	dst->interval_ms = src->interval_ms;
	dst->log_path = src->log_path;
}

/* One group: argv[first, end) with the environment as defaults.  Only a
 * command line without arguments may give an empty one. */
static int lp_parse_group(struct lp_run_config *run, int first, int end, char **argv, char **envp,
			  bool empty_ok, struct lp_result *r)
{
	struct lp_config *c = &run->group[run->n];
	struct lp_parse_state ps = {0};
	char why[LP_DETAIL_MAX];

	if (first == end && !empty_ok)
		return lp_fail(r, LP_USAGE, "empty probe group %zu (nothing around \"--\")",
			       run->n + 1);
	if (run->n == LP_MAX_GROUPS)
		return lp_fail(r, LP_USAGE, "more than %d probe groups", LP_MAX_GROUPS);
	lp_config_defaults(c);
	/* lp_parse_args reads from index 1, as it does argv */
	if (lp_parse_env(c, envp, &ps, r) < 0 ||
	    lp_parse_args(c, end - first + 1, argv + first - 1, &ps, r) < 0)
		goto error;
	if (run->n > 0 && ps.run_wide)
		return lp_fail(
			r, LP_USAGE,
			"group %zu: -%s applies to the whole run: give it in the first group",
			run->n + 1, ps.run_wide);
	if (run->n > 0)
		lp_copy_run_wide(c, &run->group[0]);
	if (c->action == LP_RUN && lp_validate(c, r) < 0)
		goto error;
	run->n++;
	return 0;
error:
	if (run->n == 0)
		return -1; /* a single probe's messages stay as they were */
	memcpy(why, r->detail, sizeof why);
	return lp_fail(r, LP_USAGE, "group %zu: %.280s", run->n + 1, why);
}

/* Appends the services of list (comma-separated) to run as groups copied
 * from group g; the first of all takes g's own place (*k counts them). */
static int lp_add_services(struct lp_run_config *run, size_t g, const char *list, size_t *k,
			   struct lp_result *r)
{
	const char *s, *comma;
	size_t len, dst;

	for (s = list;; s = comma + 1) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		/* "a,,b", "a,", ",a": no hidden whole-server check in a list (a
		 * -service= of its own is one) */
		if (len == 0 && (comma || s != list))
			return lp_fail(r, LP_USAGE,
				       "-service list with an empty name (the whole server is its "
				       "own group: -service=)");
		if (len > LP_SERVICE_MAX)
			return lp_fail(r, LP_USAGE, "-service: at most %d bytes", LP_SERVICE_MAX);
		dst = *k == 0 ? g : run->n;
		if (dst == LP_MAX_GROUPS)
			return lp_fail(r, LP_USAGE,
				       "more than %d probe groups (each -service counts)",
				       LP_MAX_GROUPS);
		if (*k > 0) {
			run->rides[run->n] = (unsigned char)g; /* one connection, a stream each */
			run->group[run->n++] = run->group[g];
		}
		memcpy(run->names[dst], s, len);
		run->names[dst][len] = '\0';
		run->group[dst].service = run->names[dst];
		run->group[dst].n_service_more = 0;
		(*k)++;
		if (!comma)
			return 0;
	}
}

/* -service=a,b or a repeated -service (grpc): one group per service
 * (grpc-health-probe #92), each with the rest of its group's flags. */
static int lp_split_services(struct lp_run_config *run, struct lp_result *r)
{
	size_t g, n = run->n, k;
	int i;

	for (g = 0; g < n; g++) {
		struct lp_config c = run->group[g]; /* its lists, before the first is replaced */
		if (c.mode != LP_MODE_GRPC || (!strchr(c.service, ',') && c.n_service_more == 0))
			continue;
		k = 0;
		if (lp_add_services(run, g, c.service, &k, r) < 0)
			return -1;
		for (i = 0; i < c.n_service_more; i++)
			if (lp_add_services(run, g, c.service_more[i], &k, r) < 0)
				return -1;
	}
	return 0;
}

int lp_config_parse_run(struct lp_run_config *run, int argc, char **argv, char **envp,
			struct lp_result *r)
{
	int i, first = 1;

	run->n = 0;
	for (i = 0; i < LP_MAX_GROUPS; i++)
		run->rides[i] = (unsigned char)i;
	for (i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "--") != 0)
			continue;
		if (lp_parse_group(run, first, i, argv, envp, argc == 1, r) < 0)
			return -1;
		if (run->group[0].action != LP_RUN)
			return 0; /* -h, -version: the rest is not looked at */
		first = i + 1;
	}
	return lp_split_services(run, r);
}

void lp_config_usage(void)
{
	fputs("usage: lprobe [flags] [-- flags ...]   (every flag also as LPROBE_<NAME>)\n"
	      "Probe a service on loopback or a unix socket; exit 0 if healthy.\n"
	      "Groups separated by -- are probed at once (up to 16); healthy iff all are.\n\n"
	      "  -mode http|grpc|tcp     what to probe (default http)\n"
	      "  -port N                 port on 127.0.0.1 (default 8080)\n"
	      "  -ipv6                   probe ::1 instead of 127.0.0.1\n"
	      "  -addr [host]:port       grpc_health_probe form; implies -mode=grpc\n"
	      "  -unix PATH              probe a unix stream socket\n"
	      "  -connect-timeout D      http: whole probe; grpc, tcp: connect+TLS (default 1s)\n"
	      "  -rpc-timeout D          grpc: the RPC (default 1s)\n"
	      "  -exit-codes docker|detailed   1 for every failure, or 1-4 (default docker)\n"
	      "  -v                      verbose, on stderr\n"
	      "  -wait D [-interval D]   repeat until healthy, at most D (interval 1s)\n"
	      "  -log PATH               also write the failure line there (e.g. /proc/1/fd/2)\n"
	      "  -no-sandbox             probe even where seccomp is refused (INSECURE)\n\n"
	      "http:  -endpoint /path  -http-codes 200-299  -method GET|HEAD  -host NAME\n"
	      "       -http-header 'Name: value' (repeatable)  -expect-body TEXT  -user-agent UA\n"
	      "grpc:  -service NAME  -rpc-header 'name: value' (repeatable)  -gzip\n"
	      "tls:   -tls  -tls-ca-cert F  -tls-client-cert F  -tls-client-key F\n"
	      "       -tls-server-name NAME  -tls-no-verify\n"
	      "other: -version  -licenses  -h\n\n"
	      "Full reference: lprobe.1 in the release archive (man ./lprobe.1).\n",
	      stdout);
}
