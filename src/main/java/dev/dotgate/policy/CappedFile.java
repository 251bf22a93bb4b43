package dev.dotgate.policy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The body of one list download ({@link ListSource#fetch}): writes it to a file as it arrives and gives up past
 * {@code max} bytes (declared or received). Once the caller stops waiting it closes the channel, and the next
 * write cancels the download.
 */
final class CappedFile implements HttpResponse.BodySubscriber<Long> {
    private final FileChannel channel;
    private final long max;
    private final long declared;
    private final CompletableFuture<Long> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private long count;

    CappedFile(FileChannel channel, long max, long declared) {
        this.channel = channel;
        this.max = max;
        this.declared = declared;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (declared > max) {
            s.cancel();
            result.completeExceptionally(new TooLarge());
            return;
        }
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        try {
            for (ByteBuffer b : items) {
                count += b.remaining();
                if (count > max) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge());
                    return;
                }
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            }
            subscription.request(1);
        } catch (IOException e) {
            subscription.cancel();
            result.completeExceptionally(e);
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(count);
    }

    @Override
    public CompletionStage<Long> getBody() {
        return result;
    }

    /** A list download past its size limit (declared or received). */
    static final class TooLarge extends IOException {
        TooLarge() {
            super("too large", null);
        }
    }
}
