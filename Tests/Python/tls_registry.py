"""A schema registry stand-in over TLS for the client's TLS tests (SchemaRegistryTLSTests).

Usage: tls_registry.py CERT KEY [CLIENT_CA]
Serves GET /schemas/ids/1 over HTTPS on a free loopback port; with CLIENT_CA it requires a client
certificate signed by it (mutual TLS). Prints "port N" once listening, and the Authorization header
of each request ("auth ..."), then serves until killed.
"""

import http.server
import json
import ssl
import sys

SCHEMA = '{"type":"record","name":"R","fields":[{"name":"path","type":"string"}]}'


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        print("auth", self.headers.get("Authorization", "-"), flush=True)
        if self.path == "/schemas/ids/1":
            body = json.dumps({"schema": SCHEMA}).encode()
            self.send_response(200)
        else:
            body = json.dumps({"error_code": 40403, "message": "Schema not found"}).encode()
            self.send_response(404)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    cert, key = sys.argv[1], sys.argv[2]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if len(sys.argv) > 3:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(sys.argv[3])
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("port", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
