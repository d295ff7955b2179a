package appservice.delivery.health;

import appservice.delivery.registrations.AppService;
import appservice.delivery.transactions.AppServiceState;
import appservice.delivery.transactions.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * The metrics of {@link DeliveryMetrics} in the server's MicroProfile Metrics registry (application scope),
 * which Payara serves at {@code /metrics} in Prometheus text. Gauges read a snapshot of the database at
 * most once every few seconds, so scraping costs the database next to nothing.
 */
@ApplicationScoped
public class MicroProfileMetrics {

    private static final long SNAPSHOT_MILLIS = 2000;

    @Inject
    @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE)
    MetricRegistry registry;

    @Inject
    Transactions transactions;

    private final Map<String, Sending> sending = new ConcurrentHashMap<>();

    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of(), 0);

    /** Registers the gauges of these application services (once each). */
    void register(List<AppService> services) {
        for (AppService as : services) {
            Tag tag = tag(as.id());
            gauge("pending_events", "Items waiting for the application service", tag,
                    s -> s.pending().getOrDefault(as.id(), 0L));
            gauge("lag_seconds", "Age of the oldest item waiting for the application service", tag,
                    s -> s.oldest().containsKey(as.id()) ? Math.max(0, s.at() - s.oldest().get(as.id())) / 1000.0 : 0);
            gauge("state", "1 when the application service is UP, 0 when DOWN or paused", tag,
                    s -> s.up().getOrDefault(as.id(), true) ? 1 : 0);
        }
    }

    /** A transaction was accepted: counts its items by kind. */
    void sent(String asId, Map<String, Long> itemsByKind, Duration took) {
        Sending of = sending(asId);
        of.transactions().inc();
        of.events().inc(itemsByKind.getOrDefault("event", 0L));
        of.ephemeral().inc(itemsByKind.getOrDefault("ephemeral", 0L));
        of.toDevice().inc(itemsByKind.getOrDefault("to_device", 0L));
        of.duration().update(took);
    }

    /** A PUT failed (any answer but 2xx and 413, or none). */
    void failed(String asId, Duration took) {
        Sending of = sending(asId);
        of.failed().inc();
        of.duration().update(took);
    }

    /**
     * An application service's sending metrics, looked up in the registry once: with 20 application
     * services, looking them up for each transaction was 3 % of the sending's time.
     */
    private Sending sending(String asId) {
        return sending.computeIfAbsent(asId, id -> {
            Tag tag = tag(id);
            return new Sending(registry.counter("sent_transactions", tag), registry.counter("sent_events", tag),
                    registry.counter("sent_ephemeral", tag), registry.counter("sent_to_device", tag),
                    registry.counter("failed_transactions", tag), registry.timer("send_duration", tag));
        });
    }

    private record Sending(Counter transactions, Counter events, Counter ephemeral, Counter toDevice, Counter failed,
            Timer duration) {
    }

    private void gauge(String name, String description, Tag tag, ToDoubleFunction<Snapshot> value) {
        registry.gauge(Metadata.builder().withName(name).withDescription(description).build(),
                this, metrics -> value.applyAsDouble(metrics.current()), tag);
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

    private static Tag tag(String asId) {
        return new Tag("appservice", asId);
    }

    private record Snapshot(Map<String, Long> pending, Map<String, Long> oldest, Map<String, Boolean> up, long at) {
    }
}
