package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A crash at each dangerous instant loses nothing and never changes what a transaction id carries.
 * The service halts itself at the named point (the test-only {@code delivery.test.crash-at} hook),
 * then starts again as it would after a power cut.
 */
@PackagedRuntime
class CrashWindowsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @ParameterizedTest
    @ValueSource(strings = {"stored-before-ack", "txn-persisted-before-put", "put-accepted-before-delete"})
    void aCrashAtThisPointLosesNothingAndKeepsTransactionsIntact(String point) throws Exception {
        try (RecordingAppService bridge = new RecordingAppService("bridge");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("crash-" + point, bridge), Map.of())) {
            service.start("-Ddelivery.test.crash-at=" + point);
            try (Publisher publisher = service.publisher()) {
                publisher.publish(Publisher.event("$a", "!r:localhost", "@bridge_x:localhost"), "!r:localhost");
                publisher.publish(Publisher.event("$b", "!r:localhost", "@bridge_x:localhost"), "!r:localhost");
            }
            assertNotEquals(0, service.awaitExit(TIMEOUT), "the service should have halted at " + point);

            service.start();
            RecordingAppService.await(() -> bridge.deliveredEventIds().containsAll(List.of("$a", "$b")), TIMEOUT,
                    () -> "after the restart the bridge got only " + bridge.deliveredEventIds());
            Thread.sleep(3000); // time for a wrong second copy to show up

            assertEquals(List.of("$a", "$b"), bridge.eventsOnce(), "each event in exactly one txn, in order");
            Map<String, List<String>> bodies = bridge.received().stream().collect(Collectors.groupingBy(
                    RecordingAppService.Received::txnId, Collectors.mapping(RecordingAppService.Received::body, Collectors.toList())));
            bodies.forEach((txnId, sent) -> assertEquals(1, sent.stream().distinct().count(),
                    "txn " + txnId + " was sent with different contents: " + sent));
            service.stop();
        }
    }
}
