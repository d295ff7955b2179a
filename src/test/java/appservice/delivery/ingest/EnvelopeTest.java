package appservice.delivery.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    private static final String EVENT = """
            {"event_id": "$abc:hs", "room_id": "!room:hs", "sender": "@alice:hs",
             "type": "m.room.message", "origin_server_ts": 1700000000000,
             "content": {"msgtype": "m.text", "body": "héllo"}}""";

    @Test
    void parsesAValidEnvelope() {
        Envelope.Event envelope = parseEvent("""
                {"kind": "event", "event": {"event_id": "$m:hs", "room_id": "!room:hs", "sender": "@alice:hs",
                  "type": "m.room.member", "state_key": "@irc_bob:hs", "content": {"membership": "invite"}},
                 "appservice_id": "irc", "room_aliases": ["#a:hs", "#b:hs"], "room_members": ["@alice:hs"]}""");

        assertEquals("event", envelope.kind());
        assertEquals("$m:hs", envelope.eventId());
        assertEquals("!room:hs", envelope.roomId());
        assertEquals("@alice:hs", envelope.sender());
        assertEquals("m.room.member", envelope.type());
        assertEquals("@irc_bob:hs", envelope.stateKey());
        assertEquals("irc", envelope.appserviceId());
        assertEquals(List.of("#a:hs", "#b:hs"), envelope.roomAliases());
        assertEquals(List.of("@alice:hs"), envelope.roomMembers());
    }

    @Test
    void optionalFieldsMayBeAbsentOrNull() {
        Envelope.Event absent = parseEvent("{\"kind\": \"event\", \"event\": " + EVENT + "}");
        Envelope.Event nulls = parseEvent("{\"kind\": \"event\", \"event\": " + EVENT
                + ", \"appservice_id\": null, \"room_aliases\": null, \"room_members\": null}");

        for (Envelope.Event envelope : List.of(absent, nulls)) {
            assertNull(envelope.stateKey());
            assertNull(envelope.appserviceId());
            assertEquals(List.of(), envelope.roomAliases());
            assertEquals(List.of(), envelope.roomMembers());
        }
    }

    @Test
    void eventJsonIsTheCompactEventAndStable() {
        String text = "{\"kind\": \"event\",\n  \"event\": " + EVENT + "}";

        Envelope.Event envelope = parseEvent(text);

        assertEquals("{\"event_id\":\"$abc:hs\",\"room_id\":\"!room:hs\",\"sender\":\"@alice:hs\","
                + "\"type\":\"m.room.message\",\"origin_server_ts\":1700000000000,"
                + "\"content\":{\"msgtype\":\"m.text\",\"body\":\"héllo\"}}", envelope.eventJson());
        assertEquals(envelope.eventJson(), parseEvent(text).eventJson());
        assertEquals(envelope.eventJson(), parseEvent(
                "{\"kind\":\"event\",\"event\":" + envelope.eventJson() + "}").eventJson());
    }

    @Test
    void rejectsWhatIsNotAJsonObject() {
        assertPoison(null, "no message body");
        assertPoison("", "not JSON");
        assertPoison("{\"kind\": \"event\",", "not JSON");
        assertPoison("<xml/>", "not JSON");
        assertPoison("{\"kind\": \"event\", \"event\": " + EVENT + "} {}", "not JSON");
        assertPoison("{\"kind\": \"event\", \"event\": " + EVENT + "} trailing", "not JSON");
        assertPoison("[1, 2]", "not a JSON object but an array");
        assertPoison("\"event\"", "not a JSON object but a string");
    }

    @Test
    void rejectsAMissingOrUnknownKind() {
        assertPoison("{\"event\": " + EVENT + "}", "missing 'kind'");
        assertPoison("{\"kind\": 1, \"event\": " + EVENT + "}", "'kind' is not a string but a number");
        assertPoison("{\"kind\": \"typing\", \"event\": " + EVENT + "}", "unknown kind 'typing'");
    }

    @Test
    void rejectsAMissingOrMalformedEvent() {
        assertPoison("{\"kind\": \"event\"}", "missing 'event'");
        assertPoison("{\"kind\": \"event\", \"event\": \"$abc:hs\"}", "'event' is not an object but a string");
        assertPoison("{\"kind\": \"event\", \"event\": null}", "'event' is not an object but null");
    }

    @Test
    void rejectsAnEventWithoutItsRequiredStrings() {
        for (String key : List.of("event_id", "room_id", "sender", "type")) {
            assertPoison(envelope(event(key, null)), "missing 'event." + key + "'");
            assertPoison(envelope(event(key, "42")), "'event." + key + "' is not a string but a number");
        }
    }

    @Test
    void rejectsAStateKeyThatIsNotAString() {
        assertPoison(envelope(event("state_key", "{}")), "'event.state_key' is not a string but an object");
        assertPoison(envelope(event("state_key", "null")), "'event.state_key' is not a string but null");
    }

    @Test
    void rejectsBadRoutingHints() {
        assertPoison(envelopeWith("\"appservice_id\": 7"), "'appservice_id' is not a string but a number");
        assertPoison(envelopeWith("\"room_aliases\": \"#a:hs\""), "'room_aliases' is not an array of strings but a string");
        assertPoison(envelopeWith("\"room_aliases\": [\"#a:hs\", 3]"), "'room_aliases' is not an array of strings: it holds a number");
        assertPoison(envelopeWith("\"room_members\": {}"), "'room_members' is not an array of strings but an object");
        assertPoison(envelopeWith("\"room_members\": [null]"), "'room_members' is not an array of strings: it holds null");
    }

    @Test
    void acceptsAnEventOfExactlyTheLimit() {
        String event = eventOfSize(Envelope.MAX_EVENT_BYTES);

        Envelope.Event envelope = parseEvent(envelope(event));

        assertEquals(Envelope.MAX_EVENT_BYTES, envelope.eventJson().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void rejectsAnEventOneByteOverTheLimit() {
        String event = eventOfSize(Envelope.MAX_EVENT_BYTES + 1);

        assertPoison(envelope(event), "event $big:hs is 65537 bytes of JSON, more than the limit of 65536 bytes");
    }

    @Test
    void countsTheLimitInUtf8Bytes() {
        // 'é' is one char but two bytes: a body of 40,000 of them is 80,000 bytes.
        String event = "{\"event_id\":\"$big:hs\",\"room_id\":\"!r:hs\",\"sender\":\"@a:hs\",\"type\":\"m.room.message\","
                + "\"content\":{\"body\":\"" + "é".repeat(40_000) + "\"}}";

        PoisonMessageException e = assertThrows(PoisonMessageException.class, () -> Envelope.parse(envelope(event)));

        assertTrue(e.reason().contains("more than the limit of 65536 bytes"), e.reason());
    }

    @Test
    void rejectsAnEventOfAMegabyteAndAMessageOfTen() {
        assertPoison(envelope(eventOfSize(1 << 20)),
                "event $big:hs is 1048576 bytes of JSON, more than the limit of 65536 bytes");
        assertPoison(envelope(eventOfSize(10 << 20)),
                "event $big:hs is 10485760 bytes of JSON, more than the limit of 65536 bytes");
    }

    @Test
    void rejectsAnUnpairedSurrogateRawOrEscaped() {
        char high = '\uD800';
        char low = '\uDC00';
        assertPoison(envelope(eventWithBody("a" + high + "b")),
                "not valid Unicode: unpaired surrogate \\ud800 at index 1 of 'event.content.body'");
        assertPoison(envelope(eventWithBody("a\\ud800b")),
                "not valid Unicode: unpaired surrogate \\ud800 at index 1 of 'event.content.body'");
        assertPoison(envelope(eventWithBody("\\udc00")),
                "not valid Unicode: unpaired surrogate \\udc00 at index 0 of 'event.content.body'");
        assertPoison(envelope(eventWithBody("" + low + high)),
                "not valid Unicode: unpaired surrogate \\udc00 at index 0 of 'event.content.body'");
        assertPoison(envelope(eventWithBody("ends with \\ud83d")),
                "not valid Unicode: unpaired surrogate \\ud83d at index 10 of 'event.content.body'");
        assertPoison(envelope(eventWithBody("\\ud83d\\ud83d\\ude00")),
                "not valid Unicode: unpaired surrogate \\ud83d at index 0 of 'event.content.body'");
    }

    @Test
    void looksForUnpairedSurrogatesEverywhereInTheEnvelope() {
        assertPoison(envelope(eventWithContent("{\"x\\udfff\": 1}")),
                "not valid Unicode: unpaired surrogate \\udfff at index 1 of a key of 'event.content'");
        assertPoison(envelope(eventWithContent("{\"list\": [\"ok\", {\"deep\": \"\\ud800\"}]}")),
                "not valid Unicode: unpaired surrogate \\ud800 at index 0 of 'event.content.list[1].deep'");
        assertPoison(envelopeWith("\"room_members\": [\"@a:hs\", \"@b\\ud800:hs\"]"),
                "not valid Unicode: unpaired surrogate \\ud800 at index 2 of 'room_members[1]'");
        assertPoison("{\"kind\": \"event\", \"event\": " + EVENT + ", \"\\ud800\": 1}",
                "not valid Unicode: unpaired surrogate \\ud800 at index 0 of a key of the envelope");
        assertPoison(toDevice("content", "{\"key\": \"\\udbff\"}"),
                "not valid Unicode: unpaired surrogate \\udbff at index 0 of 'message.content.key'");
        assertPoison("{\"kind\": \"ev\\ud800ent\"}",
                "not valid Unicode: unpaired surrogate \\ud800 at index 2 of 'kind'");
    }

    @Test
    void keepsSurrogatePairsRawOrEscaped() {
        Envelope.Event raw = parseEvent(envelope(eventWithBody("smile \uD83D\uDE00")));
        Envelope.Event escaped = parseEvent(envelope(eventWithBody("smile \\ud83d\\ude00")));

        assertTrue(raw.eventJson().contains("\"body\":\"smile \uD83D\uDE00\""), raw.eventJson());
        assertEquals(raw.eventJson(), escaped.eventJson());
    }

    @Test
    void keepsAnEscapedNulEscapedSoThatItCanBeStoredAndIsDeliveredAsSent() {
        Envelope.Event nul = parseEvent(envelope(eventWithBody("a\\u0000b\\u001fc")));

        assertTrue(nul.eventJson().contains("\"body\":\"a\\u0000b\\u001fc\""), nul.eventJson());
        assertEquals(-1, nul.eventJson().indexOf('\0'), "a raw NUL in " + nul.eventJson());
        assertEquals(nul.eventJson(), parseEvent(envelope(nul.eventJson())).eventJson());
    }

    @Test
    void aRawNulIsNotJson() {
        assertPoison(envelope(eventWithBody("a\0b")), "not JSON");
    }

    @Test
    void parsesATypingEventWithItsRoomMembers() {
        Envelope.Ephemeral typing = parseAs(Envelope.Ephemeral.class, """
                {"kind": "ephemeral", "event": {"type": "m.typing", "room_id": "!r:hs",
                  "content": {"user_ids": ["@alice:hs"]}}, "room_members": ["@alice:hs", "@irc_bob:hs"]}""");

        assertEquals("ephemeral", typing.kind());
        assertEquals("m.typing", typing.type());
        assertEquals("!r:hs", typing.roomId());
        assertNull(typing.userId());
        assertNull(typing.appserviceId());
        assertEquals(List.of("@alice:hs", "@irc_bob:hs"), typing.roomMembers());
        assertEquals("{\"type\":\"m.typing\",\"room_id\":\"!r:hs\",\"content\":{\"user_ids\":[\"@alice:hs\"]}}",
                typing.eventJson());
    }

    @Test
    void parsesAReceiptAddressedToOneService() {
        Envelope.Ephemeral receipt = parseAs(Envelope.Ephemeral.class, """
                {"kind": "ephemeral", "appservice_id": "irc", "event": {"type": "m.receipt", "room_id": "!r:hs",
                  "content": {"$e:hs": {"m.read": {"@alice:hs": {"ts": 1}}}}}}""");

        assertEquals("m.receipt", receipt.type());
        assertEquals("!r:hs", receipt.roomId());
        assertEquals("irc", receipt.appserviceId());
        assertEquals(List.of(), receipt.roomMembers());
        assertEquals("{\"type\":\"m.receipt\",\"room_id\":\"!r:hs\",\"content\":{\"$e:hs\":{\"m.read\":{\"@alice:hs\":{\"ts\":1}}}}}",
                receipt.eventJson());
    }

    @Test
    void parsesPresenceWithItsUser() {
        Envelope.Ephemeral presence = parseAs(Envelope.Ephemeral.class, """
                {"kind": "ephemeral", "event": {"type": "m.presence", "sender": "@irc_bob:hs",
                  "content": {"presence": "online"}}}""");

        assertEquals("m.presence", presence.type());
        assertEquals("@irc_bob:hs", presence.userId());
        assertNull(presence.roomId());
        assertEquals("{\"type\":\"m.presence\",\"sender\":\"@irc_bob:hs\",\"content\":{\"presence\":\"online\"}}",
                presence.eventJson());
    }

    @Test
    void rejectsABadEphemeralEnvelope() {
        assertPoison("{\"kind\": \"ephemeral\"}", "missing 'event'");
        assertPoison("{\"kind\": \"ephemeral\", \"event\": []}", "'event' is not an object but an array");
        assertPoison(ephemeral("{\"room_id\": \"!r:hs\"}"), "missing 'event.type'");
        assertPoison(ephemeral("{\"type\": 3, \"room_id\": \"!r:hs\"}"), "'event.type' is not a string but a number");
        assertPoison(ephemeral("{\"type\": \"m.room.message\", \"room_id\": \"!r:hs\"}"),
                "unsupported ephemeral type 'm.room.message'");
        assertPoison(ephemeral("{\"type\": \"m.typing\", \"content\": {}}"), "missing 'event.room_id'");
        assertPoison(ephemeral("{\"type\": \"m.receipt\", \"room_id\": null}"), "'event.room_id' is not a string but null");
        assertPoison(ephemeral("{\"type\": \"m.presence\", \"content\": {}}"), "missing 'event.sender'");
        assertPoison(ephemeral("{\"type\": \"m.presence\", \"sender\": [\"@a:hs\"]}"),
                "'event.sender' is not a string but an array");
        assertPoison("{\"kind\": \"ephemeral\", \"event\": {\"type\": \"m.typing\", \"room_id\": \"!r:hs\"},"
                + " \"room_members\": \"@a:hs\"}", "'room_members' is not an array of strings but a string");
        assertPoison("{\"kind\": \"ephemeral\", \"event\": {\"type\": \"m.typing\", \"room_id\": \"!r:hs\"},"
                + " \"appservice_id\": false}", "'appservice_id' is not a string but a boolean");
    }

    @Test
    void parsesAToDeviceMessage() {
        Envelope.ToDevice message = parseAs(Envelope.ToDevice.class, """
                {"kind": "to_device", "message": {"type": "m.room_key_request", "sender": "@alice:hs",
                  "to_user_id": "@irc_bob:hs", "to_device_id": "BOBDEVICE", "content": {"action": "request"}}}""");

        assertEquals("to_device", message.kind());
        assertEquals("@irc_bob:hs", message.toUserId());
        assertNull(message.appserviceId());
        assertEquals("{\"type\":\"m.room_key_request\",\"sender\":\"@alice:hs\",\"to_user_id\":\"@irc_bob:hs\","
                + "\"to_device_id\":\"BOBDEVICE\",\"content\":{\"action\":\"request\"}}", message.messageJson());
    }

    @Test
    void rejectsABadToDeviceMessage() {
        assertPoison("{\"kind\": \"to_device\"}", "missing 'message'");
        assertPoison("{\"kind\": \"to_device\", \"message\": \"hi\"}", "'message' is not an object but a string");
        for (String key : List.of("type", "sender", "to_user_id", "to_device_id")) {
            assertPoison(toDevice(key, null), "missing 'message." + key + "'");
            assertPoison(toDevice(key, "1"), "'message." + key + "' is not a string but a number");
        }
        assertPoison(toDevice("content", null), "missing 'message.content'");
        assertPoison(toDevice("content", "\"text\""), "'message.content' is not an object but a string");
        assertPoison(toDevice("content", "null"), "'message.content' is not an object but null");
    }

    @Test
    void parsesDeviceListUpdates() {
        Envelope.DeviceLists both = parseAs(Envelope.DeviceLists.class,
                "{\"kind\": \"device_lists\", \"changed\": [\"@a:hs\", \"@b:hs\"], \"left\": [\"@c:hs\"], \"appservice_id\": \"irc\"}");
        Envelope.DeviceLists changedOnly = parseAs(Envelope.DeviceLists.class,
                "{\"kind\": \"device_lists\", \"changed\": [\"@a:hs\"], \"left\": null}");
        Envelope.DeviceLists leftOnly = parseAs(Envelope.DeviceLists.class,
                "{\"kind\": \"device_lists\", \"left\": [\"@c:hs\"]}");

        assertEquals("device_lists", both.kind());
        assertEquals(List.of("@a:hs", "@b:hs"), both.changed());
        assertEquals(List.of("@c:hs"), both.left());
        assertEquals("irc", both.appserviceId());
        assertEquals(List.of("@a:hs"), changedOnly.changed());
        assertEquals(List.of(), changedOnly.left());
        assertEquals(List.of(), leftOnly.changed());
        assertEquals(List.of("@c:hs"), leftOnly.left());
    }

    @Test
    void rejectsADeviceListUpdateWithoutUsers() {
        assertPoison("{\"kind\": \"device_lists\"}", "no user in 'changed' or 'left'");
        assertPoison("{\"kind\": \"device_lists\", \"changed\": [], \"left\": null}", "no user in 'changed' or 'left'");
        assertPoison("{\"kind\": \"device_lists\", \"changed\": \"@a:hs\"}", "'changed' is not an array of strings but a string");
        assertPoison("{\"kind\": \"device_lists\", \"left\": [\"@a:hs\", 5]}", "'left' is not an array of strings: it holds a number");
    }

    @Test
    void parsesDeviceKeysKeepingOnlyTheirFields() {
        Envelope.DeviceKeys keys = parseAs(Envelope.DeviceKeys.class, """
                {"kind": "device_keys", "appservice_id": "irc", "user_id": "@irc_bob:hs", "device_id": "DEV",
                 "one_time_key_counts": {"signed_curve25519": 50, "curve25519": 0},
                 "unused_fallback_key_types": ["signed_curve25519"], "something_else": true}""");

        assertEquals("device_keys", keys.kind());
        assertEquals("@irc_bob:hs", keys.userId());
        assertEquals("DEV", keys.deviceId());
        assertEquals("irc", keys.appserviceId());
        assertEquals("{\"user_id\":\"@irc_bob:hs\",\"device_id\":\"DEV\","
                + "\"one_time_key_counts\":{\"signed_curve25519\":50,\"curve25519\":0},"
                + "\"unused_fallback_key_types\":[\"signed_curve25519\"]}", keys.json());
    }

    @Test
    void deviceKeysNeedOnlyOneOfCountsAndFallbackTypes() {
        Envelope.DeviceKeys counts = parseAs(Envelope.DeviceKeys.class,
                "{\"kind\": \"device_keys\", \"user_id\": \"@a:hs\", \"device_id\": \"D\", \"one_time_key_counts\": {}}");
        Envelope.DeviceKeys fallback = parseAs(Envelope.DeviceKeys.class,
                "{\"kind\": \"device_keys\", \"user_id\": \"@a:hs\", \"device_id\": \"D\", \"one_time_key_counts\": null,"
                        + " \"unused_fallback_key_types\": []}");

        assertEquals("{\"user_id\":\"@a:hs\",\"device_id\":\"D\",\"one_time_key_counts\":{}}", counts.json());
        assertEquals("{\"user_id\":\"@a:hs\",\"device_id\":\"D\",\"unused_fallback_key_types\":[]}", fallback.json());
    }

    @Test
    void rejectsBadDeviceKeys() {
        String device = "\"kind\": \"device_keys\", \"user_id\": \"@a:hs\", \"device_id\": \"D\"";
        assertPoison("{\"kind\": \"device_keys\", \"device_id\": \"D\", \"one_time_key_counts\": {}}", "missing 'user_id'");
        assertPoison("{\"kind\": \"device_keys\", \"user_id\": \"@a:hs\", \"device_id\": 7, \"one_time_key_counts\": {}}",
                "'device_id' is not a string but a number");
        assertPoison("{" + device + "}", "neither 'one_time_key_counts' nor 'unused_fallback_key_types'");
        assertPoison("{" + device + ", \"one_time_key_counts\": null, \"unused_fallback_key_types\": null}",
                "neither 'one_time_key_counts' nor 'unused_fallback_key_types'");
        assertPoison("{" + device + ", \"one_time_key_counts\": [50]}", "'one_time_key_counts' is not an object but an array");
        assertPoison("{" + device + ", \"one_time_key_counts\": {\"signed_curve25519\": \"50\"}}",
                "'one_time_key_counts.signed_curve25519' is not an integer but a string");
        assertPoison("{" + device + ", \"one_time_key_counts\": {\"signed_curve25519\": 1.5}}",
                "'one_time_key_counts.signed_curve25519' is not an integer but 1.5");
        assertPoison("{" + device + ", \"unused_fallback_key_types\": \"signed_curve25519\"}",
                "'unused_fallback_key_types' is not an array of strings but a string");
        assertPoison("{" + device + ", \"unused_fallback_key_types\": [{}]}",
                "'unused_fallback_key_types' is not an array of strings: it holds an object");
    }

    @Test
    void appliesTheLimitToEveryKind() {
        String big = "x".repeat(Envelope.MAX_EVENT_BYTES);

        assertPoison(ephemeral("{\"type\": \"m.typing\", \"room_id\": \"!r:hs\", \"content\": {\"pad\": \"" + big + "\"}}"),
                "ephemeral m.typing is 65");
        assertPoison(toDevice("content", "{\"pad\": \"" + big + "\"}"), "to_device m.test for @b:hs DEV is 65");
        assertPoison("{\"kind\": \"device_lists\", \"changed\": [\"@" + big + "\"]}", "device_lists is 65");
        assertPoison("{\"kind\": \"device_keys\", \"user_id\": \"@a:hs\", \"device_id\": \"D\","
                + " \"unused_fallback_key_types\": [\"" + big + "\"]}", "device_keys of @a:hs D is 65");
    }

    @Test
    void anUnknownKindIsStillPoison() {
        assertPoison("{\"kind\": \"presence\", \"event\": " + EVENT + "}", "unknown kind 'presence'");
        assertPoison("{\"kind\": \"device_list\", \"changed\": [\"@a:hs\"]}", "unknown kind 'device_list'");
    }

    private static <T extends Envelope> T parseAs(Class<T> kind, String text) {
        return assertInstanceOf(kind, Envelope.parse(text));
    }

    private static Envelope.Event parseEvent(String text) {
        return parseAs(Envelope.Event.class, text);
    }

    private static String ephemeral(String event) {
        return "{\"kind\": \"ephemeral\", \"event\": " + event + "}";
    }

    /** A valid to-device envelope with {@code key} of its message set to the raw JSON {@code value}, or removed if null. */
    private static String toDevice(String key, String value) {
        Map<String, String> message = new LinkedHashMap<>();
        message.put("type", "\"m.test\"");
        message.put("sender", "\"@a:hs\"");
        message.put("to_user_id", "\"@b:hs\"");
        message.put("to_device_id", "\"DEV\"");
        message.put("content", "{}");
        if (value == null) {
            message.remove(key);
        } else {
            message.put(key, value);
        }
        StringBuilder json = new StringBuilder();
        message.forEach((k, v) -> json.append(json.length() == 0 ? "" : ",").append('"').append(k).append("\":").append(v));
        return "{\"kind\": \"to_device\", \"message\": {" + json + "}}";
    }

    /** A compact event whose UTF-8 serialisation is exactly {@code bytes} long. */
    private static String eventOfSize(int bytes) {
        String head = "{\"event_id\":\"$big:hs\",\"room_id\":\"!r:hs\",\"sender\":\"@a:hs\",\"type\":\"m.room.message\","
                + "\"content\":{\"body\":\"";
        String tail = "\"}}";
        return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
    }

    /** A valid event whose content's body is {@code body}, put in the JSON text as it is (escapes included). */
    private static String eventWithBody(String body) {
        return eventWithContent("{\"msgtype\":\"m.text\",\"body\":\"" + body + "\"}");
    }

    /** A valid event with the raw JSON {@code content}. */
    private static String eventWithContent(String content) {
        return "{\"event_id\":\"$e:hs\",\"room_id\":\"!r:hs\",\"sender\":\"@a:hs\",\"type\":\"m.room.message\","
                + "\"content\":" + content + "}";
    }

    private static String envelope(String event) {
        return "{\"kind\": \"event\", \"event\": " + event + "}";
    }

    private static String envelopeWith(String member) {
        return "{\"kind\": \"event\", \"event\": " + EVENT + ", " + member + "}";
    }

    /** The valid event with {@code key} set to the raw JSON {@code value}, or removed if {@code value} is null. */
    private static String event(String key, String value) {
        StringBuilder json = new StringBuilder("{");
        for (String k : List.of("event_id", "room_id", "sender", "type")) {
            if (!k.equals(key)) {
                json.append('"').append(k).append("\":\"x\",");
            }
        }
        if (value != null) {
            json.append('"').append(key).append("\":").append(value).append(',');
        }
        return json.append("\"content\":{}}").toString();
    }

    private static void assertPoison(String text, String reason) {
        PoisonMessageException e = assertThrows(PoisonMessageException.class, () -> Envelope.parse(text));
        assertTrue(e.reason().startsWith(reason), () -> "expected '" + reason + "' but got '" + e.reason() + "'");
    }
}
