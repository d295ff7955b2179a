package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The status page in a real browser (headless Chromium driven by src/test/browser/status-page.mjs):
 * an operator logs in, sees an application service that really fails as DOWN, clicks Retry and sees it
 * come UP. Needs Node.js, Debian's chromium and `npm ci` in src/test/browser, so it runs only with
 * -Pbrowser (as .ci/run does, after installing them).
 */
@PackagedRuntime
class StatusPageIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void anOperatorSeesADownApplicationServiceAndBringsItBackWithOneClick() throws Exception {
        try (RecordingAppService bridge = new RecordingAppService("bridge");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("status-page", bridge),
                     Map.of())) {
            bridge.answer(500);
            service.start();
            try (Publisher publisher = service.publisher()) {
                publisher.publish(Publisher.event("$s", "!s:localhost", "@bridge_a:localhost"), "!s:localhost");
            }
            // Four real failures (after 2, 4 and 8 s): the next automatic retry is 16 s away.
            bridge.awaitRequests(4, TIMEOUT);
            RecordingAppService.await(() -> Admin.nextRetryAt(service.baseUrl(), "bridge")
                    .filter(at -> at.isAfter(bridge.received().get(3).at().plusSeconds(15))).isPresent(), TIMEOUT,
                    () -> "no 16 s wait: " + Admin.appService(service.baseUrl(), "bridge"));
            Instant automaticRetry = Admin.nextRetryAt(service.baseUrl(), "bridge").orElseThrow();
            bridge.answer(200);

            Path screenshot = Path.of("target", "status-page.png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            Path script = Path.of("src", "test", "browser", "status-page.mjs").toAbsolutePath();
            Process browser = new ProcessBuilder("node", script.toString(), service.baseUrl(), Admin.TOKEN,
                    "bridge", screenshot.toString()).redirectErrorStream(true)
                    .redirectOutput(DeliveryFixture.IT_DIR.resolve("status-page/browser.log").toFile()).start();
            assertTrue(browser.waitFor(120, TimeUnit.SECONDS), "the browser script did not finish");
            String output = Files.readString(DeliveryFixture.IT_DIR.resolve("status-page/browser.log"));
            assertEquals(0, browser.exitValue(), output);

            assertTrue(Files.size(screenshot) > 0, "a screenshot of the page");
            assertEquals(1, bridge.accepted().size());
            assertTrue(bridge.accepted().get(0).at().isBefore(automaticRetry),
                    "the click retried it, before the recoverer would have: " + output);
            assertEquals("UP", Admin.state(service.baseUrl(), "bridge"));
            service.stop();
        }
    }
}
