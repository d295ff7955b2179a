package appservice.delivery.ingest;

import static appservice.delivery.JsonFactory.JSON;

import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One message from the homeserver, of one of five kinds: a room event, an ephemeral event (typing,
 * receipt, presence), a to-device message, a device-list update or a device's key counts. Each carries
 * what only the homeserver knows for routing it and, optionally, the one application service it is meant for.
 */
public sealed interface Envelope
        permits Envelope.Event, Envelope.Ephemeral, Envelope.ToDevice, Envelope.DeviceLists, Envelope.DeviceKeys {

    /** The Matrix limit on a PDU, applied to the JSON of every item as it will be stored and sent. */
    int MAX_EVENT_BYTES = 65_536;

    /** The value of the message's {@code kind}: {@code event}, {@code ephemeral}, {@code to_device}, {@code device_lists} or {@code device_keys}. */
    String kind();

    /** The application service the message is addressed to, or null to route it by interest. */
    String appserviceId();

    /** A client-format room event, with the room's aliases and local members. */
    record Event(
            String eventJson,
            String eventId,
            String roomId,
            String sender,
            String type,
            String stateKey,
            String appserviceId,
            List<String> roomAliases,
            List<String> roomMembers) implements Envelope {

        public Event {
            Objects.requireNonNull(eventJson, "eventJson");
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(roomId, "roomId");
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(type, "type");
            roomAliases = List.copyOf(roomAliases);
            roomMembers = List.copyOf(roomMembers);
        }

        @Override
        public String kind() {
            return "event";
        }
    }

    /**
     * An {@code m.typing} or {@code m.receipt} event of a room ({@code roomId} set, {@code userId} as given
     * or null), or an {@code m.presence} event of a user ({@code userId} set, {@code roomId} null).
     */
    record Ephemeral(
            String eventJson,
            String type,
            String roomId,
            String userId,
            String appserviceId,
            List<String> roomMembers) implements Envelope {

        public Ephemeral {
            Objects.requireNonNull(eventJson, "eventJson");
            Objects.requireNonNull(type, "type");
            roomMembers = List.copyOf(roomMembers);
        }

        @Override
        public String kind() {
            return "ephemeral";
        }
    }

    /** A to-device message for one device of {@code toUserId}. */
    record ToDevice(String messageJson, String toUserId, String appserviceId) implements Envelope {

        public ToDevice {
            Objects.requireNonNull(messageJson, "messageJson");
            Objects.requireNonNull(toUserId, "toUserId");
        }

        @Override
        public String kind() {
            return "to_device";
        }
    }

    /** Users whose device lists changed, and users the homeserver no longer shares a room with (MSC3202). */
    record DeviceLists(List<String> changed, List<String> left, String appserviceId) implements Envelope {

        public DeviceLists {
            changed = List.copyOf(changed);
            left = List.copyOf(left);
        }

        @Override
        public String kind() {
            return "device_lists";
        }
    }

    /** One device's one-time key counts and/or unused fallback key types (MSC3202). */
    record DeviceKeys(String json, String userId, String deviceId, String appserviceId) implements Envelope {

        public DeviceKeys {
            Objects.requireNonNull(json, "json");
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(deviceId, "deviceId");
        }

        @Override
        public String kind() {
            return "device_keys";
        }
    }

    /** Parses and validates a message body; throws {@link PoisonMessageException} with the reason if it can never be used. */
    static Envelope parse(String text) {
        if (text == null) {
            throw new PoisonMessageException("no message body");
        }
        JsonValue value = readJson(text);
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new PoisonMessageException("not a JSON object but " + describe(value));
        }
        JsonObject envelope = value.asJsonObject();
        requireUnicode(envelope, "");
        String kind = requiredString(envelope, "kind", "kind");
        return switch (kind) {
            case "event" -> event(envelope);
            case "ephemeral" -> ephemeral(envelope);
            case "to_device" -> toDevice(envelope);
            case "device_lists" -> deviceLists(envelope);
            case "device_keys" -> deviceKeys(envelope);
            default -> throw new PoisonMessageException("unknown kind '" + kind + "'");
        };
    }

    private static Event event(JsonObject envelope) {
        JsonObject event = requiredObject(envelope, "event", "event");
        String eventId = requiredString(event, "event_id", "event.event_id");
        String roomId = requiredString(event, "room_id", "event.room_id");
        String sender = requiredString(event, "sender", "event.sender");
        String type = requiredString(event, "type", "event.type");
        String stateKey = event.containsKey("state_key") ? requiredString(event, "state_key", "event.state_key") : null;
        String appserviceId = optionalString(envelope, "appservice_id");
        List<String> roomAliases = optionalStrings(envelope, "room_aliases", "room_aliases");
        List<String> roomMembers = optionalStrings(envelope, "room_members", "room_members");
        String eventJson = withinLimit(event.toString(), "event " + eventId);
        return new Event(eventJson, eventId, roomId, sender, type, stateKey, appserviceId, roomAliases, roomMembers);
    }

    private static Ephemeral ephemeral(JsonObject envelope) {
        JsonObject event = requiredObject(envelope, "event", "event");
        String type = requiredString(event, "type", "event.type");
        if (!List.of("m.typing", "m.receipt", "m.presence").contains(type)) {
            throw new PoisonMessageException("unsupported ephemeral type '" + type + "'");
        }
        String roomId = null;
        String userId;
        if (type.equals("m.presence")) {
            userId = requiredString(event, "sender", "event.sender");
        } else {
            roomId = requiredString(event, "room_id", "event.room_id");
            userId = optionalString(event, "sender", "event.sender");
        }
        String appserviceId = optionalString(envelope, "appservice_id");
        List<String> roomMembers = optionalStrings(envelope, "room_members", "room_members");
        String eventJson = withinLimit(event.toString(), "ephemeral " + type);
        return new Ephemeral(eventJson, type, roomId, userId, appserviceId, roomMembers);
    }

    private static ToDevice toDevice(JsonObject envelope) {
        JsonObject message = requiredObject(envelope, "message", "message");
        String type = requiredString(message, "type", "message.type");
        requiredString(message, "sender", "message.sender");
        String toUserId = requiredString(message, "to_user_id", "message.to_user_id");
        String toDeviceId = requiredString(message, "to_device_id", "message.to_device_id");
        requiredObject(message, "content", "message.content");
        String appserviceId = optionalString(envelope, "appservice_id");
        String messageJson = withinLimit(message.toString(),
                "to_device " + type + " for " + toUserId + " " + toDeviceId);
        return new ToDevice(messageJson, toUserId, appserviceId);
    }

    private static DeviceLists deviceLists(JsonObject envelope) {
        List<String> changed = optionalStrings(envelope, "changed", "changed");
        List<String> left = optionalStrings(envelope, "left", "left");
        if (changed.isEmpty() && left.isEmpty()) {
            throw new PoisonMessageException("no user in 'changed' or 'left'");
        }
        String appserviceId = optionalString(envelope, "appservice_id");
        // Routing sends each service a subset of these lists, never more than all of them.
        withinLimit(JSON.createObjectBuilder()
                .add("changed", JSON.createArrayBuilder(changed))
                .add("left", JSON.createArrayBuilder(left))
                .build().toString(), "device_lists");
        return new DeviceLists(changed, left, appserviceId);
    }

    private static DeviceKeys deviceKeys(JsonObject envelope) {
        String userId = requiredString(envelope, "user_id", "user_id");
        String deviceId = requiredString(envelope, "device_id", "device_id");
        JsonObjectBuilder json = JSON.createObjectBuilder().add("user_id", userId).add("device_id", deviceId);
        boolean counts = isPresent(envelope, "one_time_key_counts");
        if (counts) {
            JsonObject oneTimeKeyCounts = requiredObject(envelope, "one_time_key_counts", "one_time_key_counts");
            for (Map.Entry<String, JsonValue> count : oneTimeKeyCounts.entrySet()) {
                if (!(count.getValue() instanceof JsonNumber number) || !number.isIntegral()) {
                    throw new PoisonMessageException("'one_time_key_counts." + count.getKey() + "' is not an integer but "
                            + (count.getValue() instanceof JsonNumber ? count.getValue() : describe(count.getValue())));
                }
            }
            json.add("one_time_key_counts", oneTimeKeyCounts);
        }
        boolean fallback = isPresent(envelope, "unused_fallback_key_types");
        if (fallback) {
            List<String> types = optionalStrings(envelope, "unused_fallback_key_types", "unused_fallback_key_types");
            json.add("unused_fallback_key_types", JSON.createArrayBuilder(types));
        }
        if (!counts && !fallback) {
            throw new PoisonMessageException("neither 'one_time_key_counts' nor 'unused_fallback_key_types'");
        }
        String appserviceId = optionalString(envelope, "appservice_id");
        String keysJson = withinLimit(json.build().toString(), "device_keys of " + userId + " " + deviceId);
        return new DeviceKeys(keysJson, userId, deviceId, appserviceId);
    }

    private static String withinLimit(String json, String what) {
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_EVENT_BYTES) {
            throw new PoisonMessageException(what + " is " + bytes
                    + " bytes of JSON, more than the limit of " + MAX_EVENT_BYTES + " bytes");
        }
        return json;
    }

    private static JsonValue readJson(String text) {
        // A JsonReader would silently ignore anything after the first value; the parser reports it.
        try (JsonParser parser = JSON.createParser(new StringReader(text))) {
            if (!parser.hasNext()) {
                throw new PoisonMessageException("not JSON: the message body is empty");
            }
            parser.next();
            JsonValue value = parser.getValue();
            if (parser.hasNext()) {
                throw new PoisonMessageException("not JSON: text after the end of the JSON value");
            }
            return value;
        } catch (JsonException | IllegalStateException e) {
            throw new PoisonMessageException("not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses an unpaired surrogate in any string or key, raw or as a JSON escape (a lone D800 to DFFF):
     * it has no UTF-8 form, so the database and the PUT would silently turn it into '?', and the
     * application service would not get what was published. An escaped NUL needs no check: the JSON we
     * keep is written again from the parsed values, and JSON writers escape every control character.
     */
    private static void requireUnicode(JsonValue value, String path) {
        switch (value.getValueType()) {
            case STRING -> requireUnicode(((JsonString) value).getString(), "'" + path + "'");
            case OBJECT -> {
                for (Map.Entry<String, JsonValue> member : value.asJsonObject().entrySet()) {
                    requireUnicode(member.getKey(), "a key of " + (path.isEmpty() ? "the envelope" : "'" + path + "'"));
                    requireUnicode(member.getValue(), path.isEmpty() ? member.getKey() : path + "." + member.getKey());
                }
            }
            case ARRAY -> {
                int index = 0;
                for (JsonValue item : value.asJsonArray()) {
                    requireUnicode(item, path + "[" + index++ + "]");
                }
            }
            default -> {
            }
        }
    }

    private static void requireUnicode(String text, String where) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new PoisonMessageException(String.format(
                        "not valid Unicode: unpaired surrogate \\u%04x at index %d of %s", (int) c, i, where));
            }
        }
    }

    private static boolean isPresent(JsonObject object, String key) {
        return object.containsKey(key) && !object.isNull(key);
    }

    private static JsonObject requiredObject(JsonObject object, String key, String name) {
        if (!object.containsKey(key)) {
            throw new PoisonMessageException("missing '" + name + "'");
        }
        if (object.get(key).getValueType() != JsonValue.ValueType.OBJECT) {
            throw new PoisonMessageException("'" + name + "' is not an object but " + describe(object.get(key)));
        }
        return object.getJsonObject(key);
    }

    private static String requiredString(JsonObject object, String key, String name) {
        if (!object.containsKey(key)) {
            throw new PoisonMessageException("missing '" + name + "'");
        }
        if (!(object.get(key) instanceof JsonString string)) {
            throw new PoisonMessageException("'" + name + "' is not a string but " + describe(object.get(key)));
        }
        return string.getString();
    }

    private static String optionalString(JsonObject object, String key) {
        return optionalString(object, key, key);
    }

    private static String optionalString(JsonObject object, String key, String name) {
        return isPresent(object, key) ? requiredString(object, key, name) : null;
    }

    private static List<String> optionalStrings(JsonObject object, String key, String name) {
        if (!isPresent(object, key)) {
            return List.of();
        }
        if (!(object.get(key) instanceof JsonArray array)) {
            throw new PoisonMessageException("'" + name + "' is not an array of strings but " + describe(object.get(key)));
        }
        List<String> strings = new ArrayList<>(array.size());
        for (JsonValue item : array) {
            if (!(item instanceof JsonString string)) {
                throw new PoisonMessageException("'" + name + "' is not an array of strings: it holds " + describe(item));
            }
            strings.add(string.getString());
        }
        return strings;
    }

    private static String describe(JsonValue value) {
        return switch (value.getValueType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case TRUE, FALSE -> "a boolean";
            case NULL -> "null";
        };
    }
}
