package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.broker.EmbeddedBroker;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/ready} answers anyone: whether the service takes and stores published events, part by
 * part, and nothing else: no application service, no backlog, no error text (those are in the log and
 * the admin API). Here with an external broker that is not there at first, comes, and goes again.
 */
@PackagedRuntime
class ReadinessIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void itSaysWhichPartFailsAndNothingMore() throws Exception {
        Path dir = ServiceProcess.prepare("readiness", Map.of("secret-bridge", "http://127.0.0.1:9"));
        try (ServiceProcess service = new ServiceProcess(dir, Map.of("DELIVERY_BROKER_EMBEDDED", "false"))) {
            service.launch();
            RecordingAppService.await(() -> answers(service), Duration.ofSeconds(180), () -> "/health/ready never answered");
            HttpResponse<String> noBroker = ready(service);
            assertEquals(503, noBroker.statusCode(), noBroker.body());
            assertEquals(Map.of("registrations", "loaded", "database", "reachable", "queue", "not consumed",
                    "unwanted_events", "0"), data(noBroker, "delivery"), noBroker.body());
            assertNothingBeyondTheChecks(noBroker);

            EmbeddedActiveMQ broker = EmbeddedBroker.start(dir.resolve("broker"), service.brokerUrl(), Publisher.QUEUE);
            try {
                RecordingAppService.await(() -> Health.isReady(service.baseUrl()), TIMEOUT,
                        () -> "not ready with its broker: " + ready(service).body());
                try (Publisher publisher = service.publisher()) {
                    publisher.publish(Publisher.event("$r", "!r:localhost", "@secret-bridge_a:localhost"), "!r:localhost");
                }
                // The application service cannot be reached: DOWN with a backlog, which only the admin API shows.
                RecordingAppService.await(() -> Admin.state(service.baseUrl(), "secret-bridge").equals("DOWN")
                        && Admin.pendingEvents(service.baseUrl(), "secret-bridge") == 1, TIMEOUT,
                        () -> "not DOWN with one event: " + Admin.appService(service.baseUrl(), "secret-bridge"));
                HttpResponse<String> up = ready(service);
                assertEquals(200, up.statusCode(), up.body());
                assertTrue(data(up, "delivery").get("queue").startsWith("consumed by "), up.body());
                assertEquals(Map.of("registered", "1"), data(up, "appservices"), up.body());
                assertNothingBeyondTheChecks(up);
                assertNothingBeyondTheChecks(Http.send("GET", service.baseUrl() + "health", null, null));
            } finally {
                broker.stop();
            }
            RecordingAppService.await(() -> !Health.isReady(service.baseUrl()), TIMEOUT,
                    () -> "still ready without its broker: " + ready(service).body());
            HttpResponse<String> brokerGone = ready(service);
            assertEquals("not consumed", data(brokerGone, "delivery").get("queue"), brokerGone.body());
            assertNothingBeyondTheChecks(brokerGone);
            service.stop();
        }
    }

    /** Only the checks' names and statuses and their own data: no application service, backlog or reason. */
    private static void assertNothingBeyondTheChecks(HttpResponse<String> response) {
        String body = response.body();
        for (String detail : List.of("secret-bridge", "pending", "next_retry_at", "dead_letters", "state",
                "AMQ", "Exception", "rror", "refused", "onnect")) {
            assertFalse(body.contains(detail), "/health/ready shows '" + detail + "': " + body);
        }
    }

    private static boolean answers(ServiceProcess service) {
        if (!service.isAlive()) {
            throw new AssertionError("the service exited:\n" + service.log());
        }
        try {
            return body(ready(service)).containsKey("checks");
        } catch (RuntimeException | AssertionError e) {
            return false; // not deployed yet: Payara's own 404 page
        }
    }

    private static HttpResponse<String> ready(ServiceProcess service) {
        return Http.send("GET", service.baseUrl() + "health/ready", null, null);
    }

    private static JsonObject body(HttpResponse<String> response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }

    /** A check's data, every value as text. */
    private static Map<String, String> data(HttpResponse<String> response, String check) {
        JsonObject found = body(response).getJsonArray("checks").stream().map(JsonObject.class::cast)
                .filter(c -> c.getString("name").equals(check)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + check + " in " + response.body()));
        Map<String, String> data = new java.util.TreeMap<>();
        found.getJsonObject("data").forEach((key, value) -> data.put(key,
                value instanceof jakarta.json.JsonString text ? text.getString() : value.toString()));
        return data;
    }
}
