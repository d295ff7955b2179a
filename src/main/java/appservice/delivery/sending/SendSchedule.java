package appservice.delivery.sending;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The clock of delivery: the once-a-second safety net, with the leases' renewal. A task of the server's
 * managed scheduled executor rather than an EJB timer, and outside any container transaction: each step is
 * a database transaction of its own, so that a failure late in the sweep never undoes a lease renewal the
 * instance goes on believing in. An EJB timer whose delivery saw a failure (even one caught, in a
 * transaction of its own, as happened with one application service's unreadable row) is delivered once
 * more and then expunged by Payara: the sweep, and with it the renewal of every lease, stopped for good.
 */
@ApplicationScoped
public class SendSchedule {

    private static final Logger LOG = Logger.getLogger(SendSchedule.class.getName());

    @Inject
    Dispatcher dispatcher;

    @Inject
    Leases leases;

    @Resource
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> sweeping;

    private volatile long quietUntil;

    /** Starts the sweep, once a second from now on (Startup, once the service is up). */
    public synchronized void start() {
        if (sweeping == null) {
            sweeping = scheduler.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Stops the sweep: the first step of the orderly stop, so that it takes no lease and starts no worker. */
    @PreDestroy
    public synchronized void stop() {
        if (sweeping != null) {
            sweeping.cancel(false);
        }
    }

    void sweep() {
        try {
            leases.maintain(dispatcher.busy());
            dispatcher.sweep();
        } catch (RuntimeException e) {
            // Typically the database is unreachable; nothing is lost, the next second tries again. (An
            // exception let out of the task would end its repetitions.)
            long now = System.currentTimeMillis();
            if (now >= quietUntil) {
                LOG.warning("Delivery sweep failed (repeated at most once a minute): " + e);
                quietUntil = now + 60_000;
            }
        }
    }
}
