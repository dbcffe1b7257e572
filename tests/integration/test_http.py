"""HTTP mode against a real nginx: statuses, address families, bodies, environment."""

import uuid

import pytest


def token():
    """A unique query string value, to find this test's request in nginx's access log."""
    return uuid.uuid4().hex


# -- reaching the server -------------------------------------------------------------------

def test_200_over_ipv4_is_healthy(lprobe, nginx):
    lprobe(f"-port={nginx.port}").assert_healthy()


def test_ipv6_flag_probes_ipv6_loopback(lprobe, nginx):
    mark = token()
    lprobe(f"-port={nginx.port}", "-ipv6", f"-endpoint=/?t={mark}").assert_healthy()
    [line] = nginx.requests_with(mark)
    assert line.startswith("::1 "), line


def test_ipv6_only_server_is_reached_by_falling_back_from_ipv4(lprobe, nginx):
    lprobe(f"-port={nginx.v6_only_port}").assert_healthy()


def test_unix_socket_is_healthy(lprobe, nginx):
    mark = token()
    lprobe(f"-unix={nginx.unix_path}", f"-endpoint=/healthz?t={mark}").assert_healthy()
    [line] = nginx.requests_with(mark)
    assert line.startswith("unix: "), line


def test_closed_port_is_refused(lprobe, closed_port):
    lprobe(f"-port={closed_port}").assert_failed(
        f"lprobe: connect 127.0.0.1:{closed_port}: connection refused")


# -- statuses ------------------------------------------------------------------------------

def test_204_is_healthy(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/204").assert_healthy()


@pytest.mark.parametrize("status", [404, 503])
def test_error_status_is_unhealthy(lprobe, nginx, status):
    lprobe(f"-port={nginx.port}", f"-endpoint=/{status}").assert_failed(
        f"lprobe: unhealthy: HTTP {status} from 127.0.0.1:{nginx.port}/{status}")


def test_301_is_unhealthy_by_default(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/301").assert_failed("HTTP 301")


def test_301_is_healthy_when_3xx_are_accepted(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/301", "-http-codes=200-399").assert_healthy()


def test_redirect_is_never_followed(lprobe, nginx):
    # /302-local redirects to a healthy page on the same nginx, keeping the query string:
    # following it would make the probe healthy and log a second request with our token.
    mark = token()
    lprobe(f"-port={nginx.port}", f"-endpoint=/302-local?t={mark}").assert_failed("HTTP 302")
    [line] = nginx.requests_with(mark)
    assert f'"GET /302-local?t={mark} HTTP/1.1" 302' in line


@pytest.mark.parametrize("codes, endpoint, healthy", [
    ("200,503", "/503", True),
    ("200,503", "/404", False),
    ("200,503", "/", True),
    ("503", "/", False),
    ("200-299,404", "/404", True),
    ("204", "/204", True),
    ("300-399,500-599", "/503", True),
])
def test_http_codes_list_decides_which_statuses_are_healthy(lprobe, nginx, codes, endpoint,
                                                              healthy):
    run = lprobe(f"-port={nginx.port}", f"-endpoint={endpoint}", f"-http-codes={codes}")
    if healthy:
        run.assert_healthy()
    else:
        run.assert_failed("unhealthy: HTTP ")


def test_head_request_is_sent_and_healthy(lprobe, nginx):
    mark = token()
    lprobe(f"-port={nginx.port}", "-method=HEAD", f"-endpoint=/healthz?t={mark}").assert_healthy()
    [line] = nginx.requests_with(mark)
    assert f'"HEAD /healthz?t={mark} HTTP/1.1" 200' in line


def test_head_of_a_big_resource_does_not_wait_for_a_body(lprobe, nginx):
    run = lprobe(f"-port={nginx.port}", "-method=HEAD", "-endpoint=/big")
    run.assert_healthy()
    run.assert_within(0.5)


def test_endpoint_without_leading_slash_gets_one(lprobe, nginx):
    mark = token()
    lprobe(f"-port={nginx.port}", f"-endpoint=healthz?t={mark}").assert_healthy()
    [line] = nginx.requests_with(mark)
    assert f'"GET /healthz?t={mark} HTTP/1.1" 200' in line


# -- detailed exit codes -------------------------------------------------------------------

def test_detailed_exit_code_for_unaccepted_status_is_4(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/503", "-exit-codes=detailed").assert_failed(
        "HTTP 503", exit_code=4)


def test_detailed_exit_code_for_refused_connection_is_2(lprobe, closed_port):
    lprobe(f"-port={closed_port}", "-exit-codes=detailed").assert_failed(
        "connection refused", exit_code=2)


def test_detailed_exit_code_for_missing_body_text_is_4(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/healthz", "-expect-body=xyz",
           "-exit-codes=detailed").assert_failed("does not contain", exit_code=4)


def test_detailed_exit_code_for_healthy_is_0(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-exit-codes=detailed").assert_healthy()


# -- bodies --------------------------------------------------------------------------------

def test_expect_body_found_is_healthy(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/healthz",
           "-expect-body=status: healthy").assert_healthy()


def test_expect_body_missing_is_unhealthy(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/healthz", "-expect-body=xyz").assert_failed(
        f'lprobe: unhealthy: body of HTTP 200 from 127.0.0.1:{nginx.port}/healthz '
        f'does not contain "xyz"')


def test_expect_body_found_at_the_start_of_a_10_mib_body(lprobe, nginx):
    run = lprobe(f"-port={nginx.port}", "-endpoint=/big", f"-expect-body={nginx.start_marker}")
    run.assert_healthy()
    run.assert_within(0.5)


def test_expect_body_ending_exactly_at_64_kib_is_found(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/edge",
           f"-expect-body={nginx.edge_marker}").assert_healthy()


def test_expect_body_after_the_first_64_kib_is_not_found(lprobe, nginx):
    run = lprobe(f"-port={nginx.port}", "-endpoint=/big", f"-expect-body={nginx.late_marker}")
    run.assert_failed("does not contain", nginx.late_marker)
    run.assert_within(0.5)


def test_expect_body_found_in_a_chunked_body(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/chunked",
           f"-expect-body={nginx.chunked_marker}").assert_healthy()


def test_big_body_is_healthy_quickly_without_expect_body(lprobe, nginx):
    run = lprobe(f"-port={nginx.port}", "-endpoint=/big")
    run.assert_healthy()
    run.assert_within(0.3)


# -- environment ---------------------------------------------------------------------------

def test_port_and_endpoint_come_from_the_environment(lprobe, nginx):
    run = lprobe(env={"LPROBE_PORT": str(nginx.port), "LPROBE_ENDPOINT": "/503"})
    run.assert_failed(f"HTTP 503 from 127.0.0.1:{nginx.port}/503")


def test_http_codes_come_from_the_environment(lprobe, nginx):
    lprobe(f"-port={nginx.port}", "-endpoint=/301",
           env={"LPROBE_HTTP_CODES": "200-399"}).assert_healthy()


def test_command_line_wins_over_the_environment(lprobe, nginx, closed_port):
    run = lprobe(f"-port={nginx.port}", "-endpoint=/healthz",
                 env={"LPROBE_PORT": str(closed_port), "LPROBE_ENDPOINT": "/503"})
    run.assert_healthy()
