package appservice.delivery.it;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Optional;

/**
 * Reads each application service's state and backlog from the admin API, as an operator would (the
 * public {@code /health/ready} no longer shows them), with the tests' admin token.
 */
public final class Admin {

    /** The admin token the tests' services run with: arquillian.xml's, and {@link ServiceProcess}'s by default. */
    public static final String TOKEN = "it-admin-token";

    private Admin() {
    }

    /** {@code GET /api/appservices/{id}}: state, pending_events, next_retry_at, last_error, ... */
    public static JsonObject appService(String baseUrl, String asId) {
        return json(get(baseUrl, "api/appservices/" + asId));
    }

    /** UP, DOWN or PAUSED. */
    public static String state(String baseUrl, String asId) {
        return appService(baseUrl, asId).getString("state");
    }

    public static long pendingEvents(String baseUrl, String asId) {
        return appService(baseUrl, asId).getJsonNumber("pending_events").longValue();
    }

    /** When the recoverer of a DOWN application service retries; empty when it is UP. */
    public static Optional<Instant> nextRetryAt(String baseUrl, String asId) {
        JsonObject status = appService(baseUrl, asId);
        return status.isNull("next_retry_at") ? Optional.empty() : Optional.of(Instant.parse(status.getString("next_retry_at")));
    }

    /** How many dead letters there are. */
    public static long deadLetters(String baseUrl) {
        return json(get(baseUrl, "api/dead-letters?limit=1")).getJsonNumber("total").longValue();
    }

    private static HttpResponse<String> get(String baseUrl, String path) {
        HttpResponse<String> response = Http.send("GET", baseUrl.replaceAll("/+$", "") + "/" + path, "Bearer " + TOKEN, null);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response;
    }

    private static JsonObject json(HttpResponse<String> response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }
}
