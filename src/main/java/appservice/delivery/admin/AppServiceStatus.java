package appservice.delivery.admin;

import appservice.delivery.registrations.AppService;
import appservice.delivery.transactions.AppServiceState;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.time.Instant;

/** What the admin API says about one application service. */
record AppServiceStatus(AppService service, AppServiceState state, Long openTxnId, long pendingEvents,
                        Long oldestPendingAt, long now) {

    String stateName() {
        if (state.isPaused()) {
            return "PAUSED";
        }
        return state.state().name();
    }

    JsonObject toJson() {
        JsonObjectBuilder json = Json.createObjectBuilder()
                .add("id", service.id())
                .add("state", stateName())
                .add("pending_txns", openTxnId == null ? 0 : 1)
                .add("pending_events", pendingEvents)
                .add("backoff_step", state.backoffStep())
                .add("sent_txns", state.sentTxns())
                .add("failed_txns", state.failedTxns())
                .add("sent_events", state.sentItems());
        nullable(json, "url", service.url());
        if (openTxnId == null) {
            json.addNull("in_flight_txn");
        } else {
            json.add("in_flight_txn", Long.toString(openTxnId));
        }
        if (oldestPendingAt == null) {
            json.addNull("oldest_pending_age_ms");
        } else {
            json.add("oldest_pending_age_ms", Math.max(0, now - oldestPendingAt));
        }
        nullable(json, "next_retry_at", state.isDown() && state.nextRetryAt() != null
                ? Instant.ofEpochMilli(state.nextRetryAt()).toString() : null);
        if (state.lastError() == null) {
            json.addNull("last_error");
        } else {
            json.add("last_error", Json.createObjectBuilder()
                    .add("reason", state.lastError())
                    .add("at", state.lastErrorAt() == null ? "" : Instant.ofEpochMilli(state.lastErrorAt()).toString()));
        }
        return json.build();
    }

    private static void nullable(JsonObjectBuilder json, String key, String value) {
        if (value == null) {
            json.addNull(key);
        } else {
            json.add(key, value);
        }
    }
}
