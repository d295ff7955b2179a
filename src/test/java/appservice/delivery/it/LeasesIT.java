package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What happens when a lease changes hands, played with SQL beside the service as another instance would
 * do it (PostgreSQL only: H2 is the service's own).
 */
@AppServices({"x", "y"})
@EnabledIfSystemProperty(named = "it.db.url", matches = "jdbc:postgresql:.*")
class LeasesIT extends OnServer {

    private static final String DB_NOW = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

    /**
     * The once-a-second sweep looks at each application service on its own: one whose state cannot be read
     * does not keep the others from their turn, and what the sweep did for them (a lease taken, a recoverer
     * rebuilt) stays done. Here an application service that is DOWN changes hands (its lease goes to another
     * instance and comes back, as when instances come and go) while another one's state row cannot be read:
     * the sweep must still rebuild its recoverer, so that it is retried.
     */
    @Test
    void aDownApplicationServiceTakenBackIsRetriedWhileAnotherOnesSweepFails() throws Exception {
        RecordingAppService x = DeliveryFixture.appService("x");
        RecordingAppService y = DeliveryFixture.appService("y");
        x.answer(503);
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$x1", "!r:localhost", "@x_a:localhost"), "!r:localhost");
            publisher.publish(Publisher.event("$y1", "!r:localhost", "@y_a:localhost"), "!r:localhost");
            x.awaitRequests(1, TIMEOUT);
            y.awaitDelivered(1, TIMEOUT);
            try {
                // y's state row can no longer be read: every sweep fails on it from now on.
                assertEquals(1, DeliveryFixture.sql("UPDATE appservice_state SET state = 'BROKEN' WHERE as_id = 'y'"));
                // Another instance holds x's lease: this one gives x (and its recoverer) up at its next round.
                assertEquals(1, DeliveryFixture.sql("UPDATE appservice_state SET lease_owner = 'elsewhere',"
                        + " lease_until = " + DB_NOW + " + 3600000"
                        + " WHERE as_id = 'x'"));
                Thread.sleep(Duration.ofSeconds(8).toMillis()); // a round is due every 5 s
                x.answer(200);
                // The other instance is gone: the lease is free, this instance takes it back, and its sweep must
                // give x a recoverer again.
                assertEquals(1, DeliveryFixture.sql("UPDATE appservice_state SET lease_owner = NULL, lease_until = NULL"
                        + " WHERE as_id = 'x'"));
                x.awaitDelivered(1, Duration.ofSeconds(30));
                assertEquals(List.of("$x1"), x.deliveredEventIds());
            } finally {
                DeliveryFixture.sql("UPDATE appservice_state SET state = 'UP' WHERE as_id = 'y'");
            }
        }
    }

}
