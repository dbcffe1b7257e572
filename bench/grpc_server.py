#!/usr/bin/python3
"""Minimal gRPC health server for the benchmarks: grpc.health.v1.Health/Check
answers SERVING for every service.  Uses grpc_health.v1 when it is importable;
Debian's python3-grpcio does not ship it, so otherwise the Check handler is a
generic handler with hand-encoded protobuf (HealthCheckResponse{status:
SERVING} is the two bytes 08 01).

    /usr/bin/python3 bench/grpc_server.py PORT     (listens on 127.0.0.1:PORT)
"""
import signal
import sys
from concurrent import futures

import grpc

SERVING = b"\x08\x01"


def main():
    port = int(sys.argv[1])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    try:
        from grpc_health.v1 import health, health_pb2, health_pb2_grpc

        servicer = health.HealthServicer()
        servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
        impl = "grpc_health.v1"
    except ImportError:
        def check(request, context):  # request: raw HealthCheckRequest bytes
            return SERVING

        handler = grpc.method_handlers_generic_handler(
            "grpc.health.v1.Health",
            {"Check": grpc.unary_unary_rpc_method_handler(check)},
        )
        server.add_generic_rpc_handlers((handler,))
        impl = "generic handler"
    if server.add_insecure_port("127.0.0.1:%d" % port) != port:
        sys.exit("grpc_server: cannot listen on 127.0.0.1:%d" % port)
    server.start()
    print("grpc_server: %s on 127.0.0.1:%d" % (impl, port), file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
