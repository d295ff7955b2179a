package appservice.delivery.transactions;

import static appservice.delivery.JsonFactory.JSON;

import appservice.delivery.registrations.AppService;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The PUT body of a transaction, built from its items: the same items and registration flags give the
 * same bytes every time, so a retried transaction carries exactly what it carried the first time.
 */
public final class TransactionBody {

    static final String EVENTS = "events";
    static final String EPHEMERAL = "ephemeral";
    static final String EPHEMERAL_UNSTABLE = "de.sorunome.msc2409.ephemeral";
    static final String TO_DEVICE = "de.sorunome.msc2409.to_device";
    static final String DEVICE_LISTS = "org.matrix.msc3202.device_lists";
    static final String ONE_TIME_KEY_COUNTS = "org.matrix.msc3202.device_one_time_key_counts";
    // The name before MSC3202 was corrected; some application services still read only this one.
    static final String ONE_TIME_KEYS_COUNT = "org.matrix.msc3202.device_one_time_keys_count";
    static final String UNUSED_FALLBACK_KEY_TYPES = "org.matrix.msc3202.device_unused_fallback_key_types";

    private TransactionBody() {
    }

    /**
     * Compact JSON: {@code events} always, every other key only when it has content. Events, ephemeral
     * events and to-device messages go in verbatim and in order; device lists and key counts are merged,
     * the latest update winning, and sorted by user and device.
     */
    public static String build(List<Item> itemsInOrder, AppService service) {
        List<String> events = new ArrayList<>();
        List<String> ephemeral = new ArrayList<>();
        List<String> toDevice = new ArrayList<>();
        Map<String, Boolean> leftByUser = new HashMap<>();
        Map<String, Map<String, JsonObject>> keysByUserAndDevice = new TreeMap<>();
        for (Item item : itemsInOrder) {
            switch (item.kind()) {
                case "event" -> events.add(item.json());
                case "ephemeral" -> ephemeral.add(item.json());
                case "to_device" -> toDevice.add(item.json());
                case "device_lists" -> {
                    JsonObject lists = read(item.json());
                    // Within one update, leaving is the later fact: a user both changed and left ends in left.
                    strings(lists, "changed").forEach(user -> leftByUser.put(user, false));
                    strings(lists, "left").forEach(user -> leftByUser.put(user, true));
                }
                case "device_keys" -> {
                    JsonObject keys = read(item.json());
                    keysByUserAndDevice.computeIfAbsent(keys.getString("user_id"), user -> new TreeMap<>())
                            .put(keys.getString("device_id"), keys);
                }
                default -> throw new IllegalArgumentException("unknown item kind '" + item.kind() + "'");
            }
        }

        StringBuilder body = new StringBuilder("{");
        appendArray(body, EVENTS, events);
        // Ephemeral items of a registration that no longer asks for them (stored before it changed) go out
        // all the same, under the stable key: they are deleted as sent once the transaction is accepted.
        String ephemeralKey = !service.receiveEphemeral() && service.pushEphemeralUnstable() ? EPHEMERAL_UNSTABLE : EPHEMERAL;
        if (!ephemeral.isEmpty()) {
            appendArray(body, ephemeralKey, ephemeral);
        }
        if (!toDevice.isEmpty()) {
            appendArray(body, TO_DEVICE, toDevice);
        }
        if (!leftByUser.isEmpty()) {
            appendValue(body, DEVICE_LISTS, deviceLists(leftByUser));
        }
        JsonObject counts = perDevice(keysByUserAndDevice, "one_time_key_counts");
        if (!counts.isEmpty()) {
            appendValue(body, ONE_TIME_KEY_COUNTS, counts);
            appendValue(body, ONE_TIME_KEYS_COUNT, counts);
        }
        JsonObject fallbackTypes = perDevice(keysByUserAndDevice, "unused_fallback_key_types");
        if (!fallbackTypes.isEmpty()) {
            appendValue(body, UNUSED_FALLBACK_KEY_TYPES, fallbackTypes);
        }
        return body.append('}').toString();
    }

    private static JsonObject deviceLists(Map<String, Boolean> leftByUser) {
        JsonArrayBuilder changed = JSON.createArrayBuilder();
        JsonArrayBuilder left = JSON.createArrayBuilder();
        new TreeMap<>(leftByUser).forEach((user, hasLeft) -> (hasLeft ? left : changed).add(user));
        return JSON.createObjectBuilder().add("changed", changed).add("left", left).build();
    }

    /** {user: {device: value}} for the devices whose latest update has {@code key}; users and devices sorted. */
    private static JsonObject perDevice(Map<String, Map<String, JsonObject>> keysByUserAndDevice, String key) {
        JsonObjectBuilder users = JSON.createObjectBuilder();
        keysByUserAndDevice.forEach((user, devices) -> {
            JsonObjectBuilder values = JSON.createObjectBuilder();
            boolean any = false;
            for (Map.Entry<String, JsonObject> device : devices.entrySet()) {
                JsonValue value = device.getValue().get(key);
                if (value != null && value != JsonValue.NULL) {
                    values.add(device.getKey(), sorted(value));
                    any = true;
                }
            }
            if (any) {
                users.add(user, values);
            }
        });
        return users.build();
    }

    /** An object with its keys sorted (algorithms of the key counts); any other value as it is. */
    private static JsonValue sorted(JsonValue value) {
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            return value;
        }
        JsonObjectBuilder sorted = JSON.createObjectBuilder();
        new TreeMap<>(value.asJsonObject()).forEach(sorted::add);
        return sorted.build();
    }

    private static void appendArray(StringBuilder body, String key, List<String> jsons) {
        appendKey(body, key).append('[').append(String.join(",", jsons)).append(']');
    }

    private static void appendValue(StringBuilder body, String key, JsonValue value) {
        appendKey(body, key).append(value);
    }

    private static StringBuilder appendKey(StringBuilder body, String key) {
        if (body.length() > 1) {
            body.append(',');
        }
        return body.append('"').append(key).append("\":");
    }

    private static JsonObject read(String json) {
        try (var reader = JSON.createReader(new StringReader(json))) {
            return reader.readObject();
        }
    }

    private static List<String> strings(JsonObject object, String key) {
        if (!object.containsKey(key) || object.isNull(key)) {
            return List.of();
        }
        return object.getJsonArray(key).getValuesAs(JsonString.class).stream().map(JsonString::getString).toList();
    }
}
