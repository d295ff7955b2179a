package appservice.delivery.recovery;

import appservice.delivery.sending.Dispatcher;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Timeout;
import jakarta.ejb.Timer;
import jakarta.ejb.TimerConfig;
import jakarta.ejb.TimerService;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recoverers of DOWN application services: one single-action timer per application service at a
 * time. When it fires, the application service's worker retries its oldest transaction and goes on
 * with the rest; a new failure schedules the next wait. The UP/DOWN state itself is in the database.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
// Outside a transaction, a timer exists as soon as it is created: inside a caller's transaction that rolls
// back it would vanish while this bean's map still said it was there, and its application service would
// wait for a retry that never comes.
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class Recoverers {

    @Resource
    TimerService timerService;

    @Inject
    Dispatcher dispatcher;

    private final Map<String, Scheduled> timers = new ConcurrentHashMap<>();

    /** A recoverer's timer and when it is due (epoch ms). */
    private record Scheduled(Timer timer, long dueAt) {
    }

    /** (Re)starts the recoverer of this application service: it retries after the given wait. */
    public void schedule(String asId, Duration wait) {
        long millis = Math.max(wait.toMillis(), 1);
        Timer timer = timerService.createSingleActionTimer(millis, new TimerConfig(asId, false));
        // Recorded once it exists (it does, outside a transaction).
        Scheduled previous = timers.put(asId, new Scheduled(timer, System.currentTimeMillis() + millis));
        if (previous != null) {
            cancel(previous.timer());
        }
    }

    /** When the recoverer of this application service retries (epoch ms); empty if it has none here. */
    public Optional<Long> dueAt(String asId) {
        return Optional.ofNullable(timers.get(asId)).map(Scheduled::dueAt);
    }

    /** Stops the recoverer of this application service (another instance sends for it now). */
    public void cancel(String asId) {
        Scheduled scheduled = timers.remove(asId);
        if (scheduled != null) {
            cancel(scheduled.timer());
        }
    }

    public boolean isScheduled(String asId) {
        return timers.containsKey(asId);
    }

    /** Fired by the timer service. */
    @Timeout
    void retry(Timer timer) {
        String asId = (String) timer.getInfo();
        timers.computeIfPresent(asId, (id, scheduled) -> scheduled.timer().equals(timer) ? null : scheduled);
        if (!dispatcher.recover(asId)) {
            // Its worker is still busy (e.g. finishing the failure that scheduled this): look again soon.
            schedule(asId, Duration.ofSeconds(1));
        }
    }

    private static void cancel(Timer timer) {
        try {
            timer.cancel();
        } catch (IllegalStateException | jakarta.ejb.NoSuchObjectLocalException e) {
            // already fired or cancelled
        }
    }
}
