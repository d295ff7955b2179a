package appservice.delivery.transactions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import appservice.delivery.registrations.AppService;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionBodyTest {

    private static final AppService PLAIN = service(false, false, false);
    private static final AppService STABLE = service(true, false, false);
    private static final AppService UNSTABLE = service(false, true, false);
    private static final AppService BOTH_FLAGS = service(true, true, true);

    @Test
    void eventsAreAlwaysPresent() {
        assertEquals("{\"events\":[]}", TransactionBody.build(List.of(), PLAIN));
    }

    @Test
    void eventsGoInVerbatimAndInOrder() {
        // Not re-serialised: the stored bytes are the sent bytes, spaces and key order included.
        String second = "{\"type\":\"m.room.message\", \"event_id\":\"$2\"}";
        String first = "{\"event_id\":\"$1\",\"content\":{\"body\":\"h\\u00e9\"}}";

        String body = TransactionBody.build(List.of(event(first), event(second)), PLAIN);

        assertEquals("{\"events\":[" + first + "," + second + "]}", body);
    }

    @Test
    void ephemeralGoesUnderTheStableKeyWhenTheServiceHasTheStableFlag() {
        List<Item> items = List.of(ephemeral("{\"type\":\"m.typing\"}"), ephemeral("{\"type\":\"m.receipt\"}"));

        assertEquals("{\"events\":[],\"ephemeral\":[{\"type\":\"m.typing\"},{\"type\":\"m.receipt\"}]}",
                TransactionBody.build(items, STABLE));
        assertEquals("{\"events\":[],\"ephemeral\":[{\"type\":\"m.typing\"},{\"type\":\"m.receipt\"}]}",
                TransactionBody.build(items, BOTH_FLAGS), "never under both keys");
    }

    @Test
    void ephemeralGoesUnderTheUnstableKeyWhenTheServiceHasOnlyTheUnstableFlag() {
        assertEquals("{\"events\":[],\"de.sorunome.msc2409.ephemeral\":[{\"type\":\"m.presence\"}]}",
                TransactionBody.build(List.of(ephemeral("{\"type\":\"m.presence\"}")), UNSTABLE));
    }

    @Test
    void ephemeralLeftFromAnEarlierRegistrationGoesUnderTheStableKeyForAServiceWithoutEitherFlag() {
        // Stored while the registration asked for ephemeral data; the transaction's acceptance deletes it as sent.
        assertEquals("{\"events\":[],\"ephemeral\":[{\"type\":\"m.typing\"}]}",
                TransactionBody.build(List.of(ephemeral("{\"type\":\"m.typing\"}")), PLAIN));
    }

    @Test
    void toDeviceMessagesGoUnderTheUnstableKeyInOrder() {
        List<Item> items = List.of(new Item("to_device", "{\"n\":1}"), new Item("to_device", "{\"n\":2}"));

        assertEquals("{\"events\":[],\"de.sorunome.msc2409.to_device\":[{\"n\":1},{\"n\":2}]}",
                TransactionBody.build(items, UNSTABLE));
    }

    @Test
    void everyKeyInItsPlace() {
        List<Item> items = List.of(
                keys("{\"user_id\":\"@a:hs\",\"device_id\":\"D\",\"one_time_key_counts\":{\"signed_curve25519\":5},"
                        + "\"unused_fallback_key_types\":[\"signed_curve25519\"]}"),
                lists("[\"@a:hs\"]", "[]"),
                new Item("to_device", "{\"m\":1}"),
                ephemeral("{\"e\":1}"),
                event("{\"ev\":1}"));

        assertEquals("{\"events\":[{\"ev\":1}],"
                + "\"ephemeral\":[{\"e\":1}],"
                + "\"de.sorunome.msc2409.to_device\":[{\"m\":1}],"
                + "\"org.matrix.msc3202.device_lists\":{\"changed\":[\"@a:hs\"],\"left\":[]},"
                + "\"org.matrix.msc3202.device_one_time_key_counts\":{\"@a:hs\":{\"D\":{\"signed_curve25519\":5}}},"
                + "\"org.matrix.msc3202.device_one_time_keys_count\":{\"@a:hs\":{\"D\":{\"signed_curve25519\":5}}},"
                + "\"org.matrix.msc3202.device_unused_fallback_key_types\":{\"@a:hs\":{\"D\":[\"signed_curve25519\"]}}}",
                TransactionBody.build(items, BOTH_FLAGS));
    }

    @Test
    void aUserThatChangedThenLeftEndsInLeft() {
        List<Item> items = List.of(lists("[\"@bob:hs\",\"@carol:hs\"]", "[]"), lists("[]", "[\"@bob:hs\"]"));

        assertEquals("{\"events\":[],\"org.matrix.msc3202.device_lists\":{\"changed\":[\"@carol:hs\"],\"left\":[\"@bob:hs\"]}}",
                TransactionBody.build(items, BOTH_FLAGS));
    }

    @Test
    void aUserThatLeftThenChangedEndsInChanged() {
        List<Item> items = List.of(lists("[]", "[\"@bob:hs\"]"), lists("[\"@bob:hs\"]", "[]"));

        assertEquals("{\"events\":[],\"org.matrix.msc3202.device_lists\":{\"changed\":[\"@bob:hs\"],\"left\":[]}}",
                TransactionBody.build(items, BOTH_FLAGS));
    }

    @Test
    void mergedDeviceListsAreSortedAndHoldEachUserOnce() {
        List<Item> items = List.of(
                lists("[\"@zed:hs\",\"@amy:hs\"]", "[\"@mia:hs\"]"),
                lists("[\"@amy:hs\"]", "[\"@kim:hs\",\"@bea:hs\"]"));

        assertEquals("{\"events\":[],\"org.matrix.msc3202.device_lists\":"
                        + "{\"changed\":[\"@amy:hs\",\"@zed:hs\"],\"left\":[\"@bea:hs\",\"@kim:hs\",\"@mia:hs\"]}}",
                TransactionBody.build(items, BOTH_FLAGS));
    }

    @Test
    void keyCountsKeepTheLatestPerDeviceUnderBothNames() {
        List<Item> items = List.of(
                keys("{\"user_id\":\"@b:hs\",\"device_id\":\"PHONE\",\"one_time_key_counts\":{\"signed_curve25519\":50}}"),
                keys("{\"user_id\":\"@b:hs\",\"device_id\":\"LAPTOP\",\"one_time_key_counts\":{\"signed_curve25519\":7}}"),
                keys("{\"user_id\":\"@a:hs\",\"device_id\":\"X\",\"one_time_key_counts\":{\"signed_curve25519\":1}}"),
                keys("{\"user_id\":\"@b:hs\",\"device_id\":\"PHONE\",\"one_time_key_counts\":{\"signed_curve25519\":49}}"));

        String counts = "{\"@a:hs\":{\"X\":{\"signed_curve25519\":1}},"
                + "\"@b:hs\":{\"LAPTOP\":{\"signed_curve25519\":7},\"PHONE\":{\"signed_curve25519\":49}}}";
        assertEquals("{\"events\":[],"
                        + "\"org.matrix.msc3202.device_one_time_key_counts\":" + counts + ","
                        + "\"org.matrix.msc3202.device_one_time_keys_count\":" + counts + "}",
                TransactionBody.build(items, BOTH_FLAGS));
    }

    @Test
    void aLatestUpdateWithoutCountsLeavesTheDeviceOutOfTheCounts() {
        List<Item> items = List.of(
                keys("{\"user_id\":\"@a:hs\",\"device_id\":\"D\",\"one_time_key_counts\":{\"signed_curve25519\":3}}"),
                keys("{\"user_id\":\"@a:hs\",\"device_id\":\"D\",\"unused_fallback_key_types\":[\"signed_curve25519\"]}"));

        assertEquals("{\"events\":[],"
                        + "\"org.matrix.msc3202.device_unused_fallback_key_types\":{\"@a:hs\":{\"D\":[\"signed_curve25519\"]}}}",
                TransactionBody.build(items, BOTH_FLAGS));
    }

    @Test
    void theSameItemsGiveTheSameBytes() {
        List<Item> items = List.of(
                event("{\"event_id\":\"$1\"}"),
                ephemeral("{\"type\":\"m.typing\"}"),
                lists("[\"@b:hs\",\"@a:hs\"]", "[\"@c:hs\"]"),
                keys("{\"user_id\":\"@b:hs\",\"device_id\":\"D\",\"one_time_key_counts\":{\"z\":1,\"a\":2}}"),
                keys("{\"user_id\":\"@a:hs\",\"device_id\":\"D\",\"one_time_key_counts\":{\"a\":2,\"z\":1}}"));
        List<Item> otherOrderOfIndependentUpdates = List.of(
                event("{\"event_id\":\"$1\"}"),
                keys("{\"user_id\":\"@a:hs\",\"device_id\":\"D\",\"one_time_key_counts\":{\"a\":2,\"z\":1}}"),
                lists("[\"@a:hs\",\"@b:hs\"]", "[\"@c:hs\"]"),
                ephemeral("{\"type\":\"m.typing\"}"),
                keys("{\"user_id\":\"@b:hs\",\"device_id\":\"D\",\"one_time_key_counts\":{\"z\":1,\"a\":2}}"));

        String body = TransactionBody.build(items, BOTH_FLAGS);

        assertEquals(body, TransactionBody.build(List.copyOf(items), BOTH_FLAGS));
        assertEquals(body, TransactionBody.build(otherOrderOfIndependentUpdates, BOTH_FLAGS));
        assertEquals("{\"events\":[{\"event_id\":\"$1\"}],\"ephemeral\":[{\"type\":\"m.typing\"}],"
                + "\"org.matrix.msc3202.device_lists\":{\"changed\":[\"@a:hs\",\"@b:hs\"],\"left\":[\"@c:hs\"]},"
                + "\"org.matrix.msc3202.device_one_time_key_counts\":{\"@a:hs\":{\"D\":{\"a\":2,\"z\":1}},\"@b:hs\":{\"D\":{\"a\":2,\"z\":1}}},"
                + "\"org.matrix.msc3202.device_one_time_keys_count\":{\"@a:hs\":{\"D\":{\"a\":2,\"z\":1}},\"@b:hs\":{\"D\":{\"a\":2,\"z\":1}}}}",
                body);
    }

    @Test
    void rejectsAnUnknownKind() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransactionBody.build(List.of(new Item("typing", "{}")), BOTH_FLAGS));

        assertEquals("unknown item kind 'typing'", e.getMessage());
    }

    private static Item event(String json) {
        return new Item("event", json);
    }

    private static Item ephemeral(String json) {
        return new Item("ephemeral", json);
    }

    private static Item lists(String changed, String left) {
        return new Item("device_lists", "{\"changed\":" + changed + ",\"left\":" + left + "}");
    }

    private static Item keys(String json) {
        return new Item("device_keys", json);
    }

    private static AppService service(boolean receiveEphemeral, boolean pushEphemeralUnstable, boolean msc3202) {
        return new AppService("bridge", "http://bridge:9000", "as-bridge", "hs-bridge", "bridge_bot",
                List.of(), List.of(), List.of(), true, List.of(), receiveEphemeral, pushEphemeralUnstable, msc3202,
                "bridge.yaml");
    }
}
