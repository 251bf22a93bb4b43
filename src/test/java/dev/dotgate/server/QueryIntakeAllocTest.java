package dev.dotgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryCounters;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Replies come from the connection's allocator, not from the query buffer's: a DoH GET query is a wrapped array
 * (unpooled), and replies made from it would be unpooled direct buffers the buffered-bytes budget cannot see.
 */
class QueryIntakeAllocTest {
    @Test
    void aWrappedQuerysRepliesComeFromTheConnectionsAllocator() throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel();
        List<Exchange> seen = new ArrayList<>();
        QueryIntake intake = new QueryIntake(() -> seen::add, new ServerCounters(), new QueryCounters(),
                QueryLifecycleObserver.NONE, () -> null);
        Message q = Message.newQuery(Record.newRecord(Name.fromString("a.test."), Type.A, 1));
        ByteBuf wrapped = Unpooled.wrappedBuffer(q.toWire());
        List<ByteBuf> replies = new ArrayList<>();
        intake.accept(wrapped, Transport.DOH, new InetSocketAddress("192.0.2.1", 443), channel.eventLoop(),
                (exchange, reply) -> replies.add(reply), PooledByteBufAllocator.DEFAULT);
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).alloc()).isSameAs(PooledByteBufAllocator.DEFAULT);
        seen.get(0).fail(Dns.RCODE_SERVFAIL);
        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).alloc()).isSameAs(PooledByteBufAllocator.DEFAULT);
        assertThat(wrapped.refCnt()).isZero();
        replies.forEach(ByteBuf::release);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}
