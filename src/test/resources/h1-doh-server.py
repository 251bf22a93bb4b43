#!/usr/bin/env python3
"""An HTTP/1.1-only DNS-over-HTTPS server for tests (Python's standard library, no HTTP/2): it picks ALPN
http/1.1 whatever the client offers, takes POSTs of application/dns-message, asks a plain DNS server over UDP and
answers with its reply. Prints one line per request: the HTTP version and the method.

    h1-doh-server.py PORT CERT KEY DNS_PORT
"""
import http.server
import socket
import ssl
import sys
import threading

port, cert, key, dns_port = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
# One line per request, whole: requests run on their own threads, and print() writes the text and its newline
# apart, so two at once could share a line.
printing = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        query = self.rfile.read(int(self.headers["Content-Length"]))
        with printing:
            print(self.request_version, "POST", self.headers.get("Content-Type"), flush=True)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2)
            s.sendto(query, ("127.0.0.1", dns_port))
            answer, _ = s.recvfrom(65535)
        self.send_response(200)
        self.send_header("Content-Type", "application/dns-message")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
context.set_alpn_protocols(["http/1.1"])
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening", flush=True)
server.serve_forever()
