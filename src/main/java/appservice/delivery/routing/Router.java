package appservice.delivery.routing;

import appservice.delivery.ingest.Envelope;
import appservice.delivery.ingest.PoisonMessageException;
import appservice.delivery.registrations.AppService;
import appservice.delivery.registrations.Namespace;
import java.util.List;

/** Decides which application services want an event, as Synapse's {@code is_interested_in_event} does. */
public final class Router {

    private Router() {
    }

    /**
     * The services interested in the envelope's event, in the order of {@code services}; an envelope
     * addressed to one {@code appservice_id} goes to that service only.
     */
    public static List<AppService> interested(Envelope envelope, List<AppService> services, String serverName) {
        if (envelope.appserviceId() != null) {
            return services.stream()
                    .filter(s -> s.id().equals(envelope.appserviceId()))
                    .findFirst()
                    .map(List::of)
                    .orElseThrow(() -> new PoisonMessageException("unknown appservice_id '" + envelope.appserviceId() + "'"));
        }
        return services.stream().filter(s -> isInterested(s, envelope, serverName)).toList();
    }

    private static boolean isInterested(AppService service, Envelope envelope, String serverName) {
        return envelope.sender().equals(service.senderUserId(serverName))
                || anyMatches(service.users(), envelope.sender())
                || ("m.room.member".equals(envelope.type()) && anyMatches(service.users(), envelope.stateKey()))
                || anyMatches(service.rooms(), envelope.roomId())
                || envelope.roomAliases().stream().anyMatch(alias -> anyMatches(service.aliases(), alias))
                || envelope.roomMembers().stream().anyMatch(member -> anyMatches(service.users(), member));
    }

    private static boolean anyMatches(List<Namespace> namespaces, String value) {
        return value != null && namespaces.stream().anyMatch(n -> n.matches(value));
    }
}
