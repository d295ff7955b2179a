package appservice.delivery.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Everything a homeserver pushes besides events reaches the application services that asked for it,
 * under the keys their registration flags call for, through the real broker.
 */
@AppServices({"eph|receive_ephemeral: true|org.matrix.msc3202: true",
        "unstable|de.sorunome.msc2409.push_ephemeral: true",
        "plain"})
class AppServiceApiIT extends OnServer {

    @Test
    void ephemeralToDeviceAndDeviceDataGoUnderTheirKeys() {
        RecordingAppService eph = DeliveryFixture.appService("eph");
        RecordingAppService unstable = DeliveryFixture.appService("unstable");
        RecordingAppService plain = DeliveryFixture.appService("plain");
        try (Publisher publisher = new Publisher()) {
            publisher.publish("{\"kind\":\"ephemeral\",\"event\":{\"type\":\"m.typing\",\"room_id\":\"!t:localhost\","
                    + "\"content\":{\"user_ids\":[\"@eph_bob:localhost\"]}},"
                    + "\"room_members\":[\"@eph_bob:localhost\",\"@unstable_x:localhost\",\"@plain_y:localhost\"]}", "!t:localhost");
            publisher.publish("{\"kind\":\"to_device\",\"message\":{\"type\":\"m.room_key_request\",\"sender\":\"@alice:localhost\","
                    + "\"to_user_id\":\"@eph_bob:localhost\",\"to_device_id\":\"DEV\",\"content\":{\"action\":\"request\"}}}", "td");
            publisher.publish("{\"kind\":\"device_lists\",\"changed\":[\"@eph_c:localhost\",\"@other:localhost\"],"
                    + "\"left\":[\"@eph_l:localhost\"]}", "dl");
            publisher.publish("{\"kind\":\"device_keys\",\"user_id\":\"@eph_bob:localhost\",\"device_id\":\"DEV\","
                    + "\"one_time_key_counts\":{\"signed_curve25519\":7},\"unused_fallback_key_types\":[\"signed_curve25519\"]}", "dk");
            publisher.publish(Publisher.event("$plain", "!p:localhost", "@plain_z:localhost"), "!p:localhost");
        }

        RecordingAppService.await(() -> allKeys(eph).containsAll(List.of("ephemeral", "de.sorunome.msc2409.to_device",
                "org.matrix.msc3202.device_lists", "org.matrix.msc3202.device_one_time_key_counts")), TIMEOUT,
                () -> "eph got " + eph.received());
        JsonObject typing = firstWith(eph, "ephemeral").getJsonArray("ephemeral").getJsonObject(0);
        assertEquals("m.typing", typing.getString("type"));
        JsonObject toDevice = firstWith(eph, "de.sorunome.msc2409.to_device")
                .getJsonArray("de.sorunome.msc2409.to_device").getJsonObject(0);
        assertEquals("DEV", toDevice.getString("to_device_id"));
        JsonObject lists = firstWith(eph, "org.matrix.msc3202.device_lists").getJsonObject("org.matrix.msc3202.device_lists");
        assertEquals("[\"@eph_c:localhost\"]", lists.getJsonArray("changed").toString(), "only its own users");
        assertEquals("[\"@eph_l:localhost\"]", lists.getJsonArray("left").toString());
        JsonObject keys = firstWith(eph, "org.matrix.msc3202.device_one_time_key_counts");
        assertEquals(7, keys.getJsonObject("org.matrix.msc3202.device_one_time_key_counts")
                .getJsonObject("@eph_bob:localhost").getJsonObject("DEV").getInt("signed_curve25519"));
        assertEquals(keys.get("org.matrix.msc3202.device_one_time_key_counts"),
                keys.get("org.matrix.msc3202.device_one_time_keys_count"), "the older name carries the same");
        assertTrue(keys.containsKey("org.matrix.msc3202.device_unused_fallback_key_types"));

        RecordingAppService.await(() -> allKeys(unstable).contains("de.sorunome.msc2409.ephemeral"), TIMEOUT,
                () -> "unstable got " + unstable.received());
        assertFalse(allKeys(unstable).contains("ephemeral"), "the unstable flag gets the unstable key only");

        plain.awaitDelivered(1, TIMEOUT);
        assertEquals(List.of("events"), allKeys(plain), "no flags: events only");
    }

    @Test
    void ephemeralDataIsKeptWhileAnApplicationServiceIsDownAndGoesOutAtMost100PerTransaction() {
        RecordingAppService unstable = DeliveryFixture.appService("unstable");
        int before = unstable.accepted().size();
        unstable.answer(503);
        try (Publisher publisher = new Publisher()) {
            publisher.publish(Publisher.event("$first", "!rr:localhost", "@unstable_u:localhost"), "!rr:localhost");
            unstable.awaitRequests(1, TIMEOUT);
            RecordingAppService.await(() -> Admin.state(baseUrl(), "unstable").equals("DOWN"), TIMEOUT,
                    () -> "not DOWN: " + Admin.appService(baseUrl(), "unstable"));
            IntStream.range(0, 150).forEach(i -> publisher.publish("{\"kind\":\"ephemeral\",\"event\":{\"type\":\"m.receipt\","
                    + "\"room_id\":\"!rr:localhost\",\"content\":{\"$e" + i + "\":{}}},\"room_members\":[\"@unstable_u:localhost\"]}",
                    "!rr:localhost"));
        }
        // All stored while DOWN (Synapse drops ephemeral data then): the event's transaction and 150 receipts.
        RecordingAppService.await(() -> Admin.pendingEvents(baseUrl(), "unstable") == 151, TIMEOUT,
                () -> "pending: " + Admin.appService(baseUrl(), "unstable"));
        unstable.answer(200);

        RecordingAppService.await(() -> receiptsDelivered(unstable, before) == 150, Duration.ofSeconds(90),
                () -> "delivered " + receiptsDelivered(unstable, before) + " of 150 receipts");
        List<Integer> sizes = unstable.accepted().subList(before, unstable.accepted().size()).stream()
                .filter(r -> r.json().containsKey("de.sorunome.msc2409.ephemeral"))
                .map(r -> r.json().getJsonArray("de.sorunome.msc2409.ephemeral").size()).toList();
        assertTrue(sizes.stream().allMatch(n -> n <= 100), "at most 100 ephemeral per transaction: " + sizes);
        assertEquals(List.of(100, 50), sizes);
    }

    private static int receiptsDelivered(RecordingAppService as, int skip) {
        List<RecordingAppService.Received> accepted = as.accepted();
        return accepted.subList(Math.min(skip, accepted.size()), accepted.size()).stream()
                .mapToInt(r -> r.json().containsKey("de.sorunome.msc2409.ephemeral")
                        ? r.json().getJsonArray("de.sorunome.msc2409.ephemeral").size() : 0)
                .sum();
    }

    private static List<String> allKeys(RecordingAppService as) {
        return as.accepted().stream().flatMap(r -> r.json().keySet().stream()).distinct().sorted().toList();
    }

    private static JsonObject firstWith(RecordingAppService as, String key) {
        return as.accepted().stream().map(RecordingAppService.Received::json)
                .filter(json -> json.containsKey(key)).findFirst().orElseThrow();
    }
}
