package appservice.delivery.health;

import appservice.delivery.Secrets;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /health}, {@code /health/ready} and {@code /health/live} in the MicroProfile Health wire
 * format, served by the application itself: until it is deployed they do not answer at all, where
 * the server's own endpoint would answer UP with no checks while the application is still starting.
 */
@Path("health")
@Produces(MediaType.APPLICATION_JSON)
@ApplicationScoped
public class HealthResource {

    private static final Logger LOG = Logger.getLogger(HealthResource.class.getName());

    private static final long QUIET_MILLIS = 60_000;

    private static volatile long quietUntil;

    @Inject
    @Readiness
    Instance<HealthCheck> readiness;

    @Inject
    @Liveness
    Instance<HealthCheck> liveness;

    @GET
    @Path("ready")
    public Response ready() {
        return report(run(readiness));
    }

    @GET
    @Path("live")
    public Response live() {
        return report(run(liveness));
    }

    @GET
    public Response all() {
        List<HealthCheckResponse> responses = run(liveness);
        responses.addAll(run(readiness));
        return report(responses);
    }

    private static List<HealthCheckResponse> run(Instance<HealthCheck> checks) {
        List<HealthCheckResponse> responses = new ArrayList<>();
        for (HealthCheck check : checks) {
            try {
                responses.add(check.call());
            } catch (RuntimeException e) {
                // Anyone can read these answers: the reason goes to the log only.
                responses.add(HealthCheckResponse.named(check.getClass().getSimpleName()).down().build());
                failed(check, e);
            }
        }
        return responses;
    }

    private static void failed(HealthCheck check, RuntimeException e) {
        long now = System.currentTimeMillis();
        if (now >= quietUntil) {
            quietUntil = now + QUIET_MILLIS;
            LOG.warning("Health check " + check.getClass().getSimpleName() + " failed (repeated at most once a minute): "
                    + Secrets.mask(String.valueOf(e)));
        }
    }

    private static Response report(List<HealthCheckResponse> responses) {
        boolean up = responses.stream().allMatch(r -> r.getStatus() == HealthCheckResponse.Status.UP);
        JsonArrayBuilder checks = Json.createArrayBuilder();
        for (HealthCheckResponse response : responses) {
            JsonObjectBuilder check = Json.createObjectBuilder()
                    .add("name", response.getName())
                    .add("status", response.getStatus().name());
            response.getData().filter(data -> !data.isEmpty()).ifPresent(data -> check.add("data", json(data)));
            checks.add(check);
        }
        String body = Json.createObjectBuilder().add("status", up ? "UP" : "DOWN").add("checks", checks).build().toString();
        return Response.status(up ? 200 : 503).entity(body).build();
    }

    private static JsonObjectBuilder json(Map<String, Object> data) {
        JsonObjectBuilder object = Json.createObjectBuilder();
        data.forEach((key, value) -> {
            if (value instanceof Long number) {
                object.add(key, number);
            } else if (value instanceof Boolean flag) {
                object.add(key, flag);
            } else {
                object.add(key, String.valueOf(value));
            }
        });
        return object;
    }
}
