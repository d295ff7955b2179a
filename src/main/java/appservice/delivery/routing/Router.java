package appservice.delivery.routing;

import static appservice.delivery.JsonFactory.JSON;

import appservice.delivery.ingest.Envelope;
import appservice.delivery.ingest.PoisonMessageException;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Namespace;
import appservice.delivery.transactions.Item;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides which application services want an envelope and what each of them gets: room events as
 * Synapse's {@code is_interested_in_event} does; ephemeral data and to-device messages only for services
 * that asked for ephemeral data; device lists and key counts only for services with MSC3202 on.
 */
public final class Router {

    private Router() {
    }

    /**
     * The item each interested service gets, in the order of {@code services}. An envelope addressed to one
     * {@code appservice_id} goes to that service only, whatever its namespaces, and only if it asked for
     * that kind of data; an unknown {@code appservice_id} is poison. A service that is not pushed to
     * ({@code url: null}) gets nothing: nothing would ever send it, and its items would pile up.
     */
    public static List<Routed> route(Envelope envelope, List<AppService> services, String serverName) {
        if (envelope.appserviceId() != null) {
            AppService target = services.stream()
                    .filter(s -> s.id().equals(envelope.appserviceId()))
                    .findFirst()
                    .orElseThrow(() -> new PoisonMessageException("unknown appservice_id '" + envelope.appserviceId() + "'"));
            return target.pushes() && wantsKind(target, envelope)
                    ? List.of(new Routed(target, envelope.kind(), wholeJson(envelope)))
                    : List.of();
        }
        List<Routed> routed = new ArrayList<>();
        for (AppService service : services) {
            if (service.pushes() && wantsKind(service, envelope)) {
                String json = jsonIfInterested(service, envelope, serverName);
                if (json != null) {
                    routed.add(new Routed(service, envelope.kind(), json));
                }
            }
        }
        return routed;
    }

    /** The services {@link #route} gives the envelope to, in the order of {@code services}. */
    public static List<AppService> interested(Envelope envelope, List<AppService> services, String serverName) {
        return route(envelope, services, serverName).stream().map(Routed::service).toList();
    }

    /**
     * The kinds of item the service gets, in the order a transaction's body lists them: events always,
     * ephemeral events and to-device messages if it asked for ephemeral data, device lists and key
     * updates with MSC3202.
     */
    public static List<String> kindsFor(AppService service) {
        return Item.KINDS.stream().filter(kind -> switch (kind) {
            case "ephemeral", "to_device" -> service.wantsEphemeral();
            case "device_lists", "device_keys" -> service.msc3202();
            default -> true;
        }).toList();
    }

    private static boolean wantsKind(AppService service, Envelope envelope) {
        return kindsFor(service).contains(envelope.kind());
    }

    private static String wholeJson(Envelope envelope) {
        if (envelope instanceof Envelope.Event event) {
            return event.eventJson();
        }
        if (envelope instanceof Envelope.Ephemeral ephemeral) {
            return ephemeral.eventJson();
        }
        if (envelope instanceof Envelope.ToDevice toDevice) {
            return toDevice.messageJson();
        }
        if (envelope instanceof Envelope.DeviceLists lists) {
            return deviceListsJson(lists.changed(), lists.left());
        }
        return ((Envelope.DeviceKeys) envelope).json();
    }

    /** The JSON for this service, or null if it is not interested. */
    private static String jsonIfInterested(AppService service, Envelope envelope, String serverName) {
        if (envelope instanceof Envelope.Event event) {
            return isInterested(service, event, serverName) ? event.eventJson() : null;
        }
        if (envelope instanceof Envelope.Ephemeral ephemeral) {
            return isInterested(service, ephemeral, serverName) ? ephemeral.eventJson() : null;
        }
        if (envelope instanceof Envelope.ToDevice toDevice) {
            return isInterestedInUser(service, toDevice.toUserId(), serverName) ? toDevice.messageJson() : null;
        }
        if (envelope instanceof Envelope.DeviceLists lists) {
            // Each service learns only about its own users.
            List<String> changed = lists.changed().stream().filter(u -> isInterestedInUser(service, u, serverName)).toList();
            List<String> left = lists.left().stream().filter(u -> isInterestedInUser(service, u, serverName)).toList();
            return changed.isEmpty() && left.isEmpty() ? null : deviceListsJson(changed, left);
        }
        Envelope.DeviceKeys keys = (Envelope.DeviceKeys) envelope;
        return isInterestedInUser(service, keys.userId(), serverName) ? keys.json() : null;
    }

    private static boolean isInterested(AppService service, Envelope.Event event, String serverName) {
        return event.sender().equals(service.senderUserId(serverName))
                || anyMatches(service.users(), event.sender())
                || ("m.room.member".equals(event.type()) && anyMatches(service.users(), event.stateKey()))
                || anyMatches(service.rooms(), event.roomId())
                || event.roomAliases().stream().anyMatch(alias -> anyMatches(service.aliases(), alias))
                || event.roomMembers().stream().anyMatch(member -> anyMatches(service.users(), member));
    }

    private static boolean isInterested(AppService service, Envelope.Ephemeral ephemeral, String serverName) {
        if (ephemeral.type().equals("m.presence")) {
            return isInterestedInUser(service, ephemeral.userId(), serverName);
        }
        return anyMatches(service.rooms(), ephemeral.roomId())
                || ephemeral.roomMembers().stream().anyMatch(member -> anyMatches(service.users(), member));
    }

    private static boolean isInterestedInUser(AppService service, String userId, String serverName) {
        return userId != null && (userId.equals(service.senderUserId(serverName)) || anyMatches(service.users(), userId));
    }

    private static boolean anyMatches(List<Namespace> namespaces, String value) {
        return value != null && namespaces.stream().anyMatch(n -> n.matches(value));
    }

    private static String deviceListsJson(List<String> changed, List<String> left) {
        return JSON.createObjectBuilder()
                .add("changed", JSON.createArrayBuilder(changed))
                .add("left", JSON.createArrayBuilder(left))
                .build()
                .toString();
    }
}
