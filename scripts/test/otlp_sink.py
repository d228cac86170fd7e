#!/usr/bin/env python3
"""A minimal OTLP/HTTP protobuf receiver for the export tests.

It stands behind the real collector (rotel) and writes what reaches it to a
file, one JSON object per line, so a test can assert on exactly what was
exported:

    {"type": "span", "name": ..., "trace_id": hex, "span_id": hex,
     "parent_span_id": hex or "", "kind": "SPAN_KIND_SERVER",
     "attributes": {key: typed value}, "status": {"code": "STATUS_CODE_ERROR",
     "message": ...}, "events": [{"name": ..., "attributes": {...}}],
     "resource": {...}, "scope": name}
    {"type": "metric", "name": ..., "data": "sum" | "gauge" | "histogram" | ...,
     "value": number (a histogram's count), "attributes": {...}, "resource": {...}}

A typed value is {"string": s}, {"int": n}, {"double": x}, {"bool": b},
{"bytes": hex}, {"array": [typed values]} or {"kvlist": {key: typed value}}.

Usage: otlp_sink.py OUT_FILE [--port N]. Listens on 127.0.0.1 (port 0 picks a
free one) and prints "listening PORT" on stdout once it accepts requests.
Accepts POST /v1/traces and /v1/metrics, gzip-encoded or not.
"""

import argparse
import gzip
import json
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

LOCK = threading.Lock()


def typed(value):
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return {"string": value.string_value}
    if kind == "int_value":
        return {"int": value.int_value}
    if kind == "double_value":
        return {"double": value.double_value}
    if kind == "bool_value":
        return {"bool": value.bool_value}
    if kind == "bytes_value":
        return {"bytes": value.bytes_value.hex()}
    if kind == "array_value":
        return {"array": [typed(v) for v in value.array_value.values]}
    if kind == "kvlist_value":
        return {"kvlist": attributes(value.kvlist_value.values)}
    return None


def attributes(key_values):
    return {kv.key: typed(kv.value) for kv in key_values}


def span_records(request):
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "type": "span",
                    "name": span.name,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "kind": trace_pb2.Span.SpanKind.Name(span.kind),
                    "attributes": attributes(span.attributes),
                    "status": {
                        "code": trace_pb2.Status.StatusCode.Name(span.status.code),
                        "message": span.status.message,
                    },
                    "events": [
                        {"name": e.name, "attributes": attributes(e.attributes)}
                        for e in span.events
                    ],
                    "resource": resource,
                    "scope": scope_spans.scope.name,
                }


def point_value(point):
    which = point.WhichOneof("value")
    return getattr(point, which) if which else None


def metric_records(request):
    for resource_metrics in request.resource_metrics:
        resource = attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                data = metric.WhichOneof("data")
                for point in getattr(metric, data).data_points:
                    if data in ("histogram", "exponential_histogram", "summary"):
                        value = point.count
                    else:
                        value = point_value(point)
                    yield {
                        "type": "metric",
                        "name": metric.name,
                        "data": data,
                        "value": value,
                        "attributes": attributes(point.attributes),
                        "resource": resource,
                        "scope": scope_metrics.scope.name,
                    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    out_path = None

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            if self.path.startswith("/v1/traces"):
                request = trace_service_pb2.ExportTraceServiceRequest()
                request.ParseFromString(body)
                records = list(span_records(request))
                response = trace_service_pb2.ExportTraceServiceResponse()
            elif self.path.startswith("/v1/metrics"):
                request = metrics_service_pb2.ExportMetricsServiceRequest()
                request.ParseFromString(body)
                records = list(metric_records(request))
                response = metrics_service_pb2.ExportMetricsServiceResponse()
            else:
                records, response = [], None
        except Exception as error:  # a bad request must not stop the sink
            print(f"otlp_sink: {self.path}: {error}", file=sys.stderr, flush=True)
            self.reply(400, b"")
            return
        if records:
            with LOCK, open(self.out_path, "a", encoding="utf-8") as out:
                for record in records:
                    out.write(json.dumps(record, sort_keys=True) + "\n")
        self.reply(200, response.SerializeToString() if response is not None else b"")

    def reply(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # quiet: the test output stays readable
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="file to append JSON lines to")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    Handler.out_path = args.out
    open(args.out, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
