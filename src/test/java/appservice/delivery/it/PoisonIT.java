package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Messages that can never be delivered go to the dead-letter queue with their reason; nothing else is lost. */
@AppServices({"bridge"})
class PoisonIT extends OnPayaraMicro {

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

        Map<String, String> expectedReason = new HashMap<>();
        List<String> goodIds = new ArrayList<>();
        try (Publisher publisher = new Publisher()) {
            int i = 0;
            for (Map.Entry<String, String> bad : poison.entrySet()) {
                expectedReason.put(publisher.publishText(bad.getKey()), bad.getValue());
                String good = "$good" + i++;
                goodIds.add(good);
                publisher.publish(Publisher.event(good, "!r:localhost", "@bridge_a:localhost"), "!r:localhost");
            }
            expectedReason.put(publisher.publishBytes("{\"kind\":\"event\"}".getBytes(StandardCharsets.UTF_8)), "BytesMessage");
            expectedReason.put(publisher.publishObject("an object"), "ObjectMessage");

            DeliveryFixture.appService("bridge").awaitDelivered(goodIds.size(), TIMEOUT);
            assertEquals(goodIds, DeliveryFixture.appService("bridge").deliveredEventIds());

            Map<String, String> reasons = new HashMap<>();
            for (int n = 0; n < expectedReason.size(); n++) {
                Message dead = publisher.nextDeadLetter(TIMEOUT);
                assertNotNull(dead, "only " + n + " of " + expectedReason.size() + " poison messages on the DLQ");
                reasons.put(dead.getStringProperty("original_message_id"), dead.getStringProperty("delivery_error"));
            }
            for (Map.Entry<String, String> expected : expectedReason.entrySet()) {
                String reason = reasons.get(expected.getKey());
                assertNotNull(reason, "no dead letter for message " + expected.getKey() + " (" + expected.getValue() + ")");
                assertTrue(reason.contains(expected.getValue()), "reason '" + reason + "' should mention " + expected.getValue());
            }
        }
    }
}
