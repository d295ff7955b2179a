package appservice.delivery.ingest;

import appservice.delivery.broker.BrokerConnections;
import appservice.delivery.transactions.Transactions;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.util.logging.Logger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Moves a message that can never be processed to {@code <queue>.DLQ}, with the reason in the string
 * property {@code delivery_error}. The copy carries the original message id as Artemis's duplicate
 * detection id, so a crash between this send and the acknowledgement of the original never leaves
 * two copies on the dead-letter queue.
 */
@ApplicationScoped
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class.getName());

    /** The property operators read the reason from. */
    public static final String REASON = "delivery_error";

    /** The longest reason kept, as the database keeps it. */
    static final int MAX_REASON = 2000;

    @Inject
    BrokerConnections broker;

    @Inject
    @ConfigProperty(name = "delivery.queue", defaultValue = "appservice.events")
    String queue;

    @Inject
    Transactions transactions;

    private ActiveMQConnectionFactory connectionFactory;

    @PostConstruct
    void open() {
        connectionFactory = broker.newFactory();
    }

    @PreDestroy
    void close() {
        connectionFactory.close();
    }

    /** Copies the message to the dead-letter queue, and records it for operators (the admin API). */
    public void send(Message original, String rawReason) {
        // A reason quotes the message (an unknown kind, an event id), which may hold control characters.
        String reason = printable(rawReason);
        try (JMSContext context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            Message copy = copyOf(context, original);
            copy.setStringProperty(REASON, reason);
            String originalId = original.getJMSMessageID();
            if (originalId != null) {
                copy.setStringProperty("original_message_id", originalId);
                copy.setStringProperty("_AMQ_DUPL_ID", originalId);
            }
            String group = original.getStringProperty("JMSXGroupID");
            if (group != null) {
                copy.setStringProperty("JMSXGroupID", group);
            }
            context.createProducer().send(context.createQueue(queue + ".DLQ"), copy);
            LOG.warning("Message " + originalId + " moved to " + queue + ".DLQ: " + reason);
            if (originalId != null) {
                transactions.recordPoison(originalId, group, storable(bodyOf(original)), reason);
            }
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot move message to the dead-letter queue: " + e.getMessage());
        }
    }

    /**
     * Removes the copy of a message from the dead-letter queue (an operator replayed or dismissed it).
     * Returns whether it was there.
     */
    public boolean remove(String originalMessageId) {
        try (JMSContext context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JMSConsumer consumer = context.createConsumer(context.createQueue(queue + ".DLQ"),
                     "original_message_id = '" + originalMessageId.replace("'", "''") + "'")) {
            return consumer.receive(2000) != null;
        }
    }

    /** Puts a message body back on the events queue, in its room's group. */
    public void republish(String body, String groupId) {
        try (JMSContext context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            TextMessage message = context.createTextMessage(body);
            if (groupId != null) {
                message.setStringProperty("JMSXGroupID", groupId);
            }
            context.createProducer().send(context.createQueue(queue), message);
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot put the message back on the queue: " + e.getMessage());
        }
    }

    private static String bodyOf(Message original) throws JMSException {
        if (original instanceof TextMessage text) {
            return text.getText();
        }
        if (original instanceof BytesMessage bytes) {
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.reset();
            bytes.readBytes(body);
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
        return "";
    }

    /**
     * The reason as one readable line (control characters escaped as in JSON) of at most
     * {@value #MAX_REASON} characters: it quotes the message, and a property of megabytes would make the
     * broker refuse the copy (AMQ219022), so that the message would be redelivered forever.
     */
    static String printable(String reason) {
        StringBuilder printable = new StringBuilder(Math.min(reason.length(), MAX_REASON + 6));
        for (int i = 0; i < reason.length() && printable.length() <= MAX_REASON; i++) {
            char c = reason.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                printable.append(String.format("\\u%04x", (int) c));
            } else {
                printable.append(c);
            }
        }
        if (printable.length() > MAX_REASON) {
            int end = MAX_REASON - 3;
            if (Character.isHighSurrogate(printable.charAt(end - 1))) {
                end--;
            }
            printable.setLength(end);
            printable.append("...");
        }
        return printable.toString();
    }

    /**
     * The body with U+FFFD in place of what a database's text cannot hold: NUL (PostgreSQL refuses it, and
     * the message would be redelivered forever) and unpaired surrogates (which have no UTF-8 form). Only
     * the record for operators changes; the copy on the dead-letter queue keeps the body as it came.
     */
    static String storable(String body) {
        StringBuilder storable = null;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < body.length()
                    && Character.isLowSurrogate(body.charAt(i + 1));
            if (c == 0 || !pair && Character.isSurrogate(c)) {
                if (storable == null) {
                    storable = new StringBuilder(body.length()).append(body, 0, i);
                }
                storable.append('\uFFFD');
            } else if (storable != null) {
                storable.append(c);
            }
            if (pair) {
                i++;
                if (storable != null) {
                    storable.append(body.charAt(i));
                }
            }
        }
        return storable == null ? body : storable.toString();
    }

    private static Message copyOf(JMSContext context, Message original) throws JMSException {
        if (original instanceof TextMessage text) {
            return context.createTextMessage(text.getText());
        }
        if (original instanceof BytesMessage bytes) {
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.reset();
            bytes.readBytes(body);
            BytesMessage copy = context.createBytesMessage();
            copy.writeBytes(body);
            return copy;
        }
        // Other kinds are not part of the contract; their bodies (e.g. Java serialization) are not opened.
        return context.createMessage();
    }
}
