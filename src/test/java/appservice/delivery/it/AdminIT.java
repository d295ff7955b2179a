package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Operators see every application service's state, and retry, pause and resume them; dead letters too. */
@AppServices({"watched", "paused", "replayed"})
class AdminIT extends OnServer {

    private static final String TOKEN = "Bearer it-admin-token";

    @Test
    void theApiNeedsTheAdminToken() throws Exception {
        assertEquals(401, call("GET", "api/appservices", null).statusCode());
        assertEquals(403, call("GET", "api/appservices", "Bearer wrong").statusCode());
        assertEquals(200, call("GET", "api/appservices", TOKEN).statusCode());
        assertEquals(404, call("GET", "api/appservices/nobody", TOKEN).statusCode());
    }

    @Test
    void aDownApplicationServiceShowsWhyAndWhenAndARetryBringsItBackNow() throws Exception {
        RecordingAppService watched = DeliveryFixture.appService("watched");
        watched.answer(502);
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$w", "!w:localhost", "@watched_a:localhost"), "!w:localhost");
        }
        watched.awaitRequests(3, TIMEOUT); // 2 s and 4 s later: the next wait is 8 s
        RecordingAppService.await(() -> appService("watched").getInt("failed_txns") >= 3, TIMEOUT,
                () -> "not 3 failures: " + appService("watched"));
        JsonObject down = appService("watched");
        assertEquals("DOWN", down.getString("state"));
        assertEquals("HTTP 502", down.getJsonObject("last_error").getString("reason"));
        assertEquals(1, down.getInt("pending_txns"));
        assertEquals(watched.received().get(0).txnId(), down.getString("in_flight_txn"));
        assertEquals(1, down.getInt("pending_events"));
        assertTrue(down.getJsonNumber("oldest_pending_age_ms").longValue() >= 0);
        Instant nextRetry = Instant.parse(down.getString("next_retry_at"));
        assertTrue(down.getInt("backoff_step") >= 3);

        watched.answer(200);
        assertEquals(200, call("POST", "api/appservices/watched/retry", TOKEN).statusCode());
        watched.awaitDelivered(1, TIMEOUT);
        assertTrue(watched.accepted().get(0).at().isBefore(nextRetry), "retried before the backoff's time");
        RecordingAppService.await(() -> appService("watched").getString("state").equals("UP"), TIMEOUT,
                () -> "not UP: " + appService("watched"));
        JsonObject up = appService("watched");
        assertEquals(1, up.getInt("sent_txns"));
        assertEquals(1, up.getInt("sent_events"));
        assertEquals(0, up.getInt("pending_events"));

        String metrics = Http.send("GET", metricsUrl(), null, null).body();
        assertTrue(metrics.contains("sent_transactions") && metrics.contains("appservice=\"watched\""),
                "Prometheus metrics per application service:\n" + metrics);
    }

    @Test
    void aPausedApplicationServiceKeepsItsItemsUntilResumed() throws Exception {
        RecordingAppService paused = DeliveryFixture.appService("paused");
        assertEquals("PAUSED", json(call("POST", "api/appservices/paused/pause", TOKEN)).asJsonObject().getString("state"));
        try (Publisher publisher = new Publisher()) {
            for (int i = 0; i < 5; i++) {
                publisher.publish(Publisher.event("$q" + i, "!q:localhost", "@paused_a:localhost"), "!q:localhost");
            }
        }
        RecordingAppService.await(() -> appService("paused").getInt("pending_events") == 5, TIMEOUT,
                () -> "not stored: " + appService("paused"));
        Thread.sleep(2000); // the one-second sweep has had its chances to send
        assertTrue(paused.received().isEmpty(), "nothing is sent while paused");
        assertEquals("PAUSED", appService("paused").getString("state"));
        // The gauges show it within their refresh (every 5 s), paused counting as not UP.
        RecordingAppService.await(() -> gauge("pending_events", "paused") == 5 && gauge("state", "paused") == 0
                && gauge("lag_seconds", "paused") >= 0, TIMEOUT,
                () -> "gauges: " + Http.send("GET", metricsUrl(), null, null).body());

        assertEquals("UP", json(call("POST", "api/appservices/paused/resume", TOKEN)).asJsonObject().getString("state"));
        paused.awaitDelivered(5, TIMEOUT);
    }

    @Test
    void aPoisonMessageIsListedAndCanBeReplayedOrDismissed() throws Exception {
        try (Publisher publisher = new Publisher()) {
            publisher.publishText("{\"kind\":\"nonsense\"}");
            publisher.publishText("not json at all");
        }
        RecordingAppService.await(() -> deadLetters().getInt("total") >= 2, TIMEOUT, () -> "no dead letters: " + deadLetters());
        JsonArray items = deadLetters().getJsonArray("items");
        JsonObject nonsense = find(items, "{\"kind\":\"nonsense\"}");
        assertEquals("message", nonsense.getString("kind"));
        assertTrue(nonsense.getString("reason").contains("unknown kind"), nonsense.toString());
        JsonObject notJson = find(items, "not json at all");

        assertEquals(204, call("DELETE", "api/dead-letters/" + notJson.getInt("id"), TOKEN).statusCode());
        assertEquals(204, call("POST", "api/dead-letters/" + nonsense.getInt("id") + "/replay", TOKEN).statusCode());
        // Replayed, it is poison again: a new dead letter with a new message id replaces the old one.
        RecordingAppService.await(() -> {
            JsonArray now = deadLetters().getJsonArray("items");
            return now.size() == 1 && now.getJsonObject(0).getInt("id") != nonsense.getInt("id")
                    && now.getJsonObject(0).getString("body").equals("{\"kind\":\"nonsense\"}");
        }, TIMEOUT, () -> "after replay and dismiss: " + deadLetters());
        assertEquals(404, call("DELETE", "api/dead-letters/" + notJson.getInt("id"), TOKEN).statusCode());
    }

    @Test
    void aDeadLetterReplayedManyTimesAtOnceIsDeliveredOnce() throws Exception {
        RecordingAppService replayed = DeliveryFixture.appService("replayed");
        replayed.answer(body -> body.contains("$once") ? 413 : 200); // refused even alone: a dead letter
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$once", "!once:localhost", "@replayed_a:localhost"), "!once:localhost");
            RecordingAppService.await(() -> itemDeadLetter("$once") != null, TIMEOUT, () -> "no dead letter: " + deadLetters());
            int id = itemDeadLetter("$once").getInt("id");
            replayed.answer(200);

            List<Future<HttpResponse<String>>> replays = new ArrayList<>();
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                for (int i = 0; i < 8; i++) {
                    replays.add(callers.submit(() -> call("POST", "api/dead-letters/" + id + "/replay", TOKEN)));
                }
                List<Integer> statuses = new ArrayList<>();
                for (Future<HttpResponse<String>> replay : replays) {
                    statuses.add(replay.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode());
                }
                assertEquals(1, statuses.stream().filter(status -> status == 204).count(), "replayed once: " + statuses);
                assertEquals(7, statuses.stream().filter(status -> status == 404).count(), "then gone: " + statuses);
            } finally {
                callers.shutdownNow();
            }
            assertEquals(404, call("POST", "api/dead-letters/" + id + "/replay", TOKEN).statusCode(), "a replay after it");

            // A copy replayed twice would be on the queue before this one, in the same room.
            publisher.publish(Publisher.event("$marker", "!once:localhost", "@replayed_a:localhost"), "!once:localhost");
            RecordingAppService.await(() -> replayed.deliveredEventIds().contains("$marker"), TIMEOUT,
                    () -> "delivered: " + replayed.deliveredEventIds());
            assertEquals(List.of("$once", "$marker"), replayed.deliveredEventIds());
        }
    }

    @Test
    void aMessageWhoseRecordIsCutIsReplayedWholeFromItsCopyOrNotAtAll() throws Exception {
        // Poison (an unknown kind) of 200,000 characters, some of two bytes in UTF-8: the record keeps 64 KiB.
        String body = "{\"kind\":\"cut\",\"pad\":\"" + "\u00e9x".repeat(100_000) + "\"}";
        byte[] utf8 = body.getBytes(StandardCharsets.UTF_8);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8));
        try (Publisher publisher = new Publisher()) {
            String messageId = publisher.publishText(body);
            RecordingAppService.await(() -> messageDeadLetter(messageId) != null, TIMEOUT, () -> "no dead letter: " + deadLetters());
            JsonObject cut = messageDeadLetter(messageId);
            assertTrue(cut.getBoolean("truncated"), cut.toString());
            assertEquals(utf8.length, cut.getJsonNumber("body_length").longValue());
            assertEquals(sha256, cut.getString("body_sha256"));
            String listed = cut.getString("body");
            assertTrue(body.startsWith(listed) && listed.getBytes(StandardCharsets.UTF_8).length > 65_000
                    && listed.getBytes(StandardCharsets.UTF_8).length <= 65_536, listed.length() + " characters listed");

            // Replayed from its copy on the dead-letter queue: whole, so poison again, with the same length and hash.
            assertEquals(204, call("POST", "api/dead-letters/" + cut.getInt("id") + "/replay", TOKEN).statusCode());
            RecordingAppService.await(() -> cutDeadLetters(sha256).size() == 1 && messageDeadLetter(messageId) == null,
                    TIMEOUT, () -> "not refused again: " + deadLetters());
            JsonObject again = cutDeadLetters(sha256).get(0);
            assertEquals(utf8.length, again.getJsonNumber("body_length").longValue());
            assertEquals(listed, again.getString("body"));

            // Without its copy, a cut record cannot be replayed: 409, and it stays for the operator to dismiss.
            assertNotNull(publisher.takeDeadLetter(again.getString("message_id"), TIMEOUT), "no copy on the dead-letter queue");
            HttpResponse<String> refused = call("POST", "api/dead-letters/" + again.getInt("id") + "/replay", TOKEN);
            assertEquals(409, refused.statusCode(), refused.body());
            JsonObject error = Json.createReader(new StringReader(refused.body())).readObject();
            assertEquals("M_DEAD_LETTER_COPY_GONE", error.getString("errcode"));
            assertTrue(error.getString("error").contains("no longer on the dead-letter queue"), error.toString());
            assertEquals(again, messageDeadLetter(again.getString("message_id")));
            assertEquals(204, call("DELETE", "api/dead-letters/" + again.getInt("id"), TOKEN).statusCode());
        }
    }

    private JsonObject itemDeadLetter(String eventId) {
        return items().filter(i -> i.getString("appservice_id").equals("replayed") && i.getString("body").contains(eventId))
                .findFirst().orElse(null);
    }

    private JsonObject messageDeadLetter(String messageId) {
        return items().filter(i -> i.getString("message_id").equals(messageId)).findFirst().orElse(null);
    }

    private List<JsonObject> cutDeadLetters(String sha256) {
        return items().filter(i -> i.containsKey("body_sha256") && i.getString("body_sha256").equals(sha256)).toList();
    }

    private Stream<JsonObject> items() {
        return deadLetters().getJsonArray("items").stream().map(JsonObject.class::cast);
    }

    /** A gauge's value for an application service in the Prometheus text of /metrics; NaN if it is not there. */
    private double gauge(String name, String asId) {
        Pattern line = Pattern.compile("^" + name + "\\{[^}]*appservice=\"" + asId + "\"[^}]*\\}\\s+(\\S+)", Pattern.MULTILINE);
        Matcher value = line.matcher(Http.send("GET", metricsUrl(), null, null).body());
        return value.find() ? Double.parseDouble(value.group(1)) : Double.NaN;
    }

    private static JsonObject find(JsonArray items, String body) {
        return items.stream().map(JsonObject.class::cast).filter(i -> i.getString("body").equals(body))
                .findFirst().orElseThrow(() -> new AssertionError("no dead letter " + body + " in " + items));
    }

    private JsonObject appService(String id) {
        try {
            return json(call("GET", "api/appservices/" + id, TOKEN)).asJsonObject();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private JsonObject deadLetters() {
        try {
            return json(call("GET", "api/dead-letters", TOKEN)).asJsonObject();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> call(String method, String path, String authorization) {
        return Http.send(method, baseUrl() + path, authorization, null);
    }

    private static JsonStructure json(HttpResponse<String> response) {
        assertFalse(response.statusCode() >= 400, response.statusCode() + " " + response.body());
        return Json.createReader(new StringReader(response.body())).read();
    }
}
