package appservice.delivery.it;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;

/** Reads {@code /health/ready} as an operator would. */
public final class Health {

    private Health() {
    }

    /**
     * The data of the named check, {@code delivery} or {@code appservices}. Each application service's state
     * and backlog are not there but in the admin API: see {@link Admin}.
     */
    public static JsonObject check(String baseUrl, String name) {
        for (JsonValue check : ready(baseUrl).getJsonArray("checks")) {
            JsonObject object = check.asJsonObject();
            if (object.getString("name").equals(name)) {
                return object.containsKey("data") ? object.getJsonObject("data") : JsonValue.EMPTY_JSON_OBJECT;
            }
        }
        throw new AssertionError("no health check " + name + " in " + ready(baseUrl));
    }

    public static JsonObject ready(String baseUrl) {
        String body = Http.send("GET", baseUrl.replaceAll("/+$", "") + "/health/ready", null, null).body();
        return Json.createReader(new StringReader(body)).readObject();
    }

    public static boolean isReady(String baseUrl) {
        try {
            return ready(baseUrl).getString("status").equals("UP");
        } catch (AssertionError | RuntimeException e) {
            return false;
        }
    }
}
