package appservice.delivery;

import jakarta.json.spi.JsonProvider;

/**
 * The one JSON provider, looked up once: {@code Json.createReader}, {@code Json.createObjectBuilder} and
 * the like look the provider up again on every call, a scan of the class path that took a fifth of the
 * time spent on each message.
 */
public final class JsonFactory {

    public static final JsonProvider JSON = JsonProvider.provider();

    private JsonFactory() {
    }
}
