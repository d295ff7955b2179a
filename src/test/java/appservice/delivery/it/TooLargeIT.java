package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An application service that answers 413 gets smaller transactions with new ids instead of the same
 * one forever (Synapse #6478), stays UP, and an item it refuses even alone is kept as a dead letter.
 */
@AppServices({"picky"})
class TooLargeIT extends OnServer {

    @Test
    void refusedTransactionsAreSplitUntilAcceptedAndAnItemRefusedAloneBecomesADeadLetter() {
        RecordingAppService picky = DeliveryFixture.appService("picky");
        // Takes at most 30 events per transaction, and never an event that mentions "huge".
        picky.answer(body -> body.contains("huge") || eventCount(body) > 30 ? 413 : 200);
        picky.delay(Duration.ofSeconds(3));
        List<String> published = new ArrayList<>();
        try (Publisher publisher = new Publisher()) {
            publish(publisher, "$first", published);
            // These arrive while the first transaction is in flight, and wait for one transaction of 100.
            for (int i = 0; i < 100; i++) {
                publish(publisher, "$e" + i, published);
            }
            RecordingAppService.await(() -> Admin.pendingEvents(baseUrl(), "picky") >= 101, TIMEOUT,
                    () -> "pending: " + Admin.appService(baseUrl(), "picky"));
            picky.delay(Duration.ZERO);
            picky.awaitDelivered(101, TIMEOUT);

            assertEquals(published, picky.deliveredEventIds(), "everything, in order");
            Set<String> refused = picky.received().stream().filter(r -> r.answered() == 413)
                    .map(RecordingAppService.Received::txnId).collect(Collectors.toSet());
            assertFalse(refused.isEmpty(), "a transaction of more than 30 was refused: " + picky.received());
            assertTrue(picky.accepted().stream().noneMatch(r -> refused.contains(r.txnId())), "a refused id is never sent again");
            assertTrue(picky.accepted().stream().allMatch(r -> eventCount(r.body()) <= 30));
            DeliveryIT.assertTxnIdsIncrease(picky.received());
            assertEquals("UP", Admin.state(baseUrl(), "picky"), "413 is not an outage");

            // An event refused even alone: a dead letter, and what comes after it still arrives.
            publisher.publish(Publisher.event("$huge", "!r:localhost", "@picky_a:localhost"), "!r:localhost");
            publish(publisher, "$after", published);
            picky.awaitDelivered(102, TIMEOUT);
            assertEquals("$after", picky.deliveredEventIds().get(101));
            assertFalse(picky.deliveredEventIds().contains("$huge"));
            RecordingAppService.await(() -> Admin.deadLetters(baseUrl()) == 1,
                    TIMEOUT, () -> "no dead letter: " + Admin.deadLetters(baseUrl()));
            assertEquals(0, Admin.pendingEvents(baseUrl(), "picky"));
        }
    }

    private static void publish(Publisher publisher, String eventId, List<String> published) {
        publisher.publish(Publisher.event(eventId, "!r:localhost", "@picky_a:localhost"), "!r:localhost");
        published.add(eventId);
    }

    private static int eventCount(String body) {
        return body.split("\"event_id\"", -1).length - 1;
    }
}
