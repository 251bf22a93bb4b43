#!/usr/bin/env python3
"""Start-up time, idle resident size and memory per idle DoT connection of one DNS server, on loopback.

    footprint.py NAME UDP_PORT DOT_PORT CA_FILE CONNECTIONS -- COMMAND...

Starts COMMAND, asks c0.bench.test over UDP every 2 ms until an answer to any of those probes comes (start-up:
from the spawn to that answer), waits 3 s and reads VmRSS (idle), then opens CONNECTIONS DoT connections (TLS 1.3, ALPN "dot", the
certificate checked against CA_FILE), asks one question on each so every server has set its connection fully up,
and holds them all open for 3 s before reading VmRSS again: (after - idle) / CONNECTIONS is the memory per idle
connection, first CONNECTIONS. Then it opens CONNECTIONS more the same way: the growth over those, per connection,
is the marginal cost, without what a server grows once whatever the count (a JVM touching heap it had reserved
but not used yet, allocator arenas). Prints one line: NAME startup_ms idle_rss_kb first_per_conn_bytes
marginal_per_conn_bytes. The process is the spawned one
(unbound -d, dnsdist --supervised and java -jar all stay in the foreground).
"""
import socket
import ssl
import struct
import subprocess
import sys
import time


def query(name, qid):
    wire = struct.pack(">6H", qid, 0x0100, 1, 0, 0, 0)
    wire += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    return wire


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def main():
    name, udp_port, dot_port, ca, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.settimeout(0.002)
        startup = None
        qid = 1
        while time.monotonic() - start < 30:
            udp.sendto(query("c0.bench.test", qid), ("127.0.0.1", udp_port))
            try:
                data = udp.recv(4096)
                if len(data) >= 12 and data[2] & 0x80:  # any probe's answer: the server is up
                    startup = time.monotonic() - start
                    break
            except (socket.timeout, ConnectionRefusedError):
                pass
            qid = (qid + 1) & 0xFFFF
        if startup is None:
            print("%s - - - -" % name)
            return
        time.sleep(3)
        idle = rss_kb(proc.pid)
        ctx = ssl.create_default_context(cafile=ca)
        ctx.check_hostname = False
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.set_alpn_protocols(["dot"])
        held = []
        q = query("c0.bench.test", 7)

        def open_connections():
            for _ in range(count):
                raw = socket.create_connection(("127.0.0.1", dot_port), timeout=5)
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s = ctx.wrap_socket(raw, server_hostname="upstream.test")
                s.sendall(struct.pack(">H", len(q)) + q)
                n = struct.unpack(">H", s.recv(2))[0]
                while n > 0:
                    n -= len(s.recv(n))
                held.append(s)
            time.sleep(3)
            return rss_kb(proc.pid)

        first = open_connections()
        second = open_connections()
        print("%s %.0f %d %.0f %.0f" % (name, startup * 1000, idle, (first - idle) * 1024.0 / count,
                                        (second - first) * 1024.0 / count))
        for s in held:
            s.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
