package appservice.delivery.ingest;

import appservice.delivery.broker.BrokerConnections;
import appservice.delivery.transactions.RefusedMessage;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
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

    /** The property of a copy that holds the original's JMS message id. */
    static final String ORIGINAL_ID = "original_message_id";

    /** Artemis's duplicate detection: a second message with the same value on an address is dropped. */
    static final String DUPLICATE_ID = "_AMQ_DUPL_ID";

    static final String GROUP = "JMSXGroupID";

    /** The longest reason kept, as the database keeps it. */
    static final int MAX_REASON = 2000;

    @Inject
    BrokerConnections broker;

    @Inject
    @ConfigProperty(name = "delivery.queue", defaultValue = "appservice.events")
    String queue;

    private ActiveMQConnectionFactory connectionFactory;

    @PostConstruct
    void open() {
        connectionFactory = broker.newFactory();
    }

    @PreDestroy
    void close() {
        connectionFactory.close();
    }

    /**
     * Copies the message to the dead-letter queue, and returns its record for operators (the admin API), for
     * the caller to store with the rest of its batch; empty for a message without an id (nothing to store it by).
     * A large body that was not read is passed on as it arrives, never whole in memory.
     */
    public Optional<RefusedMessage> send(Message original, String rawReason) {
        // A reason quotes the message (an unknown kind, an event id), which may hold control characters.
        String reason = printable(rawReason);
        try (JMSContext context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            BodySummary body = original instanceof BytesMessage ? BodySummary.ofBytes() : BodySummary.ofText();
            Message copy = copyOf(context, original, body);
            copy.setStringProperty(REASON, reason);
            String originalId = original.getJMSMessageID();
            if (originalId != null) {
                copy.setStringProperty(ORIGINAL_ID, originalId);
                copy.setStringProperty(DUPLICATE_ID, originalId);
            }
            String group = original.getStringProperty(GROUP);
            if (group != null) {
                copy.setStringProperty(GROUP, group);
            }
            context.createProducer().send(context.createQueue(queue + ".DLQ"), copy);
            LOG.warning("Message " + originalId + " moved to " + queue + ".DLQ: " + reason);
            if (originalId == null) {
                return Optional.empty();
            }
            return Optional.of(new RefusedMessage(originalId, group, body.prefix(), body.length(), body.sha256(),
                    body.cut(), reason));
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot move message to the dead-letter queue: " + e.getMessage());
        }
    }

    /**
     * Removes the copy of a message from the dead-letter queue (an operator replayed or dismissed it), without
     * reading its body. Returns whether it was there.
     */
    public boolean remove(String originalMessageId) {
        try (JMSContext context = connectionFactory.createContext(JMSContext.SESSION_TRANSACTED);
             QueueReceiver copies = QueueReceiver.open(context, queue + ".DLQ", copyOf(originalMessageId))) {
            boolean found = copies.receive(2000) != null;
            context.commit();
            return found;
        }
    }

    /**
     * Puts a message body back on the events queue, in its room's group. The duplicate id makes the broker
     * drop a second message with the same id (a replay retried), so that it is delivered once.
     */
    public void republish(String body, String groupId, String duplicateId) {
        try (JMSContext context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            TextMessage message = context.createTextMessage(body);
            if (groupId != null) {
                message.setStringProperty(GROUP, groupId);
            }
            message.setStringProperty(DUPLICATE_ID, Objects.requireNonNull(duplicateId));
            context.createProducer().send(context.createQueue(queue), message);
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot put the message back on the queue: " + e.getMessage());
        }
    }

    /**
     * Moves a message's copy from the dead-letter queue back to the events queue, its body as it is there (a
     * large one passed on as it arrives), in one broker transaction, with this duplicate id (see
     * {@link #republish}). Returns false when the copy is not on the dead-letter queue.
     */
    public boolean republishCopy(String originalMessageId, String groupId, String duplicateId) {
        try (JMSContext context = connectionFactory.createContext(JMSContext.SESSION_TRANSACTED);
             QueueReceiver copies = QueueReceiver.open(context, queue + ".DLQ", copyOf(originalMessageId))) {
            Message copy = copies.receive(2000);
            if (copy == null) {
                context.rollback();
                return false;
            }
            Message message = copyOf(context, copy, copy instanceof BytesMessage ? BodySummary.ofBytes() : BodySummary.ofText());
            if (groupId != null) {
                message.setStringProperty(GROUP, groupId);
            }
            message.setStringProperty(DUPLICATE_ID, Objects.requireNonNull(duplicateId));
            context.createProducer().send(context.createQueue(queue), message);
            context.commit();
            return true;
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot put the message back on the queue: " + e.getMessage());
        }
    }

    /** The selector of a message's copy on the dead-letter queue. */
    private static String copyOf(String originalMessageId) {
        return ORIGINAL_ID + " = '" + originalMessageId.replace("'", "''") + "'";
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

    /**
     * A new message of the original's kind with its body, taken in by {@code summary} on the way: a large body
     * not read yet is passed on when the copy is sent, as it arrives from the broker.
     */
    private static Message copyOf(JMSContext context, Message original, BodySummary summary) throws JMSException {
        boolean unread = LargeBodies.unread(original);
        if (original instanceof TextMessage text) {
            if (unread) {
                TextMessage copy = context.createTextMessage();
                LargeBodies.bodyFrom(copy, new Passing(LargeBodies.stream(original), summary::encodedText));
                return copy;
            }
            summary.text(text.getText() == null ? "" : text.getText());
            return context.createTextMessage(text.getText());
        }
        if (original instanceof BytesMessage bytes) {
            BytesMessage copy = context.createBytesMessage();
            if (unread) {
                LargeBodies.bodyFrom(copy, new Passing(LargeBodies.stream(original), summary::bytes));
                return copy;
            }
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.reset();
            bytes.readBytes(body);
            summary.bytes(body, 0, body.length);
            copy.writeBytes(body);
            return copy;
        }
        // Other kinds are not part of the contract; their bodies (e.g. Java serialization) are not opened.
        return context.createMessage();
    }

    /** What a part of a body is given to as it passes. */
    private interface Part {
        void take(byte[] bytes, int offset, int count);
    }

    /** A body's stream that gives each part read from it to a {@link BodySummary} on the way. */
    private static final class Passing extends FilterInputStream {

        private final Part part;

        Passing(InputStream in, Part part) {
            super(in);
            this.part = part;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int count = in.read(buffer, offset, length);
            if (count > 0) {
                part.take(buffer, offset, count);
            }
            return count;
        }
    }
}
