package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Messages that can never be delivered go to the dead-letter queue with their reason; nothing else is lost. */
@AppServices({"bridge"})
class PoisonIT extends OnServer {

    @Test
    void eachKindOfPoisonGoesToTheDeadLetterQueueWithItsReasonAndTheGoodMessagesAroundThemArrive() throws JMSException {
        String validEvent = "{\"event_id\":\"$e\",\"room_id\":\"!r:localhost\",\"sender\":\"@bridge_a:localhost\",\"type\":\"m.room.message\"";
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put("this is not json", "not JSON");
        poison.put("[1, 2, 3]", "not a JSON object");
        poison.put("{\"kind\":\"event\"}", "event");
        poison.put("{\"kind\":\"event\",\"event\":{\"room_id\":\"!r:localhost\",\"sender\":\"@bridge_a:localhost\",\"type\":\"m.room.message\"}}", "event_id");
        poison.put("{\"kind\":\"event\",\"event\":{\"event_id\":\"$x\",\"sender\":\"@bridge_a:localhost\",\"type\":\"m.room.message\"}}", "room_id");
        poison.put("{\"kind\":\"event\",\"event\":{\"event_id\":\"$x\",\"room_id\":\"!r:localhost\",\"type\":\"m.room.message\"}}", "sender");
        poison.put("{\"kind\":\"event\",\"event\":{\"event_id\":\"$x\",\"room_id\":\"!r:localhost\",\"sender\":\"@bridge_a:localhost\"}}", "type");
        poison.put("{\"kind\":\"event\",\"event\":{\"event_id\":5,\"room_id\":\"!r:localhost\",\"sender\":\"@bridge_a:localhost\",\"type\":\"m.room.message\"}}", "event_id");
        poison.put("{\"kind\":\"event\",\"event\":" + validEvent + "},\"room_members\":\"@bridge_a:localhost\"}", "room_members");
        poison.put("{\"kind\":\"bogus\",\"event\":" + validEvent + "}}", "unknown kind");
        poison.put("{\"kind\":\"event\",\"event\":" + validEvent + "},\"appservice_id\":\"nobody\"}", "unknown appservice_id");
        poison.put("{\"kind\":\"event\",\"event\":" + validEvent + ",\"content\":{\"body\":\"" + "x".repeat(70_000) + "\"}}}", "65536");
        String megabyteEvent = validEvent + ",\"content\":{\"body\":\"" + "x".repeat(1 << 20) + "\"}}";
        poison.put("{\"kind\":\"event\",\"event\":" + megabyteEvent + "}",
                "event $e is " + megabyteEvent.length() + " bytes of JSON, more than the limit of 65536 bytes");
        String tenMegabyteEvent = validEvent + ",\"content\":{\"body\":\"" + "y".repeat(10 << 20) + "\"}}";
        String tenMegabytes = "{\"kind\":\"event\",\"event\":" + tenMegabyteEvent + "}";
        poison.put(tenMegabytes, "a message of " + tenMegabytes.length() + " characters, more than the limit of 4194304");
        // A TextMessage is a Java string: "invalid UTF-8" there is an unpaired surrogate, raw or escaped.
        String rawSurrogate = "{\"kind\":\"event\",\"event\":" + validEvent + ",\"content\":{\"body\":\"a" + (char) 0xD800 + "b\"}}}";
        poison.put(rawSurrogate, "not valid Unicode: unpaired surrogate \\ud800 at index 1 of 'event.content.body'");
        poison.put("{\"kind\":\"event\",\"event\":" + validEvent + ",\"content\":{\"body\":\"a\\udc00b\"}}}",
                "not valid Unicode: unpaired surrogate \\udc00 at index 1 of 'event.content.body'");
        String rawNul = "{\"kind\":\"event\",\"event\":" + validEvent + ",\"content\":{\"body\":\"a\0b\"}}}";
        poison.put(rawNul, "not JSON");
        poison.put("{\"kind\":\"bo\\u0000gus\",\"event\":" + validEvent + "}}", "unknown kind 'bo\\u0000gus'");
        poison.put("{\"kind\":\"" + "k".repeat(1 << 20) + "\"}", "unknown kind 'kkk");

        Map<String, String> expectedReason = new HashMap<>();
        Map<String, String> idOf = new HashMap<>();
        List<String> goodIds = new ArrayList<>();
        try (Publisher publisher = new Publisher()) {
            int i = 0;
            for (Map.Entry<String, String> bad : poison.entrySet()) {
                String id = publisher.publishText(bad.getKey());
                expectedReason.put(id, bad.getValue());
                idOf.put(bad.getKey(), id);
                String good = "$good" + i++;
                goodIds.add(good);
                publisher.publish(Publisher.event(good, "!r:localhost", "@bridge_a:localhost"), "!r:localhost");
            }
            expectedReason.put(publisher.publishBytes("{\"kind\":\"event\"}".getBytes(StandardCharsets.UTF_8)), "BytesMessage");
            expectedReason.put(publisher.publishObject("an object"), "ObjectMessage");
            byte[] invalidUtf8 = {'{', (byte) 0xC3, 0x28, '}'};
            String invalidUtf8Id = publisher.publishBytes(invalidUtf8);
            expectedReason.put(invalidUtf8Id, "not a TextMessage but a BytesMessage");
            String nulBytesId = publisher.publishBytes(new byte[] {'{', 0, '}'});
            expectedReason.put(nulBytesId, "not a TextMessage but a BytesMessage");
            // An escaped NUL is valid JSON: it is delivered, still escaped (PostgreSQL text cannot hold a NUL).
            goodIds.add("$nul");
            publisher.publish("{\"kind\":\"event\",\"event\":{\"event_id\":\"$nul\",\"room_id\":\"!r:localhost\","
                    + "\"sender\":\"@bridge_a:localhost\",\"type\":\"m.room.message\","
                    + "\"content\":{\"msgtype\":\"m.text\",\"body\":\"nul\\u0000here\"}}}", "!r:localhost");

            RecordingAppService bridge = DeliveryFixture.appService("bridge");
            bridge.awaitDelivered(goodIds.size(), TIMEOUT);
            assertEquals(goodIds, bridge.deliveredEventIds());
            String nulBody = bridge.accepted().stream().map(RecordingAppService.Received::body)
                    .filter(body -> body.contains("\"$nul\"")).findFirst().orElseThrow();
            assertTrue(nulBody.contains("\"body\":\"nul\\u0000here\""), nulBody);
            JsonObject nulEvent = Json.createReader(new StringReader(nulBody)).readObject().getJsonArray("events")
                    .getValuesAs(JsonObject.class).stream().filter(e -> e.getString("event_id").equals("$nul"))
                    .findFirst().orElseThrow();
            assertEquals("nul\0here", nulEvent.getJsonObject("content").getString("body"));

            Map<String, Message> dead = new HashMap<>();
            for (int n = 0; n < expectedReason.size(); n++) {
                Message letter = publisher.nextDeadLetter(TIMEOUT);
                assertNotNull(letter, "only " + n + " of " + expectedReason.size() + " poison messages on the DLQ");
                dead.put(letter.getStringProperty("original_message_id"), letter);
            }
            for (Map.Entry<String, String> expected : expectedReason.entrySet()) {
                Message letter = dead.get(expected.getKey());
                assertNotNull(letter, "no dead letter for message " + expected.getKey() + " (" + expected.getValue() + ")");
                String reason = letter.getStringProperty("delivery_error");
                assertTrue(reason.contains(expected.getValue()), "reason '" + reason + "' should mention " + expected.getValue());
                assertTrue(reason.length() <= 2000, "a reason of " + reason.length() + " characters");
            }
            // The copies keep the bodies as they came, the largest and the undecodable included.
            assertTrue(tenMegabytes.equals(dead.get(idOf.get(tenMegabytes)).getBody(String.class)), "the 10 MB copy differs");
            assertArrayEquals(invalidUtf8, dead.get(invalidUtf8Id).getBody(byte[].class));

            // The records operators list keep every body up to 64 KiB, with U+FFFD where a database could not hold
            // it, and the whole body's length and SHA-256 (of its UTF-8).
            Map<String, String> recorded = new HashMap<>();
            Map<String, JsonObject> letters = new HashMap<>();
            RecordingAppService.await(() -> {
                recorded.clear();
                HttpResponse<String> list = Http.send("GET", baseUrl() + "api/dead-letters?limit=500", "Bearer it-admin-token", null);
                for (JsonObject letter : Json.createReader(new StringReader(list.body())).readObject()
                        .getJsonArray("items").getValuesAs(JsonObject.class)) {
                    recorded.put(letter.getString("message_id"), letter.getString("body"));
                    letters.put(letter.getString("message_id"), letter);
                }
                return recorded.keySet().containsAll(expectedReason.keySet());
            }, TIMEOUT, () -> recorded.size() + " of " + expectedReason.size() + " dead letters recorded");
            JsonObject tenMegabyteRecord = letters.get(idOf.get(tenMegabytes));
            assertEquals(tenMegabytes.substring(0, 65_536), tenMegabyteRecord.getString("body"));
            assertTrue(tenMegabyteRecord.getBoolean("truncated"));
            assertEquals(tenMegabytes.length(), tenMegabyteRecord.getJsonNumber("body_length").longValue());
            assertEquals(sha256(tenMegabytes.getBytes(StandardCharsets.UTF_8)), tenMegabyteRecord.getString("body_sha256"));
            JsonObject rawNulRecord = letters.get(idOf.get(rawNul));
            assertFalse(rawNulRecord.getBoolean("truncated"));
            assertEquals(sha256(rawNul.getBytes(StandardCharsets.UTF_8)), rawNulRecord.getString("body_sha256"));
            assertEquals(sha256(invalidUtf8), letters.get(invalidUtf8Id).getString("body_sha256"));
            assertEquals(invalidUtf8.length, letters.get(invalidUtf8Id).getJsonNumber("body_length").longValue());
            assertEquals(rawSurrogate.replace((char) 0xD800, '\uFFFD'), recorded.get(idOf.get(rawSurrogate)));
            assertEquals(rawNul.replace('\0', '\uFFFD'), recorded.get(idOf.get(rawNul)));
            assertEquals("{\uFFFD(}", recorded.get(invalidUtf8Id));
            assertEquals("{\uFFFD}", recorded.get(nulBytesId));
        }
    }

    /**
     * A producer may compress large messages: Artemis then gives the body inflated, but not its inflated size,
     * so such a message is read whole (not refused unread by its size), and its copy is whole.
     */
    @Test
    void aCompressedMessageOverTheLimitIsRefusedAndCopiedWhole() throws JMSException {
        String body = "{\"kind\":\"event\",\"event\":{\"content\":{\"body\":\"" + "z".repeat(5 << 20) + "\"}}}";
        String url = System.getProperty("it.broker.url", "tcp://127.0.0.1:61616");
        try (Publisher compressing = new Publisher(url + (url.contains("?") ? "&" : "?") + "compressLargeMessage=true")) {
            String id = compressing.publishText(body);
            Message copy = compressing.takeDeadLetter(id, TIMEOUT);
            assertNotNull(copy, "no copy on the dead-letter queue");
            assertTrue(copy.getStringProperty("delivery_error").contains("more than the limit of 4194304"),
                    copy.getStringProperty("delivery_error"));
            String copied = copy.getBody(String.class);
            assertEquals(body.length(), copied.length(), "the copy's length");
            assertTrue(body.equals(copied), "the copy differs");
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
