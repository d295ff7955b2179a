package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.Http;
import appservice.delivery.it.Publisher;
import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import jakarta.jms.Message;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.InputStream;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Many 10 MB messages at once, in a service with a 512 MB heap: each goes to the dead-letter queue with
 * its reason, the good events between them arrive in order, and the service never runs out of memory.
 * Messages of hundreds of megabytes, far more than that heap could hold, are refused by their size before
 * they are read, and their copies on the dead-letter queue are whole.
 */
class LargeMessagesIT {

    private static final int LARGE = 8;
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void tenMegabyteMessagesAtOnceAreRefusedWithoutExhaustingTheHeap() throws Exception {
        try (RecordingAppService bridge = new RecordingAppService("bridge");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("faults-large", bridge),
                     Map.of("JAVA_OPTS", "-Xmx512m"))) {
            service.start();
            List<String> good = new ArrayList<>();
            try (Publisher publisher = service.publisher()) {
                for (int i = 0; i < LARGE; i++) {
                    String body = String.valueOf((char) ('a' + i)).repeat(10 << 20);
                    publisher.publishText("{\"kind\":\"event\",\"event\":{\"event_id\":\"$big" + i
                            + "\",\"room_id\":\"!r" + i + ":localhost\",\"sender\":\"@bridge_a:localhost\","
                            + "\"type\":\"m.room.message\",\"content\":{\"body\":\"" + body + "\"}}}");
                    String id = "$good" + i;
                    good.add(id);
                    publisher.publish(Publisher.event(id, "!good:localhost", "@bridge_a:localhost"), "!good:localhost");
                }
                bridge.awaitDelivered(LARGE, TIMEOUT);
                assertEquals(good, bridge.deliveredEventIds());
                for (int n = 0; n < LARGE; n++) {
                    Message dead = publisher.nextDeadLetter(TIMEOUT);
                    assertNotNull(dead, "only " + n + " of " + LARGE + " large messages on the DLQ");
                    assertTrue(dead.getStringProperty("delivery_error").contains("65536"),
                            dead.getStringProperty("delivery_error"));
                }
            }
            assertTrue(service.isAlive(), "the service died");
            assertFalse(service.log().contains("OutOfMemoryError"), "the service ran out of memory");
            Faults.report("large", LARGE + " messages of 10 MB refused with -Xmx512m; resident "
                    + service.residentBytes() / 1_048_576 + " MB after");
            service.stop();
        }
    }

    @Test
    void messagesOfHundredsOfMegabytesAreRefusedUnreadAndCopiedWhole() throws Exception {
        long textChars = 120L << 20; // 240 MB as Artemis holds it (two bytes a character)
        long bytesLength = 160L << 20;
        try (RecordingAppService bridge = new RecordingAppService("bridge");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("faults-huge", bridge),
                     Map.of("JAVA_OPTS", "-Xmx512m", "DELIVERY_ADMIN_TOKEN", "huge-admin-token"))) {
            service.start();
            String textId;
            String bytesId;
            try (Publisher publisher = service.publisher()) {
                publisher.publish(Publisher.event("$before", "!huge:localhost", "@bridge_a:localhost"), "!huge:localhost");
                textId = publisher.publishStreamedText(new HugeText(textChars).artemisEncoded(), "!huge:localhost");
                bytesId = publisher.publishStreamedBytes(new HugeText(bytesLength).utf8());
                publisher.publish(Publisher.event("$after", "!huge:localhost", "@bridge_a:localhost"), "!huge:localhost");
                bridge.awaitDelivered(2, TIMEOUT);
                assertEquals(List.of("$before", "$after"), bridge.deliveredEventIds(), "the room's order");
            }
            String textSha256 = sha256(new HugeText(textChars).utf8());
            String bytesSha256 = sha256(new HugeText(bytesLength).utf8());

            // The copies on the dead-letter queue, read as they stream in: whole.
            Map<String, String[]> copies = DeadLetterCopies.read(service.brokerUrl(), 2, TIMEOUT);
            assertEquals(textSha256, copies.get(textId)[0], "the text's copy differs");
            assertTrue(copies.get(textId)[1].contains("a message of " + textChars + " characters, more than the limit of 4194304"),
                    copies.get(textId)[1]);
            assertEquals(bytesSha256, copies.get(bytesId)[0], "the bytes' copy differs");
            assertTrue(copies.get(bytesId)[1].contains("not a TextMessage but a BytesMessage"), copies.get(bytesId)[1]);

            // Their records keep 64 KiB, with the whole body's length and hash.
            JsonObject text = deadLetter(service, textId);
            assertTrue(text.getBoolean("truncated"));
            assertEquals(textChars, text.getJsonNumber("body_length").longValue());
            assertEquals(textSha256, text.getString("body_sha256"));
            assertEquals(65_536, text.getString("body").length());
            assertTrue(new String(new HugeText(textChars).utf8().readNBytes(65_536), StandardCharsets.UTF_8)
                    .equals(text.getString("body")), "the record's start differs");
            JsonObject bytes = deadLetter(service, bytesId);
            assertEquals(bytesLength, bytes.getJsonNumber("body_length").longValue());
            assertEquals(bytesSha256, bytes.getString("body_sha256"));

            assertTrue(service.isAlive(), "the service died");
            assertFalse(service.log().contains("OutOfMemoryError"), "the service ran out of memory");
            Faults.report("huge", "a text of " + (textChars >> 20) + " M characters and " + (bytesLength >> 20)
                    + " MB of bytes refused unread and copied whole with -Xmx512m; resident "
                    + service.residentBytes() / 1_048_576 + " MB after");
            service.stop();
        }
    }

    private static JsonObject deadLetter(ServiceProcess service, String messageId) {
        JsonObject[] found = new JsonObject[1];
        RecordingAppService.await(() -> {
            HttpResponse<String> list = Http.send("GET", service.baseUrl() + "api/dead-letters", "Bearer huge-admin-token", null);
            found[0] = Json.createReader(new StringReader(list.body())).readObject().getJsonArray("items")
                    .getValuesAs(JsonObject.class).stream().filter(l -> l.getString("message_id").equals(messageId))
                    .findFirst().orElse(null);
            return found[0] != null;
        }, TIMEOUT, () -> "no dead letter for " + messageId);
        return found[0];
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
