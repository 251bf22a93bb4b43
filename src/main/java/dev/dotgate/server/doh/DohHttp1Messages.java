package dev.dotgate.server.doh;

import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * HTTP/1.1 messages to and from DoH: the query an aggregated request carries (or why it is refused), and the
 * responses for an answer or a refusal. Stateless.
 */
final class DohHttp1Messages {
    private DohHttp1Messages() {
    }

    /**
     * What {@code request} (borrowed; decoded whole) asks: {@link DohRequest#of} on its line and headers, then for
     * a POST its body, which must be neither empty nor shorter than a DNS header. An acceptable request's
     * {@link DohRequest#message} is the caller's: a GET's decoded parameter, or a POST's body retained.
     */
    static DohRequest read(FullHttpRequest request, int maxQuerySize) {
        long contentLength;
        try {
            contentLength = HttpUtil.getContentLength(request, -1L);
        } catch (NumberFormatException e) {
            return DohRequest.error(DohError.BAD_CONTENT_LENGTH);
        }
        DohRequest req = DohRequest.of(request.method().name(), request.uri(),
                request.headers().get(HttpHeaderNames.CONTENT_TYPE), contentLength, maxQuerySize);
        if (!req.ok() || !req.postBody()) {
            return req;
        }
        int length = request.content().readableBytes(); // at most max_query_size: DohAggregator
        if (length == 0) {
            return DohRequest.error(DohError.NO_BODY);
        }
        if (length < Dns.HEADER_LENGTH) {
            return DohRequest.error(DohError.TOO_SHORT);
        }
        return new DohRequest(null, request.content().retain(), true, length);
    }

    /** The error for a request Netty's codec or {@link DohAggregator} could not read whole. */
    static DohError decodeFailure(Throwable cause) {
        if (cause instanceof DohAggregator.TooLargeRequest) {
            return DohError.BODY_TOO_LARGE;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return DohError.HEADERS_TOO_LARGE;
        }
        if (cause instanceof TooLongHttpLineException) {
            return DohError.URI_TOO_LONG;
        }
        return DohError.MALFORMED_REQUEST;
    }

    /** A 200 carrying {@code answer} (ownership taken). */
    static FullHttpResponse answer(ByteBuf answer) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, answer);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, DohAnswer.MEDIA_TYPE)
                .set(HttpHeaderNames.CACHE_CONTROL, DohAnswer.cacheControl(answer));
        return response;
    }

    /** {@code error}'s status with its text {@code body} (ownership taken); {@code close}: Connection: close. */
    static FullHttpResponse error(DohError error, ByteBuf body, boolean close) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(error.status());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, DohError.TEXT_PLAIN);
        if (status.code() == 405) {
            response.headers().set(HttpHeaderNames.ALLOW, "GET, POST");
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
