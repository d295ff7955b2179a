package appservice.delivery.health;

import appservice.delivery.registrations.AppService;
import appservice.delivery.transactions.AppServiceState;
import appservice.delivery.transactions.Transactions;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.ToDoubleFunction;
import java.util.logging.Logger;

/**
 * Per application service metrics: counters of what was sent and failed, gauges of backlog, lag and
 * state, and the time each PUT took. They go to the server's metrics library, MicroProfile Metrics
 * (Payara) or Micrometer (WildFly); on a server with neither the service runs all the same, without them.
 * Gauges read a snapshot of the database at most once every few seconds, so scraping costs the database
 * next to nothing.
 */
@ApplicationScoped
public class DeliveryMetrics {

    private static final Logger LOG = Logger.getLogger(DeliveryMetrics.class.getName());

    private static final long SNAPSHOT_MILLIS = 2000;

    /** Unresolvable where the server has no MicroProfile Metrics: the bean's class cannot load there. */
    @Inject
    Instance<MicroProfileMetrics> microProfile;

    @Inject
    Instance<MicrometerMetrics> micrometer;

    @Inject
    Transactions transactions;

    private Meters meters;

    private final Map<String, Sending> sending = new ConcurrentHashMap<>();

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of(), 0);

    @PostConstruct
    void open() {
        if (microProfile.isResolvable()) {
            meters = microProfile.get();
        } else if (micrometer.isResolvable() && micrometer.get().available()) {
            meters = micrometer.get();
        } else {
            LOG.warning("This server has neither MicroProfile Metrics nor a Micrometer registry: the per"
                    + " application service metrics are off");
        }
    }

    /** Registers the gauges of these application services (once each). */
    public void register(List<AppService> services) {
        if (meters == null) {
            return;
        }
        for (AppService as : services) {
            String id = as.id();
            gauge("pending_events", "Items waiting for the application service", id,
                    s -> s.pending().getOrDefault(id, 0L));
            gauge("lag_seconds", "Age of the oldest item waiting for the application service", id,
                    s -> s.oldest().containsKey(id) ? Math.max(0, s.at() - s.oldest().get(id)) / 1000.0 : 0);
            gauge("state", "1 when the application service is UP, 0 when DOWN or paused", id,
                    s -> s.up().getOrDefault(id, true) ? 1 : 0);
        }
    }

    /** A transaction was accepted: counts its items by kind. */
    public void sent(String asId, Map<String, Long> itemsByKind, Duration took) {
        if (meters == null) {
            return;
        }
        Sending of = sending(asId);
        of.transactions().accept(1);
        of.events().accept(itemsByKind.getOrDefault("event", 0L));
        of.ephemeral().accept(itemsByKind.getOrDefault("ephemeral", 0L));
        of.toDevice().accept(itemsByKind.getOrDefault("to_device", 0L));
        of.duration().accept(took);
    }

    /** A PUT failed (any answer but 2xx and 413, or none). */
    public void failed(String asId, Duration took) {
        if (meters == null) {
            return;
        }
        Sending of = sending(asId);
        of.failed().accept(1);
        of.duration().accept(took);
    }

    /**
     * An application service's sending meters, looked up in the registry once: with 20 application
     * services, looking them up for each transaction was 3 % of the sending's time.
     */
    private Sending sending(String asId) {
        return sending.computeIfAbsent(asId, id -> new Sending(meters.counter("sent_transactions", id),
                meters.counter("sent_events", id), meters.counter("sent_ephemeral", id),
                meters.counter("sent_to_device", id), meters.counter("failed_transactions", id),
                meters.timer("send_duration", id)));
    }

    private record Sending(LongConsumer transactions, LongConsumer events, LongConsumer ephemeral,
            LongConsumer toDevice, LongConsumer failed, Consumer<Duration> duration) {
    }

    private void gauge(String name, String description, String asId, ToDoubleFunction<Snapshot> value) {
        meters.gauge(name, description, asId, () -> value.applyAsDouble(current()));
    }

    private Snapshot current() {
        Snapshot current = snapshot;
        long now = System.currentTimeMillis();
        if (now - current.at() > SNAPSHOT_MILLIS) {
            Map<String, Boolean> up = new HashMap<>();
            for (AppServiceState state : transactions.states()) {
                up.put(state.asId(), !state.isDown() && !state.isPaused());
            }
            current = new Snapshot(transactions.pendingCounts(), transactions.oldestPending(), up, now);
            snapshot = current;
        }
        return current;
    }

    private record Snapshot(Map<String, Long> pending, Map<String, Long> oldest, Map<String, Boolean> up, long at) {
    }
}
