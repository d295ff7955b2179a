package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A registration file that is not valid stops the service at startup, naming the file and the problem. */
@PackagedRuntime
class InvalidRegistrationIT {

    @Test
    void theServiceExitsNonZeroNamingTheFileAndTheProblem() throws Exception {
        Path dir = ServiceProcess.prepare("invalid-registration");
        Path file = dir.resolve("registrations").resolve("broken.yaml");
        Files.writeString(file, """
                id: broken
                url: http://127.0.0.1:9
                as_token: as-broken
                hs_token: 42
                sender_localpart: broken_bot
                """);
        try (ServiceProcess service = new ServiceProcess(dir, Map.of())) {
            service.launch();
            int exit = service.awaitExit(Duration.ofSeconds(120));
            assertNotEquals(0, exit, "the service must not run with an invalid registration");
            String log = service.log();
            assertTrue(log.contains("broken.yaml") && log.contains("hs_token"),
                    "the log should name the file and the problem:\n" + log);
            assertTrue(!log.contains("Embedded Artemis broker listening"), "nothing may be consumed");
        }
    }
}
