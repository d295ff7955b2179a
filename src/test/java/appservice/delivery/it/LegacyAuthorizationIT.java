package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** delivery.legacy-authorization also sends the hs_token as ?access_token=, for old application services. */
@PackagedRuntime
class LegacyAuthorizationIT {

    @Test
    void theTokenAlsoGoesInTheQuery() throws Exception {
        try (RecordingAppService old = new RecordingAppService("old");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("legacy", old),
                     Map.of("DELIVERY_LEGACY_AUTHORIZATION", "true", "DELIVERY_ADMIN_TOKEN", ""))) {
            service.start();
            try (Publisher publisher = service.publisher()) {
                publisher.publish(Publisher.event("$l", "!r:localhost", "@old_a:localhost"), "!r:localhost");
            }
            old.awaitDelivered(1, Duration.ofSeconds(60));
            assertEquals("access_token=hs-old", old.accepted().get(0).query());
            assertEquals("Bearer hs-old", old.accepted().get(0).authorization());
            // delivery.admin.token set empty here: the admin API does not exist.
            assertEquals(404, Http.send("GET", service.baseUrl() + "api/appservices", null, null).statusCode());
            service.stop();
        }
    }
}
