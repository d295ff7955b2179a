package appservice.delivery.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * The meters in the server's MicroProfile Metrics registry (application scope), which Payara serves at
 * {@code /metrics} in Prometheus text. Where the server has no MicroProfile Metrics (WildFly 39) this
 * class cannot load, and Weld leaves it out.
 */
@ApplicationScoped
class MicroProfileMetrics implements Meters {

    @Inject
    @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE)
    MetricRegistry registry;

    @Override
    public void gauge(String name, String description, String asId, DoubleSupplier value) {
        registry.gauge(Metadata.builder().withName(name).withDescription(description).build(),
                value, DoubleSupplier::getAsDouble, tag(asId));
    }

    @Override
    public LongConsumer counter(String name, String asId) {
        Counter counter = registry.counter(name, tag(asId));
        return counter::inc;
    }

    @Override
    public Consumer<Duration> timer(String name, String asId) {
        Timer timer = registry.timer(name, tag(asId));
        return timer::update;
    }

    private static Tag tag(String asId) {
        return new Tag("appservice", asId);
    }
}
