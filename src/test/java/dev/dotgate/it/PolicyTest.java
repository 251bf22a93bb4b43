package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Allowlist, blocklists, local records, conditional forwarding, access lists and reload, end to end. */
class PolicyTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    static Path tmp;
    static Unbound unbound;

    @BeforeAll
    static void upstream() throws IOException {
        unbound = servers.unbound();
    }

    @AfterAll
    static void stop() throws InterruptedException {
    }

    static Message ask(GatewayFixture gw, String name, int type) throws IOException {
        Message m = DnsClient.udp(gw.udp(), DnsClient.query(name, type, 4242), 3000);
        assertThat(m).as("answer to " + name).isNotNull();
        return m;
    }

    static String first(Message m) {
        return m.getSection(Section.ANSWER).isEmpty() ? "" : m.getSection(Section.ANSWER).get(0).rdataToString();
    }

    static String dig(GatewayFixture gw, String... args) {
        String[] cmd = new String[args.length + 5];
        cmd[0] = "dig";
        cmd[1] = "@127.0.0.1";
        cmd[2] = "-p";
        cmd[3] = String.valueOf(gw.udpPort());
        cmd[4] = "+tries=1";
        System.arraycopy(args, 0, cmd, 5, args.length);
        return Proc.run(15, cmd).out();
    }

    @Test
    void allowlistedWorkloadsRefusedNamesNeverReachTheUpstream() throws Exception {
        Path allow = Files.writeString(tmp.resolve("allow.txt"), "# what the workload may reach\na.test\n*.bench.test\n");
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[policy]\nallowlist = \"" + allow + "\"\n"))) {
            long benchBefore = unbound.queriesFor("bench.test");
            assertThat(first(ask(gw, "a.test", Type.A))).isEqualTo("192.0.2.1");
            assertThat(first(ask(gw, "api.bench.test", Type.A))).isEqualTo("192.0.2.2");
            assertThat(ask(gw, "bench.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(ask(gw, "evil.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(ask(gw, "sub.a.test", Type.TXT).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(dig(gw, "+tcp", "exfil.example.org", "TXT")).contains("status: REFUSED");
            assertThat(unbound.queriesFor("evil.test")).isZero();
            assertThat(unbound.queriesFor("bench.test")).isEqualTo(benchBefore);
            assertThat(unbound.queriesFor("sub.a.test")).isZero();
            assertThat(unbound.queriesFor("exfil.example.org")).isZero();
            assertThat(unbound.queriesFor("api.bench.test")).isEqualTo(1);
        }
    }

    @Test
    void blocklistsInThreeFormatsFromFilesAndHttpWithExceptions() throws Exception {
        Path hosts = tmp.resolve("hosts.txt");
        Path plain = tmp.resolve("domains.txt");
        Path adblock = tmp.resolve("adblock.txt");
        try (Writer h = Files.newBufferedWriter(hosts); Writer p = Files.newBufferedWriter(plain);
                Writer a = Files.newBufferedWriter(adblock)) {
            h.write("# hosts-style list\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n");
            p.write("# one name per line\nbench.test\n");
            a.write("[Adblock Plus 2.0]\n! Title: test list\n");
            for (int i = 0; i < 100_000; i++) {
                h.write("0.0.0.0 h" + i + ".ads.example\n");
                p.write("p" + i + ".track.example\n");
                a.write("||a" + i + ".adblock.example^\n");
            }
            h.write("0.0.0.0 bad..name\n");
            p.write("not a domain\n");
        }
        Path exceptions = Files.writeString(tmp.resolve("exceptions.txt"), "ok.bench.test\n");
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] adblockBytes = Files.readAllBytes(adblock);
        http.createContext("/adblock.txt", ex -> {
            ex.sendResponseHeaders(200, adblockBytes.length);
            ex.getResponseBody().write(adblockBytes);
            ex.close();
        });
        http.start();
        String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/adblock.txt";
        String toml = """
                [policy]
                blocklists = ["%s", "%s", "%s"]
                exceptions = ["%s"]
                block_mode = "null"
                block_ttl = "42s"
                """.formatted(hosts, plain, url, exceptions);
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml))) {
            assertThat(gw.gateway.snapshot().policy().blocklists().size()).isGreaterThanOrEqualTo(300_001);
            Message m = ask(gw, "h99999.ads.example", Type.A);
            assertThat(first(m)).isEqualTo("0.0.0.0");
            assertThat(m.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(42);
            assertThat(first(ask(gw, "p0.track.example", Type.AAAA))).isEqualTo("0:0:0:0:0:0:0:0");
            assertThat(first(ask(gw, "deep.a512.adblock.example", Type.A))).isEqualTo("0.0.0.0");
            Message mx = ask(gw, "a7.adblock.example", Type.MX);
            assertThat(mx.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(mx.getSection(Section.ANSWER)).isEmpty();
            assertThat(first(ask(gw, "x.bench.test", Type.A))).isEqualTo("0.0.0.0");
            assertThat(first(ask(gw, "ok.bench.test", Type.A))).as("exception wins").isEqualTo("192.0.2.2");
            assertThat(first(ask(gw, "a.test", Type.A))).isEqualTo("192.0.2.1");
            assertThat(dig(gw, "+tcp", "h1.ads.example", "A", "+short").trim()).isEqualTo("0.0.0.0");
            for (String n : new String[] {"h99999.ads.example", "p0.track.example", "deep.a512.adblock.example",
                    "x.bench.test", "h1.ads.example"}) {
                assertThat(unbound.queriesFor(n)).as(n).isZero();
            }
            assertThat(unbound.queriesFor("ok.bench.test")).isEqualTo(1);

            // The same lists, another mode, through a reload; and a list that cannot be fetched keeps its copy.
            http.stop(0);
            gw.gateway.reload(gw.reconfigured(toml.replace("\"null\"", "\"refused\"")));
            assertThat(ask(gw, "h5.ads.example", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(ask(gw, "a5.adblock.example", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
            gw.gateway.reload(gw.reconfigured(toml.replace("\"null\"", "\"nxdomain\"")));
            assertThat(ask(gw, "h5.ads.example", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        } finally {
            http.stop(0);
        }
    }

    @Test
    void localRecordsAreAnsweredWithoutAnUpstream() throws Exception {
        String toml = """
                [policy]
                local = [
                  "nas.home.arpa 300 IN A 192.168.1.10",
                  "nas.home.arpa AAAA fd00::10",
                  "printer.home.arpa CNAME nas.home.arpa",
                  "home.arpa TXT \\"hello world\\"",
                  "1.0.0.10.in-addr.arpa PTR router.home.arpa",
                ]
                """;
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml))) {
            Message a = ask(gw, "NAS.home.arpa", Type.A);
            assertThat(first(a)).isEqualTo("192.168.1.10");
            assertThat(a.getHeader().getFlag(org.xbill.DNS.Flags.AA)).isTrue();
            assertThat(a.getQuestion().getName().toString()).isEqualTo("NAS.home.arpa.");
            assertThat(first(ask(gw, "nas.home.arpa", Type.AAAA))).isEqualTo("fd00:0:0:0:0:0:0:10");
            Message cname = ask(gw, "printer.home.arpa", Type.A);
            assertThat(cname.getSection(Section.ANSWER)).hasSize(2);
            assertThat(first(cname)).isEqualTo("nas.home.arpa.");
            assertThat(first(ask(gw, "home.arpa", Type.TXT))).isEqualTo("\"hello world\"");
            assertThat(dig(gw, "-x", "192.168.1.10", "+short").trim()).isEqualTo("nas.home.arpa.");
            assertThat(dig(gw, "-x", "fd00::10", "+short").trim()).isEqualTo("nas.home.arpa.");
            assertThat(dig(gw, "+tcp", "-x", "10.0.0.1", "+short").trim()).isEqualTo("router.home.arpa.");
            Message nodata = ask(gw, "nas.home.arpa", Type.MX);
            assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
            assertThat(unbound.queriesFor("nas.home.arpa")).isZero();
            assertThat(unbound.queriesFor("printer.home.arpa")).isZero();
            assertThat(unbound.queriesFor("10.1.168.192.in-addr.arpa")).isZero();
        }
    }

    @Test
    void aLocalCnameToANameElsewhereIsFollowedThroughPolicyAndCache() throws Exception {
        Path block = Files.writeString(tmp.resolve("cname-block.txt"), "ads.bench.test\n");
        String toml = """
                [policy]
                blocklists = ["%s"]
                local = [
                  "docs.home.arpa CNAME www.home.arpa",
                  "www.home.arpa 60 CNAME chased.bench.test",
                  "gone.home.arpa CNAME nx.test",
                  "ad.home.arpa CNAME ads.bench.test",
                ]
                """.formatted(block);
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml))) {
            Message a = ask(gw, "Docs.home.arpa", Type.A);
            assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(a.getHeader().getID()).isEqualTo(4242);
            assertThat(a.getQuestion().getName().toString()).isEqualTo("Docs.home.arpa.");
            assertThat(a.getSection(Section.ANSWER)).extracting(r -> r.getName() + " " + Type.string(r.getType())
                    + " " + r.rdataToString()).containsExactly("Docs.home.arpa. CNAME www.home.arpa.",
                            "www.home.arpa. CNAME chased.bench.test.", "chased.bench.test. A 192.0.2.2");
            assertThat(a.getHeader().getFlag(org.xbill.DNS.Flags.AA)).as("AA is for the local name asked").isTrue();
            // Real clients over UDP and TCP, and the target answered from the cache the second time.
            assertThat(dig(gw, "docs.home.arpa", "A")).contains("status: NOERROR").contains("ANSWER: 3")
                    .contains("192.0.2.2");
            assertThat(dig(gw, "+tcp", "www.home.arpa", "A", "+short").lines().toList())
                    .containsExactly("chased.bench.test.", "192.0.2.2");
            // Once without EDNS (the first query), once with (dig; the cache keys on EDNS), then from the cache.
            assertThat(unbound.queriesFor("chased.bench.test")).isEqualTo(2);
            assertThat(unbound.queriesFor("docs.home.arpa")).isZero();

            Message cname = ask(gw, "docs.home.arpa", Type.CNAME);
            assertThat(cname.getSection(Section.ANSWER)).hasSize(1);
            // Without recursion desired, the two-CNAME chain alone: the gateway does not recurse for the client.
            assertThat(dig(gw, "+norecurse", "docs.home.arpa", "A")).contains("status: NOERROR")
                    .contains("ANSWER: 2,");
            // AAAA of the target: the target has none (NODATA), so the chain alone (Unbound's redirect zone sends no
            // SOA with it; CnameChaseTest covers the SOA being kept).
            Message nodata = ask(gw, "docs.home.arpa", Type.AAAA);
            assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(nodata.getSection(Section.ANSWER)).hasSize(2);

            Message gone = ask(gw, "gone.home.arpa", Type.A);
            assertThat(gone.getRcode()).as("the target's NXDOMAIN (RFC 6604)").isEqualTo(Rcode.NXDOMAIN);
            assertThat(first(gone)).isEqualTo("nx.test.");
            assertThat(gone.getSection(Section.AUTHORITY)).singleElement()
                    .satisfies(r -> assertThat(r.getType()).isEqualTo(Type.SOA));

            Message ad = ask(gw, "ad.home.arpa", Type.A);
            assertThat(ad.getRcode()).as("the blocklist applies to the target").isEqualTo(Rcode.NXDOMAIN);
            assertThat(first(ad)).isEqualTo("ads.bench.test.");
            assertThat(unbound.queriesFor("ads.bench.test")).isZero();
        }
    }

    @Test
    void aZoneGoesToItsOwnUpstream() throws Exception {
        Unbound corp = servers.ownUnbound(
                "local-zone: \"corp.test.\" static\nlocal-data: \"www.corp.test. 300 IN A 192.0.2.99\"");
        String toml = """
                [[forward]]
                zone = "corp.test"
                servers = ["udp://127.0.0.1:%d"]
                """.formatted(corp.plainPort());
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml))) {
            assertThat(first(ask(gw, "www.corp.test", Type.A))).isEqualTo("192.0.2.99");
            assertThat(first(ask(gw, "a.test", Type.A))).isEqualTo("192.0.2.1");
            assertThat(corp.queriesFor("www.corp.test")).isEqualTo(1);
            assertThat(unbound.queriesFor("www.corp.test")).isZero();
            assertThat(corp.queriesFor("a.test")).isZero();
        }
    }

    @Test
    void clientsOutsideTheAccessListAreRefusedOrDisconnected() throws Exception {
        String toml = """
                [acl.plain]
                allow = ["10.0.0.0/8"]
                [acl.dot]
                allow = ["10.0.0.0/8"]
                """;
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml))) {
            assertThat(ask(gw, "a.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
            // Plain TCP is checked at accept, like DoT: the connection is closed before it takes a slot, unanswered.
            assertThat(dig(gw, "+tcp", "+tries=1", "a.test")).contains("communications error").doesNotContain("status:");
            assertThatThrownBy(() -> DnsClient.dot(gw.dotPort(), gw.caFile())).isInstanceOf(IOException.class);
            assertThat(unbound.queriesFor("a.test")).isZero();
            assertThat(gw.gateway.stats().refusedAcl.sum()).isEqualTo(3);

            // Allowed by default (loopback is private), one address denied; applied by a reload.
            gw.gateway.reload(gw.reconfigured("[acl.plain]\ndeny = [\"127.0.0.2\"]\n"));
            assertThat(first(ask(gw, "a.test", Type.A))).isEqualTo("192.0.2.1");
            assertThat(dig(gw, "-b", "127.0.0.2", "a.test")).contains("status: REFUSED");
            try (SSLSocket s = DnsClient.dot(gw.dotPort(), gw.caFile())) {
                var out = new DataOutputStream(s.getOutputStream());
                DnsClient.writeFramed(out, DnsClient.query("a.test", Type.A, 7).toWire());
                assertThat(first(DnsClient.readFramed(new DataInputStream(s.getInputStream())))).isEqualTo("192.0.2.1");
            }
        }
    }

    @Test
    void reloadKeepsConnectionsOpenAndABadConfigKeepsTheOldOne() throws Exception {
        Path dir = tmp.resolve("reload");
        try (GatewayFixture gw = servers.gateway(b -> b.dir(dir).toml(""));
                SSLSocket s = DnsClient.dot(gw.dotPort(), gw.caFile())) {
            var out = new DataOutputStream(s.getOutputStream());
            var in = new DataInputStream(s.getInputStream());
            DnsClient.writeFramed(out, DnsClient.query("bench.test", Type.A, 1).toWire());
            assertThat(first(DnsClient.readFramed(in))).isEqualTo("192.0.2.2");
            Path list = Files.writeString(dir.resolve("block.txt"), "bench.test\n", StandardCharsets.UTF_8);
            gw.gateway.reload(gw.reconfigured(dir, "[policy]\nblocklists = [\"" + list + "\"]\n"));
            DnsClient.writeFramed(out, DnsClient.query("bench.test", Type.A, 2).toWire());
            Message blocked = DnsClient.readFramed(in);
            assertThat(blocked.getHeader().getID()).isEqualTo(2);
            assertThat(blocked.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThatThrownBy(() -> gw.reconfigured(dir, "[policy]\nlocal = [\"x.test MX 10 mail.test\"]\n"))
                    .isInstanceOf(dev.dotgate.config.ConfigException.class)
                    .hasMessageContaining("policy.local");
            DnsClient.writeFramed(out, DnsClient.query("bench.test", Type.A, 3).toWire());
            assertThat(DnsClient.readFramed(in).getRcode()).isEqualTo(Rcode.NXDOMAIN);
            // An access list tightened by a reload applies to connections already open.
            gw.gateway.reload(gw.reconfigured(dir, "[acl.dot]\ndeny = [\"127.0.0.1\"]\n"));
            DnsClient.writeFramed(out, DnsClient.query("a.test", Type.A, 4).toWire());
            Message refused = DnsClient.readFramed(in);
            assertThat(refused.getHeader().getID()).isEqualTo(4);
            assertThat(refused.getRcode()).isEqualTo(Rcode.REFUSED);
        }
    }
}
