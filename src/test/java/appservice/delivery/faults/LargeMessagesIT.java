package appservice.delivery.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.it.Publisher;
import appservice.delivery.it.RecordingAppService;
import appservice.delivery.it.ServiceProcess;
import jakarta.jms.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Many 10 MB messages at once, in a service with a 512 MB heap: each goes to the dead-letter queue with
 * its reason, the good events between them arrive in order, and the service never runs out of memory.
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
}
