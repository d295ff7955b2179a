package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Events published to the queue reach the application services that want them, in transactions. */
@AppServices({"bridge", "bystander"})
class DeliveryIT extends OnServer {

    @Test
    void anEventReachesTheInterestedApplicationServiceAndIsForgotten() {
        RecordingAppService bridge = DeliveryFixture.appService("bridge");
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$one", "!room:localhost", "@bridge_alice:localhost"), "!room:localhost");
        }

        RecordingAppService.await(() -> bridge.deliveredEventIds().contains("$one"), TIMEOUT,
                () -> "bridge never got $one");
        RecordingAppService.Received txn = bridge.accepted().stream()
                .filter(t -> t.eventIds().contains("$one")).findFirst().orElseThrow();
        assertEquals("Bearer hs-bridge", txn.authorization());
        assertEquals(List.of("$one"), txn.eventIds());
        assertTrue(txn.body().contains("\"body\":\"hello $one\""), txn.body());
        RecordingAppService.await(() -> Admin.pendingEvents(baseUrl(), "bridge") == 0, TIMEOUT,
                () -> "bridge still has pending events: " + Admin.appService(baseUrl(), "bridge"));
        assertEquals("UP", Admin.state(baseUrl(), "bridge"));
        assertTrue(DeliveryFixture.appService("bystander").received().isEmpty(), "an uninterested AS got a txn");
    }

    @Test
    void eventsThatArriveWhileAnApplicationServiceIsBusyGoInTransactionsOfAtMost100InOrder() {
        RecordingAppService bridge = DeliveryFixture.appService("bridge");
        int before = bridge.deliveredEventIds().size();
        bridge.delay(Duration.ofMillis(1500));
        List<String> published = new ArrayList<>();
        try (Publisher publisher = new Publisher()) {
            IntStream.range(0, 250).forEach(i -> {
                String id = "$batch" + i;
                published.add(id);
                publisher.publish(Publisher.event(id, "!busy:localhost", "@bridge_bob:localhost"), "!busy:localhost");
            });
        }

        bridge.awaitDelivered(before + 250, TIMEOUT);
        bridge.delay(Duration.ZERO);
        List<String> delivered = bridge.deliveredEventIds();
        assertEquals(published, delivered.subList(before, delivered.size()), "events in publish order");
        for (RecordingAppService.Received txn : bridge.accepted()) {
            assertTrue(txn.eventIds().size() <= 100, "txn " + txn.txnId() + " has " + txn.eventIds().size());
        }
        assertTrue(bridge.accepted().size() >= 3, "250 events need at least 3 transactions");
        assertTxnIdsIncrease(bridge.accepted());
    }

    static void assertTxnIdsIncrease(List<RecordingAppService.Received> txns) {
        long previous = Long.MIN_VALUE;
        for (RecordingAppService.Received txn : txns) {
            long id = Long.parseLong(txn.txnId());
            assertTrue(id > previous, "txn ids must increase: " + id + " after " + previous);
            previous = id;
        }
    }
}
