package appservice.delivery.ingest;

import jakarta.jms.JMSContext;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.jms.client.ActiveMQJMSContext;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQSession;
import org.apache.activemq.artemis.utils.AutoCreateUtil;

/**
 * Receives from a queue in a transacted {@link JMSContext}, as its own consumer would, except that a text
 * too large to be read ({@link Ingest#tooLargeToRead}) is not read: the JMS client reads a text body whole
 * as it receives it, so a message of hundreds of megabytes would exhaust the heap before anyone could refuse
 * it. Such a message's body stays with the broker, which sends it as it is read (see {@link LargeBodies}).
 * The messages received are acknowledged in the context's transaction, as by its own consumers.
 */
final class QueueReceiver implements AutoCloseable {

    private final ClientSession session;
    private final ClientConsumer consumer;

    private QueueReceiver(ClientSession session, ClientConsumer consumer) {
        this.session = session;
        this.consumer = consumer;
    }

    /** A receiver on the queue, in the context's session; it starts the context's connection. */
    static QueueReceiver open(JMSContext context, String queue) {
        return open(context, queue, null);
    }

    /** A receiver of the messages matching a selector. */
    static QueueReceiver open(JMSContext context, String queue, String selector) {
        ClientSession session = ((ActiveMQSession) ((ActiveMQJMSContext) context).getSession()).getCoreSession();
        try {
            // As the JMS client does for a consumer on a queue (the broker may create queues when asked).
            AutoCreateUtil.autoCreateQueue(session, SimpleString.of(queue), null);
            ClientConsumer consumer = session.createConsumer(SimpleString.of(queue),
                    selector == null ? null : SimpleString.of(selector));
            context.start();
            return new QueueReceiver(session, consumer);
        } catch (ActiveMQException e) {
            throw new JMSRuntimeException("cannot consume from " + queue + ": " + e.getMessage(), e.getType().toString(), e);
        }
    }

    /** The next message, waiting up to this long; null if none came. */
    Message receive(long millis) {
        try {
            return received(consumer.receive(millis));
        } catch (ActiveMQException e) {
            throw new JMSRuntimeException("cannot receive: " + e.getMessage(), e.getType().toString(), e);
        }
    }

    /** The next message if one is already there, else null. */
    Message receiveNoWait() {
        try {
            return received(consumer.receiveImmediate());
        } catch (ActiveMQException e) {
            throw new JMSRuntimeException("cannot receive: " + e.getMessage(), e.getType().toString(), e);
        }
    }

    private Message received(ClientMessage core) throws ActiveMQException {
        if (core == null) {
            return null;
        }
        ActiveMQMessage message = ActiveMQMessage.createMessage(core, session);
        if (!Ingest.tooLargeToRead(message)) {
            message.doBeforeReceive(); // what the JMS client does on receipt: reads the body
        }
        core.acknowledge(); // in the session's transaction: done when it commits
        return message;
    }

    @Override
    public void close() {
        try {
            consumer.close();
        } catch (ActiveMQException e) {
            throw new JMSRuntimeException("cannot close the consumer: " + e.getMessage(), e.getType().toString(), e);
        }
    }
}
