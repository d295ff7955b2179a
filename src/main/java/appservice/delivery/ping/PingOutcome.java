package appservice.delivery.ping;

import appservice.delivery.Secrets;
import appservice.delivery.sending.TransactionSender;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;

/** The answer to a ping request, exactly as the spec words its success and each error. */
record PingOutcome(int status, JsonObject body) {

    static PingOutcome forbidden() {
        return error(403, "M_FORBIDDEN", "The access token does not belong to this application service");
    }

    static PingOutcome badJson(String why) {
        return error(400, "M_BAD_JSON", "Invalid request body: " + why);
    }

    static PingOutcome tooLarge() {
        return error(413, "M_TOO_LARGE", "The request body is over " + PingBody.LIMIT + " bytes");
    }

    static PingOutcome alreadyPinging() {
        return error(429, "M_LIMIT_EXCEEDED", "A ping of this application service is already in progress");
    }

    static PingOutcome urlNotSet() {
        return error(400, "M_URL_NOT_SET", "The application service has no URL");
    }

    /** The application service answered: 2xx is a success, anything else M_BAD_STATUS. */
    static PingOutcome answered(int status, String responseBody, long durationMillis) {
        if (status / 100 == 2) {
            return new PingOutcome(200, Json.createObjectBuilder().add("duration_ms", durationMillis).build());
        }
        return new PingOutcome(502, Json.createObjectBuilder()
                .add("errcode", "M_BAD_STATUS")
                .add("error", "The application service answered HTTP " + status)
                .add("status", status)
                .add("body", responseBody == null ? "" : Secrets.mask(responseBody))
                .build());
    }

    /** No answer: a timeout is M_CONNECTION_TIMEOUT (504), anything else M_CONNECTION_FAILED (502). */
    static PingOutcome noAnswer(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException || cause instanceof HttpTimeoutException) {
                return error(504, "M_CONNECTION_TIMEOUT", "The application service did not answer in time");
            }
        }
        return error(502, "M_CONNECTION_FAILED",
                "Cannot reach the application service: " + Secrets.mask(TransactionSender.describe(failure)));
    }

    private static PingOutcome error(int status, String errcode, String message) {
        return new PingOutcome(status, Json.createObjectBuilder().add("errcode", errcode).add("error", message).build());
    }

    Response response() {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body.toString()).build();
    }
}
