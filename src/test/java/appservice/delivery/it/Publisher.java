package appservice.delivery.it;

import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;
import java.io.InputStream;
import java.time.Duration;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;

/** Publishes to the events queue as a homeserver does, and reads the dead-letter queue as an operator. */
public final class Publisher implements AutoCloseable {

    public static final String QUEUE = "appservice.events";

    private final JMSContext context;
    private final Queue queue;

    /** A producer on the tests' broker ({@code it.broker.url}: the embedded one of the service under test). */
    public Publisher() {
        this(System.getProperty("it.broker.url", "tcp://127.0.0.1:61616"));
    }

    /** Logs in as {@code it.broker.user} where the broker wants a user (WildFly's); the embedded one does not. */
    public Publisher(String url) {
        String user = System.getProperty("it.broker.user", "");
        ConnectionFactory factory = user.isEmpty() ? new ActiveMQConnectionFactory(url)
                : new ActiveMQConnectionFactory(url, user, System.getProperty("it.broker.password"));
        context = factory.createContext();
        queue = context.createQueue(QUEUE);
    }

    /** An {@code event} envelope for a message in a room, sent by {@code sender}. */
    public static String event(String eventId, String roomId, String sender) {
        return "{\"kind\":\"event\",\"event\":{\"event_id\":\"" + eventId + "\",\"room_id\":\"" + roomId
                + "\",\"sender\":\"" + sender + "\",\"type\":\"m.room.message\",\"origin_server_ts\":1,"
                + "\"content\":{\"msgtype\":\"m.text\",\"body\":\"hello " + eventId + "\"}}}";
    }

    /** Publishes an envelope with the room as its group, as producers must; returns the JMS message id. */
    public String publish(String envelope, String roomId) {
        TextMessage message = context.createTextMessage(envelope);
        try {
            message.setStringProperty("JMSXGroupID", roomId);
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
        return send(message);
    }

    public String publishText(String text) {
        return send(context.createTextMessage(text));
    }

    public String publishBytes(byte[] bytes) {
        BytesMessage message = context.createBytesMessage();
        try {
            message.writeBytes(bytes);
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
        return send(message);
    }

    /**
     * Publishes a {@code TextMessage} whose body (as Artemis encodes a text) is read from a stream as it is
     * sent, in the room's group: a text far larger than this JVM's heap never has to be in it.
     */
    public String publishStreamedText(InputStream artemisEncodedText, String roomId) {
        TextMessage message = context.createTextMessage();
        try {
            message.setStringProperty("JMSXGroupID", roomId);
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
        ((ActiveMQMessage) message).getCoreMessage().setBodyInputStream(artemisEncodedText);
        return send(message);
    }

    /** Publishes a {@code BytesMessage} whose body is read from a stream as it is sent. */
    public String publishStreamedBytes(InputStream bytes) {
        BytesMessage message = context.createBytesMessage();
        try {
            message.setObjectProperty("JMS_AMQ_InputStream", bytes);
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
        return send(message);
    }

    public String publishObject(java.io.Serializable object) {
        return send(context.createObjectMessage(object));
    }

    private String send(Message message) {
        context.createProducer().send(queue, message);
        try {
            return message.getJMSMessageID();
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next message on the dead-letter queue, or null after the timeout. */
    public Message nextDeadLetter(Duration timeout) {
        try (JMSConsumer consumer = context.createConsumer(context.createQueue(QUEUE + ".DLQ"))) {
            return consumer.receive(timeout.toMillis());
        }
    }

    /** Takes the copy of a message off the dead-letter queue (as an operator may); null if it is not there. */
    public Message takeDeadLetter(String originalMessageId, Duration timeout) {
        try (JMSConsumer consumer = context.createConsumer(context.createQueue(QUEUE + ".DLQ"),
                "original_message_id = '" + originalMessageId.replace("'", "''") + "'")) {
            return consumer.receive(timeout.toMillis());
        }
    }

    /**
     * Takes every message off a queue, waiting up to {@code quiet} for one more each time (a message
     * rolled back is redelivered after a delay).
     */
    public void drain(String queueName, Duration quiet) {
        try (JMSConsumer consumer = context.createConsumer(context.createQueue(queueName))) {
            while ((quiet.isZero() ? consumer.receiveNoWait() : consumer.receive(quiet.toMillis())) != null) {
                // taken off
            }
        }
    }

    @Override
    public void close() {
        context.close();
    }
}
