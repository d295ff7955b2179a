package appservice.delivery.ping;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/**
 * The body of a ping request, {@code {"transaction_id": "optional"}}, read only up to {@value #LIMIT}
 * bytes: the spec's body is a few dozen, and one of any size was read whole before.
 */
final class PingBody {

    static final int LIMIT = 64 * 1024;

    /** The body is over {@link #LIMIT} bytes. */
    static final class TooLargeException extends Exception {
        TooLargeException() {
            super("the body is over " + LIMIT + " bytes", null, false, false);
        }
    }

    private PingBody() {
    }

    /**
     * The transaction id the request names, or null; reads at most one byte over the limit. Throws
     * IllegalArgumentException when the body is not the JSON object the spec asks for.
     */
    static String transactionId(InputStream body) throws IOException, TooLargeException {
        if (body == null) {
            return null;
        }
        byte[] bytes = body.readNBytes(LIMIT + 1);
        if (bytes.length > LIMIT) {
            throw new TooLargeException();
        }
        return transactionId(new String(bytes, StandardCharsets.UTF_8));
    }

    private static String transactionId(String body) {
        if (body.isBlank()) {
            return null;
        }
        JsonObject object = Json.createReader(new StringReader(body)).readObject();
        JsonValue id = object.get("transaction_id");
        if (id == null || id.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (!(id instanceof JsonString string)) {
            throw new IllegalArgumentException("'transaction_id' must be a string");
        }
        return string.getString();
    }
}
