package appservice.delivery.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;

/**
 * The meters in the server's Micrometer registry: WildFly's, which its {@code micrometer} subsystem serves
 * in Prometheus text ({@code server-config/wildfly/configure.cli}). The registry outlives a deployment, so
 * the meters are removed when the application stops; a redeployment would otherwise find the old gauges,
 * which read through the old deployment.
 */
@ApplicationScoped
class MicrometerMetrics implements Meters {

    /** Unresolvable where the server offers no Micrometer registry (Payara, whose resource adapter has the classes). */
    @Inject
    Instance<MeterRegistry> registries;

    private final List<Meter> registered = new CopyOnWriteArrayList<>();

    /** A gauge registered by name holds its value function weakly: these keep them. */
    private final List<DoubleSupplier> gaugeValues = new CopyOnWriteArrayList<>();

    boolean available() {
        return registries.isResolvable();
    }

    // By name, not by builder: in WildFly 39 a builder registers in the deployment's own registry, which
    // nothing exports; the calls by name go through to the server's.
    @Override
    public void gauge(String name, String description, String asId, DoubleSupplier value) {
        MeterRegistry registry = registries.get();
        gaugeValues.add(value);
        registry.gauge(name, tags(asId), value, DoubleSupplier::getAsDouble);
        registered.add(registry.get(name).tags(tags(asId)).gauge());
    }

    @Override
    public LongConsumer counter(String name, String asId) {
        Counter counter = registries.get().counter(name, tags(asId));
        registered.add(counter);
        return counter::increment;
    }

    @Override
    public Consumer<Duration> timer(String name, String asId) {
        Timer timer = registries.get().timer(name, tags(asId));
        registered.add(timer);
        return timer::record;
    }

    private static Tags tags(String asId) {
        return Tags.of("appservice", asId);
    }

    @PreDestroy
    void removeMeters() {
        if (available()) {
            registered.forEach(registries.get()::remove);
        }
    }
}
