package appservice.delivery.ingest;

/** A message that can never be processed, however often it is redelivered; it belongs on the dead-letter queue. */
public class PoisonMessageException extends RuntimeException {

    public PoisonMessageException(String reason) {
        super(reason);
    }

    public PoisonMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }

    public String reason() {
        return getMessage();
    }
}
