package appservice.delivery.ingest;

import appservice.delivery.transactions.Transactions;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.util.logging.Logger;
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

    @Resource(lookup = "java:app/jms/delivery")
    ConnectionFactory connectionFactory;

    @Inject
    @ConfigProperty(name = "delivery.queue", defaultValue = "appservice.events")
    String queue;

    @Inject
    Transactions transactions;

    /** Copies the message to the dead-letter queue, and records it for operators (the admin API). */
    public void send(Message original, String reason) {
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
                transactions.recordPoison(originalId, group, bodyOf(original), reason);
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
