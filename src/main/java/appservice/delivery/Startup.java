package appservice.delivery;

import appservice.delivery.broker.EmbeddedBroker;
import appservice.delivery.ingest.EventsConsumer;
import appservice.delivery.health.DeliveryMetrics;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.InvalidRegistrationException;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.sending.Dispatcher;
import appservice.delivery.sending.Leases;
import appservice.delivery.transactions.Transactions;
import jakarta.annotation.PostConstruct;
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
    DeliveryMetrics metrics;

    @Inject
    EventsConsumer consumer;

    @PostConstruct
    void start() {
        try {
            List<AppService> services = registrations.load();
            protectTokens(services);
            if (embeddedBroker) {
                broker.start();
            }
            Schema.create(dataSource);
            resume(services);
            consumer.start();
        } catch (InvalidRegistrationException e) {
            exit("Invalid application service registration: " + e.getMessage(), e);
        } catch (Exception e) {
            exit("Cannot start: " + e, e);
        }
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
    }

    /**
     * A service that cannot start must not half-run (deployed without its application, or consuming
     * without its registrations): say why and end the process, so that a supervisor sees it.
     */
    private static void exit(String why, Exception cause) {
        LOG.severe(why + " -- stopping without consuming anything");
        // Exit from another thread: this one is inside the deployment that the shutdown undoes.
        new Thread(() -> System.exit(2), "exit-on-failed-start").start();
        throw new IllegalStateException(why, cause);
    }
}
