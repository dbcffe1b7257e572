"""HTTP mode against servers that stall, flood, lie, hang up or talk nonsense.

Whatever the server does, lprobe must answer within its timeout (plus a little), with one
clean line on stderr, and with a small, fixed amount of memory.
"""

import pytest

import servers

TIMEOUT = "500ms"
BUDGET = 0.5 + 0.15      # seconds: the timeout plus slack for process start-up and the CI box
MAX_RSS_KIB = 2048       # SPEC: peak RSS under 2 MiB


def probe(lprobe, server, *flags, **options):
    return lprobe(f"-port={server.port}", f"-connect-timeout={TIMEOUT}", *flags, **options)


# Each hostile server with the key part of the message it must produce ({addr} is the
# server's address); None where more than one wording is right.
HOSTILE = [
    pytest.param(servers.silent,
                 "timeout after 500ms waiting for response headers from {addr}", id="silent"),
    pytest.param(servers.slowloris, "timeout after 500ms", id="slowloris"),
    pytest.param(servers.huge_headers,
                 "response headers from {addr} exceed 64 KiB", id="huge-headers"),
    pytest.param(servers.huge_header_line,
                 "response headers from {addr} exceed 64 KiB", id="huge-header-line"),
    pytest.param(servers.garbage, "malformed HTTP response from {addr}: ", id="garbage"),
    pytest.param(servers.close_without_reading, None, id="close-without-reading"),
    pytest.param(servers.close_after_request,
                 "connection closed by {addr} before the response headers were complete",
                 id="close-after-request"),
    pytest.param(servers.close_mid_headers,
                 "connection closed by {addr} before the response headers were complete",
                 id="close-mid-headers"),
    pytest.param(servers.reset, "connection reset by {addr}", id="reset"),
]


@pytest.mark.parametrize("behaviour, expected", HOSTILE)
def test_hostile_server_is_unhealthy_with_one_line_in_time(lprobe, serve, behaviour,
                                                           expected):
    server = serve(behaviour)
    run = probe(lprobe, server)
    message = run.assert_failed()
    if expected:
        assert expected.format(addr=server.address) in message, run
    else:
        assert server.address in message, run
    run.assert_within(BUDGET)


@pytest.mark.parametrize("behaviour, expected", HOSTILE)
def test_hostile_server_is_a_protocol_failure_in_detailed_mode(lprobe, serve, behaviour,
                                                               expected):
    run = probe(lprobe, serve(behaviour), "-exit-codes=detailed")
    run.assert_failed(exit_code=3)
    run.assert_within(BUDGET)


# -- malformed responses -------------------------------------------------------------------

MALFORMED = {
    # status lines
    "http2-version": b"HTTP/2 200 OK\r\n\r\n",
    "not-http": b"<html>ok</html>\r\n\r\n",
    "lowercase-protocol": b"http/1.1 200 OK\r\n\r\n",
    "two-digit-status": b"HTTP/1.1 20 OK\r\n\r\n",
    "four-digit-status": b"HTTP/1.1 2000 OK\r\n\r\n",
    "signed-status": b"HTTP/1.1 +200 OK\r\n\r\n",
    "no-space-before-reason": b"HTTP/1.1 200OK\r\n\r\n",
    "letters-in-status": b"HTTP/1.1 2x0 OK\r\n\r\n",
    "empty-status-line": b"\r\n\r\n",
    # header sections
    "header-without-colon": b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
    "negative-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "conflicting-content-lengths":
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc",
    "overflowing-content-length":
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_head_is_a_protocol_failure(lprobe, serve, raw):
    server = serve(servers.respond(raw))
    run = probe(lprobe, server, "-exit-codes=detailed")
    run.assert_failed(f"malformed HTTP response from {server.address}", exit_code=3)
    run.assert_within(BUDGET)


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize("size_line", [b"zz", b"-5", b"", b" 5"],
                         ids=["letters", "negative", "empty", "leading-space"])
@pytest.mark.parametrize("before", [b"", b"5\r\nhello\r\n"], ids=["first", "second"])
def test_malformed_chunk_size_is_a_protocol_failure(lprobe, serve, before, size_line):
    raw = CHUNKED_HEAD + before + size_line + b"\r\nthe-marker\r\n0\r\n\r\n"
    run = probe(lprobe, serve(servers.respond(raw, hold=True)), "-expect-body=the-marker",
                "-exit-codes=detailed")
    run.assert_failed("malformed HTTP response", "chunk", exit_code=3)
    run.assert_within(0.3)


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 999 Odd\r\n\r\n",
    b"HTTP/1.1 099 Odd\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n",        # the blank line never comes
], ids=["status-999", "status-099", "missing-final-crlf"])
def test_odd_response_is_unhealthy(lprobe, serve, raw):
    run = probe(lprobe, serve(servers.respond(raw)))
    run.assert_failed()
    run.assert_within(BUDGET)


# -- what is quoted from the server is tamed -----------------------------------------------

# Terminal escapes, a bell, NUL, a lone CR, bytes above 0x7F, then 1000 quotable bytes.
NASTY = b"\x1b]0;pwned\x07\x1b[2J\x00\r\xff\xfe" + b"A" * 1000

QUOTING = {
    "garbage": servers.GARBAGE + b"\r\n\r\n",
    "status-line": b"HTTP/1.1 2" + NASTY + b"\r\n\r\n",
    "reason-phrase": b"HTTP/1.1 503 " + NASTY + b"\r\n\r\n",
}


@pytest.mark.parametrize("raw", QUOTING.values(), ids=QUOTING.keys())
def test_text_from_the_server_is_printable_and_cut_short(lprobe, serve, raw):
    run = probe(lprobe, serve(servers.respond(raw, hold=True)))
    message = run.assert_failed()   # also asserts: one line, printable ASCII only
    assert "A" * 129 not in message, f"more than 128 bytes quoted\n{run}"
    assert len(message) <= 400, f"message is {len(message)} characters long\n{run}"


# -- endless or enormous answers: bounded time and memory ----------------------------------

FRAMINGS = ["content-length", "chunked", "http/1.0"]


@pytest.mark.parametrize("framing", FRAMINGS)
def test_endless_body_is_healthy_without_reading_it(lprobe, serve, framing):
    run = probe(lprobe, serve(servers.endless_body(framing)), measure_rss=True)
    run.assert_healthy()
    run.assert_within(BUDGET)
    assert run.max_rss_kib < MAX_RSS_KIB, run


@pytest.mark.parametrize("framing", FRAMINGS)
def test_endless_body_without_expected_text_is_unhealthy_after_64_kib(lprobe, serve,
                                                                        framing):
    run = probe(lprobe, serve(servers.endless_body(framing)), "-expect-body=never-sent",
                measure_rss=True)
    run.assert_failed('does not contain "never-sent"')
    run.assert_within(BUDGET)
    assert run.max_rss_kib < MAX_RSS_KIB, run


@pytest.mark.parametrize("behaviour", [servers.huge_headers, servers.huge_header_line],
                         ids=["huge-headers", "huge-header-line"])
def test_huge_headers_use_little_memory(lprobe, serve, behaviour):
    run = probe(lprobe, serve(behaviour), measure_rss=True)
    run.assert_failed("exceed 64 KiB")
    assert run.max_rss_kib < MAX_RSS_KIB, run


# -- the 64 KiB body window is exact -------------------------------------------------------

def window_response(marker_end):
    """A body of dots with "the-marker" ending at byte `marker_end`; the bytes around the
    64 KiB boundary arrive together, in a read of their own."""
    marker = b"the-marker"
    body = b"." * (marker_end - len(marker)) + marker + b"." * 4096
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    split = 64 * 1024 - 100
    return servers.respond_in_parts(head + body[:split], body[split:], hold=True)


@pytest.mark.parametrize("marker_end, healthy", [
    (64 * 1024, True),
    (64 * 1024 + 5, False),
    (64 * 1024 + 10, False),
], ids=["ending-at-64-kib", "straddling-64-kib", "starting-after-64-kib"])
def test_expect_body_looks_at_exactly_the_first_64_kib(lprobe, serve, marker_end, healthy):
    run = probe(lprobe, serve(window_response(marker_end)), "-expect-body=the-marker")
    if healthy:
        run.assert_healthy()
    else:
        run.assert_failed('does not contain "the-marker"')


# -- unusual but valid responses -----------------------------------------------------------

def test_response_trickled_within_the_timeout_is_healthy(lprobe, serve):
    server = serve(servers.trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    lprobe(f"-port={server.port}", "-connect-timeout=3s").assert_healthy()


@pytest.mark.parametrize("interim", [
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\n",
], ids=["100", "103"])
def test_interim_1xx_response_is_skipped(lprobe, serve, interim):
    server = serve(servers.respond(interim + servers.OK, hold=True))
    probe(lprobe, server, "-expect-body=ok").assert_healthy()


def test_headers_just_under_64_kib_are_accepted(lprobe, serve):
    headers = (b"X-Filler: " + b"a" * 1012 + b"\r\n") * 60
    server = serve(servers.respond(b"HTTP/1.1 200 OK\r\n" + headers + b"\r\n", hold=True))
    probe(lprobe, server).assert_healthy()


def test_verdict_comes_with_the_headers_when_no_body_is_expected(lprobe, serve):
    # No Content-Length: the body would run until close, but nobody needs it.
    server = serve(servers.respond(b"HTTP/1.1 200 OK\r\n\r\n", hold=True))
    run = lprobe(f"-port={server.port}", "-connect-timeout=2s")
    run.assert_healthy()
    run.assert_within(0.5)


def test_head_response_body_is_not_awaited(lprobe, serve):
    server = serve(servers.respond(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
                                   hold=True))
    run = lprobe(f"-port={server.port}", "-method=HEAD", "-connect-timeout=2s")
    run.assert_healthy()
    run.assert_within(0.5)


def test_marker_split_across_chunks_is_found(lprobe, serve):
    server = serve(servers.chunked([b"hello chun", b"ked-mar", b"ker", b" and bye"]))
    run = probe(lprobe, server, "-expect-body=chunked-marker")
    run.assert_healthy()


def test_chunk_framing_is_not_part_of_the_body(lprobe, serve):
    # On the wire: "5\r\nhello\r\n5;name=value\r\nworld\r\n0\r\n\r\n"; the body is "helloworld".
    server = serve(servers.chunked([b"hello", b"world"]))
    probe(lprobe, server, "-expect-body=helloworld").assert_healthy()
    probe(lprobe, server, "-expect-body=name=value").assert_failed("does not contain")


def test_end_of_chunked_body_is_seen_without_waiting_for_close(lprobe, serve):
    server = serve(servers.chunked([b"nothing", b"to see"], hold=True))
    run = lprobe(f"-port={server.port}", "-connect-timeout=2s", "-expect-body=absent")
    run.assert_failed('does not contain "absent"')
    run.assert_within(1.0)


def test_end_of_content_length_body_is_seen_without_waiting_for_close(lprobe, serve):
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    server = serve(servers.respond(raw, hold=True))
    run = lprobe(f"-port={server.port}", "-connect-timeout=2s", "-expect-body=absent")
    run.assert_failed('does not contain "absent"')
    run.assert_within(1.0)


def test_http10_body_read_until_close_is_searched(lprobe, serve):
    server = serve(servers.http10_no_length(b"lots of text, then the-marker, then more"))
    probe(lprobe, server, "-expect-body=the-marker").assert_healthy()


def test_http10_status_line_is_accepted(lprobe, serve):
    probe(lprobe, serve(servers.respond(b"HTTP/1.0 200 OK\r\n\r\n"))).assert_healthy()


def test_short_body_behind_a_lying_content_length_is_unhealthy(lprobe, serve):
    run = probe(lprobe, serve(servers.lying_length), "-expect-body=never-sent")
    run.assert_failed()
    run.assert_within(BUDGET)
