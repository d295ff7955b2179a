package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An application service that fails is marked DOWN and retried, with growing waits, until it answers. */
@AppServices({"flaky"})
class RecoveryIT extends OnServer {

    @Test
    void aFailingApplicationServiceGetsTheSameTransactionAfter2Then4SecondsAndComesBackUp() {
        RecordingAppService flaky = DeliveryFixture.appService("flaky");
        flaky.answer(500);
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$first", "!r:localhost", "@flaky_a:localhost"), "!r:localhost");
            flaky.awaitRequests(1, TIMEOUT);
            RecordingAppService.await(() -> Admin.state(baseUrl(), "flaky").equals("DOWN"), TIMEOUT,
                    () -> "flaky is not DOWN: " + Admin.appService(baseUrl(), "flaky"));
            // Published while DOWN: waits, and goes out after the retried transaction.
            publisher.publish(Publisher.event("$second", "!r:localhost", "@flaky_a:localhost"), "!r:localhost");
        }

        flaky.awaitRequests(3, TIMEOUT);
        flaky.answer(200);
        flaky.awaitDelivered(2, TIMEOUT);

        List<RecordingAppService.Received> attempts = flaky.received();
        RecordingAppService.Received first = attempts.get(0);
        assertEquals(500, first.answered());
        for (RecordingAppService.Received retry : attempts.subList(1, 4)) {
            assertEquals(first.txnId(), retry.txnId(), "a retry keeps the transaction id");
            assertEquals(first.body(), retry.body(), "a retry keeps the transaction's events");
        }
        assertAtLeast(Duration.ofSeconds(2), Duration.between(attempts.get(0).at(), attempts.get(1).at()));
        assertAtLeast(Duration.ofSeconds(4), Duration.between(attempts.get(1).at(), attempts.get(2).at()));
        assertEquals(List.of("$first", "$second"), flaky.deliveredEventIds());
        RecordingAppService.await(() -> Admin.state(baseUrl(), "flaky").equals("UP"), TIMEOUT,
                () -> "flaky is not UP again: " + Admin.appService(baseUrl(), "flaky"));
        assertEquals(0, Admin.pendingEvents(baseUrl(), "flaky"));
    }

    private static void assertAtLeast(Duration expected, Duration actual) {
        assertTrue(actual.compareTo(expected) >= 0, "waited " + actual.toMillis() + " ms, less than " + expected);
    }
}
