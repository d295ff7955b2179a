package appservice.delivery.ingest;

import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.io.InputStream;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.core.client.impl.ClientLargeMessageInternal;
import org.apache.activemq.artemis.core.client.impl.LargeMessageController;
import org.apache.activemq.artemis.core.client.impl.LargeMessageControllerImpl;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;

/**
 * Bodies that Artemis streams (its large messages, over 100 KiB by default): their size is known before they
 * are read, and a body that is never read whole can be passed on as it arrives. The JMS client reads a
 * {@code TextMessage}'s body whole as it receives it (two copies of it, then the text), which is why
 * {@link QueueReceiver} receives through the core API.
 */
final class LargeBodies {

    /** Set by the broker on a large message: its body's size in bytes as the broker holds it. */
    static final String SIZE = "_AMQ_LARGE_SIZE";

    /**
     * The bytes of a text body besides its characters: a flag for null, then the length of the data; each
     * character takes two bytes after them (Artemis's {@code SimpleString}).
     */
    static final int TEXT_HEADER_BYTES = 5;

    private LargeBodies() {
    }

    /** The body's size in bytes as the broker tells it, or -1 when it does not (not a large message). */
    static long size(Message message) {
        try {
            return message.propertyExists(SIZE) ? message.getLongProperty(SIZE) : -1;
        } catch (JMSException | NumberFormatException e) {
            return -1;
        }
    }

    /** The number of characters of a text body of this many bytes. */
    static long textCharacters(long bodyBytes) {
        return Math.max(0, bodyBytes - TEXT_HEADER_BYTES) / 2;
    }

    /**
     * Whether the message's body can be passed on as it arrives, unread: a large message's, unless its producer
     * compressed it (Artemis then gives the body inflated, but not its inflated size, so it is read as before).
     */
    static boolean streamable(Message message) {
        return message instanceof ActiveMQMessage artemis
                && artemis.getCoreMessage() instanceof ClientLargeMessageInternal large
                && large.getLargeMessageController() instanceof LargeMessageControllerImpl;
    }

    /**
     * Whether the message's body is a large one that has not been read (it is still arriving from the broker):
     * a {@code BytesMessage}'s always (the JMS client never reads it on receipt), a {@code TextMessage}'s when
     * it was refused before it was read.
     */
    static boolean unread(Message message) {
        return streamable(message)
                && (message instanceof BytesMessage || message instanceof TextMessage && Ingest.tooLargeToRead(message));
    }

    /**
     * The unread body of a large message as it arrives, each byte once: the broker sends the rest as it is
     * read, so the body is never in memory whole.
     */
    static InputStream stream(Message message) {
        ClientMessage core = ((ActiveMQMessage) message).getCoreMessage();
        LargeMessageController body = ((ClientLargeMessageInternal) core).getLargeMessageController();
        return new InputStream() {
            private long read;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                long left = body.getSize() - read;
                if (left <= 0) {
                    return -1;
                }
                int count = (int) Math.min(length, left);
                try {
                    body.readBytes(buffer, offset, count);
                } catch (RuntimeException | IllegalAccessError e) {
                    // A timeout or a lost session: the copy fails, and the message is redelivered.
                    throw new IOException("cannot read the body of message " + messageId(message) + " after "
                            + read + " of " + body.getSize() + " bytes: " + e, e);
                }
                read += count;
                return count;
            }
        };
    }

    /** Sends the message's body from this stream when it is sent (as a large message, a part at a time). */
    static void bodyFrom(Message message, InputStream body) {
        ((ActiveMQMessage) message).getCoreMessage().setBodyInputStream(body);
    }

    private static String messageId(Message message) {
        try {
            return message.getJMSMessageID();
        } catch (JMSException e) {
            throw new JMSRuntimeException(e.getMessage());
        }
    }
}
