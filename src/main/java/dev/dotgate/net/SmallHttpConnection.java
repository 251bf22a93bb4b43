package dev.dotgate.net;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of a {@link SmallHttpServer}, after Netty's {@code HttpServerCodec}. Answers one request at a
 * time, in order; requests sent ahead wait as heads (at most {@link SmallHttpServer#MAX_PIPELINED}). Enforces the
 * head timeout (from accept, and again from the end of each response) and the write timeout, and refuses
 * bodies, over-long lines and headers. All on the channel's event loop.
 *
 * <p>Buffers: the codec's messages are released here as soon as they are read (only the head's method, target and
 * keep-alive are kept); a response body wraps the handler's byte array and is released by the encoder.
 */
final class SmallHttpConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SmallHttpConnection.class);

    private final SmallHttpServer.Handler handler;
    private final SmallHttpRefusals refusals;
    /** Responses being written over the whole server, so that closing can let them finish. */
    private final AtomicInteger writing;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final ChannelInboundHandlerAdapter byteWatch = new ByteWatch();
    private ChannelHandlerContext ctx;
    private InetSocketAddress client;
    private ScheduledFuture<?> headTimer;
    private ScheduledFuture<?> writeTimer;
    /** A response is being written; the next one waits for it. */
    private boolean busy;
    /** No further request is taken: the last queued one ends the connection. */
    private boolean closing;
    /** Bytes arrived since the last complete head (then a head timeout is a refusal, not a quiet keep-alive). */
    private boolean sawBytes;
    /** At least one response went out: a quiet timeout afterwards is the end of keep-alive, not a refusal. */
    private boolean served;

    /** A request read and not answered yet: the handler's request, or an error decided while reading. */
    private record Pending(SmallHttpRequest request, SmallHttpResponse error, boolean keepAlive, boolean http10) {
    }

    SmallHttpConnection(SmallHttpServer.Handler handler, SmallHttpRefusals refusals, AtomicInteger writing) {
        this.handler = handler;
        this.refusals = refusals;
        this.writing = writing;
    }

    /** The handler to put before the codec: it notes that bytes arrived, for the head timeout's count. */
    ChannelInboundHandlerAdapter byteWatch() {
        return byteWatch;
    }

    private final class ByteWatch extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            sawBytes = true;
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = (InetSocketAddress) ctx.channel().remoteAddress();
        armHeadTimer();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimers();
        queue.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // resets and the like: nothing to tell anyone
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request && !closing) {
                read(request);
            }
            // Everything else: the empty last content after a head, or input after the request that ends the
            // connection. Dropped.
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void read(HttpRequest request) {
        cancel(headTimer);
        headTimer = null;
        sawBytes = false; // what comes next belongs to the next head
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            SmallHttpRefusals.Reason reason = cause instanceof TooLongHttpLineException
                    ? SmallHttpRefusals.Reason.LINE_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? SmallHttpRefusals.Reason.HEADERS_TOO_LARGE
                            : SmallHttpRefusals.Reason.MALFORMED;
            refuse(reason, switch (reason) {
                case LINE_TOO_LONG -> SmallHttpResponse.plain(414, "request line longer than "
                        + SmallHttpServer.MAX_INITIAL_LINE + " bytes\n");
                case HEADERS_TOO_LARGE -> SmallHttpResponse.plain(431, "request headers larger than "
                        + SmallHttpServer.MAX_HEADER_SIZE + " bytes\n");
                default -> SmallHttpResponse.plain(400, "cannot read the request\n");
            });
        } else if (hasBody(request)) {
            refuse(SmallHttpRefusals.Reason.BODY, SmallHttpResponse.plain(413, "request bodies are not accepted\n"));
        } else {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            queue.add(new Pending(new SmallHttpRequest(request.method().name(), request.uri(), client), null,
                    keepAlive, request.protocolVersion().equals(HttpVersion.HTTP_1_0)));
            closing = !keepAlive;
        }
        if (queue.size() > SmallHttpServer.MAX_PIPELINED) {
            refusals.count(SmallHttpRefusals.Reason.PIPELINED);
            closeNow();
            return;
        }
        serveNext();
    }

    private static boolean hasBody(HttpRequest request) {
        return HttpUtil.getContentLength(request, 0L) != 0L || HttpUtil.isTransferEncodingChunked(request);
    }

    /** Queues {@code response} as the last answer of this connection; reading stops. */
    private void refuse(SmallHttpRefusals.Reason reason, SmallHttpResponse response) {
        refusals.count(reason);
        queue.add(new Pending(null, response, false, false));
        closing = true;
        ctx.channel().config().setAutoRead(false);
    }

    /** Writes the next answer unless one is being written; when none is left, waits for the next head. */
    private void serveNext() {
        if (busy || !ctx.channel().isActive()) {
            return;
        }
        Pending p = queue.poll();
        if (p == null) {
            if (closing) {
                closeNow();
            } else {
                armHeadTimer();
            }
            return;
        }
        SmallHttpResponse r = p.error() != null ? p.error() : answer(p.request());
        boolean keepOpen = p.keepAlive() && !(closing && queue.isEmpty());
        boolean head = p.request() != null && p.request().head();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()),
                head || r.body().length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        r.headers().forEach(h::set);
        if (!keepOpen) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (p.http10()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        busy = true;
        writing.incrementAndGet();
        writeTimer = ctx.executor().schedule(this::writeTimedOut, SmallHttpServer.WRITE_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
        Runnable whenSent = r.whenSent();
        ctx.writeAndFlush(response).addListener((ChannelFuture f) -> written(f, keepOpen, whenSent));
    }

    private SmallHttpResponse answer(SmallHttpRequest request) {
        try {
            return handler.handle(request);
        } catch (RuntimeException e) {
            log.warn("http: handling {} {} failed", request.method(), request.rawPath(), e);
            return SmallHttpResponse.plain(500, "internal error: " + e + "\n");
        }
    }

    private void written(ChannelFuture f, boolean keepOpen, Runnable whenSent) {
        busy = false;
        writing.decrementAndGet();
        cancel(writeTimer);
        writeTimer = null;
        if (!f.isSuccess()) {
            closeNow();
            return;
        }
        served = true;
        if (whenSent != null) {
            try {
                whenSent.run();
            } catch (RuntimeException e) {
                log.warn("http: after sending a response", e);
            }
        }
        if (!keepOpen) {
            closeNow();
            return;
        }
        serveNext();
    }

    private void armHeadTimer() {
        cancel(headTimer);
        headTimer = ctx.executor().schedule(this::headTimedOut, SmallHttpServer.HEAD_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void headTimedOut() {
        headTimer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (sawBytes || !served) {
            refusals.count(SmallHttpRefusals.Reason.HEAD_TIMEOUT);
        } // else a keep-alive connection that stayed quiet: closed, nothing refused
        closeNow();
    }

    private void writeTimedOut() {
        writeTimer = null;
        if (busy && ctx.channel().isActive()) {
            refusals.count(SmallHttpRefusals.Reason.WRITE_TIMEOUT);
            closeNow();
        }
    }

    private void closeNow() {
        closing = true;
        queue.clear();
        cancelTimers();
        ctx.close();
    }

    private void cancelTimers() {
        cancel(headTimer);
        cancel(writeTimer);
        headTimer = null;
        writeTimer = null;
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
