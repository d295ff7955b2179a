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
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recoverers of DOWN application services: one single-action timer per application service at a
 * time. When it fires, the application service's worker retries its oldest transaction and goes on
 * with the rest; a new failure schedules the next wait. The UP/DOWN state itself is in the database.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class Recoverers {

    @Resource
    TimerService timerService;

    @Inject
    Dispatcher dispatcher;

    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    /** (Re)starts the recoverer of this application service: it retries after the given wait. */
    public void schedule(String asId, Duration wait) {
        Timer timer = timerService.createSingleActionTimer(Math.max(wait.toMillis(), 1),
                new TimerConfig(asId, false));
        Timer previous = timers.put(asId, timer);
        if (previous != null) {
            cancel(previous);
        }
    }

    /**
     * Retries a DOWN application service now instead of waiting out its backoff (after a successful
     * ping, or an operator's request). Does nothing for an UP one.
     */
    public void retryNow(String asId) {
        if (timers.containsKey(asId)) {
            schedule(asId, Duration.ZERO);
        }
    }

    public boolean isScheduled(String asId) {
        return timers.containsKey(asId);
    }

    /** Fired by the timer service. */
    @Timeout
    void retry(Timer timer) {
        String asId = (String) timer.getInfo();
        timers.remove(asId, timer);
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
