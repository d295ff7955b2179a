package appservice.delivery.sending;

/** How one PUT of a transaction ended: accepted (any 2xx), or failed with a reason for operators. */
public record SendResult(boolean accepted, String failure) {

    static SendResult ok() {
        return new SendResult(true, null);
    }

    static SendResult failed(String failure) {
        return new SendResult(false, failure);
    }
}
