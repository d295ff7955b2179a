package appservice.delivery.ingest;

import appservice.delivery.CrashPoints;
import appservice.delivery.registrations.Registrations;
import appservice.delivery.routing.Routed;
import appservice.delivery.routing.Router;
import appservice.delivery.sending.Dispatcher;
import appservice.delivery.transactions.IncomingMessage;
import appservice.delivery.transactions.RefusedMessage;
import appservice.delivery.transactions.Transactions;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.ObjectMessage;
import jakarta.jms.StreamMessage;
import jakarta.jms.TextMessage;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What happens to a batch of messages from the queue: each valid item (event, ephemeral event, to-device message,
 * device list or key update) is stored for every interested application service, whose sending then
 * starts at once; a message that can never be processed goes to the dead-letter queue with its
 * reason; an item no application service wants is dropped.
 */
@ApplicationScoped
public class Ingest {

    private static final Logger LOG = Logger.getLogger(Ingest.class.getName());

    /** Failures in a row with the database reachable after which a store error is taken as the message's own. */
    private static final int FAILURES_WHILE_REACHABLE = 3;

    private static final long MAX_HOLD_PAUSE_MILLIS = 5_000;

    /**
     * The longest message read at all: an item may have 65,536 bytes, so only a message with a very long
     * list of aliases or members could be longer, and not by this much. A longer one is refused unparsed.
     */
    static final int MAX_MESSAGE_CHARS = 4 << 20;

    /** Messages longer than this are handled one at a time: each takes several copies of itself in memory. */
    private static final int LARGE_MESSAGE_CHARS = 256 << 10;

    @Inject
    Registrations registrations;

    @Inject
    Transactions transactions;

    @Inject
    DeadLetters deadLetters;

    @Inject
    Dispatcher dispatcher;

    @Inject
    @ConfigProperty(name = "delivery.server.name", defaultValue = "localhost")
    String serverName;

    @Resource(lookup = "java:app/jdbc/delivery")
    DataSource dataSource;

    /** At most this many message ids are forgotten in one statement. */
    private static final int FORGET_CHUNK = 1000;

    private final AtomicLong unwanted = new AtomicLong();

    /** Ids of acknowledged messages still to be forgotten (see {@link #acknowledged}). */
    private final Queue<String> toForget = new ConcurrentLinkedQueue<>();
    private final Semaphore largeMessage = new Semaphore(1, true);
    private volatile boolean stopping;

    /**
     * Stores the items of these messages, and the records of those that are refused, all in one database
     * transaction, and starts their sending. Returns once they are committed (a refused message is on the
     * dead-letter queue before); throws when they must be redelivered later (a store error with the database up).
     */
    public void acceptAll(List<Message> messages) {
        List<IncomingMessage> incoming = new ArrayList<>(messages.size());
        List<RefusedMessage> refused = new ArrayList<>(0);
        for (Message message : messages) {
            read(message, incoming, refused);
        }
        if (incoming.isEmpty() && refused.isEmpty()) {
            return;
        }
        storeHoldingThroughOutages(incoming, refused);
        CrashPoints.reach("stored-before-ack");
        incoming.stream().flatMap(m -> m.items().stream()).map(r -> r.service().id()).distinct()
                .forEach(dispatcher::kick);
    }

    /**
     * Whether the message is a text that the broker says is longer than {@value #MAX_MESSAGE_CHARS} characters:
     * it is refused without being read (its body's size is known before; the body follows as it is read).
     */
    static boolean tooLargeToRead(Message message) {
        return message instanceof TextMessage && LargeBodies.streamable(message) && textCharacters(message) > MAX_MESSAGE_CHARS;
    }

    private static long textCharacters(Message message) {
        return LargeBodies.textCharacters(LargeBodies.size(message));
    }

    /**
     * Adds the message's items, routed, to {@code incoming} (nothing when no application service wants it), or,
     * when it can never be used, copies it to the dead-letter queue and adds its record to {@code refused}.
     */
    private void read(Message message, List<IncomingMessage> incoming, List<RefusedMessage> refused) {
        // Only one large message is read at a time, across consumers: each takes several copies of itself.
        boolean large = EventsConsumer.isLarge(message);
        if (large) {
            largeMessage.acquireUninterruptibly();
        }
        try {
            if (tooLargeToRead(message)) {
                throw new PoisonMessageException("a message of " + textCharacters(message) + " characters, more than the "
                        + "limit of " + MAX_MESSAGE_CHARS + " (an item may have at most " + Envelope.MAX_EVENT_BYTES + " bytes)");
            }
            String text = textOf(message);
            if (!large && text.length() > LARGE_MESSAGE_CHARS) {
                large = true;
                largeMessage.acquireUninterruptibly();
            }
            String messageId = messageId(message);
            if (text.length() > MAX_MESSAGE_CHARS) {
                throw new PoisonMessageException("a message of " + text.length() + " characters, more than the limit of "
                        + MAX_MESSAGE_CHARS + " (an item may have at most " + Envelope.MAX_EVENT_BYTES + " bytes)");
            }
            List<Routed> routed = Router.route(Envelope.parse(text), registrations.all(), serverName);
            if (routed.isEmpty()) {
                unwanted.incrementAndGet();
            } else {
                incoming.add(new IncomingMessage(messageId, routed));
            }
        } catch (PoisonMessageException e) {
            deadLetters.send(message, e.reason()).ifPresent(refused::add);
        } finally {
            if (large) {
                largeMessage.release();
            }
        }
    }

    /**
     * While the database is unreachable the messages are held, and their consumer with them, until the
     * database is back: a message given back to the broker would be redelivered after a delay, behind
     * the later messages of its room, and the room's order would be lost. An error with the database
     * reachable is not an outage: it goes back to the broker (redelivered later).
     */
    private void storeHoldingThroughOutages(List<IncomingMessage> messages, List<RefusedMessage> refused) {
        long pause = 100;
        int failuresWhileReachable = 0;
        boolean held = false;
        while (true) {
            try {
                transactions.storeAll(messages, refused);
                if (held) {
                    LOG.info("Database reachable again: " + messages.size() + " held messages stored");
                }
                return;
            } catch (RuntimeException e) {
                if (stopping || (databaseReachable() && ++failuresWhileReachable >= FAILURES_WHILE_REACHABLE)) {
                    throw e;
                }
                if (!held) {
                    LOG.warning("Cannot store " + messages.size() + " messages (" + e + "): holding them, in "
                            + "their rooms' order, until the database answers");
                    held = true;
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = Math.min(pause * 2, MAX_HOLD_PAUSE_MILLIS);
            }
        }
    }

    private boolean databaseReachable() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** Stops holding batches through database outages: a held batch goes back to the broker. */
    /**
     * The broker has taken the acknowledgement of these messages (their consumer's commit succeeded): it can
     * no longer redeliver them, so their ids, kept to recognise a redelivery of a stored message, are
     * forgotten, the duplicates' too (whoever stored them first). This is the only way an id is forgotten:
     * never by age, since a broker or service down for days must still find a redelivery recognised. Ids
     * that cannot be forgotten now (the database is unreachable) are tried again after the next batch; a
     * crash in between leaves them in the table, where they do no harm.
     */
    public void acknowledged(List<Message> batch) {
        for (Message message : batch) {
            try {
                String id = message.getJMSMessageID();
                if (id != null) {
                    toForget.add(id);
                }
            } catch (JMSException e) {
                // its id cannot be read: it was never stored under one
            }
        }
        List<String> ids = new ArrayList<>();
        for (String id = toForget.poll(); id != null && ids.size() < FORGET_CHUNK; id = toForget.poll()) {
            ids.add(id);
        }
        if (ids.isEmpty()) {
            return;
        }
        try {
            transactions.forgetMessages(ids);
        } catch (RuntimeException e) {
            if (toForget.size() < FORGET_CHUNK * 20) {
                toForget.addAll(ids);
            }
            LOG.fine("Could not forget " + ids.size() + " acknowledged message ids yet: " + e);
        }
    }

    @PreDestroy
    void stop() {
        stopping = true;
    }

    /** Messages that no application service wanted, since startup. */
    public long unwantedCount() {
        return unwanted.get();
    }

    private static String textOf(Message message) {
        if (!(message instanceof TextMessage text)) {
            throw new PoisonMessageException("not a TextMessage but a " + kindOf(message));
        }
        try {
            return text.getText();
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot read message body: " + e.getMessage());
        }
    }

    private static String kindOf(Message message) {
        if (message instanceof BytesMessage) {
            return "BytesMessage";
        } else if (message instanceof ObjectMessage) {
            return "ObjectMessage";
        } else if (message instanceof MapMessage) {
            return "MapMessage";
        } else if (message instanceof StreamMessage) {
            return "StreamMessage";
        }
        return "Message without a body";
    }

    private static String messageId(Message message) {
        try {
            String id = message.getJMSMessageID();
            if (id == null) {
                throw new PoisonMessageException("message has no JMSMessageID");
            }
            return id;
        } catch (JMSException e) {
            throw new JMSRuntimeException("cannot read JMSMessageID: " + e.getMessage());
        }
    }
}
