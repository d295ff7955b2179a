package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One application service that hangs never delays another. */
@AppServices({"hanging", "healthy"})
class IndependenceIT extends OnServer {

    @Test
    void whileOneApplicationServiceHangsPastTheReadTimeoutTheOtherKeepsReceiving() {
        RecordingAppService hanging = DeliveryFixture.appService("hanging");
        RecordingAppService healthy = DeliveryFixture.appService("healthy");
        // The tests' read timeout is 5 s; this answers after 30 s.
        hanging.delay(Duration.ofSeconds(30));
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$stuck", "!a:localhost", "@hanging_x:localhost"), "!a:localhost");
            for (int i = 0; i < 20; i++) {
                publisher.publish(Publisher.event("$fine" + i, "!b" + i + ":localhost", "@healthy_x:localhost"),
                        "!b" + i + ":localhost");
            }
        }

        healthy.awaitDelivered(20, TIMEOUT);
        assertTrue(hanging.received().isEmpty(), "healthy got everything while hanging was still hanging");
        RecordingAppService.await(() -> Admin.state(baseUrl(), "hanging").equals("DOWN"), TIMEOUT,
                () -> "hanging should be DOWN after the read timeout: " + Admin.appService(baseUrl(), "hanging"));
        assertEquals("UP", Admin.state(baseUrl(), "healthy"));
        hanging.delay(Duration.ZERO);
    }
}
