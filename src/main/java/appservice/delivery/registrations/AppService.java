package appservice.delivery.registrations;

import java.util.List;
import java.util.Objects;

/** An application service as its registration file declares it; {@code url == null} means nothing is pushed. */
public record AppService(
        String id,
        String url,
        String asToken,
        String hsToken,
        String senderLocalpart,
        List<Namespace> users,
        List<Namespace> aliases,
        List<Namespace> rooms,
        boolean rateLimited,
        List<String> protocols,
        boolean receiveEphemeral,
        String source) {

    public AppService {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(asToken, "asToken");
        Objects.requireNonNull(hsToken, "hsToken");
        Objects.requireNonNull(senderLocalpart, "senderLocalpart");
        Objects.requireNonNull(source, "source");
        users = List.copyOf(users);
        aliases = List.copyOf(aliases);
        rooms = List.copyOf(rooms);
        protocols = List.copyOf(protocols);
    }

    public String senderUserId(String serverName) {
        return "@" + senderLocalpart + ":" + serverName;
    }

    public boolean pushes() {
        return url != null;
    }

    // The generated toString would print both tokens into any log line that mentions the service.
    @Override
    public String toString() {
        return "AppService[id=" + id + ", url=" + url + ", senderLocalpart=" + senderLocalpart
                + ", source=" + source + "]";
    }
}
