package appservice.delivery.broker;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Artemis broker of the embedded default: in the service's own process, listening where
 * {@code delivery.broker.url} says so that a homeserver can publish to it, with a persistent, synced
 * journal under the data directory. Its classes come from the resource adapter archive.
 */
@ApplicationScoped
public class EmbeddedBroker {

    private static final Logger LOG = Logger.getLogger(EmbeddedBroker.class.getName());

    @Inject
    BrokerConnections connections;

    @Inject
    @ConfigProperty(name = "delivery.queue", defaultValue = "appservice.events")
    String queue;

    @Inject
    @ConfigProperty(name = "delivery.data.dir", defaultValue = "data")
    String dataDir;

    /** Where the service's own consumers reach this broker. */
    public static final String IN_VM_URL = "vm://0";

    private EmbeddedActiveMQ broker;

    public void start() throws Exception {
        Path dir = Path.of(dataDir, "broker").toAbsolutePath();
        broker = start(dir, connections.producersUrl(), queue);
        LOG.info("Embedded Artemis broker listening on " + connections.producersUrl() + ", journal in " + dir);
    }

    /**
     * Starts a broker configured as the service's embedded one: listening at {@code listenUrl}
     * ({@code tcp://host:port}) and inside the process at {@link #IN_VM_URL}, its journal under {@code dir},
     * with {@code queue} and its dead-letter queue. The service starts its own through {@link #start()};
     * the benchmark measures the same broker alone through this. The caller stops what it returns.
     */
    public static EmbeddedActiveMQ start(Path dir, String listenUrl, String queue) throws Exception {
        URI uri = URI.create(listenUrl);
        Configuration config = new ConfigurationImpl()
                .setName("appservice-delivery")
                .setPersistenceEnabled(true)
                .setJournalDirectory(dir.resolve("journal").toString())
                .setBindingsDirectory(dir.resolve("bindings").toString())
                .setLargeMessagesDirectory(dir.resolve("large-messages").toString())
                .setPagingDirectory(dir.resolve("paging").toString())
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                // The broker shares the heap with the application server: by default it would keep up to
                // half of it in messages before paging them to disk. An eighth (64 MB of 512 MB) is plenty.
                .setGlobalMaxSize(Runtime.getRuntime().maxMemory() / 8)
                .addAcceptorConfiguration("tcp", "tcp://" + uri.getHost() + ":" + uri.getPort())
                // The service's own consumers connect in the process: no sockets, no encoding of each
                // delivery and acknowledgement (the network threads took a tenth of the service's CPU).
                .addAcceptorConfiguration("in-vm", IN_VM_URL)
                // Transient failures (database down) must never send a good event to a dead-letter
                // queue: redeliver with a growing delay, without an attempt limit.
                .addAddressSetting(queue, new AddressSettings()
                        .setMaxDeliveryAttempts(-1)
                        .setRedeliveryDelay(1000)
                        .setRedeliveryMultiplier(2.0)
                        .setMaxRedeliveryDelay(60_000))
                .addQueueConfiguration(QueueConfiguration.of(queue)
                        .setAddress(queue).setRoutingType(RoutingType.ANYCAST).setDurable(true))
                .addQueueConfiguration(QueueConfiguration.of(queue + ".DLQ")
                        .setAddress(queue + ".DLQ").setRoutingType(RoutingType.ANYCAST).setDurable(true));
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(config);
        broker.start();
        return broker;
    }

    public boolean running() {
        return broker != null && broker.getActiveMQServer().isActive();
    }

    /** Stops the broker: the last step of the service's orderly stop (Startup), or when the application goes. */
    @PreDestroy
    public void stop() {
        if (broker != null) {
            try {
                broker.stop();
            } catch (Exception e) {
                LOG.warning("Embedded broker did not stop cleanly: " + e);
            }
            broker = null;
        }
    }
}
