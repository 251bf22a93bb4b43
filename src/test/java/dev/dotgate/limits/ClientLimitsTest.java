package dev.dotgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class ClientLimitsTest {
    private final LimitCounters counters = new LimitCounters();
    private final LongAdder overflowed = new LongAdder();
    private final LongAdder slipped = new LongAdder();
    private final List<String> reported = new ArrayList<>();
    private final AtomicLong used = new AtomicLong();
    private final QueryLifecycleObserver observer = new QueryLifecycleObserver() {
        @Override
        public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
            reported.add(decision.label() + " " + reason + " " + client.getAddress().getHostAddress());
        }
    };

    private ClientLimits limits(List<String> exempt, int connections, int inflight, int rate, int burst,
            int rrlRate, int rrlSlip, int maxClients) {
        LimitsOptions o = new LimitsOptions(32, 64, exempt, connections, inflight, rate, burst, 4096, 16384,
                Duration.ofSeconds(5), 1 << 20, 1232, 1232, rrlRate, rrlSlip);
        return new ClientLimits(o, counters, overflowed, slipped, observer, used::get, maxClients);
    }

    private static InetSocketAddress at(String address) {
        return new InetSocketAddress(address, 5353);
    }

    @Test
    void exemptClientsAreNotLookedUp() {
        ClientLimits l = limits(List.of("127.0.0.0/8", "2001:db8::/32"), 1, 1, 1, 1, 0, 0, 10);
        for (int i = 0; i < 5; i++) {
            assertThat(l.admitDatagram(at("127.0.0.2"))).isNull();
            assertThat(l.openConnection(at("2001:db8::5"), Transport.TCP)).isNull();
        }
        assertThat(l.clients()).isZero();
        assertThat(l.admitDatagram(at("192.0.2.1"))).isNotNull().isNotSameAs(ClientState.REFUSED);
        assertThat(l.clients()).isOne();
    }

    @Test
    void connectionsPerClientAreCappedAndGivenBack() {
        ClientLimits l = limits(List.of(), 2, 10, 0, 1, 0, 0, 10);
        ClientState a = l.openConnection(at("192.0.2.1"), Transport.DOT);
        assertThat(l.openConnection(at("192.0.2.1"), Transport.DOT)).isSameAs(a);
        assertThat(l.openConnection(at("192.0.2.1"), Transport.DOT)).isSameAs(ClientState.REFUSED);
        assertThat(l.openConnection(at("192.0.2.2"), Transport.DOT)).isNotSameAs(ClientState.REFUSED);
        assertThat(counters.count(Reason.CONNECTIONS, Transport.DOT)).isOne();
        assertThat(reported).containsExactly("rate_limited connections 192.0.2.1");
        l.closeConnection(a);
        assertThat(l.openConnection(at("192.0.2.1"), Transport.DOT)).isSameAs(a);
        assertThat(a.connections()).isEqualTo(2);
    }

    @Test
    void datagramsOverTheInflightShareOrTheRateAreRefused() {
        ClientLimits l = limits(List.of(), 10, 2, 1, 3, 0, 0, 10);
        ClientState s = l.admitDatagram(at("192.0.2.1"));
        s.acquire();
        s.acquire();
        assertThat(l.admitDatagram(at("192.0.2.1"))).isSameAs(ClientState.REFUSED);
        assertThat(counters.count(Reason.INFLIGHT, Transport.UDP)).isOne();
        s.release();
        s.release();
        assertThat(l.admitDatagram(at("192.0.2.1"))).isSameAs(s);
        assertThat(l.admitDatagram(at("192.0.2.1"))).isSameAs(s); // burst of 3 spent
        assertThat(l.admitDatagram(at("192.0.2.1"))).isSameAs(ClientState.REFUSED);
        assertThat(counters.count(Reason.QUERY_RATE, Transport.UDP)).isOne();
        assertThat(l.streamWait(s, Transport.TCP, false)).isPositive();
        assertThat(counters.count(Reason.QUERY_RATE, Transport.TCP)).isOne();
        assertThat(reported).containsExactly("rate_limited inflight 192.0.2.1", "rate_limited query_rate 192.0.2.1");
    }

    @Test
    void overTheBufferedBytesEveryoneIsRefusedExemptOrNot() {
        ClientLimits l = limits(List.of("127.0.0.0/8"), 10, 10, 0, 1, 0, 0, 10);
        used.set(2 << 20);
        l.budget().sample();
        assertThat(l.admitDatagram(at("127.0.0.1"))).isSameAs(ClientState.REFUSED);
        assertThat(l.openConnection(at("192.0.2.1"), Transport.DOH)).isSameAs(ClientState.REFUSED);
        assertThat(counters.total(Reason.BUFFERED_BYTES)).isEqualTo(2);
        used.set(1 << 19);
        l.budget().sample();
        assertThat(l.admitDatagram(at("127.0.0.1"))).isNull();
    }

    @Test
    void aFullTableOverflowsAndTheSweepFreesIdleClients() {
        ClientLimits l = limits(List.of(), 10, 10, 1000, 1000, 0, 0, 2);
        ClientState a = l.openConnection(at("192.0.2.1"), Transport.TCP);
        ClientState b = l.admitDatagram(at("192.0.2.2"));
        ClientState c = l.admitDatagram(at("192.0.2.3"));
        ClientState d = l.admitDatagram(at("192.0.2.4"));
        assertThat(c).isNotSameAs(a).isNotSameAs(b);
        assertThat(d).isNotSameAs(a).isNotSameAs(b);
        assertThat(c.key()).isNull();
        assertThat(d.key()).isNull();
        assertThat(overflowed.sum()).isEqualTo(2);
        assertThat(l.clients()).isEqualTo(2);
        // a holds a connection; b's bucket has refilled long after
        long later = System.nanoTime() + 10_000_000_000L;
        assertThat(l.sweep(later)).isOne();
        assertThat(l.admitDatagram(at("192.0.2.3"))).isNotSameAs(c).isNotNull();
        l.closeConnection(a);
        assertThat(l.sweep(later)).isEqualTo(2); // a, and 192.0.2.3 whose bucket is full again by then
        assertThat(l.clients()).isZero();
    }

    @Test
    void streamClientsOfAFullTableGetAStateOfTheirOwn() {
        ClientLimits l = limits(List.of(), 1, 10, 1, 1, 0, 0, 2);
        l.admitDatagram(at("192.0.2.1"));
        l.admitDatagram(at("192.0.2.2")); // the table is full
        List<ClientState> states = new ArrayList<>();
        for (int i = 10; i < 20; i++) {
            states.add(l.openConnection(at("192.0.2." + i), Transport.DOT));
            states.add(l.openConnection(at("192.0.2." + i), Transport.DOH)); // per connection while overflowing
        }
        assertThat(states).doesNotContain(ClientState.REFUSED).doesNotHaveDuplicates();
        assertThat(counters.total(Reason.CONNECTIONS)).isZero();
        assertThat(l.clients()).isEqualTo(2);
        for (ClientState s : states) {
            assertThat(s.key()).isNull();
            l.closeConnection(s);
            assertThat(s.connections()).isZero();
        }
        assertThat(overflowed.sum()).isEqualTo(20);
    }

    @Test
    void aSpoofedFloodOfAFullTableSharesItsBucketWithFewNewUdpClients() {
        ClientLimits l = limits(List.of(), 10, 10, 1, 1, 0, 0, 2);
        l.admitDatagram(at("192.0.2.1"));
        l.admitDatagram(at("192.0.2.2")); // the table is full
        for (int i = 0; i < 50; i++) {
            l.admitDatagram(at("198.51.100.7")); // one flooding source: its overflow bucket is empty now
        }
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            ClientState s = l.admitDatagram(at("203.0.113." + i));
            if (s != ClientState.REFUSED) {
                admitted++;
            }
        }
        // 100 clients over 1024 overflow states: a handful share one with the flood or with each other.
        assertThat(admitted).as("new UDP clients admitted of 100").isGreaterThanOrEqualTo(80);
    }

    @Test
    void aFullTableIsSweptEverySecondNotEveryTen() {
        ClientLimits l = limits(List.of(), 10, 10, 1000, 1000, 0, 0, 2);
        long t0 = System.nanoTime();
        l.admitDatagram(at("192.0.2.1"));
        l.tick(t0 + 2_000_000_000L);
        assertThat(l.clients()).as("not full: left to the 10-second sweep").isOne();
        l.admitDatagram(at("192.0.2.2"));
        l.tick(t0 + 2_000_000_000L);
        assertThat(l.clients()).as("full: idle clients swept at once").isZero();
        l.admitDatagram(at("192.0.2.1"));
        l.admitDatagram(at("192.0.2.2"));
        l.tick(t0 + 2_500_000_000L);
        assertThat(l.clients()).as("at most once a second").isEqualTo(2);
        l.tick(t0 + 3_100_000_000L);
        assertThat(l.clients()).isZero();
    }

    @Test
    void identicalAnswersOverTheRateAreDroppedAndEverySlipThOneTruncated() {
        ClientLimits l = limits(List.of(), 10, 10, 0, 1, 2, 2, 10);
        ClientState s = l.admitDatagram(at("192.0.2.1"));
        ByteBuf answer = answer("www.example", 0);
        ByteBuf upper = answer("WWW.EXAMPLE", 0);
        ByteBuf other = answer("www.example", 3);
        try {
            List<ResponseRateLimiter.Verdict> v = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                v.add(l.judgeUdpAnswer(s, i % 2 == 0 ? answer : upper, 17, at("192.0.2.1")));
            }
            assertThat(v).containsExactly(ResponseRateLimiter.Verdict.SEND, ResponseRateLimiter.Verdict.SEND,
                    ResponseRateLimiter.Verdict.DROP, ResponseRateLimiter.Verdict.SLIP,
                    ResponseRateLimiter.Verdict.DROP, ResponseRateLimiter.Verdict.SLIP);
            assertThat(l.judgeUdpAnswer(s, other, 17, at("192.0.2.1"))).isEqualTo(ResponseRateLimiter.Verdict.SEND);
            assertThat(l.judgeUdpAnswer(null, answer, 17, at("127.0.0.1"))).isEqualTo(
                    ResponseRateLimiter.Verdict.SEND);
            assertThat(counters.count(Reason.RRL, Transport.UDP)).isEqualTo(2);
            assertThat(slipped.sum()).isEqualTo(2);
        } finally {
            answer.release();
            upper.release();
            other.release();
        }
    }

    /** A header (rcode as given) and the question {@code name} A IN: 17 bytes of question for www.example. */
    private static ByteBuf answer(String name, int rcode) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(1).writeShort(0x8180 | rcode).writeShort(1).writeShort(0).writeShort(0).writeShort(0);
        for (String label : name.split("\\.")) {
            b.writeByte(label.length()).writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        b.writeByte(0).writeShort(1).writeShort(1);
        return b;
    }
}
