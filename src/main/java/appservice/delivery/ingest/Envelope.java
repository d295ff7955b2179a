package appservice.delivery.ingest;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One message from the homeserver: a client-format event plus what only the homeserver knows about its
 * room (aliases, local members) and, optionally, the one application service it is meant for.
 */
public record Envelope(
        String kind,
        String eventJson,
        String eventId,
        String roomId,
        String sender,
        String type,
        String stateKey,
        String appserviceId,
        List<String> roomAliases,
        List<String> roomMembers) {

    /** The Matrix limit on a PDU, applied to the event as it will be sent. */
    public static final int MAX_EVENT_BYTES = 65_536;

    public Envelope {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(eventJson, "eventJson");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(type, "type");
        roomAliases = List.copyOf(roomAliases);
        roomMembers = List.copyOf(roomMembers);
    }

    /** Parses and validates a message body; throws {@link PoisonMessageException} with the reason if it can never be used. */
    public static Envelope parse(String text) {
        if (text == null) {
            throw new PoisonMessageException("no message body");
        }
        JsonValue value = readJson(text);
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new PoisonMessageException("not a JSON object but " + describe(value));
        }
        JsonObject envelope = value.asJsonObject();
        String kind = requiredString(envelope, "kind", "kind");
        if (!kind.equals("event")) {
            throw new PoisonMessageException("unknown kind '" + kind + "'");
        }
        if (!envelope.containsKey("event")) {
            throw new PoisonMessageException("missing 'event'");
        }
        if (envelope.get("event").getValueType() != JsonValue.ValueType.OBJECT) {
            throw new PoisonMessageException("'event' is not an object but " + describe(envelope.get("event")));
        }
        JsonObject event = envelope.getJsonObject("event");
        String eventId = requiredString(event, "event_id", "event.event_id");
        String roomId = requiredString(event, "room_id", "event.room_id");
        String sender = requiredString(event, "sender", "event.sender");
        String type = requiredString(event, "type", "event.type");
        String stateKey = event.containsKey("state_key") ? requiredString(event, "state_key", "event.state_key") : null;
        String appserviceId = optionalString(envelope, "appservice_id");
        List<String> roomAliases = optionalStrings(envelope, "room_aliases");
        List<String> roomMembers = optionalStrings(envelope, "room_members");

        String eventJson = event.toString();
        int bytes = eventJson.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_EVENT_BYTES) {
            throw new PoisonMessageException("event " + eventId + " is " + bytes
                    + " bytes of JSON, more than the limit of " + MAX_EVENT_BYTES + " bytes");
        }
        return new Envelope(kind, eventJson, eventId, roomId, sender, type, stateKey, appserviceId,
                roomAliases, roomMembers);
    }

    private static JsonValue readJson(String text) {
        // A JsonReader would silently ignore anything after the first value; the parser reports it.
        try (JsonParser parser = Json.createParser(new StringReader(text))) {
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
        if (!object.containsKey(key) || object.isNull(key)) {
            return null;
        }
        return requiredString(object, key, key);
    }

    private static List<String> optionalStrings(JsonObject object, String key) {
        if (!object.containsKey(key) || object.isNull(key)) {
            return List.of();
        }
        if (!(object.get(key) instanceof JsonArray array)) {
            throw new PoisonMessageException("'" + key + "' is not an array of strings but " + describe(object.get(key)));
        }
        List<String> strings = new ArrayList<>(array.size());
        for (JsonValue item : array) {
            if (!(item instanceof JsonString string)) {
                throw new PoisonMessageException("'" + key + "' is not an array of strings: it holds " + describe(item));
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
