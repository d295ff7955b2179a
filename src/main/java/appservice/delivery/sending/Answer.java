package appservice.delivery.sending;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * What an application service answered, as far as the service reads it: the status, and the body up to
 * {@link #MAX_BODY} bytes. {@code declaredLength} is the answer's Content-Length (-1 when it has none);
 * {@code overflowed} says that the body went on beyond {@link #MAX_BODY}, where the reading stopped.
 */
public record Answer(int status, byte[] body, int declaredLength, boolean overflowed) {

    /**
     * Application services answer {@code {}}; the service reads no more than this of any answer, so that
     * one that answers with megabytes costs it neither the memory nor the time.
     */
    public static final int MAX_BODY = 64 * 1024;

    /** Reads the body from {@code in} to its end, or to {@link #MAX_BODY} bytes and one more. */
    static Answer read(int status, int declaredLength, InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        boolean overflowed = body.length > MAX_BODY;
        return new Answer(status, overflowed ? Arrays.copyOf(body, MAX_BODY) : body, declaredLength, overflowed);
    }

    /** An answer with no body to read. */
    static Answer withoutBody(int status, int declaredLength) {
        return new Answer(status, new byte[0], declaredLength, false);
    }

    /** The body read, as text (UTF-8). */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Why what was read is no answer, if it is none: the exchange was given up on ({@code abandoned}, e.g. its
     * deadline passed) before the body was whole, or the connection closed before the Content-Length was
     * reached. A body read whole, or read up to {@link #MAX_BODY} and left, is an answer, whatever came after.
     */
    Optional<String> missing(Optional<String> abandoned) {
        if (overflowed || declaredLength >= 0 && body.length == declaredLength) {
            return Optional.empty();
        }
        // Given up on while reading a body without a length, the reading may have seen the closed stream's
        // end as the body's: it is no answer either.
        if (abandoned.isPresent()) {
            return abandoned;
        }
        if (declaredLength >= 0) {
            return Optional.of("connection closed mid-response: " + body.length + " of " + declaredLength
                    + " bytes of an HTTP " + status);
        }
        return Optional.empty();
    }
}
