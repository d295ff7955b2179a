package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The client-server ping (spec v1.7): every answer the spec defines, the retry it forces, and what it
 * refuses before spending anything on it.
 */
@AppServices({"pinged", "slow", "nourl|url: null", "gone|url: http://127.0.0.1:9"})
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

    @Test
    void aWrongTokenIsRefusedBeforeTheBodyIsRead() throws Exception {
        // 8 MB announced, 64 KiB sent: a service that read the body first would wait for the rest forever. (Under
        // WildFly's 10 MB limit on request bodies, above which its server answers 400 before the application.)
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + base.getPath() + "_matrix/client/v1/appservice/pinged/ping HTTP/1.1\r\n"
                    + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                    + "Authorization: Bearer as-gone\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + 8 * 1024 * 1024 + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(("{\"transaction_id\":\"t\",\"padding\":\"" + "x".repeat(64 * 1024))
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertTrue(statusLine != null && statusLine.startsWith("HTTP/1.1 403"), "answered: " + statusLine);
        }
    }

    @Test
    void aBodyOverSixtyFourKibibytesIsTooLarge() throws Exception {
        RecordingAppService pinged = DeliveryFixture.appService("pinged");
        int before = pinged.pingsArrived();
        String large = "{\"transaction_id\":\"t\",\"padding\":\"" + "x".repeat(64 * 1024) + "\"}";
        byte[] bytes = large.getBytes(StandardCharsets.UTF_8);
        // HTTP/1.1: on an HTTP/2 connection the JDK's client does not read an answer before it has sent the
        // whole body, which it cannot while the service, not reading it, leaves the stream's 64 KiB window full.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(pingUrl("pinged"))).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer as-pinged").header("Content-Type", "application/json");
        assertError(client.send(request.copy().POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofString()), 413, "M_TOO_LARGE");
        // Without a Content-Length (chunked): refused once more than the limit has been read.
        assertError(client.send(request.copy()
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build(),
                HttpResponse.BodyHandlers.ofString()), 413, "M_TOO_LARGE");
        assertEquals(before, pinged.pingsArrived(), "nothing was pinged");
        assertEquals(200, ping("pinged", "Bearer as-pinged", "{\"transaction_id\":\"small\"}").statusCode());
    }

    @Test
    void aSecondPingWhileOneIsInFlightIsRefused() throws Exception {
        RecordingAppService slow = DeliveryFixture.appService("slow");
        slow.delay(Duration.ofSeconds(10)); // past the tests' 5 s read timeout
        try {
            CompletableFuture<HttpResponse<String>> first =
                    CompletableFuture.supplyAsync(() -> ping("slow", "Bearer as-slow", "{}"));
            RecordingAppService.await(() -> slow.pingsArrived() == 1, TIMEOUT, () -> "the first ping did not arrive");
            assertError(ping("slow", "Bearer as-slow", "{}"), 429, "M_LIMIT_EXCEEDED");
            assertEquals(1, slow.pingsArrived(), "the second ping did not go out");
            assertError(first.get(60, TimeUnit.SECONDS), 504, "M_CONNECTION_TIMEOUT");
        } finally {
            slow.delay(Duration.ZERO);
        }
        assertEquals(200, ping("slow", "Bearer as-slow", "{}").statusCode(), "once the first is over, pings go out again");
    }

    private Instant nextRetryAt() {
        return Admin.nextRetryAt(baseUrl(), "pinged").orElse(null);
    }

    private String pingUrl(String appserviceId) {
        return baseUrl() + "_matrix/client/v1/appservice/" + appserviceId + "/ping";
    }

    private HttpResponse<String> ping(String appserviceId, String authorization, String body) {
        return Http.send("POST", pingUrl(appserviceId), authorization, body);
    }

    private static JsonObject json(HttpResponse<String> response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }

    private static void assertError(HttpResponse<String> response, int status, String errcode) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(errcode, json(response).getString("errcode"), response.body());
    }
}
