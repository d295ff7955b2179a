package appservice.delivery.sending;

import appservice.delivery.transactions.Transactions;
import jakarta.ejb.Schedule;
import jakarta.ejb.Singleton;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The clock of delivery: the once-a-second safety net, and the minutely clean-up. */
@Singleton
public class SendSchedule {

    @Inject
    Dispatcher dispatcher;

    @Inject
    Transactions transactions;

    @Inject
    @ConfigProperty(name = "delivery.dedupe.retention", defaultValue = "P7D")
    Duration dedupeRetention;

    @Schedule(second = "*", minute = "*", hour = "*", persistent = false)
    void sweep() {
        dispatcher.sweep();
    }

    @Schedule(minute = "*", hour = "*", persistent = false)
    void forgetOldMessageIds() {
        transactions.forgetMessagesBefore(dedupeRetention);
    }
}
