package appservice.delivery.bench;

import appservice.delivery.it.Publisher;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSProducer;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * Publishes like a homeserver: persistent messages with the room as {@code JMSXGroupID}, in JMS
 * transactions. Event {@code n} is {@code $n}, in room {@code n % 50}, sent by a user of application
 * service {@code n % asIds.size()}, so events are spread evenly over the application services.
 */
final class BenchPublisher {

    static final int ROOMS = 50;
    static final int BATCH = 100;

    private final String brokerUrl;
    private final List<String> asIds;

    BenchPublisher(String brokerUrl, List<String> asIds) {
        this.brokerUrl = brokerUrl;
        this.asIds = List.copyOf(asIds);
    }

    static String roomId(int n) {
        return "!room" + n % ROOMS + ":localhost";
    }

    /** The envelope of event {@code $n}: the tests' {@link Publisher#event} for the application service's user. */
    static String envelope(int n, List<String> asIds) {
        return Publisher.event("$" + n, roomId(n), "@" + asIds.get(n % asIds.size()) + "_user:localhost");
    }

    /**
     * Publishes events {@code from} to {@code to - 1} as fast as the broker takes them, {@value #BATCH} per
     * commit, from {@code threads} threads that each own a share of the rooms (a room's events stay in
     * order). Returns when the last commit is done.
     */
    void publish(int from, int to, int threads) {
        List<Thread> running = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = t;
            Thread thread = new Thread(() -> {
                try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(brokerUrl);
                     JMSContext context = factory.createContext(JMSContext.SESSION_TRANSACTED)) {
                    Queue queue = context.createQueue(Publisher.QUEUE);
                    JMSProducer producer = context.createProducer();
                    int inBatch = 0;
                    for (int n = from; n < to; n++) {
                        if (n % ROOMS % threads == share) {
                            producer.send(queue, message(context, n));
                            if (++inBatch == BATCH) {
                                context.commit();
                                inBatch = 0;
                            }
                        }
                    }
                    context.commit();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "bench-publisher-" + t);
            thread.start();
            running.add(thread);
        }
        for (Thread thread : running) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("publishing failed", failures.get(0));
        }
    }

    /**
     * Publishes {@code count} events from {@code $first} at a steady {@code perSecond}: every 5 ms the events
     * then due, in one transaction. {@code publishedAt[i]} is when event {@code first + i}'s send() was called.
     */
    void publishSteady(int first, int count, int perSecond, long[] publishedAt) {
        long tick = 5_000_000;
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(brokerUrl);
             JMSContext context = factory.createContext(JMSContext.SESSION_TRANSACTED)) {
            Queue queue = context.createQueue(Publisher.QUEUE);
            JMSProducer producer = context.createProducer();
            long start = System.nanoTime();
            int sent = 0;
            for (long next = start; sent < count; next += tick) {
                LockSupport.parkNanos(next - System.nanoTime());
                long due = Math.min(count, (System.nanoTime() - start) * perSecond / 1_000_000_000L + 1);
                for (; sent < due; sent++) {
                    TextMessage message = message(context, first + sent);
                    publishedAt[sent] = System.nanoTime();
                    producer.send(queue, message);
                }
                context.commit();
            }
        }
    }

    private TextMessage message(JMSContext context, int n) {
        TextMessage message = context.createTextMessage(envelope(n, asIds));
        try {
            message.setStringProperty("JMSXGroupID", roomId(n));
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
        return message;
    }
}
