package appservice.delivery.ingest;

import appservice.delivery.broker.BrokerConnections;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Takes the homeserver's messages off the events queue, many at a time: each consumer receives what is
 * waiting (up to {@code delivery.ingest.batch} messages), has {@link Ingest#acceptAll} store them in one
 * database transaction, then acknowledges them all in one commit to the broker. Nothing is acknowledged
 * before it is committed to the database; when the service dies in between, the broker redelivers the
 * batch and its messages are recognised as stored. When storing fails the batch goes back to the broker
 * (rollback), which redelivers it later.
 *
 * <p>Plain JMS consumers rather than a message-driven bean: an MDB takes one message per call, and with
 * it one database commit and one acknowledgement per message, which capped ingest near 1,300 events/s.
 * Each receives through a {@link QueueReceiver}, so that a text too large to read is refused unread.
 */
@ApplicationScoped
public class EventsConsumer {

    private static final Logger LOG = Logger.getLogger(EventsConsumer.class.getName());

    private static final long RECEIVE_WAIT_MILLIS = 1000;
    private static final long RECONNECT_PAUSE_MILLIS = 1000;

    /** How long the stop waits for the consumers in all: a receive waits a second, a batch's store a few. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(15);

    /** Set by Artemis on a message it handles as large (over 100 KiB by default). */
    static final String ARTEMIS_LARGE_SIZE = "_AMQ_LARGE_SIZE";

    @Inject
    Ingest ingest;

    @Inject
    BrokerConnections broker;

    @Inject
    @ConfigProperty(name = "delivery.queue", defaultValue = "appservice.events")
    String queue;

    /** Consumers on the queue; a room's messages all go to one of them (JMSXGroupID), in order. */
    @Inject
    @ConfigProperty(name = "delivery.ingest.consumers", defaultValue = "4")
    int consumers;

    @Inject
    @ConfigProperty(name = "delivery.ingest.batch", defaultValue = "500")
    int batchSize;

    @Resource
    ManagedThreadFactory threadFactory;

    private final List<Thread> threads = new ArrayList<>();
    /** Each open consumer's "connection lost" flag: readiness counts the consumers from these, not from the broker. */
    private final Set<AtomicBoolean> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private ActiveMQConnectionFactory factory;
    private String url;

    /** Starts the consumers: called once the registrations, the broker and the schema are ready. */
    public void start() {
        url = broker.url();
        factory = broker.newFactory();
        for (int i = 1; i <= consumers; i++) {
            Thread thread = threadFactory.newThread(this::consume);
            thread.setName("events-consumer-" + i);
            threads.add(thread);
            thread.start();
        }
        LOG.info(consumers + " consumers on queue " + queue + " at " + url + (broker.embedded() ? " (the embedded broker)" : "")
                + ", up to " + batchSize + " messages per database transaction");
    }

    /** How many consumers are on the queue now: those open whose connection has not failed. */
    public int connectedConsumers() {
        return (int) open.stream().filter(lost -> !lost.get()).count();
    }

    /**
     * Stops taking messages: each consumer finishes (or gives back to the broker) the batch it holds and
     * ends; then its connection factory closes. The first step of the service's orderly stop (Startup); at
     * the latest when the application's beans go.
     */
    @PreDestroy
    public synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        ingest.stop(); // a batch held through a database outage goes back to the broker instead
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (thread.isAlive()) {
                LOG.warning(thread.getName() + " did not end within " + STOP_WAIT + " of the stop");
            }
        }
        if (factory != null) {
            factory.close();
        }
    }

    private void consume() {
        boolean disconnected = false;
        while (!stopping) {
            AtomicBoolean connectionLost = new AtomicBoolean();
            try (JMSContext context = factory.createContext(JMSContext.SESSION_TRANSACTED);
                 QueueReceiver consumer = QueueReceiver.open(context, queue)) {
                context.setExceptionListener(e -> connectionLost.set(true));
                if (disconnected) {
                    LOG.info("Consuming from " + url + " again");
                    disconnected = false;
                }
                open.add(connectionLost);
                try {
                    while (!stopping && !connectionLost.get()) {
                        List<Message> batch = receiveBatch(consumer);
                        if (!batch.isEmpty()) {
                            process(context, batch);
                        }
                    }
                } finally {
                    open.remove(connectionLost);
                }
            } catch (JMSRuntimeException e) {
                if (!disconnected && !stopping) {
                    LOG.warning("Cannot consume from " + url + " (" + e.getMessage() + "): retrying every "
                            + RECONNECT_PAUSE_MILLIS + " ms");
                    disconnected = true;
                }
                pause();
            }
        }
    }

    /**
     * What is waiting, up to the batch size: the first message waits up to a second, the rest are taken
     * only if already there. A large message ends a batch, so that one batch never holds several.
     */
    private List<Message> receiveBatch(QueueReceiver consumer) {
        List<Message> batch = new ArrayList<>();
        Message message = consumer.receive(RECEIVE_WAIT_MILLIS);
        while (message != null) {
            batch.add(message);
            if (batch.size() >= batchSize || isLarge(message)) {
                break;
            }
            message = consumer.receiveNoWait();
        }
        return batch;
    }

    private void process(JMSContext context, List<Message> batch) {
        try {
            ingest.acceptAll(batch);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not store " + batch.size() + " messages (" + e
                    + "): given back to the broker, which redelivers them later", e);
            context.rollback();
            return;
        }
        context.commit();
        // Only now can the broker no longer redeliver them: their ids need not be kept to recognise one.
        ingest.acknowledged(batch);
    }

    static boolean isLarge(Message message) {
        try {
            return message.propertyExists(ARTEMIS_LARGE_SIZE);
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot read message properties: " + e.getMessage());
        }
    }

    private static void pause() {
        try {
            Thread.sleep(RECONNECT_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
