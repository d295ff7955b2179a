package appservice.delivery;

import appservice.delivery.broker.EmbeddedBroker;
import appservice.delivery.ingest.EventsConsumer;
import appservice.delivery.health.DeliveryMetrics;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.InvalidRegistrationException;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.sending.Dispatcher;
import appservice.delivery.sending.Leases;
import appservice.delivery.sending.SendSchedule;
import appservice.delivery.transactions.Transactions;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Brings the service up in order: registrations (an invalid file stops the process, having consumed
 * nothing), the embedded broker, the schema, then the leases of the application services this instance
 * sends for, a recoverer for every DOWN one of them and a worker for every UP one with work left from before.
 * Takes it down in the reverse order: the sweep stops, nothing more is taken from the queue, nothing more is
 * sent (the PUTs in flight end first), the leases are given up, and the embedded broker stops last.
 */
@Singleton
@jakarta.ejb.Startup
// Outside a JTA transaction: the schema statements must be committed before anything uses them.
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
// The data source java:app/jdbc/delivery is the application's own on Payara (WEB-INF/web.xml) and the
// server's on WildFly (bound by WEB-INF/jboss-web.xml).
public class Startup {

    private static final Logger LOG = Logger.getLogger(Startup.class.getName());

    @Inject
    Registrations registrations;

    @Inject
    EmbeddedBroker broker;

    @Inject
    @ConfigProperty(name = "delivery.broker.embedded", defaultValue = "true")
    boolean embeddedBroker;

    @Inject
    @ConfigProperty(name = "delivery.startup.exit-on-failure", defaultValue = "false")
    boolean exitOnFailure;

    @Inject
    @ConfigProperty(name = "delivery.admin.token")
    Optional<String> adminToken;

    @Resource(lookup = "java:app/jdbc/delivery")
    DataSource dataSource;

    @Inject
    Transactions transactions;

    @Inject
    Dispatcher dispatcher;

    @Inject
    Leases leases;

    @Inject
    SendSchedule schedule;

    @Inject
    DeliveryMetrics metrics;

    @Inject
    EventsConsumer consumer;

    private boolean stopped;

    @PostConstruct
    void start() {
        try {
            List<AppService> services = registrations.load();
            protectTokens(services);
            leases.identify();
            if (embeddedBroker) {
                broker.start();
            }
            Schema.create(dataSource);
            resume(services);
            consumer.start();
        } catch (InvalidRegistrationException e) {
            fail("Invalid application service registration: " + e.getMessage(), e);
        } catch (Exception e) {
            fail("Cannot start: " + e, e);
        }
    }

    /**
     * The orderly stop (SIGTERM, undeployment), once: called by {@link OrderlyStop} when the web module
     * goes, while the application's data source is still there (on Payara it is gone by the time this bean's
     * own {@code @PreDestroy} runs, so a stop from there could neither complete the PUTs in flight nor give
     * the leases back), else at this bean's destruction. Each bean also cleans up after itself when the
     * application's beans go, but in no particular order: the broker would go before its consumers (which
     * then spun reconnecting and held the stop up for many seconds) and the leases before the PUTs in flight.
     */
    @PreDestroy
    public void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        long start = System.nanoTime();
        schedule.stop();
        consumer.stop();
        Set<String> stillSending = dispatcher.stop();
        leases.leave(stillSending);
        if (embeddedBroker) {
            broker.stop();
        }
        LOG.info("Stopped in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    private void protectTokens(List<AppService> services) {
        List<String> tokens = new ArrayList<>();
        services.forEach(as -> tokens.addAll(List.of(as.asToken(), as.hsToken())));
        adminToken.ifPresent(tokens::add);
        Secrets.protect(tokens);
    }

    private void resume(List<AppService> services) {
        List<String> ids = services.stream().map(AppService::id).toList();
        try {
            transactions.ensureStates(ids);
        } catch (RuntimeException e) {
            // Another instance starting on the same database made some of the same rows at the same time.
            LOG.info("Application service states made by another instance meanwhile (" + e + "); looking again");
            transactions.ensureStates(ids);
        }
        metrics.register(services);
        for (AppService as : services) {
            if (!as.pushes()) {
                // Stored before its registration lost its URL (or by an earlier version, which stored items for
                // such services): nothing will ever send them. A URL given later brings new items only.
                int removed = transactions.forgetItemsOf(as.id());
                if (removed > 0) {
                    LOG.warning("AS " + as.id() + " is not pushed to (url: null): its " + removed
                            + " stored items were removed");
                }
            }
        }
        for (Map.Entry<String, Long> backlog : transactions.pendingCounts().entrySet()) {
            if (!ids.contains(backlog.getKey())) {
                LOG.warning("AS " + backlog.getKey() + " is no longer registered; its " + backlog.getValue()
                        + " pending events are kept and resume if its registration comes back");
            }
        }
        LOG.info("Loaded " + services.size() + " application service registrations from "
                + registrations.setting() + ": " + ids);
        leases.round(Set.of());
        dispatcher.sweep();
        schedule.start();
    }

    /**
     * A service that cannot start must not half-run (deployed without its application, or consuming
     * without its registrations): what was started stops, and the deployment fails, saying why. The
     * packaged runtime, which runs this application alone, also ends its process (its start script sets
     * {@code delivery.startup.exit-on-failure}), so that a supervisor sees it; on a server shared with
     * other applications (WildFly, a full Payara Server) the server stays up.
     */
    private void fail(String why, Exception cause) {
        LOG.severe(why + " -- stopping without consuming anything");
        consumer.stop();
        broker.stop();
        if (exitOnFailure) {
            // Exit from another thread: this one is inside the deployment that the shutdown undoes.
            new Thread(() -> System.exit(2), "exit-on-failed-start").start();
        }
        throw new IllegalStateException(why, cause);
    }
}
