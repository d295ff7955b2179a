package appservice.delivery.health;

import appservice.delivery.registrations.AppService;
import appservice.delivery.transactions.AppServiceState;
import appservice.delivery.transactions.Transactions;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.ToDoubleFunction;
import java.util.logging.Logger;

/**
 * Per application service metrics: counters of what was sent and failed, gauges of backlog, lag and
 * state, and the time each PUT took. They go to the server's metrics library, MicroProfile Metrics
 * (Payara) or Micrometer (WildFly); on a server with neither the service runs all the same, without them.
 *
 * <p>Gauges show a snapshot that a timer of their own refreshes every {@value #REFRESH_SECONDS} seconds,
 * so a scrape reads memory only, whoever scrapes and however often. Each refresh reads the states and
 * each application service's oldest waiting item from the index, which costs the same whatever the
 * backlog; the backlogs themselves are counted less often as they grow (see {@link BacklogCounts}).
 * Scrapes used to take the snapshot themselves, with two scans of the backlog: with 1,000,000 waiting,
 * 0.6 s a scrape on PostgreSQL, 4 s on H2 and over a minute while events kept arriving.
 */
@ApplicationScoped
public class DeliveryMetrics {

    private static final Logger LOG = Logger.getLogger(DeliveryMetrics.class.getName());

    private static final long REFRESH_SECONDS = 5;

    private static final long QUIET_MILLIS = 60_000;

    /** Unresolvable where the server has no MicroProfile Metrics: the bean's class cannot load there. */
    @Inject
    Instance<MicroProfileMetrics> microProfile;

    @Inject
    Instance<MicrometerMetrics> micrometer;

    @Inject
    Transactions transactions;

    @Resource
    ManagedScheduledExecutorService scheduler;

    private Meters meters;

    private final Map<String, Sending> sending = new ConcurrentHashMap<>();

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of(), 0);

    private final BacklogCounts backlogs = new BacklogCounts(System::nanoTime);

    private final List<AppService> gauged = new CopyOnWriteArrayList<>();

    private ScheduledFuture<?> refreshing;

    private long quietUntil;

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

    @PreDestroy
    synchronized void close() {
        if (refreshing != null) {
            refreshing.cancel(false);
        }
    }

    /** Registers the gauges of these application services (once each), and starts refreshing them. */
    public synchronized void register(List<AppService> services) {
        if (meters == null) {
            return;
        }
        gauged.addAll(services);
        if (refreshing == null) {
            refreshing = scheduler.scheduleWithFixedDelay(this::refresh, 0, REFRESH_SECONDS, TimeUnit.SECONDS);
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
        count(asId, of -> {
            of.transactions().accept(1);
            of.events().accept(itemsByKind.getOrDefault("event", 0L));
            of.ephemeral().accept(itemsByKind.getOrDefault("ephemeral", 0L));
            of.toDevice().accept(itemsByKind.getOrDefault("to_device", 0L));
            of.duration().accept(took);
        });
    }

    /** A PUT failed (any answer but 2xx and 413, or none). */
    public void failed(String asId, Duration took) {
        count(asId, of -> {
            of.failed().accept(1);
            of.duration().accept(took);
        });
    }

    /**
     * A metric that cannot be counted never stops the sending it counts: Payara's registry, for one, reads
     * its settings from a data grid that is already gone while the service stops.
     */
    private void count(String asId, Consumer<Sending> update) {
        if (meters == null) {
            return;
        }
        try {
            update.accept(sending(asId));
        } catch (RuntimeException e) {
            LOG.fine("Could not count the sending to AS " + asId + ": " + e);
        }
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
        meters.gauge(name, description, asId, () -> value.applyAsDouble(snapshot));
    }

    /**
     * Takes a new snapshot, on the timer's thread: each read is its own short database transaction. When
     * the database cannot be read, the gauges keep their last values.
     */
    private void refresh() {
        try {
            long start = System.nanoTime();
            Map<String, Boolean> up = new HashMap<>();
            for (AppServiceState state : transactions.states()) {
                up.put(state.asId(), !state.isDown() && !state.isPaused());
            }
            long at = System.currentTimeMillis();
            List<AppService> services = List.copyOf(gauged);
            Map<String, Long> oldest = transactions.oldestPending(services);
            long read = System.nanoTime();
            List<String> counted = new ArrayList<>();
            Map<String, Long> pending = backlogs.update(services.stream().map(AppService::id).toList(), oldest, id -> {
                counted.add(id);
                return transactions.pendingCount(id);
            });
            long end = System.nanoTime();
            snapshot = new Snapshot(pending, oldest, up, at);
            LOG.fine(() -> "Gauges refreshed: states and oldest items read in " + (read - start) / 1_000_000 + " ms, backlogs "
                    + counted + " counted in " + (end - read) / 1_000_000 + " ms");
        } catch (RuntimeException e) {
            long now = System.currentTimeMillis();
            if (now >= quietUntil) {
                LOG.warning("The metrics' gauges were not refreshed (repeated at most once a minute): " + e);
                quietUntil = now + QUIET_MILLIS;
            }
        }
    }

    private record Snapshot(Map<String, Long> pending, Map<String, Long> oldest, Map<String, Boolean> up, long at) {
    }
}
