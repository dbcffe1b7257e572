/*
 * grpc_proto.h -- the bytes of a grpc.health.v1 call, without I/O:
 * the two protobuf messages, gRPC's length-prefixed framing, and the
 * header values (grpc-timeout, grpc-message, -bin metadata).
 *
 *   message HealthCheckRequest  { string service = 1; }
 *   message HealthCheckResponse { ServingStatus status = 1; }
 *   enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2;
 *                        SERVICE_UNKNOWN = 3; }
 */
#ifndef LP_GRPC_PROTO_H
#define LP_GRPC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_SERVICE_MAX 1024 /* -service name length */

#define LP_GRPC_PREFIX	5 /* compressed flag + 32-bit big-endian length */
#define LP_GRPC_REQ_MAX (LP_GRPC_PREFIX + 16 + LP_SERVICE_MAX + 64) /* request, even gzipped */

/* lp_pb_health_request: the output does not fit (0 is a valid length:
 * the empty service encodes to nothing). */
#define LP_PB_NO_ROOM ((size_t)-1)

/* Encodes HealthCheckRequest{service} (proto3: an empty string is not
 * sent, so "" encodes to 0 bytes).  Returns the length, or LP_PB_NO_ROOM
 * if cap is under 11 + slen (tag, the longest varint, the name). */
size_t lp_pb_health_request(unsigned char *out, size_t cap, const char *service, size_t slen);

/* Decodes HealthCheckResponse: *status is field 1 (last one wins, absent
 * is UNKNOWN = 0); unknown fields are skipped by wire type.  Returns 0, or
 * -1 for a malformed varint, length, wire type or a truncated field. */
int lp_pb_health_status(const unsigned char *msg, size_t len, uint64_t *status);

/* Writes the 5-byte message prefix. */
void lp_grpc_prefix(unsigned char *out, bool compressed, uint32_t len);

/* lp_grpc_message's returns. */
#define LP_GRPC_MSG_ONE	      0	   /* exactly one message */
#define LP_GRPC_MSG_TRUNCATED (-1) /* shorter than its prefix says, or a bad flag */
#define LP_GRPC_MSG_TRAILING  (-2) /* bytes follow the message: more than one */

/* Splits a complete DATA payload into exactly one message.  Returns
 * LP_GRPC_MSG_ONE with *compressed, *msg and *mlen set, or one of the
 * other LP_GRPC_MSG_* values. */
int lp_grpc_message(const unsigned char *buf, size_t len, bool *compressed,
		    const unsigned char **msg, size_t *mlen);

/* grpc-timeout value for ms (gRPC over HTTP/2: at most 8 digits and a
 * unit).  buf of 16 bytes. */
void lp_grpc_timeout_value(int64_t ms, char *buf, size_t cap);

/* Percent-decodes a grpc-message value in place-safe fashion into out
 * (capacity cap, NUL-terminated).  Returns the decoded length. */
size_t lp_grpc_percent_decode(const unsigned char *in, size_t len, char *out, size_t cap);

/* Base64 (RFC 4648, unpadded as gRPC emits it) of len bytes into out.
 * Returns the length, or 0 if cap is too small. */
size_t lp_base64(const unsigned char *in, size_t len, char *out, size_t cap);

/* Wraps len bytes as a gzip member (RFC 1952) holding one stored deflate
 * block (RFC 1951 §3.2.4): valid gzip that any inflater reads, written
 * without linking a compressor for a message of a few bytes.  Returns the
 * length, or 0 if cap is too small or len > 65535. */
size_t lp_gzip_stored(const unsigned char *in, size_t len, unsigned char *out, size_t cap);

/* "OK", "NOT_FOUND", ... for a grpc-status code, or NULL. */
const char *lp_grpc_code_name(uint64_t code);

/* "SERVING", ... for a ServingStatus, or NULL. */
const char *lp_grpc_serving_name(uint64_t status);

#endif
