package appservice.delivery.faults;

import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * Publishes as a careful homeserver must when the broker or the service can die under it: batches in
 * one JMS transaction, each message carrying its event id as Artemis's duplicate-detection id
 * ({@code _AMQ_DUPL_ID}), and a batch whose commit failed is sent again after reconnecting. Whether the
 * failed commit reached the broker or not, each event is then on the queue exactly once.
 */
final class FaultPublisher implements AutoCloseable {

    /** One envelope, with the room that groups it and the event id that makes a resend recognisable. */
    record Outgoing(String envelope, String roomId, String eventId) {
    }

    private static final Duration GIVE_UP = Duration.ofMinutes(5);

    private final String url;
    private JMSContext context;
    private Queue queue;
    private long resends;

    FaultPublisher(String url) {
        this.url = url;
    }

    /** Sends the batch in one transaction; returns once the broker has it, retrying for up to 5 minutes. */
    void publish(List<Outgoing> batch) {
        Instant giveUp = Instant.now().plus(GIVE_UP);
        boolean again = false;
        while (true) {
            try {
                send(batch);
                return;
            } catch (JMSRuntimeException e) {
                disconnect();
                if (again && isDuplicate(e)) {
                    return; // the failed commit did reach the broker: the resend was recognised, all of it
                }
                if (Instant.now().isAfter(giveUp)) {
                    throw new AssertionError("could not publish for " + GIVE_UP + ": " + e, e);
                }
                again = true;
                resends++;
                pause();
            }
        }
    }

    /** Batches sent again after a failure. */
    long resends() {
        return resends;
    }

    private void send(List<Outgoing> batch) {
        if (context == null) {
            context = new ActiveMQConnectionFactory(url).createContext(JMSContext.SESSION_TRANSACTED);
            queue = context.createQueue("appservice.events");
        }
        try {
            var producer = context.createProducer();
            for (Outgoing outgoing : batch) {
                TextMessage message = context.createTextMessage(outgoing.envelope());
                message.setStringProperty("JMSXGroupID", outgoing.roomId());
                message.setStringProperty("_AMQ_DUPL_ID", outgoing.eventId());
                producer.send(queue, message);
            }
            context.commit();
        } catch (JMSException e) {
            throw new JMSRuntimeException(e.getMessage(), e.getErrorCode(), e);
        }
    }

    private static boolean isDuplicate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Duplicate")) {
                return true;
            }
        }
        return false;
    }

    private void disconnect() {
        if (context != null) {
            try {
                context.close();
            } catch (RuntimeException ignored) {
                // the connection is already broken
            }
            context = null;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    @Override
    public void close() {
        disconnect();
    }
}
