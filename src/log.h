/*
 * log.h -- the lines lprobe writes: "lprobe: " + text + newline, each in
 * one write(2), so it reaches Docker's log (or a -log pipe) whole even
 * when other processes write there too.
 */
#ifndef LP_LOG_H
#define LP_LOG_H

#include <stddef.h>

#include "result.h"

/* Writes "lprobe: <msg>\n" to fd in one write(2), cutting msg to fit. */
void lp_log_line(int fd, const char *msg);

/* -log PATH: opens an existing pipe, character device or regular file for
 * appending, never creating one (no O_CREAT), without blocking; connects
 * to a unix socket (datagram, else stream), which cannot be opened.
 * Returns the fd, or -1 with r set (LP_USAGE). */
int lp_log_open(const char *path, struct lp_result *r);

/* Verbose logging to stderr, one "lprobe: " line per call. */
void lp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
