package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The client-server ping (spec v1.7): every answer the spec defines, and the retry it forces. */
@AppServices({"pinged", "nourl|url: null", "gone|url: http://127.0.0.1:9"})
class PingIT extends OnServer {

    @Test
    void aReachableApplicationServiceAnswersWithTheDuration() throws Exception {
        RecordingAppService pinged = DeliveryFixture.appService("pinged");
        HttpResponse<String> response = ping("pinged", "Bearer as-pinged", "{\"transaction_id\":\"t1\"}");
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(json(response).getJsonNumber("duration_ms").longValue() >= 0);
        RecordingAppService.Received request = pinged.pings().get(pinged.pings().size() - 1);
        assertEquals("{\"transaction_id\":\"t1\"}", request.body());
        assertEquals("Bearer hs-pinged", request.authorization());
    }

    @Test
    void theSpecsErrors() throws Exception {
        assertError(ping("pinged", "Bearer as-nourl", "{}"), 403, "M_FORBIDDEN");
        assertError(ping("pinged", null, "{}"), 403, "M_FORBIDDEN");
        assertError(ping("nobody", "Bearer as-pinged", "{}"), 403, "M_FORBIDDEN");
        assertError(ping("nourl", "Bearer as-nourl", "{}"), 400, "M_URL_NOT_SET");
        assertError(ping("gone", "Bearer as-gone", "{}"), 502, "M_CONNECTION_FAILED");

        RecordingAppService pinged = DeliveryFixture.appService("pinged");
        pinged.answerPings(500);
        HttpResponse<String> bad = ping("pinged", "Bearer as-pinged", "{}");
        assertError(bad, 502, "M_BAD_STATUS");
        assertEquals(500, json(bad).getInt("status"));
        assertEquals("{\"errcode\":\"M_UNKNOWN\"}", json(bad).getString("body"));

        pinged.answerPings(200);
        pinged.delay(Duration.ofSeconds(10)); // past the tests' 5 s read timeout
        try {
            assertError(ping("pinged", "Bearer as-pinged", "{}"), 504, "M_CONNECTION_TIMEOUT");
        } finally {
            pinged.delay(Duration.ZERO);
        }
    }

    @Test
    void aSuccessfulPingOfADownApplicationServiceRetriesItNow() throws Exception {
        RecordingAppService pinged = DeliveryFixture.appService("pinged");
        pinged.answer(500);
        int before = pinged.received().size();
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$p", "!p:localhost", "@pinged_a:localhost"), "!p:localhost");
        }
        // Three failures: the recoverer's next wait is 8 s.
        pinged.awaitRequests(before + 3, TIMEOUT);
        RecordingAppService.await(() -> nextRetryAt() != null && nextRetryAt().isAfter(
                pinged.received().get(before + 2).at().plusSeconds(7)), TIMEOUT,
                () -> "no 8 s wait scheduled: " + Admin.appService(baseUrl(), "pinged"));
        Instant scheduled = nextRetryAt();
        pinged.answer(200);

        assertEquals(200, ping("pinged", "Bearer as-pinged", "{}").statusCode());
        pinged.awaitDelivered(1, TIMEOUT);
        Instant retried = pinged.accepted().get(0).at();
        assertTrue(retried.isBefore(scheduled), "retried at " + retried + ", the backoff would have waited until " + scheduled);
        RecordingAppService.await(() -> Admin.state(baseUrl(), "pinged").equals("UP"), TIMEOUT,
                () -> "not UP: " + Admin.appService(baseUrl(), "pinged"));
    }

    private Instant nextRetryAt() {
        return Admin.nextRetryAt(baseUrl(), "pinged").orElse(null);
    }

    private HttpResponse<String> ping(String appserviceId, String authorization, String body) {
        return Http.send("POST", baseUrl() + "_matrix/client/v1/appservice/" + appserviceId + "/ping", authorization, body);
    }

    private static JsonObject json(HttpResponse<String> response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }

    private static void assertError(HttpResponse<String> response, int status, String errcode) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(errcode, json(response).getString("errcode"), response.body());
    }
}
