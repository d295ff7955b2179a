package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the packaged runtime does when nothing says otherwise must be safe in production: it loads no
 * registration with publicly known tokens (the example is loaded only where asked for), and its data
 * directory is one process's, so that two processes never run as one instance.
 */
@PackagedRuntime
class DefaultsIT {

    @Test
    void theExampleIsNotLoadedByDefaultAndASecondProcessOnTheSameDataDirectoryRefusesToStart() throws Exception {
        Path dir = ServiceProcess.prepare("defaults");
        // Started from the project's directory, as after a checkout, without DELIVERY_REGISTRATIONS.
        try (ServiceProcess service = new ServiceProcess(dir, Map.of()).unset("DELIVERY_REGISTRATIONS")) {
            service.start();
            String log = service.log();
            assertTrue(log.contains("Loaded 0 application service registrations from server-config/appservices"),
                    "the default registrations must be the empty server-config/appservices:\n" + log);
            assertFalse(log.contains("example-bridge"), "the example (public tokens) must not be loaded by default");

            // Not prepare(): that would wipe the database the first one uses.
            Path second = DeliveryFixture.IT_DIR.resolve("defaults-second");
            DeliveryFixture.wipe(second);
            Files.createDirectories(second.resolve("registrations"));
            try (ServiceProcess twin = new ServiceProcess(second, Map.of("DELIVERY_DATA_DIR", dir.resolve("data").toString()))) {
                twin.launch();
                assertNotEquals(0, twin.awaitExit(Duration.ofSeconds(120)),
                        "a second process on the same data directory must not run");
                assertTrue(twin.log().contains("is in use by another process"),
                        "it must say why:\n" + twin.log());
            }
            assertTrue(service.isAlive(), "the first one runs on");
            service.stop();
        }
    }
}
