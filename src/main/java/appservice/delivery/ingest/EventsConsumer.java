package appservice.delivery.ingest;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

/**
 * Takes the homeserver's messages off the events queue. The message is acknowledged only after
 * {@link Ingest#accept} returns, that is after its events are committed to the database (or it is on
 * the dead-letter queue); when that throws, the broker redelivers it later.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "artemis-ra"),
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Queue"),
        @ActivationConfigProperty(propertyName = "destination", propertyValue = "${MPCONFIG=delivery.queue:appservice.events}"),
        @ActivationConfigProperty(propertyName = "useJNDI", propertyValue = "false"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "4"),
        @ActivationConfigProperty(propertyName = "setupAttempts", propertyValue = "-1"),
        @ActivationConfigProperty(propertyName = "setupInterval", propertyValue = "1000"),
})
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class EventsConsumer implements MessageListener {

    @Inject
    Ingest ingest;

    @Override
    public void onMessage(Message message) {
        ingest.accept(message);
    }
}
