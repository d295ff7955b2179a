package appservice.delivery.sending;

import appservice.delivery.transactions.Transactions;
import jakarta.ejb.Schedule;
import jakarta.ejb.Singleton;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The clock of delivery: the once-a-second safety net (with the leases' renewal), and the minutely clean-up. */
@Singleton
public class SendSchedule {

    private static final Logger LOG = Logger.getLogger(SendSchedule.class.getName());

    @Inject
    Dispatcher dispatcher;

    @Inject
    Leases leases;

    @Inject
    Transactions transactions;

    @Inject
    @ConfigProperty(name = "delivery.dedupe.retention", defaultValue = "P7D")
    Duration dedupeRetention;

    private long quietUntil;

    @Schedule(second = "*", minute = "*", hour = "*", persistent = false)
    void sweep() {
        try {
            leases.maintain(dispatcher.busy());
            dispatcher.sweep();
        } catch (RuntimeException e) {
            // Typically the database is unreachable; nothing is lost, the next second tries again.
            long now = System.currentTimeMillis();
            if (now >= quietUntil) {
                LOG.warning("Delivery sweep failed (repeated at most once a minute): " + e);
                quietUntil = now + 60_000;
            }
        }
    }

    @Schedule(minute = "*", hour = "*", persistent = false)
    void forgetOldMessageIds() {
        transactions.forgetMessagesBefore(dedupeRetention);
    }
}
