package appservice.delivery.sending;

/**
 * How one PUT of a transaction ended: the HTTP status (0 when there was no answer) and, unless it was
 * a 2xx, a reason for operators.
 */
public record SendResult(int status, String failure) {

    static SendResult answered(int status) {
        return new SendResult(status, status / 100 == 2 ? null : "HTTP " + status);
    }

    static SendResult noAnswer(String failure) {
        return new SendResult(0, failure);
    }

    public boolean accepted() {
        return status / 100 == 2;
    }

    /** 413: the application service will never take this transaction as it is, however often it is sent. */
    public boolean tooLarge() {
        return status == 413;
    }
}
