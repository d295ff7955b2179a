package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No token in any log line or error response, with the server's, Jersey's and EclipseLink's logging
 * at FINE and legacy authorization on (which puts the hs_token in every URL): through deliveries,
 * failures, unreachable application services, pings and admin calls.
 */
@PackagedRuntime
class TokensNeverLoggedIT {

    @Test
    void tokensAreMaskedEverywhere() throws Exception {
        try (RecordingAppService leaky = new RecordingAppService("leaky")) {
            Path dir = ServiceProcess.prepare("tokens", leaky);
            Files.writeString(dir.resolve("registrations").resolve("gone.yaml"),
                    DeliveryFixture.registration("gone", "http://127.0.0.1:9"));
            Path logging = dir.resolve("logging.properties");
            Files.writeString(logging, """
                    handlers=java.util.logging.ConsoleHandler
                    java.util.logging.ConsoleHandler.level=FINEST
                    java.util.logging.ConsoleHandler.formatter=java.util.logging.SimpleFormatter
                    .level=INFO
                    org.glassfish.level=FINE
                    jakarta.enterprise.level=FINE
                    javax.enterprise.level=FINE
                    org.glassfish.jersey.level=FINE
                    org.eclipse.persistence.level=FINE
                    appservice.level=FINE
                    """);
            List<String> responses = new ArrayList<>();
            try (ServiceProcess service = new ServiceProcess(dir, Map.of(
                    "DELIVERY_LEGACY_AUTHORIZATION", "true",
                    "DELIVERY_ADMIN_TOKEN", "admin-secret-token",
                    "PAYARA_OPTS", "--logproperties " + logging))) {
                leaky.answer(500);
                service.start();
                try (Publisher publisher = service.publisher()) {
                    publisher.publish(Publisher.event("$1", "!r:localhost", "@leaky_a:localhost"), "!r:localhost");
                    publisher.publish(Publisher.event("$2", "!r:localhost", "@gone_a:localhost"), "!r:localhost");
                }
                leaky.awaitRequests(2, Duration.ofSeconds(60));
                leaky.answer(200);
                responses.add(post(service, "_matrix/client/v1/appservice/leaky/ping", "Bearer as-leaky"));
                responses.add(post(service, "_matrix/client/v1/appservice/gone/ping", "Bearer as-gone"));
                responses.add(post(service, "_matrix/client/v1/appservice/leaky/ping", "Bearer as-gone"));
                leaky.awaitDelivered(1, Duration.ofSeconds(60));
                responses.add(get(service, "api/appservices", "Bearer admin-secret-token"));
                responses.add(get(service, "api/appservices", "Bearer not-the-admin-token"));
                responses.add(get(service, "health/ready", null));
                service.stop();

                String log = service.log();
                assertEquals("access_token=hs-leaky", leaky.accepted().get(0).query(), "legacy authorization was on");
                for (String token : List.of("hs-leaky", "as-leaky", "hs-gone", "as-gone", "admin-secret-token")) {
                    assertFalse(log.contains(token), "the log shows " + token + " at:\n" + around(log, token));
                    for (String response : responses) {
                        assertFalse(response.contains(token), "a response shows " + token + ": " + response);
                    }
                }
            }
        }
    }

    private static String around(String text, String token) {
        int i = text.indexOf(token);
        return text.substring(Math.max(0, i - 500), Math.min(text.length(), i + 200));
    }

    private static String post(ServiceProcess service, String path, String authorization) {
        return text(Http.send("POST", service.baseUrl() + path, authorization, "{}"));
    }

    private static String get(ServiceProcess service, String path, String authorization) {
        return text(Http.send("GET", service.baseUrl() + path, authorization, null));
    }

    private static String text(HttpResponse<String> response) {
        return response.statusCode() + " " + response.body();
    }
}
