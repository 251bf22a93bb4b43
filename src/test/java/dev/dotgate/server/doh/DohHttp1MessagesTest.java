package dev.dotgate.server.doh;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 requests read into DoH queries, and the responses made for answers and refusals. */
class DohHttp1MessagesTest {
    private static FullHttpRequest post(byte[] body, String contentLength) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, DohSettings.PATH,
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, DohRequest.MEDIA_TYPE);
        if (contentLength != null) {
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        return r;
    }

    @Test
    void postBodyIsTheQueryRetained() {
        FullHttpRequest r = post(new byte[12], "12");
        DohRequest req = DohHttp1Messages.read(r, 512);
        assertThat(req.ok()).isTrue();
        ByteBuf message = req.message();
        assertThat(message.readableBytes()).isEqualTo(12);
        assertThat(r.content().refCnt()).isEqualTo(2);
        message.release();
        r.release();
        assertThat(r.content().refCnt()).isZero();
    }

    @Test
    void refusals() {
        FullHttpRequest empty = post(new byte[0], null);
        assertThat(DohHttp1Messages.read(empty, 512).error()).isEqualTo(DohError.NO_BODY);
        FullHttpRequest shorter = post(new byte[11], "11");
        assertThat(DohHttp1Messages.read(shorter, 512).error()).isEqualTo(DohError.TOO_SHORT);
        FullHttpRequest badLength = post(new byte[12], "twelve");
        assertThat(DohHttp1Messages.read(badLength, 512).error()).isEqualTo(DohError.BAD_CONTENT_LENGTH);
        for (FullHttpRequest r : new FullHttpRequest[] {empty, shorter, badLength}) {
            assertThat(r.content().refCnt()).as("borrowed, not retained").isEqualTo(1);
            r.release();
        }
    }

    @Test
    void decodeFailures() {
        assertThat(DohHttp1Messages.decodeFailure(new DohAggregator.TooLargeRequest()))
                .isEqualTo(DohError.BODY_TOO_LARGE);
        assertThat(DohHttp1Messages.decodeFailure(new TooLongHttpHeaderException("h")))
                .isEqualTo(DohError.HEADERS_TOO_LARGE);
        assertThat(DohHttp1Messages.decodeFailure(new TooLongHttpLineException("l")))
                .isEqualTo(DohError.URI_TOO_LONG);
        assertThat(DohHttp1Messages.decodeFailure(new IllegalArgumentException()))
                .isEqualTo(DohError.MALFORMED_REQUEST);
    }

    @Test
    void errorResponse() {
        FullHttpResponse r = DohHttp1Messages.error(DohError.METHOD_NOT_ALLOWED, Unpooled.buffer(1).writeByte('x'),
                true);
        assertThat(r.status().code()).isEqualTo(405);
        assertThat(r.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET, POST");
        assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        assertThat(r.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo(DohError.TEXT_PLAIN.toString());
        r.release();
        FullHttpResponse kept = DohHttp1Messages.error(DohError.NOT_FOUND, Unpooled.buffer(1).writeByte('x'), false);
        assertThat(kept.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        assertThat(kept.headers().contains(HttpHeaderNames.ALLOW)).isFalse();
        assertThat(DohError.NOT_FOUND.label()).isEqualTo("not_found");
        kept.release();
    }
}
