import jakarta.jms.JMSContext;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * Publishes one envelope to the events queue as a homeserver does: a persistent TextMessage whose
 * JMSXGroupID is the room id. Run through bin/publish.
 */
public class Publish {

    public static void main(String[] args) throws Exception {
        String envelope = args.length > 0 ? args[0] : new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        String room = args.length > 1 ? args[1] : roomOf(envelope);
        String url = env("DELIVERY_BROKER_URL", "tcp://127.0.0.1:61616");
        String queue = env("DELIVERY_QUEUE", "appservice.events");
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
             JMSContext context = factory.createContext(System.getenv("DELIVERY_BROKER_USER"),
                     System.getenv("DELIVERY_BROKER_PASSWORD"))) {
            TextMessage message = context.createTextMessage(envelope);
            if (room != null) {
                message.setStringProperty("JMSXGroupID", room);
            }
            context.createProducer().send(context.createQueue(queue), message);
            System.out.println("published " + message.getJMSMessageID() + " to " + queue + " at " + url
                    + (room == null ? "" : " (group " + room + ")"));
        }
    }

    private static String roomOf(String envelope) {
        Matcher m = Pattern.compile("\"room_id\"\\s*:\\s*\"([^\"]+)\"").matcher(envelope);
        return m.find() ? m.group(1) : null;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
