package appservice.delivery.health;

import appservice.delivery.transactions.AppServiceState;
import appservice.delivery.transactions.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Each application service's state, backlog and (when DOWN) next retry time in epoch milliseconds,
 * and the number of items kept as dead letters, as data: an application service that is DOWN is
 * reported here, it does not make this service unready.
 */
@Readiness
@ApplicationScoped
public class AppServicesCheck implements HealthCheck {

    @Inject
    Transactions transactions;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("appservices").up();
        try {
            Map<String, Long> pending = transactions.pendingCounts();
            for (AppServiceState state : transactions.states()) {
                response.withData(state.asId() + ".state", state.state().name())
                        .withData(state.asId() + ".pending_events", pending.getOrDefault(state.asId(), 0L));
                if (state.nextRetryAt() != null && state.isDown()) {
                    response.withData(state.asId() + ".next_retry_at", state.nextRetryAt());
                }
            }
            response.withData("dead_letters", transactions.deadLetterCount());
        } catch (RuntimeException e) {
            response.withData("error", "cannot read the database: " + e.getMessage());
        }
        return response.build();
    }
}
