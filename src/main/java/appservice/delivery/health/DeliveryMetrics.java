package appservice.delivery.health;

import appservice.delivery.registrations.AppService;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Per application service metrics: counters of what was sent and failed, gauges of backlog, lag and
 * state, and the time each PUT took. They go to the server's MicroProfile Metrics (Payara); a server
 * without it (WildFly 39 has Micrometer instead) deploys the service all the same, without them.
 */
@ApplicationScoped
public class DeliveryMetrics {

    private static final Logger LOG = Logger.getLogger(DeliveryMetrics.class.getName());

    /** Unresolvable where the server has no MicroProfile Metrics: the bean's class cannot load there. */
    @Inject
    Instance<MicroProfileMetrics> microProfile;

    private MicroProfileMetrics registry;

    @PostConstruct
    void open() {
        if (microProfile.isResolvable()) {
            registry = microProfile.get();
        } else {
            LOG.warning("This server has no MicroProfile Metrics: the per application service metrics are off");
        }
    }

    /** Registers the gauges of these application services (once each). */
    public void register(List<AppService> services) {
        if (registry != null) {
            registry.register(services);
        }
    }

    /** A transaction was accepted: counts its items by kind. */
    public void sent(String asId, Map<String, Long> itemsByKind, Duration took) {
        if (registry != null) {
            registry.sent(asId, itemsByKind, took);
        }
    }

    /** A PUT failed (any answer but 2xx and 413, or none). */
    public void failed(String asId, Duration took) {
        if (registry != null) {
            registry.failed(asId, took);
        }
    }
}
