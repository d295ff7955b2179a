package appservice.delivery.health;

import appservice.delivery.registrations.Registrations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Always UP: an application service that is DOWN does not make this service unready. It says only how
 * many application services are registered; their states and backlogs are the admin API's
 * ({@code /api/appservices}, behind the admin token), since this endpoint answers anyone, and counting a
 * backlog there cost a scan of it on every probe.
 */
@Readiness
@ApplicationScoped
public class AppServicesCheck implements HealthCheck {

    @Inject
    Registrations registrations;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("appservices").up()
                .withData("registered", registrations.all().size())
                .build();
    }
}
