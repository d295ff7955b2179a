package appservice.delivery.faults;

import appservice.delivery.it.Publisher;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;

/**
 * Reads copies on the dead-letter queue as an operator's tool would, with bodies of any size: each body is
 * hashed as it streams in (through Artemis's core API, which the JMS client would read whole first).
 */
final class DeadLetterCopies {

    private DeadLetterCopies() {
    }

    /** For each of the next {@code count} copies, by original message id: the SHA-256 of its body (a text's as UTF-8), and its reason. */
    static Map<String, String[]> read(String brokerUrl, int count, Duration timeout) throws Exception {
        Map<String, String[]> copies = new HashMap<>();
        try (ServerLocator locator = ActiveMQClient.createServerLocator(brokerUrl);
             ClientSessionFactory factory = locator.createSessionFactory();
             ClientSession session = factory.createSession();
             ClientConsumer consumer = session.createConsumer(SimpleString.of(Publisher.QUEUE + ".DLQ"))) {
            session.start();
            for (int n = 0; n < count; n++) {
                ClientMessage copy = consumer.receive(timeout.toMillis());
                if (copy == null) {
                    throw new AssertionError("only " + n + " of " + count + " copies on the dead-letter queue");
                }
                Hashing body = new Hashing(copy.getType() == Message.TEXT_TYPE);
                copy.saveToOutputStream(body);
                copy.acknowledge();
                copies.put(copy.getStringProperty("original_message_id"),
                        new String[] {body.sha256(), copy.getStringProperty("delivery_error")});
            }
        }
        return copies;
    }

    /** Hashes a body as it is written: bytes as they are, an Artemis text as the UTF-8 of its characters. */
    private static final class Hashing extends OutputStream {

        private final MessageDigest digest;
        private final boolean text;
        private long written;
        private int low = -1;

        Hashing(boolean text) throws Exception {
            this.digest = MessageDigest.getInstance("SHA-256");
            this.text = text;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            if (!text) {
                digest.update(bytes, offset, length);
                return;
            }
            for (int i = offset; i < offset + length; i++) {
                if (written++ < 5) {
                    continue; // the null flag and the length
                }
                if (low < 0) {
                    low = bytes[i] & 0xFF;
                } else {
                    char c = (char) (low | (bytes[i] & 0xFF) << 8);
                    low = -1;
                    if (c >= 0x80) {
                        throw new AssertionError("the test's texts are ASCII");
                    }
                    digest.update((byte) c);
                }
            }
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
