package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * State survives a restart: a DOWN application service gets its recoverer back, UP work resumes, and items
 * stored under an earlier registration still go out.
 */
@PackagedRuntime
class RestartIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void anApplicationServiceThatWentDownIsRecoveredAfterARestart() throws Exception {
        try (RecordingAppService down = new RecordingAppService("down");
             ServiceProcess service = new ServiceProcess(ServiceProcess.prepare("restart", down), Map.of())) {
            down.answer(503);
            service.start();
            try (Publisher publisher = service.publisher()) {
                publisher.publish(Publisher.event("$before", "!r:localhost", "@down_x:localhost"), "!r:localhost");
            }
            down.awaitRequests(1, TIMEOUT);
            RecordingAppService.await(() -> Admin.state(service.baseUrl(), "down").equals("DOWN"), TIMEOUT,
                    () -> "not DOWN: " + Admin.appService(service.baseUrl(), "down"));
            service.stop();
            int attemptsBeforeRestart = down.received().size();
            String instance = instanceId(service.log());

            down.answer(200);
            service.start();
            assertEquals(instance, instanceId(service.log()), "an instance keeps its id across a restart");
            down.awaitDelivered(1, TIMEOUT);
            RecordingAppService.await(() -> Admin.state(service.baseUrl(), "down").equals("UP"), TIMEOUT,
                    () -> "not UP after recovery: " + Admin.appService(service.baseUrl(), "down"));

            List<RecordingAppService.Received> all = down.received();
            assertTrue(all.size() > attemptsBeforeRestart, "the recoverer retried after the restart");
            RecordingAppService.Received first = all.get(0);
            RecordingAppService.Received recovered = down.accepted().get(0);
            assertEquals(first.txnId(), recovered.txnId(), "the retry after the restart keeps the transaction id");
            assertEquals(first.body(), recovered.body(), "and its events");
            assertEquals(List.of("$before"), down.deliveredEventIds());
            assertEquals(0, Admin.pendingEvents(service.baseUrl(), "down"));
            service.stop();
        }
    }

    @Test
    void nothingIsKeptForAnApplicationServiceThatIsNotPushedTo() throws Exception {
        try (RecordingAppService later = new RecordingAppService("later")) {
            Path dir = ServiceProcess.prepare("restart-nourl", later);
            Path registration = dir.resolve("registrations").resolve("later.yaml");
            try (ServiceProcess service = new ServiceProcess(dir, Map.of())) {
                later.answer(503);
                service.start();
                try (Publisher publisher = service.publisher()) {
                    for (String id : List.of("$1", "$2", "$3")) {
                        publisher.publish(Publisher.event(id, "!r:localhost", "@later_x:localhost"), "!r:localhost");
                    }
                }
                RecordingAppService.await(() -> Admin.pendingEvents(service.baseUrl(), "later") == 3, TIMEOUT,
                        () -> "not stored: " + Admin.appService(service.baseUrl(), "later"));
                service.stop();

                // The operator takes its URL away: what it had can never be sent, and nothing new is kept for it.
                Files.writeString(registration, DeliveryFixture.registration("later", later.url(), "url: null"));
                service.start();
                assertTrue(service.log().contains("AS later is not pushed to (url: null): its 3 stored items were removed"),
                        "the removal must be logged with its count:\n" + service.log());
                try (Publisher publisher = service.publisher()) {
                    publisher.publish(Publisher.event("$4", "!r:localhost", "@later_x:localhost"), "!r:localhost");
                    publisher.publish(Publisher.event("$5", "!r:localhost", "@later_x:localhost"), "!r:localhost");
                    publisher.publish(Publisher.event("$seen", "!r:localhost", "@nobody:localhost"), "!r:localhost");
                }
                // The last message is nobody's: once it has been taken, so have the two before it.
                RecordingAppService.await(() -> Health.check(service.baseUrl(), "delivery")
                        .getJsonNumber("unwanted_events").longValue() == 3, TIMEOUT,
                        () -> "not taken: " + Health.check(service.baseUrl(), "delivery"));
                assertEquals(0, Admin.pendingEvents(service.baseUrl(), "later"), "nothing is kept for it");
                service.stop();
            }
        }
    }

    /** The id an instance gives itself at startup ("Instance <id> (data directory ...)"). */
    private static String instanceId(String log) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("Instance (\\S+) \\(data directory").matcher(log);
        assertTrue(matcher.find(), "no instance id in the log:\n" + log);
        return matcher.group(1);
    }

    @Test
    void itemsOfAKindTheRegistrationNoLongerAsksForStillGoOutAfterARestart() throws Exception {
        try (RecordingAppService bridge = new RecordingAppService("bridge")) {
            Path dir = ServiceProcess.prepare("restart-kinds", bridge);
            Path registration = dir.resolve("registrations").resolve("bridge.yaml");
            Files.writeString(registration, DeliveryFixture.registration("bridge", bridge.url(), "receive_ephemeral: true"));
            try (ServiceProcess service = new ServiceProcess(dir, Map.of("DELIVERY_BACKOFF_MAX", "PT2S"))) {
                bridge.answer(503);
                service.start();
                try (Publisher publisher = service.publisher()) {
                    publisher.publish(Publisher.event("$first", "!r:localhost", "@bridge_x:localhost"), "!r:localhost");
                    bridge.awaitRequests(1, TIMEOUT);
                    // Stored while the first transaction waits for its retry: in no transaction yet.
                    publisher.publish("{\"kind\":\"to_device\",\"message\":{\"type\":\"m.room_key_request\","
                            + "\"sender\":\"@alice:localhost\",\"to_user_id\":\"@bridge_bob:localhost\","
                            + "\"to_device_id\":\"DEV\",\"content\":{\"action\":\"request\"}}}", "td");
                    publisher.publish("{\"kind\":\"ephemeral\",\"event\":{\"type\":\"m.typing\",\"room_id\":\"!r:localhost\","
                            + "\"content\":{\"user_ids\":[\"@bridge_x:localhost\"]}},\"room_members\":[\"@bridge_x:localhost\"]}",
                            "!r:localhost");
                }
                RecordingAppService.await(() -> Admin.pendingEvents(service.baseUrl(), "bridge") == 3, TIMEOUT,
                        () -> "not stored: " + Admin.appService(service.baseUrl(), "bridge"));
                service.stop();

                // The operator turns ephemeral data off; what was stored under the old registration still goes.
                Files.writeString(registration, DeliveryFixture.registration("bridge", bridge.url()));
                bridge.answer(200);
                service.start();
                RecordingAppService.await(() -> bridge.accepted().stream()
                                .anyMatch(txn -> txn.body().contains("de.sorunome.msc2409.to_device")), TIMEOUT,
                        () -> "the to-device message never went out: " + bridge.accepted());
                // The typing event too, under the stable key, not dropped as if sent.
                assertTrue(bridge.accepted().stream().anyMatch(txn -> txn.json().containsKey("ephemeral")
                                && txn.body().contains("m.typing")),
                        "the ephemeral event stored before the change never went out: " + bridge.accepted());
                assertEquals(List.of("$first"), bridge.deliveredEventIds());
                RecordingAppService.await(() -> Admin.pendingEvents(service.baseUrl(), "bridge") == 0, TIMEOUT,
                        () -> "still pending: " + Admin.appService(service.baseUrl(), "bridge"));
                service.stop();
            }
        }
    }
}
