package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** State survives a restart: a DOWN application service gets its recoverer back, and UP work resumes. */
class RestartIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void anApplicationServiceThatWentDownIsRecoveredAfterARestart() throws Exception {
        try (RecordingAppService down = new RecordingAppService("down");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("restart", down), Map.of())) {
            down.answer(503);
            service.start();
            try (Publisher publisher = service.publisher()) {
                publisher.publish(Publisher.event("$before", "!r:localhost", "@down_x:localhost"), "!r:localhost");
            }
            down.awaitRequests(1, TIMEOUT);
            RecordingAppService.await(() -> Health.state(service.baseUrl(), "down").equals("DOWN"), TIMEOUT,
                    () -> "not DOWN: " + Health.check(service.baseUrl(), "appservices"));
            service.stop();
            int attemptsBeforeRestart = down.received().size();

            down.answer(200);
            service.start();
            down.awaitDelivered(1, TIMEOUT);
            RecordingAppService.await(() -> Health.state(service.baseUrl(), "down").equals("UP"), TIMEOUT,
                    () -> "not UP after recovery: " + Health.check(service.baseUrl(), "appservices"));

            List<RecordingAppService.Received> all = down.received();
            assertTrue(all.size() > attemptsBeforeRestart, "the recoverer retried after the restart");
            RecordingAppService.Received first = all.get(0);
            RecordingAppService.Received recovered = down.accepted().get(0);
            assertEquals(first.txnId(), recovered.txnId(), "the retry after the restart keeps the transaction id");
            assertEquals(first.body(), recovered.body(), "and its events");
            assertEquals(List.of("$before"), down.deliveredEventIds());
            assertEquals(0, Health.pendingEvents(service.baseUrl(), "down"));
            service.stop();
        }
    }
}
